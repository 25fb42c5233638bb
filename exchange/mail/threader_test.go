package mail

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// randomMessages makes a set of messages built to hit the hard cases:
// ids from a small pool (so duplicates happen), References to missing ids,
// to later messages and to themselves, missing Message-IDs and dates,
// subjects with prefixes and tags, two scopes sharing headers.
func randomMessages(r *rand.Rand, n int) []*Message {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	subjects := []string{"Quote", "Re: Quote", "AW: quote", "[lista] Quote", "Offer", "Re: Offer (fwd)", "Meeting", ""}
	people := []string{"ana@acme.example", "bo@partner.example", "cy@partner.example", "dora@other.example", "eve@other.example"}
	pool := n*2/3 + 2
	msgs := make([]*Message, n)
	for i := range msgs {
		m := &Message{Scope: []string{"acme", "globex"}[r.IntN(4)/3]}
		if r.IntN(8) > 0 {
			m.MessageID = fmt.Sprintf("m%d@x", r.IntN(pool))
		}
		for k := r.IntN(5); k > 0; k-- {
			m.References = append(m.References, fmt.Sprintf("m%d@x", r.IntN(pool+3)))
		}
		if r.IntN(3) == 0 {
			m.InReplyTo = []string{fmt.Sprintf("m%d@x", r.IntN(pool+3))}
		}
		m.Subject = subjects[r.IntN(len(subjects))]
		m.From = []Address{{Addr: people[r.IntN(len(people))]}}
		m.To = []Address{{Addr: people[r.IntN(len(people))]}}
		if r.IntN(10) > 0 {
			m.Date = base.Add(time.Duration(r.IntN(30*24)) * time.Hour)
		}
		m.File = fmt.Sprintf("f%d", i)
		m.BodyHash[0] = byte(r.IntN(3)) // identical copies happen
		msgs[i] = m
	}
	return msgs
}

// checkInvariants asserts what must hold for any input: every message once,
// no cycles, consistent links, a parent before its children, one scope per
// conversation, newest conversation first.
func checkInvariants(t *testing.T, msgs []*Message, convs []*Conversation) {
	t.Helper()
	seen := map[*Message]int{}
	ids := map[string]bool{}
	for ci, c := range convs {
		if ids[c.ID] {
			t.Fatalf("conversation id %s twice", c.ID)
		}
		ids[c.ID] = true
		if ci > 0 && !convs[ci-1].Last.IsZero() && c.Last.After(convs[ci-1].Last) {
			t.Fatalf("conversations not newest first: %v before %v", convs[ci-1].Last, c.Last)
		}
		if c.Root.Parent != nil {
			t.Fatalf("root %s has a parent", c.Root.ID)
		}
		pos := map[*Node]int{}
		count := 0
		nodeIDs := map[string]bool{}
		entries := c.Entries()
		for i, e := range entries {
			if _, dup := pos[e.Node]; dup {
				t.Fatalf("node %s twice in conversation (a cycle?)", e.Node.ID)
			}
			if nodeIDs[e.Node.ID] {
				t.Fatalf("id %s twice in one conversation", e.Node.ID)
			}
			nodeIDs[e.Node.ID] = true
			pos[e.Node] = i
			if e.Node.Message != nil {
				seen[e.Node.Message]++
				count++
				if e.Node.Message.Scope != c.Scope {
					t.Fatalf("message of scope %q in conversation of scope %q", e.Node.Message.Scope, c.Scope)
				}
			} else if len(e.Node.Children) == 0 {
				t.Fatalf("placeholder %s without children left after pruning", e.Node.ID)
			}
			if p := e.Node.Parent; p != nil {
				pi, ok := pos[p]
				if !ok || pi >= i {
					t.Fatalf("parent %s does not precede child %s", p.ID, e.Node.ID)
				}
				if !slices.Contains(p.Children, e.Node) {
					t.Fatalf("%s not among its parent's children", e.Node.ID)
				}
				if e.Depth != entries[pi].Depth+1 {
					t.Fatalf("depth of %s is %d, parent's %d", e.Node.ID, e.Depth, entries[pi].Depth)
				}
			}
			for k := 1; k < len(e.Node.Children); k++ {
				if compareNodes(e.Node.Children[k-1], e.Node.Children[k]) > 0 {
					t.Fatalf("children of %s not sorted by date", e.Node.ID)
				}
			}
		}
		if count != c.Count {
			t.Fatalf("Count %d, counted %d", c.Count, count)
		}
	}
	for _, m := range msgs {
		if seen[m] != 1 {
			t.Fatalf("message %q (%s) appears %d times", m.MessageID, m.File, seen[m])
		}
	}
	if len(seen) != len(msgs) {
		t.Fatalf("%d messages threaded, %d given", len(seen), len(msgs))
	}
}

