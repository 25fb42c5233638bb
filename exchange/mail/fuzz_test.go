package mail

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// seedFiles adds every input under testdata/ to a fuzz corpus.
func seedFiles(f *testing.F) [][]byte {
	var seeds [][]byte
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".json") || strings.Contains(path, "testdata/fuzz") {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && len(b) < 64<<10 {
			seeds = append(seeds, b)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) < 20 {
		f.Fatalf("only %d seeds", len(seeds))
	}
	return seeds
}

// FuzzRead reads arbitrary bytes as one message and as an mbox. It must
// not panic, must return valid UTF-8 text and must account for every byte.
func FuzzRead(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangGuard(data)()
		m := ParseMessage(data, ReadOptions{})
		checkMessage(t, m)
		mr := NewMboxReader(bytes.NewReader(data), "fuzz", ReadOptions{MaxMessageBytes: 512})
		var total int64
		n := 0
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("mbox from memory failed: %v", err)
			}
			checkMessage(t, m)
			if m.Size > 512 {
				t.Fatalf("message of %d bytes passed a 512-byte limit", m.Size)
			}
			if m.Offset < 0 || m.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside %d bytes", m.Offset, len(data))
			}
			total += m.Size
			n++
			if n > len(data)+1 {
				t.Fatal("more messages than bytes")
			}
		}
		if total > int64(len(data)) {
			t.Fatalf("read %d bytes of messages from %d bytes", total, len(data))
		}
	})
}

// hangGuard crashes the fuzz worker, and so records the input, when one
// input takes far too long: the fuzzer itself has no per-input timeout.
func hangGuard(data []byte) (stop func() bool) {
	return time.AfterFunc(30*time.Second, func() { panic(fmt.Sprintf("input took over 30 s: %q", data)) }).Stop
}

func checkMessage(t *testing.T, m *Message) {
	t.Helper()
	if !utf8.ValidString(m.Subject) {
		t.Fatalf("subject not UTF-8: %q", m.Subject)
	}
	for _, p := range m.Text {
		if !utf8.ValidString(p.Text) {
			t.Fatalf("text not UTF-8: %q", p.Text)
		}
	}
	for _, a := range slices.Concat(m.From, m.To, m.Cc) {
		if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Addr) {
			t.Fatalf("address not UTF-8: %+v", a)
		}
	}
	base, _ := BaseSubject(m.Subject)
	if !utf8.ValidString(base) {
		t.Fatalf("base subject not UTF-8: %q", base)
	}
}

// FuzzThread cuts arbitrary bytes into messages at NUL bytes, reads their
// headers and threads them: the invariants must hold, and the result must
// not depend on order or batching.
func FuzzThread(f *testing.F) {
	seeds := seedFiles(f)
	for i, s := range seeds {
		f.Add(s)
		if i > 0 {
			f.Add(slices.Concat(seeds[i-1], []byte{0}, s))
		}
	}
	f.Add([]byte("Message-ID: <a@x>\nReferences: <b@x>\n\n\x00Message-ID: <b@x>\nReferences: <a@x>\n\n\x00Message-ID: <a@x>\nSubject: Re: x\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangGuard(data)()
		var msgs []*Message
		for i, chunk := range bytes.Split(data, []byte{0}) {
			if i >= 64 {
				break
			}
			m := ParseMessage(chunk, ReadOptions{HeadersOnly: true})
			if len(chunk) > 0 && chunk[0]&1 == 1 {
				m.Scope = "other"
			}
			m.File = "f"
			m.Offset = int64(i)
			msgs = append(msgs, m)
		}
		for _, opts := range []Options{{}, {NoSubjectGrouping: true}} {
			all := Thread(msgs, opts)
			checkInvariants(t, msgs, all)
			want := renderJSON(t, render(all))
			rev := slices.Clone(msgs)
			slices.Reverse(rev)
			th := NewThreader(opts)
			st := store{}
			for i := 0; i < len(rev); i += 3 {
				st.apply(th.Add(rev[i:min(i+3, len(rev))]...))
			}
			got := th.Conversations()
			if g := renderJSON(t, render(got)); !bytes.Equal(g, want) {
				t.Fatalf("reverse batches differ:\n%s\nvs\n%s", g, want)
			}
			if len(st) != len(got) {
				t.Fatalf("Changes replay holds %d conversations, threader %d", len(st), len(got))
			}
		}
	})
}
