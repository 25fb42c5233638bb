package edi

import (
	"io"
	"runtime"
	"sync"
)

// Validation on several cores. Transaction sets are independent once their
// envelope is known, so the reading side (a Scanner with par set) reads the
// envelopes as usual but skips each set's body (Reader.skipBody: a search
// for terminators, no splitting) and hands the set's byte range to a
// worker. A worker reads the range again from the io.ReaderAt and runs a
// Scanner of its own, set up as if it were inside the same interchange and
// group, so that every check and every error is the one-core Scanner's. The
// sets' results are placeholders in the envelope's lists, filled when their
// worker is done; groups are acknowledged at the end, when all their sets
// are known.

// parallelJobBytes is the size from which consecutive sets are handed to a
// worker together.
var parallelJobBytes int64 = 256 << 10

// parallelDropJobs makes workers drop their jobs unvalidated (set by a
// benchmark measuring the reading side alone; results are then incomplete).
var parallelDropJobs bool

// ValidateParallel is ValidateWith on up to workers cores (0 means
// GOMAXPROCS): the size bytes of r are read once in order for their
// envelopes and each transaction set again by a worker. Results, errors and
// their order are those of ValidateWith on the same bytes; the error is an
// *Error as there. With one worker it is ValidateWith.
func ValidateParallel(r io.ReaderAt, size int64, workers int, cs ...*Convention) ([]*InterchangeResult, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	s := NewScanner(io.NewSectionReader(r, 0, size))
	s.UseConventions(cs...)
	if workers == 1 {
		for s.Scan() {
		}
		return s.Results(), s.Err()
	}
	p := &parallel{src: r, jobs: make(chan *job, 2*workers), free: make(chan *job, 3*workers)}
	for range workers {
		p.wg.Add(1)
		go p.work(cs)
	}
	s.par = p
	s.rd.skipping = true
	defer func() { s.rd.skipping = false }()
	for !s.done {
		if s.set != nil {
			s.rd.skipBody()
		}
		p.before = s.rd.Offset()
		seg, err := s.rd.Next()
		if err != nil {
			s.stop(err)
			break
		}
		s.seg = seg
		if s.set != nil && !envelopeTag(s.rd.Standard(), seg.ID) {
			continue // part of the open set: its worker checks it
		}
		if s.set != nil && (seg.ID == "SE" || seg.ID == "UNT") {
			p.cur.end = s.rd.Offset()
			p.endTask(s, 0, "")
			continue
		}
		s.dispatch(seg)
	}
	p.send()
	close(p.jobs)
	p.wg.Wait()
	if p.werr != nil && s.err == nil {
		// the input changed or could not be read again
		s.err = &Error{Level: LevelSyntax, Offset: -1, Msg: "read error: " + p.werr.Error(), Err: p.werr}
	}
	for _, g := range p.groups {
		groupAck(g)
	}
	s.par = nil
	return s.Results(), s.Err()
}

// parallel is the state of the reading side.
type parallel struct {
	src    io.ReaderAt
	jobs   chan *job
	free   chan *job // jobs done, for their task lists to be used again
	wg     sync.WaitGroup
	before int64 // input offset before the segment being handled
	cur    task  // the open set
	env    *envelope
	job    *job // sets not yet handed out
	groups []*GroupResult
	mu     sync.Mutex
	werr   error // the first error a worker met reading again
}

// job is a run of consecutive sets, bytes [start, end) of the input.
type job struct {
	start, end int64
	std        Standard
	delims     Delimiters
	max        int
	tasks      []task
}

// task is one set of a job: bytes [start, end), the envelope it is in and
// how it ends.
type task struct {
	res          *SetResult // the placeholder in the envelope's lists
	start, end   int64
	env          *envelope
	dup          bool   // its control number was seen before in its group
	trailer      bool   // ends with its SE / UNT
	closeOff     int64  // otherwise: where it was closed
	closeSegment string // and by which segment ("" at the end of input)
}

// envelope is what a set's checks read of its interchange and group; the
// sets of one group share one.
type envelope struct {
	std         Standard   // of its interchange
	delims      Delimiters // of its interchange
	icControl   string
	icVersion   string // ISA12: dates of versions before 004010 are YYMMDD
	group       bool   // in a functional group
	grpControl  string
	grpFunction string // GS01, which the set's definition must match
	grpVersion  string
	charset     Charset
}