// store applies Changes the way a database would.
type store map[string][]string

func (s store) apply(ch Changes) {
	for _, id := range ch.Removed {
		delete(s, id)
	}
	put := func(c *Conversation) {
		var files []string
		for _, m := range c.Messages() {
			files = append(files, m.File)
		}
		s[c.ID] = files
	}
	for _, c := range ch.Created {
		put(c)
	}
	for _, c := range ch.Grew {
		put(c)
	}
	for _, mg := range ch.Merged {
		put(mg.Into)
	}
}

func TestThreadProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		msgs := randomMessages(r, 1+r.IntN(40))
		for _, opts := range []Options{{}, {NoSubjectGrouping: true}} {
			all := Thread(msgs, opts)
			checkInvariants(t, msgs, all)
			want := renderJSON(t, render(all))

			shuffled := slices.Clone(msgs)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := renderJSON(t, render(Thread(shuffled, opts))); !bytes.Equal(got, want) {
				t.Fatalf("round %d: the order of the input changed the result:\n%s\nvs\n%s", round, got, want)
			}

			// In random batches, applying each Changes to a store.
			th := NewThreader(opts)
			st := store{}
			for i := 0; i < len(shuffled); {
				k := 1 + r.IntN(5)
				if i+k > len(shuffled) {
					k = len(shuffled) - i
				}
				st.apply(th.Add(shuffled[i : i+k]...))
				i += k
			}
			got := th.Conversations()
			checkInvariants(t, msgs, got)
			if g := renderJSON(t, render(got)); !bytes.Equal(g, want) {
				t.Fatalf("round %d: batches changed the result:\n%s\nvs\n%s", round, g, want)
			}
			if len(st) != len(got) {
				t.Fatalf("round %d: store holds %d conversations after applying Changes, threader %d", round, len(st), len(got))
			}
			for _, c := range got {
				var files []string
				for _, m := range c.Messages() {
					files = append(files, m.File)
				}
				if fmt.Sprint(st[c.ID]) != fmt.Sprint(files) {
					t.Fatalf("round %d: store has %v for %s, threader %v", round, st[c.ID], c.ID, files)
				}
			}
		}
	}
}

func msg(id, subject, from string, day int, refs ...string) *Message {
	return &Message{
		MessageID: id, Subject: subject, References: refs,
		From: []Address{{Addr: from}}, To: []Address{{Addr: "ana@acme.example"}},
		Date: time.Date(2026, 3, day, 10, 0, 0, 0, time.UTC), File: id,
	}
}

