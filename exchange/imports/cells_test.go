package imports

import (
	"strings"
	"testing"
)

func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"=1+1", "'=1+1"}, {"+1 555", "'+1 555"}, {"-x", "'-x"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\t=1", "'\t=1"}, {"\r=1", "'\r=1"},
		{"'=1", "''=1"}, {"''-x", "'''-x"}, {"'quoted", "'quoted"}, {"a=b", "a=b"}, {"", ""}, {" =1", " =1"}, {"Acme", "Acme"},
	} {
		if got := safeCell(tc.in); got != tc.out {
			t.Errorf("safeCell(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := readCell(tc.out); got != tc.in {
			t.Errorf("readCell(%q) = %q, want %q", tc.out, got, tc.in)
		}
	}
}

// FuzzSafeCellRoundTrip: whatever a field holds, the cell written never starts a
// formula and reads back as the field.
func FuzzSafeCellRoundTrip(f *testing.F) {
	for _, s := range []string{"=HYPERLINK(\"x\")", "'", "''=", "\t", "\r\n", "-", "plain", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := safeCell(s)
		if c != "" && strings.IndexByte(formulaStart, c[0]) >= 0 {
			t.Fatalf("safeCell(%q) = %q starts a formula", s, c)
		}
		if readCell(c) != s {
			t.Fatalf("readCell(safeCell(%q)) = %q", s, readCell(c))
		}
	})
}
