package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// activityAPI is the activity timeline (issue 18): a record's activities,
// newest first, and logging, changing and completing them.
func (s *Server) activityAPI() []route {
	return []route{
		{Method: "GET", Path: "/accounts/:id/activities", Role: partners.Viewer, Summary: "The account's timeline: calls, meetings, notes, tasks, system events and your organization's mail, newest first",
			Tag: "activities", Reply: "Activity", List: true, Query: []string{"kind"}, handler: s.apiTimeline("account")},
		{Method: "GET", Path: "/contacts/:id/activities", Role: partners.Viewer, Summary: "The contact's timeline, newest first",
			Tag: "activities", Reply: "Activity", List: true, Query: []string{"kind"}, handler: s.apiTimeline("contact")},
		{Method: "POST", Path: "/activities", Role: partners.Sales, Summary: "Log a call, meeting, note or task on a record your organization may change",
			Tag: "activities", Request: "ActivityCreate", Reply: "Activity", Status: 201, handler: s.apiActivityCreate},
		{Method: "GET", Path: "/activities/:id", Role: partners.Viewer, Summary: "Get an activity", Tag: "activities", Reply: "Activity", handler: byID(s.activity.Get)},
		{Method: "PATCH", Path: "/activities/:id", Role: partners.Sales, Summary: "Change an activity your organization logged", Tag: "activities",
			Request: "ActivityInput", Reply: "Activity", handler: patchByID(s.activity.Update)},
		{Method: "POST", Path: "/activities/:id/complete", Role: partners.Sales, Summary: "Mark a task done (or open again with done=false)", Tag: "activities",
			Request: "CompleteInput", Reply: "Activity", handler: s.apiActivityComplete},
	}
}

func (s *Server) apiTimeline(recordType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		limit, err := limitParam(c)
		if err != nil {
			return err
		}
		list, next, err := s.activity.Timeline(c.UserContext(), *actorOf(c), recordType, id, activity.Filter{Kind: c.Query("kind"), Cursor: c.Query("cursor"), Limit: limit})
		if err != nil {
			return err
		}
		if list == nil {
			list = []activity.Activity{}
		}
		return c.JSON(page{Data: list, NextCursor: next})
	}
}

// activityCreate is a new activity and the record it hangs on.
type activityCreate struct {
	RecordType string `json:"record_type"`
	RecordID   int64  `json:"record_id"`
	activity.Input
}

func (s *Server) apiActivityCreate(c *fiber.Ctx) error {
	var in activityCreate
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.RecordType == "" {
		return apperr.Field("record_type", "is required")
	}
	if in.RecordID <= 0 {
		return apperr.Field("record_id", "is required")
	}
	x, err := s.activity.Create(c.UserContext(), *actorOf(c), in.RecordType, in.RecordID, in.Input)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(x)
}

func (s *Server) apiActivityComplete(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in struct {
		Done *bool `json:"done"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	done := in.Done == nil || *in.Done
	x, err := s.activity.Complete(c.UserContext(), *actorOf(c), id, done)
	if err != nil {
		return err
	}
	return c.JSON(x)
}

// mailboxAPI is the organization's mailboxes (issue 18): settings with a
// write-only password, a connection test, the sync state and a sync now.
func (s *Server) mailboxAPI() []route {
	return []route{
		{Method: "GET", Path: "/mailboxes", Role: partners.Admin, Summary: "Your organization's mailboxes with their sync state", Tag: "mail", Reply: "Mailbox", List: true,
			handler: func(c *fiber.Ctx) error {
				return paged(c, func(m imapsync.Mailbox) int64 { return m.ID }, func(after int64, limit int) ([]imapsync.Mailbox, error) {
					return s.mail.Mailboxes(c.UserContext(), *actorOf(c), after, limit)
				})
			}},
		{Method: "POST", Path: "/mailboxes", Role: partners.Admin, Summary: "Add a mailbox to sync over IMAP (the password is stored encrypted and never shown)", Tag: "mail",
			Request: "MailboxInput", Reply: "Mailbox", Status: 201, handler: func(c *fiber.Ctx) error {
				var in imapsync.Input
				if err := decode(c, &in); err != nil {
					return err
				}
				m, err := s.mail.CreateMailbox(c.UserContext(), *actorOf(c), in)
				if err != nil {
					return err
				}
				return c.Status(fiber.StatusCreated).JSON(m)
			}},
		{Method: "GET", Path: "/mailboxes/:id", Role: partners.Admin, Summary: "Get a mailbox and its sync state", Tag: "mail", Reply: "Mailbox", handler: byID(s.mail.Mailbox)},
		{Method: "PATCH", Path: "/mailboxes/:id", Role: partners.Admin, Summary: "Change a mailbox (a password replaces the stored one)", Tag: "mail",
			Request: "MailboxInput", Reply: "Mailbox", handler: patchByID(s.mail.UpdateMailbox)},
		{Method: "DELETE", Path: "/mailboxes/:id", Role: partners.Admin, Summary: "Remove a mailbox (the mail it brought in stays)", Tag: "mail", Status: 204,
			handler: func(c *fiber.Ctx) error {
				id, err := paramID(c)
				if err != nil {
					return err
				}
				if err := s.mail.DeleteMailbox(c.UserContext(), *actorOf(c), id); err != nil {
					return err
				}
				return c.SendStatus(fiber.StatusNoContent)
			}},
		{Method: "POST", Path: "/mailboxes/:id/test", Role: partners.Admin, Summary: "Sign in to the mailbox's server and read its folders; what failed is in the answer", Tag: "mail",
			Reply: "MailboxCheck", handler: byID(s.mail.TestConnection)},
		{Method: "POST", Path: "/mailboxes/:id/sync", Role: partners.Admin, Summary: "Sync the mailbox now, as a background job", Tag: "mail", Reply: "JobQueued", Status: 202,
			handler: func(c *fiber.Ctx) error {
				id, err := paramID(c)
				if err != nil {
					return err
				}
				job, err := s.mail.SyncLater(c.UserContext(), *actorOf(c), id)
				if err != nil {
					return err
				}
				return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"job_id": job})
			}},
	}
}

// mailServices builds the activity and mail services when the program did not.
func (s *Server) mailServices() {
	if s.activity == nil {
		s.activity = &activity.Service{DB: s.db}
	}
	if s.mail == nil {
		s.mail = &imapsync.Service{DB: s.db, Secret: s.cfg.Secret}
	}
}
