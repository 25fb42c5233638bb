package mail

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Reply and forward leaders stripped from subjects: RFC 5256's re, fw and
// fwd, and the localized ones clients write (de AW/WG, sv/no/da/fi SV/VS,
// nl Antw, pt/es RES/ENC/RV, fr TR/Réf, pl Odp, it R/I, tr YNT, zh 回复/答复/转发).
// Matching happens after case folding and NFKC, so "AW", "aw" and "Ａｗ" are one.
var subjectLeaders = []string{
	"re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "res", "enc", "rv", "tr",
	"odp", "resp", "ref", "réf", "ynt", "vl", "vb", "doorst", "回复", "答复", "转发",
	"r", "i",
}

// leadersByByte lists the leaders by their first byte.
var leadersByByte = func() (t [256][]string) {
	for _, l := range subjectLeaders {
		t[l[0]] = append(t[l[0]], l)
	}
	return t
}()

var folder = cases.Fold()

// BaseSubject returns the base subject of RFC 5256 §2.1, extended with
// localized leaders, NFKC (full-width colons and letters) and Unicode case
// folding, and whether anything marking a reply or forward was removed
// (a leader, a "(fwd)" trailer or a "[fwd: ...]" wrapper). List tags such
// as "[lista]" are removed but do not make a reply.
func BaseSubject(subject string) (base string, reply bool) {
	s := foldSubject(subject)
	for {
		// Step 2: trailers.
		for {
			t := strings.TrimRight(s, " ")
			if strings.HasSuffix(t, "(fwd)") {
				s = t[:len(t)-len("(fwd)")]
				reply = true
				continue
			}
			s = t
			break
		}
		// Steps 3-5: leaders and leading blobs, until nothing changes.
		for {
			before := s
			s = strings.TrimLeft(s, " ")
			if rest, ok := stripLeader(s); ok {
				s, reply = rest, true
			} else if rest, ok := stripBlob(s); ok && strings.TrimSpace(rest) != "" {
				s = rest
			}
			if s == before {
				break
			}
		}
		// Step 6: "[fwd: X]" wrapper.
		if strings.HasPrefix(s, "[fwd:") && strings.HasSuffix(s, "]") {
			s = strings.TrimSpace(s[len("[fwd:") : len(s)-1])
			reply = true
			continue
		}
		return strings.TrimSpace(s), reply
	}
}

// foldSubject does step 1: case folding, NFKC, tabs and runs of space to one.
func foldSubject(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// The common case, in one pass and one allocation.
		var arr [256]byte
		b := arr[:0]
		space := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				space = true
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = append(b, c)
		}
		return string(b)
	}
	s = folder.String(norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD")))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// stripLeader removes one `leader *WSP [counter] *WSP [blob] *WSP ":"`
// from the start of s. Counters are "[2]", "(2)" and "^2". The one-letter
// Italian leaders need ": " after them, to spare subjects like "I: think".
func stripLeader(s string) (string, bool) {
	if s == "" {
		return s, false
	}
	for _, l := range leadersByByte[s[0]] {
		if !strings.HasPrefix(s, l) {
			continue
		}
		rest := s[len(l):]
		if len(l) == 1 {
			if strings.HasPrefix(rest, ": ") {
				return rest[2:], true
			}
			continue
		}
		rest = strings.TrimLeft(rest, " ")
		rest = skipCounter(rest)
		rest = strings.TrimLeft(rest, " ")
		if r, ok := stripBlob(rest); ok {
			rest = strings.TrimLeft(r, " ")
		}
		if strings.HasPrefix(rest, ":") {
			return rest[1:], true
		}
	}
	return s, false
}

func skipCounter(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '[', '(':
		end := byte(']')
		if s[0] == '(' {
			end = ')'
		}
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 1 && i < len(s) && s[i] == end {
			return s[i+1:]
		}
	case '^':
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 1 {
			return s[i:]
		}
	}
	return s
}

// stripBlob removes a leading "[...]" holding no brackets.
func stripBlob(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return s, false
	}
	end := strings.IndexAny(s[1:], "[]")
	if end < 0 || s[1+end] != ']' {
		return s, false
	}
	return s[end+2:], true
}
