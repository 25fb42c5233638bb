package accounts

import (
	"net/mail"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// NormalizeDomain turns a domain, URL or email address into its registrable domain
// (lower-case, ASCII, public-suffix aware): "https://WWW.Shop.Acme.co.uk/x" →
// "acme.co.uk". Errors: Invalid.
func NormalizeDomain(s string) (string, error) {
	in := strings.TrimSpace(s)
	d := strings.ToLower(in)
	if i := strings.LastIndexByte(d, '@'); i >= 0 {
		d = d[i+1:]
	}
	if strings.Contains(d, "://") {
		u, err := url.Parse(d)
		if err != nil {
			return "", apperr.Field("domains", "%q is not a domain", in)
		}
		d = u.Hostname()
	} else {
		d, _, _ = strings.Cut(d, "/")
		if h, _, ok := strings.Cut(d, ":"); ok {
			d = h
		}
	}
	d = strings.TrimSuffix(d, ".")
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil || ascii == "" || !strings.Contains(ascii, ".") || len(ascii) > 253 {
		return "", apperr.Field("domains", "%q is not a domain", in)
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil {
		return "", apperr.Field("domains", "%q is not a registrable domain (it is a public suffix or malformed)", in)
	}
	return reg, nil
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NormalizeDUNS keeps the digits of a D-U-N-S number and checks there are nine and
// that it is not a placeholder. D&B stopped issuing numbers with a check digit
// around 2006, so a check-digit test would refuse real numbers; none is made.
// Errors: Invalid.
func NormalizeDUNS(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	d := digits(s)
	if len(d) != 9 || d == "000000000" || d == "999999999" {
		return "", apperr.Field("duns", "%q is not a D-U-N-S number (nine digits)", s)
	}
	return d, nil
}

// NormalizeCNPJ keeps the letters and digits of a Brazilian CNPJ, upper-cased, and
// validates its two check digits. Both the numeric form and the alphanumeric form
// issued from July 2026 are accepted (each character counts as its ASCII code minus
// 48, which is the digit itself for the numeric form). Errors: Invalid.
func NormalizeCNPJ(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	c := b.String()
	bad := apperr.Field("cnpj", "%q is not a valid CNPJ (14 characters with two check digits)", s)
	if len(c) != 14 || digits(c[12:]) != c[12:] || strings.Count(c, string(c[0])) == 14 {
		return "", bad
	}
	dv := func(body string) byte {
		weights := []int{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
		w := weights[len(weights)-len(body):]
		sum := 0
		for i := 0; i < len(body); i++ {
			sum += int(body[i]-'0') * w[i]
		}
		r := sum % 11
		if r < 2 {
			return '0'
		}
		return byte('0' + 11 - r)
	}
	if dv(c[:12]) != c[12] || dv(c[:13]) != c[13] {
		return "", bad
	}
	return c, nil
}

// NormalizeVAT keeps the letters and digits of a VAT number, upper-cased.
// Errors: Invalid.
func NormalizeVAT(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	v := b.String()
	if len(v) < 4 || len(v) > 20 {
		return "", apperr.Field("vat", "%q is not a VAT number", s)
	}
	return v, nil
}

// NormalizeEmail lower-cases and checks an email address. Errors: Invalid.
func NormalizeEmail(s string) (string, error) {
	e := strings.TrimSpace(s)
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", apperr.Field("emails", "%q is not an email address", s)
	}
	return strings.ToLower(e), nil
}

func sortStrings(s []string) { sort.Strings(s) }
