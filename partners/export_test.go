package partners

// Verifications is the number of argon2id verifications so far.
func Verifications() int64 { return verifications.Load() }
