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

	entry    *entry
	keyEntry *entry // canonical tie-break: own entry, or the first child's
	ts       int64  // sort date (see sortTime); a placeholder's is its first child's
	idx      int32  // union-find index of the node's id
	gen      uint32 // the threading run that made or reset the node
	*rootInfo
}

// rootInfo is what a root of the threading result carries.
type rootInfo struct {
	anchor      string    // the id of the top before pruning
	first, last time.Time // earliest and latest known sent dates in the tree
	count       int       // messages in the tree as threading left it
	own         []*Node   // children before subject grouping, once grouped
	saved       bool      // own is set
	base        string    // base subject, "" when not grouped
	reply       bool      // a reply, forward or placeholder
	parts       []string  // participants, sorted
	bucketIdx   int
	conv        *Conversation
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
	// message has one).
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
			buf = append(buf, n.entry.fp[:]...)
			buf = append(buf, n.entry.msg.File...)
			buf = binary.BigEndian.AppendUint64(buf, uint64(n.entry.msg.Offset))
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
type entry struct {
	msg     *Message
	node    *Node // &n
	n       Node
	fp      [16]byte // see fingerprint; computed when first needed
	fpDone  bool
	claimed string   // the Message-ID, or a synthetic id from the fingerprint
	refs    []string // the parent chain: References, then In-Reply-To
	idx     int32    // union-find index of claimed
	refIdx  []int32  // union-find indexes of refs
	ts      int64    // sortTime of the sent date
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
	if !e.fpDone {
		e.fp, e.fpDone = fingerprint(e.msg), true
	}
	return e.fp
}

// initEntry sets up e for m. The parent chain (refs, refIdx) is built
// when the ids are indexed (scopeState.index).
func initEntry(e *entry, m *Message) {
	*e = entry{msg: m, ts: sortTime(m.SentDate())}
	e.claimed = m.MessageID
	if e.claimed == "" {
		e.claimed = syntheticID(e.fingerprint())
	}
	e.n = Node{Message: m, entry: e}
	e.node = &e.n
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
	if c := cmp.Compare(a.msg.File, b.msg.File); c != 0 {
		return c
	}
	return cmp.Compare(a.msg.Offset, b.msg.Offset)
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
	return compareKeys(a.keyEntry, b.keyEntry)
}

func syntheticID(fp [16]byte) string {
	return "synthetic." + hex.EncodeToString(fp[:12]) + "@partnerhub.invalid"
}

// jwz threads entries (already in canonical order, all of one scope) with
// JWZ steps 1 to 4 and RFC 5256's changes: unique ids for missing and
// duplicate Message-IDs, loop checks at every link, pruning. Containers are
// found by union-find index (st.nodes), not by a map. It returns the roots,
// each with its subtree sorted and dated.
func (st *scopeState) jwz(entries []*entry) []*Node {
	st.gen++
	gen := st.gen
	used := make([]*Node, 0, len(entries)*2)
	get := func(idx int32, id string) *Node {
		n := st.nodes[idx]
		if n == nil || n.gen != gen {
			n = &Node{ID: id, idx: idx, gen: gen}
			st.nodes[idx] = n
			used = append(used, n)
		}
		return n
	}
	for _, e := range entries {
		n := e.node
		old := st.nodes[e.idx]
		if old == n || (old != nil && old.gen != gen) {
			old = nil // this message's node from an earlier run, or stale
		}
		*n = Node{Message: e.msg, entry: e, keyEntry: e, ts: e.ts, idx: e.idx, gen: gen}
		id := e.claimed
		var twin *Node
		if old != nil && old.Message != nil {
			// A duplicate: the first in canonical order keeps the id.
			fp := e.fingerprint()
			base := e.claimed + "#" + hex.EncodeToString(fp[:6])
			id = base
			for k := 2; ; k++ {
				if d := st.nodes[st.node(id)]; d == nil || d == n || d.gen != gen {
					break
				}
				id = base + "-" + strconv.Itoa(k)
			}
			// A second copy of a message (the same mail in INBOX and Sent,
			// or delivered twice) goes under the first when its own
			// References say nothing: same content, or a subject that says
			// it is the same mail. A different message reusing an id
			// (broken clients do) stays apart.
			if len(e.refs) == 0 && (old.entry.fingerprint() == fp || sameBase(old.Message.Subject, e.msg.Subject)) {
				twin = old
			}
			st.nodes[st.node(id)] = n
		} else {
			if old != nil {
				// Step 1A: the placeholder becomes this message.
				n.Parent, n.Children = old.Parent, old.Children
				for _, c := range n.Children {
					c.Parent = n
				}
				if n.Parent != nil {
					n.Parent.Children[slices.Index(n.Parent.Children, old)] = n
				}
			}
			st.nodes[e.idx] = n
		}
		n.ID = id
		used = append(used, n)

		// Step 1B: link the References chain, where it creates no loop and
		// the child has no parent yet.
		var prev *Node
		for i, r := range e.refs {
			rn := get(e.refIdx[i], r)
			if prev != nil && rn.Parent == nil && rn != prev && !isAncestor(rn, prev) {
				link(prev, rn)
			}
			prev = rn
		}
		// Step 1C: the last reference is the parent, if that makes no loop.
		if n.Parent != nil {
			unlink(n)
		}
		if prev != nil && prev != n && !isAncestor(n, prev) {
			link(prev, n)
		} else if twin != nil {
			link(twin, n)
		}
	}
	roots := make([]*Node, 0, len(entries)/2)
	for _, n := range used {
		// A placeholder replaced by its message is no longer in st.nodes.
		if n.Parent == nil && (n.Message != nil || st.nodes[n.idx] == n) {
			roots = append(roots, n)
		}
	}
	return prune(roots)
}

func sameBase(a, b string) bool {
	x, _ := BaseSubject(a)
	y, _ := BaseSubject(b)
	return x == y
}

// isAncestor reports whether a is b or one of b's ancestors.
func isAncestor(a, b *Node) bool {
	for n := b; n != nil; n = n.Parent {
		if n == a {
			return true
		}
	}
	return false
}

func link(parent, child *Node) {
	child.Parent = parent
	parent.Children = append(parent.Children, child)
}

func unlink(n *Node) {
	p := n.Parent
	if i := slices.Index(p.Children, n); i >= 0 {
		p.Children = slices.Delete(p.Children, i, i+1)
	}
	n.Parent = nil
}

// prune does JWZ step 4 without recursion, then dates and sorts every
// subtree. Below the root level a placeholder is replaced by its children;
// at the root level only when it has one child, so orphaned siblings stay
// together. The top id before pruning is kept in anchor for conversation ids.
func prune(roots []*Node) []*Node {
	out := roots[:0]
	var stack []*Node
	for _, r := range roots {
		stack = pruneBelow(r, stack)
		anchor := r.ID
		if r.Message == nil {
			switch len(r.Children) {
			case 0:
				continue
			case 1:
				r = r.Children[0]
				r.Parent = nil
			}
		}
		r.rootInfo = &rootInfo{anchor: anchor}
		stack = dateTree(r, stack)
		out = append(out, r)
	}
	return out
}

// pruneBelow removes or promotes the placeholders under n.
func pruneBelow(n *Node, stack []*Node) []*Node {
	stack = append(stack[:0], n)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		placeholders := false
		for _, c := range p.Children {
			if c.Message == nil {
				placeholders = true
				break
			}
		}
		if !placeholders {
			stack = append(stack, p.Children...)
			continue
		}
		kids := make([]*Node, 0, len(p.Children))
		queue := slices.Clone(p.Children)
		for i := 0; i < len(queue); i++ {
			c := queue[i]
			if c.Message == nil {
				queue = append(queue, c.Children...)
				continue
			}
			c.Parent = p
			kids = append(kids, c)
		}
		p.Children = kids
		stack = append(stack, kids...)
	}
	return stack
}

// dateTree sorts the children of every node by date, gives placeholders
// their first child's date, and sets the root's first, last and count.
func dateTree(root *Node, order []*Node) []*Node {
	order = append(order[:0], root)
	for i := 0; i < len(order); i++ {
		order = append(order, order[i].Children...)
	}
	ri := root.rootInfo
	var first, last *entry
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if len(n.Children) > 1 {
			slices.SortFunc(n.Children, compareNodes)
		}
		if e := n.entry; e != nil {
			ri.count++
			if e.ts != math.MaxInt64 {
				if first == nil || e.ts < first.ts {
					first = e
				}
				if last == nil || e.ts > last.ts {
					last = e
				}
			}
		} else if len(n.Children) > 0 {
			n.ts, n.keyEntry = n.Children[0].ts, n.Children[0].keyEntry
		}
	}
	if first != nil {
		ri.first, ri.last = first.msg.SentDate(), last.msg.SentDate()
	}
	return order
}
