package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// table is the portal's one list component (docs/PORTAL.md, "Tables"): the
// links of sortable column headers (with aria-sort), the pager (previous and
// next by keyset cursors, "51–100 of 1,234"), the page size, the exports and
// the empty state. A list page builds one with newTable from the request,
// fills in what its query returned (Next, Prev, Shown, Total), hands it to its
// template as .Table, and draws it with the partials of templates/table.tmpl.
// Every link keeps the list's filters, search, sort and page size; none keeps
// the cursor but the pager's.
type table struct {
	// Path is the list page's path; Export, when set, the CSV export's.
	Path, Export string
	// Sort is the order shown: a column's key (its default direction) or the
	// key with a leading "-" (the reverse); "" for a list that does not sort.
	Sort string
	// Limit is the page size, one of Sizes.
	Limit int
	Sizes []int
	// Next and Prev are the cursors of the pages on either side ("" for none),
	// sent in the Cursor parameter ("cursor" unless the list names another).
	Next, Prev, Cursor string
	// From is the position of the page's first row (1-based), Shown how many
	// rows it shows, Total how many the list holds under its filters (-1 when
	// the list does not count), and More that Total is a floor ("more than").
	From, Shown, Total int
	More               bool
	// Filtered is whether a filter or search narrows the list (the empty state
	// then offers to clear them); Notice says what the table could not follow
	// in the request (an unknown sort, a page size it does not offer).
	Filtered bool
	Notice   string

	// asc is set for a list ordered by id oldest first (idPage).
	asc    bool
	lang   string
	params url.Values // the filters, search, sort and size; never the cursor
	sorts  map[string]bool
	keep   []string
}

// tableSizes are the page sizes a table offers.
var tableSizes = []int{25, 50, 100}

