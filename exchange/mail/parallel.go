package mail

import (
	"runtime"
	"sync"
)

// minParallel is the least work (roots, entries) worth splitting across
// goroutines: below it, starting them costs more than it saves. Batches of
// a sync are smaller; the first read of a mailbox is not.
var minParallel = 4096

// parallel calls f on contiguous parts of [0, n) at once, one part per
// processor (at most 4), or on all of it in the caller's goroutine when n
// is small. The parts must not write to the same memory.
func parallel(n int, f func(lo, hi int)) { split(n, minParallel, f) }

// split is parallel for work of which at least grain items are worth a
// goroutine.
func split(n, grain int, f func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), 4, n/max(grain, 1))
	if p < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < p; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(n*i/p, n*(i+1)/p)
		}()
	}
	f(0, n/p)
	wg.Wait()
}
