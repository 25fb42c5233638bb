package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jsonenc"
	"github.com/partnerhub/partnerhub/partners"
)

// requireJSON refuses write bodies that are not JSON.
func requireJSON(c *fiber.Ctx) error {
	switch c.Method() {
	case "POST", "PATCH", "PUT":
		if len(c.Body()) > 0 && !isUpload(c.Path()) && !isJSON(c.Get(fiber.HeaderContentType)) {
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
	if items, ok := p.Data.([]T); ok && len(items) > 0 {
		if _, ok := any(&items[0]).(jsonAppender); ok {
			return sendAppended(c, items, p.NextCursor)
		}
	}
	return c.JSON(p)
}

// jsonAppender is a record that encodes itself as encoding/json would
// (deals.Registration, leads.Lead: docs/LISTS.md item 6).
type jsonAppender interface{ AppendJSON([]byte) []byte }

// sendAppended writes a page as c.JSON(page{…}) writes it, record by record
// into one pooled buffer, without reflection.
func sendAppended[T any](c *fiber.Ctx, items []T, next string) error {
	bp := pageBuffers.Get().(*[]byte)
	b := append((*bp)[:0], `{"data":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = any(&items[i]).(jsonAppender).AppendJSON(b)
	}
	b = append(b, ']')
	if next != "" {
		b = append(b, `,"next_cursor":`...)
		b = jsonenc.AppendString(b, next)
	}
	b = append(b, '}')
	c.Response().SetBody(b) // a copy: the buffer goes back to the pool
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	*bp = b
	pageBuffers.Put(bp)
	return nil
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

func oneOfField(field, v string, allowed []string) error {
	for _, a := range allowed {
		if a == v {
			return nil
		}
	}
	return apperr.Field(field, "must be one of %s", strings.Join(allowed, ", "))
}

func queryBool(c *fiber.Ctx, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, apperr.Field(name, "must be true or false")
}

// byID answers a request for one record: the :id parameter, the operation, its JSON.
func byID[T any](op func(ctx context.Context, a partners.Actor, id int64) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		v, err := op(c.UserContext(), *actorOf(c), id)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// patchByID answers a change to one record: the :id parameter, the strictly decoded
// JSON body, the operation, its JSON.
func patchByID[I, T any](op func(ctx context.Context, a partners.Actor, id int64, in I) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		var in I
		if err := decode(c, &in); err != nil {
			return err
		}
		v, err := op(c.UserContext(), *actorOf(c), id, in)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// onePage checks ?cursor= and ?limit= on a list that always fits one page (an
// organization's API keys and partnerships, an account's contacts and shares): its
// reply carries no next_cursor, so any cursor is one this API never gave out, and a
// limit must still be a valid one.
func onePage(c *fiber.Ctx) error {
	if c.Query("cursor") != "" {
		return apperr.Field("cursor", "is not a cursor this API gave out")
	}
	_, err := limitParam(c)
	return err
}

// formInt reads an optional form field as a whole number (0 when empty).
// Errors: Invalid, naming the field.
func formInt(c *fiber.Ctx, name string) (int64, error) { return wholeNumber(name, c.FormValue(name)) }

func paramID(c *fiber.Ctx) (int64, error) {
	n, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.Field("id", "%q is not a valid id", c.Params("id"))
	}
	return n, nil
}

// queryInt reads an optional query parameter as a whole number (0 when empty).
// Errors: Invalid, naming the parameter.
func queryInt(c *fiber.Ctx, name string) (int64, error) { return wholeNumber(name, c.Query(name)) }

func wholeNumber(name, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Field(name, "must be a positive whole number")
	}
	return n, nil
}

const pageSize = 50

func optional(c *fiber.Ctx, name string) *string {
	v := c.FormValue(name)
	if v == "" {
		return nil
	}
	return &v
}

// list splits a form field of comma-, semicolon- or newline-separated values.
func list(v string) *[]string {
	out := []string{}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return &out
}

func formValue(c *fiber.Ctx, name string) *string {
	if !c.Request().PostArgs().Has(name) && !isMultipart(c, name) {
		return nil
	}
	v := c.FormValue(name)
	return &v
}

func isMultipart(c *fiber.Ctx, name string) bool {
	f, err := c.MultipartForm()
	if err != nil || f == nil {
		return false
	}
	_, ok := f.Value[name]
	return ok
}
