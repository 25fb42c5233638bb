package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestMailThread runs the CLI over an .eml file, an mbox and a Maildir,
// plus a path that does not exist, and checks the JSON.
func TestMailThread(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "root.eml"), "From: Ana <ana@acme.example>\nTo: bo@partner.example\nSubject: Offer\nDate: Mon, 02 Mar 2026 10:00:00 +0000\nMessage-ID: <a@x>\n\nhi\n")
	writeFile(t, filepath.Join(dir, "box.mbox"), "From bo@partner.example Mon Mar  2 11:00:00 2026\nFrom: bo@partner.example\nTo: ana@acme.example\nSubject: Re: Offer\nDate: Mon, 02 Mar 2026 11:00:00 +0000\nMessage-ID: <b@x>\nReferences: <a@x>\n\nok\n\nFrom cy@partner.example Tue Mar  3 09:00:00 2026\nFrom: cy@partner.example\nTo: ana@acme.example\nSubject: Re: Offer\nDate: Tue, 03 Mar 2026 09:00:00 +0000\nMessage-ID: <c@x>\n\nno references\n")
	writeFile(t, filepath.Join(dir, "md", "cur", "1772600000.M1.h:2,S"), "From: dora@other.example\nSubject: Other\nDate: Wed, 04 Mar 2026 09:00:00 +0000\nMessage-ID: <d@x>\n\nlatest\n")
	missing := filepath.Join(dir, "missing.eml")

	run := func(args ...string) (threadOutput, string, int) {
		var out, errb bytes.Buffer
		code := runMail(append([]string{"thread"}, args...), &out, &errb)
		var got threadOutput
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out.String())
		}
		return got, errb.String(), code
	}
	paths := []string{filepath.Join(dir, "root.eml"), filepath.Join(dir, "box.mbox"), filepath.Join(dir, "md"), missing}

	got, stderr, code := run(paths...)
	if code != 1 || !strings.Contains(stderr, "missing.eml") {
		t.Errorf("exit %d, stderr %q: want 1 and the missing file named", code, stderr)
	}
	if got.Messages != 4 || len(got.Conversations) != 2 {
		t.Fatalf("got %d messages in %d conversations, want 4 in 2: %+v", got.Messages, len(got.Conversations), got)
	}
	if c := got.Conversations[0]; c.Subject != "Other" || len(c.Messages) != 1 {
		t.Errorf("newest conversation first: got %+v", c)
	}
	offer := got.Conversations[1]
	var ids, parents []string
	var depths []int
	for _, m := range offer.Messages {
		ids, parents, depths = append(ids, m.MessageID), append(parents, m.ParentID), append(depths, m.Depth)
	}
	if strings.Join(ids, " ") != "a@x b@x c@x" || strings.Join(parents, " ") != " a@x a@x" || depths[1] != 1 || depths[2] != 1 {
		t.Errorf("thread order: ids %v parents %q depths %v", ids, parents, depths)
	}
	if m := offer.Messages[1]; m.File != filepath.Join(dir, "box.mbox") || m.Date != "2026-03-02T11:00:00Z" || m.From != "bo@partner.example" {
		t.Errorf("message fields: %+v", m)
	}
	if m := offer.Messages[0]; m.From != "Ana <ana@acme.example>" {
		t.Errorf("from: %q", m.From)
	}

	got, _, code = run(append([]string{"--no-subject"}, paths[:3]...)...)
	if code != 0 || len(got.Conversations) != 3 {
		t.Errorf("--no-subject: exit %d, %d conversations, want 0 and 3 (c@x on its own)", code, len(got.Conversations))
	}

	var out, errb bytes.Buffer
	if code := runMail([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code := runMail([]string{"thread"}, &out, &errb); code != 2 {
		t.Errorf("no paths: exit %d, want 2", code)
	}
}

func TestMailSyncUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"mail", "sync"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage: partnerhub mail sync") {
		t.Fatalf("mail sync without flags: %d %q", code, errb.String())
	}
}
