package mail

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"time"
)

// DefaultWindow is how far apart two roots may be and still be grouped by
// subject.
const DefaultWindow = 7 * 24 * time.Hour

// Options control threading.
type Options struct {
	// NoSubjectGrouping turns off step 5 of JWZ: only headers link mail.
	NoSubjectGrouping bool
	// Window is the most time between a conversation's last message and the
	// first message of a root grouped into it by subject. Zero means
	// DefaultWindow.
	Window time.Duration
}

func (o Options) window() time.Duration {
	if o.Window <= 0 {
		return DefaultWindow
	}
	return o.Window
}

// A Node is one place in a conversation tree: a message, or a placeholder
// for a message that others refer to but that has not been seen.
type Node struct {
	// ID is the message's id in the thread: its Message-ID, or a synthetic
	// id when it has none or shares it with an earlier message (see
	// README.md); for a placeholder, the id others refer to.
	ID       string
	Message  *Message // nil for a placeholder
	Parent   *Node
	Children []*Node // sorted by date

	entry *entry
	ts    int64 // sort date (see sortTime); a placeholder's is its first child's
	idx   int32 // union-find index of the node's id
	*rootInfo
}

// key is the entry that breaks ties between nodes of the same date: the
// node's own, or for a placeholder (a root, whose children are messages)
// its first child's as threading left them, before any grouping.
func (n *Node) key() *entry {
	if n.entry != nil {
		return n.entry
	}
	if n.rootInfo != nil && n.saved {
		if len(n.own) > 0 {
			return n.own[0].entry
		}
		return nil
	}
	if len(n.Children) > 0 {
		return n.Children[0].entry
	}
	return nil
}

// rootInfo is what a root of the threading result carries.
type rootInfo struct {
	anchor string // the id of the top before pruning
	// The messages with the earliest and latest known sent dates in the
	// tree (see first and last), nil when none has a date.
	firstE, lastE *entry
	own           []*Node // children before subject grouping, once grouped
	base          string  // base subject, "" when not grouped
	subject       string  // the root message's subject, once read
	parts         []part  // participants, sorted
	conv          *Conversation
	count         int32 // messages in the tree as threading left it
	bucketIdx     int32
	saved         bool // own is set
	grouped       bool // grouped with other roots since threading made it
	reply         bool // a reply, forward or placeholder
}

// first is the earliest known sent date in the tree, zero if none.
func (ri *rootInfo) first() time.Time { return ri.firstE.date() }

// last is the latest known sent date in the tree, zero if none.
func (ri *rootInfo) last() time.Time { return ri.lastE.date() }

// date is the entry's sent date, in UTC, from its sort date: the message
// itself, far away in memory, is read only for dates out of the range
// sortTime keeps exact. e may be nil (zero date).
func (e *entry) date() time.Time {
	switch {
	case e == nil:
		return time.Time{}
	case e.n.ts > math.MinInt64+1 && e.n.ts < math.MaxInt64-1:
		return time.Unix(0, e.n.ts).UTC()
	}
	return e.n.Message.SentDate()
}

// A Conversation is one thread: a tree of messages of one scope. Its tree
// is valid until the next Threader.Add, which may reuse its nodes.
type Conversation struct {
	// ID is stable: it is derived from the scope and the id of the top of
	// the thread before pruning (which may be a message not yet seen), so a
	// conversation keeps its ID as replies and even its missing root arrive.
	ID      string
	Scope   string
	Subject string // the root message's subject (its first child's for a placeholder root)
	Root    *Node
	// Count is the number of messages (placeholders not counted).
	Count int
	// First and Last are the earliest and latest sent dates (zero if no
	// message has one), in UTC.
	First, Last time.Time

	roots int       // JWZ roots grouped into it
	snap  *snapshot // members and shape, taken before the tree changes
}

type snapshot struct {
	members []*entry
	sig     [32]byte
}