func TestThreaderChanges(t *testing.T) {
	th := NewThreader(Options{})
	ch := th.Add(msg("b@x", "Re: Offer", "bo@p.example", 3, "a@x"), msg("z@x", "Other", "zed@q.example", 3))
	if len(ch.Created) != 2 || len(ch.Grew)+len(ch.Merged)+len(ch.Removed) != 0 {
		t.Fatalf("first add: %+v", ch)
	}
	var offer *Conversation
	for _, c := range ch.Created {
		if c.Subject == "Re: Offer" {
			offer = c
		}
	}
	// A lone reply to a missing message is its own root (JWZ promotes the
	// placeholder's only child), but the conversation id comes from a@x.
	if offer == nil || offer.Root.ID != "b@x" {
		t.Fatalf("want root b@x, got %+v", offer)
	}
	offerID := offer.ID

	// The missing root arrives: same conversation, same id, grown.
	ch = th.Add(msg("a@x", "Offer", "ana@acme.example", 2))
	if len(ch.Grew) != 1 || ch.Grew[0].ID != offerID || ch.Grew[0].Count != 2 || len(ch.Created)+len(ch.Merged) != 0 {
		t.Fatalf("root arrives: %+v", ch)
	}
	if ch.Grew[0].Root.ID != "a@x" || ch.Grew[0].Root.Children[0].ID != "b@x" {
		t.Fatalf("root arrives: tree %s > %v", ch.Grew[0].Root.ID, ch.Grew[0].Root.Children)
	}

	// A reply without references joins by subject.
	ch = th.Add(msg("c@x", "AW: Offer", "bo@p.example", 4))
	if len(ch.Grew) != 1 || ch.Grew[0].ID != offerID || ch.Grew[0].Count != 3 {
		t.Fatalf("subject join: %+v", ch)
	}

	// A reply to a message not seen yet, then that message, itself a reply
	// to "Other": the two conversations merge into Other's.
	ch = th.Add(msg("w@x", "Re: Plan", "zed@q.example", 6, "v@x"))
	if len(ch.Created) != 1 {
		t.Fatalf("w: %+v", ch)
	}
	planID := ch.Created[0].ID
	var otherID string
	for _, c := range th.Conversations() {
		if c.Subject == "Other" {
			otherID = c.ID
		}
	}
	ch = th.Add(msg("v@x", "Re: Other", "zed@q.example", 5, "z@x"))
	if len(ch.Merged) != 1 || len(ch.Created)+len(ch.Grew) != 0 {
		t.Fatalf("merge: %+v", ch)
	}
	mg := ch.Merged[0]
	wantFrom := []string{otherID, planID}
	sort.Strings(wantFrom)
	if mg.Into.ID != otherID || mg.Into.Count != 3 || fmt.Sprint(mg.From) != fmt.Sprint(wantFrom) {
		t.Fatalf("merge: into %s (%d messages) from %v; want %s from %v", mg.Into.ID, mg.Into.Count, mg.From, otherID, wantFrom)
	}
	if fmt.Sprint(ch.Removed) != fmt.Sprint([]string{planID}) {
		t.Fatalf("removed %v, want %v", ch.Removed, planID)
	}
	if len(th.Conversations()) != 2 || th.Len() != 6 {
		t.Fatalf("want 2 conversations of 6 messages, got %d, %d", len(th.Conversations()), th.Len())
	}
	// The same message again (another folder): a second copy under a
	// synthetic id, in the same conversation.
	ch = th.Add(msg("v@x", "Re: Other", "zed@q.example", 5, "z@x"))
	if len(ch.Grew) != 1 || ch.Grew[0].ID != otherID || ch.Grew[0].Count != 4 {
		t.Fatalf("copy: %+v", ch)
	}
}

func TestScopesNeverMix(t *testing.T) {
	a := msg("a@x", "Offer", "ana@acme.example", 2)
	b := msg("b@x", "Re: Offer", "bo@p.example", 3, "a@x")
	c := msg("c@x", "Re: Offer", "bo@p.example", 3)
	a.Scope, b.Scope, c.Scope = "acme", "globex", "globex"
	convs := Thread([]*Message{a, b, c}, Options{})
	if len(convs) != 2 {
		t.Fatalf("want 2 conversations, got %d", len(convs))
	}
	for _, cv := range convs {
		for _, m := range cv.Messages() {
			if m.Scope != cv.Scope {
				t.Fatalf("scope %q message in scope %q conversation", m.Scope, cv.Scope)
			}
		}
	}
	ids := []string{convs[0].ID, convs[1].ID}
	sort.Strings(ids)
	if ids[0] == ids[1] {
		t.Fatal("conversation ids collide across scopes")
	}
}

