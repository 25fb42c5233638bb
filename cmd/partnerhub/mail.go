package main

import (
	"fmt"
	"io"
)

// runMail runs `partnerhub mail …`; the mail helper replaces this file.
func runMail(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "partnerhub mail: not built yet")
	return 2
}
