// Command partnerhub is the one binary of the Partnerhub partner CRM hub.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: partnerhub edi|mail ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "edi":
		os.Exit(runEDI(os.Args[2:], os.Stdout, os.Stderr))
	case "mail":
		os.Exit(runMail(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(2)
}
