package mail

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
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
	scope   string
	ids     map[string]int32 // union-find over every id mentioned
	parent  []int32
	comps   map[int32]*component // by union-find root
	buckets map[string][]*Node   // roots by base subject (Node.bucketIdx)
	convs   map[string]*Conversation
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
		for _, c := range st.convs {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, compareConversations)
	return out
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
	byScope := map[string][]*entry{}
	var buf []byte
	var order []string
	for _, m := range msgs {
		if m == nil {
			continue
		}
		if _, ok := byScope[m.Scope]; !ok {
			order = append(order, m.Scope)
		}
		byScope[m.Scope] = append(byScope[m.Scope], newEntry(m, &buf))
	}
	sort.Strings(order)
	for _, scope := range order {
		st := t.scopes[scope]
		if st == nil {
			st = &scopeState{
				scope:   scope,
				ids:     map[string]int32{},
				comps:   map[int32]*component{},
				buckets: map[string][]*Node{},
				convs:   map[string]*Conversation{},
			}
			t.scopes[scope] = st
		}
		st.add(byScope[scope], t.opts, &ch)
		t.count += len(byScope[scope])
	}
	for _, l := range [][]*Conversation{ch.Created, ch.Grew} {
		slices.SortFunc(l, compareConversations)
	}
	slices.SortFunc(ch.Merged, func(a, b Merge) int { return compareConversations(a.Into, b.Into) })
	sort.Strings(ch.Removed)
	return ch
}

func (st *scopeState) node(id string) int32 {
	if i, ok := st.ids[id]; ok {
		return i
	}
	i := int32(len(st.parent))
	st.parent = append(st.parent, i)
	st.ids[id] = i
	return i
}

func (st *scopeState) find(i int32) int32 {
	for st.parent[i] != i {
		st.parent[i] = st.parent[st.parent[i]]
		i = st.parent[i]
	}
	return i
}

