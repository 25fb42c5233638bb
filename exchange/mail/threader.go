package mail

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// A Threader keeps conversations and takes new messages into them. The
// result after any sequence of Add calls is the same as threading all the
// messages at once, in any order: threading works in a canonical order (see
// README.md) and each Add re-threads only the conversations the new
// messages can touch: those sharing an id with them (References,
// In-Reply-To, Message-ID, found through a union-find over every id ever
// mentioned, as notmuch's ghost messages) and those with the same base
// subject when subject grouping is on.
//
// A Threader is not safe for concurrent use.
type Threader struct {
	opts   Options
	scopes map[string]*scopeState
	count  int
	chains []int32 // the parent chains of all entries (see entry)
}

// Changes reports what one Add did, for a store to persist: upsert the
// conversations in Created, Grew and Merged[].Into, delete those in Removed.
type Changes struct {
	// Created holds conversations made only of new messages.
	Created []*Conversation
	// Grew holds conversations that kept their ID and changed: usually they
	// took new messages; rarely one lost a message to another conversation
	// (which then lists it in Merged.From).
	Grew []*Conversation
	// Merged holds conversations made of messages that were in other
	// conversations before (listed in From, sorted), with or without new
	// messages; a conversation whose ID changed (its thread got a new top)
	// is a merge of one.
	Merged []Merge
	// Removed lists the IDs of conversations that no longer exist.
	Removed []string
}

// A Merge is a conversation formed from the messages of others.
type Merge struct {
	Into *Conversation
	From []string
}

type scopeState struct {
	scope  string
	chains *[]int32                // Threader.chains
	news   []*entry                // being added
	old    map[*component]struct{} // components the new ones touch
	// After a first Add into an empty scope, its entries and roots, until
	// built makes the components from them.
	all     []*entry
	roots   []*Node
	pending []sortKey // being added, before they are entries
	ids     idTable   // union-find over every id mentioned
	parent  []int32
	names   []string             // the id of each index
	claim   []int32              // during a first Add, 1 + the argument index of the message claiming each id
	cont    []container          // during jwz, the container of each id (scratch)
	s       *scratch             // during Add
	comps   map[int32]*component // by union-find root
	buckets map[string][]*Node   // roots by base subject (Node.bucketIdx)
	convs   map[string]*Conversation
	fresh   []*Conversation // made by a first Add, not yet in convs
	// convSlab is where conversations are allocated, convHint how many
	// the next slab holds.
	convSlab []Conversation
	convHint int
	// lists counts the addresses of the scope's messages, to tell lists
	// from participants (see lists.go); nil without subject grouping.
	lists *listSketch
}

type component struct {
	entries []*entry
	roots   []*Node
}

// NewThreader makes an empty threader.
func NewThreader(opts Options) *Threader {
	return &Threader{opts: opts, scopes: map[string]*scopeState{}}
}

// Len is the number of messages taken.
func (t *Threader) Len() int { return t.count }

// Conversations returns every conversation, newest (by last message) first;
// conversations without any date come last. Ties are broken by ID.
func (t *Threader) Conversations() []*Conversation {
	var out []*Conversation
	for _, st := range t.scopes {
		st.flush()
		for _, c := range st.convs {
			out = append(out, c)
		}
	}
	sortConversations(out)
	return out
}

// sortConversations sorts as compareConversations does, comparing
// precomputed keys.
func sortConversations(l []*Conversation) {
	if len(l) < 64 {
		slices.SortFunc(l, compareConversations)
		return
	}
	type key struct {
		sec  int64 // of Last, negated (newest first); MaxInt64 when unknown
		nsec int32
		c    *Conversation
	}
	keys := make([]key, len(l))
	for i, c := range l {
		k := key{sec: math.MaxInt64, c: c}
		if !c.Last.IsZero() {
			k.sec, k.nsec = -c.Last.Unix(), -int32(c.Last.Nanosecond())
		}
		keys[i] = k
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.sec != b.sec {
			return cmp.Compare(a.sec, b.sec)
		}
		if a.nsec != b.nsec {
			return cmp.Compare(a.nsec, b.nsec)
		}
		return cmp.Compare(a.c.ID, b.c.ID)
	})
	for i, k := range keys {
		l[i] = k.c
	}
}

