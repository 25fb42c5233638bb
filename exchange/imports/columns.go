package imports

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// fieldList names a family's fields, sorted, for messages.
func (f *Family) fieldList() string {
	var fs []string
	for _, c := range f.Columns {
		fs = append(fs, c.Field)
	}
	sort.Strings(fs)
	return strings.Join(fs, ", ")
}

// columns maps each header of the file to its field ("" for an ignored column),
// by the explicit mapping first, else by alias, and returns field → header too.
// Errors: Invalid (an unknown column, a mapping to no field, two columns on one
// field, a required column missing).
func (f *Family) columns(header []string, mapping map[string]string) ([]string, map[string]string, error) {
	byAlias := map[string]string{}
	known := map[string]bool{}
	for _, c := range f.Columns {
		known[c.Field] = true
		for _, x := range c.Aliases {
			byAlias[x] = c.Field
		}
	}
	cols := make([]string, len(header)) // column index → field ("" ignored)
	seen := map[string]string{}
	for i, h := range header {
		field, mapped := mapping[h]
		if !mapped {
			field = byAlias[headerKey(h)]
			if field == "" {
				return nil, nil, apperr.Field("columns", "column %d %q is not a known %s field: map it to one (%s) or to ignore", i+1, h, f.Record, f.fieldList())
			}
		} else if field == "ignore" || field == "" {
			continue
		} else if !known[field] {
			return nil, nil, apperr.Field("mapping", "%q is not a %s field (%s)", field, f.Record, f.fieldList())
		}
		if prev, dup := seen[field]; dup {
			return nil, nil, apperr.Field("columns", "columns %q and %q both map to %s", prev, h, field)
		}
		seen[field] = h
		cols[i] = field
	}
	for _, c := range f.Columns {
		if _, ok := seen[c.Field]; !ok && c.Missing != nil {
			return nil, nil, c.Missing
		}
	}
	return cols, seen, nil
}

// Ignore is the mapping of a column the import leaves out.
const Ignore = "ignore"

// ColumnMatch is one column of a file's header as the pipeline reads it.
type ColumnMatch struct {
	Index  int    `json:"index"`
	Header string `json:"header"`
	// Field is the field the column fills, Ignore, or "" when it is not known.
	Field string `json:"field"`
	// Suggestions are, for a column not known, the family's fields ranked by
	// how like the header they are, the likest first.
	Suggestions []string `json:"suggestions,omitempty"`
}

// Matching is how a file's columns map onto a family's fields.
type Matching struct {
	Kind string `json:"kind"`
	// Shape identifies the file's header row, normalized (case, accents,
	// spaces and punctuation do not count): the key under which the choices
	// made for one file are offered again for the next of the same shape.
	Shape   string        `json:"shape"`
	Columns []ColumnMatch `json:"columns"`
}

// Unknown says whether a column still needs a choice.
func (m *Matching) Unknown() bool {
	for _, c := range m.Columns {
		if c.Field == "" {
			return true
		}
	}
	return false
}

// shape is the hash of a normalized header row.
func shape(header []string) string {
	keys := make([]string, len(header))
	for i, h := range header {
		keys[i] = headerKey(h)
	}
	sum := sha256.Sum256([]byte(strings.Join(keys, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// match maps a header as the import would (mapping first, then aliases) and
// ranks the family's fields for each column left unknown.
func (f *Family) match(header []string, mapping map[string]string) *Matching {
	byAlias := map[string]string{}
	for _, c := range f.Columns {
		for _, x := range c.Aliases {
			byAlias[x] = c.Field
		}
	}
	m := &Matching{Kind: f.Kind, Shape: shape(header)}
	for i, h := range header {
		cm := ColumnMatch{Index: i, Header: h}
		if field, ok := mapping[h]; ok {
			if field == "" {
				field = Ignore
			}
			cm.Field = field
		} else if field := byAlias[headerKey(h)]; field != "" {
			cm.Field = field
		} else {
			cm.Suggestions = f.rank(h)
		}
		m.Columns = append(m.Columns, cm)
	}
	return m
}

// rank orders the family's fields by the best likeness of the header to the
// field's name or one of its aliases (the family's order breaks ties).
func (f *Family) rank(header string) []string {
	h := headerKey(header)
	type scored struct {
		field string
		score float64
	}
	var all []scored
	for _, c := range f.Columns {
		best := likeness(h, headerKey(c.Field))
		for _, a := range c.Aliases {
			best = max(best, likeness(h, a))
		}
		all = append(all, scored{c.Field, best})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	out := make([]string, len(all))
	for i, x := range all {
		out[i] = x.field
	}
	return out
}

// likeness is the Sørensen–Dice coefficient of two normalized headers' letter
// pairs (1 alike, 0 nothing in common), raised when one contains the other
// ("emailaddress2" and "email").
func likeness(a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	pairs := func(s string) map[string]int {
		r := []rune(" " + s + " ")
		m := map[string]int{}
		for i := 0; i+1 < len(r); i++ {
			m[string(r[i:i+2])]++
		}
		return m
	}
	pa, pb := pairs(a), pairs(b)
	common, total := 0, 0
	for k, n := range pa {
		common += min(n, pb[k])
		total += n
	}
	for _, n := range pb {
		total += n
	}
	d := 2 * float64(common) / float64(total)
	if strings.Contains(a, b) || strings.Contains(b, a) {
		d = max(d, 0.75)
	}
	return d
}
