package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

const (
	sessionCookie = "ph_session"
	csrfCookie    = "ph_csrf"
	actorKey      = "actor"
	viaCookieKey  = "via_cookie"
)

func actorOf(c *fiber.Ctx) *partners.Actor {
	a, _ := c.Locals(actorKey).(*partners.Actor)
	return a
}

// authenticate resolves who is asking from a bearer API key or the session cookie.
// A request without credentials goes on anonymous; each route says what it needs.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return apperr.E(apperr.Unauthorized, "The Authorization header must be \"Bearer <API key>\".")
		}
		a, err := s.partners.KeyActor(c.UserContext(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Locals(actorKey, a)
		return c.Next()
	}
	if tok := c.Cookies(sessionCookie); tok != "" {
		a, err := s.partners.Session(c.UserContext(), tok)
		if err == nil {
			c.Locals(actorKey, a)
			c.Locals(viaCookieKey, true)
		} else if !apperr.Is(err, apperr.Unauthorized) {
			// The database is out of reach, not the session: keep the cookie.
			return err
		} else {
			s.clearCookie(c, sessionCookie)
			c.Locals("new_session", "")
		}
	}
	return c.Next()
}

// need returns a handler that refuses requests whose actor lacks the role; an empty
// role means the route is public.
func need(role partners.Role, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if role == "" {
			return h(c)
		}
		a := actorOf(c)
		if a == nil {
			return apperr.E(apperr.Unauthorized, "Please sign in.")
		}
		if err := a.Require(role); err != nil {
			return err
		}
		return h(c)
	}
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, ttl time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: !s.cfg.Dev,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(ttl)})
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, Secure: !s.cfg.Dev,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(1, 0), MaxAge: -1})
}

// csrf protects every state-changing request that a browser authenticates by
// cookie. The token is an HMAC of a random per-browser cookie and the session
// cookie (a signed double-submit cookie), so it needs no server state, changes at
// every login, and cannot be forged by a site that cannot read our cookies. Forms
// carry it as _csrf; scripts as the X-CSRF-Token header.
func (s *Server) csrf(c *fiber.Ctx) error {
	seed := c.Cookies(csrfCookie)
	if len(seed) < 20 {
		b := make([]byte, 24)
		rand.Read(b)
		seed = base64.RawURLEncoding.EncodeToString(b)
		s.setCookie(c, csrfCookie, seed, 30*24*time.Hour)
		// The cookie only reaches the server with the next request: a POST that
		// arrives now without one fails below, as it must.
		c.Locals("csrf_fresh", true)
	}
	c.Locals("csrf_seed", seed)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	// A promotion's public lead form is posted from other sites on purpose and
	// reads no session (leadform.go).
	if isLeadFormPost(c) {
		return c.Next()
	}
	// API clients with a bearer key send no cookies a third party could ride on.
	if c.Get(fiber.HeaderAuthorization) != "" {
		return c.Next()
	}
	// An API call without a signed-in cookie has nothing to ride on; it gets its 401.
	if strings.HasPrefix(c.Path(), "/api/") && c.Locals(viaCookieKey) == nil {
		return c.Next()
	}
	if c.Locals("csrf_fresh") != nil {
		return apperr.E(apperr.Forbidden, "The form's security token is missing or expired: reload the page and try again.")
	}
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue("_csrf")
	}
	want := s.csrfToken(seed, c.Cookies(sessionCookie))
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return apperr.E(apperr.Forbidden, "The form's security token is missing or expired: reload the page and try again.")
	}
	return c.Next()
}

func (s *Server) csrfToken(seed, session string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("csrf\x00" + seed + "\x00" + session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// tokenFor is the CSRF token for the page being rendered. After a login or logout
// the session cookie changes within this response, so the new value is used.
func (s *Server) tokenFor(c *fiber.Ctx) string {
	seed, _ := c.Locals("csrf_seed").(string)
	session := c.Cookies(sessionCookie)
	if v, ok := c.Locals("new_session").(string); ok {
		session = v
	}
	return s.csrfToken(seed, session)
}
