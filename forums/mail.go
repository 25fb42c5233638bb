package forums

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// How a user hears of new posts in the spaces and threads they follow, beside
// the in-app notifications that always come: an email for each post (the
// default), one daily digest, or no email.
const (
	MailEach   = "each"
	MailDigest = "digest"
	MailOff    = "off"
)

// DigestJob is the job kind of a network's digest run: it mails the digest of
// every user whose last one is a day old, then queues itself DigestEvery later.
const DigestJob = "forums.digest"

// DigestEvery is how often a network's digest run comes back; each user gets
// at most one digest a day (DigestGap apart).
const DigestEvery = time.Hour

// DigestGap is the least time between two digests of a user: a day, less the
// slack of an hourly run, so that the hour a digest goes does not creep.
const DigestGap = 24*time.Hour - 30*time.Minute

// maxDigestEntries bounds one digest's posts.
const maxDigestEntries = 100

// MailPref is a user's forum email setting.
type MailPref struct {
	Mode         string     `db:"mode" json:"mode"`
	DigestSentAt *time.Time `db:"digest_sent_at" json:"digest_sent_at"`
}

// MailPrefOf returns the actor's setting ("each" when never set). People only.
// Errors: Forbidden (an API key).
func (s *Service) MailPrefOf(ctx context.Context, a partners.Actor) (*MailPref, error) {
	if a.User == 0 {
		return nil, apperr.E(apperr.Forbidden, "Forum email settings are for people: an API key is never mailed.")
	}
	out := MailPref{Mode: MailEach}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var rows []MailPref
		if err := tx.SelectContext(ctx, &rows, `SELECT mode, digest_sent_at FROM forum_mail_prefs WHERE network_id = $1 AND user_id = $2`, a.Network, a.User); err != nil {
			return err
		}
		if len(rows) > 0 {
			out = rows[0]
		}
		return nil
	})
	return &out, err
}

// SetMailPref sets how the actor hears of new posts in what they follow:
// "each", "digest" or "off". Choosing the digest queues the network's digest
// run if it is not queued. Errors: Forbidden (an API key), Invalid.
func (s *Service) SetMailPref(ctx context.Context, a partners.Actor, mode string) (*MailPref, error) {
	if a.User == 0 {
		return nil, apperr.E(apperr.Forbidden, "Forum email settings are for people: an API key is never mailed.")
	}
	if mode != MailEach && mode != MailDigest && mode != MailOff {
		return nil, apperr.Field("mode", "%q is not one of each, digest, off", mode)
	}
	if err := s.setMailPref(ctx, a.Scope(), mode, time.Now()); err != nil {
		return nil, err
	}
	if mode == MailDigest {
		if err := s.EnsureDigest(ctx, a.Network); err != nil {
			return nil, err
		}
	}
	return s.MailPrefOf(ctx, a)
}

