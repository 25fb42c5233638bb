package mail

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// readCase reads every message under dir; a subdirectory named scope=X
// holds messages of scope X, everything else has scope "".
func readCase(tb testing.TB, dir string) []*Message {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*Message
	for _, e := range entries {
		if e.Name() == "want.json" {
			continue
		}
		opts := ReadOptions{}
		if s, ok := strings.CutPrefix(e.Name(), "scope="); ok {
			opts.Scope = s
		}
		for m, err := range Read(filepath.Join(dir, e.Name()), opts) {
			if err != nil {
				tb.Logf("read error (kept going): %v", err)
				continue
			}
			rel, _ := filepath.Rel(dir, m.File)
			m.File = filepath.ToSlash(rel)
			out = append(out, m)
		}
	}
	return out
}

type goldenNode struct {
	ID          string `json:"id"`
	Parent      string `json:"parent,omitempty"`
	Depth       int    `json:"depth"`
	Placeholder bool   `json:"placeholder,omitempty"`
	Subject     string `json:"subject,omitempty"`
	From        string `json:"from,omitempty"`
	Date        string `json:"date,omitempty"`
	File        string `json:"file,omitempty"`
	Offset      int64  `json:"offset,omitempty"`
}

type goldenConversation struct {
	ID      string       `json:"id"`
	Scope   string       `json:"scope,omitempty"`
	Subject string       `json:"subject"`
	Count   int          `json:"count"`
	Nodes   []goldenNode `json:"nodes"`
}

func render(convs []*Conversation) []goldenConversation {
	out := []goldenConversation{}
	for _, c := range convs {
		g := goldenConversation{ID: c.ID, Scope: c.Scope, Subject: c.Subject, Count: c.Count}
		for _, e := range c.Entries() {
			n := goldenNode{ID: e.Node.ID, Depth: e.Depth, Placeholder: e.Node.Message == nil}
			if e.Node.Parent != nil {
				n.Parent = e.Node.Parent.ID
			}
			if m := e.Node.Message; m != nil {
				n.Subject, n.File, n.Offset = m.Subject, m.File, m.Offset
				if len(m.From) > 0 {
					n.From = m.From[0].Addr
				}
				if !m.Date.IsZero() {
					n.Date = m.Date.UTC().Format(time.RFC3339)
				}
			}
			g.Nodes = append(g.Nodes, n)
		}
		out = append(out, g)
	}
	return out
}

func renderJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return append(b, '\n')
}

// TestGoldenThreads threads each case under testdata/thread with subject
// grouping on and off and compares with want.json (-update rewrites it).
// Each case is also threaded one message at a time in reverse order, which
// must give the same conversations.
func TestGoldenThreads(t *testing.T) {
	dirs, err := filepath.Glob("testdata/thread/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			msgs := readCase(t, dir)
			got := map[string]any{
				"messages":            len(msgs),
				"subject_grouping":    render(Thread(msgs, Options{})),
				"no_subject_grouping": render(Thread(msgs, Options{NoSubjectGrouping: true})),
			}
			gotJSON := renderJSON(t, got)
			wantFile := filepath.Join(dir, "want.json")
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
			for _, opts := range []Options{{}, {NoSubjectGrouping: true}} {
				th := NewThreader(opts)
				for i := len(msgs) - 1; i >= 0; i-- {
					th.Add(msgs[i])
				}
				a := renderJSON(t, render(th.Conversations()))
				b := renderJSON(t, render(Thread(msgs, opts)))
				if !bytes.Equal(a, b) {
					t.Errorf("one at a time in reverse (%+v) differs from all at once:\n%s\nvs\n%s", opts, a, b)
				}
			}
		})
	}
}
