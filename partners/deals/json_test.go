package deals_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/partners/deals"
)

// awkward are strings encoding/json escapes: quotes, backslashes, HTML
// characters, control characters, invalid UTF-8, U+2028 and U+2029.
var awkward = []string{"", "Globex", `a "quoted" \ name`, "<script>&amp;</script>", "tab\tnew\nline\x00\x1f\x7f",
	"S\u00e3o Paulo \u2014 \u00e7\u00e3o", "bad \xff\xfe utf8 \xc3", "line\u2028para\u2029"}

// TestAppendJSONIsEncodingJSON: the list's encoder writes the very bytes
// encoding/json writes for a registration, with nil and empty arrays, nil
// and set pointers, awkward text and times with and without fractions.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	user, days := int64(42), 30
	at := time.Date(2026, 12, 7, 20, 1, 2, 123456000, time.FixedZone("", -3*3600))
	for i, s := range awkward {
		r := deals.Registration{Network: 9, ID: int64(i + 1), OwnerOrg: 7, AccountID: 11, AccountName: s, Title: s, AmountMinor: 123456, Amount: "1234.56",
			Currency: "USD", ExpectedClose: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), Notes: s, State: "submitted", Conflict: "found", ConflictOutcome: s,
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: at}
		switch i % 3 {
		case 0:
			r.Products, r.MatchKeys = pq.StringArray{s, "widgets"}, pq.StringArray{"d:acme.example"}
			r.OwnerUser, r.DecidedBy, r.ExtensionDays = &user, &user, &days
			r.RejectReason, r.ExtensionNote = &s, &s
			r.SubmittedAt, r.DecidedAt, r.ExpiresAt, r.CheckedAt = &at, &at, &at, &at
		case 1:
			r.Products, r.MatchKeys = pq.StringArray{}, pq.StringArray{}
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("registration %d:\n got %s\nwant %s", r.ID, got, want)
		}
	}
}
