package partners

import (
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// TestPasswordRule holds the NIST SP 800-63B rule: length, the embedded list of
// common passwords (also with digits and symbols around them), repetition and
// runs, and words of the context; and no composition rule (a long passphrase of
// lower-case words passes).
func TestPasswordRule(t *testing.T) {
	ctx := []string{"ada.lovelace@acme-cloud.example", "Ada Lovelace", "Acme Cloud"}
	refused := map[string]string{
		"short":                     "at least 10",
		"aaaaaaaaaa":                "repeats",
		"abcabcabcabc":              "repeats",
		"ababababab1":               "repeats",
		"1234567890":                "repeats",
		"abcdefghijkl":              "repeats",
		"qwertyuiop":                "repeats",
		"0987654321":                "repeats",
		"passwordpassword":          "repeats",
		"basketball":                "common",
		"BasketBall":                "common",
		"password2024!":             "common",
		"!!football1234":            "common",
		"12345678901!":              "common",
		"ada.lovelace2024":          "too close",
		"AcmeCloud2026!":            "too close",
		"lovelace#1815":             "too close",
		"partnerhub-123":            "too close",
		strings.Repeat("long ", 41): "at most 200",
	}
	for pw, want := range refused {
		err := ValidatePassword(pw, ctx...)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || e.Field != "password" || !strings.Contains(e.Error(), want) {
			t.Errorf("ValidatePassword(%q) = %v, want an Invalid password error saying %q", pw, err, want)
		}
	}
	for _, pw := range []string{"correct horse battery", "tangerine-oboe-42", "Ada's first engine", "léguas submarinas", "zq8#Lm2!xR"} {
		if err := ValidatePassword(pw, ctx...); err != nil {
			t.Errorf("ValidatePassword(%q) = %v, want nil", pw, err)
		}
	}
	if len(commonPasswords()) < 9000 {
		t.Fatalf("the embedded list has %d passwords", len(commonPasswords()))
	}
}
