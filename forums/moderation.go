package forums

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// ThreadModeration changes a thread's flags; nil leaves one as it is.
type ThreadModeration struct {
	Pinned *bool `json:"pinned"`
	Locked *bool `json:"locked"`
	Hidden *bool `json:"hidden"`
}

func requireModerator(a partners.Actor, sp *Space) error {
	if !sp.Moderator {
		return apperr.E(apperr.Forbidden, "This needs a moderator of the space: a manager or admin of the organization that owns it.")
	}
	return nil
}

// Moderate pins, locks or hides a thread (or undoes it); each change goes to
// the audit log. The space's moderators. Errors: Forbidden, Invalid, NotFound.
func (s *Service) Moderate(ctx context.Context, a partners.Actor, id int64, in ThreadModeration) (*Thread, error) {
	if in.Pinned == nil && in.Locked == nil && in.Hidden == nil {
		return nil, apperr.Field("pinned", "name at least one of pinned, locked, hidden")
	}
	var out *Thread
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, t, err := s.thread(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if err := requireModerator(a, sp); err != nil {
			return err
		}
		changes := map[string]any{}
		if in.Pinned != nil && *in.Pinned != t.Pinned {
			changes["pinned"] = *in.Pinned
		}
		if in.Locked != nil && *in.Locked != t.Locked {
			changes["locked"] = *in.Locked
		}
		if in.Hidden != nil && *in.Hidden != (t.HiddenAt != nil) {
			changes["hidden"] = *in.Hidden
		}
		if len(changes) > 0 {
			// The time comes as a parameter: Citus refuses now() inside CASE or
			// COALESCE in an UPDATE.
			if _, err := tx.ExecContext(ctx, `UPDATE forum_threads SET pinned = coalesce($3, pinned), locked = coalesce($4, locked),
				hidden_at = CASE WHEN $5::boolean IS NULL THEN hidden_at WHEN $5 THEN coalesce(hidden_at, $6) ELSE NULL END
				WHERE network_id = $1 AND id = $2`, a.Network, id, in.Pinned, in.Locked, in.Hidden, time.Now()); err != nil {
				return err
			}
			if err := audit(ctx, tx, a, "forum.thread.moderate", "forum_thread", id, changes); err != nil {
				return err
			}
		}
		_, out, err = s.thread(ctx, tx, a, id, false)
		return err
	})
	return out, err
}

// HidePost hides a post from everyone but the space's moderators, with a
// reason; RestorePost shows it again. Errors: Forbidden, Invalid, NotFound,
// Conflict.
func (s *Service) HidePost(ctx context.Context, a partners.Actor, id int64, reason string) (*Post, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return nil, apperr.Field("reason", "must be 1 to 500 characters")
	}
	return s.setHidden(ctx, a, id, true, reason)
}

// RestorePost shows a hidden post again. Errors: Forbidden, NotFound, Conflict.
func (s *Service) RestorePost(ctx context.Context, a partners.Actor, id int64) (*Post, error) {
	return s.setHidden(ctx, a, id, false, "")
}

func (s *Service) setHidden(ctx context.Context, a partners.Actor, id int64, hide bool, reason string) (*Post, error) {
	var out *Post
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, _, p, err := s.postAndSpace(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if err := requireModerator(a, sp); err != nil {
			return err
		}
		if hide == (p.HiddenAt != nil) {
			if hide {
				return apperr.E(apperr.Conflict, "Post %d is already hidden.", id)
			}
			return apperr.E(apperr.Conflict, "Post %d is not hidden.", id)
		}
		if err := hidePost(ctx, tx, a, id, hide, reason); err != nil {
			return err
		}
		out, err = s.post(ctx, tx, a, sp, id)
		return err
	})
	return out, err
}

func hidePost(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, hide bool, reason string) error {
	if hide {
		if _, err := tx.ExecContext(ctx, `UPDATE forum_posts SET hidden_at = now(), hidden_by = $3, hidden_reason = $4 WHERE network_id = $1 AND id = $2`,
			a.Network, id, nullID(a.User), reason); err != nil {
			return err
		}
		return audit(ctx, tx, a, "forum.post.hide", "forum_post", id, map[string]any{"reason": reason})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE forum_posts SET hidden_at = NULL, hidden_by = NULL, hidden_reason = NULL WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
		return err
	}
	return audit(ctx, tx, a, "forum.post.restore", "forum_post", id, nil)
}

