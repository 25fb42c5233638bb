package accounts_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/partners/accounts"
)

// awkward are strings encoding/json escapes: quotes, backslashes, HTML
// characters, control characters, invalid UTF-8, U+2028 and U+2029.
var awkward = []string{"", "Globex", `a "quoted" \ name`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff\x00\x01\x1f\x7f",
	"S\u00e3o Paulo \u2014 \u00e7\u00e3o", "bad \xff\xfe utf8 \xc3", "line\u2028para\u2029", "emoji \U0001F600"}

// TestAppendJSONIsEncodingJSON: the list's encoder writes the very bytes
// encoding/json writes for an account, nil and empty arrays and pointers,
// awkward text and times with and without fractions and offsets included.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	user := int64(42)
	archived := time.Date(2026, 12, 7, 20, 1, 2, 123456000, time.FixedZone("", -3*3600))
	var cases []accounts.Account
	for i, s := range awkward {
		acc := accounts.Account{ID: int64(i + 1), OwnerOrg: 7, OwnerOrgNm: s, Name: s, DUNS: s, CNPJ: "12345678000195", VAT: s,
			Industry: "retail", Size: "11-50", Region: s, Street: s, City: s, State: s, PostalCode: s, Country: "BR",
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: archived, SharedToMe: i%2 == 0, CanWrite: i%3 == 0}
		switch i % 3 {
		case 0:
			acc.Domains, acc.Tags = []string{s, "acme.example"}, []string{s}
			acc.OwnerUser, acc.ArchivedAt = &user, &archived
		case 1:
			acc.Domains, acc.Tags = []string{}, []string{}
		}
		cases = append(cases, acc)
	}
	for _, acc := range cases {
		want, err := json.Marshal(acc)
		if err != nil {
			t.Fatal(err)
		}
		if got := acc.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("account %d:\n got %s\nwant %s", acc.ID, got, want)
		}
	}
}

// FuzzAppendJSONString: any string is escaped as encoding/json escapes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := accounts.AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