func compareConversations(a, b *Conversation) int {
	if c := compareDates(b.Last, a.Last); c != 0 {
		if a.Last.IsZero() || b.Last.IsZero() {
			return -c
		}
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Conversation returns the conversation with the given ID.
func (t *Threader) Conversation(id string) (*Conversation, bool) {
	for _, st := range t.scopes {
		st.flush()
		if c, ok := st.convs[id]; ok {
			return c, true
		}
	}
	return nil, false
}

// Add takes new messages into the conversations and reports what changed.
// Messages must not be modified after they are added; adding the same
// *Message twice adds it twice (a second copy gets a synthetic id).
func (t *Threader) Add(msgs ...*Message) Changes {
	var ch Changes
	var order []*scopeState
	var st *scopeState
	// One pass over the messages, in the order given (which is usually
	// the order they are in memory): scope, sort date, ids indexed. The
	// entries are made afterwards in canonical order, so that threading
	// reads them in memory order.
	s := getAddScratch()
	defer s.putAdd()
	pre := sized(s.pre, len(msgs))
	s.pre = pre
	chunk := s.chunk[:0] // all parent chains, appended to t.chains when done
	var fps [][16]byte
	var claimed *scopeState // the scope using s.claim
	// The ids of a block of messages are hashed, and the slots they start
	// at loaded, before the block is indexed: independent loads, whose
	// cache misses the processor overlaps (see idTable.prefetch).
	var hs [hashAhead]hashes
	for i, m := range msgs {
		if i%hashAhead == 0 {
			s.sink += st.hashBlock(msgs[i:min(i+hashAhead, len(msgs))], hs[:])
		}
		if m == nil {
			continue
		}
		if st == nil || m.Scope != st.scope {
			// Sized for all the messages left when first seen; other
			// scopes grow as needed.
			expect := 16
			if len(order) == 0 {
				expect = len(msgs) - i
			}
			st = t.scope(m.Scope, expect)
			st.built()
			if len(st.names) == 0 && claimed == nil {
				// A first Add into an empty scope (the bulk of ids) uses
				// claims; see parentChain.
				if s.claim == nil {
					s.claim = make([]int32, 0, expect+expect/8)
				}
				claimed, st.claim = st, s.claim[:0]
			}
			if st.pending == nil {
				if len(order) == 0 {
					st.pending = sized(s.keys, expect)[:0]
				} else {
					st.pending = make([]sortKey, 0, expect)
				}
				order = append(order, st)
			}
		}
		p := &pre[i]
		p.fp = -1
		id := m.MessageID
		if id == "" {
			fp := fingerprint(m)
			id, p.fp = syntheticID(fp), int32(len(fps))
			fps = append(fps, fp)
		}
		if !t.opts.NoSubjectGrouping {
			if st.lists == nil {
				st.lists = new(listSketch)
			}
			st.lists.add(m)
		}
		p.off = int32(len(chunk))
		p.idx = st.index(m, id, hs[i%hashAhead], int32(i), pre, msgs, &chunk)
		p.end = int32(len(chunk))
		st.pending = append(st.pending, sortKey{ts: sortTime(m.SentDate()), i: int32(i), fp: -1})
	}
	s.chunk = chunk
	if claimed != nil {
		s.claim, claimed.claim = claimed.claim, nil
	}
	// Every entry's chain, kept for later Adds (which re-thread old
	// entries).
	base := int32(len(t.chains))
	t.chains = append(t.chains, chunk...)
	if len(order) > 0 {
		s.keys = order[0].pending
	}
	n := 0
	for _, st := range order {
		n += len(st.pending)
	}
	slab := make([]entry, n) // one allocation for all the entries
	slices.SortFunc(order, func(a, b *scopeState) int { return cmp.Compare(a.scope, b.scope) })
	for _, st := range order {
		tied := sortKeys(st.pending, msgs, s)
		news, pending := make([]*entry, len(st.pending)), st.pending
		mine := slab[:len(pending)]
		slab = slab[len(pending):]
		// Each entry is written apart from the others: at once.
		parallel(len(pending), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				k := pending[j]
				e := &mine[j]
				p, m := &pre[k.i], msgs[k.i]
				var fp *[16]byte
				switch {
				case k.fp >= 0:
					fp = &tied[k.fp]
				case p.fp >= 0:
					fp = &fps[p.fp]
				}
				*e = entry{n: Node{Message: m, entry: e, ts: k.ts, idx: p.idx}, ref: base + p.off, nref: p.end - p.off, fp: fp}
				news[j] = e
			}
		})
		st.news = news
		st.pending = nil
		st.s = s
		st.add(t.opts, &ch)
		st.s = nil
		t.count += len(st.news)
		st.news, st.old = nil, nil
	}
	sortConversations(ch.Created)
	sortConversations(ch.Grew)
	slices.SortFunc(ch.Merged, func(a, b Merge) int { return compareConversations(a.Into, b.Into) })
	sort.Strings(ch.Removed)
	return ch
}

// A preEntry is what Add learns of a message on its first pass.
type preEntry struct {
	off, end int32 // its parent chain in chunk
	idx      int32
	fp       int32 // index of its fingerprint when computed, else -1
	whole    bool  // its chain starts with all its References, in order
}

// A sortKey is a message to put in canonical order: its sort date, its
// position in Add's arguments and, when its date is shared, the index of
// its fingerprint.
type sortKey struct {
	ts int64
	i  int32
	fp int32
}

// sortKeys puts keys in canonical order (see compareKeys): by date, with a
// radix sort for large batches, then by fingerprint, file and offset where
// dates are equal. It returns the fingerprints it computed.
func sortKeys(keys []sortKey, msgs []*Message, s *scratch) [][16]byte {
	if len(keys) >= 2048 {
		radixSort(keys, s)
	} else {
		slices.SortFunc(keys, func(a, b sortKey) int { return cmp.Compare(a.ts, b.ts) })
	}
	var fps [][16]byte
	type tie struct {
		fp [16]byte
		m  *Message
		k  sortKey
	}
	var ties []tie
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].ts == keys[i].ts {
			j++
		}
		if j-i > 1 {
			ties = ties[:0]
			for _, k := range keys[i:j] {
				m := msgs[k.i]
				ties = append(ties, tie{fingerprint(m), m, k})
			}
			slices.SortFunc(ties, func(a, b tie) int {
				if c := bytes.Compare(a.fp[:], b.fp[:]); c != 0 {
					return c
				}
				if c := cmp.Compare(a.m.File, b.m.File); c != 0 {
					return c
				}
				return cmp.Compare(a.m.Offset, b.m.Offset)
			})
			for x, t := range ties {
				t.k.fp = int32(len(fps))
				fps = append(fps, t.fp)
				keys[i+x] = t.k
			}
		}
		i = j
	}
	return fps
}