// Report is a post reported to its space's moderators.
type Report struct {
	ID           int64      `db:"id" json:"id"`
	PostID       int64      `db:"post_id" json:"post_id"`
	SpaceID      int64      `db:"space_id" json:"space_id"`
	ThreadID     int64      `db:"thread_id" json:"thread_id"`
	ReporterUser *int64     `db:"reporter_user_id" json:"reporter_user_id"`
	ReporterOrg  int64      `db:"reporter_org_id" json:"reporter_org_id"`
	Reason       string     `db:"reason" json:"reason"`
	State        string     `db:"state" json:"state"`
	Excerpt      string     `db:"excerpt" json:"excerpt"`
	ResolvedAt   *time.Time `db:"resolved_at" json:"resolved_at"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
}

const reportColumns = `r.id, r.post_id, r.space_id, p.thread_id, r.reporter_user_id, r.reporter_org_id, r.reason, r.state,
	left(p.body_text, 280) AS excerpt, r.resolved_at, r.created_at`

// ReportPost reports a post the actor can see to the space's moderators, who
// find it in their queue. Errors: Invalid, NotFound.
func (s *Service) ReportPost(ctx context.Context, a partners.Actor, id int64, reason string) (*Report, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 1000 {
		return nil, apperr.Field("reason", "must be 1 to 1000 characters")
	}
	var out Report
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, _, _, err := s.postAndSpace(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		var rid int64
		if err := tx.GetContext(ctx, &rid, `INSERT INTO forum_reports (network_id, post_id, space_id, reporter_user_id, reporter_org_id, moderator_org_id, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.Network, id, sp.ID, nullID(a.User), a.Org, sp.OwnerOrg, reason); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, "forum.post.report", "forum_post", id, map[string]any{"report": rid, "reason": reason}); err != nil {
			return err
		}
		return tx.GetContext(ctx, &out, `SELECT `+reportColumns+` FROM forum_reports r JOIN forum_posts p ON p.network_id = r.network_id AND p.id = r.post_id
			WHERE r.network_id = $1 AND r.id = $2`, a.Network, rid)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Reports is the moderation queue: the reports on the spaces the actor's
// organization owns (managers and admins), open ones unless all.
func (s *Service) Reports(ctx context.Context, a partners.Actor, all bool) ([]Report, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	var out []Report
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+reportColumns+` FROM forum_reports r JOIN forum_posts p ON p.network_id = r.network_id AND p.id = r.post_id
			WHERE r.network_id = $1 AND r.moderator_org_id = $2 AND ($3 OR r.state = 'open') ORDER BY r.id DESC LIMIT 200`, a.Network, a.Org, all)
	})
	if out == nil {
		out = []Report{}
	}
	return out, err
}

// Resolve closes a report: "dismiss" leaves the post, "hide" hides it.
// Moderators of the space. Errors: Forbidden, Invalid, NotFound, Conflict.
func (s *Service) Resolve(ctx context.Context, a partners.Actor, id int64, action string) (*Report, error) {
	if action != "dismiss" && action != "hide" {
		return nil, apperr.Field("action", "%q is not one of dismiss, hide", action)
	}
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	var out Report
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r Report
		// Locked by a single-table statement first, which Citus routes with its lock.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM forum_reports WHERE network_id = $1 AND id = $2 AND moderator_org_id = $3 FOR UPDATE`, a.Network, id, a.Org); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &r, `SELECT `+reportColumns+` FROM forum_reports r JOIN forum_posts p ON p.network_id = r.network_id AND p.id = r.post_id
			WHERE r.network_id = $1 AND r.id = $2 AND r.moderator_org_id = $3`, a.Network, id, a.Org); err != nil {
			return db.Absent(err, "Report %d not found.", id)
		}
		if r.State != "open" {
			return apperr.E(apperr.Conflict, "Report %d is already closed (%s).", id, r.State)
		}
		state := "dismissed"
		if action == "hide" {
			state = "hidden"
			var hidden bool
			if err := tx.GetContext(ctx, &hidden, `SELECT hidden_at IS NOT NULL FROM forum_posts WHERE network_id = $1 AND id = $2`, a.Network, r.PostID); err != nil {
				return err
			}
			if !hidden {
				if err := hidePost(ctx, tx, a, r.PostID, true, r.Reason); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE forum_reports SET state = $3, resolved_by = $4, resolved_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, id, state, nullID(a.User)); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, "forum.report.resolve", "forum_report", id, map[string]any{"post": r.PostID, "action": action}); err != nil {
			return err
		}
		return tx.GetContext(ctx, &out, `SELECT `+reportColumns+` FROM forum_reports r JOIN forum_posts p ON p.network_id = r.network_id AND p.id = r.post_id
			WHERE r.network_id = $1 AND r.id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
