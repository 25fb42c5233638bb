package web

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// rateLimit allows limit API requests per window to each organization (or, before
// anyone is known, to each address). The count lives in PostgreSQL
// (ph_rate_hit), so every instance behind a load balancer shares it. The reply
// carries X-RateLimit-Limit, -Remaining and -Reset; a refusal is a 429 with
// Retry-After.
func (s *Server) rateLimit(limit int, window time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := "ip:" + s.clientIP(c)
		if a := actorOf(c); a != nil {
			key = fmt.Sprintf("org:%d:%d", a.Network, a.Org)
		}
		var hit struct {
			Hits    int       `db:"hits"`
			ResetAt time.Time `db:"reset_at"`
		}
		if err := s.db.GetContext(c.UserContext(), &hit, `SELECT hits, reset_at FROM ph_rate_hit($1, $2::interval)`,
			key, fmt.Sprintf("%d seconds", int(window.Seconds()))); err != nil {
			return fmt.Errorf("rate limit: %w", err)
		}
		reset := max(int(math.Ceil(time.Until(hit.ResetAt).Seconds())), 0)
		c.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		c.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-hit.Hits, 0)))
		c.Set("X-RateLimit-Reset", strconv.Itoa(reset))
		if hit.Hits > limit {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(reset, 1)))
			if window == time.Minute {
				return apperr.E(apperr.TooMany, "Rate limit of %d requests per minute for your organization reached: retry later.", limit)
			}
			return apperr.E(apperr.TooMany, "Rate limit of %d requests per %s for your organization reached: retry later.", limit, window)
		}
		return c.Next()
	}
}
