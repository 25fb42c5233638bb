package web

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
)

// formSpec declares one portal form: its id (unique on its page, the prefix of
// its fields' element ids) and its fields with the locale ids of their labels.
// The template draws each field with {{template "field" (field "id" "name" value)}}
// and the summary with {{template "form-errors" .}}; the handler answers with
// s.done or s.rejected. docs/PORTAL.md shows the whole pattern.
type formSpec struct {
	ID     string
	Fields []fieldSpec
}

// fieldSpec is one field of a form.
type fieldSpec struct {
	Name  string
	Label string // locale id
	Type  string // text (default), email, password, number, select, textarea, search
	Hint  string // locale id of a help text under the label, optional
	// Options of a select: values whose labels are the locale ids OptionPrefix+value.
	OptionPrefix string
	Required     bool
	Max          int
	Autocomplete string
	// Also is the domain's name for the field when it differs ("password"
	// for a form's "new_password"), so its errors land here.
	Also string
}

// secret reports whether a field's typed value must never be sent back.
func (f fieldSpec) secret() bool { return f.Type == "password" }

func (f *formSpec) field(name string) (fieldSpec, bool) {
	for _, x := range f.Fields {
		if x.Name == name || x.Also != "" && x.Also == name {
			return x, true
		}
	}
	return fieldSpec{}, false
}

// row is the form as drawn in one row of a table (a row editor): its id is
// "id:row", and its fields' element ids "id-row-name".
func (f *formSpec) row(key int64) *formSpec {
	return &formSpec{ID: f.ID + ":" + strconv.FormatInt(key, 10), Fields: f.Fields}
}

// forms are every form the templates may draw, by id.
var forms = map[string]*formSpec{}

// newForm declares a form; ids are unique.
func newForm(id string, fields ...fieldSpec) *formSpec {
	if _, dup := forms[id]; dup {
		panic("form " + id + " declared twice")
	}
	f := &formSpec{ID: id, Fields: fields}
	forms[id] = f
	return f
}

// formState is a rejected form as the next GET shows it: what was typed (never
// a password), and the messages, each with its field's label.
type formState struct {
	ID     string              `json:"id"`
	Values map[string][]string `json:"v,omitempty"`
	// Errors are the messages beside the fields, by field name.
	Errors map[string]string `json:"e,omitempty"`
	// Problems are the summary's lines, in order; Field is empty for a message
	// about the whole form.
	Problems []formProblem `json:"p,omitempty"`
}

type formProblem struct {
	Field string `json:"f,omitempty"`
	Text  string `json:"t"`
	Link  string `json:"l,omitempty"`
}

