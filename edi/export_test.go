package edi

// SetParallelJobBytes sets the size from which ValidateParallel hands sets
// to a worker together, and returns a function restoring it: a small size
// gives every set its own job.
func SetParallelJobBytes(n int64) (restore func()) {
	old := parallelJobBytes
	parallelJobBytes = n
	return func() { parallelJobBytes = old }
}
