package mailbench_test

import (
	"bytes"
	"flag"
	"mime"
	netmail "net/mail"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatherstars-com/jwz"

	mailbench "github.com/partnerhub/partnerhub/bench/mail"
	"github.com/partnerhub/partnerhub/exchange/mail"
)

// corpusSize is the number of generated messages every benchmark uses.
const corpusSize = 100_000

var corpus = sync.OnceValues(func() ([][]byte, []*mail.Message) {
	gen := mailbench.Generate(corpusSize, 1)
	raws := make([][]byte, len(gen))
	msgs := make([]*mail.Message, len(gen))
	for i, g := range gen {
		raws[i] = g.Raw
		msgs[i] = mail.ParseMessage(g.Raw, mail.ReadOptions{HeadersOnly: true})
		msgs[i].File = g.Name
	}
	return raws, msgs
})

// BenchmarkReadHeaders reads the headers threading needs (ids, subject,
// addresses, date), one message per op, with this package and with the
// standard library's net/mail doing the same decoding.
func BenchmarkReadHeaders(b *testing.B) {
	raws, _ := corpus()
	b.Run("partnerhub", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(avgSize(raws))
		for i := 0; b.Loop(); i++ {
			m := mail.ParseMessage(raws[i%len(raws)], mail.ReadOptions{HeadersOnly: true})
			if m.Subject == "" && m.MessageID == "" {
				b.Fatal("nothing read")
			}
		}
	})
	b.Run("net-mail", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(avgSize(raws))
		dec := new(mime.WordDecoder)
		ap := netmail.AddressParser{WordDecoder: dec}
		for i := 0; b.Loop(); i++ {
			msg, err := netmail.ReadMessage(bytes.NewReader(raws[i%len(raws)]))
			if err != nil {
				b.Fatal(err)
			}
			h := msg.Header
			id := ids(h.Get("Message-Id"))
			refs := ids(h.Get("References"))
			irt := ids(h.Get("In-Reply-To"))
			subj, err := dec.DecodeHeader(h.Get("Subject"))
			if err != nil {
				subj = h.Get("Subject")
			}
			var addrs int
			for _, k := range []string{"From", "To", "Cc"} {
				if v := h.Get(k); v != "" {
					l, _ := ap.ParseList(v)
					addrs += len(l)
				}
			}
			d, _ := h.Date()
			if subj == "" && len(id) == 0 && len(refs)+len(irt)+addrs < 0 && d.IsZero() {
				b.Fatal("nothing read")
			}
		}
	})
}

// BenchmarkReadFull reads whole messages, MIME bodies included.
func BenchmarkReadFull(b *testing.B) {
	raws, _ := corpus()
	b.ReportAllocs()
	b.SetBytes(avgSize(raws))
	for i := 0; b.Loop(); i++ {
		mail.ParseMessage(raws[i%len(raws)], mail.ReadOptions{})
	}
}

func ids(v string) []string {
	f := strings.Fields(v)
	for i, s := range f {
		f[i] = strings.Trim(s, "<>")
	}
	return f
}

func avgSize(raws [][]byte) int64 {
	var n int
	for _, r := range raws {
		n += len(r)
	}
	return int64(n / len(raws))
}

// BenchmarkThread threads all 100,000 messages per op: this package with
// and without subject grouping (both sort siblings by date, give ids to
// messages without one, and keep the state for incremental adds), and
// gatherstars-com/jwz v1.4.0 on the same parsed messages. With -rounds N
// the four variants run in turn, N times (go test's -count would run each
// N times back to back): on a shared machine the load changes between
// rounds, so compare the variants within a round. Each variant runs once
// untimed first (warmUp), so that none pays for growing the heap. With
// -gcfirst every run starts after a collection (untimed): without it, a
// run pays for whatever collection falls in it, including marking the
// 100,000 parsed messages and the garbage of the variant before. Reported
// per message: wall ns/msg, cpu-ns/msg (CPU time of the whole process, GC
// included), B/msg and allocs/msg (of the timed part only).
func BenchmarkThread(b *testing.B) {
	_, msgs := corpus()
	warmUp(msgs)
	for range *rounds {
		threadRound(b, msgs)
	}
}

