// Package imapsync brings an organization's mail into the hub (issue 18): its
// mailboxes (IMAP host, port, TLS mode, user, folders, start date; the password
// sealed with AES-GCM under a key derived from the hub's secret, never shown
// back), a connection test, and the sync, with go-imap v2: incremental by
// UIDVALIDITY and UID per folder, each message stored once per organization
// (by Message-ID, or a hash of its headers when it has none), threaded with
// exchange/mail's Threader, and linked by address to the contacts the
// organization can see and thereby to their accounts, as email activities on
// their timelines (partners/activity). The sync runs as a job
// (internal/jobs) or by hand.
package imapsync

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// TLS modes of a mailbox.
const (
	TLS      = "tls"      // TLS from the first byte (IMAPS, port 993)
	StartTLS = "starttls" // STARTTLS on the plain port (143)
	Plain    = "plain"    // no TLS: loopback hosts only (tests, a local relay)
)

// Mailbox is a mailbox as its organization's admins see it: never its password.
type Mailbox struct {
	ID             int64      `json:"id"`
	OwnerOrg       int64      `json:"owner_org_id"`
	Name           string     `json:"name"`
	Host           string     `json:"host"`
	Port           int        `json:"port"`
	TLSMode        string     `json:"tls_mode"`
	Username       string     `json:"username"`
	Folders        []string   `json:"folders"`
	StartDate      string     `json:"start_date"`
	Enabled        bool       `json:"enabled"`
	LastRunAt      *time.Time `json:"last_run_at"`
	LastOKAt       *time.Time `json:"last_ok_at"`
	LastError      string     `json:"last_error"`
	MessagesSeen   int64      `json:"messages_seen"`
	MessagesStored int64      `json:"messages_stored"`
	// SyncMinutes is how often the mailbox syncs on its own; NextSyncAt when
	// it syncs next; Failures how many runs in a row failed (each doubles the
	// wait before the next, up to six hours).
	SyncMinutes int        `json:"sync_minutes"`
	NextSyncAt  *time.Time `json:"next_sync_at"`
	Failures    int        `json:"failures"`
	// Capture marks a mailbox the team BCCs or forwards mail to: a forwarded
	// message is filed under the original sender and recipients.
	Capture   bool      `json:"capture"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const mailboxColumns = `id, owner_org_id, name, host, port, tls_mode, username, folders, start_date, enabled, last_run_at, last_ok_at,
	last_error, messages_seen, messages_stored, sync_minutes, next_sync_at, failures, capture, created_at, updated_at`

func scanMailbox(r interface{ Scan(...any) error }, m *Mailbox) error {
	var folders pq.StringArray
	var start time.Time
	if err := r.Scan(&m.ID, &m.OwnerOrg, &m.Name, &m.Host, &m.Port, &m.TLSMode, &m.Username, &folders, &start, &m.Enabled, &m.LastRunAt,
		&m.LastOKAt, &m.LastError, &m.MessagesSeen, &m.MessagesStored, &m.SyncMinutes, &m.NextSyncAt, &m.Failures, &m.Capture,
		&m.CreatedAt, &m.UpdatedAt); err != nil {
		return err
	}
	m.Folders, m.StartDate = folders, start.Format("2006-01-02")
	return nil
}

// Service keeps mailboxes and syncs them.
type Service struct {
	DB *db.DB
	// Secret is the hub's SECRET_KEY; the passwords' key is derived from it.
	Secret []byte
	// Now is the clock (tests set it); time.Now when nil.
	Now func() time.Time
	// MaxMessageBytes caps what is fetched of one message (a gigantic
	// attachment); the rest is not downloaded. Zero means 25 MiB.
	MaxMessageBytes int64
	// MaxAttachmentBytes caps the attachments kept for download; a larger
	// one is listed with its name, type and size only. Zero means 10 MiB.
	MaxAttachmentBytes int64
	// DialTimeout bounds connecting and logging in; zero means 20 seconds.
	DialTimeout time.Duration
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Input creates or changes a mailbox; nil leaves a field as it is. Password is
// write-only.
type Input struct {
	Name      *string   `json:"name"`
	Host      *string   `json:"host"`
	Port      *int      `json:"port"`
	TLSMode   *string   `json:"tls_mode"`
	Username  *string   `json:"username"`
	Password  *string   `json:"password"`
	Folders   *[]string `json:"folders"`
	StartDate *string   `json:"start_date"`
	Enabled   *bool     `json:"enabled"`
	// SyncMinutes is how often the mailbox syncs on its own, 1 to 1440
	// (5 when not given).
	SyncMinutes *int `json:"sync_minutes"`
	// Capture files forwarded messages under their original participants.
	Capture *bool `json:"capture"`
}

// settings are a mailbox's checked fields.
type settings struct {
	name, host, tls, user string
	port                  int
	folders               []string
	start                 time.Time
	enabled, capture      bool
	minutes               int
}

func (in Input) check(create bool, was *Mailbox) (settings, error) {
	var f settings
	if was != nil {
		start, _ := time.Parse("2006-01-02", was.StartDate)
		f = settings{was.Name, was.Host, was.TLSMode, was.Username, was.Port, was.Folders, start, was.Enabled, was.Capture, was.SyncMinutes}
	} else {
		f.enabled, f.folders, f.tls, f.minutes = true, []string{"INBOX"}, TLS, DefaultSyncMinutes
	}
	if create {
		for name, missing := range map[string]bool{"name": in.Name == nil, "host": in.Host == nil, "username": in.Username == nil,
			"password": in.Password == nil, "start_date": in.StartDate == nil} {
			if missing {
				return f, apperr.Field(name, "is required")
			}
		}
	}
	if in.Name != nil {
		if f.name = strings.TrimSpace(*in.Name); f.name == "" || len(f.name) > 120 {
			return f, apperr.Field("name", "must be 1 to 120 characters")
		}
	}
	if in.Host != nil {
		f.host = strings.ToLower(strings.TrimSpace(*in.Host))
		if f.host == "" || len(f.host) > 253 || strings.ContainsAny(f.host, " /:@\t\r\n") && net.ParseIP(f.host) == nil {
			return f, apperr.Field("host", "%q is not a host name or IP address", *in.Host)
		}
	}
	if in.TLSMode != nil {
		f.tls = strings.TrimSpace(*in.TLSMode)
		if f.tls != TLS && f.tls != StartTLS && f.tls != Plain {
			return f, apperr.Field("tls_mode", "must be tls, starttls or plain")
		}
	}
	if in.Port != nil {
		f.port = *in.Port
	}
	if f.port == 0 {
		f.port = 993
		if f.tls != TLS {
			f.port = 143
		}
	}
	if f.port < 1 || f.port > 65535 {
		return f, apperr.Field("port", "must be between 1 and 65535")
	}
	if f.tls == Plain && !loopback(f.host) {
		return f, apperr.Field("tls_mode", "plain (no TLS) is only for a server on this machine (localhost); use tls or starttls")
	}
	if in.Username != nil {
		if f.user = strings.TrimSpace(*in.Username); f.user == "" || len(f.user) > 254 {
			return f, apperr.Field("username", "must be 1 to 254 characters")
		}
	}
	if in.Password != nil && (*in.Password == "" || len(*in.Password) > 1000) {
		return f, apperr.Field("password", "must be 1 to 1000 characters")
	}
	if in.Folders != nil {
		f.folders = []string{}
		seen := map[string]bool{}
		for i, name := range *in.Folders {
			name = strings.TrimSpace(name)
			if name == "" || len(name) > 200 || strings.ContainsAny(name, "\r\n\x00") {
				return f, apperr.Field(fmt.Sprintf("folders[%d]", i), "must be a folder name of 1 to 200 characters")
			}
			if !seen[name] {
				seen[name] = true
				f.folders = append(f.folders, name)
			}
		}
		if len(f.folders) == 0 || len(f.folders) > 20 {
			return f, apperr.Field("folders", "must name 1 to 20 folders")
		}
	}
	if in.StartDate != nil {
		t, err := time.Parse("2006-01-02", strings.TrimSpace(*in.StartDate))
		if err != nil {
			return f, apperr.Field("start_date", "%q is not a date (YYYY-MM-DD)", *in.StartDate)
		}
		f.start = t
	}
	if in.Enabled != nil {
		f.enabled = *in.Enabled
	}
	if in.SyncMinutes != nil {
		if f.minutes = *in.SyncMinutes; f.minutes < 1 || f.minutes > 1440 {
			return f, apperr.Field("sync_minutes", "must be between 1 and 1440 (a day)")
		}
	}
	if in.Capture != nil {
		f.capture = *in.Capture
	}
	return f, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// aead is the passwords' cipher: AES-256-GCM under HMAC-SHA256(secret,
// "mailbox-password"), as the portal's flash messages derive theirs.
func (s *Service) aead() (cipher.AEAD, error) {
	if len(s.Secret) < 16 {
		return nil, errors.New("imapsync: no secret key to seal mailbox passwords with")
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("mailbox-password\x00"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// bound is the additional data a sealed password is bound to: its network and
// organization, so a sealed value copied to another organization's row does
// not open.
func bound(network, org int64) []byte {
	return []byte("mailbox\x00" + strconv.FormatInt(network, 10) + "\x00" + strconv.FormatInt(org, 10))
}

func (s *Service) seal(network, org int64, password string) ([]byte, error) {
	aead, err := s.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(password), bound(network, org)), nil
}

func (s *Service) open(network, org int64, sealed []byte) (string, error) {
	aead, err := s.aead()
	if err != nil {
		return "", err
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("sealed password too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], bound(network, org))
	if err != nil {
		return "", apperr.E(apperr.Invalid, "The mailbox's password cannot be read with this hub's secret key (was SECRET_KEY changed?): enter the password again.")
	}
	return string(plain), nil
}

// CreateMailbox adds a mailbox to the actor's organization. Admins only.
// Errors: Forbidden, Invalid.
func (s *Service) CreateMailbox(ctx context.Context, a partners.Actor, in Input) (*Mailbox, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	f, err := in.check(true, nil)
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal(a.Network, a.Org, *in.Password)
	if err != nil {
		return nil, err
	}
	var out Mailbox
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		row := tx.QueryRowxContext(ctx, `INSERT INTO mailboxes (network_id, owner_org_id, name, host, port, tls_mode, username, password_sealed, folders, start_date,
			enabled, sync_minutes, capture, next_sync_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING `+mailboxColumns,
			a.Network, a.Org, f.name, f.host, f.port, f.tls, f.user, sealed, pq.StringArray(f.folders), f.start, f.enabled, f.minutes, f.capture, s.now())
		if err := scanMailbox(row, &out); err != nil {
			return err
		}
		// The first run right away; each run queues the next (schedule.go).
		if err := s.scheduleTx(ctx, tx, a, &out, time.Time{}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "mailbox.create", out.ID, map[string]any{"name": out.Name, "host": out.Host, "username": out.Username})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMailbox changes a mailbox; a new password replaces the old one, and a
// changed host or user starts the folders over (their UIDs mean nothing on
// another server). Admins only. Errors: Forbidden, Invalid, NotFound.
func (s *Service) UpdateMailbox(ctx context.Context, a partners.Actor, id int64, in Input) (*Mailbox, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	var out Mailbox
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		was, err := mailbox(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		f, err := in.check(false, was)
		if err != nil {
			return err
		}
		var sealed []byte
		if in.Password != nil {
			if sealed, err = s.seal(a.Network, a.Org, *in.Password); err != nil {
				return err
			}
		}
		// A new password or server is worth trying at once, whatever the
		// failures before; otherwise the schedule stands.
		next, failures := was.NextSyncAt, was.Failures
		if in.Password != nil || f.host != was.Host || f.port != was.Port || f.tls != was.TLSMode || f.user != was.Username {
			now := s.now()
			next, failures = &now, 0
		}
		row := tx.QueryRowxContext(ctx, `UPDATE mailboxes SET name = $3, host = $4, port = $5, tls_mode = $6, username = $7,
			password_sealed = coalesce($8, password_sealed), folders = $9, start_date = $10, enabled = $11, sync_minutes = $12, capture = $13,
			next_sync_at = $14, failures = $15, updated_at = now()
			WHERE network_id = $1 AND id = $2 RETURNING `+mailboxColumns,
			a.Network, id, f.name, f.host, f.port, f.tls, f.user, sealed, pq.StringArray(f.folders), f.start, f.enabled, f.minutes, f.capture,
			next, failures)
		if err := scanMailbox(row, &out); err != nil {
			return err
		}
		if err := s.scheduleTx(ctx, tx, a, &out, time.Time{}); err != nil {
			return err
		}
		if f.host != was.Host || f.user != was.Username {
			if _, err := tx.ExecContext(ctx, `DELETE FROM mail_folders WHERE network_id = $1 AND mailbox_id = $2`, a.Network, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, "mailbox.update", id, map[string]any{"password_changed": in.Password != nil})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMailbox removes a mailbox and its sync state; the mail it brought in
// stays. Admins only. Errors: Forbidden, NotFound.
func (s *Service) DeleteMailbox(ctx context.Context, a partners.Actor, id int64) error {
	if err := a.Require(partners.Admin); err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := mailbox(ctx, tx, a, id, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mail_messages SET mailbox_id = NULL WHERE network_id = $1 AND mailbox_id = $2`, a.Network, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mailboxes WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, "mailbox.delete", id, nil)
	})
}