// fieldView is what the "field" partial draws.
type fieldView struct {
	fieldSpec
	ID, Label, Hint, Error string
	Value                  string
	Values                 []string // a multiple value's parts, for selects
	Options                []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// formView is what the "form-errors" partial and the page see of one form.
type formView struct {
	ID       string
	Problems []problemView
}

type problemView struct {
	Href, Text, Link string
}

// done answers a form that succeeded: 303 to next, whose page says notice once.
// secret, when not empty, is shown on that page once (an API key): it survives
// neither a reload nor going back. Without a session (an API key calling a
// portal form) the notice is dropped; a secret is rendered in place by show.
func (s *Server) done(c *fiber.Ctx, next, notice string) error {
	if _, err := s.keepFlash(c, flash{Notice: notice}); err != nil {
		return err
	}
	return seeOther(c, next)
}

// rejected answers a form the domain refused. An Invalid or Conflict error goes
// back to the form's page (303 to back, at its error summary) with every typed
// value and the message beside its field; any other error (not found,
// forbidden, internal) goes to the error handler. Nothing is stored by the
// refused operation: only the session's one-time message changes.
func (s *Server) rejected(c *fiber.Ctx, spec *formSpec, back string, err error) error {
	ae, ok := apperr.As(err)
	if !ok || (ae.Kind != apperr.Invalid && ae.Kind != apperr.Conflict) {
		return err
	}
	if _, typed := spec.field(fieldOf(ae.Field)); ae.Field != "" && !typed {
		// About something the person did not type (an id in the path): the
		// error page says it.
		return err
	}
	st := s.formStateOf(c, spec, ae)
	kept, kerr := s.keepFlash(c, flash{Form: st})
	if kerr != nil {
		return kerr
	}
	if !kept {
		return err
	}
	if i := strings.IndexByte(back, '#'); i >= 0 {
		back = back[:i]
	}
	return seeOther(c, back+"#error-summary")
}

// formStateOf is the posted form with the error placed on its field.
func (s *Server) formStateOf(c *fiber.Ctx, spec *formSpec, ae *apperr.Error) *formState {
	l := lang(c)
	tr := translator(l)
	st := &formState{ID: spec.ID, Values: map[string][]string{}, Errors: map[string]string{}}
	for _, f := range spec.Fields {
		if f.secret() {
			continue
		}
		if vs := postedValues(c, f.Name); vs != nil {
			st.Values[f.Name] = vs
		}
	}
	msg := ae.Translated(func(format string) string { return l10n.Lookup(l, format) })
	p := formProblem{Text: msg}
	if strings.HasPrefix(ae.Link, "/api/v1/") {
		p.Link = strings.TrimPrefix(ae.Link, "/api/v1")
	}
	if f, ok := spec.field(fieldOf(ae.Field)); ok {
		p.Field = f.Name
		p.Text = tr(f.Label) + ": " + msg
		st.Errors[f.Name] = p.Text
	}
	st.Problems = append(st.Problems, p)
	return st
}

// fieldOf maps a domain error's place to a form field: "segment.region" is the
// segment field, "domains[2]" the domains field.
func fieldOf(place string) string {
	if i := strings.IndexAny(place, ".["); i > 0 {
		return place[:i]
	}
	return place
}

func postedValues(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	if out == nil {
		if f, err := c.MultipartForm(); err == nil && f != nil {
			out = f.Value[name]
		}
	}
	return out
}

// formFuncs are the template functions of the form partials for one request:
// tr translates, st is the rejected form the page got back, if any.
func formFuncs(tr func(string, ...any) string, st *formState) map[string]any {
	return map[string]any{
		// field returns the view of a field of a declared form: the typed value
		// when that form came back rejected, else value; options for a select.
		"field": func(formID, name string, value any, options ...any) (fieldView, error) {
			base, _, _ := strings.Cut(formID, ":")
			spec, ok := forms[base]
			if !ok {
				return fieldView{}, fmt.Errorf("no form %q", formID)
			}
			f, ok := spec.field(name)
			if !ok {
				return fieldView{}, fmt.Errorf("form %q has no field %q", formID, name)
			}
			v := fieldView{fieldSpec: f, ID: elementID(formID, name), Label: tr(f.Label), Value: text(value)}
			if rv := reflect.ValueOf(value); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.String {
				// A list ([]string, pq.StringArray): its parts, shown comma separated.
				v.Values = asList(value)
				v.Value = strings.Join(v.Values, ", ")
			}
			if f.Hint != "" {
				v.Hint = tr(f.Hint)
			}
			if v.Type == "" {
				v.Type = "text"
			}
			if st != nil && st.ID == formID {
				if typed, ok := st.Values[name]; ok {
					v.Values = typed
					v.Value = strings.Join(typed, ", ")
				} else if !f.secret() && v.Type != "select" {
					// Nothing typed (no box ticked): nothing shown.
					v.Value, v.Values = "", nil
				}
				v.Error = st.Errors[name]
			}
			if f.secret() {
				v.Value = ""
			}
			for _, o := range options {
				for _, x := range asList(o) {
					label := x
					if f.OptionPrefix != "" {
						label = tr(f.OptionPrefix + x)
					}
					selected := x == v.Value
					for _, y := range v.Values {
						selected = selected || x == y
					}
					v.Options = append(v.Options, option{Value: x, Label: label, Selected: selected})
				}
			}
			return v, nil
		},
		// typed is what came back for a field of a form whose fields are not
		// declared (the import's matching step: one per column of the file):
		// the element id, the typed value and the message, when that form came
		// back rejected.
		"typed": func(formID, name string) fieldView {
			v := fieldView{ID: elementID(formID, name)}
			if st != nil && st.ID == formID {
				v.Values = st.Values[name]
				v.Value = strings.Join(v.Values, ", ")
				v.Error = st.Errors[name]
			}
			return v
		},
		// form returns the summary of a declared form: its problems when it came
		// back rejected.
		"form": func(formID string) formView {
			v := formView{ID: formID}
			if st == nil || st.ID != formID {
				return v
			}
			for _, p := range st.Problems {
				pv := problemView{Text: p.Text, Link: p.Link}
				if p.Field != "" {
					pv.Href = "#" + elementID(formID, p.Field)
				}
				v.Problems = append(v.Problems, pv)
			}
			return v
		},
	}
}

// elementID is the id of a form's field element.
func elementID(formID, name string) string {
	return strings.ReplaceAll(formID, ":", "-") + "-" + name
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// asList turns a template's options argument (a slice of strings or of string
// kinds such as roles) into strings.
func asList(v any) []string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return []string{text(v)}
	}
	out := make([]string, rv.Len())
	for i := range out {
		out[i] = text(rv.Index(i).Interface())
	}
	return out
}
