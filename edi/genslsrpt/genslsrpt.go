// Package genslsrpt writes large UN/EDIFACT SLSRPT (sales data report)
// interchanges for benchmarks: one interchange with a UNA, messages of
// sales locations (LOC) with their items (LIN, PIA, PRI) and sold
// quantities (QTY, DTM, NAD, RFF); some values carry the release
// character. The output depends only on the requested size.
package genslsrpt

import (
	"bufio"
	"fmt"
	"io"
)

// LinesPerMessage is the number of LIN groups in each message.
const LinesPerMessage = 200

var (
	skus  = []string{"SW-48P-POE", "AP-WIFI7", "FW-2000", "RTR-EDGE-8", "NAS-12BAY", "CAM-4K-OUT"}
	names = []string{"GLOBEX", "INITECH", "UMBRELLA?+CO", "STARK", "WAYNE?'S", "HOOLI", "VANDELAY"}
)

// Write writes a SLSRPT interchange of at least size bytes (it completes
// the last message) to w and returns the bytes written.
func Write(w io.Writer, size int64) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	seg := func(format string, args ...any) {
		k, _ := fmt.Fprintf(bw, format, args...)
		n += int64(k)
		bw.WriteByte('\'')
		n++
	}
	k, _ := bw.WriteString("UNA:+.? '")
	n += int64(k)
	seg("UNB+UNOC:3+4012345000016:14+5412345000013:14+261201:0200+SR0001")
	msgs := 0
	line := 0
	for n < size {
		msgs++
		segs := 0
		s := func(format string, args ...any) { seg(format, args...); segs++ }
		s("UNH+M%06d+SLSRPT:D:96A:UN:EAN004", msgs)
		s("BGM+73E+SR-%06d+9", msgs)
		s("DTM+137:20261201:102")
		s("DTM+90:20261101:102")
		s("NAD+SU+5412345000013::9")
		s("NAD+BY+4012345000016::9")
		s("CUX+2:EUR:10")
		s("LOC+162+40123450%05d::9", msgs%100000)
		for i := 0; i < LinesPerMessage; i++ {
			line++
			s("LIN+%d++40123456%05d:SRV", i+1, line%100000)
			s("PIA+1+%s:SA", skus[line%len(skus)])
			s("PRI+AAA:%d.%02d", 100+(line*37)%9000, line%100)
			s("QTY+153:%d", 1+line%97)
			s("DTM+356:202611%02d:102", 1+line%28)
			s("NAD+UD+%s::92", names[line%len(names)])
			s("RFF+IV:INV-%08d", line)
		}
		seg("UNT+%d+M%06d", segs+1, msgs)
	}
	seg("UNZ+%d+SR0001", msgs)
	return n, bw.Flush()
}
