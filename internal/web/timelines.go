package web

import (
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// recordTimelineAPI is the timeline of the records that registered with
// partners/activity after accounts and contacts (issue 18, session 8): deal
// registrations and leads, with their system events and the caller's
// organization's mail about them; visible to whoever sees the record.
func (s *Server) recordTimelineAPI() []route {
	return []route{
		{Method: "GET", Path: "/deal-registrations/:id/activities", Role: partners.Viewer, Summary: "The deal registration's timeline: system events, activities and your organization's mail, newest first",
			Tag: "activities", Reply: "Activity", List: true, Query: []string{"kind"}, handler: s.apiTimeline(deals.RecordType)},
		{Method: "GET", Path: "/leads/:id/activities", Role: partners.Viewer, Summary: "The lead's timeline: system events, activities and your organization's mail, newest first",
			Tag: "activities", Reply: "Activity", List: true, Query: []string{"kind"}, handler: s.apiTimeline(leads.RecordType)},
	}
}
