// Package mail reads mail as it comes (single messages, mbox files, Maildir
// folders) and threads it into conversations. It is the pure core of the
// email-threaded activity log: no database, no network, nothing of the
// project imported. See README.md for the rules it follows.
package mail

import (
	"fmt"
	"time"
)

// An Address is one mailbox of a From, To or Cc header, with the display name
// decoded to UTF-8. Addr is lower-cased so that participants compare equal.
type Address struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr"`
}

// An Attachment is a part that is not shown as the body: its metadata, and
// its content when ReadOptions.KeepAttachments asks for it.
type Attachment struct {
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type"` // as declared
	Size        int64  `json:"size"`         // bytes after transfer decoding
	// DetectedType is the type its first bytes show (net/http's sniffing),
	// whatever it declares; set when ReadOptions.KeepAttachments > 0.
	DetectedType string `json:"detected_type,omitempty"`
	// Content holds the decoded bytes when ReadOptions.KeepAttachments > 0
	// and the attachment is no larger; nil otherwise.
	Content []byte `json:"-"`
}

// A TextPart is a text/plain or text/html part converted to UTF-8.
type TextPart struct {
	ContentType string `json:"content_type"`
	Charset     string `json:"charset,omitempty"` // as declared
	Text        string `json:"text"`
	// Raw holds the transfer-decoded bytes when the declared charset was
	// unknown or wrong and Text is a best-effort reading of them.
	Raw []byte `json:"raw,omitempty"`
}

// A Message is one mail as read, with the headers threading needs already
// decoded. Readers fill everything except Scope, which the caller sets (or
// ReadOptions.Scope does).
type Message struct {
	// Scope is the organization whose mailbox received the message.
	// Threading never links or groups messages of different scopes.
	Scope string

	// MessageID is the Message-ID header without angle brackets, empty if
	// missing or unreadable. The threader assigns synthetic ids for missing
	// and duplicate ones (see Node.ID), it never changes this field.
	MessageID  string
	InReplyTo  []string  // ids read from In-Reply-To
	References []string  // ids read from References, in order
	Date       time.Time // zero when the Date header is missing or unreadable
	// addrKeys are the hashes of the distinct From, To and Cc addresses,
	// computed when the message is read, while its addresses are in cache
	// (see listSketch); all zero when not computed (a message built by
	// hand, or one with more than four), and threading hashes the
	// addresses itself. With the fields above, they are what Add reads
	// of every message: together they fill two cache lines.
	addrKeys [4]uint32
	Subject  string // RFC 2047-decoded
	From     []Address
	To       []Address
	Cc       []Address
	// List is the address of the mailing list that delivered the message,
	// when its List-Post, List-Id or Sender header names one of its From,
	// To or Cc addresses (lower-cased, as there); empty otherwise. Subject
	// grouping does not count it as a shared participant: everyone on a
	// list shares it.
	List string
	// Received is when the mailbox got the message, if the source says so
	// (the mbox "From " line, the Maildir file name); used as the sent date
	// when Date is zero, as RFC 5256 uses INTERNALDATE.
	Received time.Time

	Text        []TextPart
	Attachments []Attachment

	// Where the message came from: file name, byte offset in it, size in
	// bytes, and Maildir flags ("S", "RS", ...) when read from a Maildir.
	File   string
	Offset int64
	Size   int64
	Flags  string

	// Truncated is set when the message was longer than the size limit and
	// only its first ReadOptions.MaxMessageBytes bytes were read.
	Truncated bool
	// BodyHash is a digest of the first bytes of the body; the threader
	// uses it to give messages without a usable Message-ID a stable id.
	BodyHash [8]byte
	// Problems lists what could not be read (a malformed header line, a
	// missing final boundary, an unknown charset...). The message is still
	// usable as far as it was read.
	Problems []string

	// keep is ReadOptions.KeepAttachments.
	keep int64
}

// SentDate is the date threading sorts by: Date, else Received (zero if
// neither is known).
func (m *Message) SentDate() time.Time {
	if !m.Date.IsZero() {
		return m.Date
	}
	return m.Received
}

// A ReadError is a message or file that could not be read at all. It names
// the file and the byte offset where the trouble starts.
type ReadError struct {
	File   string
	Offset int64
	Err    error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("%s at byte %d: %v", e.File, e.Offset, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }
