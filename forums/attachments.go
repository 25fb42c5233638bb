package forums

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// MaxAttachment is the largest attachment, in bytes.
const MaxAttachment = 5 << 20

// MaxAttachments is how many files a post carries at most.
const MaxAttachments = 10

// Attachment is a file attached to a post, stored in the database (bytea)
// beside it. Its type is what its first bytes say it is, never what the
// upload claimed.
type Attachment struct {
	ID           int64     `db:"id" json:"id"`
	PostID       int64     `db:"post_id" json:"post_id"`
	ThreadID     int64     `db:"thread_id" json:"thread_id"`
	SpaceID      int64     `db:"space_id" json:"space_id"`
	UploaderUser *int64    `db:"uploader_user_id" json:"uploader_user_id"`
	UploaderOrg  int64     `db:"uploader_org_id" json:"uploader_org_id"`
	Filename     string    `db:"filename" json:"filename"`
	ContentType  string    `db:"content_type" json:"content_type"`
	Size         int       `db:"size" json:"size"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

// Image reports whether the attachment is an image a page may show inline.
func (at Attachment) Image() bool { return strings.HasPrefix(at.ContentType, "image/") }

const attachmentColumns = `a.id, a.post_id, a.thread_id, a.space_id, a.uploader_user_id, a.uploader_org_id, a.filename, a.content_type, a.size, a.created_at`

// officeTypes are the office documents taken, by extension, once the content
// is a zip (OOXML, OpenDocument) or an OLE compound file (the older formats).
var officeTypes = map[string]struct {
	container string
	mime      string
}{
	".docx": {"ooxml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	".xlsx": {"ooxml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	".pptx": {"ooxml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	".odt":  {"odf", "application/vnd.oasis.opendocument.text"},
	".ods":  {"odf", "application/vnd.oasis.opendocument.spreadsheet"},
	".odp":  {"odf", "application/vnd.oasis.opendocument.presentation"},
	".doc":  {"ole", "application/msword"},
	".xls":  {"ole", "application/vnd.ms-excel"},
	".ppt":  {"ole", "application/vnd.ms-powerpoint"},
}

// textExtensions are the names under which plain text is taken.
var textExtensions = map[string]string{".txt": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".log": "text/plain; charset=utf-8"}

// Sniff says what a file is from its content (magic bytes), with its name's
// extension to tell office documents and text apart: PNG, JPEG, GIF and WebP
// images, PDF, plain text (UTF-8, no control bytes) and office documents (OOXML
// and OpenDocument zips with their manifest, OLE compound files). Anything
// else (an executable, HTML, SVG, a zip that is no document, a name that lies
// about its content) is refused. Errors: Invalid naming "file".
func Sniff(name string, data []byte) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", nil
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif", nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp", nil
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		t, ok := officeTypes[ext]
		if !ok || t.container == "ole" || !zipHas(data, t.container) {
			return "", apperr.Field("file", "%q is a zip archive that is no office document: attach images, PDF, text or office documents", name)
		}
		return t.mime, nil
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		t, ok := officeTypes[ext]
		if !ok || t.container != "ole" {
			return "", apperr.Field("file", "%q is not a .doc, .xls or .ppt document", name)
		}
		return t.mime, nil
	}
	if t, ok := textExtensions[ext]; ok && isText(data) {
		return t, nil
	}
	return "", apperr.Field("file", "%q is not a file type the forums take: images (PNG, JPEG, GIF, WebP), PDF, text (.txt, .csv, .md, .log) or office documents", name)
}

// zipHas reports whether a zip holds the manifest of its kind of document.
func zipHas(data []byte, kind string) bool {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	want := "[Content_Types].xml"
	if kind == "odf" {
		want = "mimetype"
	}
	for _, f := range r.File {
		if f.Name == want {
			return true
		}
	}
	return false
}

// isText reports whether data is UTF-8 text without control bytes other than
// tab, line feed, carriage return and form feed.
func isText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' || b == 0x7f {
			return false
		}
	}
	return true
}

// cleanName is the name a file is stored under: its base name, without
// control characters or path separators, at most 200 characters.
func cleanName(name string) (string, error) {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "", apperr.Field("file", "the file has no name")
	}
	if r := []rune(name); len(r) > 200 {
		ext := path.Ext(name)
		if len([]rune(ext)) > 20 {
			ext = ""
		}
		name = string(r[:200-len([]rune(ext))]) + ext
	}
	return name, nil
}

// Attach attaches a file to the actor's own post: the post's author (a
// person), not in a locked thread nor on a hidden post; at most MaxAttachments
// per post, each at most MaxAttachment bytes, of a type Sniff takes. Who may
// is checked before what is sent (an empty name or file is Invalid after).
// Errors: Forbidden, Invalid, NotFound, Conflict.
func (s *Service) Attach(ctx context.Context, a partners.Actor, postID int64, name string, data []byte) (*Attachment, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	var out Attachment
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, t, p, err := s.postAndSpace(ctx, tx, a, postID, true)
		if err != nil {
			return err
		}
		if a.User == 0 || p.AuthorUser == nil || *p.AuthorUser != a.User {
			return apperr.E(apperr.Forbidden, "Only its author attaches files to a post.")
		}
		if t.Locked {
			return apperr.E(apperr.Conflict, "Thread %d is locked: its posts no longer change.", t.ID)
		}
		if p.HiddenAt != nil {
			return apperr.E(apperr.Conflict, "Post %d is hidden by a moderator.", postID)
		}
		name, err := cleanName(name)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return apperr.Field("file", "%q is empty", name)
		}
		if len(data) > MaxAttachment {
			return apperr.Field("file", "%q is %d bytes: at most %d are taken", name, len(data), MaxAttachment)
		}
		ctype, err := Sniff(name, data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM forum_attachments WHERE network_id = $1 AND post_id = $2`, a.Network, postID); err != nil {
			return err
		}
		if n >= MaxAttachments {
			return apperr.Field("file", "post %d has %d files already: at most %d", postID, n, MaxAttachments)
		}
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO forum_attachments (network_id, post_id, thread_id, space_id, uploader_user_id, uploader_org_id,
				filename, content_type, size, sha256, data, member_orgs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			a.Network, postID, t.ID, sp.ID, nullID(a.User), a.Org, name, ctype, len(data), sum[:], data, orgsArg(sp.MemberOrgs)); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, "forum.attachment.add", "forum_post", postID, map[string]any{"attachment": id, "filename": name, "size": len(data), "type": ctype}); err != nil {
			return err
		}
		return tx.GetContext(ctx, &out, `SELECT `+attachmentColumns+` FROM forum_attachments a WHERE a.network_id = $1 AND a.id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// threadAttachments lists the attachments of a thread's posts, in tx, by
// post: the caller has checked the thread is visible and keeps only the posts
// it shows.
func threadAttachments(ctx context.Context, tx *sqlx.Tx, network, thread int64) (map[int64][]Attachment, error) {
	var list []Attachment
	if err := tx.SelectContext(ctx, &list, `SELECT `+attachmentColumns+` FROM forum_attachments a WHERE a.network_id = $1 AND a.thread_id = $2 ORDER BY a.post_id, a.id`,
		network, thread); err != nil {
		return nil, err
	}
	out := map[int64][]Attachment{}
	for _, at := range list {
		out[at.PostID] = append(out[at.PostID], at)
	}
	return out, nil
}

// Attachments lists a post's attachments. Errors: NotFound (the post, its
// thread or its space is not visible to the actor, or the post is hidden).
func (s *Service) Attachments(ctx context.Context, a partners.Actor, postID int64) ([]Attachment, error) {
	var out []Attachment
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, _, _, err := s.postAndSpace(ctx, tx, a, postID, false); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, `SELECT `+attachmentColumns+` FROM forum_attachments a WHERE a.network_id = $1 AND a.post_id = $2 ORDER BY a.id`, a.Network, postID)
	})
	if out == nil {
		out = []Attachment{}
	}
	return out, err
}

// Download returns an attachment with its content, read through the
// visibility path of its post: whoever cannot see the space now (a revoked
// partnership, a lost share, a private space left), or the post (hidden by a
// moderator), or the thread (hidden), gets NotFound, as for an attachment
// that does not exist.
func (s *Service) Download(ctx context.Context, a partners.Actor, id int64) (*Attachment, []byte, error) {
	var out Attachment
	var data []byte
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var postID int64
		if err := tx.GetContext(ctx, &postID, `SELECT post_id FROM forum_attachments WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
			return db.Absent(err, "Attachment %d not found.", id)
		}
		if _, _, _, err := s.postAndSpace(ctx, tx, a, postID, false); err != nil {
			return apperr.E(apperr.NotFound, "Attachment %d not found.", id)
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+attachmentColumns+` FROM forum_attachments a WHERE a.network_id = $1 AND a.id = $2`, a.Network, id); err != nil {
			return db.Absent(err, "Attachment %d not found.", id)
		}
		return tx.GetContext(ctx, &data, `SELECT data FROM forum_attachments WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, nil, err
	}
	return &out, data, nil
}

// KiB is the attachment's size in kibibytes, rounded up.
func (at Attachment) KiB() int { return (at.Size + 1023) / 1024 }
