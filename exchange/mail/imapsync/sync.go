package imapsync

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/exchange/mail"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// batchSize is how many messages one fetch asks for and one transaction stores,
// with the folder's position: a sync killed at any point loses at most a batch
// of work, which the next run fetches again (and the keys keep from storing twice).
const batchSize = 100

// Result is what one sync did.
type Result struct {
	Folders  int      `json:"folders"`
	Seen     int      `json:"seen"`     // messages fetched
	Stored   int      `json:"stored"`   // of those, new to the organization
	Linked   int      `json:"linked"`   // timeline entries made
	Threaded int      `json:"threaded"` // messages whose conversation was set or changed
	Problems []string `json:"problems,omitempty"`
}

func (s *Service) maxAttachment() int64 {
	if s.MaxAttachmentBytes > 0 {
		return s.MaxAttachmentBytes
	}
	return 10 << 20
}

func (s *Service) maxBytes() int64 {
	if s.MaxMessageBytes > 0 {
		return s.MaxMessageBytes
	}
	return 25 << 20
}

// credentials reads a mailbox and opens its password, in the organization's scope.
func (s *Service) credentials(ctx context.Context, a partners.Actor, id int64) (*Mailbox, string, error) {
	var m *Mailbox
	var sealed []byte
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		if m, err = mailbox(ctx, tx, a, id, false); err != nil {
			return err
		}
		return tx.GetContext(ctx, &sealed, `SELECT password_sealed FROM mailboxes WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, "", err
	}
	pw, err := s.open(a.Network, a.Org, sealed)
	return m, pw, err
}

// connect dials the mailbox's server in its TLS mode and signs in. Errors say
// which step failed, for the mailbox's state: Unavailable (cannot reach the
// server, TLS failed), Invalid (the server refused the user name or password).
func (s *Service) connect(m *Mailbox, password string) (*imapclient.Client, error) {
	timeout := s.DialTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	opts := &imapclient.Options{
		Dialer:      &net.Dialer{Timeout: timeout},
		TLSConfig:   &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12},
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
	}
	var c *imapclient.Client
	var err error
	switch m.TLSMode {
	case TLS:
		c, err = imapclient.DialTLS(addr, opts)
	case StartTLS:
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		if !loopback(m.Host) {
			return nil, apperr.E(apperr.Invalid, "Mailbox %d is set to connect without TLS to %s, which is not this machine: choose tls or starttls.", m.ID, m.Host)
		}
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return nil, apperr.E(apperr.Unavailable, "Cannot connect to the IMAP server %s (%s): %s", addr, m.TLSMode, err.Error()).Because(err)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, apperr.E(apperr.Unavailable, "The IMAP server %s did not greet: %s", addr, err.Error()).Because(err)
	}
	if err := c.Login(m.Username, password).Wait(); err != nil {
		c.Close()
		return nil, apperr.E(apperr.Invalid, "The IMAP server %s refused the sign-in of %s: %s", addr, m.Username, err.Error()).Because(err)
	}
	return c, nil
}

// Check is the answer of a connection test.
type Check struct {
	OK bool `json:"ok"`
	// Error says what failed (cannot connect, TLS, sign-in refused, a folder
	// missing), in the reader's language.
	Error string `json:"error,omitempty"`
	// Folders holds the number of messages in each folder followed.
	Folders map[string]uint32 `json:"folders,omitempty"`
}

// TestConnection signs in to a mailbox's server and checks that its folders
// exist; it changes nothing. What went wrong with the server is the check's
// answer, not an error. Admins only. Errors: Forbidden, NotFound.
func (s *Service) TestConnection(ctx context.Context, a partners.Actor, id int64) (*Check, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	m, pw, err := s.credentials(ctx, a, id)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
			return &Check{Error: l10n.Text(a.Locale, ae)}, nil
		}
		return nil, err
	}
	fail := func(err error) (*Check, error) {
		if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Internal {
			return &Check{Error: l10n.Text(a.Locale, ae)}, nil
		}
		return nil, err
	}
	c, err := s.connect(m, pw)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	out := &Check{OK: true, Folders: map[string]uint32{}}
	for _, f := range m.Folders {
		st, err := c.Status(f, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			return fail(apperr.E(apperr.Invalid, "Signed in, but the folder %q cannot be read: %s", f, err.Error()).Because(err))
		}
		if st.NumMessages != nil {
			out.Folders[f] = *st.NumMessages
		}
	}
	c.Logout().Wait()
	return out, nil
}

// Sync brings a mailbox's new mail in. Admins of its organization run it by
// hand; the job runs it for the organization. Whatever fails is left in the
// mailbox's state (last_error) and returned; what was stored before stays.
func (s *Service) Sync(ctx context.Context, a partners.Actor, id int64) (*Result, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	unlock, err := s.lockMailbox(ctx, a, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, pw, err := s.credentials(ctx, a, id)
	if err != nil {
		return nil, err
	}
	started := s.now()
	if err := s.state(ctx, a, id, `UPDATE mailboxes SET last_run_at = $3 WHERE network_id = $1 AND id = $2`, started); err != nil {
		return nil, err
	}
	res := &Result{}
	err = s.sync(ctx, a, m, pw, res)
	if err != nil {
		shown := "Internal error."
		if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Internal {
			shown = ae.Error()
		}
		failures := m.Failures + 1
		if serr := s.state(ctx, a, id, `UPDATE mailboxes SET last_error = $3, messages_seen = messages_seen + $4, messages_stored = messages_stored + $5,
			failures = $6, next_sync_at = $7 WHERE network_id = $1 AND id = $2`,
			shown, res.Seen, res.Stored, failures, NextRun(s.now(), m.SyncMinutes, failures)); serr != nil {
			return res, errors.Join(err, serr)
		}
		return res, err
	}
	last := ""
	if len(res.Problems) > 0 {
		last = strings.Join(res.Problems[:min(len(res.Problems), 5)], "; ")
	}
	now := s.now()
	return res, s.state(ctx, a, id, `UPDATE mailboxes SET last_ok_at = $3, last_error = $4, messages_seen = messages_seen + $5,
		messages_stored = messages_stored + $6, failures = 0, next_sync_at = $7 WHERE network_id = $1 AND id = $2`,
		now, last, res.Seen, res.Stored, NextRun(now, m.SyncMinutes, 0))
}

// LockKey is the PostgreSQL advisory lock a sync of a mailbox holds, so that
// one mailbox never syncs twice at once, whichever instance or command runs it.
func LockKey(network, id int64) string {
	return "partnerhub mail sync " + strconv.FormatInt(network, 10) + " " + strconv.FormatInt(id, 10)
}

// lockMailbox takes the mailbox's sync lock: a session advisory lock held on a
// connection of its own for the length of the sync, which the server lets go
// of by itself when the process dies (kill -9 included), so a killed sync
// never blocks the next. It waits a moment for a sync that is ending, then
// answers Conflict. The returned function lets go of the lock.
func (s *Service) lockMailbox(ctx context.Context, a partners.Actor, id int64) (func(), error) {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	key := LockKey(a.Network, id)
	for try := 0; ; try++ {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, key).Scan(&got); err != nil {
			conn.Close()
			return nil, err
		}
		if got {
			break
		}
		if try == 20 {
			conn.Close()
			return nil, apperr.E(apperr.Conflict, "Mailbox %d is being synced already; this run was skipped.", id)
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return func() {
		// Let go on a fresh context: the sync's may be done. A connection
		// that cannot say so is thrown away, which lets go too.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, key); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

func (s *Service) state(ctx context.Context, a partners.Actor, id int64, q string, args ...any) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, q, append([]any{a.Network, id}, args...)...)
		return err
	})
}

type folderState struct {
	UIDValidity   int64 `db:"uidvalidity"`
	LastUID       int64 `db:"last_uid"`
	HighestModSeq int64 `db:"highest_modseq"`
}

func (s *Service) sync(ctx context.Context, a partners.Actor, m *Mailbox, pw string, res *Result) error {
	c, err := s.connect(m, pw)
	if err != nil {
		return err
	}
	defer c.Close()
	condstore := c.Caps().Has(imap.CapCondStore)
	start, _ := time.Parse("2006-01-02", m.StartDate)
	var stored []stored
	for _, folder := range m.Folders {
		if err := ctx.Err(); err != nil {
			return err
		}
		sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true, CondStore: condstore}).Wait()
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("folder %q: %v", folder, err))
			continue
		}
		res.Folders++
		var st folderState
		err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &st, `SELECT uidvalidity, last_uid, highest_modseq FROM mail_folders WHERE network_id = $1 AND mailbox_id = $2 AND name = $3`,
				a.Network, m.ID, folder)
		})
		known := err == nil
		if err != nil && !isNoRows(err) {
			return err
		}
		last := st.LastUID
		if !known || st.UIDValidity != int64(sel.UIDValidity) {
			// A new folder, or the server renumbered it: fetch it again from
			// the start date; the messages' keys keep from storing any twice.
			last = 0
		}
		if known && last > 0 && condstore && sel.HighestModSeq != 0 && int64(sel.HighestModSeq) == st.HighestModSeq {
			continue // CONDSTORE: nothing changed in the folder since the last run
		}
		if sel.NumMessages == 0 || (last > 0 && int64(sel.UIDNext) <= last+1) {
			if err := s.saveFolder(ctx, a, m.ID, folder, sel, last, true); err != nil {
				return err
			}
			continue
		}
		crit := &imap.SearchCriteria{Since: start}
		if last > 0 {
			crit.UID = []imap.UIDSet{{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}}}
		}
		data, err := c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return apperr.E(apperr.Unavailable, "Searching the folder %q failed: %s", folder, err.Error()).Because(err)
		}
		var uids []imap.UID
		for _, u := range data.AllUIDs() {
			if int64(u) > last { // "n:*" always matches the highest UID
				uids = append(uids, u)
			}
		}
		slices.Sort(uids)
		for len(uids) > 0 {
			n := min(batchSize, len(uids))
			batch := uids[:n]
			uids = uids[n:]
			got, err := s.fetch(c, batch)
			if err != nil {
				return apperr.E(apperr.Unavailable, "Fetching messages from the folder %q failed: %s", folder, err.Error()).Because(err)
			}
			res.Seen += len(got)
			news, err := s.store(ctx, a, m, folder, sel, got, int64(batch[n-1]), len(uids) == 0, res)
			if err != nil {
				return err
			}
			stored = append(stored, news...)
		}
		if len(data.AllUIDs()) == 0 {
			if err := s.saveFolder(ctx, a, m.ID, folder, sel, last, true); err != nil {
				return err
			}
		}
	}
	c.Logout().Wait()
	return s.thread(ctx, a, stored, res)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func nullID(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}

// Ingest stores, links and threads messages that reach the hub another way
// than a mailbox's sync (an import of a mail archive, the demo network), as a
// sync does: each stored once per organization, one bad message never
// stopping the rest. Admins only. Errors: Forbidden.
func (s *Service) Ingest(ctx context.Context, a partners.Actor, raws [][]byte) (*Result, error) {
	if err := a.Require(partners.Admin); err != nil {
		return nil, err
	}
	res := &Result{}
	var news []stored
	for start := 0; start < len(raws); start += batchSize {
		var got []fetched
		for i, raw := range raws[start:min(len(raws), start+batchSize)] {
			got = append(got, fetched{uid: imap.UID(start + i + 1), raw: raw, size: int64(len(raw))})
		}
		res.Seen += len(got)
		n, err := s.store(ctx, a, &Mailbox{}, "", nil, got, 0, true, res)
		if err != nil {
			return res, err
		}
		news = append(news, n...)
	}
	return res, s.thread(ctx, a, news, res)
}

// fetched is one message as the server gave it.
type fetched struct {
	uid      imap.UID
	internal time.Time
	size     int64
	raw      []byte
}

func (s *Service) fetch(c *imapclient.Client, uids []imap.UID) ([]fetched, error) {
	section := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: s.maxBytes()}}
	bufs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, InternalDate: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, err
	}
	out := make([]fetched, 0, len(bufs))
	for _, b := range bufs {
		f := fetched{uid: b.UID, internal: b.InternalDate, size: b.RFC822Size}
		for _, sec := range b.BodySection {
			f.raw = append(f.raw, sec.Bytes...)
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(x, y fetched) int { return cmp.Compare(x.uid, y.uid) })
	return out, nil
}

// stored is a message new to the organization, as threading needs it.
type stored struct {
	id  int64
	key string
	msg *mail.Message
}

// store keeps a batch of messages, links them to the contacts the
// organization can see, and moves the folder's position past them, in one
// transaction. A message already stored (same key) is left as it is.
func (s *Service) store(ctx context.Context, a partners.Actor, m *Mailbox, folder string, sel *imap.SelectData, got []fetched, lastUID int64, done bool, res *Result) ([]stored, error) {
	scope := strconv.FormatInt(a.Org, 10)
	var out []stored
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		out = out[:0]
		var batch []pending
		for _, f := range got {
			msg := mail.ParseMessage(f.raw, mail.ReadOptions{Scope: scope, MaxMessageBytes: s.maxBytes(), KeepAttachments: s.maxAttachment()})
			msg.Received = f.internal
			if f.size > int64(len(f.raw)) {
				msg.Truncated = true
				msg.Problems = append(msg.Problems, fmt.Sprintf("larger than %d bytes: only the first bytes were fetched", s.maxBytes()))
			}
			if len(f.raw) == 0 {
				res.Problems = append(res.Problems, fmt.Sprintf("folder %q UID %d: the server sent no body", folder, f.uid))
				continue
			}
			key := messageKey(msg)
			text, html := bodies(msg)
			if m.Capture {
				// Forwarded to the capture mailbox: filed under the original
				// sender and recipients, not the colleague who forwarded it.
				if o, ok := forwardedFrom(f.raw, text); ok {
					msg.From, msg.To, msg.Cc = o.From, o.To, o.Cc
				}
			}
			att, _ := json.Marshal(nonNil(msg.Attachments))
			var sent any
			if d := msg.SentDate(); !d.IsZero() {
				sent = d
			}
			from, fromName := "", ""
			if len(msg.From) > 0 {
				from, fromName = msg.From[0].Addr, msg.From[0].Name
			}
			var id int64
			err := tx.GetContext(ctx, &id, `INSERT INTO mail_messages (network_id, owner_org_id, message_key, mailbox_id, folder, uid, subject, from_addr, from_name,
				to_addrs, cc_addrs, sent_at, in_reply_to, refs, text_body, html_body, attachments, problems, size, body_hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
				ON CONFLICT (network_id, owner_org_id, message_key) DO NOTHING RETURNING id`,
				a.Network, a.Org, key, nullID(m.ID), folder, int64(f.uid), clean(msg.Subject, 1000), clean(from, 320), clean(fromName, 200),
				cleanAll(addrList(msg.To)), cleanAll(addrList(msg.Cc)), sent, cleanAll(msg.InReplyTo), cleanAll(msg.References),
				clean(text, 1<<20), clean(sanitizeHTML(html), 2<<20), string(att), cleanAll(msg.Problems), f.size, msg.BodyHash[:])
			if isNoRows(err) {
				continue // stored before: by an earlier run, another folder or another mailbox
			}
			if err != nil {
				return fmt.Errorf("store folder %q UID %d: %w", folder, f.uid, err)
			}
			for i, x := range msg.Attachments {
				var content any
				if x.Content != nil {
					content = x.Content
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO mail_attachments (network_id, message_id, position, owner_org_id, filename, content_type,
					detected_type, size, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
					a.Network, id, i, a.Org, clean(x.Filename, 255), clean(x.ContentType, 255), x.DetectedType, x.Size, content); err != nil {
					return fmt.Errorf("store folder %q UID %d attachment %d: %w", folder, f.uid, i, err)
				}
			}
			res.Stored++
			out = append(out, stored{id: id, key: key, msg: msg})
			batch = append(batch, pending{id: id, msg: msg, addr: participants(msg.From, msg.To, msg.Cc)})
			for _, p := range msg.Problems {
				if len(res.Problems) < 50 {
					res.Problems = append(res.Problems, fmt.Sprintf("folder %q UID %d: %s", folder, f.uid, p))
				}
			}
		}
		if len(batch) > 0 {
			ml, err := links(ctx, tx, a, batch)
			if err != nil {
				return err
			}
			n, err := activity.LinkMail(ctx, tx, a, ml)
			if err != nil {
				return err
			}
			res.Linked += n
		}
		if m.ID == 0 {
			return nil // ingested, not synced: no folder to move on
		}
		return s.saveFolderTx(ctx, tx, a, m.ID, folder, sel, lastUID, done)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) saveFolder(ctx context.Context, a partners.Actor, mailbox int64, folder string, sel *imap.SelectData, last int64, done bool) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return s.saveFolderTx(ctx, tx, a, mailbox, folder, sel, last, done)
	})
}

// saveFolderTx moves a folder's position to lastUID; the HIGHESTMODSEQ is kept
// only once the folder is done, so that a run stopped half-way does not take
// the folder for unchanged.
func (s *Service) saveFolderTx(ctx context.Context, tx *sqlx.Tx, a partners.Actor, mailbox int64, folder string, sel *imap.SelectData, last int64, done bool) error {
	modseq := int64(0)
	if done {
		modseq = int64(sel.HighestModSeq)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_folders (network_id, mailbox_id, name, owner_org_id, uidvalidity, last_uid, highest_modseq)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (network_id, mailbox_id, name) DO UPDATE SET
		  last_uid = CASE WHEN mail_folders.uidvalidity = EXCLUDED.uidvalidity THEN greatest(mail_folders.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
		  uidvalidity = EXCLUDED.uidvalidity, highest_modseq = EXCLUDED.highest_modseq, updated_at = EXCLUDED.updated_at`,
		a.Network, mailbox, folder, a.Org, int64(sel.UIDValidity), last, modseq)
	return err
}

// thread puts the new messages into the organization's conversations with
// exchange/mail's Threader: the stored messages first (their conversations as
// stored, repaired where a run stopped before threading), then the new ones,
// whose Changes say which conversations were created, grew or merged; every
// message of those gets its conversation's id, on its row and its timeline
// entries, so a merge orphans nothing.
func (s *Service) thread(ctx context.Context, a partners.Actor, news []stored, res *Result) error {
	scope := strconv.FormatInt(a.Org, 10)
	newIDs := map[int64]bool{}
	for _, n := range news {
		newIDs[n.id] = true
	}
	type row struct {
		ID    int64          `db:"id"`
		Key   string         `db:"message_key"`
		Conv  string         `db:"conversation_id"`
		Subj  string         `db:"subject"`
		From  string         `db:"from_addr"`
		To    pq.StringArray `db:"to_addrs"`
		Cc    pq.StringArray `db:"cc_addrs"`
		Sent  *time.Time     `db:"sent_at"`
		IRT   pq.StringArray `db:"in_reply_to"`
		Refs  pq.StringArray `db:"refs"`
		Hash  []byte         `db:"body_hash"`
		Added time.Time      `db:"created_at"`
	}
	var rows []row
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `SELECT id, message_key, conversation_id, subject, from_addr, to_addrs, cc_addrs, sent_at, in_reply_to, refs, body_hash, created_at
			FROM mail_messages WHERE network_id = $1 AND owner_org_id = $2 ORDER BY id`, a.Network, a.Org)
	}); err != nil {
		return err
	}
	ids := map[*mail.Message]int64{}
	was := map[int64]string{}
	var old []*mail.Message
	for _, r := range rows {
		was[r.ID] = r.Conv
		if newIDs[r.ID] {
			continue
		}
		msg := &mail.Message{Scope: scope, Subject: r.Subj, InReplyTo: r.IRT, References: r.Refs, To: addrs(r.To), Cc: addrs(r.Cc)}
		if !strings.HasPrefix(r.Key, "h:") {
			msg.MessageID = r.Key
		}
		if r.From != "" {
			msg.From = []mail.Address{{Addr: r.From}}
		}
		if r.Sent != nil {
			msg.Date = r.Sent.UTC()
		}
		copy(msg.BodyHash[:], r.Hash)
		ids[msg] = r.ID
		old = append(old, msg)
	}
	t := mail.NewThreader(mail.Options{})
	want := map[int64]string{}
	if len(old) > 0 {
		t.Add(old...)
		for _, c := range t.Conversations() {
			for _, msg := range c.Messages() {
				if id := ids[msg]; was[id] != c.ID {
					want[id] = c.ID
				}
			}
		}
	}
	fresh := make([]*mail.Message, 0, len(news))
	for _, n := range news {
		ids[n.msg] = n.id
		fresh = append(fresh, n.msg)
	}
	if len(fresh) > 0 {
		ch := t.Add(fresh...)
		changed := append(append([]*mail.Conversation{}, ch.Created...), ch.Grew...)
		for _, mg := range ch.Merged {
			changed = append(changed, mg.Into)
		}
		for _, c := range changed {
			for _, msg := range c.Messages() {
				if id, ok := ids[msg]; ok && was[id] != c.ID {
					want[id] = c.ID
				}
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	byConv := map[string][]int64{}
	for id, c := range want {
		byConv[c] = append(byConv[c], id)
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		for conv, list := range byConv {
			slices.Sort(list)
			if _, err := tx.ExecContext(ctx, `UPDATE mail_messages SET conversation_id = $3 WHERE network_id = $1 AND owner_org_id = $2 AND id = ANY ($4)`,
				a.Network, a.Org, conv, pq.Int64Array(list)); err != nil {
				return err
			}
			if err := activity.MailThreaded(ctx, tx, a, conv, list); err != nil {
				return err
			}
			res.Threaded += len(list)
		}
		return nil
	})
}

// messageKey is how a message is stored once per organization: its
// Message-ID, or, without one, "h:" and a digest of its headers and the start
// of its body, the same for every copy of the message.
func messageKey(m *mail.Message) string {
	if m.MessageID != "" && len(m.MessageID) <= 900 {
		return clean(m.MessageID, 900)
	}
	h := sha256.New()
	for _, l := range [][]mail.Address{m.From, m.To, m.Cc} {
		for _, x := range l {
			h.Write([]byte(x.Addr + "\x00"))
		}
		h.Write([]byte{1})
	}
	h.Write([]byte(m.Date.UTC().Format(time.RFC3339) + "\x00" + m.Subject + "\x00"))
	h.Write(m.BodyHash[:])
	h.Write([]byte(m.MessageID))
	return "h:" + hex.EncodeToString(h.Sum(nil))
}

func bodies(m *mail.Message) (text, html string) {
	for _, p := range m.Text {
		switch {
		case p.ContentType == "text/plain" && text == "":
			text = p.Text
		case p.ContentType == "text/html" && html == "":
			html = p.Text
		}
	}
	return text, html
}

// stripTags is a crude text of an HTML body for a timeline snippet (which is
// shown escaped): tags dropped, entities left.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func at(m *mail.Message) time.Time {
	if d := m.SentDate(); !d.IsZero() {
		return d.UTC()
	}
	return time.Now().UTC()
}

func addrList(l []mail.Address) []string {
	out := make([]string, 0, len(l))
	for _, a := range l {
		out = append(out, a.Addr)
	}
	return out
}

func addrs(l []string) []mail.Address {
	out := make([]mail.Address, 0, len(l))
	for _, a := range l {
		out = append(out, mail.Address{Addr: a})
	}
	return out
}

func nonNil(l []mail.Attachment) []mail.Attachment {
	if l == nil {
		return []mail.Attachment{}
	}
	return l
}

// clean makes s storable: valid UTF-8, no NUL bytes (PostgreSQL's text
// refuses them), at most n bytes.
func clean(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	return s
}

func cleanAll(l []string) pq.StringArray {
	out := make(pq.StringArray, 0, len(l))
	for _, s := range l {
		out = append(out, clean(s, 1000))
	}
	return out
}
