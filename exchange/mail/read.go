package mail

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// DefaultMaxMessageBytes is the per-message size limit when
// ReadOptions.MaxMessageBytes is zero.
const DefaultMaxMessageBytes = 32 << 20

// ReadOptions control the readers.
type ReadOptions struct {
	// MaxMessageBytes is the most bytes read of one message; the rest is
	// skipped without being held in memory, and the message is marked
	// Truncated. Zero means DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// HeadersOnly skips MIME bodies: text parts and attachments stay empty.
	// Threading needs only the headers.
	HeadersOnly bool
	// Scope is copied into every message read.
	Scope string
	// KeepAttachments, when above zero, keeps the content of each
	// attachment of at most this many bytes (Attachment.Content) and sniffs
	// every attachment's type (Attachment.DetectedType).
	KeepAttachments int64
}

func (o ReadOptions) limit() int64 {
	if o.MaxMessageBytes <= 0 {
		return DefaultMaxMessageBytes
	}
	return o.MaxMessageBytes
}

// bodyHashBytes is how much of the body goes into Message.BodyHash.
const bodyHashBytes = 4096

// maxParts and maxDepth bound the MIME tree walked in one message.
const (
	maxParts = 1000
	maxDepth = 20
)

// ParseMessage reads one message from raw, which holds at most the size
// limit (the caller cuts it). It never fails: whatever cannot be read is
// listed in Message.Problems, and a message of pure garbage comes back with
// empty headers, to be threaded under a synthetic id.
func ParseMessage(raw []byte, opts ReadOptions) *Message {
	m := &Message{Scope: opts.Scope, Size: int64(len(raw)), keep: opts.KeepAttachments}
	var buf [32]headerField
	fields, bodyStart, bad := splitHeader(raw, buf[:0])
	if bad > 0 {
		m.problemf("%d header line(s) without a colon skipped", bad)
	}
	threadingHeaders(m, fields)
	body := raw[bodyStart:]
	h := body
	if len(h) > bodyHashBytes {
		h = h[:bodyHashBytes]
	}
	sum := sha256.Sum256(h)
	copy(m.BodyHash[:], sum[:])
	if !opts.HeadersOnly {
		var th textproto.Header
		for i := len(fields) - 1; i >= 0; i-- {
			// textproto.Header.Add prepends; walk backwards to keep order.
			th.Add(string(fields[i].key), string(fields[i].value))
		}
		readBody(m, message.Header{Header: th}, body)
	}
	return m
}

func (m *Message) problemf(format string, args ...any) {
	if len(m.Problems) < 20 {
		m.Problems = append(m.Problems, fmt.Sprintf(format, args...))
	}
}

// readBody walks the MIME tree with go-message, keeping text parts and
// attachment metadata. It stops at the first part it cannot read.
func readBody(m *Message, h message.Header, body []byte) {
	parts := 0
	if err := leaf(m, h, bytes.NewReader(body), &parts, 0); err != nil {
		m.problemf("body: %v", err)
	}
}

