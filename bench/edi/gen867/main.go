// Command gen867 writes a large X12 867 Product Transfer and Resale Report
// (or, with -slsrpt, an EDIFACT SLSRPT) for the edi benchmarks:
//
//	gen867 -size 100 -out bench/data/867-100mb.edi
//	gen867 -size 100 -version 005010 -newline -lines 22 -out bench/data/867-5010-nl-100mb.edi
//	gen867 -size 100 -slsrpt -out bench/data/slsrpt-100mb.edi
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/partnerhub/partnerhub/edi/gen867"
	"github.com/partnerhub/partnerhub/edi/genslsrpt"
)

func main() {
	size := flag.Int64("size", 100, "size in MB (10^6 bytes)")
	out := flag.String("out", "bench/data/867-100mb.edi", "output file")
	lines := flag.Int("lines", gen867.LinesPerSet, "PTD loops per 867 set")
	version := flag.String("version", "004010", "X12 version: 004010 or 005010")
	newline := flag.Bool("newline", false, "a newline after every segment terminator")
	slsrpt := flag.Bool("slsrpt", false, "write an EDIFACT SLSRPT instead of an 867")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen867:", err)
		os.Exit(1)
	}
	var n int64
	if *slsrpt {
		n, err = genslsrpt.Write(f, *size*1000*1000)
	} else {
		n, err = gen867.WriteOptions(f, *size*1000*1000, gen867.Options{LinesPerSet: *lines, Version: *version, Newline: *newline})
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen867:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d bytes\n", *out, n)
}