var (
	rounds  = flag.Int("rounds", 1, "BenchmarkThread: times to run the four variants in turn")
	gcFirst = flag.Bool("gcfirst", false, "BenchmarkThread: collect garbage, untimed, before each run, so that no variant pays for collecting another's garbage (or the corpus's)")
)

// settle collects garbage before a timed run when -gcfirst is given.
func settle(b *testing.B) {
	if *gcFirst {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
	}
}

func threadRound(b *testing.B, msgs []*mail.Message) {
	for _, c := range []struct {
		name string
		opts mail.Options
	}{{"partnerhub", mail.Options{}}, {"partnerhub-no-subject", mail.Options{NoSubjectGrouping: true}}} {
		b.Run(c.name, func(b *testing.B) {
			var convs []*mail.Conversation
			var m meter
			for b.Loop() {
				settle(b)
				m.start()
				convs = mail.Thread(msgs, c.opts)
				m.stop()
			}
			m.report(b, len(msgs))
			b.ReportMetric(float64(len(convs)), "conversations")
		})
	}
	// jwz threads Threadables: building them (the References chain; the
	// simplified subject is computed lazily, jwz asks for it on roots only)
	// is part of threading with it, so it is timed; "jwz-prebuilt" leaves
	// it out, to show jwz at its best.
	for _, prebuilt := range []bool{false, true} {
		name := "jwz"
		if prebuilt {
			name = "jwz-prebuilt"
		}
		b.Run(name, func(b *testing.B) {
			var roots int
			var m meter
			for b.Loop() {
				settle(b)
				if prebuilt {
					b.StopTimer()
				} else {
					m.start()
				}
				ts := jwzThreadables(msgs)
				if prebuilt {
					b.StartTimer()
					m.start()
				}
				roots = jwzThread(b, ts)
				m.stop()
			}
			m.report(b, len(msgs))
			b.ReportMetric(float64(roots), "conversations")
		})
	}
}

var warmed sync.Once

// warmUp threads the corpus once with every variant, untimed.
func warmUp(msgs []*mail.Message) {
	warmed.Do(func() {
		mail.Thread(msgs, mail.Options{})
		mail.Thread(msgs, mail.Options{NoSubjectGrouping: true})
		jwzThread(nil, jwzThreadables(msgs))
	})
}

func jwzThread(b *testing.B, ts []jwz.Threadable) int {
	root, err := jwz.NewThreader().ThreadSlice(ts)
	if err != nil && b != nil {
		b.Fatal(err)
	}
	roots := 0
	for n := root; n != nil; n = n.GetNext() {
		roots++
	}
	return roots
}

// A meter sums the CPU time and the allocations of the timed parts of a
// benchmark (the jwz-prebuilt loop stops the timer while building).
type meter struct {
	cpu            time.Duration
	bytes, allocs  uint64
	faults         int64
	cpu0           time.Duration
	bytes0, alloc0 uint64
	faults0        int64
}

func (m *meter) start() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.bytes0, m.alloc0 = ms.TotalAlloc, ms.Mallocs
	m.cpu0, m.faults0 = usage()
}

func (m *meter) stop() {
	cpu, faults := usage()
	m.cpu += cpu - m.cpu0
	m.faults += faults - m.faults0
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.bytes += ms.TotalAlloc - m.bytes0
	m.allocs += ms.Mallocs - m.alloc0
}

func (m *meter) report(b *testing.B, n int) {
	per := float64(b.N) * float64(n)
	b.ReportMetric(float64(m.cpu)/per, "cpu-ns/msg")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/msg")
	b.ReportMetric(float64(m.bytes)/per, "B/msg")
	b.ReportMetric(float64(m.allocs)/per, "allocs/msg")
	b.ReportMetric(float64(m.faults)/float64(b.N), "page-faults/op")
}

// BenchmarkThreadIncremental adds the last 1% of the corpus, 100 messages
// at a time, to a threader holding the other 99% (loaded in one Add, then
// one more message, outside the timer: the second Add of a threader builds
// its components once).
func BenchmarkThreadIncremental(b *testing.B) {
	_, msgs := corpus()
	split := len(msgs) - len(msgs)/100
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		t := mail.NewThreader(mail.Options{})
		t.Add(msgs[:split-1]...)
		t.Add(msgs[split-1])
		b.StartTimer()
		for i := split; i < len(msgs); i += 100 {
			t.Add(msgs[i:min(i+100, len(msgs))]...)
		}
	}
	perMessage(b, len(msgs)-split)
}

