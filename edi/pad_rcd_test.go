package edi_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
)

// PAD and RCD follow the 004010 dictionary: PAD is five elements with R0102 and
// P0405; RCD is 21 with its unit composites and the quantity/unit pairs.
func TestPADAndRCDDefinitions(t *testing.T) {
	base, err := os.ReadFile("testdata/849.edi")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, from, to string
		want           []string // substrings of the error lines, in any order; none: valid
	}{
		{"valid", "", "", nil},
		{"PAD with neither 01 nor 02", "PAD*1~", "PAD**~", []string{"(PAD)", "[2]"}},
		{"PAD04 without PAD05", "PAD*1~", "PAD*1***LP~", []string{"(PAD) element 5", "[2]"}},
		{"PAD product id where the multiplier qualifier goes", "PAD*1~", "PAD*1*VN*SW-48P-POE*40*EA~", []string{"(PAD) element 3", "too long"}},
		{"RCD quantity without its unit", "RCD*2*78*EA*", "RCD*2*78**", []string{"(RCD) element 3", "[2]"}},
		{"RCD with a 22nd element", "*07*1*EA*08~", "*07*1*EA*08**********1*X~", []string{"(RCD)", "[3]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := string(base)
			if c.from != "" {
				if !strings.Contains(src, c.from) {
					t.Fatalf("sample lacks %q", c.from)
				}
				src = strings.Replace(src, c.from, c.to, 1)
			}
			_, res, err := edi.Parse(bytes.NewReader([]byte(src)))
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, r := range res {
				for _, e := range r.AllErrors() {
					lines = append(lines, e.Line())
				}
			}
			if len(c.want) == 0 {
				if len(lines) != 0 {
					t.Fatalf("errors on a valid document: %v", lines)
				}
				return
			}
			all := strings.Join(lines, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("want %q among the errors:\n%s", w, all)
				}
			}
		})
	}
}
