package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// onePage checks ?cursor= and ?limit= on a list that always fits one page (an
// organization's API keys and partnerships, an account's contacts and shares): its
// reply carries no next_cursor, so any cursor is one this API never gave out, and a
// limit must still be a valid one.
func onePage(c *fiber.Ctx) error {
	if c.Query("cursor") != "" {
		return apperr.Field("cursor", "is not a cursor this API gave out")
	}
	_, err := limitParam(c)
	return err
}
