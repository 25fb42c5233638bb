package web

import (
	"github.com/gofiber/fiber/v2"
)

// confirmation is the page every destructive action shows first (revoke,
// deactivate, archive, merge, delete): it names the thing and the consequence,
// and its one POST form does the action. It needs no JavaScript. The page is
// the GET of the action's own URL, so a link to it is all a list row needs
// ({{template "confirm-button" ...}}); docs/PORTAL.md.
type confirmation struct {
	// Title asks the question, naming the thing: "Revoke API key “CRM sync”?".
	Title string
	// Consequence says what happens and what cannot be undone.
	Consequence string
	// Action is the URL the confirming form posts to (the page's own path when
	// empty); Button its label; Cancel where "Cancel" leads.
	Action, Button, Cancel string
	// Hidden are extra values the form carries (the account to merge in).
	Hidden map[string]string
}

// confirmForm is the form of every confirmation page: it has no fields, so a
// refusal (the thing changed meanwhile) goes back with the message on top.
var confirmForm = newForm("confirm")

// confirm renders the confirmation page.
func (s *Server) confirm(c *fiber.Ctx, k confirmation) error {
	if k.Action == "" {
		k.Action = c.Path()
	}
	return s.render(c, "confirm", fiber.Map{"C": k})
}

// confirmButton is what the "confirm-button" partial draws: a link to a
// confirmation page, with the row's name for screen readers.
type confirmButton struct {
	Href, Label, Row string
}

func confirmLink(href, label, row string) confirmButton { return confirmButton{href, label, row} }
