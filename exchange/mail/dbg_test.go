package mail

import (
	"syscall"
	"testing"
	"time"

	"github.com/gatherstars-com/jwz"
	mailbench "github.com/partnerhub/partnerhub/bench/mail"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type jm struct {
	m                   *Message
	id                  string
	refs                []string
	base                string
	reply, dummy        bool
	next, child, parent jwz.Threadable
}

func (j *jm) MessageThreadID() string           { return j.id }
func (j *jm) MessageThreadReferences() []string { return j.refs }
func (j *jm) Subject() string                   { if j.m == nil { return "" }; return j.m.Subject }
func (j *jm) SimplifiedSubject() string         { return j.base }
func (j *jm) SubjectIsReply() bool              { return j.reply }
func (j *jm) SetNext(n jwz.Threadable)          { j.next = n }
func (j *jm) SetChild(c jwz.Threadable)         { j.child = c; if c != nil { c.SetParent(j) } }
func (j *jm) SetParent(p jwz.Threadable)        { j.parent = p }
func (j *jm) GetNext() jwz.Threadable           { return j.next }
func (j *jm) GetChild() jwz.Threadable          { return j.child }
func (j *jm) GetParent() jwz.Threadable         { return j.parent }
func (j *jm) IsDummy() bool                     { return j.dummy }
func (j *jm) MakeDummy(id string) jwz.Threadable { return &jm{id: id, dummy: true} }
func (j *jm) GetDate() time.Time                { if j.m == nil { return time.Time{} }; return j.m.SentDate() }

func TestDbgTiming(t *testing.T) {
	gen := mailbench.Generate(100000, 1)
	var msgs []*Message
	for _, g := range gen {
		m := ParseMessage(g.Raw, ReadOptions{HeadersOnly: true})
		m.File = g.Name
		msgs = append(msgs, m)
	}
	var a, b, c time.Duration
	for i := 0; i < 6; i++ {
		t0 := cpu()
		Thread(msgs, Options{})
		a += cpu() - t0
		t0 = cpu()
		Thread(msgs, Options{NoSubjectGrouping: true})
		b += cpu() - t0
		t0 = cpu()
		ts := make([]jwz.Threadable, len(msgs))
		for i, m := range msgs {
			id := m.MessageID
			if id == "" { id = m.File }
			refs := m.References
			if len(m.InReplyTo) > 0 && (len(refs) == 0 || refs[len(refs)-1] != m.InReplyTo[0]) {
				refs = append(refs[:len(refs):len(refs)], m.InReplyTo[0])
			}
			base, reply := BaseSubject(m.Subject)
			ts[i] = &jm{m: m, id: id, refs: refs, base: base, reply: reply}
		}
		jwz.NewThreader().ThreadSlice(ts)
		c += cpu() - t0
	}
	t.Logf("cpu per run: ours %v, ours no-subject %v, jwz (with adapter) %v", a/6, b/6, c/6)
}
