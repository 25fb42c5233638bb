package forums

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

var errNoRows = sql.ErrNoRows

// MaxBody is the longest post body, in bytes of Markdown.
const MaxBody = 20000

// Thread is a conversation in a space.
type Thread struct {
	Network        int64         `db:"network_id" json:"-"`
	ID             int64         `db:"id" json:"id"`
	SpaceID        int64         `db:"space_id" json:"space_id"`
	Title          string        `db:"title" json:"title"`
	AuthorUser     *int64        `db:"author_user_id" json:"author_user_id"`
	AuthorOrg      int64         `db:"author_org_id" json:"author_org_id"`
	AuthorName     string        `db:"author_name" json:"author_name"`
	FirstPost      *int64        `db:"first_post_id" json:"first_post_id"`
	LastPost       int64         `db:"last_post_id" json:"last_post_id"`
	LastPostAt     time.Time     `db:"last_post_at" json:"last_post_at"`
	PostCount      int           `db:"post_count" json:"post_count"`
	Pinned         bool          `db:"pinned" json:"pinned"`
	Locked         bool          `db:"locked" json:"locked"`
	HiddenAt       *time.Time    `db:"hidden_at" json:"hidden_at,omitempty"`
	AcceptedPostID *int64        `db:"accepted_post_id" json:"accepted_post_id"`
	MemberOrgs     pq.Int64Array `db:"member_orgs" json:"-"`
	CreatedAt      time.Time     `db:"created_at" json:"created_at"`
	Unread         bool          `db:"unread" json:"unread"`
	Following      bool          `db:"following" json:"following"`
}

const threadColumns = `t.network_id, t.id, t.space_id, t.title, t.author_user_id, t.author_org_id, t.author_name, t.first_post_id, t.last_post_id,
	t.last_post_at, t.post_count, t.pinned, t.locked, t.hidden_at, t.accepted_post_id, t.member_orgs, t.created_at,
	t.last_post_id > coalesce((SELECT r.last_post_id FROM forum_reads r WHERE r.network_id = t.network_id AND r.user_id = $3 AND r.thread_id = t.id), 0) AS unread,
	EXISTS (SELECT 1 FROM forum_follows f WHERE f.network_id = t.network_id AND f.user_id = $3 AND f.space_id = t.space_id AND f.thread_id = t.id) AS following`

// Post is one message of a thread.
type Post struct {
	Network       int64           `db:"network_id" json:"-"`
	ID            int64           `db:"id" json:"id"`
	ThreadID      int64           `db:"thread_id" json:"thread_id"`
	SpaceID       int64           `db:"space_id" json:"space_id"`
	AuthorUser    *int64          `db:"author_user_id" json:"author_user_id"`
	AuthorOrg     int64           `db:"author_org_id" json:"author_org_id"`
	AuthorName    string          `db:"author_name" json:"author_name"`
	AuthorOrgName string          `db:"author_org_name" json:"author_org_name"`
	Body          string          `db:"body_md" json:"body"`
	HTML          string          `db:"body_html" json:"body_html"`
	ReplyTo       *int64          `db:"reply_to_id" json:"reply_to_id"`
	QuotePost     *int64          `db:"quote_post_id" json:"quote_post_id"`
	MentionsJSON  json.RawMessage `db:"mentions" json:"mentions"`
	HiddenAt      *time.Time      `db:"hidden_at" json:"hidden_at,omitempty"`
	HiddenReason  *string         `db:"hidden_reason" json:"hidden_reason,omitempty"`
	EditedAt      *time.Time      `db:"edited_at" json:"edited_at"`
	EditCount     int             `db:"edit_count" json:"edit_count"`
	CreatedAt     time.Time       `db:"created_at" json:"created_at"`
	Accepted      bool            `db:"-" json:"accepted"`
	// Attachments are the post's files (on a thread's posts; empty elsewhere).
	Attachments []Attachment `db:"-" json:"attachments,omitempty"`
}

const postColumns = `p.network_id, p.id, p.thread_id, p.space_id, p.author_user_id, p.author_org_id, p.author_name, p.author_org_name, p.body_md,
	p.body_html, p.reply_to_id, p.quote_post_id, p.mentions, p.hidden_at, p.hidden_reason, p.edited_at, p.edit_count, p.created_at`

