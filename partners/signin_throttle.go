package partners

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// Sign-in throttling slows guessing down without handing anyone a way to lock
// another person out. Every attempt is charged, before the password is checked,
// against keys: the email, the client's address, and, where the user has signed in
// from that address before (a usual address), the pair of the two instead. Past a
// key's free failures each further one makes its next attempt wait twice as long,
// from FirstLoginDelay up to MaxLoginDelay; an attempt during the wait is answered
// TooMany with the time left, without checking the password. A key forgets its
// failures after LoginWindow without one. A correct password refunds the charge.
//
// A stranger's failures slow the email and the address down, never the pair: the
// user signing in from an address they used before still gets in at once, and the
// people behind a shared address (an office, a proxy) each keep their own pair.
const (
	// FreeLoginFailures is the failures an email, or a usual address's pair, may
	// have before attempts on it are delayed.
	FreeLoginFailures = 5
	// FreeAddressFailures is the failures one client address may have (across
	// emails) before its attempts on emails it has no history with are delayed.
	FreeAddressFailures = 20
	FirstLoginDelay     = time.Second
	MaxLoginDelay       = 5 * time.Minute
	LoginWindow         = time.Hour
	// UsualAddressTTL is how long a successful sign-in makes its address usual.
	UsualAddressTTL = 90 * 24 * time.Hour
)

// signinKeys are the throttle keys an attempt is charged against.
type signinKeys struct {
	email, address, pair string
	usual                bool // the pair is a usual address of the email
}

// addressKey is the throttle form of a client address: IPv6 addresses count by
// their /64, which one client holds whole.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// throttleKeys names the keys of an attempt and whether its address is usual.
func (s *Service) throttleKeys(ctx context.Context, email, ip string) (signinKeys, error) {
	k := signinKeys{email: "email:" + email}
	if ip == "" {
		return k, nil
	}
	addr := addressKey(ip)
	k.address, k.pair = "ip:"+addr, "pair:"+email+"|"+addr
	err := s.DB.GetContext(ctx, &k.usual, `SELECT EXISTS (SELECT 1 FROM login_throttle WHERE key = $1 AND trusted_until > now())`, k.pair)
	if err != nil {
		return k, fmt.Errorf("login throttle: %w", err)
	}
	return k, nil
}

// throttleKey is a key to charge and its free failures.
type throttleKey struct {
	key  string
	free int
}

// charged lists the keys to charge, in one order for every attempt (two attempts
// lock their rows alike and never deadlock): a usual address answers for itself
// alone; any other attempt for the email and for the address.
func (k signinKeys) charged() []throttleKey {
	if k.usual {
		return []throttleKey{{k.pair, FreeLoginFailures}}
	}
	out := []throttleKey{{k.email, FreeLoginFailures}}
	if k.address != "" {
		out = append(out, throttleKey{k.address, FreeAddressFailures})
	}
	return out
}

// delaySQL is the wait after f failures of a key with $3 free ones.
func delaySQL(f string) string {
	return `least($5::interval, CASE WHEN ` + f + ` >= $3 THEN $4::interval * power(2, least(` + f + ` - $3, 20)) ELSE interval '0' END)`
}

const failuresSQL = `CASE WHEN t.last_failure_at IS NULL OR t.last_failure_at < clock_timestamp() - $2::interval THEN 1 ELSE t.failures + 1 END`

var chargeSQL = `
	INSERT INTO login_throttle AS t (key, failures, last_failure_at, next_attempt_at)
	VALUES ($1, 1, clock_timestamp(), clock_timestamp() + ` + delaySQL("1") + `)
	ON CONFLICT (key) DO UPDATE SET failures = ` + failuresSQL + `, last_failure_at = clock_timestamp(),
	       next_attempt_at = clock_timestamp() + ` + delaySQL(failuresSQL) + `
	 WHERE t.next_attempt_at <= clock_timestamp()
	RETURNING t.failures`

// charge counts an attempt against its keys, all or none: when a key is still
// waiting, nothing is charged and the error is TooMany with the longest wait. The
// charge comes before the password check, so parallel attempts cannot all slip
// through one free slot. Times are the clock's when the row is reached
// (clock_timestamp), not the transaction's start (now()): an attempt that
// waited for another's lock is judged by when it got it.
func (s *Service) charge(ctx context.Context, k signinKeys) error {
	return s.globalTx(ctx, func(tx *sqlx.Tx) error {
		var wait time.Duration
		for _, c := range k.charged() {
			var failures int
			err := tx.GetContext(ctx, &failures, chargeSQL, c.key, interval(LoginWindow), c.free, interval(FirstLoginDelay), interval(MaxLoginDelay))
			if errors.Is(err, sql.ErrNoRows) {
				var next time.Time
				if err := tx.GetContext(ctx, &next, `SELECT next_attempt_at FROM login_throttle WHERE key = $1`, c.key); err != nil {
					return err
				}
				wait = max(wait, time.Until(next))
				continue
			}
			if err != nil {
				return err
			}
		}
		if wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			return apperr.E(apperr.TooMany, "Too many failed sign-in attempts: try again in %d seconds.", secs).After(time.Duration(secs) * time.Second)
		}
		if rand.IntN(100) == 0 {
			// Now and then drop keys that have nothing left to remember.
			_, err := tx.ExecContext(ctx, `
				DELETE FROM login_throttle WHERE (last_failure_at IS NULL OR last_failure_at < now() - $1::interval)
				   AND next_attempt_at < now() AND (trusted_until IS NULL OR trusted_until < now())`, interval(LoginWindow))
			return err
		}
		return nil
	})
}

// failed starts the waits the attempt's charge set over from now, once the
// password is known to be wrong: a wait counts from the failure, not from the
// start of the attempt, however long the check took.
func (s *Service) failed(ctx context.Context, k signinKeys) error {
	return s.globalTx(ctx, func(tx *sqlx.Tx) error {
		// One key at a time, in the order charge locks them: "key = ANY(…)" locks
		// rows in the table's order, which deadlocks against a parallel charge.
		for _, c := range k.charged() {
			if _, err := tx.ExecContext(ctx, `
				UPDATE login_throttle SET next_attempt_at = now() + (next_attempt_at - last_failure_at), last_failure_at = now()
				 WHERE key = $1 AND next_attempt_at > last_failure_at`, c.key); err != nil {
				return err
			}
		}
		return nil
	})
}

// succeeded refunds an attempt's charge and makes its address usual for the email.
func (s *Service) succeeded(ctx context.Context, k signinKeys) error {
	return s.globalTx(ctx, func(tx *sqlx.Tx) error {
		if !k.usual {
			// In charge's order, one key at a time (see failed).
			for _, c := range k.charged() {
				if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1`, c.key); err != nil {
					return err
				}
			}
		}
		if k.pair == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO login_throttle (key, failures, next_attempt_at, trusted_until) VALUES ($1, 0, now(), now() + $2::interval)
			ON CONFLICT (key) DO UPDATE SET failures = 0, last_failure_at = NULL, next_attempt_at = now(), trusted_until = now() + $2::interval`,
			k.pair, interval(UsualAddressTTL))
		return err
	})
}

// globalTx runs fn in a transaction on the global tables, outside any tenant.
func (s *Service) globalTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		if _, ok := apperr.As(err); ok {
			return err
		}
		return fmt.Errorf("login throttle: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}
