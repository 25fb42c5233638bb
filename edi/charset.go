package edi

import "unicode/utf8"

// Charset is an EDIFACT syntax level (the letter of UNOA … UNOY), deciding
// which characters values may hold. The zero Charset checks nothing (X12).
type Charset byte

// Name returns "UNOA" … "UNOY".
func (c Charset) Name() string {
	if c == 0 {
		return ""
	}
	return "UNO" + string(rune(c))
}

// KnownCharset reports whether a syntax identifier (e.g. "UNOC") is one this
// package supports: UNOA to UNOK (ISO 646 and ISO 8859 parts), UNOW (UTF-8),
// UNOX (ISO 2022) and UNOY (ISO 10646, read as UTF-8).
func KnownCharset(id string) bool {
	if len(id) != 4 || id[:3] != "UNO" {
		return false
	}
	c := id[3]
	return c >= 'A' && c <= 'K' || c == 'W' || c == 'X' || c == 'Y'
}

// invalid returns the index of the first byte of b not allowed by the level,
// or -1.
func (c Charset) invalid(b []byte) int {
	switch {
	case c == 'A':
		for i, x := range b {
			if !(x >= 'A' && x <= 'Z' || x >= '0' && x <= '9' || unoaPunct[x]) {
				return i
			}
		}
	case c == 'B':
		for i, x := range b {
			if x < 0x20 || x > 0x7e {
				return i
			}
		}
	case c >= 'C' && c <= 'K':
		for i, x := range b {
			if x < 0x20 || x >= 0x7f && x <= 0x9f {
				return i
			}
		}
	case c == 'W' || c == 'Y':
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 || r < 0x20 {
				return i
			}
			i += n
		}
	}
	return -1
}

// unoaPunct is the punctuation of level A (ISO 646 upper case subset).
var unoaPunct = func() (t [256]bool) {
	for _, c := range []byte(" .,-()/='+:?!\"%&*;<>") {
		t[c] = true
	}
	return
}()
