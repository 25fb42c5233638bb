package leads_test

import (
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners/leads"
)

// A captured lead's problems: one per bad field, in the form's order; none
// for a good one.
func TestCaptureProblems(t *testing.T) {
	good := leads.Capture{Company: "Padaria", ContactName: "Ana", Email: "ana@padaria.example", Consent: true, ConsentText: "I agree", Promotion: 1}
	if p := good.Problems(); len(p) != 0 {
		t.Fatalf("a good capture: %v", p)
	}
	bad := leads.Capture{Company: " ", ContactName: strings.Repeat("a", 201), Email: "Ana <ana@padaria.example>", Region: strings.Repeat("r", 61),
		Notes: strings.Repeat("n", 2001)}
	var fields []string
	for _, p := range bad.Problems() {
		fields = append(fields, p.Field)
	}
	if got := strings.Join(fields, ","); got != "company,contact_name,email,region,notes,consent" {
		t.Fatalf("problems on %s", got)
	}
}