// ThreadInput starts a thread: its title and first post.
type ThreadInput struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// PostInput is a reply: its body, the post it answers and the post it quotes
// (both of the same thread, optional).
type PostInput struct {
	Body    string `json:"body"`
	ReplyTo int64  `json:"reply_to_id"`
	Quote   int64  `json:"quote_post_id"`
}

// ThreadPage is a thread with its posts.
type ThreadPage struct {
	Space  *Space  `json:"space"`
	Thread *Thread `json:"thread"`
	Posts  []Post  `json:"posts"`
}

func checkBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if body == "" {
		return "", apperr.Field("body", "is required")
	}
	if len(body) > MaxBody {
		return "", apperr.Field("body", "must be at most %d bytes of Markdown (it has %d)", MaxBody, len(body))
	}
	if strings.ContainsRune(body, 0) {
		return "", apperr.Field("body", "must not contain NUL characters")
	}
	return body, nil
}

// CreateThread starts a thread in a space the actor can see, with its first
// post. Sales role and above. Errors: Forbidden, Invalid, NotFound.
func (s *Service) CreateThread(ctx context.Context, a partners.Actor, spaceID int64, in ThreadInput) (*ThreadPage, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" || len([]rune(title)) > 200 {
		return nil, apperr.Field("title", "must be 1 to 200 characters")
	}
	body, err := checkBody(in.Body)
	if err != nil {
		return nil, err
	}
	var threadID int64
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, spaceID)
		if err != nil {
			return err
		}
		mentions, err := s.mentions(ctx, tx, a, sp, body)
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &threadID, `INSERT INTO forum_threads (network_id, space_id, title, author_user_id, author_org_id, author_name, member_orgs)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.Network, sp.ID, title, nullID(a.User), a.Org, authorName(a), orgsArg(sp.MemberOrgs)); err != nil {
			return err
		}
		postID, err := s.insertPost(ctx, tx, a, sp, threadID, title, body, nil, nil, mentions)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE forum_threads SET first_post_id = $3 WHERE network_id = $1 AND id = $2`, a.Network, threadID, postID); err != nil {
			return err
		}
		if err := s.follow(ctx, tx, a, sp.ID, threadID); err != nil {
			return err
		}
		return s.notifyPost(ctx, tx, a, sp, threadID, title, postID, true, mentions, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Thread(ctx, a, threadID)
}

// Reply adds a post to a thread the actor can see. Sales role and above; not
// in a locked thread (its moderators excepted). Errors: Forbidden, Invalid,
// NotFound, Conflict (locked).
func (s *Service) Reply(ctx context.Context, a partners.Actor, threadID int64, in PostInput) (*Post, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	body, err := checkBody(in.Body)
	if err != nil {
		return nil, err
	}
	var out Post
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, t, err := s.thread(ctx, tx, a, threadID, true)
		if err != nil {
			return err
		}
		if t.Locked && !sp.Moderator {
			return apperr.E(apperr.Conflict, "Thread %d is locked: no new posts.", threadID)
		}
		var replyTo, quote *int64
		for _, ref := range []struct {
			field string
			id    int64
			into  **int64
		}{{"reply_to_id", in.ReplyTo, &replyTo}, {"quote_post_id", in.Quote, &quote}} {
			if ref.id == 0 {
				continue
			}
			p, err := s.post(ctx, tx, a, sp, ref.id)
			if err != nil || p.ThreadID != threadID {
				return apperr.Field(ref.field, "no post %d in thread %d", ref.id, threadID)
			}
			id := ref.id
			*ref.into = &id
			if ref.field == "quote_post_id" {
				body = quoteMarkdown(p.AuthorName, p.Body) + body
				if len(body) > MaxBody {
					return apperr.Field("body", "must be at most %d bytes of Markdown with the quote (it has %d)", MaxBody, len(body))
				}
			}
		}
		mentions, err := s.mentions(ctx, tx, a, sp, body)
		if err != nil {
			return err
		}
		postID, err := s.insertPost(ctx, tx, a, sp, threadID, "", body, replyTo, quote, mentions)
		if err != nil {
			return err
		}
		if err := s.follow(ctx, tx, a, sp.ID, threadID); err != nil {
			return err
		}
		if err := s.notifyPost(ctx, tx, a, sp, threadID, t.Title, postID, false, mentions, nil); err != nil {
			return err
		}
		p, err := s.post(ctx, tx, a, sp, postID)
		if err != nil {
			return err
		}
		out = *p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func orgsArg(orgs pq.Int64Array) any {
	if orgs == nil {
		return nil
	}
	return orgs
}

// insertPost stores a rendered post and moves its thread's counters.
func (s *Service) insertPost(ctx context.Context, tx *sqlx.Tx, a partners.Actor, sp *Space, threadID int64, title, body string, replyTo, quote *int64, mentions []Mention) (int64, error) {
	orgName, err := partners.OrgName(ctx, tx, a.Network, a.Org)
	if err != nil {
		return 0, err
	}
	html, text := Render(body, mentions)
	mj, _ := json.Marshal(mentionsOrEmpty(mentions))
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO forum_posts (network_id, thread_id, space_id, author_user_id, author_org_id, author_name, author_org_name,
			body_md, body_html, body_text, reply_to_id, quote_post_id, mentions, member_orgs, search)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
			`+searchVector("$15", "$16", "$10", "$17")+`)
		RETURNING id`,
		a.Network, threadID, sp.ID, nullID(a.User), a.Org, authorName(a), orgName, body, html, text, replyTo, quote, string(mj), orgsArg(sp.MemberOrgs),
		title, foldPortuguese(title), foldPortuguese(text)); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE forum_threads SET last_post_id = $3, last_post_at = now(), post_count = post_count + 1 WHERE network_id = $1 AND id = $2`,
		a.Network, threadID, id); err != nil {
		return 0, err
	}
	return id, s.markRead(ctx, tx, a, threadID, id)
}

