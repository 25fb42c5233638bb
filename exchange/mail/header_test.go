package mail

import (
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestPackedHeaders checks the packed reading of the threading headers:
// address lists in header order whatever the order of the fields, lists
// that can be appended to without overwriting each other, and In-Reply-To
// sharing the last reference when it names the same id.
func TestPackedHeaders(t *testing.T) {
	raw := "Cc: Dora <DORA@Initech.example>\r\n" +
		"To: bo@globex.example\r\n" +
		"From: Ana <ana@acme.example>\r\n" +
		"To: Cy <cy@globex.example>, eli@hooli.example\r\n" +
		"References: <a@x> <b@x>\r\n  <c@x>\r\n" +
		"Message-ID: <self@acme.example>\r\n" +
		"In-Reply-To: <c@x>\r\n" +
		"Subject: Q3 pricing\r\n\r\nbody\r\n"
	m := ParseMessage([]byte(raw), ReadOptions{HeadersOnly: true})
	addrs := func(l []Address) []string {
		var out []string
		for _, a := range l {
			out = append(out, a.Name+"|"+a.Addr)
		}
		return out
	}
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"From", addrs(m.From), []string{"Ana|ana@acme.example"}},
		{"To", addrs(m.To), []string{"|bo@globex.example", "Cy|cy@globex.example", "|eli@hooli.example"}},
		{"Cc", addrs(m.Cc), []string{"Dora|dora@initech.example"}},
		{"References", m.References, []string{"a@x", "b@x", "c@x"}},
		{"In-Reply-To", m.InReplyTo, []string{"c@x"}},
		{"Message-ID", []string{m.MessageID}, []string{"self@acme.example"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if unsafe.StringData(m.InReplyTo[0]) != unsafe.StringData(m.References[2]) {
		t.Error("In-Reply-To does not share the last reference's bytes")
	}
	// The lists share one backing array: appending to one must not
	// overwrite the next.
	m.From = append(m.From, Address{Addr: "x@y"})
	m.References = append(m.References, "d@x")
	if m.To[0].Addr != "bo@globex.example" || m.InReplyTo[0] != "c@x" {
		t.Errorf("append overwrote a neighbour: To %q, In-Reply-To %q", m.To[0].Addr, m.InReplyTo[0])
	}
}

// TestPackedHeadersApart covers In-Reply-To naming another id than the
// last reference, an address in In-Reply-To, and no threading headers.
func TestPackedHeadersApart(t *testing.T) {
	m := ParseMessage([]byte("From: a@x.example\nReferences: <r1@x>\nIn-Reply-To: <p@x>\n\n"), ReadOptions{HeadersOnly: true})
	if !slices.Equal(m.References, []string{"r1@x"}) || !slices.Equal(m.InReplyTo, []string{"p@x"}) {
		t.Errorf("References %q, In-Reply-To %q", m.References, m.InReplyTo)
	}
	m = ParseMessage([]byte("From: a@x.example\nTo: Bo <bo@x.example>\nIn-Reply-To: <BO@x.example>\n\n"), ReadOptions{HeadersOnly: true})
	if m.InReplyTo != nil {
		t.Errorf("In-Reply-To holding a participant's address read as %q", m.InReplyTo)
	}
	m = ParseMessage([]byte("Subject: hi\n\n"), ReadOptions{HeadersOnly: true})
	if m.MessageID != "" || m.References != nil || m.InReplyTo != nil || m.From != nil || m.To != nil || m.Cc != nil {
		t.Errorf("headers read from nothing: %+v", m)
	}
}

// TestReferencesCapped keeps the first reference and the last ones.
func TestReferencesCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("References:")
	for i := range 150 {
		b.WriteString(" <r" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + "@x>")
	}
	b.WriteString("\n\n")
	m := ParseMessage([]byte(b.String()), ReadOptions{HeadersOnly: true})
	if len(m.References) != maxReferences {
		t.Fatalf("%d references kept, want %d", len(m.References), maxReferences)
	}
	if m.References[0] != "ra@x" || m.References[maxReferences-1] != "rt"+strings.Repeat("x", 149/26)+"@x" {
		t.Errorf("kept %q ... %q", m.References[0], m.References[maxReferences-1])
	}
}
