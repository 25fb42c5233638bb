package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// route is one API operation: registered on the router and described in the
// OpenAPI document from the same entry, so the two cannot drift.
type route struct {
	Method  string
	Path    string // Fiber syntax: /organizations/:id
	Role    partners.Role
	Summary string
	Tag     string
	Request string // schema name of the JSON body, if any
	Reply   string // schema name of the response
	List    bool   // the response is a page of Reply
	Status  int
	Query   []string
	handler fiber.Handler
}

func (s *Server) apiRoutes() {
	limit := s.cfg.RateLimit
	if limit == 0 {
		limit = 600
	}
	api := s.App.Group("/api/v1")
	window := s.cfg.RateWindow
	if window <= 0 {
		window = time.Minute
	}
	api.Use(s.rateLimit(limit, window))
	api.Use(requireJSON)
	s.routes = []route{
		{Method: "GET", Path: "/me", Role: partners.Viewer, Summary: "Who is asking", Tag: "identity", Reply: "Me", handler: s.apiMe},
		{Method: "GET", Path: "/organizations", Role: partners.Viewer, Summary: "List the network's organizations", Tag: "organizations", Reply: "Organization", List: true, Query: []string{"kind", "status"}, handler: s.apiOrgs},
		{Method: "POST", Path: "/organizations", Role: partners.Manager, Summary: "Create a partner organization (vendor admins and managers)", Tag: "organizations", Request: "OrganizationInput", Reply: "Organization", Status: 201, handler: s.apiOrgCreate},
		{Method: "GET", Path: "/organizations/:id", Role: partners.Viewer, Summary: "Get an organization", Tag: "organizations", Reply: "Organization", handler: byID(s.partners.Organization)},
		{Method: "PATCH", Path: "/organizations/:id", Role: partners.Manager, Summary: "Change a partner organization (vendor admins and managers)", Tag: "organizations", Request: "OrganizationInput", Reply: "Organization", handler: patchByID(s.partners.UpdateOrganization)},
		{Method: "GET", Path: "/users", Role: partners.Viewer, Summary: "List users of your organization", Tag: "users", Reply: "User", List: true, Query: []string{"status", "org_id"}, handler: s.apiUsers},
		{Method: "POST", Path: "/users", Role: partners.Admin, Summary: "Invite a user; the reply holds the invite link, shown once", Tag: "users", Request: "InviteInput", Reply: "Invited", Status: 201, handler: s.apiInvite},
		{Method: "GET", Path: "/users/:id", Role: partners.Viewer, Summary: "Get a user", Tag: "users", Reply: "User", handler: byID(s.partners.User)},
		{Method: "PATCH", Path: "/users/:id", Role: partners.Viewer, Summary: "Change a user's role or status (admins) or your own locale", Tag: "users", Request: "UserUpdate", Reply: "User", handler: patchByID(s.partners.UpdateUser)},
		{Method: "POST", Path: "/users/:id/invite", Role: partners.Admin, Summary: "Send a pending invitation again: a new link, the old one stops working", Tag: "users", Reply: "Invited", handler: s.apiInviteResend},
		{Method: "DELETE", Path: "/users/:id/invite", Role: partners.Admin, Summary: "Cancel a pending invitation: its link stops working and the invited user is removed", Tag: "users", Status: 204, handler: s.apiInviteCancel},
		{Method: "GET", Path: "/api-keys", Role: partners.Admin, Summary: "List your organization's API keys (created_by: those a user made)", Tag: "api-keys", Reply: "APIKey", List: true, Query: []string{"created_by"}, handler: s.apiKeys},
		{Method: "POST", Path: "/api-keys", Role: partners.Admin, Summary: "Create an API key; the secret is shown once", Tag: "api-keys", Request: "APIKeyInput", Reply: "APIKeyCreated", Status: 201, handler: s.apiKeyCreate},
		{Method: "DELETE", Path: "/api-keys/:id", Role: partners.Admin, Summary: "Revoke an API key", Tag: "api-keys", Status: 204, handler: s.apiKeyRevoke},
		{Method: "GET", Path: "/notifications", Role: partners.Viewer, Summary: "Your notifications, newest first", Tag: "notifications", Reply: "Notification", List: true, handler: s.apiNotifications},
		{Method: "POST", Path: "/notifications/read", Role: partners.Viewer, Summary: "Mark notifications read (all when ids is empty)", Tag: "notifications", Request: "MarkRead", Reply: "Count", handler: s.apiNotificationsRead},
		{Method: "GET", Path: "/audit", Role: partners.Admin, Summary: "The audit log you may read, newest first", Tag: "audit", Reply: "AuditEntry", List: true, handler: s.apiAudit},
		{Method: "GET", Path: "/jobs", Role: partners.Admin, Summary: "Background jobs of your organization", Tag: "jobs", Reply: "Job", List: true, Query: []string{"state"}, handler: s.apiJobs},
		{Method: "POST", Path: "/jobs/:id/retry", Role: partners.Admin, Summary: "Retry a failed job", Tag: "jobs", Status: 204, handler: s.apiJobRetry},
		{Method: "GET", Path: "/openapi.json", Summary: "This document", Tag: "meta", handler: s.apiOpenAPI},
	}
	s.routes = append(s.routes, s.importRoutes()...)
	s.routes = append(s.routes, s.accountRoutes()...)
	for _, r := range s.routes {
		// The role check comes first: a replay must never answer someone whom the
		// route itself would refuse.
		h := r.handler
		if r.Method == "POST" {
			h = s.idempotent(h)
		}
		api.Add(r.Method, r.Path, need(r.Role, h))
	}
	api.Use(func(c *fiber.Ctx) error {
		return apperr.E(apperr.NotFound, "No API route %s %s.", c.Method(), c.Path())
	})
}

