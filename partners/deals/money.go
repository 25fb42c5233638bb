package deals

import (
	"strconv"
	"strings"

	"golang.org/x/text/currency"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// minorUnits turns a decimal amount in a currency ("12500.50" BRL) into integer
// minor units (1250050), refusing a currency that is not ISO 4217, more decimals
// than the currency has, a sign, or anything that is not digits.
// Errors: Invalid, naming the field.
func minorUnits(amount, code string) (int64, string, error) {
	cur, err := currency.ParseISO(strings.ToUpper(strings.TrimSpace(code)))
	if err != nil || len(code) != 3 {
		return 0, "", apperr.Field("currency", "%q is not an ISO 4217 currency code", code)
	}
	scale, _ := currency.Standard.Rounding(cur)
	amount = strings.TrimSpace(amount)
	whole, frac, hasDot := strings.Cut(amount, ".")
	if whole == "" || !digits(whole) || hasDot && (frac == "" || !digits(frac)) {
		return 0, "", apperr.Field("amount", "%q is not an amount (digits, and a point before the cents)", amount)
	}
	if len(frac) > scale {
		return 0, "", apperr.Field("amount", "%s has %d decimal places; %s has %d", amount, len(frac), cur.String(), scale)
	}
	if len(whole) > 15 {
		return 0, "", apperr.Field("amount", "%s is too large", amount)
	}
	var n int64
	for _, c := range whole + frac + strings.Repeat("0", scale-len(frac)) {
		n = n*10 + int64(c-'0')
	}
	return n, cur.String(), nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decimal prints minor units in the currency's scale ("12500.50").
func decimal(minor int64, code string) string {
	cur, err := currency.ParseISO(code)
	if err != nil {
		return ""
	}
	scale, _ := currency.Standard.Rounding(cur)
	s := strings.Repeat("0", scale+1)
	if v := strconv.FormatInt(minor, 10); len(v) > len(s) {
		s = v
	} else {
		s = s[:len(s)-len(v)] + v
	}
	if scale == 0 {
		return s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}
