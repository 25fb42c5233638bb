package leads_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/partners/leads"
)

// TestAppendJSONIsEncodingJSON: the list's encoder writes the very bytes
// encoding/json writes for a lead, with nil and set pointers, awkward text
// and times with and without fractions.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	awkward := []string{"", "Globex", `a "quoted" \ name`, "<script>&amp;</script>", "tab\tnew\nline\x00\x1f\x7f",
		"S\u00e3o Paulo \u2014 \u00e7\u00e3o", "bad \xff\xfe utf8 \xc3", "line\u2028para\u2029"}
	org := int64(42)
	at := time.Date(2026, 12, 7, 20, 1, 2, 123456000, time.FixedZone("", -3*3600))
	for i, s := range awkward {
		l := leads.Lead{Network: 9, ID: int64(i + 1), OwnerOrg: 7, Company: s, ContactName: s, Email: s, Region: s, Industry: s, Notes: s,
			Status: "new", Assignment: "pool", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: at}
		if i%2 == 0 {
			l.OwnerUser, l.AssignedOrg, l.StatusReason = &org, &org, &s
			l.OfferedAt, l.RespondBy, l.Assignment = &at, &at, "offered"
			l.Promotion, l.ConsentAt, l.ConsentText = &org, &at, &s
		}
		want, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("lead %d:\n got %s\nwant %s", l.ID, got, want)
		}
	}
}
