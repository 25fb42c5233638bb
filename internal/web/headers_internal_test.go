package web

import (
	"mime"
	"net/url"
	"strings"
	"testing"
)

// FuzzResponseHeaders checks every header value the hub builds from input: a
// redirect target (next, and any Location through seeOther) is "/" or a local
// path with no control byte, no backslash and no host; a download name gives a
// Content-Disposition with no control byte that parses back to a name with no
// path separator.
func FuzzResponseHeaders(f *testing.F) {
	for _, s := range []string{"/", "/accounts?q=1", "/\r\nSet-Cookie: x=1", "/\t/evil.example", "//evil", "/\\evil",
		"https://evil", "/%0d%0a", "accounts-20260101.csv", "a\"b.csv", "../../etc/passwd", "naïve résumé.csv", "\x00", "/ok\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		next := safeNext(in)
		if next != "/" && next != in {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", in, next)
		}
		for i := 0; i < len(next); i++ {
			if b := next[i]; b < 0x20 || b == 0x7f || b == '\\' {
				t.Fatalf("safeNext(%q) = %q holds byte %#x", in, next, b)
			}
		}
		if strings.HasPrefix(next, "//") || !strings.HasPrefix(next, "/") {
			t.Fatalf("safeNext(%q) = %q is not a local path", in, next)
		}
		if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeNext(%q) = %q parses to host %q scheme %q (%v)", in, next, u.Host, u.Scheme, err)
		}
		cd := attachment(in)
		for i := 0; i < len(cd); i++ {
			if b := cd[i]; b < 0x20 || b == 0x7f {
				t.Fatalf("attachment(%q) = %q holds byte %#x", in, cd, b)
			}
		}
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" {
			t.Fatalf("attachment(%q) = %q does not parse: %v", in, cd, err)
		}
		if name := params["filename"]; strings.ContainsAny(name, "/\\\"") {
			t.Fatalf("attachment(%q) gives filename %q", in, name)
		}
	})
}
