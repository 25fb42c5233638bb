package mail

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"time"
)

// An MboxReader streams the messages of an mbox file one at a time, holding
// at most one message (cut at the size limit) in memory.
//
// A line starting with "From " separates messages when it follows an empty
// line (or starts the file) and looks like an envelope line ("From sender
// date" with a time and a year); other "From " lines, which careless writers
// leave unquoted in bodies, stay in the body. Quoted ">From " lines are
// unquoted the mboxrd way (one '>' removed from ">>From " as well), which
// reads mboxo files correctly except for body lines that originally began
// with ">From ".
type MboxReader struct {
	br      *bufio.Reader
	file    string
	opts    ReadOptions
	off     int64 // offset of the next unread byte
	pending *envelope
	started bool
	done    bool
	buf     []byte
	// held is the input from the first envelope-like line inside a
	// multipart body on, as read (see readUntilSeparator); replay is
	// what of it is to be read again, before br.
	held   []byte
	replay []byte
}

type envelope struct {
	offset   int64
	received time.Time
}

// NewMboxReader reads an mbox from r; file names it in errors and in
// Message.File.
func NewMboxReader(r io.Reader, file string, opts ReadOptions) *MboxReader {
	return &MboxReader{br: bufio.NewReaderSize(r, 64<<10), file: file, opts: opts}
}

// Next returns the next message, or io.EOF after the last one. A message
// that cannot be read is returned as a *ReadError naming the file and
// offset; the reader can go on after it. Content before the first "From "
// line is read as a message of its own, with a problem noted.
func (r *MboxReader) Next() (*Message, error) {
	for !r.done {
		env := r.pending
		r.pending = nil
		leading := false
		if env == nil {
			if r.started {
				r.done = true
				return nil, io.EOF
			}
			leading = true
			env = &envelope{offset: r.off}
		}
		r.started = true
		raw, truncated, err := r.readUntilSeparator()
		if err != nil {
			r.done = true
			return nil, &ReadError{File: r.file, Offset: r.off, Err: err}
		}
		if leading && len(bytes.TrimSpace(raw)) == 0 {
			continue // an ordinary mbox: nothing before the first "From " line
		}
		m := ParseMessage(raw, r.opts)
		m.File, m.Offset, m.Received = r.file, env.offset, env.received
		if truncated {
			m.Truncated = true
			m.problemf("longer than %d bytes, the rest skipped", r.opts.limit())
		}
		if leading {
			m.problemf("mbox without a leading \"From \" line: the text before the first one read as a message")
		}
		return m, nil
	}
	return nil, io.EOF
}

