package mail

import (
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
