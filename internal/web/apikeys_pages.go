package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) keysPage(c *fiber.Ctx) error { return s.keysPageWith(c, nil) }

func (s *Server) keysPageWith(c *fiber.Ctx, extra fiber.Map) error {
	createdBy, err := queryInt(c, "created_by")
	if err != nil {
		return err
	}
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), createdBy)
	if err != nil {
		return err
	}
	t := newTable(c, "/api-keys", apiKeySorts, "created", "created_by")
	t.Export = "/api-keys/export.csv"
	sortRows(t, keys, apiKeyOrders)
	page, err := memPage(t, c, keys, func(k partners.APIKey) int64 { return k.ID })
	if err != nil {
		return err
	}
	data := fiber.Map{"Keys": page, "Roles": partners.Roles, "CreatedBy": createdBy, "Table": t, "Cursor": c.Query("cursor")}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "apikeys", data)
}

// keysExport is the API keys list as CSV, exactly as shown: every page of its
// filter and order, or with page=1 the page of the cursor only. No secret is
// in it: the hub keeps none.
func (s *Server) keysExport(c *fiber.Ctx) error {
	createdBy, err := queryInt(c, "created_by")
	if err != nil {
		return err
	}
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), createdBy)
	if err != nil {
		return err
	}
	t := newTable(c, "/api-keys", apiKeySorts, "created", "created_by")
	sortRows(t, keys, apiKeyOrders)
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if onePage {
		if keys, err = memPage(t, c, keys, func(k partners.APIKey) int64 { return k.ID }); err != nil {
			return err
		}
	}
	tr := translator(lang(c))
	rows := [][]string{{tr("apikeys.name"), tr("apikeys.prefix"), tr("users.role"), tr("apikeys.created"), tr("apikeys.last_used"), tr("apikeys.revoked")}}
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, k := range keys {
		rows = append(rows, []string{k.Name, k.Prefix, tr("role." + string(k.Role)), at(&k.CreatedAt), at(k.LastUsedAt), at(k.RevokedAt)})
	}
	return sendCSV(c, "api-keys", rows)
}

// The API keys list's sortable columns (the oldest first by default, as made).
var (
	apiKeySorts  = map[string]bool{"name": false, "created": false, "last_used": false}
	apiKeyOrders = map[string]func(a, b partners.APIKey) int{
		"name": func(a, b partners.APIKey) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		},
		"created": func(a, b partners.APIKey) int { return a.CreatedAt.Compare(b.CreatedAt) },
		"last_used": func(a, b partners.APIKey) int {
			switch {
			case a.LastUsedAt == nil && b.LastUsedAt == nil:
				return 0
			case a.LastUsedAt == nil:
				return -1
			case b.LastUsedAt == nil:
				return 1
			}
			return a.LastUsedAt.Compare(*b.LastUsedAt)
		},
	}
)

var apiKeyNewForm = newForm("api-key-new",
	fieldSpec{Name: "name", Label: "apikeys.name", Required: true, Max: 100},
	fieldSpec{Name: "role", Label: "users.role", Type: "select", OptionPrefix: "role."})

// keyCreate makes a key and shows its secret once: the secret rides in the
// session's one-time message to the GET it redirects to, so neither a reload
// nor going back shows it (or makes another key).
func (s *Server) keyCreate(c *fiber.Ctx) error {
	k, secret, err := s.partners.CreateAPIKey(c.UserContext(), *actorOf(c), c.FormValue("name"), c.FormValue("role"))
	if err != nil {
		return s.rejected(c, apiKeyNewForm, "/api-keys", err)
	}
	notice := translator(lang(c))("flash.key_created", "Name", k.Name)
	kept, err := s.keepFlash(c, flash{Notice: notice, Secret: secret})
	if err != nil {
		return err
	}
	if !kept {
		// An API key calling the portal has no session to carry the secret.
		return s.keysPageWith(c, fiber.Map{"Secret": secret, "Flash": notice})
	}
	return seeOther(c, "/api-keys")
}

// activeKey is the caller's organization's active key id.
// Errors: NotFound.
func (s *Server) activeKey(c *fiber.Ctx, id int64) (*partners.APIKey, error) {
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), 0)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == id && k.RevokedAt == nil {
			return &k, nil
		}
	}
	return nil, apperr.E(apperr.NotFound, "Active API key %d not found in your organization.", id)
}

// keyRevokeConfirm asks before revoking.
func (s *Server) keyRevokeConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	k, err := s.activeKey(c, id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.key_revoke", "Name", k.Name), Consequence: tr("confirm.key_revoke_then"),
		Button: tr("apikeys.revoke"), Cancel: "/api-keys"})
}

func (s *Server) keyRevoke(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	k, err := s.activeKey(c, id)
	if err != nil {
		return err
	}
	if err := s.partners.RevokeAPIKey(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return s.done(c, "/api-keys", translator(lang(c))("flash.key_revoked", "Name", k.Name))
}

// apiKeyPages registers the apikeys pages.
func (s *Server) apiKeyPages(p addPage) {
	p("GET", "/api-keys", partners.Admin, s.keysPage)
	p("GET", "/api-keys/export.csv", partners.Admin, s.keysExport)
	p("POST", "/api-keys", partners.Admin, s.keyCreate)
	p("GET", "/api-keys/:id/revoke", partners.Admin, s.keyRevokeConfirm)
	p("POST", "/api-keys/:id/revoke", partners.Admin, s.keyRevoke)
}