// requireJSON refuses write bodies that are not JSON.
func requireJSON(c *fiber.Ctx) error {
	switch c.Method() {
	case "POST", "PATCH", "PUT":
		if len(c.Body()) > 0 && !uploadPaths[c.Path()] && !isJSON(c.Get(fiber.HeaderContentType)) {
			return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the body as application/json.")
		}
	}
	return c.Next()
}

// isJSON reports whether a Content-Type is application/json (any parameters,
// such as charset=utf-8, allowed; application/jsonx and the like are not JSON).
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// decode reads a JSON body strictly: unknown fields, trailing data and type
// mismatches are errors that name the field or the byte offset.
func decode(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.E(apperr.Invalid, "The request body is empty: send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return apperr.Field("body", "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
		case errors.As(err, &typ):
			if typ.Field == "" {
				// The body itself is of the wrong type (an array, a string).
				return apperr.Field("body", "must be a JSON object, not %s", typ.Value)
			}
			return apperr.Field(typ.Field, "must be a JSON %s, not %s", typ.Type.Kind(), typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return apperr.Field(f, "is not a known field")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return apperr.Field("body", "the JSON body ends too early")
		}
		return apperr.Field("body", "the body is not a valid JSON object: %s", err.Error())
	}
	if dec.More() {
		return apperr.Field("body", "unexpected data after the JSON object")
	}
	return nil
}

// page is a list reply with its cursor.
type page struct {
	Data       any    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func encodeCursor(v int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatInt(v, 10)))
}

// cursor reads the ?cursor= parameter: opaque to clients, a key of the list's order.
func cursor(c *fiber.Ctx) (int64, error) {
	raw := c.Query("cursor")
	if raw == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	s, ok := strings.CutPrefix(string(b), "v1:")
	n, perr := strconv.ParseInt(s, 10, 64)
	if err != nil || !ok || perr != nil || n < 0 {
		return 0, apperr.Field("cursor", "is not a cursor this API gave out")
	}
	return n, nil
}

func limitParam(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 200 {
		return 0, apperr.Field("limit", "must be a whole number from 1 to 200")
	}
	return n, nil
}

