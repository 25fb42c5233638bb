package mail

import (
	"sync"
	"sync/atomic"
)

// scratch holds the buffers one Add uses and drops. They are kept for the
// next Add (addScratch; the parts of an Add run on other goroutines use a
// pool), so that threading batch after batch (a sync, or Thread called
// again) reuses memory the process already has: fresh memory costs a page
// fault per 4 KiB and more garbage collection, which for large batches
// cost more than the threading itself.
type scratch struct {
	pre      []preEntry
	claim    []int32
	cont     []container // stamped with gen (see nextGen)
	gen      uint32
	chunk    []int32
	keys     []sortKey
	radix    []sortKey
	count    []int32
	used     []int32
	slots    []int32
	stack    []int32
	order    []int32
	queue    []int32
	nodes    []*Node
	subjects []string
	bucketOf []int32
	heads    []int32
	tails    []int32
	next     []int32
	buckets  map[string]int32
	members  []*Node
	flat     []*Node
	bounds   []int32
	shared   []*Node
	msgs     []*Message
	ends     []int32
	addrs    []string
	hashes   []uint64
	parts    []part
	sink     uint64 // keeps loads done only to fill the cache
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// getScratch returns buffers for a part of an Add run on another
// goroutine.
func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// partScratch returns the buffers for the part of a parallel step that
// starts at lo, and what gives them back: the Add's own for the first part
// (run on the Add's goroutine), pooled ones for the others.
func partScratch(own *scratch, lo int) (*scratch, func()) {
	if lo == 0 {
		return own, func() {}
	}
	s := getScratch()
	return s, s.put
}

// addScratch keeps the buffers of the last Add for the next one. A
// sync.Pool does not do for them: it keeps what a goroutine puts in a slot
// of the processor it ran on, which a goroutine on another processor does
// not see, and the goroutines of parallel parts put their smaller buffers
// there too; a batch of 100,000 messages then grew 3.5 MB of buffers again
// in one Add out of three, in fresh pages.
var addScratch atomic.Pointer[scratch]

// maxKeptBatch is the largest batch whose buffers addScratch keeps (about
// 150 bytes a message): a process that once threaded a huge mailbox does
// not hold its buffers forever.
const maxKeptBatch = 200_000

// getAddScratch returns the buffers of one Add.
func getAddScratch() *scratch {
	if s := addScratch.Swap(nil); s != nil {
		return s
	}
	return new(scratch)
}

// putAdd keeps s for the next Add, unless it is too large (see
// maxKeptBatch) or another Add, running at the same time, kept its own.
func (s *scratch) putAdd() {
	s.clear()
	if cap(s.pre) <= maxKeptBatch {
		addScratch.CompareAndSwap(nil, s)
	}
}

// put returns the buffers to the pool, dropping what they point to so
// that the pool keeps no messages alive.
func (s *scratch) put() {
	s.clear()
	scratchPool.Put(s)
}

// clear drops what the buffers point to.
func (s *scratch) clear() {
	clear(s.nodes[:cap(s.nodes)])
	clear(s.subjects[:cap(s.subjects)])
	clear(s.members[:cap(s.members)])
	clear(s.flat[:cap(s.flat)])
	clear(s.shared[:cap(s.shared)])
	clear(s.msgs[:cap(s.msgs)])
	clear(s.addrs[:cap(s.addrs)])
	clear(s.parts[:cap(s.parts)])
	clear(s.buckets)
}

// nextGen starts a run over s.cont: no container of it has the
// generation returned (new memory has 0).
func (s *scratch) nextGen() uint32 {
	s.gen++
	if s.gen == 0 { // wrapped around: old stamps could match again
		clear(s.cont[:cap(s.cont)])
		s.gen = 1
	}
	return s.gen
}

// sized returns buf with length n, reusing its memory when it is large
// enough. The contents are not cleared.
func sized[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n, n+n/8)
	}
	return buf[:n]
}
