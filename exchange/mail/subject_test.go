package mail

import "testing"

func TestBaseSubject(t *testing.T) {
	for _, c := range []struct {
		in    string
		base  string
		reply bool
	}{
		{"Quote 17", "quote 17", false},
		{"Re: Quote 17", "quote 17", true},
		{"RE[5]: Quote 17", "quote 17", true},
		{"Re(2): Quote 17", "quote 17", true},
		{"Re^3: Quote 17", "quote 17", true},
		{"Re [lista]: Quote 17", "quote 17", true},
		{"Fwd: Fw: FWD: quote 17", "quote 17", true},
		{"RES: ENC: Quote 17", "quote 17", true},
		{"AW: WG: Quote 17", "quote 17", true},
		{"SV: VS: Antw: Quote 17", "quote 17", true},
		{"Odp: RV: TR: Quote 17", "quote 17", true},
		{"R: I: Quote 17", "quote 17", true},
		{"[lista] Quote 17", "quote 17", false},
		{"[lista] Re: [outra] Re: Quote 17", "quote 17", true},
		{"Quote 17 (fwd)", "quote 17", true},
		{"Quote 17 (fwd) (fwd)", "quote 17", true},
		{"[Fwd: Quote 17]", "quote 17", true},
		{"Re: [Fwd: Re: Quote 17] (fwd)", "quote 17", true},
		{"Ｒｅ：Quote 17", "quote 17", true},
		{"ＡＷ：　Quote 17", "quote 17", true},
		{"回复：Quote 17", "quote 17", true},
		{"  Re:\tQuote   17  ", "quote 17", true},
		{"ÜBERSICHT STRASSE", "übersicht strasse", false},
		{"AW: Übersicht Straße", "übersicht strasse", true},
		{"[lista]", "[lista]", false},
		{"Re:", "", true},
		{"I: think so", "think so", true}, // the Italian forward leader: a known false positive
		{"I:think so", "i:think so", false},
		{"Italy trip", "italy trip", false},
		{"Result: done", "result: done", false},
		{"Refund: order 9", "refund: order 9", false},
		{"", "", false},
	} {
		base, reply := BaseSubject(c.in)
		if base != c.base || reply != c.reply {
			t.Errorf("BaseSubject(%q) = %q, %v; want %q, %v", c.in, base, reply, c.base, c.reply)
		}
	}
}
