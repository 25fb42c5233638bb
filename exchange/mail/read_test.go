package mail

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type goldenMessage struct {
	File        string       `json:"file"`
	Offset      int64        `json:"offset"`
	Size        int64        `json:"size"`
	Flags       string       `json:"flags,omitempty"`
	MessageID   string       `json:"message_id"`
	InReplyTo   []string     `json:"in_reply_to,omitempty"`
	References  []string     `json:"references,omitempty"`
	Subject     string       `json:"subject"`
	From        []Address    `json:"from,omitempty"`
	To          []Address    `json:"to,omitempty"`
	Cc          []Address    `json:"cc,omitempty"`
	List        string       `json:"list,omitempty"`
	Date        string       `json:"date,omitempty"`
	Received    string       `json:"received,omitempty"`
	Text        []TextPart   `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Truncated   bool         `json:"truncated,omitempty"`
	Problems    []string     `json:"problems,omitempty"`
}

func renderMessage(m *Message) goldenMessage {
	g := goldenMessage{
		File: filepath.ToSlash(m.File), Offset: m.Offset, Size: m.Size, Flags: m.Flags,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		Subject: m.Subject, From: m.From, To: m.To, Cc: m.Cc, List: m.List,
		Text: m.Text, Attachments: m.Attachments, Truncated: m.Truncated, Problems: m.Problems,
	}
	if !m.Date.IsZero() {
		g.Date = m.Date.Format(time.RFC3339)
	}
	if !m.Received.IsZero() {
		g.Received = m.Received.UTC().Format(time.RFC3339)
	}
	return g
}

// TestGoldenRead reads each input under testdata/read (a message, an mbox
// or a Maildir) and compares what was read with the .json beside it.
func TestGoldenRead(t *testing.T) {
	entries, err := os.ReadDir("testdata/read")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		n++
		path := filepath.Join("testdata/read", e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			got := []any{}
			for m, err := range Read(path, ReadOptions{}) {
				if err != nil {
					got = append(got, map[string]string{"error": err.Error()})
					continue
				}
				got = append(got, renderMessage(m))
			}
			gotJSON := renderJSON(t, got)
			wantFile := path + ".json"
			if *update {
				if err := os.WriteFile(wantFile, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatalf("%v (run go test -update and review)", err)
			}
			if !bytes.Equal(gotJSON, want) {
				t.Errorf("%s differs from the result:\n%s", wantFile, gotJSON)
			}
		})
	}
	if n < 8 {
		t.Fatalf("only %d read cases", n)
	}
}