// leaf reads one entity; for a multipart it walks the parts depth-first.
func leaf(m *Message, h message.Header, r io.Reader, parts *int, depth int) error {
	*parts++
	if *parts > maxParts {
		return errors.New("too many MIME parts")
	}
	mediaType, params, err := h.ContentType()
	if err != nil || mediaType == "" {
		if h.Get("Content-Type") != "" {
			m.problemf("unreadable Content-Type %q, read as text/plain", h.Get("Content-Type"))
		}
		mediaType, params = "text/plain", map[string]string{"charset": paramCharset(h.Get("Content-Type"))}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" || depth >= maxDepth {
			m.problemf("multipart without boundary or nested too deep, read as text")
			return text(m, "text/plain", "", r)
		}
		mr := textproto.NewMultipartReader(r, boundary)
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("part %d of %s: %w", *parts, mediaType, err)
			}
			if err := leaf(m, message.Header{Header: p.Header}, p, parts, depth+1); err != nil {
				return err
			}
		}
	}
	if mediaType == "message/rfc822" && depth < maxDepth {
		// A forwarded message: its body parts are part of this message.
		inner, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		var buf [16]headerField
		fields, start, _ := splitHeader(inner, buf[:0])
		var th textproto.Header
		for i := len(fields) - 1; i >= 0; i-- {
			th.Add(string(fields[i].key), string(fields[i].value))
		}
		m.Attachments = append(m.Attachments, Attachment{ContentType: mediaType, Size: int64(len(inner)), Filename: attachmentName(message.Header{Header: th}, "")})
		return leaf(m, message.Header{Header: th}, bytes.NewReader(inner[start:]), parts, depth+1)
	}
	// Transfer decoding only: the charset is ours to handle, so that a
	// wrong one still gives readable text and the raw bytes.
	dh := h.Copy()
	dh.Del("Content-Type")
	ent, err := message.New(dh, r)
	if err != nil && !message.IsUnknownEncoding(err) {
		return err
	}
	if err != nil {
		m.problemf("unknown transfer encoding %q, read as is", h.Get("Content-Transfer-Encoding"))
	}
	disp, dparams, _ := h.ContentDisposition()
	isText := mediaType == "text/plain" || mediaType == "text/html"
	if isText && disp != "attachment" && dparams["filename"] == "" {
		return text(m, mediaType, params["charset"], ent.Body)
	}
	att := Attachment{Filename: attachmentName(h, params["name"]), ContentType: mediaType}
	if m.keep > 0 {
		var b []byte
		b, err = io.ReadAll(io.LimitReader(ent.Body, m.keep+1))
		att.Size = int64(len(b))
		att.DetectedType = http.DetectContentType(b)
		if att.Size <= m.keep {
			att.Content = b
		} else {
			rest, cerr := io.Copy(io.Discard, ent.Body)
			att.Size += rest
			if err == nil {
				err = cerr
			}
		}
	} else {
		att.Size, err = io.Copy(io.Discard, ent.Body)
	}
	m.Attachments = append(m.Attachments, att)
	if err != nil {
		m.problemf("attachment %d: %v", len(m.Attachments), err)
	}
	return nil
}

func paramCharset(ct string) string {
	ct = strings.ToLower(ct)
	i := strings.Index(ct, "charset=")
	if i < 0 {
		return ""
	}
	v := ct[i+len("charset="):]
	if j := strings.IndexAny(v, "; \t"); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(v, `"'`)
}

func attachmentName(h message.Header, fallback string) string {
	ah := gomail.AttachmentHeader{Header: h}
	if name, err := ah.Filename(); err == nil && name != "" {
		return name
	}
	if fallback != "" {
		return decodeText([]byte(fallback))
	}
	return ""
}

// text decodes a text part. A known charset is used when the bytes fit it;
// unknown or lying charsets fall back to UTF-8 when the bytes are valid
// UTF-8, else to Windows-1252, and the raw bytes are kept.
func text(m *Message, mediaType, cs string, r io.Reader) error {
	raw, err := io.ReadAll(r)
	tp := TextPart{ContentType: mediaType, Charset: cs}
	lc := strings.ToLower(strings.TrimSpace(cs))
	switch {
	case lc == "" || lc == "us-ascii" || lc == "utf-8" || lc == "utf8":
		if utf8.Valid(raw) {
			tp.Text = string(raw)
		} else {
			tp.Text, tp.Raw = latin(raw), raw
			m.problemf("text declared %q is not UTF-8, read as Windows-1252", cs)
		}
	default:
		dec, derr := charset.Reader(cs, bytes.NewReader(raw))
		var out []byte
		if derr == nil {
			out, derr = io.ReadAll(dec)
		}
		switch {
		case derr != nil:
			tp.Raw = raw
			if utf8.Valid(raw) {
				tp.Text = string(raw)
			} else {
				tp.Text = latin(raw)
			}
			m.problemf("unknown charset %q, read as best guess", cs)
		case isSingleByteLatin(lc) && !isASCII(raw) && utf8.Valid(raw):
			// Declared Latin-1 but really UTF-8 (the common lie): decoding
			// as declared would give mojibake.
			tp.Text, tp.Raw = string(raw), raw
			m.problemf("text declared %q is UTF-8, read as UTF-8", cs)
		default:
			tp.Text = strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	m.Text = append(m.Text, tp)
	return err
}

func isSingleByteLatin(cs string) bool {
	return strings.HasPrefix(cs, "iso-8859-") || strings.HasPrefix(cs, "windows-125") || cs == "latin1" || cs == "cp1252"
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
