package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) notificationsPage(c *fiber.Ctx) error {
	a := actorOf(c)
	t := newTable(c, "/notifications", nil, "")
	before, after, err := t.idCursor(c)
	if err != nil {
		return err
	}
	var items []notify.Notification
	if after > 0 {
		items, err = notify.ListAfter(c.UserContext(), s.db, a.Scope(), lang(c), after, t.Limit+1)
	} else {
		items, err = notify.List(c.UserContext(), s.db, a.Scope(), lang(c), before, t.Limit+1)
	}
	if err != nil {
		return err
	}
	ids := make([]int64, len(items))
	for i, n := range items {
		ids[i] = n.ID
	}
	lo, hi := t.idPage(ids, after > 0, before > 0 || after > 0)
	return s.render(c, "notifications", fiber.Map{"Items": items[lo:hi], "Table": t})
}

func (s *Server) notificationsRead(c *fiber.Ctx) error {
	if _, err := notify.MarkRead(c.UserContext(), s.db, actorOf(c).Scope(), nil); err != nil {
		return err
	}
	return seeOther(c, "/notifications")
}

// notificationPages registers the notifications pages.
func (s *Server) notificationPages(p addPage) {
	p("GET", "/notifications", partners.Viewer, s.notificationsPage)
	p("POST", "/notifications/read", partners.Viewer, s.notificationsRead)
}