// radixSort sorts keys by ts, stably, radixBits at a time, skipping the
// digits all keys share. The counts of every digit are taken in one pass,
// and each table of counts stays in the first-level cache.
func radixSort(keys []sortKey, s *scratch) {
	u := func(ts int64) uint64 { return uint64(ts) ^ 1<<63 }
	const digits = (64 + radixBits - 1) / radixBits
	const mask = 1<<radixBits - 1
	count := sized(s.count, digits<<radixBits)
	s.count = count
	clear(count)
	for _, k := range keys {
		v := u(k.ts)
		for d := range digits {
			count[d<<radixBits|int(v>>(d*radixBits)&mask)]++
		}
	}
	orig := keys
	var tmp []sortKey
	for d := range digits {
		c := count[d<<radixBits : (d+1)<<radixBits]
		shift := d * radixBits
		if c[u(keys[0].ts)>>shift&mask] == int32(len(keys)) {
			continue // every key has the same digit
		}
		if tmp == nil {
			tmp = sized(s.radix, len(keys))
			s.radix = tmp
		}
		var sum int32
		for i, n := range c {
			c[i] = sum
			sum += n
		}
		for _, k := range keys {
			x := u(k.ts) >> shift & mask
			tmp[c[x]] = k
			c[x]++
		}
		keys, tmp = tmp, keys
	}
	if &keys[0] != &orig[0] {
		copy(orig, keys) // an odd number of passes
	}
}

// radixBits is the digit radixSort sorts by: 2,048 counts, 8 KiB.
const radixBits = 11

// built makes the components left unmade by a first Add into an empty
// scope, now that more messages come.
func (st *scopeState) built() {
	if st.all == nil {
		return
	}
	st.union(st.all)
	for _, e := range st.all {
		k := st.find(e.n.idx)
		c := st.comps[k]
		if c == nil {
			c = &component{}
			st.comps[k] = c
		}
		c.entries = append(c.entries, e)
	}
	for _, r := range st.roots {
		c := st.comps[st.find(r.idx)]
		c.roots = append(c.roots, r)
		if r.base != "" {
			if st.buckets == nil {
				st.buckets = make(map[string][]*Node, len(st.roots))
			}
			r.bucketIdx = int32(len(st.buckets[r.base]))
			st.buckets[r.base] = append(st.buckets[r.base], r)
		}
	}
	st.all, st.roots = nil, nil
	st.flush()
}

// flush puts the conversations of a first Add into st.convs.
func (st *scopeState) flush() {
	if st.fresh == nil {
		return
	}
	if len(st.convs) == 0 {
		st.convs = make(map[string]*Conversation, len(st.fresh))
	}
	for _, c := range st.fresh {
		st.convs[c.ID] = c
	}
	st.fresh = nil
}

// scope returns the state of a scope, made on first use; expect is how
// many messages may come for it in this Add.
func (t *Threader) scope(scope string, expect int) *scopeState {
	st := t.scopes[scope]
	if st == nil {
		// Most references name messages of the same batch: a little more
		// than one id per message.
		hint := expect + expect/8
		st = &scopeState{
			scope:   scope,
			chains:  &t.chains,
			ids:     newIDTable(hint),
			parent:  make([]int32, 0, hint),
			names:   make([]string, 0, hint),
			comps:   map[int32]*component{},
			buckets: map[string][]*Node{},
			convs:   map[string]*Conversation{},
		}
		t.scopes[scope] = st
	}
	return st
}

func (st *scopeState) node(id string) int32 { return st.nodeHashed(id, hashID(id)) }

// nodeHashed is node for an id whose hash is h.
func (st *scopeState) nodeHashed(id string, h uint32) int32 {
	i, slot := st.ids.find(id, h, st.names)
	if i >= 0 {
		return i
	}
	i = st.newID(id)
	st.ids.put(slot, h, i)
	return i
}

// newID gives a new id the next index.
func (st *scopeState) newID(id string) int32 {
	i := int32(len(st.names))
	st.names = append(st.names, id)
	if st.claim != nil {
		st.claim = append(st.claim, 0)
	}
	return i
}

// grow gives the ids indexed since the last call their union-find parent,
// in bulk: most ids come in a first Add, which needs none.
func (st *scopeState) grow() {
	for i := len(st.parent); i < len(st.names); i++ {
		st.parent = append(st.parent, int32(i))
	}
}

// chain returns the parent chain of an entry of the scope.
func (st *scopeState) chain(e *entry) []int32 {
	return (*st.chains)[e.ref : e.ref+e.nref : e.ref+e.nref]
}

func (st *scopeState) find(i int32) int32 {
	for st.parent[i] != i {
		st.parent[i] = st.parent[st.parent[i]]
		i = st.parent[i]
	}
	return i
}

