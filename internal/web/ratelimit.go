package web

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
)

// rateLimit allows limit API requests per window to each organization (or, before
// anyone is known, to each address). The count lives in PostgreSQL
// (rate_windows), so every instance behind a load balancer shares it, but a
// request does not go there: each instance claims a run of the window's
// requests at once (a lease) and hands them out in the process (see
// rateLeases). The reply carries X-RateLimit-Limit, -Remaining and -Reset; a
// refusal is a 429 with Retry-After.
func (s *Server) rateLimit(limit int, window time.Duration) fiber.Handler {
	rl := &rateLeases{db: s.db, limit: limit, window: window, keys: map[string]*rateLease{}}
	s.rates = rl
	return func(c *fiber.Ctx) error {
		key := "ip:" + s.clientIP(c)
		if a := actorOf(c); a != nil {
			key = "org:" + strconv.FormatInt(a.Network, 10) + ":" + strconv.FormatInt(a.Org, 10)
		}
		used, resetAt, err := rl.take(c.UserContext(), key)
		if err != nil {
			return fmt.Errorf("rate limit: %w", err)
		}
		reset := max(int(math.Ceil(time.Until(resetAt).Seconds())), 0)
		c.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		c.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-used, 0)))
		c.Set("X-RateLimit-Reset", strconv.Itoa(reset))
		if used > limit {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(reset, 1)))
			if window == time.Minute {
				return apperr.E(apperr.TooMany, "Rate limit of %d requests per minute for your organization reached: retry later.", limit)
			}
			return apperr.E(apperr.TooMany, "Rate limit of %d requests per %s for your organization reached: retry later.", limit, window)
		}
		return c.Next()
	}
}

// leaseMax is the most requests an instance claims of a window at once.
const leaseMax = 64

// leaseShare is the fraction of the window's remaining requests an instance
// claims at once: 1/leaseShare.
const leaseShare = 32

// rateLeases counts requests per key and window in the process, against
// leases on the shared count in rate_windows. An instance that has no request
// of the key's window left claims more with one statement: it adds the lease
// to the shared count and learns the new total. A lease is a 32nd of what the
// window had left when it was claimed, at least 1 and at most 64, so near the
// limit every request asks the shared table, as it did when each request was
// one upsert.
//
// The bound this keeps across instances: no more than limit requests are
// admitted in a window, whatever the number of instances (a request is
// admitted only against a claimed part of the shared count that lies within
// the limit). A window may refuse requests before limit were used, by the
// leases other instances claimed and did not use: at most (instances − 1) ×
// min(64, limit/32). X-RateLimit-Remaining counts this instance's unused
// lease as unused and other instances' as used.
type rateLeases struct {
	db     *db.DB
	limit  int
	window time.Duration
	claims atomic.Int64 // statements sent, for tests

	mu   sync.Mutex
	keys map[string]*rateLease
	adds int
}

type rateLease struct {
	mu   sync.Mutex
	end  time.Time // end of the window the lease is of
	seen int       // the shared count after this instance's last claim
	top  int       // the place in the shared count of the lease's last request within the limit
	left int       // requests of the lease not handed out yet
}

// take counts one request of key and returns how many of the window's
// requests are used (more than limit: refuse) and when the window ends.
func (r *rateLeases) take(ctx context.Context, key string) (int, time.Time, error) {
	l := r.lease(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !time.Now().Before(l.end) {
		l.seen, l.top, l.left = 0, 0, 0
	}
	if l.left > 0 {
		l.left--
		return l.top - l.left, l.end, nil
	}
	if l.seen >= r.limit {
		// Every request of the window is claimed: refused until it ends, with
		// no statement per refusal.
		return r.limit + 1, l.end, nil
	}
	n := min(max((r.limit-l.seen)/leaseShare, 1), leaseMax)
	var total int
	var end time.Time
	r.claims.Add(1)
	if err := r.db.QueryRowContext(ctx, `WITH w AS (SELECT date_bin($2::interval, clock_timestamp(), timestamptz '2000-01-01 00:00:00+00') AS start),
		old AS (DELETE FROM rate_windows o USING w WHERE o.key = $1 AND o.window_start < w.start)
		INSERT INTO rate_windows AS r (key, window_start, hits) SELECT $1, w.start, $3 FROM w
		ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + excluded.hits
		RETURNING r.hits, r.window_start + $2::interval`, key, r.interval(), n).Scan(&total, &end); err != nil {
		return 0, time.Time{}, err
	}
	if rand.IntN(100) == 0 {
		// Now and then, the windows of keys that stopped calling go.
		if _, err := r.db.ExecContext(ctx, `DELETE FROM rate_windows WHERE window_start < clock_timestamp() - $1::interval`, r.interval()); err != nil {
			return 0, time.Time{}, err
		}
	}
	// This claim is the shared count's (total-n, total]: what of it lies within
	// the limit may be handed out, one request now.
	valid := min(max(r.limit-(total-n), 0), n)
	l.end, l.seen, l.top = end, total, total-n+valid
	if valid == 0 {
		return r.limit + 1, l.end, nil
	}
	l.left = valid - 1
	return l.top - l.left, l.end, nil
}

func (r *rateLeases) interval() string {
	return strconv.FormatInt(r.window.Milliseconds(), 10) + " milliseconds"
}

// lease is key's lease, made on first use; finished ones are dropped now and then.
func (r *rateLeases) lease(key string) *rateLease {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := r.keys[key]; ok {
		return l
	}
	r.adds++
	if r.adds%1024 == 0 {
		now := time.Now()
		for k, l := range r.keys {
			if l.mu.TryLock() {
				if !now.Before(l.end) {
					delete(r.keys, k)
				}
				l.mu.Unlock()
			}
		}
	}
	l := &rateLease{}
	r.keys[key] = l
	return l
}
