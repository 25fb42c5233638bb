// Package gen867 writes large, realistic X12 867 Product Transfer and Resale
// Reports for benchmarks: one interchange, one PT group, sets of resale lines
// (PTD loops with end customer, invoice reference, item and amounts), in
// several shapes (see Options). The output depends only on the options and
// the requested size.
package gen867

import (
	"bufio"
	"fmt"
	"io"
)

var (
	cities    = []string{"AUSTIN*TX*78701", "DENVER*CO*80202", "PORTLAND*OR*97204", "SPRINGFIELD*IL*62701", "BOSTON*MA*02110", "SEATTLE*WA*98101"}
	customers = []string{"GLOBEX CORPORATION", "INITECH LLC", "UMBRELLA HEALTH", "STARK INDUSTRIES", "WAYNE ENTERPRISES", "HOOLI INC", "VANDELAY IMPORTS"}
	skus      = []string{"SW-48P-POE", "AP-WIFI7", "FW-2000", "RTR-EDGE-8", "NAS-12BAY", "CAM-4K-OUT"}
)

// LinesPerSet is the number of PTD loops in each transaction set of Write.
const LinesPerSet = 500

// Options choose the shape of a report.
type Options struct {
	LinesPerSet int    // PTD loops per set; 0 means LinesPerSet
	Version     string // "004010" (default) or "005010"
	Newline     bool   // a newline after every segment terminator
	Sets        int    // when positive, exactly this many sets, whatever the size
}

// Write writes an 867 interchange of at least size bytes (it completes the
// last set) to w and returns the bytes written: 004010, sets of 500 lines,
// no newlines.
func Write(w io.Writer, size int64) (int64, error) { return WriteOptions(w, size, Options{}) }

// WriteOptions is Write in the shape o asks for.
func WriteOptions(w io.Writer, size int64, o Options) (int64, error) {
	lines := o.LinesPerSet
	if lines <= 0 {
		lines = LinesPerSet
	}
	version, isa12, rep := "004010", "00401", "U"
	if o.Version == "005010" {
		version, isa12, rep = "005010", "00501", "^"
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	seg := func(format string, args ...any) {
		k, _ := fmt.Fprintf(bw, format, args...)
		n += int64(k)
		bw.WriteByte('~')
		n++
		if o.Newline {
			bw.WriteByte('\n')
			n++
		}
	}
	seg("ISA*00*          *00*          *ZZ*DISTRIB01      *ZZ*VENDORCO       *261201*0200*%s*%s*000000001*0*P*>", rep, isa12)
	seg("GS*PT*DISTRIB01*VENDORCO*20261201*0200*1*X*%s", version)
	sets := 0
	line := 0
	for o.Sets > 0 && sets < o.Sets || o.Sets <= 0 && n < size {
		sets++
		segs := 0
		s := func(format string, args ...any) { seg(format, args...); segs++ }
		if o.Version == "005010" {
			s("ST*867*%04d*005010", sets)
		} else {
			s("ST*867*%04d", sets)
		}
		s("BPT*00*RPT-%06d*20261201*PS", sets)
		s("DTM*090*20261101")
		s("DTM*091*20261130")
		s("N1*DS*ACME DISTRIBUTION INC*91*D-77")
		s("N1*SU*VENDOR CO*1*987654321")
		for i := 0; i < lines; i++ {
			line++
			q := 1 + line%97
			price := 100 + (line*37)%9000
			s("PTD*SS")
			s("DTM*003*202611%02d", 1+line%28)
			s("REF*IV*INV-%08d", line)
			s("N1*EN*%s*92*C%06d", customers[line%len(customers)], line%50000)
			s("N3*%d MAIN ST", 1+line%9999)
			s("N4*%s*US", cities[line%len(cities)])
			s("QTY*39*%d*EA", q)
			s("LIN*%d*VN*%s", i+1, skus[line%len(skus)])
			s("UIT*EA*%d.%02d", price, line%100)
			s("AMT*N*%d.%02d", price*q, (line*q)%100)
			s("REF*ZZ*DR-2026-%05d", line%20000)
		}
		s("CTT*%d", lines)
		seg("SE*%d*%04d", segs+1, sets)
	}
	seg("GE*%d*1", sets)
	seg("IEA*1*000000001")
	return n, bw.Flush()
}
