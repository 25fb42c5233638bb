// Package notify keeps in-app notifications (list, unread count, mark read) and
// sends them by email through the configured SMTP relay from a background job.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
)

// Notification is a message to one user.
type Notification struct {
	Network int64  `db:"network_id" json:"-"`
	ID      int64  `db:"id" json:"id"`
	User    int64  `db:"user_id" json:"user_id"`
	Kind    string `db:"kind" json:"kind"`
	Title   string `db:"title" json:"title"`
	Body    string `db:"body" json:"body"`
	Link    string `db:"link" json:"link"`
	// Message holds the title's and body's message ids and arguments, from which
	// Title and Body are rendered in the reader's language when read.
	Message   []byte     `db:"message" json:"-"`
	ReadAt    *time.Time `db:"read_at" json:"read_at"`
	EmailedAt *time.Time `db:"emailed_at" json:"emailed_at"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
}

// EmailJob is the job kind that emails a notification.
const EmailJob = "notify.email"

type emailPayload struct {
	Notification int64 `json:"notification"`
	User         int64 `json:"user"`
	Org          int64 `json:"org"`
}

// message is how a notification's texts are stored: message ids and arguments.
type message struct {
	Title msgJSON `json:"title"`
	Body  msgJSON `json:"body"`
}

type msgJSON struct {
	Format string `json:"f"`
	Args   []any  `json:"a,omitempty"`
}

// decode turns stored arguments back into what the format's verbs expect: JSON
// numbers become int64 when whole, float64 otherwise.
func (m msgJSON) decode() l10n.Msg {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if n, ok := a.(json.Number); ok {
			if v, err := n.Int64(); err == nil {
				a = v
			} else if f, err := n.Float64(); err == nil {
				a = f
			}
		}
		args[i] = a
	}
	return l10n.Msg{Format: m.Format, Args: args}
}

// Send stores a notification for a user of org inside the caller's transaction and
// queues its email. Title and body are kept as messages and rendered in the
// reader's language whenever they are read or emailed.
func Send(ctx context.Context, tx *sqlx.Tx, network, org, user int64, kind string, title, body l10n.Msg, link string) (int64, error) {
	return send(ctx, tx, network, org, user, kind, title, body, link, true)
}

// SendInApp stores a notification as Send does but queues no email: for a
// reader who asked not to be mailed of it (the forums' digest or "off").
func SendInApp(ctx context.Context, tx *sqlx.Tx, network, org, user int64, kind string, title, body l10n.Msg, link string) (int64, error) {
	return send(ctx, tx, network, org, user, kind, title, body, link, false)
}

func send(ctx context.Context, tx *sqlx.Tx, network, org, user int64, kind string, title, body l10n.Msg, link string, email bool) (int64, error) {
	msg, err := json.Marshal(message{msgJSON{title.Format, title.Args}, msgJSON{body.Format, body.Args}})
	if err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	// No RETURNING: the recipient's row is not readable by the sender.
	var id int64
	if err := tx.GetContext(ctx, &id, `SELECT nextval('notifications_id_seq')`); err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (network_id, id, user_id, kind, title, body, link, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		network, id, user, kind, title.In(""), body.In(""), link, msg); err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	if !email {
		return id, nil
	}
	if _, err := jobs.Enqueue(ctx, tx, network, org, EmailJob, emailPayload{id, user, org}); err != nil {
		return 0, err
	}
	return id, nil
}

// localize renders the notification's title and body in lang from its stored
// messages; rows without them keep their stored text.
func (n *Notification) localize(lang string) {
	if len(n.Message) == 0 {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(n.Message))
	dec.UseNumber()
	var m message
	if err := dec.Decode(&m); err != nil || m.Title.Format == "" {
		return
	}
	n.Title = m.Title.decode().In(lang)
	if m.Body.Format != "" {
		n.Body = m.Body.decode().In(lang)
	}
}

const columns = `network_id, id, user_id, kind, title, body, link, message, read_at, emailed_at, created_at`

// List returns the scope's user's notifications, newest first, before a cursor,
// rendered in lang.
func List(ctx context.Context, d *db.DB, s db.Scope, lang string, before int64, limit int) ([]Notification, error) {
	if before <= 0 {
		before = 1 << 62
	}
	var out []Notification
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+columns+`
			FROM notifications WHERE network_id = $1 AND user_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`, s.Network, s.User, before, limit)
	})
	for i := range out {
		out[i].localize(lang)
	}
	return out, err
}

// ListAfter returns the scope's user's notifications just after the id after
// (a previous page): the limit oldest of those, newest first.
func ListAfter(ctx context.Context, d *db.DB, s db.Scope, lang string, after int64, limit int) ([]Notification, error) {
	var out []Notification
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+columns+`
			FROM notifications WHERE network_id = $1 AND user_id = $2 AND id > $3 ORDER BY id LIMIT $4`, s.Network, s.User, after, limit)
	})
	slices.Reverse(out)
	for i := range out {
		out[i].localize(lang)
	}
	return out, err
}

// Count counts the scope's user's notifications (the notifications page's
// total, from the index notifications_user).
func Count(ctx context.Context, d *db.DB, s db.Scope) (int, error) {
	var n int
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM notifications WHERE network_id = $1 AND user_id = $2`, s.Network, s.User)
	})
	return n, err
}

