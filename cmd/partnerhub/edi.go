package main

import (
	"fmt"
	"io"
)

// runEDI runs `partnerhub edi …`; the edi helper replaces this file.
func runEDI(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "partnerhub edi: not built yet")
	return 2
}
