package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// refuseBadText answers 422, naming the parameter or field, for text PostgreSQL
// cannot store: a NUL character, or bytes that are not UTF-8, in a query
// parameter, a form field or file name, or a JSON string (JSON decoding turns
// bad UTF-8 into U+FFFD, but keeps \u0000). No handler sees such a request, so
// nothing it would store changes; db.Translate's mapping of the same SQLSTATEs
// (22021, 22P05) is the net behind it.
func refuseBadText(c *fiber.Ctx) error {
	var bad error
	check := func(name, value []byte) {
		if bad == nil {
			bad = badText(string(name), name)
		}
		if bad == nil {
			bad = badText(string(name), value)
		}
	}
	c.Context().QueryArgs().VisitAll(check)
	ct := string(c.Request().Header.ContentType())
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Context().PostArgs().VisitAll(check)
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for name, values := range form.Value {
				for _, v := range values {
					check([]byte(name), []byte(v))
				}
			}
			for name, files := range form.File {
				for _, f := range files {
					check([]byte(name), []byte(f.Filename))
				}
			}
		}
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		if bytes.Contains(c.Body(), []byte(`\u0000`)) {
			if field, ok := jsonNUL(c.Body()); ok {
				bad = apperr.Field(field, "must not contain a NUL character")
			}
		}
	}
	if bad != nil {
		return bad
	}
	return c.Next()
}

// badText is the error for a value PostgreSQL cannot store as text, or nil.
func badText(name string, v []byte) error {
	name = printable(name)
	if name == "" {
		name = "query"
	}
	if bytes.IndexByte(v, 0) >= 0 {
		return apperr.Field(name, "must not contain a NUL character")
	}
	if !utf8.Valid(v) {
		return apperr.Field(name, "must be UTF-8 text")
	}
	return nil
}

// printable makes a parameter's name safe to name in a reply.
func printable(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", `\0`)
}

// jsonNUL finds the first string of a JSON body, key or value, that holds a NUL
// character, and names its place as the keys leading to it ("domains" for an
// element of that array, "a.b" for a nested field, "body" at the top).
func jsonNUL(body []byte) (string, bool) {
	type level struct {
		object, wantKey bool
		key             string
	}
	var stack []level
	place := func() string {
		var keys []string
		for _, l := range stack {
			if l.object && l.key != "" {
				keys = append(keys, printable(l.key))
			}
		}
		if len(keys) == 0 {
			return "body"
		}
		return strings.Join(keys, ".")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			// Malformed JSON is decode's to report.
			return "", false
		}
		top := len(stack) - 1
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, level{object: true, wantKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:top]
				if top > 0 && stack[top-1].object {
					stack[top-1].wantKey = true
				}
			}
			continue
		case string:
			if top >= 0 && stack[top].object && stack[top].wantKey {
				stack[top].key, stack[top].wantKey = v, false
				if strings.IndexByte(v, 0) >= 0 {
					return place(), true
				}
				continue
			}
			if strings.IndexByte(v, 0) >= 0 {
				return place(), true
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
}
