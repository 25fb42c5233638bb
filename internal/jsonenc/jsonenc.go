// Package jsonenc appends values to a buffer as encoding/json writes them,
// without reflection: the lists encode a page field by field into one buffer
// (docs/LISTS.md item 6). Each record type's AppendJSON is held to
// encoding/json's bytes by a test of its own.
package jsonenc

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendInt64Ptr appends *p, or null when p is nil.
func AppendInt64Ptr(b []byte, p *int64) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *p, 10)
}

// AppendIntPtr appends *p, or null when p is nil.
func AppendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*p), 10)
}

// AppendStringPtr appends *p as a JSON string, or null when p is nil.
func AppendStringPtr(b []byte, p *string) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return AppendString(b, *p)
}

// AppendTimePtr appends *p as AppendTime does, or null when p is nil.
func AppendTimePtr(b []byte, p *time.Time) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return AppendTime(b, *p)
}

// AppendStrings appends v as encoding/json writes a []string: null when nil.
func AppendStrings(b []byte, v []string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s)
	}
	return append(b, ']')
}

// AppendTime appends t as encoding/json writes a time.Time (RFC 3339 with
// nanoseconds, trailing zeros dropped).
func AppendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// AppendString is encoding/json's string encoding with HTML escaping: <, >
// and & as \u00XX, control characters escaped, invalid UTF-8 as U+FFFD, and
// U+2028 and U+2029 escaped.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