// paged serves a keyset-paged list: it reads the cursor and the limit, asks fetch
// for limit+1 items after (or before, for newest-first lists) the cursor's key, and
// replies with the page and the next cursor, taken from key of the last item.
func paged[T any](c *fiber.Ctx, key func(T) int64, fetch func(cursor int64, limit int) ([]T, error)) error {
	p, err := fetchPage(c, key, fetch)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func fetchPage[T any](c *fiber.Ctx, key func(T) int64, fetch func(cursor int64, limit int) ([]T, error)) (page, error) {
	after, err := cursor(c)
	if err != nil {
		return page{}, err
	}
	limit, err := limitParam(c)
	if err != nil {
		return page{}, err
	}
	items, err := fetch(after, limit+1)
	if err != nil {
		return page{}, err
	}
	return pageOf(items, limit, key), nil
}

// pageOf trims a list fetched with limit+1 rows and sets the next cursor.
func pageOf[T any](items []T, limit int, key func(T) int64) page {
	p := page{Data: items}
	if len(items) > limit {
		items = items[:limit]
		p.Data = items
		p.NextCursor = encodeCursor(key(items[limit-1]))
	}
	if items == nil {
		p.Data = []T{}
	}
	return p
}

func (s *Server) apiMe(c *fiber.Ctx) error {
	a := actorOf(c)
	org, err := s.partners.Organization(c.UserContext(), *a, a.Org)
	if err != nil {
		return err
	}
	me := fiber.Map{"network_id": a.Network, "organization": org, "role": a.Role, "vendor": a.VendorOrg}
	if a.User != 0 {
		me["user"] = fiber.Map{"id": a.User, "name": a.Name, "email": a.Email, "locale": a.Locale}
	} else {
		me["api_key"] = fiber.Map{"id": a.APIKey, "name": a.Name}
	}
	return c.JSON(me)
}

func (s *Server) apiOrgs(c *fiber.Ctx) error {
	kind, status := c.Query("kind"), c.Query("status")
	if kind != "" {
		if err := oneOfField("kind", kind, partners.Kinds); err != nil {
			return err
		}
	}
	if status != "" {
		if err := oneOfField("status", status, []string{"active", "inactive"}); err != nil {
			return err
		}
	}
	return paged(c, func(o partners.Organization) int64 { return o.ID }, func(after int64, limit int) ([]partners.Organization, error) {
		return s.partners.Organizations(c.UserContext(), *actorOf(c), partners.OrganizationFilter{Kind: kind, Status: status, After: after, Limit: limit})
	})
}

func oneOfField(field, v string, allowed []string) error {
	for _, a := range allowed {
		if a == v {
			return nil
		}
	}
	return apperr.Field(field, "must be one of %s", strings.Join(allowed, ", "))
}

func (s *Server) apiOrgCreate(c *fiber.Ctx) error {
	var in partners.OrganizationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.partners.CreateOrganization(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) apiUsers(c *fiber.Ctx) error {
	org, err := queryInt(c, "org_id")
	if err != nil {
		return err
	}
	return paged(c, func(u partners.User) int64 { return u.ID }, func(after int64, limit int) ([]partners.User, error) {
		return s.partners.Users(c.UserContext(), *actorOf(c), partners.UserFilter{Org: org, Status: c.Query("status"), After: after, Limit: limit})
	})
}

func (s *Server) apiInvite(c *fiber.Ctx) error {
	var in partners.InviteInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u, token, err := s.partners.Invite(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	// A replay of this request answers with the user, not the invite link.
	if b, err := jsonMarshal(fiber.Map{"user": u}); err == nil {
		c.Locals(replayBodyKey, b)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": u, "invite_url": s.inviteURL(c, token)})
}

func (s *Server) apiInviteResend(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u, token, err := s.partners.ResendInvite(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": u, "invite_url": s.inviteURL(c, token)})
}

func (s *Server) apiInviteCancel(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.CancelInvite(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiKeys(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	createdBy, err := queryInt(c, "created_by")
	if err != nil {
		return err
	}
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), createdBy)
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []partners.APIKey{}
	}
	return c.JSON(page{Data: keys})
}

func (s *Server) apiKeyCreate(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	k, secret, err := s.partners.CreateAPIKey(c.UserContext(), *actorOf(c), in.Name, in.Role)
	if err != nil {
		return err
	}
	// A replay of this request answers with the key, not its secret.
	if b, err := jsonMarshal(fiber.Map{"api_key": k}); err == nil {
		c.Locals(replayBodyKey, b)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"api_key": k, "secret": secret})
}

func (s *Server) apiKeyRevoke(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.RevokeAPIKey(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiNotifications(c *fiber.Ctx) error {
	p, err := fetchPage(c, func(n notify.Notification) int64 { return n.ID }, func(before int64, limit int) ([]notify.Notification, error) {
		return notify.List(c.UserContext(), s.db, actorOf(c).Scope(), before, limit)
	})
	if err != nil {
		return err
	}
	unread, err := notify.Unread(c.UserContext(), s.db, actorOf(c).Scope())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": p.Data, "next_cursor": p.NextCursor, "unread": unread})
}

func (s *Server) apiNotificationsRead(c *fiber.Ctx) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := notify.MarkRead(c.UserContext(), s.db, actorOf(c).Scope(), in.IDs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"count": n})
}

func (s *Server) apiAudit(c *fiber.Ctx) error {
	return paged(c, func(r audit.Record) int64 { return r.Seq }, func(before int64, limit int) (entries []audit.Record, err error) {
		err = s.db.Tx(c.UserContext(), actorOf(c).Scope(), func(tx *sqlx.Tx) error {
			entries, err = audit.List(c.UserContext(), tx, before, limit)
			return err
		})
		return entries, err
	})
}

func (s *Server) apiJobs(c *fiber.Ctx) error {
	state := c.Query("state")
	if state != "" {
		if err := oneOfField("state", state, []string{"queued", "running", "done", "failed"}); err != nil {
			return err
		}
	}
	return paged(c, func(j jobs.Job) int64 { return j.ID }, func(before int64, limit int) ([]jobs.Job, error) {
		return jobs.List(c.UserContext(), s.db, actorOf(c).Scope(), state, before, limit)
	})
}

func (s *Server) apiJobRetry(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := jobs.Retry(c.UserContext(), s.db, actorOf(c).Scope(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// rateLimit allows limit API requests per window to each organization (or, before
// anyone is known, to each address). The count lives in PostgreSQL
// (ph_rate_hit), so every instance behind a load balancer shares it. The reply
// carries X-RateLimit-Limit, -Remaining and -Reset; a refusal is a 429 with
// Retry-After.
func (s *Server) rateLimit(limit int, window time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := "ip:" + s.clientIP(c)
		if a := actorOf(c); a != nil {
			key = fmt.Sprintf("org:%d:%d", a.Network, a.Org)
		}
		var hit struct {
			Hits    int       `db:"hits"`
			ResetAt time.Time `db:"reset_at"`
		}
		if err := s.db.GetContext(c.UserContext(), &hit, `SELECT hits, reset_at FROM ph_rate_hit($1, $2::interval)`,
			key, fmt.Sprintf("%d seconds", int(window.Seconds()))); err != nil {
			return fmt.Errorf("rate limit: %w", err)
		}
		reset := max(int(math.Ceil(time.Until(hit.ResetAt).Seconds())), 0)
		c.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		c.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-hit.Hits, 0)))
		c.Set("X-RateLimit-Reset", strconv.Itoa(reset))
		if hit.Hits > limit {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(reset, 1)))
			if window == time.Minute {
				return apperr.E(apperr.TooMany, "Rate limit of %d requests per minute for your organization reached: retry later.", limit)
			}
			return apperr.E(apperr.TooMany, "Rate limit of %d requests per %s for your organization reached: retry later.", limit, window)
		}
		return c.Next()
	}
}