func mentionsOrEmpty(m []Mention) []Mention {
	if m == nil {
		return []Mention{}
	}
	return m
}

// authorName names the actor on a post: the person's name, else their email,
// else the API key.
func authorName(a partners.Actor) string {
	if strings.TrimSpace(a.Name) != "" {
		return a.Name
	}
	return a.Label()
}

// mentions resolves a body's @user:ID and @org:ID mentions and checks that
// each can see the space: a mention of someone who cannot is refused (they
// would never read it, and the post would tell the space they exist).
func (s *Service) mentions(ctx context.Context, tx *sqlx.Tx, a partners.Actor, sp *Space, body string) ([]Mention, error) {
	ms := parseMentions(body)
	if len(ms) > 20 {
		return nil, apperr.Field("body", "at most 20 mentions in a post")
	}
	for i := range ms {
		m := &ms[i]
		var org, user int64
		if m.Type == "user" {
			u, err := userOf(ctx, tx, a.Network, m.ID)
			if err != nil {
				return nil, apperr.Field("body", "@user:%d is not an active user of this network", m.ID)
			}
			m.Name, m.Org, org, user = u.Name, u.Org, u.Org, u.ID
		} else {
			name, err := partners.OrgName(ctx, tx, a.Network, m.ID)
			if err != nil {
				return nil, apperr.Field("body", "@org:%d is not an active organization of this network", m.ID)
			}
			m.Name, m.Org, org = name, m.ID, m.ID
		}
		ok, err := canSee(ctx, tx, a.Network, sp.ID, org, user)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.Field("body", "@%s:%d cannot see this space: mention only those who can", m.Type, m.ID)
		}
	}
	return ms, nil
}

