package mail

import (
	"fmt"
	"math/rand/v2"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	want := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	for _, s := range []string{
		"Mon, 02 Mar 2026 15:04:05 +0000",
		"Mon, 2 Mar 2026 15:04:05 +0000 (UTC)",
		"Mon, 2 Mar 2026 10:04:05 -0500",
		"Mon, 2 Mar 2026 10:04:05 EST",
		"2 Mar 2026 07:04:05 PST",
		"Mon,  2 Mar 2026 15:04:05 GMT",
		"Mon, 2 Mar 26 15:04:05 +0000",
		"Mon, 2-Mar-2026 15:04:05 +0000",
		"Mon Mar  2 15:04:05 2026",
		"2026-03-02T15:04:05Z",
		"2026-03-02T16:04:05+01:00",
		"2026-03-02 15:04:05",
		"Monday, 2 Mar 2026 17:04:05 +0200",
		"Mon, 2 Mar 2026 15:04:05 +0000 GMT",
		"Mon, 02 Mar 2026 17:04:05 0200",
	} {
		got, err := parseDate(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "sometime last week", "Mon, 2 Mar 1900 15:04:05 +0000", "32 Foo 2026 99:99"} {
		if got, err := parseDate(s); err == nil {
			t.Errorf("parseDate(%q) = %v, want an error", s, got)
		}
	}
}

// TestQuickDateAgrees checks the fast path against net/mail on dates of
// the form it takes and on near misses, which it must leave to the slow
// path: the same instant, zone name and offset, or the same refusal. It
// runs with the local zone at UTC and at another offset, since time.Parse
// gives the local zone when the offset matches it.
func TestQuickDateAgrees(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	r := rand.New(rand.NewPCG(7, 8))
	zones := []string{"+0000", "-0000", "+0100", "+0530", "-0800", "+1400", "-1200", "+2359", "+0060", "+2400"}
	for _, local := range []*time.Location{time.UTC, time.FixedZone("CET", 3600)} {
		time.Local = local
		quick := 0
		for range 20000 {
			d := fmt.Sprintf("%d %s %04d %02d:%02d", 1+r.IntN(31), shortMonths[r.IntN(12)], 1960+r.IntN(300), r.IntN(25), r.IntN(61))
			if r.IntN(4) > 0 {
				d += fmt.Sprintf(":%02d", r.IntN(61))
			}
			d += " " + zones[r.IntN(len(zones))]
			if r.IntN(2) == 0 {
				d = shortWeekdays[r.IntN(7)] + ", " + d
			}
			switch r.IntN(12) {
			case 0:
				d = strings.Replace(d, " ", "  ", 1)
			case 1:
				d += " (UTC)"
			case 2:
				d = strings.ToUpper(d)
			}
			want, werr := netmail.ParseDate(d)
			got, ok := quickDate(d)
			if !ok {
				continue
			}
			quick++
			if werr != nil {
				t.Fatalf("quickDate(%q) = %v; net/mail refuses it: %v", d, got, werr)
			}
			wn, wo := want.Zone()
			gn, gotOff := got.Zone()
			if !got.Equal(want) || wn != gn || wo != gotOff || got.Location().String() != want.Location().String() {
				t.Fatalf("quickDate(%q) = %v (%s %d); net/mail: %v (%s %d)", d, got, gn, gotOff, want, wn, wo)
			}
		}
		if quick < 10000 {
			t.Errorf("local %v: only %d of 20000 dates took the fast path", local, quick)
		}
	}
}
