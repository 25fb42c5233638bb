package web

import "testing"

// Registry ids are stored as typed or normalized; the portal writes the
// normalized ones as people read them and leaves anything else alone.
func TestIdentifiersForDisplay(t *testing.T) {
	for _, c := range []struct {
		f        func(string) string
		in, want string
	}{
		{cnpjDisplay, "11222333000181", "11.222.333/0001-81"},
		{cnpjDisplay, "12ABC34501DE35", "12.ABC.345/01DE-35"},
		{cnpjDisplay, "11.222.333/0001-81", "11.222.333/0001-81"},
		{cnpjDisplay, "", ""},
		{dunsDisplay, "150483782", "15-048-3782"},
		{dunsDisplay, "15-048-3782", "15-048-3782"},
	} {
		if got := c.f(c.in); got != c.want {
			t.Errorf("%q → %q, want %q", c.in, got, c.want)
		}
	}
}