// setMailPref stores a user's mode (the scope's user); choosing the digest
// anew, the first one covers the posts after now (a user already on the
// digest keeps their day).
func (s *Service) setMailPref(ctx context.Context, sc db.Scope, mode string, now time.Time) error {
	return s.DB.Tx(ctx, sc, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO forum_mail_prefs (network_id, user_id, org_id, mode, digest_sent_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (network_id, user_id) DO UPDATE SET mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at,
				digest_sent_at = CASE WHEN forum_mail_prefs.mode = 'digest' THEN forum_mail_prefs.digest_sent_at ELSE EXCLUDED.digest_sent_at END`,
			sc.Network, sc.User, sc.Org, mode, now)
		return err
	})
}

// mailModes returns the mode of each of users ("each" for those who never set one), in tx.
func mailModes(ctx context.Context, tx *sqlx.Tx, network int64, users []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(users) == 0 {
		return out, nil
	}
	var rows []struct {
		User int64  `db:"user_id"`
		Mode string `db:"mode"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT user_id, mode FROM forum_mail_prefs WHERE network_id = $1 AND user_id = ANY ($2)`, network, pq.Int64Array(users)); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.User] = r.Mode
	}
	return out, nil
}

// digestSystem is the vendor's side of the network as the digest run acts for it.
func digestSystem(network, vendor int64) partners.Actor {
	return partners.Actor{Network: network, Org: vendor, Role: partners.Manager, VendorOrg: true, Name: "forum-digest", Email: "system:forum-digest"}
}

type digestPayload struct {
	Vendor int64 `json:"vendor"`
}

// EnsureDigest queues the network's digest run unless it is queued already.
func (s *Service) EnsureDigest(ctx context.Context, network int64) error {
	var vendor int64
	if err := s.DB.Tx(ctx, db.Scope{Network: network}, func(tx *sqlx.Tx) error {
		var err error
		vendor, err = partners.VendorOrgOf(ctx, tx, network)
		return err
	}); err != nil {
		return err
	}
	sys := digestSystem(network, vendor)
	return s.DB.Tx(ctx, sys.Scope(), func(tx *sqlx.Tx) error {
		return ensureDigest(ctx, tx, network, vendor)
	})
}

func ensureDigest(ctx context.Context, tx *sqlx.Tx, network, vendor int64) error {
	waiting, err := jobs.Waiting(ctx, tx, network, DigestJob)
	if err != nil || waiting {
		return err
	}
	_, err = jobs.EnqueueAt(ctx, tx, network, vendor, DigestJob, digestPayload{vendor}, time.Now().Add(DigestEvery))
	return err
}

// DigestHandler is the job handler of DigestJob: it sends the network's due
// digests through the mailer (links under baseURL) and queues the next run.
func (s *Service) DigestHandler(m *notify.Mailer, baseURL string) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p digestPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.Vendor == 0 {
			return fmt.Errorf("forum digest job %d: payload %s names no vendor", j.ID, j.Payload)
		}
		if _, err := s.SendDigests(ctx, j.Network, p.Vendor, m, baseURL, time.Now()); err != nil {
			return err
		}
		sys := digestSystem(j.Network, p.Vendor)
		return s.DB.Tx(ctx, sys.Scope(), func(tx *sqlx.Tx) error {
			return ensureDigest(ctx, tx, j.Network, p.Vendor)
		})
	}
}

// DigestEntry is a post in a digest.
type DigestEntry struct {
	PostID     int64     `db:"post_id"`
	ThreadID   int64     `db:"thread_id"`
	SpaceID    int64     `db:"space_id"`
	SpaceName  string    `db:"space_name"`
	Title      string    `db:"title"`
	AuthorName string    `db:"author_name"`
	Excerpt    string    `db:"excerpt"`
	CreatedAt  time.Time `db:"created_at"`
}

// SendDigests mails, as of now, the digest of every user of the network who
// chose it and whose last digest is DigestGap old: the posts since then in
// the spaces and threads they follow, read under the user's own view at send
// time (the visibility path and row-level security as the user), so a post
// of a space they no longer see (a revoked partnership, a lost share) is never
// in it; in the user's language; with a link to stop. A user with nothing new
// gets no mail. A failure for one user is logged and that user is tried again
// next run. Returns how many digests went.
func (s *Service) SendDigests(ctx context.Context, network, vendor int64, m *notify.Mailer, baseURL string, now time.Time) (int, error) {
	var due []struct {
		User int64 `db:"user_id"`
		Org  int64 `db:"org_id"`
	}
	sys := digestSystem(network, vendor)
	if err := s.DB.Tx(ctx, sys.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &due, `SELECT user_id, org_id FROM forum_mail_prefs
			WHERE network_id = $1 AND mode = 'digest' AND (digest_sent_at IS NULL OR digest_sent_at <= $2) ORDER BY user_id LIMIT 10000`,
			network, now.Add(-DigestGap))
	}); err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range due {
		ok, err := s.sendDigest(ctx, network, u.User, u.Org, m, baseURL, now)
		if err != nil {
			slog.Default().Warn("forum digest failed", "network", network, "user", u.User, "err", err)
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// sendDigest sends one user's digest; it reports whether a mail went.
func (s *Service) sendDigest(ctx context.Context, network, user, org int64, m *notify.Mailer, baseURL string, now time.Time) (bool, error) {
	sc := db.Scope{Network: network, Org: org, User: user, Role: string(partners.Viewer)}
	var entries []DigestEntry
	var email, locale string
	var since time.Time
	gone := false
	err := s.DB.Tx(ctx, sc, func(tx *sqlx.Tx) error {
		var err error
		var current int64
		current, email, locale, err = partners.NetworkUserMail(ctx, tx, network, user)
		if err != nil || current != org {
			// No longer an active user of that organization: nothing to send.
			gone = true
			return nil
		}
		var last *time.Time
		if err := tx.GetContext(ctx, &last, `SELECT digest_sent_at FROM forum_mail_prefs WHERE network_id = $1 AND user_id = $2`, network, user); err != nil {
			return err
		}
		since = now.Add(-24 * time.Hour)
		if last != nil {
			since = *last
		}
		entries, err = digestEntries(ctx, tx, network, org, user, since, now)
		return err
	})
	if err != nil || gone {
		return false, err
	}
	if len(entries) > 0 {
		if m == nil || m.Addr == "" {
			return false, nil
		}
		subject, body := s.digestMail(locale, entries, baseURL, network, user)
		if err := m.Send(email, subject, body); err != nil {
			return false, err
		}
	}
	return len(entries) > 0, s.DB.Tx(ctx, sc, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE forum_mail_prefs SET digest_sent_at = $3 WHERE network_id = $1 AND user_id = $2`, network, user, now)
		return err
	})
}