// index gives the ids of m (claiming claimed) their union-find indexes,
// appends its parent chain to chunk and returns the index of its own id.
// The chain is References without its own id and without repeats, then the
// In-Reply-To id, as JWZ appends it unless it is already last; an id found
// earlier in References is not appended, which would make an ancestor the
// parent. Ids compare as indexes, not strings.
//
// Most replies carry their parent's References plus the parent's id: when
// the parent came earlier in the same Add, the indexes of the shared part
// are copied from its chain after comparing the strings, which is cheaper
// than looking each id up again.
func (st *scopeState) index(m *Message, claimed string, h hashes, i int32, pre []preEntry, msgs []*Message, chunk *[]int32) int32 {
	if h.self == 0 {
		h.self = hashID(claimed)
	}
	self := st.nodeHashed(claimed, h.self)
	if st.claim != nil && st.claim[self] == 0 {
		st.claim[self] = i + 1
	}
	start := len(*chunk)
	idx := *chunk
	push := func(k int32) {
		if k != self && (len(idx) == start || idx[len(idx)-1] != k) {
			idx = append(idx, k)
		}
	}
	refs := m.References
	last := int32(-1)
	if n := len(refs); n > 0 {
		if h.last == 0 {
			h.last = hashID(refs[n-1])
		}
		last = st.nodeHashed(refs[n-1], h.last)
		if shared, ok := st.parentChain(refs[:n-1], last, pre, msgs, *chunk); ok {
			for _, k := range shared {
				push(k)
			}
		} else {
			for _, r := range refs[:n-1] {
				push(st.node(r))
			}
		}
		push(last)
	}
	pre[i].whole = len(idx)-start == len(refs)
	if len(m.InReplyTo) > 0 {
		k := last
		if irt := m.InReplyTo[0]; len(refs) == 0 || irt != refs[len(refs)-1] {
			k = st.node(irt)
		}
		if k != self && !slices.Contains(idx[start:], k) {
			idx = append(idx, k)
		}
	}
	refIdx := idx[start:]
	*chunk = idx
	if len(st.comps) == 0 {
		return self
	}
	st.grow()
	// The components this message touches, before any union.
	if st.old == nil {
		st.old = map[*component]struct{}{}
	}
	if c := st.comps[st.find(self)]; c != nil {
		st.old[c] = struct{}{}
	}
	for _, k := range refIdx {
		if c := st.comps[st.find(k)]; c != nil {
			st.old[c] = struct{}{}
		}
	}
	return self
}

// hashAhead is how many messages hashBlock hashes ahead: enough to overlap
// many cache misses, few enough that what they load stays cached.
const hashAhead = 128

// hashes are the hashes of a message's own id and of its last reference,
// 0 when not computed.
type hashes struct{ self, last uint32 }

// hashBlock hashes the Message-ID and last reference of msgs into hs, and,
// for the messages of st's scope, loads the table slots they start at. It
// returns what it loaded, for the caller to keep (so that the loads are
// not optimized away). st may be nil.
func (st *scopeState) hashBlock(msgs []*Message, hs []hashes) uint64 {
	// First only loads, one independent chain per message, so that the
	// processor can have many in flight: the message, its ids' first bytes,
	// its In-Reply-To.
	var sum uint64
	for _, m := range msgs {
		if m == nil {
			continue
		}
		if m.MessageID != "" {
			sum += uint64(m.MessageID[0])
		}
		if n := len(m.References); n > 0 && m.References[n-1] != "" {
			sum += uint64(m.References[n-1][0])
		}
		if len(m.InReplyTo) > 0 {
			sum += uint64(len(m.InReplyTo[0]))
		}
	}
	for j, m := range msgs {
		var h hashes
		if m != nil {
			if m.MessageID != "" {
				h.self = hashID(m.MessageID)
			}
			if n := len(m.References); n > 0 {
				h.last = hashID(m.References[n-1])
			}
		}
		hs[j] = h
	}
	if st == nil || len(st.ids.slots) == 0 {
		return sum
	}
	for j, m := range msgs {
		if m != nil && m.Scope == st.scope {
			if h := hs[j]; h.self != 0 {
				sum += st.ids.prefetch(h.self)
			}
			if h := hs[j]; h.last != 0 {
				sum += st.ids.prefetch(h.last)
			}
		}
	}
	return sum
}

// parentChain returns the indexes of refs when the message that claimed
// the id parent earlier in this Add has exactly refs as its References and
// kept all of them in its chain (none was its own id or a repeat).
func (st *scopeState) parentChain(refs []string, parent int32, pre []preEntry, msgs []*Message, chunk []int32) ([]int32, bool) {
	if st.claim == nil {
		return nil, false
	}
	c := st.claim[parent]
	if c == 0 {
		return nil, false
	}
	p := &pre[c-1]
	if !p.whole || len(msgs[c-1].References) != len(refs) {
		return nil, false
	}
	for j, r := range msgs[c-1].References {
		if r != refs[j] {
			return nil, false
		}
	}
	return chunk[p.off : p.off+int32(len(refs))], true
}

