package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// IdempotencyTTL is how long a stored Idempotency-Key answers retries.
const IdempotencyTTL = 24 * time.Hour

// replayBodyKey is where a handler whose reply carries a secret (an API key's
// secret, an invite link) leaves the reply to store instead: the same record
// without the secret. A replay never hands the secret out again.
const replayBodyKey = "idempotency_replay_body"

// idemActor names who sent a key: each user and each API key has keys of its own.
func idemActor(a *partners.Actor) string {
	if a.APIKey != 0 {
		return fmt.Sprintf("key:%d", a.APIKey)
	}
	return fmt.Sprintf("user:%d", a.User)
}

// idempotent honours Idempotency-Key on POST. The first request with a key
// reserves it; a retry with the same key and body from the same actor within
// IdempotencyTTL gets the first response again (Idempotent-Replayed: true), or a
// 409 while the first is still running. The same key with another body is a
// conflict. Keys are per actor (user or API key), and the route's role check runs
// before this, so a replay can never reach past what the route allows. Responses
// of 500 and above, and refusals, are not kept: the client may retry them.
func (s *Server) idempotent(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Get("Idempotency-Key")
		a := actorOf(c)
		if key == "" || a == nil {
			return h(c)
		}
		if len(key) > 255 {
			return apperr.Field("Idempotency-Key", "must be at most 255 characters")
		}
		if !printableASCII(key) {
			return apperr.Field("Idempotency-Key", "must be printable ASCII characters")
		}
		sum := sha256.Sum256(append([]byte(c.Method()+" "+c.Path()+"\n"), c.Body()...))
		ctx := c.UserContext()
		actor := idemActor(a)
		var stored struct {
			Hash        []byte `db:"request_hash"`
			State       string `db:"state"`
			Status      int    `db:"status"`
			ContentType string `db:"content_type"`
			Body        []byte `db:"body"`
		}
		reserved := false
		err := s.db.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			// An expired entry of this key is gone for good before the new one.
			if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE network_id = $1 AND org_id = $2 AND actor = $3 AND key = $4 AND expires_at <= now()`,
				a.Network, a.Org, actor, key); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (network_id, org_id, actor, key, request_hash, state, status, body, expires_at)
				VALUES ($1, $2, $3, $4, $5, 'pending', 0, '', now() + $6::interval) ON CONFLICT DO NOTHING`,
				a.Network, a.Org, actor, key, sum[:], fmt.Sprintf("%d seconds", int(IdempotencyTTL.Seconds())))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				reserved = true
				return nil
			}
			return tx.GetContext(ctx, &stored, `SELECT request_hash, state, status, content_type, body FROM idempotency_keys
				WHERE network_id = $1 AND org_id = $2 AND actor = $3 AND key = $4`, a.Network, a.Org, actor, key)
		})
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.Conflict, "This Idempotency-Key is being used by another request right now: retry in a moment.").On("Idempotency-Key")
		}
		if err != nil {
			return fmt.Errorf("idempotency key: %w", err)
		}
		if !reserved {
			switch {
			case !bytes.Equal(stored.Hash, sum[:]):
				return apperr.E(apperr.Conflict, "This Idempotency-Key was used for a different request.").On("Idempotency-Key")
			case stored.State == "pending":
				return apperr.E(apperr.Conflict, "A request with this Idempotency-Key is still being processed: retry in a moment.").On("Idempotency-Key")
			}
			c.Set("Idempotent-Replayed", "true")
			c.Set(fiber.HeaderContentType, stored.ContentType)
			return c.Status(stored.Status).Send(stored.Body)
		}
		// The reservation is released unless a response is stored, also when the
		// handler panics (the recover middleware answers 500 above us): a key must
		// not stay pending for its whole life after a crash of one request.
		kept := false
		release := func() {
			// A background context: the entry must be settled even when the client
			// has gone away.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.db.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE network_id = $1 AND org_id = $2 AND actor = $3 AND key = $4`,
					a.Network, a.Org, actor, key)
				return err
			}); err != nil {
				s.log.Error("idempotency key release", "err", err, "request_id", c.GetRespHeader(fiber.HeaderXRequestID))
			}
		}
		defer func() {
			if !kept {
				release()
			}
		}()
		herr := h(c)
		status := c.Response().StatusCode()
		if herr != nil || status < 200 || status >= 300 {
			return herr
		}
		settle, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		body := c.Response().Body()
		if redacted, ok := c.Locals(replayBodyKey).([]byte); ok {
			body = redacted
		}
		err = s.db.Tx(settle, a.Scope(), func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(settle, `UPDATE idempotency_keys SET state = 'done', status = $5, content_type = $6, body = $7
				WHERE network_id = $1 AND org_id = $2 AND actor = $3 AND key = $4`,
				a.Network, a.Org, actor, key, status, string(c.Response().Header.ContentType()), body)
			return err
		})
		if err != nil {
			// The change is made and its answer is ready: the client gets it. Only
			// a retry's replay is lost, so the key is released (deferred above).
			s.log.Error("idempotency key store", "err", err, "request_id", c.GetRespHeader(fiber.HeaderXRequestID))
			return nil
		}
		kept = true
		return nil
	}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// PurgeIdempotencyKeys deletes the expired Idempotency-Key entries of every
// network (the worker's sweep calls it), returning how many went.
func PurgeIdempotencyKeys(ctx context.Context, d *db.DB) (int64, error) {
	// No WHERE clause on purpose: outside a tenant transaction the only policy
	// that lets a row through is the migration's "expired" one, which admits
	// exactly the rows past expires_at (a WHERE on a column would also need a
	// SELECT policy, and none admits rows across tenants).
	res, err := d.ExecContext(ctx, `DELETE FROM idempotency_keys`)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
