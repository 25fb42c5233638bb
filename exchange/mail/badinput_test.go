package mail

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// endless yields a header and then body lines up to n bytes in all,
// without holding them: a 100 MB message costs no memory to make.
type endless struct {
	head []byte
	n    int64
	line []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && e.n > 0 {
		var c []byte
		if len(e.head) > 0 {
			c = e.head
		} else {
			c = e.line
		}
		m := copy(p[k:], c)
		if int64(m) > e.n {
			m = int(e.n)
		}
		if len(e.head) > 0 {
			e.head = e.head[m:]
		}
		k += m
		e.n -= int64(m)
	}
	return k, nil
}

func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

const hundredMB = 100 << 20

// TestHugeMessage reads a 100 MB message, alone and inside an mbox between
// two small ones, with a 1 MiB limit: it is cut, still threaded by its
// headers, the next message is found, and memory stays near the limit.
func TestHugeMessage(t *testing.T) {
	head := "From: ana@acme.example\nSubject: Big\nMessage-ID: <big@x>\nReferences: <small@x>\nContent-Type: text/plain\n\n"
	opts := ReadOptions{MaxMessageBytes: 1 << 20}
	var m *Message
	alloc := allocated(func() {
		var err error
		m, err = ReadMessage(&endless{head: []byte(head), n: hundredMB, line: []byte(strings.Repeat("x", 76) + "\n")}, "big.eml", opts)
		if err != nil {
			t.Fatal(err)
		}
	})
	if !m.Truncated || m.Size != 1<<20 || m.MessageID != "big@x" || len(m.References) != 1 {
		t.Fatalf("got truncated=%v size=%d id=%q refs=%v", m.Truncated, m.Size, m.MessageID, m.References)
	}
	if alloc > 16<<20 {
		t.Errorf("reading a message cut at 1 MiB allocated %d MiB", alloc>>20)
	}

	small := "From a@x Mon Mar  2 10:00:00 2026\nMessage-ID: <small@x>\nSubject: Small\n\nhi\n\n"
	after := "\n\nFrom b@x Mon Mar  2 12:00:00 2026\nMessage-ID: <after@x>\nSubject: After\n\nbye\n"
	big := &endless{head: []byte("From c@x Mon Mar  2 11:00:00 2026\n" + head), n: hundredMB, line: []byte(strings.Repeat("y", 76) + "\n")}
	r := io.MultiReader(strings.NewReader(small), big, strings.NewReader(after))
	var got []*Message
	alloc = allocated(func() {
		mr := NewMboxReader(r, "big.mbox", opts)
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
	})
	if len(got) != 3 || got[1].MessageID != "big@x" || !got[1].Truncated || got[2].MessageID != "after@x" {
		t.Fatalf("mbox: got %d messages", len(got))
	}
	if want := int64(len(small)) + hundredMB + 2; got[2].Offset != want {
		t.Errorf("offset of the message after the big one: %d, want %d", got[2].Offset, want)
	}
	if alloc > 24<<20 {
		t.Errorf("reading a 100 MB mbox message with a 1 MiB limit allocated %d MiB", alloc>>20)
	}
	convs := Thread(got, Options{})
	if len(convs) != 2 {
		t.Fatalf("want the big message threaded under small@x: %d conversations", len(convs))
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadErrorNamesFileAndOffset: an I/O error in an mbox is reported
// with the file and the offset, after the messages read before it.
func TestReadErrorNamesFileAndOffset(t *testing.T) {
	data := "From a@x Mon Mar  2 10:00:00 2026\nMessage-ID: <one@x>\n\nhi\n\nFrom b@x Mon Mar  2 11:00:00 2026\nMessage-ID: <two@x>\n\nhal"
	boom := errors.New("disk on fire")
	mr := NewMboxReader(&failingReader{data: []byte(data), err: boom}, "inbox.mbox", ReadOptions{})
	m, err := mr.Next()
	if err != nil || m.MessageID != "one@x" {
		t.Fatalf("first: %v %v", m, err)
	}
	_, err = mr.Next()
	var re *ReadError
	if !errors.As(err, &re) || re.File != "inbox.mbox" || re.Offset != int64(len(data)) || !errors.Is(err, boom) {
		t.Fatalf("want a ReadError naming inbox.mbox at byte %d, got %v", len(data), err)
	}
	if _, err := mr.Next(); err != io.EOF {
		t.Fatalf("after the error: %v, want EOF", err)
	}
}

// TestReadGoesOn: unreadable paths and empty files are reported and the
// rest is read.
func TestReadGoesOn(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.eml"), []byte("Message-ID: <a@x>\n\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "b.eml"), 0o755); err != nil { // a directory where a file is expected: walked, empty
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c.eml"), bytes.Repeat([]byte{0xff, 0x00, '\n'}, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d.eml"), []byte("\n \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var errs []error
	for _, p := range []string{filepath.Join(dir, "missing"), dir} {
		for m, err := range Read(p, ReadOptions{}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, m.MessageID)
		}
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "missing") || !strings.Contains(errs[1].Error(), "d.eml at byte 0: empty message") {
		t.Fatalf("errors: %v", errs)
	}
	if len(ids) != 2 || ids[0] != "a@x" || ids[1] != "" {
		t.Fatalf("read %q, want a@x and the garbage file", ids)
	}
}

// TestMboxOpenMultiparts: every message is a multipart that never closes,
// with an envelope-like line in its body. Each such line is held, then
// read again when the input or the size limit ends the message: every
// message must still come out once, in order, at its offset, and the
// held input must stay bounded by the limit.
func TestMboxOpenMultiparts(t *testing.T) {
	var b bytes.Buffer
	var offsets []int64
	const n = 3000
	for i := range n {
		offsets = append(offsets, int64(b.Len()))
		b.WriteString("From a@x Tue Mar  3 10:00:00 2026\n")
		b.WriteString("Message-ID: <m" + strings.Repeat("x", i%7) + "." + strconv.Itoa(i) + "@x>\n")
		b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n\n")
	}
	for _, limit := range []int64{1 << 20, 4096} {
		mr := NewMboxReader(bytes.NewReader(b.Bytes()), "open.mbox", ReadOptions{MaxMessageBytes: limit, HeadersOnly: true})
		i := 0
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if i >= n || m.Offset != offsets[i] || !strings.HasSuffix(m.MessageID, "."+strconv.Itoa(i)+"@x") {
				t.Fatalf("limit %d: message %d read as %q at %d", limit, i, m.MessageID, m.Offset)
			}
			i++
			if int64(cap(mr.held)) > 2*limit+4096 {
				t.Fatalf("limit %d: %d bytes held", limit, cap(mr.held))
			}
		}
		if i != n {
			t.Fatalf("limit %d: %d messages read, want %d", limit, i, n)
		}
	}
}
