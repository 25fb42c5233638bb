package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiExplain(c *fiber.Ctx) error {
	rec := c.Query("record")
	kind, idText, ok := strings.Cut(rec, ":")
	if !ok || kind == "" {
		return apperr.Field("record", "must name a record as TYPE:ID (%s)", strings.Join(partners.ShareableTypes(), ", "))
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return apperr.Field("record", "%q is not a valid record id", idText)
	}
	user, err := queryInt(c, "user")
	if err != nil {
		return err
	}
	e, err := s.partners.Explain(c.UserContext(), *actorOf(c), kind, id, user)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// accessAPI is the access explanation part of the API route table.
func (s *Server) accessAPI() []route {
	return []route{
		{Method: "GET", Path: "/access/explain", Role: partners.Viewer, Summary: "Why a user can or cannot see a record (record=TYPE:ID of a shareable type such as account, user=ID)", Tag: "access", Reply: "Explanation", Query: []string{"record", "user"}, handler: s.apiExplain},
	}
}