func perMessage(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
}

// usage is the CPU time (user and system, all threads: GC included) the
// process has used, and the page faults it took: touching memory the
// runtime had returned to the system costs a fault per 4 KiB page. On this
// shared machine wall time varies with other people's load; CPU time much
// less.
func usage() (time.Duration, int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt + ru.Majflt
}

// jwzMsg is a jwz.Threadable over a parsed message.
type jwzMsg struct {
	m                   *mail.Message
	id                  string
	refs                []string
	base                string
	reply               bool
	simplified          bool
	dummy               bool
	next, child, parent jwz.Threadable
}

func jwzThreadables(msgs []*mail.Message) []jwz.Threadable {
	out := make([]jwz.Threadable, len(msgs))
	for i, m := range msgs {
		id := m.MessageID
		if id == "" {
			id = m.File // jwz needs some id; ours makes a synthetic one
		}
		refs := m.References
		if len(m.InReplyTo) > 0 && (len(refs) == 0 || refs[len(refs)-1] != m.InReplyTo[0]) {
			refs = append(refs[:len(refs):len(refs)], m.InReplyTo[0])
		}
		out[i] = &jwzMsg{m: m, id: id, refs: refs}
	}
	return out
}

func (j *jwzMsg) MessageThreadID() string           { return j.id }
func (j *jwzMsg) MessageThreadReferences() []string { return j.refs }
func (j *jwzMsg) Subject() string {
	if j.m == nil {
		return ""
	}
	return j.m.Subject
}
func (j *jwzMsg) SimplifiedSubject() string          { j.simplify(); return j.base }
func (j *jwzMsg) SubjectIsReply() bool               { j.simplify(); return j.reply }
func (j *jwzMsg) SetNext(n jwz.Threadable)           { j.next = n }
func (j *jwzMsg) SetChild(c jwz.Threadable)          { j.child = c; setParent(c, j) }
func (j *jwzMsg) SetParent(p jwz.Threadable)         { j.parent = p }
func (j *jwzMsg) GetNext() jwz.Threadable            { return j.next }
func (j *jwzMsg) GetChild() jwz.Threadable           { return j.child }
func (j *jwzMsg) GetParent() jwz.Threadable          { return j.parent }
func (j *jwzMsg) IsDummy() bool                      { return j.dummy }
func (j *jwzMsg) MakeDummy(id string) jwz.Threadable { return &jwzMsg{id: id, dummy: true} }
func (j *jwzMsg) GetDate() time.Time {
	if j.m == nil {
		return time.Time{}
	}
	return j.m.SentDate()
}

// simplify computes the simplified subject when jwz first asks: it asks
// only for roots, so a competent adapter does not pay for every message.
func (j *jwzMsg) simplify() {
	if !j.simplified && j.m != nil {
		j.base, j.reply = mail.BaseSubject(j.m.Subject)
	}
	j.simplified = true
}

func setParent(c jwz.Threadable, p jwz.Threadable) {
	if c != nil {
		c.SetParent(p)
	}
}

// BenchmarkThreaderRetained reports the memory a Threader holding all
// 100,000 messages keeps live (beyond the parsed messages themselves), per
// message: what an incremental sync holds between batches.
func BenchmarkThreaderRetained(b *testing.B) {
	_, msgs := corpus()
	// The buffers an Add keeps for the next one are the process's, not the
	// Threader's: made once here, they are live before and after.
	mail.Thread(msgs, mail.Options{})
	var retained uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC() // as after: no pooled buffers on either side
		runtime.ReadMemStats(&before)
		t := mail.NewThreader(mail.Options{})
		t.Add(msgs...)
		// Twice: the buffers of parallel parts, which threading pools,
		// outlive one collection (sync.Pool's victim cache), not the
		// second; the Threader does not hold them.
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(t)
	}
	b.ReportMetric(float64(retained)/float64(len(msgs)), "retained-B/msg")
}
