package web

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/partners"
)

// auditActions are the actions the audit page offers as a filter, in the order
// shown; each has a sentence "audit.say.<action>" in every locale.
var auditActions = []string{
	"user.login", "user.logout", "user.invite", "user.invite_resend", "user.invite_cancel", "user.accept_invite", "user.update", "user.change_password",
	"api_key.create", "api_key.revoke",
	"organization.create", "organization.update",
	"partnership.invite", "partnership.accept", "partnership.decline", "partnership.revoke", "sharing_policy.set",
	"share.create", "share.delete",
	"account.create", "account.update", "account.archive", "account.restore", "account.merge",
	"contact.create", "contact.update", "contact.archive", "contact.restore",
	"import.accounts", "import.contacts", "network.create",
}

// auditEntry is a log entry as the portal shows it: a sentence in the reader's
// language and a link to what it is about.
type auditEntry struct {
	audit.Record
	Sentence string
	Link     string
}

// auditView renders entries for the reader: T is the page's translator.
func auditView(tr func(string, ...any) string, recs []audit.Record) []auditEntry {
	out := make([]auditEntry, len(recs))
	for i, r := range recs {
		kv := []any{"Actor", r.Actor, "Type", r.TargetType, "ID", r.TargetID}
		var detail map[string]any
		if json.Unmarshal(r.Detail, &detail) == nil {
			for k, v := range detail {
				kv = append(kv, k, v)
			}
		}
		id := "audit.say." + r.Action
		s := tr(id, kv...)
		if s == id {
			s = tr("audit.say.other", append(kv, "Action", r.Action)...)
		}
		out[i] = auditEntry{Record: r, Sentence: s, Link: auditLink(r)}
	}
	return out
}

// auditLink is the portal page of an entry's target, or "" when it has none.
func auditLink(r audit.Record) string {
	if _, err := strconv.ParseInt(r.TargetID, 10, 64); err != nil {
		return ""
	}
	switch r.TargetType {
	case "account":
		return "/accounts/" + r.TargetID
	case "partnership":
		return "/partners/" + r.TargetID
	case "user":
		return "/users"
	case "api_key":
		return "/api-keys"
	case "organization":
		return "/organizations"
	}
	return ""
}

// auditFilter reads the page's filters: user, action, and from/to as days
// (YYYY-MM-DD, UTC; "to" includes its day). Errors: Invalid, naming the field.
func auditFilter(c *fiber.Ctx) (audit.Filter, error) {
	var f audit.Filter
	var err error
	if f.Before, err = queryInt(c, "before"); err != nil {
		return f, err
	}
	if f.User, err = queryInt(c, "user"); err != nil {
		return f, err
	}
	if a := c.Query("action"); a != "" {
		known := false
		for _, k := range auditActions {
			known = known || k == a
		}
		if !known {
			return f, apperr.Field("action", "%q is not an action of the audit log", a)
		}
		f.Action = a
	}
	day := func(name string) (time.Time, error) {
		v := c.Query(name)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return t, apperr.Field(name, "%q is not a date (YYYY-MM-DD)", v)
		}
		return t, nil
	}
	if f.From, err = day("from"); err != nil {
		return f, err
	}
	if f.To, err = day("to"); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, apperr.Field("to", "must not be before the start date")
	}
	return f, nil
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	a := actorOf(c)
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	t := newTable(c, "/audit", auditSorts, "at", "user", "action", "from", "to")
	t.Export = "/audit/export.csv"
	f.Asc = t.Sort == "-at"
	t.asc = f.Asc
	if f.Before, f.After, err = t.idCursor(c); err != nil {
		return err
	}
	entries, err := audit.Search(c.UserContext(), s.db, a.Scope(), f, t.Limit+1)
	if err != nil {
		return err
	}
	users, err := s.partners.Users(c.UserContext(), *a, partners.UserFilter{Limit: 200})
	if err != nil {
		return err
	}
	data := fiber.Map{"Users": users, "Actions": auditActions, "Filter": fiber.Map{
		"User": f.User, "Action": f.Action, "From": c.Query("from"), "To": c.Query("to"),
	}, "Table": t}
	seqs := make([]int64, len(entries))
	for i, e := range entries {
		seqs[i] = e.Seq
	}
	back := f.After > 0
	if f.Asc {
		back = f.Before > 0
	}
	lo, hi := t.idPage(seqs, back, f.Before > 0 || f.After > 0)
	entries = entries[lo:hi]
	if t.Total, t.More, err = audit.Count(c.UserContext(), s.db, a.Scope(), f, auditCountCap); err != nil {
		return err
	}
	data["Cursor"] = c.Query("cursor")
	data["Filtered"] = f.User > 0 || f.Action != "" || !f.From.IsZero() || !f.To.IsZero()
	data["Entries"] = auditView(translator(lang(c)), entries)
	return s.render(c, "audit", data)
}

// auditSorts: the audit page sorts by when (newest first, or oldest first).
var auditSorts = map[string]bool{"at": true}

// auditCountCap is how far the audit page counts its entries: past it the
// range says "more than" (docs/LISTS.md item 8).
const auditCountCap = 10000

// auditExport writes every entry matching the page's filters as CSV, newest
// first, each with its sentence in the reader's language; with page=1, the
// entries of the page of the cursor only.
func (s *Server) auditExport(c *fiber.Ctx) error {
	a := actorOf(c)
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	size := 1000
	f.Before = 0
	t := newTable(c, "/audit", auditSorts, "at", "user", "action", "from", "to")
	f.Asc = t.Sort == "-at"
	if onePage {
		if f.Before, f.After, err = t.idCursor(c); err != nil {
			return err
		}
		size = t.Limit
	}
	tr := translator(lang(c))
	var buf strings.Builder
	w := imports.NewSafeWriter(&buf)
	w.Write([]string{"seq", "at", "actor", "action", "sentence", "target_type", "target_id", "detail"})
	for {
		recs, err := audit.Search(c.UserContext(), s.db, a.Scope(), f, size)
		if err != nil {
			return err
		}
		for _, e := range auditView(tr, recs) {
			w.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, e.Sentence, e.TargetType, e.TargetID, string(e.Detail)})
		}
		if onePage || len(recs) < size {
			break
		}
		if f.Asc {
			f.Before, f.After = 0, recs[len(recs)-1].Seq
		} else {
			f.Before, f.After = recs[len(recs)-1].Seq, 0
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment("audit-"+time.Now().UTC().Format("20060102")+".csv"))
	return c.SendString(buf.String())
}

// auditPages registers the audit pages.
func (s *Server) auditPages(p addPage) {
	p("GET", "/audit", partners.Admin, s.auditPage)
	p("GET", "/audit/export.csv", partners.Admin, s.auditExport)
}