func (st *scopeState) add(opts Options, ch *Changes) {
	news, old := st.news, st.old
	// Into an empty scope (Thread, or a first sync) nothing can be touched,
	// and the components are only needed if more messages come: they are
	// built then (see built).
	empty := len(st.convs) == 0 && len(st.comps) == 0 && st.all == nil
	for c := range old {
		delete(st.comps, st.find(c.entries[0].n.idx))
	}
	if !empty {
		st.union(news)
	}
	touched := map[*Conversation]struct{}{}
	buckets := map[string]struct{}{}
	var roots []*Node
	if empty {
		roots = st.jwz(news) // Add made them in canonical order
		st.all, st.roots = news, roots
	} else {
		// The new components: old ones joined, plus the new messages.
		all := make([]*entry, 0, len(news))
		var oldRoots []*Node
		fresh := map[int32]*component{}
		put := func(e *entry) {
			k := st.find(e.n.idx)
			c := fresh[k]
			if c == nil {
				c = &component{}
				fresh[k] = c
			}
			c.entries = append(c.entries, e)
			all = append(all, e)
		}
		for c := range old {
			oldRoots = append(oldRoots, c.roots...)
			for _, e := range c.entries {
				put(e)
			}
		}
		for _, e := range news {
			put(e)
		}
		// What the old roots were, before jwz reuses their nodes.
		for _, r := range oldRoots {
			st.forget(r, touched, buckets)
		}
		// Components never interact in JWZ, so one run over all of them in
		// canonical order is the same as one run per component.
		sortEntries(all)
		roots = st.jwz(all)
		for _, r := range roots {
			c := fresh[st.find(r.idx)]
			c.roots = append(c.roots, r)
		}
		for k, c := range fresh {
			st.comps[k] = c
		}
	}

	made := make([]*Conversation, 0, len(roots))
	st.convHint = len(roots)
	if !opts.NoSubjectGrouping {
		rootSubjects(roots, st.s)
	}
	regroup := false
	if st.lists != nil {
		// Which addresses are lists may have changed: every bucket's
		// grouping may then change too.
		regroup = st.lists.update() && !empty
	}
	if empty {
		made = st.groupFirst(roots, opts.window(), made)
		st.convSlab = nil // the next Add starts a slab of its own
		// Every conversation is new; st.convs is filled when first needed.
		st.fresh = made
		ch.Created = append(ch.Created, made...)
		return
	}
	for _, r := range roots {
		if r.base == "" {
			made = append(made, st.conversation(r, nil))
			continue
		}
		buckets[r.base] = struct{}{}
		r.bucketIdx = int32(len(st.buckets[r.base]))
		st.buckets[r.base] = append(st.buckets[r.base], r)
	}
	if regroup {
		for b := range st.buckets {
			buckets[b] = struct{}{}
		}
	}
	// Buckets are independent: the order they are done in does not matter.
	// A group equal to an existing conversation (same top, same roots, none
	// re-threaded) keeps it untouched; only changed groups are rebuilt.
	snapshot := func(g []*Node) {
		for _, r := range g {
			if c := r.conv; c != nil {
				if _, ok := touched[c]; !ok {
					c.snapshot() // before grouping changes its tree
					touched[c] = struct{}{}
				}
			}
		}
	}
	for b := range buckets {
		members := st.buckets[b]
		if len(members) == 0 {
			delete(st.buckets, b)
			continue
		}
		groups := [][]*Node{members}
		if len(members) > 1 {
			groups = group(slices.Clone(members), opts.window(), st.lists)
		}
		for _, g := range groups {
			if !unchanged(g) {
				snapshot(g)
			}
		}
		for _, g := range groups {
			if !unchanged(g) {
				made = append(made, st.conversation(g[0], g[1:]))
			}
		}
	}
	st.convSlab = nil // the next Add starts a slab of its own
	st.report(touched, made, news, ch)
}

// groupFirst makes the conversations of a first Add into an empty scope:
// roots sharing a base subject are grouped (see group), each bucket once,
// at its first member, in the order of the roots (which is the order of
// their memory). The buckets are kept for later Adds by built.
func (st *scopeState) groupFirst(roots []*Node, window time.Duration, made []*Conversation) []*Conversation {
	s := st.s
	bucketOf := sized(s.bucketOf, len(roots)) // -1: no base subject
	heads, tails := s.heads[:0], s.tails[:0]  // of each bucket
	var next []int32                          // the next root of the same bucket
	if s.buckets == nil {
		s.buckets = make(map[string]int32, len(roots))
	}
	ids := s.buckets
	clear(ids) // another scope's, in the same Add
	for i, r := range roots {
		bucketOf[i] = -1
		if r.base == "" {
			continue
		}
		if next == nil {
			next = sized(s.next, len(roots))
		}
		next[i] = -1
		b, ok := ids[r.base]
		if !ok {
			b = int32(len(heads))
			ids[r.base] = b
			heads, tails = append(heads, int32(i)), append(tails, int32(i))
		} else {
			next[tails[b]] = int32(i)
			tails[b] = int32(i)
		}
		bucketOf[i] = b
	}
	// The participants of the roots that share a subject, which grouping
	// compares, in one batch.
	s.bucketOf, s.heads, s.tails, s.next = bucketOf, heads, tails, next
	shared := s.shared[:0]
	for i, r := range roots {
		if b := bucketOf[i]; b >= 0 && heads[b] != tails[b] {
			shared = append(shared, r)
		}
	}
	s.shared = shared
	// Reading the trees costs several times as much per root as the other
	// parallel steps do per item.
	split(len(shared), minParallel/4, func(lo, hi int) {
		s, done := partScratch(s, lo)
		defer done()
		participantsOf(shared[lo:hi], s)
	})
	// The groups, each a run of flat (top first) ending at its bound.
	members, flat, bounds := s.members[:0], s.flat[:0], s.bounds[:0]
	for i, r := range roots {
		b := bucketOf[i]
		if b < 0 || heads[b] == tails[b] {
			flat = append(flat, r)
			bounds = append(bounds, int32(len(flat)))
			continue
		}
		if heads[b] != int32(i) {
			continue
		}
		members = members[:0]
		for x := int32(i); x >= 0; x = next[x] {
			members = append(members, roots[x])
		}
		for _, g := range group(members, window, st.lists) {
			flat = append(flat, g...)
			bounds = append(bounds, int32(len(flat)))
		}
	}
	s.members, s.flat, s.bounds = members, flat, bounds
	// Each conversation touches only its own roots: they are filled at
	// once.
	convs := make([]Conversation, len(bounds))
	start := len(made)
	made = slices.Grow(made, len(bounds))[:start+len(bounds)]
	parallel(len(bounds), func(lo, hi int) {
		for g := lo; g < hi; g++ {
			from := int32(0)
			if g > 0 {
				from = bounds[g-1]
			}
			group := flat[from:bounds[g]]
			made[start+g] = st.fill(&convs[g], group[0], group[1:])
		}
	})
	return made
}