// beginTask starts the task of set, just opened by s at p.before.
func (p *parallel) beginTask(s *Scanner, set *SetResult) {
	e := envelope{icControl: s.ic.Control, icVersion: s.ic.Version, charset: s.charset, std: s.rd.Standard(), delims: s.rd.Delimiters()}
	if s.grp != nil {
		e.group, e.grpControl, e.grpFunction, e.grpVersion = true, s.grp.Control, s.grp.FunctionalID, s.grp.Version
	}
	if p.env == nil || *p.env != e {
		p.env = new(envelope) // e itself stays on the stack
		*p.env = e
	}
	p.cur = task{res: set, start: p.before, env: p.env, dup: s.seen.has(set.Control)}
}

// endTask closes the open set: at its trailer (p.cur.end set), or without
// one, by segment segID at off, the set ending at p.before.
func (p *parallel) endTask(s *Scanner, off int64, segID string) {
	t := &p.cur
	if t.end == 0 {
		t.end, t.closeOff, t.closeSegment = p.before, off, segID
	} else {
		t.trailer = true
	}
	s.set = nil
	j := p.job
	if j != nil && (j.end != t.start || j.std != t.env.std || j.delims != t.env.delims) {
		p.send()
		j = nil
	}
	if j == nil {
		select {
		case j = <-p.free:
		default:
			j = &job{}
		}
		j.start, j.std, j.delims, j.max = t.start, t.env.std, t.env.delims, s.rd.max()
		p.job = j
	}
	j.tasks = append(j.tasks, *t)
	j.end = t.end
	p.cur = task{}
	if j.end-j.start >= parallelJobBytes {
		p.send()
	}
}

// send hands the sets gathered to a worker.
func (p *parallel) send() {
	if p.job != nil {
		p.jobs <- p.job
		p.job = nil
	}
}

// work validates jobs until there are no more.
func (p *parallel) work(cs []*Convention) {
	defer p.wg.Done()
	w := NewScanner(nil)
	w.UseConventions(cs...)
	w.ic = &InterchangeResult{}
	grp := &GroupResult{}
	sec := new(io.SectionReader)
	for j := range p.jobs {
		if parallelDropJobs {
			continue
		}
		*sec = *io.NewSectionReader(p.src, j.start, j.end-j.start)
		w.rd.enterBody(sec, j.start, j.std, j.delims, j.max)
		w.ic.Standard = j.std
		k := 0 // the task whose set w has open, or is next
		var cur *SetResult
		for {
			seg, err := w.rd.Next()
			for k < len(j.tasks) && (err != nil || seg.Offset >= j.tasks[k].end) {
				t := &j.tasks[k]
				if w.set != nil && w.set == cur {
					w.closeSetMissingAt(t.closeOff, t.closeSegment)
				}
				if cur != nil && cur != t.res {
					hdr := t.res.Header
					*t.res = *cur
					t.res.Header = hdr
				}
				cur, w.reuse = nil, nil
				k++
			}
			if err != nil || k == len(j.tasks) {
				if err != nil && err != io.EOF {
					p.mu.Lock()
					if p.werr == nil {
						p.werr = err
					}
					p.mu.Unlock()
				}
				clear(j.tasks)
				j.tasks = j.tasks[:0]
				select {
				case p.free <- j:
				default:
				}
				break // the end of the job's bytes (the reading side read them all before)
			}
			if cur == nil {
				t := &j.tasks[k]
				e := t.env
				// the envelope state the one-core Scanner's set checks read
				w.ic.Control, w.ic.Version, w.charset, w.grp = e.icControl, e.icVersion, e.charset, nil
				if e.group {
					grp.Control, grp.FunctionalID, grp.Version, grp.Sets = e.grpControl, e.grpFunction, e.grpVersion, grp.Sets[:0]
					w.grp = grp
				}
				w.ic.Sets, w.ic.Errors = w.ic.Sets[:0], w.ic.Errors[:0]
				w.seen.reset()
				if t.dup {
					w.seen.add(t.res.Control)
				}
				w.reuse = t.res
			}
			if !w.inBody(seg) {
				w.dispatch(seg)
			}
			if cur == nil {
				cur = w.set
			}
		}
	}
}
