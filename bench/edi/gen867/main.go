// Command gen867 writes a large X12 867 Product Transfer and Resale Report
// for the edi benchmarks: gen867 -size 100 -out ../data/867-100mb.edi
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/partnerhub/partnerhub/edi/gen867"
)

func main() {
	size := flag.Int64("size", 100, "size in MB (10^6 bytes)")
	out := flag.String("out", "bench/data/867-100mb.edi", "output file")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen867:", err)
		os.Exit(1)
	}
	n, err := gen867.Write(f, *size*1000*1000)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen867:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d bytes\n", *out, n)
}