func (st *scopeState) add(news []*entry, opts Options, ch *Changes) {
	// Components the new messages touch, before the unions.
	old := map[*component]struct{}{}
	if len(st.comps) > 0 {
		for _, e := range news {
			for i := -1; i < len(e.refs); i++ {
				id := e.claimed
				if i >= 0 {
					id = e.refs[i]
				}
				if k, ok := st.ids[id]; ok {
					if c := st.comps[st.find(k)]; c != nil {
						old[c] = struct{}{}
					}
				}
			}
		}
		for c := range old {
			delete(st.comps, st.find(st.ids[c.entries[0].claimed]))
		}
	}
	for _, e := range news {
		a := st.find(st.node(e.claimed))
		for _, r := range e.refs {
			b := st.find(st.node(r))
			if a != b {
				st.parent[b] = a
			}
		}
	}
	// The new components: old ones joined, plus the new messages.
	all := make([]*entry, 0, len(news))
	var oldRoots []*Node
	fresh := map[int32]*component{}
	put := func(e *entry) {
		k := st.find(st.ids[e.claimed])
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
	touched := map[*Conversation]struct{}{}
	buckets := map[string]struct{}{}
	for _, r := range oldRoots {
		st.forget(r, touched, buckets)
	}
	// Components never interact in JWZ, so one run over all of them in
	// canonical order is the same as one run per component.
	slices.SortFunc(all, compareEntries)
	roots := jwz(all)
	for _, r := range roots {
		c := fresh[st.find(st.ids[r.ufID])]
		c.roots = append(c.roots, r)
	}
	for k, c := range fresh {
		st.comps[k] = c
	}

	made := make([]*Conversation, 0, len(roots))
	for _, r := range roots {
		if !opts.NoSubjectGrouping {
			r.base, r.reply = rootSubject(r)
		}
		if r.base == "" {
			made = append(made, st.conversation([]*Node{r}))
			continue
		}
		buckets[r.base] = struct{}{}
		r.bucketIdx = len(st.buckets[r.base])
		st.buckets[r.base] = append(st.buckets[r.base], r)
	}
	names := make([]string, 0, len(buckets))
	for b := range buckets {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		members := st.buckets[b]
		if len(members) == 0 {
			delete(st.buckets, b)
			continue
		}
		for _, r := range members {
			if c := r.conv; c != nil {
				if _, ok := touched[c]; !ok {
					c.snapshot() // before grouping changes its tree
					touched[c] = struct{}{}
				}
			}
		}
		if len(members) == 1 {
			made = append(made, st.conversation(members))
			continue
		}
		for _, g := range group(slices.Clone(members), opts.window()) {
			made = append(made, st.conversation(g))
		}
	}
	st.report(touched, made, news, ch)
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

// rootSubject is the base subject of a root (its first child's when it is
// a placeholder) and whether the root counts as a reply.
func rootSubject(r *Node) (string, bool) {
	m := r.Message
	if m == nil && len(r.Children) > 0 {
		m = r.Children[0].Message
	}
	if m == nil {
		return "", false
	}
	base, reply := BaseSubject(m.Subject)
	return base, reply || r.Message == nil
}

// group is the guarded subject grouping of roots sharing a base subject.
// In order of first date, a root joins an earlier group when it is a reply
// (or a placeholder, which stands for a missing parent), its first message
// is at most window after the group's last one, and its participants
// overlap the group's. Of several such groups, the one with the latest
// message wins. A root without a date never joins nor is joined.
func group(roots []*Node, window time.Duration) [][]*Node {
	for _, r := range roots {
		reset(r)
	}
	slices.SortFunc(roots, func(a, b *Node) int {
		if c := compareDates(a.first, b.first); c != 0 {
			return c
		}
		return compareKeys(a.keyEntry, b.keyEntry)
	})
	type grp struct {
		members []*Node
		last    time.Time
		parts   map[string]struct{}
	}
	var groups []*grp
	for _, r := range roots {
		var best *grp
		if !r.first.IsZero() && r.reply && len(groups) > 0 {
			for _, g := range groups {
				if g.last.IsZero() || r.first.Sub(g.last) > window {
					continue
				}
				if best != nil && !g.last.After(best.last) {
					continue
				}
				if overlaps(g.parts, participants(r)) {
					best = g
				}
			}
		}
		if best == nil {
			g := &grp{members: []*Node{r}, last: r.last}
			if len(roots) > 1 {
				g.parts = map[string]struct{}{}
				for a := range participants(r) {
					g.parts[a] = struct{}{}
				}
			}
			groups = append(groups, g)
			continue
		}
		best.members = append(best.members, r)
		if r.last.After(best.last) {
			best.last = r.last
		}
		for a := range participants(r) {
			best.parts[a] = struct{}{}
		}
	}
	out := make([][]*Node, len(groups))
	for i, g := range groups {
		out[i] = g.members
	}
	return out
}

// reset undoes subject grouping on a root: its children are again those
// threading gave it.
func reset(r *Node) {
	r.Parent = nil
	if r.saved {
		r.Children = slices.Clone(r.own)
	}
	for _, c := range r.Children {
		c.Parent = r
	}
}

func participants(r *Node) map[string]struct{} {
	if r.parts != nil {
		return r.parts
	}
	r.parts = map[string]struct{}{}
	stack := []*Node{r}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, n.Children...)
		if m := n.Message; m != nil {
			for _, l := range [][]Address{m.From, m.To, m.Cc} {
				for _, a := range l {
					if a.Addr != "" {
						r.parts[a.Addr] = struct{}{}
					}
				}
			}
		}
	}
	return r.parts
}

func overlaps(a, b map[string]struct{}) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}

// conversation builds the conversation of a group of roots: the first is
// the top, the others become its children (a placeholder's children move
// up instead, as RFC 5256's subject merge does).
func (st *scopeState) conversation(g []*Node) *Conversation {
	top := g[0]
	reset(top)
	if len(g) > 1 && !top.saved {
		top.own, top.saved = slices.Clone(top.Children), true
	}
	c := &Conversation{Scope: st.scope, Root: top}
	for i, r := range g {
		r.conv = c
		c.Count += r.count
		if c.First.IsZero() || (!r.first.IsZero() && r.first.Before(c.First)) {
			c.First = r.first
		}
		if r.last.After(c.Last) {
			c.Last = r.last
		}
		if i == 0 {
			continue
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
	if len(g) > 1 {
		slices.SortFunc(top.Children, compareNodes)
	}
	buf := make([]byte, 0, 64)
	buf = append(append(append(buf, st.scope...), 0), top.anchor...)
	sum := sha256.Sum256(buf)
	c.ID = "c" + hex.EncodeToString(sum[:12])
	if m := top.Message; m != nil {
		c.Subject = m.Subject
	} else if len(top.Children) > 0 {
		c.Subject = top.Children[0].Message.Subject
	}
	return c
}

func (st *scopeState) report(touched map[*Conversation]struct{}, made []*Conversation, news []*entry, ch *Changes) {
	for c := range touched {
		delete(st.convs, c.ID)
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