// snapshot records the conversation's members and a digest of its shape.
// It is taken when the tree is built and unchanged: lazily, before the
// next Add touches it.
func (c *Conversation) snapshot() *snapshot {
	if c.snap != nil {
		return c.snap
	}
	sn := &snapshot{members: make([]*entry, 0, c.Count)}
	h := sha256.New()
	var buf []byte
	c.walk(func(n *Node, depth int) {
		buf = buf[:0]
		if n.entry != nil {
			sn.members = append(sn.members, n.entry)
			var fp [16]byte // zero until computed
			if n.entry.fp != nil {
				fp = *n.entry.fp
			}
			buf = append(buf, fp[:]...)
			buf = append(buf, n.Message.File...)
			buf = binary.BigEndian.AppendUint64(buf, uint64(n.Message.Offset))
		}
		buf = append(buf, n.ID...)
		buf = binary.BigEndian.AppendUint32(append(buf, 0), uint32(depth))
		h.Write(buf)
	})
	copy(sn.sig[:], h.Sum(nil))
	c.snap = sn
	return sn
}

// walk visits the tree depth-first, siblings in order.
func (c *Conversation) walk(f func(n *Node, depth int)) {
	type item struct {
		n *Node
		d int
	}
	stack := make([]item, 1, 16)
	stack[0] = item{c.Root, 0}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f(it.n, it.d)
		for i := len(it.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{it.n.Children[i], it.d + 1})
		}
	}
}

// An Entry is a node with its depth (0 for the root), in thread order.
type Entry struct {
	Node  *Node
	Depth int
}

// Entries lists the conversation's nodes depth-first, siblings by date,
// placeholders included (Node.Message is nil for them).
func (c *Conversation) Entries() []Entry {
	out := make([]Entry, 0, c.Count)
	c.walk(func(n *Node, d int) { out = append(out, Entry{n, d}) })
	return out
}

// Messages lists the conversation's messages in thread order.
func (c *Conversation) Messages() []*Message {
	var out []*Message
	for _, e := range c.Entries() {
		if e.Node.Message != nil {
			out = append(out, e.Node.Message)
		}
	}
	return out
}

// Thread threads msgs at once; the same as NewThreader(opts).Add(msgs...)
// followed by Conversations.
func Thread(msgs []*Message, opts Options) []*Conversation {
	// Into an empty threader every conversation is created, and Add
	// returns them in the order Conversations would.
	return NewThreader(opts).Add(msgs...).Created
}

// entry is a message known to the threader.
// Its node holds the message, its sort date (n.ts) and the union-find index
// of the id it claims (n.idx): its Message-ID, or a synthetic id from the
// fingerprint (scopeState.names[n.idx]).
type entry struct {
	n Node
	// The parent chain (References, then In-Reply-To) as union-find
	// indexes: Threader.chains[ref : ref+nref] (see scopeState.chain).
	ref, nref int32
	fp        *[16]byte // see fingerprint; computed when first needed
}

// sortTime turns a sent date into an int64 that sorts unknown dates last.
func sortTime(t time.Time) int64 {
	if t.IsZero() {
		return math.MaxInt64
	}
	// UnixNano holds about 1678 to 2261.
	switch sec := t.Unix(); {
	case sec < -9_000_000_000:
		return math.MinInt64 + 1
	case sec > 9_000_000_000:
		return math.MaxInt64 - 1
	}
	return t.UnixNano()
}

func (e *entry) fingerprint() [16]byte {
	if e.fp == nil {
		fp := fingerprint(e.n.Message)
		e.fp = &fp
	}
	return *e.fp
}