// digestEntries reads the posts of a digest under the user's view, in tx: the
// posts after since (up to now) in the spaces and threads the user follows,
// not theirs, not hidden, of spaces the user's organization (and the user)
// sees now.
func digestEntries(ctx context.Context, tx *sqlx.Tx, network, org, user int64, since, now time.Time) ([]DigestEntry, error) {
	var out []DigestEntry
	err := tx.SelectContext(ctx, &out, `SELECT p.id AS post_id, p.thread_id, p.space_id, sp.name AS space_name, t.title, p.author_name,
			left(p.body_text, 200) AS excerpt, p.created_at
		  FROM forum_spaces sp
		  JOIN forum_posts p ON p.network_id = sp.network_id AND p.space_id = sp.id
		  JOIN forum_threads t ON t.network_id = p.network_id AND t.id = p.thread_id
		 WHERE sp.network_id = $1 AND p.created_at > $4 AND p.created_at <= $5
		   AND p.hidden_at IS NULL AND t.hidden_at IS NULL AND p.author_user_id IS DISTINCT FROM $3
		   AND EXISTS (SELECT 1 FROM forum_follows f WHERE f.network_id = sp.network_id AND f.user_id = $3 AND f.space_id = sp.id
		                AND (f.thread_id = 0 OR f.thread_id = p.thread_id))
		   AND `+Visible("sp", "$2::bigint", "$3::bigint")+`
		 ORDER BY sp.name, sp.id, t.id, p.id LIMIT `+strconv.Itoa(maxDigestEntries),
		network, org, user, since, now)
	return out, err
}

// digestMail is a digest's subject and plain-text body in lang.
func (s *Service) digestMail(lang string, entries []DigestEntry, baseURL string, network, user int64) (string, string) {
	base := strings.TrimRight(baseURL, "/")
	subject := l10n.Sprintf(lang, "Forum digest: %d new posts", len(entries))
	var b strings.Builder
	b.WriteString(l10n.Sprintf(lang, "New posts in the spaces and threads you follow:"))
	b.WriteString("\n")
	space := int64(0)
	for _, e := range entries {
		if e.SpaceID != space {
			space = e.SpaceID
			b.WriteString("\n== " + e.SpaceName + " ==\n")
		}
		b.WriteString("\n" + l10n.Sprintf(lang, "%s in %q:", e.AuthorName, e.Title) + "\n")
		if e.Excerpt != "" {
			b.WriteString(e.Excerpt + "\n")
		}
		b.WriteString(base + postLink(e.ThreadID, e.PostID) + "\n")
	}
	b.WriteString("\n-- \n")
	b.WriteString(l10n.Sprintf(lang, "You get this digest once a day because you chose it for the forums. To stop these emails: %s", base+"/forums/unsubscribe/"+s.UnsubscribeToken(network, user)))
	b.WriteString("\n")
	b.WriteString(l10n.Sprintf(lang, "To change it: %s", base+"/forums/settings"))
	b.WriteString("\n")
	return subject, b.String()
}

// UnsubscribeToken is the token of a user's link that stops their forum
// email: the network and user, signed with the service's secret.
func (s *Service) UnsubscribeToken(network, user int64) string {
	msg := strconv.FormatInt(network, 10) + "." + strconv.FormatInt(user, 10)
	return msg + "." + base64.RawURLEncoding.EncodeToString(s.sign(msg))
}

func (s *Service) sign(msg string) []byte {
	mac := hmac.New(sha256.New, append([]byte("forums-unsubscribe:"), s.Secret...))
	mac.Write([]byte(msg))
	return mac.Sum(nil)[:16]
}

// Unsubscriber is who an unsubscribe token names.
type Unsubscriber struct {
	Network int64
	User    int64
	Org     int64
	Email   string
	Locale  string
}

// CheckUnsubscribe reads an unsubscribe token: the active user it names.
// Errors: NotFound (a token that is not one, or names no active user).
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (*Unsubscriber, error) {
	bad := apperr.E(apperr.NotFound, "This link to stop forum emails is not valid.")
	if len(s.Secret) == 0 {
		return nil, bad
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, bad
	}
	network, err1 := strconv.ParseInt(parts[0], 10, 64)
	user, err2 := strconv.ParseInt(parts[1], 10, 64)
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || network <= 0 || user <= 0 || !hmac.Equal(sig, s.sign(parts[0]+"."+parts[1])) {
		return nil, bad
	}
	u := Unsubscriber{Network: network, User: user}
	err := s.DB.Tx(ctx, db.Scope{Network: network}, func(tx *sqlx.Tx) error {
		var err error
		u.Org, u.Email, u.Locale, err = partners.NetworkUserMail(ctx, tx, network, user)
		return err
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, bad
		}
		return nil, err
	}
	return &u, nil
}

// Unsubscribe turns off the forum email of the user a token names (the
// in-app notifications stay). Errors: NotFound.
func (s *Service) Unsubscribe(ctx context.Context, token string) (*Unsubscriber, error) {
	u, err := s.CheckUnsubscribe(ctx, token)
	if err != nil {
		return nil, err
	}
	sc := db.Scope{Network: u.Network, Org: u.Org, User: u.User, Role: string(partners.Viewer)}
	if err := s.setMailPref(ctx, sc, MailOff, time.Now()); err != nil {
		return nil, err
	}
	return u, nil
}
