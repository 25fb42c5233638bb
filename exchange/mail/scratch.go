package mail

import "sync"

// scratch holds the buffers one Add uses and drops. They come from a pool,
// so that threading batch after batch (a sync, or Thread called again)
// reuses memory the process already has: fresh memory costs a page fault
// per 4 KiB and more garbage collection, which for large batches cost
// more than the threading itself.
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

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// put returns the buffers to the pool, dropping what they point to so
// that the pool keeps no messages alive.
func (s *scratch) put() {
	clear(s.nodes[:cap(s.nodes)])
	clear(s.subjects[:cap(s.subjects)])
	clear(s.members[:cap(s.members)])
	clear(s.flat[:cap(s.flat)])
	clear(s.shared[:cap(s.shared)])
	clear(s.msgs[:cap(s.msgs)])
	clear(s.addrs[:cap(s.addrs)])
	clear(s.parts[:cap(s.parts)])
	clear(s.buckets)
	scratchPool.Put(s)
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
