// Command gen writes a generated mail corpus as a Maildir (all messages in
// cur/) for the benchmarks and the notmuch agreement check: partner mail,
// or with -list a mailing-list archive.
//
//	go run ./bench/mail/gen -n 100000 -out bench/data/mail/maildir
//	go run ./bench/mail/gen -list -n 20000 -out bench/data/mail/list
package main

import (
	"bytes"
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
	stats := flag.Bool("stats", false, "print what the corpus holds instead of writing it")
	list := flag.Bool("list", false, "a mailing-list archive (mailbench.GenerateList) instead of partner mail")
	flag.Parse()
	generate := mailbench.Generate
	if *list {
		generate = mailbench.GenerateList
	}
	if *stats {
		printStats(generate(*n, *seed))
		return
	}
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
	msgs := generate(*n, *seed)
	for _, m := range msgs {
		if err := os.WriteFile(filepath.Join(*out, "cur", m.Name), m.Raw, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("wrote %d messages to %s\n", len(msgs), *out)
}

func printStats(msgs []mailbench.Generated) {
	var noID, copies, listTag, irtOnly, noRefs, encoded, multipart, bytesTotal int
	for _, m := range msgs {
		r := m.Raw
		bytesTotal += len(r)
		head, _, _ := bytes.Cut(r, []byte("\n\n"))
		has := func(s string) bool { return bytes.Contains(head, []byte("\n"+s)) || bytes.HasPrefix(head, []byte(s)) }
		if !has("Message-ID:") {
			noID++
		}
		if bytes.Contains([]byte(m.Name), []byte(".copy")) {
			copies++
		}
		if bytes.Contains(head, []byte("List-Id:")) {
			listTag++
		}
		if has("In-Reply-To:") && !has("References:") {
			irtOnly++
		}
		if !has("In-Reply-To:") && !has("References:") {
			noRefs++
		}
		if bytes.Contains(head, []byte("=?UTF-8?Q?")) {
			encoded++
		}
		if bytes.Contains(head, []byte("multipart/mixed")) {
			multipart++
		}
	}
	fmt.Printf("messages %d, bytes %d (avg %d)\n", len(msgs), bytesTotal, bytesTotal/len(msgs))
	fmt.Printf("without Message-ID %d, second copies %d, list tags %d, encoded subjects %d, multipart %d\n", noID, copies, listTag, encoded, multipart)
	fmt.Printf("In-Reply-To without References %d, neither header (thread starts and header-dropping replies) %d\n", irtOnly, noRefs)
}
