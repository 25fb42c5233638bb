package edi_test

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/edi/gen867"
)

var (
	benchOnce sync.Once
	benchData []byte
)

// benchInput is the 867 file named by EDI_BENCH_FILE (bench/edi/run.sh sets
// it to the 100 MB report) or, by default, a 20 MB report built in memory.
func benchInput(b *testing.B) []byte {
	b.Helper()
	benchOnce.Do(func() {
		if p := os.Getenv("EDI_BENCH_FILE"); p != "" {
			d, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			benchData = d
			return
		}
		var buf bytes.Buffer
		if _, err := gen867.Write(&buf, 20_000_000); err != nil {
			b.Fatal(err)
		}
		benchData = buf.Bytes()
	})
	return benchData
}

// terminator returns the segment terminator of the first interchange of
// data: ISA's 106th byte, UNA's 9th, or EDIFACT's default.
func terminator(data []byte) byte {
	switch {
	case bytes.HasPrefix(data, []byte("ISA")) && len(data) > 105:
		return data[105]
	case bytes.HasPrefix(data, []byte("UNA")) && len(data) > 8:
		return data[8]
	}
	return '\''
}

// countTerminators is the ceiling pass: one bytes.IndexByte scan for the
// segment terminator.
func countTerminators(data []byte) int {
	segs := 0
	term := terminator(data)
	for p := data; ; {
		j := bytes.IndexByte(p, term)
		if j < 0 {
			return segs
		}
		segs++
		p = p[j+1:]
	}
}

// readSegments reads every segment of data with edi.Reader.
func readSegments(b *testing.B, data []byte) int {
	segs := 0
	r := edi.NewReader(bytes.NewReader(data))
	for {
		_, err := r.Next()
		if err == io.EOF {
			return segs
		}
		if err != nil {
			b.Fatal(err)
		}
		segs++
	}
}

// BenchmarkIndexByte is the practical ceiling: one bytes.IndexByte pass over
// the same bytes, counting segment terminators.
func BenchmarkIndexByte(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	segs := 0
	for i := 0; i < b.N; i++ {
		segs = countTerminators(data)
	}
	b.ReportMetric(float64(segs), "segments/op")
}

// BenchmarkReader streams every segment with its elements split.
func BenchmarkReader(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	segs := 0
	for i := 0; i < b.N; i++ {
		segs = readSegments(b, data)
	}
	b.ReportMetric(float64(segs), "segments/op")
}

// scanAll validates data with a Scanner, segment by segment, and returns
// the number of segments.
func scanAll(b *testing.B, data []byte) int {
	segs := 0
	s := edi.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		segs++
	}
	if s.Err() != nil || !s.Results()[0].OK() {
		b.Fatalf("invalid benchmark input: %v", s.Err())
	}
	return segs
}

// BenchmarkScanner streams and validates: envelopes, control numbers,
// counts, the set definitions and every element.
func BenchmarkScanner(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	segs := 0
	for i := 0; i < b.N; i++ {
		segs = scanAll(b, data)
	}
	b.ReportMetric(float64(segs), "segments/op")
}

// BenchmarkValidateRatio measures validation against reading, interleaved:
// every iteration runs, over the same bytes and rotating their order so
// that all see the same machine load, one pass each of: bytes.IndexByte,
// the Reader, the Scanner (one core), ValidateParallel (GOMAXPROCS cores,
// see -cpu), and the acknowledgment (a 997 for 004010, a 999 for 005010, a
// CONTRL for EDIFACT, built from a one-core and from a many-core validation
// and written). It reports the speeds (MB/s of the input), reader-share
// (total Reader time over total Scanner time: one-core validation runs at
// that fraction of the Reader's speed), best-share (the same for the
// fastest passes), parallel-share (Reader time over ValidateParallel time),
// speedup (Scanner time over ValidateParallel time), and ack-share and
// ack-parallel-share (Reader time over the acknowledgment's).
func BenchmarkValidateRatio(b *testing.B) {
	data := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	const n = 6
	var tot, best, cpu [n]time.Duration
	passes := [n]func(){
		func() { benchSink = countTerminators(data) },
		func() { benchSink = readSegments(b, data) },
		func() { benchSink = scanAll(b, data) },
		func() { validateParallel(b, data) },
		func() { ackAll(b, data, false) },
		func() { ackAll(b, data, true) },
	}
	for i := 0; i < b.N; i++ {
		for j := range passes {
			k := (i + j) % len(passes)
			c := cpuTime()
			t := time.Now()
			passes[k]()
			d := time.Since(t)
			cpu[k] += cpuTime() - c
			tot[k] += d
			if best[k] == 0 || d < best[k] {
				best[k] = d
			}
		}
	}
	mb := float64(len(data)) / 1e6 * float64(b.N)
	for k, name := range [n]string{"indexbyte", "reader", "scanner", "parallel", "ack", "ack-parallel"} {
		b.ReportMetric(mb/tot[k].Seconds(), name+"-MB/s")
	}
	b.ReportMetric(float64(tot[1])/float64(tot[2]), "reader-share")
	// The same from the CPU time the process spent in each pass (all its
	// threads: the garbage collector's too), which a loaded machine
	// disturbs less than elapsed time.
	b.ReportMetric(float64(cpu[1])/float64(cpu[2]), "cpu-share")
	b.ReportMetric(float64(best[1])/float64(best[2]), "best-share")
	b.ReportMetric(float64(tot[1])/float64(tot[3]), "parallel-share")
	b.ReportMetric(float64(tot[2])/float64(tot[3]), "speedup")
	b.ReportMetric(float64(tot[1])/float64(tot[4]), "ack-share")
	b.ReportMetric(float64(tot[1])/float64(tot[5]), "ack-parallel-share")
}

