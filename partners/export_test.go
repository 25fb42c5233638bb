package partners

// Verifications is the number of argon2id verifications so far.
func Verifications() int64 { return verifications.Load() }

// ArgonPeak is the most argon2id hashes that ran at once so far, and the bound.
func ArgonPeak() (peak int64, bound int) { return argonPeak.Load(), cap(argonSlots) }
