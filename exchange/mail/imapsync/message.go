package imapsync

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// MessageView is a stored message as its organization's users read it: the
// text, the HTML as stored (cleaned, no remote images) and the attachments'
// metadata.
type MessageView struct {
	ID             int64            `json:"id"`
	Subject        string           `json:"subject"`
	From           string           `json:"from"`
	FromName       string           `json:"from_name"`
	To             []string         `json:"to"`
	Cc             []string         `json:"cc"`
	SentAt         *time.Time       `json:"sent_at"`
	ConversationID string           `json:"conversation_id"`
	Text           string           `json:"text"`
	HTML           string           `json:"html"`
	Attachments    []AttachmentMeta `json:"attachments"`
	Problems       []string         `json:"problems"`
}

// AttachmentMeta describes an attachment: Position names it for the
// download; Stored is false when it was larger than the hub keeps.
type AttachmentMeta struct {
	Position     int    `json:"position" db:"position"`
	Filename     string `json:"filename" db:"filename"`
	ContentType  string `json:"content_type" db:"content_type"`
	DetectedType string `json:"detected_type" db:"detected_type"`
	Size         int64  `json:"size" db:"size"`
	Stored       bool   `json:"stored" db:"stored"`
}

// Message returns a message of the actor's organization: mail is its
// organization's alone, whoever else sees the records it is linked to.
// Errors: NotFound.
func (s *Service) Message(ctx context.Context, a partners.Actor, id int64) (*MessageView, error) {
	var out MessageView
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r struct {
			Subject  string         `db:"subject"`
			From     string         `db:"from_addr"`
			FromName string         `db:"from_name"`
			To       pq.StringArray `db:"to_addrs"`
			Cc       pq.StringArray `db:"cc_addrs"`
			SentAt   *time.Time     `db:"sent_at"`
			Conv     string         `db:"conversation_id"`
			Text     string         `db:"text_body"`
			HTML     string         `db:"html_body"`
			Problems pq.StringArray `db:"problems"`
		}
		if err := tx.GetContext(ctx, &r, `SELECT subject, from_addr, from_name, to_addrs, cc_addrs, sent_at, conversation_id, text_body, html_body, problems
			FROM mail_messages WHERE network_id = $1 AND id = $2 AND owner_org_id = $3`, a.Network, id, a.Org); err != nil {
			return db.Absent(err, "Message %d not found.", id)
		}
		out = MessageView{ID: id, Subject: r.Subject, From: r.From, FromName: r.FromName, To: nonNilStrings(r.To), Cc: nonNilStrings(r.Cc),
			SentAt: r.SentAt, ConversationID: r.Conv, Text: r.Text, HTML: r.HTML, Problems: nonNilStrings(r.Problems), Attachments: []AttachmentMeta{}}
		return tx.SelectContext(ctx, &out.Attachments, `SELECT position, filename, content_type, detected_type, size, content IS NOT NULL AS stored
			FROM mail_attachments WHERE network_id = $1 AND message_id = $2 ORDER BY position`, a.Network, id)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func nonNilStrings(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// AttachmentFile is an attachment to download.
type AttachmentFile struct {
	AttachmentMeta
	Content []byte
}

// Attachment returns an attachment of a message of the actor's organization.
// Errors: NotFound (no such message or attachment), Invalid (larger than the
// hub keeps: listed, not stored).
func (s *Service) Attachment(ctx context.Context, a partners.Actor, id int64, position int) (*AttachmentFile, error) {
	var out AttachmentFile
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r struct {
			AttachmentMeta
			Content []byte `db:"content"`
		}
		if err := tx.GetContext(ctx, &r, `SELECT position, filename, content_type, detected_type, size, content IS NOT NULL AS stored, content
			FROM mail_attachments WHERE network_id = $1 AND message_id = $2 AND position = $3 AND owner_org_id = $4`,
			a.Network, id, position, a.Org); err != nil {
			return db.Absent(err, "Message %d has no attachment %d.", id, position)
		}
		if !r.Stored {
			return apperr.E(apperr.Invalid, "Attachment %d of message %d (%s, %d bytes) is larger than the %d bytes the hub keeps: open it in your mail program.",
				position, id, r.Filename, r.Size, s.maxAttachment())
		}
		out = AttachmentFile{AttachmentMeta: r.AttachmentMeta, Content: r.Content}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
