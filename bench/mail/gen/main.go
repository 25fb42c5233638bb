// Command gen writes a generated mail corpus as a Maildir (all messages in
// cur/) for the benchmarks and the notmuch agreement check.
//
//	go run ./bench/mail/gen -n 100000 -out bench/data/mail/maildir
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	mailbench "github.com/partnerhub/partnerhub/bench/mail"
)

func main() {
	n := flag.Int("n", 100000, "number of messages")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "bench/data/mail/maildir", "Maildir to create (must not exist)")
	flag.Parse()
	if _, err := os.Stat(*out); err == nil {
		fmt.Fprintf(os.Stderr, "gen: %s exists\n", *out)
		os.Exit(1)
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(*out, sub), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	msgs := mailbench.Generate(*n, *seed)
	for _, m := range msgs {
		if err := os.WriteFile(filepath.Join(*out, "cur", m.Name), m.Raw, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("wrote %d messages to %s\n", len(msgs), *out)
}
