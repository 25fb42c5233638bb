package mail

import (
	"errors"
	netmail "net/mail"
	"slices"
	"strings"
	"time"
)

var errBadDate = errors.New("unreadable date")

// Real-world Date headers that net/mail refuses, after normalizing: asctime,
// ISO 8601, two-digit years, no zone, dashes between day, month and year.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04 MST",
	"2 Jan 06 15:04:05 MST",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"Jan 2 15:04:05 2006",
	"Jan 2 15:04:05 MST 2006",
	"Jan 2 15:04:05 -0700 2006",
	"Jan 2 2006 15:04:05",
	"Jan 2, 2006 15:04:05",
	"Jan 2, 2006 3:04:05 PM",
	"2 January 2006 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"2 Jan 2006",
}

// North American zone names still seen in the wild; RFC 5322 obs-zone.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "IST": "+0530",
	"JST": "+0900", "KST": "+0900", "EET": "+0200", "EEST": "+0300",
	"WET": "+0000", "WEST": "+0100", "MSK": "+0300", "AEST": "+1000",
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseDate reads a Date header as net/mail does, then tries the common
// malformed variants. Years before 1970 or far in the future are refused:
// they are errors, and sorting by them would put a message first forever.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errBadDate
	}
	if t, ok := quickDate(s); ok {
		return sane(t)
	}
	// Go reads an unknown zone name as +0000: put the offset in first.
	if sp := strings.LastIndexByte(s, ' '); sp > 0 {
		if off, ok := zoneOffsets[strings.ToUpper(s[sp+1:])]; ok {
			s = s[:sp+1] + off
		}
	}
	if t, err := netmail.ParseDate(s); err == nil {
		return sane(t)
	}
	n := normalizeDate(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, n); err == nil {
			return sane(t)
		}
	}
	return time.Time{}, errBadDate
}

func sane(t time.Time) (time.Time, error) {
	if t.Year() < 1970 || t.Year() > 2200 {
		return time.Time{}, errBadDate
	}
	return t, nil
}

func normalizeDate(s string) string {
	// Drop comments such as "(PST)" and a leading weekday with or without comma.
	for {
		open := strings.IndexByte(s, '(')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], ')')
		if end < 0 {
			s = s[:open]
			break
		}
		s = s[:open] + " " + s[open+end+1:]
	}
	s = strings.NewReplacer(",", " , ", "-", " - ", "/", " / ").Replace(s)
	f := strings.Fields(s)
	out := f[:0]
	for i, w := range f {
		lw := strings.ToLower(strings.TrimSuffix(w, "."))
		if i == 0 && len(lw) >= 3 && isWeekday(lw) {
			continue
		}
		if w == "," && (len(out) == 0) {
			continue
		}
		out = append(out, w)
	}
	// Re-join dashes and slashes that belong to ISO dates and numeric zones.
	j := strings.Join(out, " ")
	j = strings.ReplaceAll(j, " - ", "-")
	j = strings.ReplaceAll(j, " / ", "/")
	j = strings.ReplaceAll(j, " , ", ", ")
	if strings.Count(j, "-") >= 2 && len(j) >= 10 && j[4] != '-' {
		// "2-Jan-2006 ...": dashes between day, month and year.
		parts := strings.SplitN(j, " ", 2)
		parts[0] = strings.ReplaceAll(parts[0], "-", " ")
		j = strings.Join(parts, " ")
	}
	f = strings.Fields(j)
	// "… +0000 GMT": a zone name after a numeric zone; a lone zone name.
	if n := len(f); n >= 2 {
		if _, ok := zoneOffsets[strings.ToUpper(f[n-1])]; ok && isNumericZone(f[n-2]) {
			f = f[:n-1]
		}
	}
	for i, w := range f {
		if off, ok := zoneOffsets[strings.ToUpper(w)]; ok && i > 0 {
			f[i] = off
		}
		if i > 1 && isNumericZone("+"+w) && strings.Contains(f[i-1], ":") && i == len(f)-1 && len(f[i-2]) == 4 && isDigits(f[i-2]) {
			f[i] = "+" + w // "… 12:00:00 0200": a zone with its sign lost
		}
	}
	return strings.Join(f, " ")
}

func isWeekday(w string) bool {
	for _, d := range weekdays {
		if strings.HasPrefix(w, d) {
			return true
		}
	}
	return false
}

func isNumericZone(w string) bool {
	if len(w) != 5 || (w[0] != '+' && w[0] != '-') {
		return false
	}
	for _, c := range w[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var shortMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// quickDate reads the form nearly every mail program writes, "Mon, 2 Jan
// 2006 15:04:05 -0700" (weekday and seconds optional, one or two day
// digits), without allocating; anything else is left to net/mail and the
// layouts above (ok is false). net/mail tries its layouts one after the
// other and builds an error for each that fails, which made reading the
// date most of the cost of reading a header. The result is the one
// time.Parse gives, location included: the local zone when it has that
// offset then, else a fixed zone.
func quickDate(s string) (t time.Time, ok bool) {
	if len(s) > 5 && s[3] == ',' && s[4] == ' ' {
		if !slices.Contains(shortWeekdays[:], s[:3]) {
			return t, false
		}
		s = s[5:]
	}
	num := func(n int) (int, bool) { // n digits
		if len(s) < n {
			return 0, false
		}
		v := 0
		for i := range n {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		s = s[n:]
		return v, true
	}
	sep := func(c byte) bool {
		if len(s) == 0 || s[0] != c {
			return false
		}
		s = s[1:]
		return true
	}
	dayLen := 2
	if len(s) > 1 && s[1] == ' ' {
		dayLen = 1
	}
	day, ok1 := num(dayLen)
	if !ok1 || !sep(' ') || len(s) < 4 {
		return t, false
	}
	month := slices.Index(shortMonths[:], s[:3]) + 1
	s = s[3:]
	if month == 0 || !sep(' ') {
		return t, false
	}
	year, ok2 := num(4)
	ok3 := ok2 && sep(' ')
	hour, ok4 := num(2)
	ok5 := ok4 && sep(':')
	minute, ok6 := num(2)
	if !ok3 || !ok5 || !ok6 {
		return t, false
	}
	sec := 0
	if len(s) > 0 && s[0] == ':' {
		s = s[1:]
		var ok7 bool
		if sec, ok7 = num(2); !ok7 {
			return t, false
		}
	}
	if !sep(' ') || len(s) != 5 || (s[0] != '+' && s[0] != '-') {
		return t, false
	}
	sign := s[0]
	s = s[1:]
	zh, ok8 := num(2)
	zm, ok9 := num(2)
	if !ok8 || !ok9 || zh > 23 || zm > 59 || hour > 23 || minute > 59 || sec > 59 ||
		day < 1 || day > daysIn(time.Month(month), year) {
		return t, false
	}
	offset := (zh*60 + zm) * 60
	if sign == '-' {
		offset = -offset
	}
	unix := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC).Unix() - int64(offset)
	if local := time.Unix(unix, 0).In(time.Local); zoneOffset(local) == offset {
		return local, true
	}
	return time.Unix(unix, 0).In(time.FixedZone("", offset)), true
}

var shortWeekdays = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
