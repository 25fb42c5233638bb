package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/partnerhub/partnerhub/exchange/mail"
)

// runMail runs `partnerhub mail …`.
func runMail(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: partnerhub mail thread [--no-subject] [--max-message-bytes N] PATH...")
		return 2
	}
	switch args[0] {
	case "thread":
		return runMailThread(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "partnerhub mail: unknown command %q\n", args[0])
	return 2
}

type threadOutput struct {
	Messages      int                  `json:"messages"`
	Conversations []conversationOutput `json:"conversations"`
}

type conversationOutput struct {
	ID       string          `json:"id"`
	Subject  string          `json:"subject"`
	Messages []messageOutput `json:"messages"`
}

type messageOutput struct {
	MessageID string `json:"message_id"`
	ParentID  string `json:"parent_id"`
	Depth     int    `json:"depth"`
	Date      string `json:"date"`
	From      string `json:"from"`
	Subject   string `json:"subject"`
	File      string `json:"file"`
	Offset    int64  `json:"offset,omitempty"`
}

// runMailThread reads mail from .eml files, mbox files and Maildir folders,
// threads it and prints the conversations as JSON, newest first. Files or
// messages that cannot be read are reported on stderr and skipped; the exit
// status is then 1.
func runMailThread(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("partnerhub mail thread", flag.ContinueOnError)
	fs.SetOutput(stderr)
	noSubject := fs.Bool("no-subject", false, "do not group roots by subject (headers only)")
	maxBytes := fs.Int64("max-message-bytes", mail.DefaultMaxMessageBytes, "size limit per message; longer ones are cut")
	headersOnly := fs.Bool("headers-only", true, "skip MIME bodies (threading needs headers only)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: partnerhub mail thread [--no-subject] PATH...")
		return 2
	}
	opts := mail.ReadOptions{MaxMessageBytes: *maxBytes, HeadersOnly: *headersOnly}
	t := mail.NewThreader(mail.Options{NoSubjectGrouping: *noSubject})
	status := 0
	var batch []*mail.Message
	for _, path := range fs.Args() {
		for m, err := range mail.Read(path, opts) {
			if err != nil {
				fmt.Fprintf(stderr, "partnerhub mail thread: %v\n", err)
				status = 1
				continue
			}
			for _, p := range m.Problems {
				fmt.Fprintf(stderr, "partnerhub mail thread: %s at byte %d: warning: %s\n", m.File, m.Offset, p)
			}
			batch = append(batch, m)
		}
	}
	t.Add(batch...)
	out := threadOutput{Messages: t.Len(), Conversations: []conversationOutput{}}
	for _, c := range t.Conversations() {
		co := conversationOutput{ID: c.ID, Subject: c.Subject}
		for _, e := range c.Entries() {
			m := e.Node.Message
			if m == nil {
				continue
			}
			mo := messageOutput{
				MessageID: e.Node.ID,
				Depth:     e.Depth,
				Subject:   m.Subject,
				File:      m.File,
				Offset:    m.Offset,
			}
			if e.Node.Parent != nil {
				mo.ParentID = e.Node.Parent.ID
			}
			if !m.Date.IsZero() {
				mo.Date = m.Date.UTC().Format(time.RFC3339)
			}
			if len(m.From) > 0 {
				mo.From = m.From[0].Addr
				if m.From[0].Name != "" {
					mo.From = m.From[0].Name + " <" + m.From[0].Addr + ">"
				}
			}
			co.Messages = append(co.Messages, mo)
		}
		out.Conversations = append(out.Conversations, co)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "partnerhub mail thread: %v\n", err)
		return 1
	}
	return status
}
