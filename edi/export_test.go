package edi

import "io"

// SetParallelJobBytes sets the size from which ValidateParallel hands sets
// to a worker together, and returns a function restoring it: a small size
// gives every set its own job.
func SetParallelJobBytes(n int64) (restore func()) {
	old := parallelJobBytes
	parallelJobBytes = n
	return func() { parallelJobBytes = old }
}

// SetParallelDropJobs makes ValidateParallel's workers drop their jobs (the
// reading side alone is measured; results are incomplete) and returns a
// function restoring the default.
func SetParallelDropJobs(drop bool) (restore func()) {
	old := parallelDropJobs
	parallelDropJobs = drop
	return func() { parallelDropJobs = old }
}

// ValidateSlow is ValidateWith with the fast checks of segments turned off:
// every element is checked one by one, as when an error is reported.
func ValidateSlow(r io.Reader, cs ...*Convention) ([]*InterchangeResult, error) {
	s := NewScanner(r)
	s.slow = true
	s.UseConventions(cs...)
	for s.Scan() {
	}
	return s.Results(), s.Err()
}