// union joins the ids of each entry: its own and its parent chain's. After
// a first Add into an empty scope it is left to built.
func (st *scopeState) union(entries []*entry) {
	st.grow()
	for _, e := range entries {
		a := st.find(e.n.idx)
		for _, k := range st.chain(e) {
			if b := st.find(k); a != b {
				st.parent[b] = a
			}
		}
	}
}

// sortEntries puts entries in canonical order (compareEntries). It sorts
// compact (date, position) pairs, which stay in cache, and breaks ties by
// fingerprint only where dates are equal.
func sortEntries(all []*entry) {
	type key struct {
		ts int64
		i  int32
	}
	keys := make([]key, len(all))
	for i, e := range all {
		keys[i] = key{e.n.ts, int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Compare(a.ts, b.ts) })
	sorted := make([]*entry, len(all))
	for i, k := range keys {
		sorted[i] = all[k.i]
	}
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].n.ts == sorted[i].n.ts {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(sorted[i:j], compareKeys)
		}
		i = j
	}
	copy(all, sorted)
}

// forget takes an old root out of its conversation and bucket, noting
// both as touched.
func (st *scopeState) forget(r *Node, touched map[*Conversation]struct{}, buckets map[string]struct{}) {
	if c := r.conv; c != nil {
		if _, ok := touched[c]; !ok {
			c.snapshot() // before threading reuses its nodes
			touched[c] = struct{}{}
		}
		r.conv = nil
	}
	if r.base != "" {
		buckets[r.base] = struct{}{}
		b := st.buckets[r.base]
		last := b[len(b)-1]
		b[r.bucketIdx] = last
		last.bucketIdx = r.bucketIdx
		st.buckets[r.base] = b[:len(b)-1]
		r.base = ""
	}
}

// rootSubjects sets the base subject of every root (its first child's
// when it is a placeholder) and whether the root counts as a reply. The
// subjects are gathered first: the loads are independent, so the processor
// overlaps their cache misses, which the subject parsing in between would
// not let it do.
func rootSubjects(roots []*Node, s *scratch) {
	subjects := sized(s.subjects, len(roots))
	s.subjects = subjects
	parallel(len(roots), func(lo, hi int) {
		rootSubjectsOf(roots[lo:hi], subjects[lo:hi])
	})
}

func rootSubjectsOf(roots []*Node, subjects []string) {
	for i, r := range roots {
		m := r.Message
		if m == nil && len(r.Children) > 0 {
			m = r.Children[0].Message
		}
		if m != nil {
			subjects[i] = m.Subject
		}
	}
	for i, r := range roots {
		if r.Message == nil && len(r.Children) == 0 {
			continue
		}
		if r.Message != nil {
			r.subject = subjects[i] // for conversation
		}
		base, reply := BaseSubject(subjects[i])
		r.base, r.reply = base, reply || r.Message == nil
	}
}

// group is the guarded subject grouping of roots sharing a base subject.
// In order of first date, a root joins an earlier group when it is a reply
// (or a placeholder, which stands for a missing parent), its first message
// is at most window after the group's last one, and its participants
// overlap the group's. Of several such groups, the one with the latest
// message wins. A root without a date never joins nor is joined. An
// address lists takes for a mailing list is not a shared participant.
func group(roots []*Node, window time.Duration, lists *listSketch) [][]*Node {
	// The first dates are read once, not at every comparison.
	type dated struct {
		first time.Time
		r     *Node
	}
	var buf [16]dated
	ds := buf[:0]
	for _, r := range roots {
		ds = append(ds, dated{r.first(), r})
	}
	slices.SortFunc(ds, func(a, b dated) int {
		if c := compareDates(a.first, b.first); c != 0 {
			return c
		}
		return compareKeys(a.r.key(), b.r.key())
	})
	for i, d := range ds {
		roots[i] = d.r
	}
	type grp struct {
		members []*Node
		last    time.Time
		parts   []part // built when first needed
	}
	groupParts := func(g *grp) []part {
		if g.parts == nil {
			for _, m := range g.members {
				g.parts = union(g.parts, participants(m))
			}
		}
		return g.parts
	}
	var groups, active []*grp // active: groups a later root can still join
	for i, r := range roots {
		var best *grp
		if first := ds[i].first; !first.IsZero() && r.reply {
			// Roots come in order of first date, and a group's last date
			// grows only when it is joined: once out of the window, a group
			// stays out.
			kept := active[:0]
			for _, g := range active {
				if first.Sub(g.last) <= window {
					kept = append(kept, g)
				}
			}
			active = kept
			for _, g := range active {
				if best != nil && !g.last.After(best.last) {
					continue
				}
				if overlaps(groupParts(g), participants(r), lists) {
					best = g
				}
			}
		}
		if best == nil {
			g := &grp{members: []*Node{r}, last: r.last()}
			groups = append(groups, g)
			if !g.last.IsZero() {
				active = append(active, g)
			}
			continue
		}
		best.members = append(best.members, r)
		if last := r.last(); last.After(best.last) {
			best.last = last
		}
		if best.parts != nil {
			best.parts = union(best.parts, participants(r))
		}
	}
	out := make([][]*Node, len(groups))
	for i, g := range groups {
		out[i] = g.members
	}
	return out
}