// readUntilSeparator reads one message body up to the next envelope line
// (stored in r.pending) or the end of input, unquoting ">From " lines.
//
// Inside a multipart body, before its closing delimiter, an envelope-like
// line is most likely part of an attachment (a patch made by `git
// format-patch` starts with "From <commit> Mon Sep 17 00:00:00 2001"),
// which careless mbox writers leave unquoted. Such a line does not end the
// message when the closing delimiter follows. The input from that line on
// is held as read; if the input ends (or the message reaches the size
// limit) with the multipart still open, the message ends at that line
// after all, and the held input is read again as the messages it holds,
// without this exception, so that every byte is read at most twice.
func (r *MboxReader) readUntilSeparator() (raw []byte, truncated bool, err error) {
	limit := r.opts.limit()
	r.buf = r.buf[:0]
	prevEmpty := true // the envelope line counts as a start
	atLineStart := true
	plain := len(r.replay) > 0 // held input read again: no exception
	inHeader := true
	var boundary []byte // "--" + the top-level boundary, while open
	var held struct {
		buf  int // where the message ends, in r.buf, if it ends there
		env  envelope
		line int // length of the envelope line
	}
	holding := false
	for {
		lineStart := r.off
		line, rerr := r.nextLine()
		r.off += int64(len(line))
		if holding {
			r.held = append(r.held, line...)
		}
		complete := len(line) > 0 && line[len(line)-1] == '\n'
		if atLineStart && len(line) > 0 {
			if prevEmpty && bytes.HasPrefix(line, []byte("From ")) && complete {
				if rt, ok := envelopeLine(line); ok {
					if boundary == nil || plain {
						r.pending = &envelope{offset: lineStart, received: rt}
						// The empty line before an envelope belongs to the mbox.
						return trimEnvelopeGap(r.buf), truncated, nil
					}
					if !holding {
						holding = true
						held.buf, held.env, held.line = len(r.buf), envelope{offset: lineStart, received: rt}, len(line)
						r.held = append(r.held[:0], line...)
					}
				}
			}
			if isQuotedFrom(line) {
				line = line[1:]
			}
			if boundary != nil && complete && bytes.HasPrefix(line, boundary) &&
				bytes.Equal(bytes.TrimRight(line[len(boundary):], " \t\r\n"), []byte("--")) {
				boundary, holding = nil, false // closed: what was held was body
			}
		}
		if len(line) > 0 && !truncated {
			if int64(len(r.buf)+len(line)) > limit {
				r.buf = append(r.buf, line[:limit-int64(len(r.buf))]...)
				truncated = true
			} else {
				r.buf = append(r.buf, line...)
			}
		}
		if len(line) > 0 {
			if atLineStart {
				trimmed := bytes.TrimRight(line, "\r\n")
				prevEmpty = complete && len(trimmed) == 0
				if inHeader && prevEmpty {
					inHeader = false
					if !plain {
						boundary = topBoundary(r.buf)
					}
				}
			} else if complete {
				prevEmpty = false
			}
			atLineStart = complete
		}
		if holding && (truncated || rerr == io.EOF) {
			// The multipart never closed: the held envelope line was one.
			r.pending = &held.env
			r.replay = r.held[held.line:]
			r.off = held.env.offset + int64(held.line)
			r.done = false
			return trimEnvelopeGap(r.buf[:held.buf]), false, nil
		}
		switch {
		case rerr == nil || errors.Is(rerr, bufio.ErrBufferFull):
		case rerr == io.EOF:
			r.done = r.pending == nil
			return r.buf, truncated, nil
		default:
			return nil, truncated, rerr
		}
	}
}

// nextLine returns the next line (or the part of one that fits the
// buffer): from held input being read again, then from the reader.
func (r *MboxReader) nextLine() ([]byte, error) {
	if len(r.replay) > 0 {
		line := r.replay
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		r.replay = r.replay[len(line):]
		return line, nil
	}
	return r.br.ReadSlice('\n')
}

// trimEnvelopeGap removes the empty line before an envelope line, which
// belongs to the mbox, not to the message.
func trimEnvelopeGap(raw []byte) []byte {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	return bytes.TrimSuffix(raw, []byte("\r"))
}

// topBoundary returns "--" and the boundary of a message whose header is
// head, when it is a multipart, else nil.
func topBoundary(head []byte) []byte {
	if !containsFold(head, "multipart/") {
		return nil
	}
	var buf [32]headerField
	fields, _, _ := splitHeader(head, buf[:0])
	for _, f := range fields {
		if keyIs(f.key, "content-type") {
			mt, params, err := mime.ParseMediaType(string(f.value))
			if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
				return nil
			}
			return []byte("--" + params["boundary"])
		}
	}
	return nil
}

func isQuotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

// envelopeLine recognizes "From sender date..." and reads its date, which
// may be missing or odd; the shape (a hh:mm time and a four-digit year) is
// what tells an envelope from a body line.
func envelopeLine(line []byte) (time.Time, bool) {
	s := strings.TrimRight(string(line[5:]), "\r\n")
	f := strings.Fields(s)
	if len(f) < 2 {
		return time.Time{}, false
	}
	rest := f[1:]
	if len(f) > 3 && f[1] == "at" {
		rest = f[3:] // pipermail: "From user at example.com  Mon Jan  5 ..."
	}
	hasTime, hasYear := false, false
	for _, w := range rest {
		if len(w) >= 5 && w[2] == ':' && isDigits(w[:2]) && isDigits(w[3:5]) {
			hasTime = true
		}
		if len(w) == 4 && isDigits(w) {
			hasYear = true
		}
	}
	if !hasTime || !hasYear {
		return time.Time{}, false
	}
	d := strings.Join(rest, " ")
	for _, layout := range []string{time.ANSIC, "Mon Jan 2 15:04:05 2006 -0700", "Mon Jan 2 15:04:05 MST 2006", "Mon Jan 2 15:04 2006"} {
		if t, err := time.Parse(layout, d); err == nil {
			return t, true
		}
	}
	t, _ := parseDate(d)
	return t, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
