package forums

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// follow makes the actor (a person) follow a space (thread 0) or a thread.
func (s *Service) follow(ctx context.Context, tx *sqlx.Tx, a partners.Actor, space, thread int64) error {
	if a.User == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO forum_follows (network_id, user_id, space_id, thread_id, org_id) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (network_id, user_id, space_id, thread_id) DO NOTHING`, a.Network, a.User, space, thread, a.Org)
	return err
}

func needPerson(a partners.Actor) error {
	if a.User == 0 {
		return apperr.E(apperr.Forbidden, "Following is for people: an API key is never notified.")
	}
	return nil
}

// FollowSpace starts (on) or stops following a space: its new threads notify
// the actor. Errors: Forbidden (an API key), NotFound.
func (s *Service) FollowSpace(ctx context.Context, a partners.Actor, id int64, on bool) (*Space, error) {
	if err := needPerson(a); err != nil {
		return nil, err
	}
	var out *Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := s.space(ctx, tx, a, id); err != nil {
			return err
		}
		var err error
		if on {
			err = s.follow(ctx, tx, a, id, 0)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM forum_follows WHERE network_id = $1 AND user_id = $2 AND space_id = $3 AND thread_id = 0`, a.Network, a.User, id)
		}
		if err != nil {
			return err
		}
		out, err = s.space(ctx, tx, a, id)
		return err
	})
	return out, err
}

// FollowThread starts (on) or stops following a thread: its new posts notify
// the actor. Errors: Forbidden (an API key), NotFound.
func (s *Service) FollowThread(ctx context.Context, a partners.Actor, id int64, on bool) (*Thread, error) {
	if err := needPerson(a); err != nil {
		return nil, err
	}
	var out *Thread
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, _, err := s.thread(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		if on {
			err = s.follow(ctx, tx, a, sp.ID, id)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM forum_follows WHERE network_id = $1 AND user_id = $2 AND space_id = $3 AND thread_id = $4`, a.Network, a.User, sp.ID, id)
		}
		if err != nil {
			return err
		}
		_, out, err = s.thread(ctx, tx, a, id, false)
		return err
	})
	return out, err
}

// markRead moves the actor's read marker of a thread up to post.
func (s *Service) markRead(ctx context.Context, tx *sqlx.Tx, a partners.Actor, thread, post int64) error {
	if a.User == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO forum_reads (network_id, user_id, thread_id, last_post_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (network_id, user_id, thread_id) DO UPDATE SET last_post_id = GREATEST(forum_reads.last_post_id, EXCLUDED.last_post_id), read_at = EXCLUDED.read_at`,
		a.Network, a.User, thread, post)
	return err
}

// notifyPost notifies, in-app (and by the notifications' email job), those a
// new or edited post concerns: the users and organizations (their admins) it
// newly mentions, and, for a new post, the thread's followers (and for a new
// thread the space's); never the author, and never anyone who cannot see the
// space now.
func (s *Service) notifyPost(ctx context.Context, tx *sqlx.Tx, a partners.Actor, sp *Space, thread int64, title string, post int64, newThread bool, mentions, before []Mention) error {
	type who struct{ user, org int64 }
	done := map[int64]bool{a.User: true}
	was := map[Mention]bool{}
	for _, m := range before {
		was[Mention{Type: m.Type, ID: m.ID}] = true
	}
	author, link := authorName(a), postLink(thread, post)
	deliver := func(w who, kind string, head, body l10n.Msg, email bool) error {
		if done[w.user] {
			return nil
		}
		done[w.user] = true
		ok, err := canSee(ctx, tx, a.Network, sp.ID, w.org, w.user)
		if err != nil || !ok {
			return err
		}
		if !email {
			_, err := notify.SendInApp(ctx, tx, a.Network, w.org, w.user, kind, head, body, link)
			return err
		}
		return send(ctx, tx, a.Network, w.org, w.user, kind, link, head, body)
	}
	for _, m := range mentions {
		if was[Mention{Type: m.Type, ID: m.ID}] {
			continue
		}
		if m.Type == "user" {
			if err := deliver(who{m.ID, m.Org}, "forum.mention", l10n.M("You were mentioned"), l10n.M("%s mentioned you in %q.", author, title), true); err != nil {
				return err
			}
			continue
		}
		admins, err := partners.OrgAdmins(ctx, tx, a.Network, m.ID)
		if err != nil {
			return err
		}
		for _, u := range admins {
			if err := deliver(who{u, m.ID}, "forum.mention", l10n.M("Your organization was mentioned"),
				l10n.M("%s mentioned your organization in %q.", author, title), true); err != nil {
				return err
			}
		}
	}
	if before != nil {
		return nil
	}
	var followers []struct {
		User   int64 `db:"user_id"`
		Org    int64 `db:"org_id"`
		Thread int64 `db:"thread_id"`
	}
	if err := tx.SelectContext(ctx, &followers, `SELECT user_id, org_id, thread_id FROM forum_follows
		WHERE network_id = $1 AND space_id = $2 AND (thread_id = $3 OR ($4 AND thread_id = 0)) ORDER BY thread_id DESC, user_id`, a.Network, sp.ID, thread, newThread); err != nil {
		return err
	}
	users := make([]int64, 0, len(followers))
	for _, f := range followers {
		users = append(users, f.User)
	}
	// A follower who chose the daily digest, or no email, is told in the app
	// only (the digest job mails the former).
	modes, err := mailModes(ctx, tx, a.Network, users)
	if err != nil {
		return err
	}
	for _, f := range followers {
		head, body := l10n.M("New post in a thread you follow"), l10n.M("%s wrote in %q.", author, title)
		if newThread {
			head, body = l10n.M("New thread in a space you follow"), l10n.M("%s started %q in %s.", author, title, sp.Name)
		}
		mode := modes[f.User]
		if err := deliver(who{f.User, f.Org}, "forum.post", head, body, mode == "" || mode == MailEach); err != nil {
			return err
		}
	}
	return nil
}