// newTable reads a list's table state from the request: sorts maps each
// sortable column's key to whether its default direction is descending,
// defaultSort is the order without a sort parameter, and filters names the
// list's filter and search parameters (kept in every link). An unknown sort
// or page size falls back to the default with a notice, never an error page.
func newTable(c *fiber.Ctx, path string, sorts map[string]bool, defaultSort string, filters ...string) *table {
	tr := translator(lang(c))
	t := &table{Path: path, Limit: pageSize, Sizes: tableSizes, Cursor: "cursor", Total: -1, From: 1,
		lang: lang(c), params: url.Values{}, sorts: sorts, Sort: defaultSort, keep: filters}
	for _, k := range filters {
		if v := c.Query(k); v != "" {
			t.params.Set(k, v)
			if k != "sort" {
				t.Filtered = true
			}
		}
	}
	if v := c.Query("sort"); v != "" {
		if _, ok := sorts[strings.TrimPrefix(v, "-")]; ok {
			t.Sort = v
			t.params.Set("sort", v)
		} else {
			t.Notice = tr("table.bad_sort", "Sort", v)
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil && n >= 1 && n <= 200 {
			t.Limit = n
			t.params.Set("limit", v)
		} else {
			t.Notice = tr("table.bad_limit", "Limit", v)
		}
	}
	if n, err := strconv.Atoi(c.Query("start")); err == nil && n >= 1 {
		t.From = n
	}
	return t
}

// Query is the list's parameters (filters, search, sort, size) as a query
// string, for links that keep them.
func (t *table) Query() string { return t.params.Encode() }

// link is the page's path with the list's parameters, changed by kv (key,
// value pairs; an empty value removes the key).
func (t *table) link(path string, kv ...string) string {
	q := url.Values{}
	for k, v := range t.params {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// sortHeader is a sortable column header: its link and aria-sort.
type sortHeader struct {
	Label, Href, AriaSort, Arrow string
}

// Header is the header of the sortable column key: a link to the list sorted
// by it (the reverse when it already is), and its aria-sort.
func (t *table) Header(key, label string) sortHeader {
	desc := t.sorts[key]
	h := sortHeader{Label: label, AriaSort: "none", Href: t.link(t.Path, "sort", key, "start", "")}
	switch t.Sort {
	case key:
		h.Href = t.link(t.Path, "sort", "-"+key, "start", "")
	case "-" + key:
		desc = !desc
	default:
		return h
	}
	h.AriaSort, h.Arrow = "ascending", "▲"
	if desc {
		h.AriaSort, h.Arrow = "descending", "▼"
	}
	return h
}

// NextHref and PrevHref are the pager's links ("" when there is no such page).
func (t *table) NextHref() string {
	if t.Next == "" {
		return ""
	}
	return t.link(t.Path, t.Cursor, t.Next, "start", strconv.Itoa(t.From+t.Shown))
}

// PrevHref: see NextHref. A previous page that is the first is linked without
// a cursor.
func (t *table) PrevHref() string {
	if t.Prev == "" {
		return ""
	}
	from := t.From - t.Limit
	if from <= 1 {
		return t.link(t.Path, "start", "")
	}
	return t.link(t.Path, t.Cursor, t.Prev, "start", strconv.Itoa(from))
}

// Range is "51–100 of 1,234" in the reader's language ("" on an empty page).
func (t *table) Range() string {
	if t.Shown == 0 {
		return ""
	}
	tr := translator(t.lang)
	from, to := groupDigits(t.From, t.lang), groupDigits(t.From+t.Shown-1, t.lang)
	switch {
	case t.Total < 0:
		return tr("table.range", "From", from, "To", to)
	case t.More:
		return tr("table.range_more", "From", from, "To", to, "Total", groupDigits(t.Total, t.lang))
	}
	return tr("table.range_of", "From", from, "To", to, "Total", groupDigits(t.Total, t.lang))
}

// pageSizeLink is one choice of page size.
type pageSizeLink struct {
	Size    int
	Href    string
	Current bool
}

// SizeLinks are the page size choices: each starts the list over at that size.
func (t *table) SizeLinks() []pageSizeLink {
	out := make([]pageSizeLink, len(t.Sizes))
	for i, n := range t.Sizes {
		out[i] = pageSizeLink{Size: n, Href: t.link(t.Path, "limit", strconv.Itoa(n), "start", ""), Current: n == t.Limit}
	}
	return out
}

// ExportAllHref is the export of every page of the list as shown (filters,
// search, sort); ExportPageHref that of the page shown only.
func (t *table) ExportAllHref() string { return t.link(t.Export, "limit", "") }

// ExportPageHref: see ExportAllHref.
func (t *table) ExportPageHref(cursor string) string {
	return t.link(t.Export, t.Cursor, cursor, "limit", strconv.Itoa(t.Limit), "page", "1")
}

// ClearHref is the list without its filters and search (sort and size kept).
func (t *table) ClearHref() string {
	kv := []string{"start", ""}
	for _, k := range t.keep {
		if k != "sort" {
			kv = append(kv, k, "")
		}
	}
	return t.link(t.Path, kv...)
}

// Hidden are the parameters a list's filter form carries unseen: its sort and
// page size, so that filtering keeps them.
func (t *table) Hidden() map[string]string {
	out := map[string]string{}
	for _, k := range []string{"sort", "limit"} {
		if v := t.params.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

// emptyState is what an empty list says: what to do.
type emptyState struct {
	Text      string
	ClearHref string
	Actions   []emptyAction
}

type emptyAction struct{ Label, Href string }

// Empty is the empty state: with filters, that none matches and a link that
// clears them; without, text (what the list would hold and how to add to it)
// and the actions given as label, href pairs.
func (t *table) Empty(text, noMatch string, actions ...string) emptyState {
	if t.Filtered {
		return emptyState{Text: noMatch, ClearHref: t.ClearHref()}
	}
	e := emptyState{Text: text}
	for i := 0; i+1 < len(actions); i += 2 {
		if actions[i+1] != "" {
			e.Actions = append(e.Actions, emptyAction{Label: actions[i], Href: actions[i+1]})
		}
	}
	return e
}

// choice is one option of a choice filter.
type choice struct {
	Value, Label string
	Selected     bool
}

// choicesOf are the options of a choice filter over the values present,
// without regard to case (one option per value, spelled as it is first
// found), with the option matching chosen selected, and every spelling of the
// chosen value (for the query).
func choicesOf(values []string, chosen string) ([]choice, []string) {
	var out []choice
	var spellings []string
	seen := map[string]int{}
	for _, v := range values {
		k := strings.ToLower(v)
		if k == strings.ToLower(chosen) && chosen != "" {
			spellings = append(spellings, v)
		}
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = len(out)
		out = append(out, choice{Value: v, Label: v, Selected: chosen != "" && k == strings.ToLower(chosen)})
	}
	return out, spellings
}

// groupDigits writes n with thousands grouped as the language does: 1,234
// (English) or 1.234 (Portuguese).
func groupDigits(n int, lang string) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if strings.HasPrefix(lang, "pt") {
		sep = "."
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// idCursor reads the cursor of a list ordered by id: "b<id>" for the page of
// rows before id, "a<id>" for the page of rows after it (newest first, next
// is "b" and previous "a"; oldest first, the reverse); "" for the first
// page. Errors: Invalid, naming the parameter.
func (t *table) idCursor(c *fiber.Ctx) (before, after int64, err error) {
	v := c.Query(t.Cursor)
	if v == "" {
		return 0, 0, nil
	}
	n, perr := strconv.ParseInt(v[1:], 10, 64)
	if perr != nil || n <= 0 || (v[0] != 'a' && v[0] != 'b') {
		return 0, 0, apperr.Field(t.Cursor, "is not a cursor this page gave out")
	}
	if v[0] == 'a' {
		return 0, n, nil
	}
	return n, 0, nil
}

// idPage trims a page of a list ordered by id (newest first, or oldest
// first when t.asc), read with one row more than the table's page size (the
// rows past the cursor, or with back set the rows before it: a previous
// page, in the list's order), and sets the table's cursors and count shown.
// It returns the bounds of the rows to show; hadCursor says whether the page
// was asked for with a cursor (there is a page before it).
func (t *table) idPage(ids []int64, back, hadCursor bool) (lo, hi int) {
	lo, hi = 0, len(ids)
	more := len(ids) > t.Limit
	next, prev := "b", "a"
	if t.asc {
		next, prev = "a", "b"
	}
	id := func(p string, v int64) string { return p + strconv.FormatInt(v, 10) }
	if back {
		if more {
			lo = 1
			t.Prev = id(prev, ids[lo])
		}
		if hi > lo {
			t.Next = id(next, ids[hi-1])
		}
	} else {
		if more {
			hi = t.Limit
			t.Next = id(next, ids[hi-1])
		}
		if hadCursor && hi > 0 {
			t.Prev = id(prev, ids[0])
		}
	}
	t.Shown = hi - lo
	return lo, hi
}

// sortRows sorts a whole list held in memory (a list an organization keeps
// small, shown on one page: API keys) by the table's order: cmps holds each
// sortable column's comparison in its default direction; ties keep their
// order.
func sortRows[T any](t *table, rows []T, cmps map[string]func(a, b T) int) {
	cmp, ok := cmps[strings.TrimPrefix(t.Sort, "-")]
	if !ok {
		return
	}
	slices.SortStableFunc(rows, func(a, b T) int {
		if strings.HasPrefix(t.Sort, "-") {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
	t.Shown, t.Total = len(rows), len(rows)
}