// thread reads a thread the actor can see, with its space, in tx; lock locks
// the thread row. Hidden threads are seen by moderators only. Errors: NotFound.
func (s *Service) thread(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, lock bool) (*Space, *Thread, error) {
	var spaceID int64
	if err := tx.GetContext(ctx, &spaceID, `SELECT space_id FROM forum_threads WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
		return nil, nil, db.Absent(err, "Thread %d not found.", id)
	}
	sp, err := s.space(ctx, tx, a, spaceID)
	if err != nil {
		return nil, nil, apperr.E(apperr.NotFound, "Thread %d not found.", id)
	}
	if lock {
		// The row is locked by a statement of its own: Citus locks only what a
		// plain single-table statement routes (not one with the read markers'
		// subqueries).
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM forum_threads WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
			return nil, nil, err
		}
	}
	q := `SELECT ` + threadColumns + ` FROM forum_threads t WHERE t.network_id = $1 AND t.id = $4 AND $2::bigint > 0`
	var t Thread
	if err := tx.GetContext(ctx, &t, q, a.Network, a.Org, a.User, id); err != nil {
		return nil, nil, db.Absent(err, "Thread %d not found.", id)
	}
	if t.HiddenAt != nil && !sp.Moderator {
		return nil, nil, apperr.E(apperr.NotFound, "Thread %d not found.", id)
	}
	return sp, &t, nil
}

// post reads a post of a space the actor sees, in tx; hidden posts are seen by
// moderators only. Errors: NotFound.
func (s *Service) post(ctx context.Context, tx *sqlx.Tx, a partners.Actor, sp *Space, id int64) (*Post, error) {
	var p Post
	if err := tx.GetContext(ctx, &p, `SELECT `+postColumns+` FROM forum_posts p WHERE p.network_id = $1 AND p.id = $2 AND p.space_id = $3`, a.Network, id, sp.ID); err != nil {
		return nil, db.Absent(err, "Post %d not found.", id)
	}
	if p.HiddenAt != nil && !sp.Moderator {
		return nil, apperr.E(apperr.NotFound, "Post %d not found.", id)
	}
	return &p, nil
}

// postAndSpace reads a post the actor can see with its space and thread.
func (s *Service) postAndSpace(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, lock bool) (*Space, *Thread, *Post, error) {
	var threadID int64
	if err := tx.GetContext(ctx, &threadID, `SELECT thread_id FROM forum_posts WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
		return nil, nil, nil, db.Absent(err, "Post %d not found.", id)
	}
	sp, t, err := s.thread(ctx, tx, a, threadID, lock)
	if err != nil {
		return nil, nil, nil, apperr.E(apperr.NotFound, "Post %d not found.", id)
	}
	p, err := s.post(ctx, tx, a, sp, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return sp, t, p, nil
}

// Thread returns a thread with its posts, oldest first, and marks it read for
// the actor. Errors: NotFound.
func (s *Service) Thread(ctx context.Context, a partners.Actor, id int64) (*ThreadPage, error) {
	var out ThreadPage
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, t, err := s.thread(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &out.Posts, `SELECT `+postColumns+` FROM forum_posts p
			WHERE p.network_id = $1 AND p.thread_id = $2 AND ($3 OR p.hidden_at IS NULL) ORDER BY p.id LIMIT 1000`, a.Network, id, sp.Moderator); err != nil {
			return err
		}
		files, err := threadAttachments(ctx, tx, a.Network, id)
		if err != nil {
			return err
		}
		for i := range out.Posts {
			out.Posts[i].Accepted = t.AcceptedPostID != nil && *t.AcceptedPostID == out.Posts[i].ID
			out.Posts[i].Attachments = files[out.Posts[i].ID]
			if out.Posts[i].Attachments == nil {
				out.Posts[i].Attachments = []Attachment{}
			}
		}
		if out.Posts == nil {
			out.Posts = []Post{}
		}
		out.Space, out.Thread = sp, t
		return s.markRead(ctx, tx, a, id, t.LastPost)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Threads lists a space's threads: pinned first, then by latest post, with
// the actor's unread markers. Hidden threads are listed for moderators only.
// Errors: NotFound.
func (s *Service) Threads(ctx context.Context, a partners.Actor, spaceID int64) ([]Thread, error) {
	var out []Thread
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, spaceID)
		if err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, `SELECT `+threadColumns+` FROM forum_threads t
			WHERE t.network_id = $1 AND t.space_id = $4 AND ($5 OR t.hidden_at IS NULL) AND $2::bigint > 0
			ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC LIMIT 200`, a.Network, a.Org, a.User, sp.ID, sp.Moderator)
	})
	if out == nil {
		out = []Thread{}
	}
	return out, err
}

