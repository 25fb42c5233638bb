package accounts

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the account as encoding/json writes it (the same bytes:
// field order, HTML-safe escaping, null for nil arrays and pointers), without
// reflection: a page of a list is encoded field by field into one buffer.
// TestAppendJSONIsEncodingJSON holds the two together.
func (acc *Account) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, acc.ID, 10)
	b = append(b, `,"owner_org_id":`...)
	b = strconv.AppendInt(b, acc.OwnerOrg, 10)
	b = append(b, `,"owner_org_name":`...)
	b = appendString(b, acc.OwnerOrgNm)
	b = append(b, `,"owner_user_id":`...)
	if acc.OwnerUser == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *acc.OwnerUser, 10)
	}
	b = append(b, `,"name":`...)
	b = appendString(b, acc.Name)
	b = append(b, `,"domains":`...)
	b = appendStrings(b, acc.Domains)
	for _, f := range [...]struct {
		key string
		v   *string
	}{{`,"duns":`, &acc.DUNS}, {`,"cnpj":`, &acc.CNPJ}, {`,"vat":`, &acc.VAT}, {`,"industry":`, &acc.Industry}, {`,"size":`, &acc.Size},
		{`,"region":`, &acc.Region}, {`,"street":`, &acc.Street}, {`,"city":`, &acc.City}, {`,"state":`, &acc.State},
		{`,"postal_code":`, &acc.PostalCode}, {`,"country":`, &acc.Country}} {
		b = append(b, f.key...)
		b = appendString(b, *f.v)
	}
	b = append(b, `,"tags":`...)
	b = appendStrings(b, acc.Tags)
	b = append(b, `,"archived_at":`...)
	if acc.ArchivedAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, *acc.ArchivedAt)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, acc.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, acc.UpdatedAt)
	b = append(b, `,"shared_with_you":`...)
	b = strconv.AppendBool(b, acc.SharedToMe)
	b = append(b, `,"can_write":`...)
	b = strconv.AppendBool(b, acc.CanWrite)
	return append(b, '}')
}

// AppendJSONString appends s as a JSON string, escaped as encoding/json does.
func AppendJSONString(b []byte, s string) []byte { return appendString(b, s) }

func appendStrings(b []byte, v []string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's string encoding with HTML escaping: <, >
// and & as \u00XX, control characters escaped, invalid UTF-8 as U+FFFD, and
// U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
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
