package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// notificationsPage reads the table state and the page of notifications
// (newest first) it asks for.
func (s *Server) notificationsTable(c *fiber.Ctx) (*table, []notify.Notification, error) {
	a := actorOf(c)
	t := newTable(c, "/notifications", nil, "")
	t.Export = "/notifications/export.csv"
	before, after, err := t.idCursor(c)
	if err != nil {
		return nil, nil, err
	}
	var items []notify.Notification
	if after > 0 {
		items, err = notify.ListAfter(c.UserContext(), s.db, a.Scope(), lang(c), after, t.Limit+1)
	} else {
		items, err = notify.List(c.UserContext(), s.db, a.Scope(), lang(c), before, t.Limit+1)
	}
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(items))
	for i, n := range items {
		ids[i] = n.ID
	}
	lo, hi := t.idPage(ids, after > 0, before > 0 || after > 0)
	return t, items[lo:hi], nil
}

func (s *Server) notificationsPage(c *fiber.Ctx) error {
	t, items, err := s.notificationsTable(c)
	if err != nil {
		return err
	}
	if t.Total, err = notify.Count(c.UserContext(), s.db, actorOf(c).Scope()); err != nil {
		return err
	}
	return s.render(c, "notifications", fiber.Map{"Items": items, "Table": t, "Cursor": c.Query("cursor")})
}

// notificationsExport is the caller's notifications as CSV, in the reader's
// language, newest first: every one, or with page=1 the page of the cursor.
func (s *Server) notificationsExport(c *fiber.Ctx) error {
	a := actorOf(c)
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	var items []notify.Notification
	if onePage {
		if _, items, err = s.notificationsTable(c); err != nil {
			return err
		}
	} else {
		before := int64(0)
		for len(items) <= exportCap {
			got, err := notify.List(c.UserContext(), s.db, a.Scope(), lang(c), before, 500)
			if err != nil {
				return err
			}
			items = append(items, got...)
			if len(got) < 500 {
				break
			}
			before = got[len(got)-1].ID
		}
	}
	tr := translator(lang(c))
	rows := [][]string{{tr("notifications.title_field"), tr("notifications.body_field"), tr("notifications.at"), tr("notifications.read_at"), tr("notifications.link_field")}}
	for _, n := range items {
		read := ""
		if n.ReadAt != nil {
			read = n.ReadAt.UTC().Format(time.RFC3339)
		}
		link := n.Link
		if link != "" && s.cfg.BaseURL != "" {
			link = s.cfg.BaseURL + link
		}
		rows = append(rows, []string{n.Title, n.Body, n.CreatedAt.UTC().Format(time.RFC3339), read, link})
	}
	return sendCSV(c, "notifications", rows)
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
	p("GET", "/notifications/export.csv", partners.Viewer, s.notificationsExport)
	p("POST", "/notifications/read", partners.Viewer, s.notificationsRead)
}
