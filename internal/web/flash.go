package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
)

// flashCookie marks a browser whose session holds a one-time message, so that
// pages without one cost no query.
const flashCookie = "ph_flash"

// flash is what a POST leaves for the page it redirects to (see docs/PORTAL.md):
// a success message, a secret to show once, or a rejected form with what was
// typed. It is kept on the session, sealed, and taken by the first GET.
type flash struct {
	Notice string     `json:"n,omitempty"`
	Secret string     `json:"s,omitempty"`
	Form   *formState `json:"f,omitempty"`
}

// keepFlash stores f on the caller's session and marks the browser. A caller
// without a session (an API key) gets false: the handler answers in place.
func (s *Server) keepFlash(c *fiber.Ctx, f flash) (bool, error) {
	a := actorOf(c)
	token := c.Cookies(sessionCookie)
	if a == nil || a.SessionID == 0 || token == "" {
		return false, nil
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return false, err
	}
	sealed, err := s.sealFlash(token, plain)
	if err != nil {
		return false, err
	}
	if err := s.partners.SetFlash(c.UserContext(), *a, sealed); err != nil {
		return false, err
	}
	s.setCookie(c, flashCookie, "1", time.Hour)
	return true, nil
}

// takeFlash returns the session's one-time message, removing it, on a GET from
// a browser that has one. A message that cannot be opened (another session's,
// a changed secret key) is dropped.
func (s *Server) takeFlash(c *fiber.Ctx) (*flash, error) {
	a := actorOf(c)
	if c.Method() != fiber.MethodGet || c.Cookies(flashCookie) == "" || a == nil || a.SessionID == 0 {
		return nil, nil
	}
	s.clearCookie(c, flashCookie)
	sealed, err := s.partners.TakeFlash(c.UserContext(), *a)
	if err != nil || sealed == nil {
		return nil, err
	}
	plain, err := s.openFlash(c.Cookies(sessionCookie), sealed)
	if err != nil {
		return nil, nil
	}
	var f flash
	if err := json.Unmarshal(plain, &f); err != nil {
		return nil, nil
	}
	return &f, nil
}

// flashAEAD is keyed by the server's secret and the session's token: the
// database holds neither (only the token's hash), so the sealed message is
// readable by this browser's next request alone.
func (s *Server) flashAEAD(token string) (cipher.AEAD, error) {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("flash\x00" + token))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Server) sealFlash(token string, plain []byte) ([]byte, error) {
	aead, err := s.flashAEAD(token)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, nil), nil
}

func (s *Server) openFlash(token string, sealed []byte) ([]byte, error) {
	aead, err := s.flashAEAD(token)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("flash too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
}