// Mailbox returns one of the organization's mailboxes with its sync state.
// Admins only. Errors: Forbidden, NotFound.
func (s *Service) Mailbox(ctx context.Context, a partners.Actor, id int64) (*Mailbox, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	var out *Mailbox
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		out, err = mailbox(ctx, tx, a, id, false)
		return err
	})
	return out, err
}

// Mailboxes lists the organization's mailboxes with their sync state, by id,
// after the id after (0: from the first), at most limit. Admins only.
func (s *Service) Mailboxes(ctx context.Context, a partners.Actor, after int64, limit int) ([]Mailbox, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 201 {
		limit = 51
	}
	out := []Mailbox{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, `SELECT `+mailboxColumns+` FROM mailboxes WHERE network_id = $1 AND owner_org_id = $2 AND id > $3 ORDER BY id LIMIT $4`,
			a.Network, a.Org, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			out = append(out, Mailbox{})
			if err := scanMailbox(rows, &out[len(out)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return out, err
}

func mailbox(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, lock bool) (*Mailbox, error) {
	q := `SELECT ` + mailboxColumns + ` FROM mailboxes WHERE network_id = $1 AND id = $2 AND owner_org_id = $3`
	if lock {
		q += ` FOR UPDATE`
	}
	var m Mailbox
	if err := scanMailbox(tx.QueryRowxContext(ctx, q, a.Network, id, a.Org), &m); err != nil {
		return nil, db.Absent(err, "Mailbox %d not found.", id)
	}
	return &m, nil
}

func audit(ctx context.Context, tx *sqlx.Tx, a partners.Actor, action string, id int64, detail map[string]any) error {
	return auditlog.Append(ctx, tx, auditlog.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action,
		TargetType: "mailbox", TargetID: fmt.Sprint(id), Detail: detail})
}
