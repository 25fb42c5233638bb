package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Read streams the messages under path: a Maildir folder, a directory
// (walked for Maildirs, mbox files and single messages), an mbox file (it
// starts with "From ") or a single message. Messages come one at a time;
// a message, file or directory that cannot be read is yielded as a
// *ReadError with its file name and byte offset, and reading goes on.
// Stop early by breaking out of the loop.
func Read(path string, opts ReadOptions) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		fi, err := os.Stat(path)
		if err != nil {
			yield(nil, &ReadError{File: path, Err: err})
			return
		}
		if fi.IsDir() {
			readDir(path, opts, yield)
			return
		}
		readFile(path, opts, yield)
	}
}

func readDir(dir string, opts ReadOptions, yield func(*Message, error) bool) bool {
	if IsMaildir(dir) {
		files, err := maildirFiles(dir)
		if err != nil && !yield(nil, &ReadError{File: dir, Err: err}) {
			return false
		}
		for _, f := range files {
			if !readMaildirFile(f, opts, yield) {
				return false
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return yield(nil, &ReadError{File: dir, Err: err})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			// In a Maildir only Maildir++ subfolders hold mail; elsewhere
			// hidden directories (.notmuch, .git) are not mail either.
			if IsMaildir(dir) || strings.HasPrefix(e.Name(), ".") {
				if !IsMaildir(p) {
					continue
				}
			}
			if !readDir(p, opts, yield) {
				return false
			}
		case e.Type().IsRegular():
			if IsMaildir(dir) {
				if !readMaildirRoot(p, opts, yield) {
					return false
				}
				continue
			}
			if !readFile(p, opts, yield) {
				return false
			}
		}
	}
	return true
}

func readMaildirFile(path string, opts ReadOptions, yield func(*Message, error) bool) bool {
	m, err := readSingle(path, opts)
	if err != nil {
		return yield(nil, err)
	}
	m.Flags, m.Received = maildirInfo(path)
	return yield(m, nil)
}

// maildirMeta are the names of the files mail programs keep in a
// Maildir's root, which are not mail (dovecot-uidlist, dovecot.index...,
// courierimapuiddb, maildirsize, maildirfolder, subscriptions).
var maildirMeta = []string{"dovecot", "courier", "maildir", "subscriptions", ".", "tmp", "cur", "new"}

// readMaildirRoot reads a file found in a Maildir's root, where mail
// programs keep their own files and deliveries never go. A known
// program's file is skipped; anything else is read if it looks like a
// message (a problem says where it was found), otherwise reported as a
// ReadError, so that no mail is skipped without a word.
func readMaildirRoot(path string, opts ReadOptions, yield func(*Message, error) bool) bool {
	base := strings.ToLower(filepath.Base(path))
	for _, p := range maildirMeta {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	m, err := readSingle(path, opts)
	if err != nil {
		return yield(nil, err)
	}
	if m.MessageID == "" && len(m.From) == 0 && m.Date.IsZero() {
		return yield(nil, &ReadError{File: path, Err: errNotMail})
	}
	m.problemf("in the Maildir's root, not in cur/ or new/")
	return yield(m, nil)
}

var errNotMail = errors.New("in a Maildir's root and not a message (no Message-ID, From or Date): skipped")

// readFile reads an mbox (the file starts with "From ") or a single message.
func readFile(path string, opts ReadOptions, yield func(*Message, error) bool) bool {
	f, err := os.Open(path)
	if err != nil {
		return yield(nil, &ReadError{File: path, Err: err})
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(5)
	// A single message saved with its envelope line (as mutt and Thunderbird
	// save a .eml) starts with "From " too: a .eml is never an mbox, so a
	// "From " line in its body (an attached patch) cannot split it.
	if (bytes.Equal(head, []byte("From ")) && !isMessageName(path)) || isMboxName(path) {
		mr := NewMboxReader(br, path, opts)
		for {
			m, err := mr.Next()
			if err == io.EOF {
				return true
			}
			if !yield(m, err) {
				return false
			}
		}
	}
	m, err := readLimited(br, path, opts)
	if err != nil {
		return yield(nil, err)
	}
	return yield(m, nil)
}

var errEmpty = errors.New("empty message")

func isMboxName(path string) bool {
	switch filepath.Ext(path) {
	case ".mbox", ".mbx":
		return true
	}
	return filepath.Base(path) == "mbox"
}

// isMessageName reports whether a file name says it holds one message.
func isMessageName(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".eml")
}

func readSingle(path string, opts ReadOptions) (*Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	defer f.Close()
	return readLimited(f, path, opts)
}

// readLimited reads one message of at most the size limit; the rest of a
// longer one is not read at all.
func readLimited(r io.Reader, path string, opts ReadOptions) (*Message, error) {
	limit := opts.limit()
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &ReadError{File: path, Offset: int64(len(raw)), Err: err}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &ReadError{File: path, Offset: 0, Err: errEmpty}
	}
	truncated := int64(len(raw)) > limit
	if truncated {
		raw = raw[:limit]
	}
	m := ParseMessage(raw, opts)
	m.File = path
	if truncated {
		m.Truncated = true
		m.problemf("longer than %d bytes, the rest skipped", limit)
	}
	return m, nil
}

// ReadMessage reads one message from r with the size limit of opts; file
// names it in Message.File and errors.
func ReadMessage(r io.Reader, file string, opts ReadOptions) (*Message, error) {
	m, err := readLimited(r, file, opts)
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	return m, nil
}