// ackAll validates data (on GOMAXPROCS cores when parallel) and builds and
// writes the acknowledgment of its interchange: a 997 for 004010, a 999
// for 005010, a CONTRL for EDIFACT.
func ackAll(b *testing.B, data []byte, parallel bool) {
	var res []*edi.InterchangeResult
	var err error
	if parallel {
		res, err = edi.ValidateParallel(bytes.NewReader(data), int64(len(data)), 0)
	} else {
		res, err = edi.Validate(bytes.NewReader(data))
	}
	if err != nil || !res[0].OK() {
		b.Fatalf("invalid benchmark input: %v", err)
	}
	r := res[0]
	build := edi.NewAck997
	switch {
	case r.Standard == edi.EDIFACT:
		build = edi.NewAckCONTRL
	case r.Version >= "00501":
		build = edi.NewAck999
	}
	ack, err := build(r, edi.AckOptions{Time: ackTime})
	if err != nil {
		b.Fatal(err)
	}
	w := edi.NewWriter(io.Discard, ack.Standard, ack.Delimiters)
	if err := w.WriteInterchange(ack); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAck validates on one core and builds and writes the
// acknowledgment (see ackAll).
func BenchmarkAck(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ackAll(b, data, false)
	}
}

// validateParallel validates data with ValidateParallel on GOMAXPROCS
// cores.
func validateParallel(b *testing.B, data []byte) {
	res, err := edi.ValidateParallel(bytes.NewReader(data), int64(len(data)), 0)
	if err != nil || !res[0].OK() {
		b.Fatalf("invalid benchmark input: %v", err)
	}
}

// BenchmarkValidateParallel validates on GOMAXPROCS cores (-cpu).
func BenchmarkValidateParallel(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		validateParallel(b, data)
	}
}

// BenchmarkValidateParallelReadingSide is BenchmarkValidateParallel with
// workers that drop their jobs: the reading side alone, which does not
// scale with cores (validation on n cores takes at least this long, and at
// least (this + Scanner) ÷ n).
func BenchmarkValidateParallelReadingSide(b *testing.B) {
	data := benchInput(b)
	defer edi.SetParallelDropJobs(true)()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := edi.ValidateParallel(bytes.NewReader(data), int64(len(data)), 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRatio measures the Reader against the bytes.IndexByte pass
// interleaved: every iteration runs one pass of each over the same bytes
// (alternating which goes first), so both see the same machine load. It
// reports both speeds, the ratio of the total times and the ratio of the
// fastest passes (the least disturbed).
func BenchmarkRatio(b *testing.B) {
	data := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	var tIdx, tRd, bestIdx, bestRd time.Duration
	indexPass := func() {
		t := time.Now()
		segs := countTerminators(data)
		d := time.Since(t)
		tIdx += d
		if bestIdx == 0 || d < bestIdx {
			bestIdx = d
		}
		benchSink = segs
	}
	readerPass := func() {
		t := time.Now()
		readSegments(b, data)
		d := time.Since(t)
		tRd += d
		if bestRd == 0 || d < bestRd {
			bestRd = d
		}
	}
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			indexPass()
			readerPass()
		} else {
			readerPass()
			indexPass()
		}
	}
	mb := float64(len(data)) / 1e6 * float64(b.N)
	b.ReportMetric(mb/tIdx.Seconds(), "indexbyte-MB/s")
	b.ReportMetric(mb/tRd.Seconds(), "reader-MB/s")
	b.ReportMetric(float64(tRd)/float64(tIdx), "ratio")
	b.ReportMetric(float64(bestRd)/float64(bestIdx), "best-ratio")
}

var benchSink int

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