// Edit changes the actor's own post, keeping the earlier body in its history.
// Not in a locked thread, nor a hidden post. Errors: Forbidden, Invalid,
// NotFound, Conflict.
func (s *Service) Edit(ctx context.Context, a partners.Actor, id int64, body string) (*Post, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	body, err := checkBody(body)
	if err != nil {
		return nil, err
	}
	var out *Post
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, t, p, err := s.postAndSpace(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if a.User == 0 || p.AuthorUser == nil || *p.AuthorUser != a.User {
			return apperr.E(apperr.Forbidden, "Only its author edits a post.")
		}
		if t.Locked {
			return apperr.E(apperr.Conflict, "Thread %d is locked: its posts no longer change.", t.ID)
		}
		if p.HiddenAt != nil {
			return apperr.E(apperr.Conflict, "Post %d is hidden by a moderator.", id)
		}
		mentions, err := s.mentions(ctx, tx, a, sp, body)
		if err != nil {
			return err
		}
		var before []Mention
		_ = json.Unmarshal(p.MentionsJSON, &before)
		if _, err := tx.ExecContext(ctx, `INSERT INTO forum_post_edits (network_id, post_id, body_md, edited_by, member_orgs) VALUES ($1, $2, $3, $4, $5)`,
			a.Network, id, p.Body, nullID(a.User), orgsArg(sp.MemberOrgs)); err != nil {
			return err
		}
		title := ""
		if t.FirstPost != nil && *t.FirstPost == id {
			title = t.Title
		}
		html, text := Render(body, mentions)
		mj, _ := json.Marshal(mentionsOrEmpty(mentions))
		if _, err := tx.ExecContext(ctx, `UPDATE forum_posts SET body_md = $3, body_html = $4, body_text = $5, mentions = $6, edited_at = now(), edit_count = edit_count + 1,
				search = `+searchVector("$7", "$8", "$5", "$9")+`
			WHERE network_id = $1 AND id = $2`, a.Network, id, body, html, text, string(mj), title, foldPortuguese(title), foldPortuguese(text)); err != nil {
			return err
		}
		if err := s.notifyPost(ctx, tx, a, sp, t.ID, t.Title, id, false, mentions, before); err != nil {
			return err
		}
		out, err = s.post(ctx, tx, a, sp, id)
		return err
	})
	return out, err
}

// Edit is an earlier version of a post.
type Edit struct {
	ID       int64     `db:"id" json:"id"`
	Body     string    `db:"body_md" json:"body"`
	EditedBy *int64    `db:"edited_by" json:"edited_by"`
	EditedAt time.Time `db:"edited_at" json:"edited_at"`
}

// History lists a post's earlier bodies, newest first. Errors: NotFound.
func (s *Service) History(ctx context.Context, a partners.Actor, id int64) ([]Edit, error) {
	var out []Edit
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, _, _, err := s.postAndSpace(ctx, tx, a, id, false); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, `SELECT id, body_md, edited_by, edited_at FROM forum_post_edits WHERE network_id = $1 AND post_id = $2 ORDER BY id DESC`, a.Network, id)
	})
	if out == nil {
		out = []Edit{}
	}
	return out, err
}

// Accept marks a post as the accepted answer of its thread, in a Q&A space:
// the thread's asker decides (again to change it). Errors: Forbidden, Invalid,
// NotFound.
func (s *Service) Accept(ctx context.Context, a partners.Actor, id int64) (*Thread, error) {
	var out *Thread
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, t, p, err := s.postAndSpace(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if !sp.QA {
			return apperr.E(apperr.Invalid, "Space %d is not a Q&A space: its threads have no accepted answer.", sp.ID)
		}
		if a.User == 0 || t.AuthorUser == nil || *t.AuthorUser != a.User {
			return apperr.E(apperr.Forbidden, "Only the asker marks the accepted answer.")
		}
		if t.FirstPost != nil && *t.FirstPost == id {
			return apperr.E(apperr.Invalid, "Post %d is the question, not an answer.", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE forum_threads SET accepted_post_id = $3 WHERE network_id = $1 AND id = $2`, a.Network, t.ID, id); err != nil {
			return err
		}
		if p.AuthorUser != nil && *p.AuthorUser != a.User {
			if err := send(ctx, tx, a.Network, p.AuthorOrg, *p.AuthorUser, "forum.accepted", postLink(t.ID, id),
				l10n.M("Your answer was accepted"), l10n.M("%s accepted your answer in %q.", authorName(a), t.Title)); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, a, "forum.answer.accept", "forum_post", id, map[string]any{"thread": t.ID}); err != nil {
			return err
		}
		_, out, err = s.thread(ctx, tx, a, t.ID, false)
		return err
	})
	return out, err
}

func postLink(thread, post int64) string {
	return fmt.Sprintf("/forums/threads/%d#post-%d", thread, post)
}

// send notifies a user, in their language when they read it.
func send(ctx context.Context, tx *sqlx.Tx, network, org, user int64, kind, link string, title, body l10n.Msg) error {
	_, err := notify.Send(ctx, tx, network, org, user, kind, title, body, link)
	return err
}

// PostInThread returns a post the actor may see with its thread (a hidden
// post for the space's moderators only). Errors: NotFound.
func (s *Service) PostInThread(ctx context.Context, a partners.Actor, id int64) (*Thread, *Post, error) {
	var t *Thread
	var p *Post
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		_, t, p, err = s.postAndSpace(ctx, tx, a, id, false)
		return err
	})
	return t, p, err
}
