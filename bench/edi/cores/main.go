// Command cores measures how much of a second core the machine gives at the
// moment, as a control for bench/edi/run.sh's many-core figures: it times a
// CPU-bound loop on one goroutine, then the same work split between two,
// three times, and prints the speedups (2.00 on two free cores).
package main

import (
	"fmt"
	"sync"
	"time"
)

var sink uint64

func work(n int) {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink += x
}

func main() {
	const n = 200_000_000
	fmt.Print("two-goroutine speedup of a CPU-bound loop (control):")
	for round := 0; round < 3; round++ {
		t := time.Now()
		work(2 * n)
		one := time.Since(t)
		t = time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := uint64(1)
				for i := 0; i < n; i++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
				mu.Lock()
				sink += x
				mu.Unlock()
			}()
		}
		wg.Wait()
		fmt.Printf(" %.2f", float64(one)/float64(time.Since(t)))
	}
	fmt.Printf(" (checksum %02x)\n", sink&0xff) // the loops' results are used
}