// TestThreadPropertiesLarge runs the property checks on sets large enough
// for Add's radix sort (2048 messages or more in one Add), whole, shuffled
// and in batches of which some are large too.
func TestThreadPropertiesLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 3; round++ {
		msgs := randomMessages(r, 2500+r.IntN(1500))
		for _, opts := range []Options{{}, {NoSubjectGrouping: true}} {
			all := Thread(msgs, opts)
			checkInvariants(t, msgs, all)
			want := renderJSON(t, render(all))
			shuffled := slices.Clone(msgs)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := renderJSON(t, render(Thread(shuffled, opts))); !bytes.Equal(got, want) {
				t.Fatalf("round %d: the order of the input changed the result", round)
			}
			th := NewThreader(opts)
			for i := 0; i < len(shuffled); {
				k := min(1+r.IntN(2600), len(shuffled)-i)
				th.Add(shuffled[i : i+k]...)
				i += k
			}
			if got := renderJSON(t, render(th.Conversations())); !bytes.Equal(got, want) {
				t.Fatalf("round %d: batches changed the result", round)
			}
		}
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []int64{math.MaxInt64, math.MaxInt64 - 1, math.MinInt64 + 1, math.MinInt64, 0, -1, 1}
	for round := 0; round < 40; round++ {
		// Ranges that need from one pass to all of them.
		kind := round % 4
		keys := make([]sortKey, 2048+r.IntN(3000))
		for i := range keys {
			var ts int64
			switch {
			case kind == 0 && r.IntN(4) == 0:
				ts = special[r.IntN(len(special))]
			case kind == 0:
				ts = r.Int64() - r.Int64()
			case kind == 1:
				ts = 1_700_000_000e9 + int64(r.IntN(50))*1e9 // many ties
			case kind == 2:
				ts = int64(r.IntN(1 << 20)) // two 11-bit passes
			default:
				ts = int64(r.IntN(1 << 12)) // one pass
			}
			keys[i] = sortKey{ts: ts, i: int32(i), fp: -1}
		}
		want := slices.Clone(keys)
		slices.SortStableFunc(want, func(a, b sortKey) int { return cmp.Compare(a.ts, b.ts) })
		radixSort(keys, new(scratch))
		if !slices.Equal(keys, want) {
			t.Fatalf("round %d: radix sort differs from a stable sort", round)
		}
	}
}

// TestParallelSameResult threads in parts at once (see parallel) and one
// goroutine, and wants the same conversations; run with -race it also
// checks that the parts share no memory.
func TestParallelSameResult(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	msgs := randomMessages(r, 3000)
	defer func(n int) { minParallel = n }(minParallel)
	for _, opts := range []Options{{}, {NoSubjectGrouping: true}} {
		minParallel = 1 << 30
		want := renderJSON(t, render(Thread(msgs, opts)))
		minParallel = 16
		got := renderJSON(t, render(Thread(msgs, opts)))
		if !bytes.Equal(got, want) {
			t.Fatalf("%+v: threading in parallel changed the result", opts)
		}
	}
}

// TestListFoundLater: an address becomes a list (on most messages) only
// when later messages come, in other subject buckets; the roots it made
// overlap before must be split then, as threading everything at once
// does, and the Changes must say so.
func TestListFoundLater(t *testing.T) {
	at := func(id, subject, from string, day int) *Message {
		return &Message{MessageID: id, Subject: subject, File: id,
			From: []Address{{Addr: from}}, To: []Address{{Addr: "dev@lists.example.org"}},
			Date: time.Date(2026, 3, day, 10, 0, 0, 0, time.UTC)}
	}
	first := []*Message{at("r3", "Release 2.0", "gus@stark.example", 16), at("r4", "Re: Release 2.0", "hana@tyrell.example", 17)}
	var later []*Message
	for i := range minListMessages {
		later = append(later, at(fmt.Sprintf("t%d", i), fmt.Sprintf("Topic %d", i), fmt.Sprintf("p%d@x.example", i), 1+i%14))
	}
	th := NewThreader(Options{})
	st := store{}
	st.apply(th.Add(first...))
	if len(th.Conversations()) != 1 {
		t.Fatalf("before the list is known, the reply is grouped through dev@: %d conversations, want 1", len(th.Conversations()))
	}
	st.apply(th.Add(later...))
	conv := map[string]string{}
	for _, c := range th.Conversations() {
		for _, m := range c.Messages() {
			conv[m.MessageID] = c.ID
		}
	}
	if conv["r3"] == conv["r4"] {
		t.Error("dev@ is on every message, yet r3 and r4 are still grouped through it")
	}
	all := append(slices.Clone(first), later...)
	if a, b := renderJSON(t, render(th.Conversations())), renderJSON(t, render(Thread(all, Options{}))); !bytes.Equal(a, b) {
		t.Errorf("in two Adds differs from all at once:\n%s\nvs\n%s", a, b)
	}
	if len(st) != len(th.Conversations()) {
		t.Errorf("store holds %d conversations after applying Changes, threader %d", len(st), len(th.Conversations()))
	}
}
