package partners_test

import (
	"sync"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
)

// A burst of password hashes and checks runs at most the bound at once (each
// takes 64 MiB), and every one of them still gives the right answer.
func TestPasswordHashesRunWithinTheirSlots(t *testing.T) {
	hash, err := partners.HashPassword("a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	_, bound := partners.ArgonPeak()
	n := 3 * bound
	var wg sync.WaitGroup
	results := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				results[i] = partners.CheckPassword(hash, "a long enough passphrase")
			} else {
				results[i] = !partners.CheckPassword(hash, "not the passphrase")
			}
		}()
	}
	wg.Wait()
	for i, ok := range results {
		if !ok {
			t.Fatalf("check %d gave the wrong answer", i)
		}
	}
	if peak, bound := partners.ArgonPeak(); peak < 1 || peak > int64(bound) {
		t.Fatalf("%d hashes ran at once; the bound is %d", peak, bound)
	}
}
