package chart

import (
	"encoding/base64"
	"encoding/xml"
	"strings"
	"testing"
)

func TestBarsDrawsEveryBarAndSaysItInWords(t *testing.T) {
	c, err := Bars("Partner organizations by kind", "organizations", []Bar{{"Reseller", 4}, {"Distribuidor", 2}, {"Referral", 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "data:image/svg+xml;base64,"
	if !strings.HasPrefix(string(c.Src), prefix) {
		t.Fatalf("src = %.40q", c.Src)
	}
	svg, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(c.Src), prefix))
	if err != nil {
		t.Fatal(err)
	}
	// A well-formed SVG document that names each label and has no script.
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	var root string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "script" {
				t.Fatal("chart SVG holds a script")
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element = %q", root)
	}
	for _, l := range []string{"Reseller", "Distribuidor", "Referral"} {
		if !strings.Contains(string(svg), l) {
			t.Errorf("SVG lacks the label %q", l)
		}
	}
	if c.Alt != "Partner organizations by kind: Reseller: 4; Distribuidor: 2; Referral: 0.50" {
		t.Errorf("alt = %q", c.Alt)
	}
}

func TestBarsWithNothingToDraw(t *testing.T) {
	c, err := Bars("Empty", "n", nil)
	if err != nil || c.Src == "" || len(c.Bars) != 0 {
		t.Fatalf("empty chart = %+v, %v", c, err)
	}
}
