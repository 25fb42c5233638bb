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
	scope    string
	ids      map[string]int32
	parent   []int32
	comps    map[int32]*component
	buckets  map[string]map[*Node]struct{}
	rootConv map[*Node]*Conversation
	convs    map[string]*Conversation
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
	var order []string
	for _, m := range msgs {
		if m == nil {
			continue
		}
		if _, ok := byScope[m.Scope]; !ok {
			order = append(order, m.Scope)
		}
		byScope[m.Scope] = append(byScope[m.Scope], newEntry(m))
	}
	sort.Strings(order)
	for _, scope := range order {
		st := t.scopes[scope]
		if st == nil {
			st = &scopeState{
				scope:    scope,
				ids:      map[string]int32{},
				comps:    map[int32]*component{},
				buckets:  map[string]map[*Node]struct{}{},
				rootConv: map[*Node]*Conversation{},
				convs:    map[string]*Conversation{},
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

func claimedID(e *entry) string {
	if e.headerID != "" {
		return e.headerID
	}
	return syntheticID(e.fp)
}

func (st *scopeState) add(news []*entry, opts Options, ch *Changes) {
	// Components the new messages touch, before the unions.
	old := map[*component]struct{}{}
	for _, e := range news {
		for _, id := range append([]string{claimedID(e)}, e.refs...) {
			if i, ok := st.ids[id]; ok {
				if c := st.comps[st.find(i)]; c != nil {
					old[c] = struct{}{}
				}
			}
		}
	}
	for c := range old {
		delete(st.comps, st.find(st.ids[claimedID(c.entries[0])]))
	}
	for _, e := range news {
		a := st.find(st.node(claimedID(e)))
		for _, r := range e.refs {
			b := st.find(st.node(r))
			if a != b {
				st.parent[b] = a
			}
		}
	}
	// The new components: old ones joined, plus the new messages.
	var all []*entry
	var oldRoots []*Node
	fresh := map[int32]*component{}
	put := func(e *entry) {
		k := st.find(st.ids[claimedID(e)])
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
	touchedOld := map[*Conversation]struct{}{}
	buckets := map[string]struct{}{}
	for _, r := range oldRoots {
		if c := st.rootConv[r]; c != nil {
			touchedOld[c] = struct{}{}
		}
		delete(st.rootConv, r)
		if r.base != "" {
			buckets[r.base] = struct{}{}
			delete(st.buckets[r.base], r)
		}
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

	var loners []*Node
	for _, r := range roots {
		r.base, r.reply, r.parts = "", false, nil
		if !opts.NoSubjectGrouping {
			r.base, r.reply = rootSubject(r)
		}
		if r.base == "" {
			loners = append(loners, r)
			continue
		}
		buckets[r.base] = struct{}{}
		b := st.buckets[r.base]
		if b == nil {
			b = map[*Node]struct{}{}
			st.buckets[r.base] = b
		}
		b[r] = struct{}{}
	}
	var made []*Conversation
	for _, r := range loners {
		made = append(made, st.conversation([]*Node{r}))
	}
	names := make([]string, 0, len(buckets))
	for b := range buckets {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		members := make([]*Node, 0, len(st.buckets[b]))
		for r := range st.buckets[b] {
			if c := st.rootConv[r]; c != nil {
				touchedOld[c] = struct{}{}
			}
			members = append(members, r)
		}
		if len(members) == 0 {
			delete(st.buckets, b)
			continue
		}
		for _, g := range group(members, opts.window()) {
			made = append(made, st.conversation(g))
		}
	}
	st.report(touchedOld, made, news, ch)
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
		return cmp.Compare(a.key, b.key)
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

func reset(r *Node) {
	r.Parent = nil
	r.Children = slices.Clone(r.own)
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
	if len(g) == 1 {
		reset(top)
	}
	for _, r := range g[1:] {
		if r.Message == nil {
			for _, c := range r.Children {
				c.Parent = top
				top.Children = append(top.Children, c)
			}
			continue
		}
		r.Parent = top
		top.Children = append(top.Children, r)
	}
	if len(g) > 1 {
		slices.SortFunc(top.Children, compareNodes)
	}
	sum := sha256.Sum256([]byte(st.scope + "\x00" + top.anchor))
	c := &Conversation{ID: "c" + hex.EncodeToString(sum[:12]), Scope: st.scope, Root: top}
	if m := top.Message; m != nil {
		c.Subject = m.Subject
	} else if len(top.Children) > 0 {
		c.Subject = top.Children[0].Message.Subject
	}
	for _, r := range g {
		if c.First.IsZero() || (!r.first.IsZero() && r.first.Before(c.First)) {
			c.First = r.first
		}
		if r.last.After(c.Last) {
			c.Last = r.last
		}
		st.rootConv[r] = c
	}
	h := sha256.New()
	for _, e := range c.Entries() {
		if e.Node.Message != nil {
			c.Count++
			c.members = append(c.members, e.Node.entry)
			h.Write([]byte(e.Node.entry.key))
		}
		h.Write([]byte(e.Node.ID))
		h.Write([]byte{0, byte(e.Depth), byte(e.Depth >> 8), byte(e.Depth >> 16)})
	}
	copy(c.sig[:], h.Sum(nil))
	return c
}

func (st *scopeState) report(touchedOld map[*Conversation]struct{}, made []*Conversation, news []*entry, ch *Changes) {
	// Old conversations are read from members and sig, fixed when they
	// were built: their trees share nodes that threading has since reused.
	was := map[*entry]string{}
	oldSig := map[string][32]byte{}
	for c := range touchedOld {
		delete(st.convs, c.ID)
		oldSig[c.ID] = c.sig
		for _, e := range c.members {
			was[e] = c.ID
		}
	}
	isNew := make(map[*entry]bool, len(news))
	for _, e := range news {
		isNew[e] = true
	}
	alive := map[string]bool{}
	for _, c := range made {
		st.convs[c.ID] = c
		alive[c.ID] = true
		from := map[string]bool{}
		for _, e := range c.members {
			if !isNew[e] {
				if id, ok := was[e]; ok {
					from[id] = true
				}
			}
		}
		var ids []string
		for id, ok := range from {
			if ok {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		switch {
		case len(ids) == 0:
			ch.Created = append(ch.Created, c)
		case len(ids) == 1 && ids[0] == c.ID:
			if sig, ok := oldSig[c.ID]; !ok || sig != c.sig {
				ch.Grew = append(ch.Grew, c)
			}
		default:
			ch.Merged = append(ch.Merged, Merge{Into: c, From: ids})
		}
	}
	for c := range touchedOld {
		if !alive[c.ID] {
			ch.Removed = append(ch.Removed, c.ID)
		}
	}
}