// unchanged reports whether a group of roots is exactly an existing
// conversation: same top, same roots, none re-threaded since.
func unchanged(g []*Node) bool {
	c := g[0].conv
	if c == nil || c.Root != g[0] || c.roots != len(g) {
		return false
	}
	for _, r := range g[1:] {
		if r.conv != c {
			return false
		}
	}
	return true
}

// reset undoes subject grouping on a root: its children are again those
// threading gave it. A root never grouped since threading made it is left
// as it is.
func reset(r *Node) {
	r.Parent = nil
	if !r.grouped {
		return
	}
	r.grouped = false
	if r.saved {
		r.Children = slices.Clone(r.own)
	}
	for _, c := range r.Children {
		c.Parent = r
	}
}

// A part is a participant: an address and a hash of it, which orders
// lists of them cheaply (the address decides only between equal hashes).
// The hash seed is random, so lists are ordered differently in each
// process, but what is computed from them (overlap, union) is not.
type part struct {
	h uint64
	a string
}

var partSeed = maphash.MakeSeed()

func comparePart(x, y part) int {
	if x.h != y.h {
		return cmp.Compare(x.h, y.h)
	}
	return strings.Compare(x.a, y.a)
}

// participantsOf sets the participants of many roots at once, as
// participants would one by one. It goes in passes (the messages of every
// tree, then their addresses, then hashes, then the sorted lists): in each,
// the loads of one step do not depend on the step before, so the processor
// overlaps their cache misses.
func participantsOf(roots []*Node, s *scratch) {
	if len(roots) == 0 {
		return
	}
	msgs := s.msgs[:0]
	ends := sized(s.ends, len(roots))
	stack := s.members[:0]
	for i, r := range roots {
		if r.Message != nil {
			msgs = append(msgs, r.Message)
		}
		if r.saved {
			stack = append(stack[:0], r.own...)
		} else {
			stack = append(stack[:0], r.Children...)
		}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = append(stack[:len(stack)-1], n.Children...)
			if n.Message != nil {
				msgs = append(msgs, n.Message)
			}
		}
		ends[i] = int32(len(msgs))
	}
	s.msgs, s.ends, s.members = msgs, ends, stack
	addrs := s.addrs[:0]
	start := 0
	for i := range roots {
		for _, m := range msgs[start:ends[i]] {
			for _, l := range [3][]Address{m.From, m.To, m.Cc} {
				for _, a := range l {
					if a.Addr != "" && a.Addr != m.List {
						addrs = append(addrs, a.Addr)
					}
				}
			}
		}
		start, ends[i] = int(ends[i]), int32(len(addrs))
	}
	s.addrs = addrs
	hs := sized(s.hashes, len(addrs))
	s.hashes = hs
	for i, a := range addrs {
		hs[i] = maphash.String(partSeed, a)
	}
	// A tree has few distinct participants: they are kept unique as they
	// come, so each list stays short however long the thread. The lists
	// are made in scratch space, then kept in a slab of the right size.
	lists := sized(s.parts, len(addrs))
	s.parts = lists
	first := make([]int32, len(roots)+1)
	start = 0
	n := 0
	for i := range roots {
		parts := lists[n : n : n+int(ends[i])-start]
	next:
		for k := start; k < int(ends[i]); k++ {
			for _, q := range parts {
				if q.h == hs[k] && q.a == addrs[k] {
					continue next
				}
			}
			parts = append(parts, part{hs[k], addrs[k]})
		}
		start = int(ends[i])
		slices.SortFunc(parts, comparePart)
		n += len(parts)
		first[i+1] = int32(n)
	}
	slab := make([]part, n)
	copy(slab, lists[:n])
	for i, r := range roots {
		r.parts = slab[first[i]:first[i+1]:first[i+1]]
	}
}

// participants lists the addresses of a root's tree, sorted, once.
func participants(r *Node) []part {
	if r.parts != nil {
		return r.parts
	}
	parts := make([]part, 0, 8)
	// The root's own children: grouping may have added others' roots.
	var buf [32]*Node
	stack := append(buf[:0], r.Children...)
	if r.saved {
		stack = append(buf[:0], r.own...)
	}
	// A tree has few distinct participants: they are kept unique as they
	// come, so the list stays short however long the thread.
	add := func(m *Message) {
		for _, l := range [3][]Address{m.From, m.To, m.Cc} {
		next:
			for _, a := range l {
				if a.Addr == "" || a.Addr == m.List {
					continue
				}
				p := part{maphash.String(partSeed, a.Addr), a.Addr}
				for _, q := range parts {
					if q.h == p.h && q.a == p.a {
						continue next
					}
				}
				parts = append(parts, p)
			}
		}
	}
	if r.Message != nil {
		add(r.Message)
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, n.Children...)
		if n.Message != nil {
			add(n.Message)
		}
	}
	slices.SortFunc(parts, comparePart)
	r.parts = parts
	return r.parts
}