// fingerprint digests what identifies a message's content: ids, addresses,
// date, subject and the start of the body. File and offset are left out,
// so the same mail read from another folder gets the same synthetic id.
func fingerprint(m *Message) [16]byte {
	var arr [1024]byte
	b := arr[:0]
	w := func(s string) { b = append(append(b, s...), 0) }
	w(m.MessageID)
	for _, l := range [][]Address{m.From, m.To, m.Cc} {
		for _, a := range l {
			w(a.Addr)
		}
		b = append(b, 1)
	}
	if !m.Date.IsZero() {
		b = strconv.AppendInt(b, m.Date.Unix(), 10)
	}
	b = append(b, 0)
	w(m.Subject)
	for _, l := range [][]string{m.InReplyTo, m.References} {
		for _, s := range l {
			w(s)
		}
		b = append(b, 1)
	}
	b = append(b, m.BodyHash[:]...)
	sum := sha256.Sum256(b)
	var out [16]byte
	copy(out[:], sum[:])
	return out
}

// compareKeys breaks ties between messages of the same sent date in the
// canonical order: content fingerprint, then file and offset. With the
// date first (unknown dates last, see sortEntries) it makes the result a
// function of the set of messages.
func compareKeys(a, b *entry) int {
	switch {
	case a == b:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	afp, bfp := a.fingerprint(), b.fingerprint()
	if c := bytes.Compare(afp[:], bfp[:]); c != 0 {
		return c
	}
	if c := cmp.Compare(a.n.Message.File, b.n.Message.File); c != 0 {
		return c
	}
	return cmp.Compare(a.n.Message.Offset, b.n.Message.Offset)
}

func compareDates(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func compareNodes(a, b *Node) int {
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return compareKeys(a.key(), b.key())
}

func syntheticID(fp [16]byte) string {
	return "synthetic." + hex.EncodeToString(fp[:12]) + "@partnerhub.invalid"
}

// A container is JWZ's container for one id (a union-find index) during
// one threading run: the message holding the id, or a placeholder, and its
// place in the tree as indexes into scopeState.cont. Containers are plain
// values in one slice, so linking and loop checks touch no pointers; Nodes
// are made only for what survives pruning.
type container struct {
	gen    uint32 // the run that last used it; older means empty
	ent    int32  // index of the message in the run's entries; -1 for a placeholder
	parent int32  // -1 for none
	first  int32  // first child, -1 for none
	last   int32  // last child
	next   int32  // next sibling
}

// jwz threads entries (already in canonical order, all of one scope) with
// JWZ steps 1 to 4 and RFC 5256's changes: unique ids for missing and
// duplicate Message-IDs, loop checks at every link, pruning. Containers are
// found by union-find index (st.cont), not by a map. It returns the roots,
// each with its subtree sorted and dated.
func (st *scopeState) jwz(entries []*entry) []*Node {
	// The containers are scratch space, stamped with the run that uses
	// them, so that none needs clearing.
	st.cont = sized(st.s.cont, len(st.names))
	gen := st.s.nextGen()
	defer func() { st.s.cont, st.cont = st.cont, nil }()
	// used records, in order, the containers made (k) and the messages
	// placed (^k); roots are taken from it in that order.
	used := st.s.used[:0] // about one id per message, and the messages
	get := func(k int32) {
		if c := &st.cont[k]; c.gen != gen {
			*c = container{gen: gen, ent: -1, parent: -1, first: -1, last: -1, next: -1}
			used = append(used, k)
		}
	}
	for ei, e := range entries {
		n := &e.n
		*n = Node{Message: e.n.Message, entry: e, ts: n.ts, idx: n.idx, ID: st.names[n.idx]}
		k := n.idx
		twin := int32(-1)
		if c := &st.cont[k]; c.gen == gen && c.ent >= 0 {
			// A duplicate: the first in canonical order keeps the id.
			old := entries[c.ent]
			fp := e.fingerprint()
			base := n.ID + "#" + hex.EncodeToString(fp[:6])
			id := base
			copyOf := int32(-1) // an earlier copy with this fingerprint
			for i := 2; ; i++ {
				k = st.node(id)
				if int(k) == len(st.cont) {
					st.cont = append(st.cont, container{})
				}
				if st.cont[k].gen != gen {
					break
				}
				if i == 2 && st.cont[k].ent >= 0 {
					copyOf = k
				}
				id = base + "-" + strconv.Itoa(i)
			}
			n.ID = id
			// A second copy of a message (the same mail in INBOX and Sent,
			// or delivered twice) goes under the first when its own
			// References say nothing: same content, or a subject that says
			// it is the same mail. A different message reusing an id
			// (broken clients do) stays apart. The first copy is the one
			// holding the id, or, when a different message won the id, the
			// first with the same fingerprint: copies stay together
			// whatever took the id before them.
			switch {
			case e.nref != 0:
			case old.fingerprint() == fp:
				twin = n.idx
			case copyOf >= 0:
				twin = copyOf
			case sameBase(old.n.Message.Subject, e.n.Message.Subject):
				twin = n.idx
			}
		}
		// A placeholder of this run becomes this message (step 1A) and
		// keeps its place; otherwise the container is new.
		get(k)
		st.cont[k].ent = int32(ei)
		used = append(used, ^k)

		// Step 1B: link the References chain, where it creates no loop and
		// the child has no parent yet.
		prev := int32(-1)
		for _, r := range st.chain(e) {
			get(r)
			if prev >= 0 && r != prev && st.cont[r].parent < 0 && !st.isAncestor(r, prev) {
				st.link(prev, r)
			}
			prev = r
		}
		// Step 1C: the last reference is the parent, if that makes no loop.
		if st.cont[k].parent >= 0 {
			st.unlink(k)
		}
		if prev >= 0 && prev != k && !st.isAncestor(k, prev) {
			st.link(prev, k)
		} else if twin >= 0 {
			st.link(twin, k)
		}
	}
	st.s.used = used
	rootSlots := st.s.slots[:0]
	for _, u := range used {
		k := u
		if u < 0 {
			k = ^u
		}
		c := &st.cont[k]
		// A placeholder that became a message is recorded again as one.
		if c.parent < 0 && (u < 0) == (c.ent >= 0) {
			rootSlots = append(rootSlots, k)
		}
	}
	st.s.slots = rootSlots
	return st.prune(entries, rootSlots)
}

func sameBase(a, b string) bool {
	x, _ := BaseSubject(a)
	y, _ := BaseSubject(b)
	return x == y
}

// isAncestor reports whether a is b or one of b's ancestors.
func (st *scopeState) isAncestor(a, b int32) bool {
	for k := b; k >= 0; k = st.cont[k].parent {
		if k == a {
			return true
		}
	}
	return false
}

// link makes child (which has no parent) the last child of parent.
func (st *scopeState) link(parent, child int32) {
	c, p := &st.cont[child], &st.cont[parent]
	c.parent, c.next = parent, -1
	if p.first < 0 {
		p.first = child
	} else {
		st.cont[p.last].next = child
	}
	p.last = child
}

// unlink takes k out of its parent's children, keeping their order.
func (st *scopeState) unlink(k int32) {
	c := &st.cont[k]
	p := &st.cont[c.parent]
	prev := int32(-1)
	for x := p.first; x >= 0; x = st.cont[x].next {
		if x == k {
			if prev < 0 {
				p.first = c.next
			} else {
				st.cont[prev].next = c.next
			}
			if p.last == k {
				p.last = prev
			}
			break
		}
		prev = x
	}
	c.parent, c.next = -1, -1
}

// prune does JWZ step 4 without recursion on the containers, then makes
// the Nodes: every message's (its entry's), and a new one for each
// placeholder left at the root; children slices are cut from one slab,
// and every subtree is sorted and dated. Below the root level a
// placeholder is replaced by its children; at the root level only when it
// has one child, so orphaned siblings stay together. The top id before
// pruning is kept in anchor for conversation ids.
func (st *scopeState) prune(entries []*entry, roots []int32) []*Node {
	out := make([]*Node, len(roots))
	infos := make([]rootInfo, len(roots))
	// Trees are apart: they are pruned at once, each part with its own
	// buffers.
	parallel(len(roots), func(lo, hi int) {
		s, done := partScratch(st.s, lo)
		defer done()
		stack, order, queue, nodes := s.stack, s.order, s.queue, s.nodes
		defer func() { s.stack, s.order, s.queue, s.nodes = stack, order, queue, nodes }()
		var phs []Node   // placeholder roots, allocated a few at a time
		var kids []*Node // children slices are cut from it
		for i := lo; i < hi; i++ {
			r := roots[i]
			stack, queue = st.pruneBelow(r, stack, queue)
			c := &st.cont[r]
			var root *Node
			var anchor string
			if c.ent >= 0 {
				root = &entries[c.ent].n
				anchor = root.ID
			} else {
				anchor = st.names[r]
				switch {
				case c.first < 0:
					continue
				case c.first == c.last:
					root = &entries[st.cont[c.first].ent].n
					r = c.first
					st.cont[r].parent = -1
				default:
					if len(phs) == 0 {
						phs = make([]Node, 16)
					}
					root = &phs[0]
					phs = phs[1:]
					*root = Node{ID: st.names[r], idx: r}
				}
			}
			root.Parent = nil
			root.rootInfo = &infos[i]
			root.anchor = anchor
			out[i] = root
			// The tree breadth first; below the root every node is a
			// message, and a parent's children are the next run of the
			// order.
			order = append(order[:0], r)
			nodes = append(nodes[:0], root)
			for j := 0; j < len(order); j++ {
				p := nodes[j]
				start := len(order)
				for x := st.cont[order[j]].first; x >= 0; x = st.cont[x].next {
					order = append(order, x)
					n := &entries[st.cont[x].ent].n
					n.Parent = p
					nodes = append(nodes, n)
				}
				if cnt := len(order) - start; cnt > 0 {
					if len(kids) < cnt {
						kids = make([]*Node, max(cnt, 1024))
					}
					p.Children = kids[:cnt:cnt]
					kids = kids[cnt:]
					copy(p.Children, nodes[start:])
				}
			}
			dateTree(nodes)
		}
	})
	// Placeholders left without children made no root.
	return slices.DeleteFunc(out, func(n *Node) bool { return n == nil })
}

// pruneBelow removes or promotes the placeholders under r.
func (st *scopeState) pruneBelow(r int32, stack, queue []int32) ([]int32, []int32) {
	stack = append(stack[:0], r)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		placeholders := false
		for x := st.cont[p].first; x >= 0; x = st.cont[x].next {
			if st.cont[x].ent < 0 {
				placeholders = true
				break
			}
		}
		if !placeholders {
			for x := st.cont[p].first; x >= 0; x = st.cont[x].next {
				stack = append(stack, x)
			}
			continue
		}
		// Replace the placeholders by their children, breadth first.
		queue = queue[:0]
		for x := st.cont[p].first; x >= 0; x = st.cont[x].next {
			queue = append(queue, x)
		}
		pc := &st.cont[p]
		pc.first, pc.last = -1, -1
		for i := 0; i < len(queue); i++ {
			x := queue[i]
			if st.cont[x].ent < 0 {
				for y := st.cont[x].first; y >= 0; y = st.cont[y].next {
					queue = append(queue, y)
				}
				continue
			}
			st.link(p, x)
			stack = append(stack, x)
		}
	}
	return stack, queue
}

// dateTree sorts the children of every node by date, gives a placeholder
// root its first child's date, and sets the root's first, last and count.
// nodes lists the tree breadth first, root first.
func dateTree(nodes []*Node) {
	ri := nodes[0].rootInfo
	var first, last *entry
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if len(n.Children) > 1 {
			slices.SortFunc(n.Children, compareNodes)
		}
		if e := n.entry; e != nil {
			ri.count++
			if ts := n.ts; ts != math.MaxInt64 {
				if first == nil || ts < first.n.ts {
					first = e
				}
				if last == nil || ts > last.n.ts {
					last = e
				}
			}
		} else if len(n.Children) > 0 {
			n.ts = n.Children[0].ts
		}
	}
	ri.firstE, ri.lastE = first, last
}
