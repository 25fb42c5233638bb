package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
)

//go:embed templates/*.html templates/*.tmpl
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t := template.New("layout").Funcs(template.FuncMap{
			"T":       func(string, ...any) string { return "" },
			"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
			"pdate":   func(t *time.Time) string { return fmtPtrDate(t) },
			"join":    func(v []string) string { return strings.Join(v, ", ") },
			"words":   strings.Fields,
			"deref":   func(p *int64) int64 { return *p },
			"show":    show,
			"current": current,
			"confirm": confirmLink,
			"list":    func(xs ...string) []string { return xs },
			"cnpj":    cnpjDisplay,
			"duns":    dunsDisplay,
			"field":   func(string, string, any, ...any) (fieldView, error) { return fieldView{}, nil },
			"form":    func(string) formView { return formView{} },
			"typed":   func(string, string) fieldView { return fieldView{} },
		})
		out[name] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/*.tmpl", n))
	}
	return out
}()

// cnpjDisplay writes a stored CNPJ (14 characters, digits or the alphanumeric
// form) as people read it: 12.ABC.345/01DE-35. Anything else is left as it is.
func cnpjDisplay(v string) string {
	if len(v) != 14 {
		return v
	}
	return v[:2] + "." + v[2:5] + "." + v[5:8] + "/" + v[8:12] + "-" + v[12:]
}

// dunsDisplay writes a stored nine-digit D-U-N-S number as 15-048-3782.
func dunsDisplay(v string) string {
	if len(v) != 9 {
		return v
	}
	return v[:2] + "-" + v[2:5] + "-" + v[5:]
}

// current is the aria-current value of a navigation link to href on the page
// at path: "page" on that page, "true" on a page below it, else "".
func current(path, href string) string {
	switch {
	case path == href:
		return "page"
	case href != "/" && strings.HasPrefix(path, href+"/"):
		return "true"
	}
	return ""
}

// dateLayout is how the portal writes a moment: in the reader's zone, named.
const dateLayout = "2006-01-02 15:04 MST"

// tzCookie holds the browser's IANA time zone, set by static/tz.js; a user's
// own setting (Settings) comes first.
const tzCookie = "ph_tz"

func fmtPtrDate(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// render writes a portal page in the request's language.
func (s *Server) render(c *fiber.Ctx, page string, data fiber.Map) error {
	t, ok := pages[page]
	if !ok {
		return fiber.NewError(fiber.StatusInternalServerError, "no template "+page)
	}
	l := lang(c)
	tr := translator(l)
	if data == nil {
		data = fiber.Map{}
	}
	data["Lang"] = l
	data["CSRF"] = s.tokenFor(c)
	data["Path"] = c.Path()
	data["Version"] = s.cfg.Version
	var zone *time.Location
	if a := actorOf(c); a != nil {
		data["Actor"] = a
		data["IsAdmin"] = a.Role == "admin"
		data["IsVendorManager"] = a.VendorOrg && a.Role.AtLeast("manager")
		if a.User != 0 {
			// The unread count in the navigation and the reader's time zone:
			// one statement per page.
			r, err := s.partners.Reader(c.UserContext(), *a)
			if err != nil {
				return err
			}
			data["NavUnread"] = r.Unread
			zone = partners.Zone(r.TimeZone)
		}
	}
	if zone == nil {
		// The browser's zone, which static/tz.js puts in a cookie.
		zone = partners.Zone(c.Cookies(tzCookie))
	}
	if zone == nil {
		zone = time.UTC
	}
	if ok := c.Query("ok"); ok != "" && strings.HasPrefix(ok, "flash.") {
		data["Flash"] = tr(ok)
	}
	f, err := s.takeFlash(c)
	if err != nil {
		return err
	}
	var st *formState
	if f != nil {
		if f.Notice != "" {
			data["Flash"] = f.Notice
		}
		if f.Secret != "" {
			data["Secret"] = f.Secret
		}
		st = f.Form
	}
	if fs, ok := data["FormState"].(*formState); ok && fs != nil {
		// A form that came back in this very response (a public form, whose
		// visitor has no session to keep it in).
		st = fs
	}
	funcs := formFuncs(tr, st)
	if st != nil {
		data["FormErrors"] = funcs["form"].(func(string) formView)(st.ID)
	}
	clone, err := t.Clone()
	if err != nil {
		return err
	}
	funcs["T"] = tr
	funcs["date"] = func(t time.Time) string { return t.In(zone).Format(dateLayout) }
	funcs["pdate"] = func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(zone).Format(dateLayout)
	}
	clone.Funcs(funcs)
	var buf bytes.Buffer
	if err := clone.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func (s *Server) static(c *fiber.Ctx) error {
	name := path.Clean("static/" + c.Params("*"))
	if !strings.HasPrefix(name, "static/") {
		return fiber.ErrNotFound
	}
	b, err := staticFS.ReadFile(name)
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// show prints a decoded JSON value for people: lists joined by commas.
func show(v any) string {
	if xs, ok := v.([]any); ok {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
