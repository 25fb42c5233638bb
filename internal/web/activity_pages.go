package web

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// activityPages are the timeline's forms on the account and contact pages
// (issue 18): log an activity, tick a task off.
func (s *Server) activityPages(p addPage) {
	p("POST", "/accounts/:id/activities", partners.Sales, s.activityCreateForm("account"))
	p("POST", "/contacts/:id/activities", partners.Sales, s.activityCreateForm("contact"))
	p("POST", "/activities/:id/complete", partners.Sales, s.activityCompleteForm)
}

var activityNewForm = newForm("activity-new",
	fieldSpec{Name: "kind", Label: "activity.kind", Type: "select", OptionPrefix: "activity.kind.", Required: true},
	fieldSpec{Name: "subject", Label: "activity.subject", Max: 200},
	fieldSpec{Name: "body", Label: "activity.body", Type: "textarea", Max: 20000})

// timelineRow is one timeline entry as the page shows it.
type timelineRow struct {
	ID       int64
	When     time.Time
	Kind     string
	Outcome  string
	Subject  string
	Body     string
	Event    string
	Due      *time.Time
	Task     bool
	Done     bool
	Duration string
	// To is the state or status a system event moved the record to ("" when none).
	To string
}

// timeline adds a record's latest activities to a page's data, and whether
// the caller may log on it (the sales role, in the record's owner or an
// organization it is shared with for writing).
func (s *Server) timeline(ctx context.Context, a partners.Actor, recordType string, id int64, owner int64, writers []int64, data fiber.Map) error {
	list, _, err := s.activity.Timeline(ctx, a, recordType, id, activity.Filter{Limit: 20})
	if err != nil {
		return err
	}
	rows := make([]timelineRow, 0, len(list))
	for _, x := range list {
		r := timelineRow{ID: x.ID, When: x.OccurredAt, Kind: x.Kind, Subject: x.Subject, Body: x.Body, Due: x.DueAt, Task: x.Kind == activity.Task, Done: x.DoneAt != nil}
		if x.Outcome != nil {
			r.Outcome = *x.Outcome
		}
		if x.Event != nil {
			r.Event = *x.Event
			var d struct {
				To string `json:"to"`
			}
			if json.Unmarshal(x.Detail, &d) == nil && d.To != "" {
				r.To = d.To
			}
		}
		if x.DurationSeconds != nil && *x.DurationSeconds > 0 {
			r.Duration = (time.Duration(*x.DurationSeconds) * time.Second).String()
		}
		rows = append(rows, r)
	}
	data["Timeline"] = rows
	data["CanLog"] = a.Role.AtLeast(partners.Sales) && (owner == a.Org || slices.Contains(writers, a.Org))
	data["TimelineAction"] = "/" + recordType + "s/" + strconv.FormatInt(id, 10) + "/activities"
	return nil
}

// readTimeline adds a record's latest activities to a page that shows them
// without the form to log one (deal registrations and leads: their system
// events and the organization's mail).
func (s *Server) readTimeline(ctx context.Context, a partners.Actor, recordType string, id int64, data fiber.Map) error {
	if err := s.timeline(ctx, a, recordType, id, 0, nil, data); err != nil {
		return err
	}
	data["CanLog"] = false
	return nil
}

func (s *Server) activityCreateForm(recordType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		a := actorOf(c)
		back := "/" + recordType + "s/" + strconv.FormatInt(id, 10)
		in := activity.Input{Kind: formValue(c, "kind"), Subject: formValue(c, "subject"), Body: formValue(c, "body")}
		x, err := s.activity.Create(c.UserContext(), *a, recordType, id, in)
		if err != nil {
			// A rejection tells nothing about a record the caller may not see.
			if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
				if _, _, terr := s.activity.Timeline(c.UserContext(), *a, recordType, id, activity.Filter{Limit: 1}); terr != nil {
					return terr
				}
			}
			return s.rejected(c, activityNewForm, back, err)
		}
		tr := translator(lang(c))
		return s.done(c, back, tr("flash.activity_logged", "Name", tr("activity.kind."+x.Kind)))
	}
}

func (s *Server) activityCompleteForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	x, err := s.activity.Complete(c.UserContext(), *actorOf(c), id, true)
	if err != nil {
		return err
	}
	return s.done(c, "/"+x.RecordType+"s/"+strconv.FormatInt(x.RecordID, 10), translator(lang(c))("flash.task_done", "Name", x.Subject))
}
