package imports

import (
	"encoding/csv"
	"io"
	"strings"
)

// formulaStart holds the characters that make a spreadsheet read a cell as a
// formula (OWASP's CSV injection list): = + - @, TAB and CR.
const formulaStart = "=+-@\t\r"

// quotedCell reports whether a cell starts, after any single quotes, with one of
// formulaStart: such a cell is written with one more leading quote, which a
// spreadsheet shows as text and Import takes away again.
func quotedCell(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// safeCell is a cell as the hub writes it into any CSV: a spreadsheet opening it
// never runs a formula a partner typed into a field ("=HYPERLINK(…)").
func safeCell(s string) string {
	if quotedCell(s) {
		return "'" + s
	}
	return s
}

// readCell undoes safeCell: the one leading quote it adds goes, nothing else.
func readCell(s string) string {
	if strings.HasPrefix(s, "'") && quotedCell(s[1:]) {
		return s[1:]
	}
	return s
}

// SafeWriter is a csv.Writer that writes every cell safe from spreadsheet
// formulas (a leading quote, which Import takes away again); every CSV the hub
// writes goes through one, so that an export imports back as it was.
type SafeWriter struct{ *csv.Writer }

// NewSafeWriter writes CSV (UTF-8, comma) to w.
func NewSafeWriter(w io.Writer) SafeWriter { return SafeWriter{csv.NewWriter(w)} }

// Write writes one record, each cell made safe.
func (w SafeWriter) Write(rec []string) error {
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = safeCell(c)
	}
	return w.Writer.Write(out)
}