// overlaps reports whether two sorted lists share an element that is not
// a mailing list's address.
func overlaps(a, b []part, lists *listSketch) bool {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := comparePart(a[i], b[j]); {
		case c == 0:
			if !lists.isList(a[i].a) {
				return true
			}
			i++
			j++
		case c < 0:
			i++
		default:
			j++
		}
	}
	return false
}

// union merges two sorted lists without repeats.
func union(a, b []part) []part {
	out := make([]part, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := comparePart(a[i], b[j]); {
		case c == 0:
			out = append(out, a[i])
			i++
			j++
		case c < 0:
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// conversation builds the conversation of a group of roots: the first is
// the top, the others become its children (a placeholder's children move
// up instead, as RFC 5256's subject merge does).
func (st *scopeState) conversation(top *Node, rest []*Node) *Conversation {
	return st.fill(st.newConversation(), top, rest)
}

// fill makes c the conversation of a group of roots (see conversation). It
// touches only the group's nodes, so groups can be filled at once.
func (st *scopeState) fill(c *Conversation, top *Node, rest []*Node) *Conversation {
	reset(top)
	for _, r := range rest {
		reset(r)
	}
	if len(rest) > 0 {
		if !top.saved {
			top.own, top.saved = slices.Clone(top.Children), true
		}
		top.grouped = true
	}
	*c = Conversation{Scope: st.scope, Root: top, Count: int(top.count), First: top.first(), Last: top.last(), roots: 1 + len(rest)}
	top.conv = c
	for _, r := range rest {
		r.conv, r.grouped = c, true
		c.Count += int(r.count)
		if first := r.first(); c.First.IsZero() || (!first.IsZero() && first.Before(c.First)) {
			c.First = first
		}
		if last := r.last(); last.After(c.Last) {
			c.Last = last
		}
		if r.Message == nil {
			for _, k := range r.Children {
				k.Parent = top
				top.Children = append(top.Children, k)
			}
			continue
		}
		r.Parent = top
		top.Children = append(top.Children, r)
	}
	if len(rest) > 0 {
		slices.SortFunc(top.Children, compareNodes)
	}
	c.ID = conversationID(st.scope, top.anchor)
	if m := top.Message; m != nil {
		c.Subject = top.subject
		if c.Subject == "" {
			c.Subject = m.Subject
		}
	} else if len(top.Children) > 0 {
		c.Subject = top.Children[0].Message.Subject
	}
	return c
}

// newConversation allocates conversations a slab at a time.
func (st *scopeState) newConversation() *Conversation {
	if len(st.convSlab) == 0 {
		st.convSlab = make([]Conversation, max(st.convHint, 16))
	}
	c := &st.convSlab[0]
	st.convSlab = st.convSlab[1:]
	return c
}

// conversationID derives a conversation's ID from its scope and anchor.
func conversationID(scope, anchor string) string {
	var arr [256]byte
	buf := append(append(append(arr[:0], scope...), 0), anchor...)
	sum := sha256.Sum256(buf)
	var out [25]byte
	out[0] = 'c'
	hex.Encode(out[1:], sum[:12])
	return string(out[:])
}

func (st *scopeState) report(touched map[*Conversation]struct{}, made []*Conversation, news []*entry, ch *Changes) {
	for c := range touched {
		delete(st.convs, c.ID)
	}
	if len(st.convs) == 0 && len(made) > 64 {
		st.convs = make(map[string]*Conversation, len(made))
	}
	for _, c := range made {
		st.convs[c.ID] = c
	}
	if len(touched) == 0 {
		ch.Created = append(ch.Created, made...)
		return
	}
	// Old conversations are read from their snapshots, taken before
	// threading and grouping reused their nodes.
	was := map[*entry]string{}
	for c := range touched {
		for _, e := range c.snap.members {
			was[e] = c.ID
		}
	}
	isNew := make(map[*entry]bool, len(news))
	for _, e := range news {
		isNew[e] = true
	}
	alive := map[string]bool{}
	oldSig := map[string][32]byte{}
	for c := range touched {
		oldSig[c.ID] = c.snap.sig
	}
	for _, c := range made {
		alive[c.ID] = true
		from := map[string]bool{}
		c.walk(func(n *Node, _ int) {
			if e := n.entry; e != nil && !isNew[e] {
				if id, ok := was[e]; ok {
					from[id] = true
				}
			}
		})
		ids := make([]string, 0, len(from))
		for id := range from {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		switch {
		case len(ids) == 0:
			ch.Created = append(ch.Created, c)
		case len(ids) == 1 && ids[0] == c.ID:
			if sig, ok := oldSig[c.ID]; !ok || sig != c.snapshot().sig {
				ch.Grew = append(ch.Grew, c)
			}
		default:
			ch.Merged = append(ch.Merged, Merge{Into: c, From: ids})
		}
	}
	for c := range touched {
		if !alive[c.ID] {
			ch.Removed = append(ch.Removed, c.ID)
		}
	}
}
