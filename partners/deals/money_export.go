package deals

// MinorUnits turns a decimal amount in an ISO 4217 currency into integer minor
// units, as the registrations do, for the other money-bearing families (joint
// promotions' funds). Errors: Invalid, naming the field "amount" or "currency".
func MinorUnits(amount, code string) (int64, string, error) { return minorUnits(amount, code) }

// Decimal prints minor units in the currency's scale ("12500.50").
func Decimal(minor int64, code string) string { return decimal(minor, code) }