// Unread counts the scope's user's unread notifications.
func Unread(ctx context.Context, d *db.DB, s db.Scope) (int, error) {
	var n int
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM notifications WHERE network_id = $1 AND user_id = $2 AND read_at IS NULL`, s.Network, s.User)
	})
	return n, err
}

// MarkRead marks the given notifications (all when ids is empty) as read and
// returns how many changed.
func MarkRead(ctx context.Context, d *db.DB, s db.Scope, ids []int64) (int64, error) {
	var n int64
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		q := `UPDATE notifications SET read_at = now() WHERE network_id = $1 AND user_id = $2 AND read_at IS NULL`
		args := []any{s.Network, s.User}
		if len(ids) > 0 {
			q += ` AND id = ANY($3)`
			args = append(args, pqInt64Array(ids))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Mailer sends email through an SMTP relay.
type Mailer struct {
	Addr     string // host:port; empty disables email
	From     string
	Username string
	Password string
	// Insecure allows plain SMTP without STARTTLS (a local relay, tests).
	Insecure bool
}

// Send sends a plain-text message.
func (m *Mailer) Send(to, subject, body string) error {
	if m.Addr == "" {
		return nil
	}
	if _, err := mail.ParseAddress(to); err != nil {
		return fmt.Errorf("send mail: bad recipient %q", to)
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		m.From, to, mime.QEncoding.Encode("utf-8", subject), time.Now().Format(time.RFC1123Z))
	msg.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	var auth sasl.Client
	if m.Username != "" {
		auth = sasl.NewPlainClient("", m.Username, m.Password)
	}
	from := m.From
	if a, err := mail.ParseAddress(m.From); err == nil {
		from = a.Address
	}
	var err error
	if m.Insecure {
		var c *smtp.Client
		if c, err = smtp.Dial(m.Addr); err == nil {
			defer c.Close()
			if auth != nil {
				err = c.Auth(auth)
			}
			if err == nil {
				err = c.SendMail(from, []string{to}, &msg)
			}
			if err == nil {
				err = c.Quit()
			}
		}
	} else {
		err = smtp.SendMail(m.Addr, auth, from, []string{to}, &msg)
	}
	if err != nil {
		return fmt.Errorf("send mail to %s: %w", to, err)
	}
	return nil
}

// EmailHandler is the job handler that emails a stored notification.
func EmailHandler(d *db.DB, m *Mailer, baseURL string) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p emailPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return fmt.Errorf("email job payload: %w", err)
		}
		s := db.Scope{Network: j.Network, Org: p.Org, User: p.User}
		var n Notification
		var to struct {
			Email  string `db:"email"`
			Locale string `db:"locale"`
		}
		if err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
			if err := tx.GetContext(ctx, &n, `SELECT `+columns+`
				FROM notifications WHERE network_id = $1 AND id = $2`, j.Network, p.Notification); err != nil {
				return err
			}
			return tx.GetContext(ctx, &to, `SELECT email::text AS email, locale FROM users WHERE network_id = $1 AND id = $2 AND status = 'active'`, j.Network, p.User)
		}); err != nil {
			return fmt.Errorf("email notification %d: %w", p.Notification, err)
		}
		n.localize(to.Locale)
		if n.EmailedAt != nil || m == nil || m.Addr == "" {
			return nil
		}
		body := n.Body
		if n.Link != "" {
			body += "\n\n" + strings.TrimRight(baseURL, "/") + n.Link
		}
		if err := m.Send(to.Email, n.Title, body); err != nil {
			return err
		}
		return d.Tx(ctx, s, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET emailed_at = now() WHERE network_id = $1 AND id = $2`, j.Network, n.ID)
			return err
		})
	}
}
