package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// The forums' API (issue 20): spaces, threads, posts, following, moderation,
// reports and search. Who sees what is the forums package's SQL; the route
// table states the least role.

func (s *Server) apiForumSpaces(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	list, err := s.forums.SpacesPage(c.UserContext(), *actorOf(c), forums.ListPage{Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list.Spaces, NextCursor: list.Next})
}

func (s *Server) apiForumSpaceCreate(c *fiber.Ctx) error {
	var in forums.SpaceInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sp, err := s.forums.CreateSpace(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sp)
}

type forumFollow struct {
	Following *bool `json:"following"`
}

func (f forumFollow) on() (bool, error) {
	if f.Following == nil {
		return false, apperr.Field("following", "is required: true to follow, false to stop")
	}
	return *f.Following, nil
}

type forumMembers struct {
	Members []int64 `json:"members"`
}

type forumReason struct {
	Reason string `json:"reason"`
}

type forumEdit struct {
	Body string `json:"body"`
}

type forumResolve struct {
	Action string `json:"action"`
}

func (s *Server) apiForumThreads(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	list, err := s.forums.ThreadsPage(c.UserContext(), *actorOf(c), id, forums.ListPage{Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list.Threads, NextCursor: list.Next})
}

func (s *Server) apiForumThreadCreate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in forums.ThreadInput
	if err := decode(c, &in); err != nil {
		return err
	}
	tp, err := s.forums.CreateThread(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(tp)
}

func (s *Server) apiForumReply(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in forums.PostInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.forums.Reply(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) apiForumHistory(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	list, err := s.forums.History(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

func (s *Server) apiForumReports(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	all, err := queryBool(c, "all")
	if err != nil {
		return err
	}
	list, err := s.forums.Reports(c.UserContext(), *actorOf(c), all)
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

func (s *Server) apiForumSearch(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	space, err := queryInt(c, "space_id")
	if err != nil {
		return err
	}
	author, err := queryInt(c, "author_id")
	if err != nil {
		return err
	}
	a := *actorOf(c)
	hits, err := s.forums.Search(c.UserContext(), a, forums.SearchFilter{Q: c.Query("q"), Space: space, Author: author, Limit: limit, Lang: a.Locale})
	if err != nil {
		return err
	}
	return c.JSON(page{Data: hits})
}

// forumAPI is the forums' part of the API route table.
func (s *Server) forumAPI() []route {
	f := s.forums
	const tag = "forums"
	return []route{
		{Method: "GET", Path: "/forums/spaces", Role: partners.Viewer, Summary: "The forum spaces you can see", Tag: tag, Reply: "ForumSpace", List: true, handler: s.apiForumSpaces},
		{Method: "POST", Path: "/forums/spaces", Role: partners.Sales, Summary: "Make a space for the network, a tier or kind, a partnership, a record, or a private one", Tag: tag,
			Request: "ForumSpaceInput", Reply: "ForumSpace", Status: 201, handler: s.apiForumSpaceCreate},
		{Method: "GET", Path: "/forums/reports", Role: partners.Manager, Summary: "The moderation queue: reports on the spaces your organization moderates", Tag: tag,
			Reply: "ForumReport", List: true, Query: []string{"all"}, handler: s.apiForumReports},
		{Method: "GET", Path: "/forums/search", Role: partners.Viewer, Summary: "Search the posts you can see (English and Portuguese), best first, with highlighted snippets", Tag: tag,
			Reply: "ForumHit", List: true, Query: []string{"q", "space_id", "author_id"}, handler: s.apiForumSearch},
		{Method: "POST", Path: "/forums/reports/:id/resolve", Role: partners.Manager, Summary: "Close a report: dismiss it or hide the post", Tag: tag,
			Request: "ForumResolve", Reply: "ForumReport", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumResolve) (*forums.Report, error) {
				return f.Resolve(ctx, a, id, in.Action)
			})},
		{Method: "GET", Path: "/forums/spaces/:id", Role: partners.Viewer, Summary: "Get a space", Tag: tag, Reply: "ForumSpace", handler: byID(f.Space)},
		{Method: "POST", Path: "/forums/spaces/:id/follow", Role: partners.Viewer, Summary: "Follow a space (its new threads notify you) or stop", Tag: tag,
			Request: "ForumFollow", Reply: "ForumSpace", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumFollow) (*forums.Space, error) {
				on, err := in.on()
				if err != nil {
					return nil, err
				}
				return f.FollowSpace(ctx, a, id, on)
			})},
		{Method: "POST", Path: "/forums/spaces/:id/leave", Role: partners.Viewer, Summary: "Leave a private space", Tag: tag, Status: 204, handler: func(c *fiber.Ctx) error {
			id, err := paramID(c)
			if err != nil {
				return err
			}
			if err := f.Leave(c.UserContext(), *actorOf(c), id); err != nil {
				return err
			}
			return c.SendStatus(fiber.StatusNoContent)
		}},
		{Method: "POST", Path: "/forums/spaces/:id/members", Role: partners.Manager, Summary: "Invite users to a private space", Tag: tag,
			Request: "ForumMembers", Reply: "ForumSpace", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumMembers) (*forums.Space, error) {
				return f.Invite(ctx, a, id, in.Members)
			})},
		{Method: "GET", Path: "/forums/spaces/:id/threads", Role: partners.Viewer, Summary: "A space's threads: pinned first, then by latest post, with your unread markers", Tag: tag,
			Reply: "ForumThread", List: true, handler: s.apiForumThreads},
		{Method: "POST", Path: "/forums/spaces/:id/threads", Role: partners.Sales, Summary: "Start a thread with its first post (Markdown; @user:ID and @org:ID mention)", Tag: tag,
			Request: "ForumThreadInput", Reply: "ForumThreadPage", Status: 201, handler: s.apiForumThreadCreate},
		{Method: "GET", Path: "/forums/threads/:id", Role: partners.Viewer, Summary: "A thread with its posts; marks it read", Tag: tag, Reply: "ForumThreadPage", handler: byID(f.Thread)},
		{Method: "POST", Path: "/forums/threads/:id/posts", Role: partners.Sales, Summary: "Reply in a thread, optionally to and quoting a post", Tag: tag,
			Request: "ForumPostInput", Reply: "ForumPost", Status: 201, handler: s.apiForumReply},
		{Method: "POST", Path: "/forums/threads/:id/follow", Role: partners.Viewer, Summary: "Follow a thread (its new posts notify you) or stop", Tag: tag,
			Request: "ForumFollow", Reply: "ForumThread", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumFollow) (*forums.Thread, error) {
				on, err := in.on()
				if err != nil {
					return nil, err
				}
				return f.FollowThread(ctx, a, id, on)
			})},
		{Method: "POST", Path: "/forums/threads/:id/moderate", Role: partners.Manager, Summary: "Pin, lock or hide a thread (moderators)", Tag: tag,
			Request: "ForumModeration", Reply: "ForumThread", handler: patchByID(f.Moderate)},
		{Method: "PATCH", Path: "/forums/posts/:id", Role: partners.Sales, Summary: "Edit your post (the earlier body is kept)", Tag: tag,
			Request: "ForumEdit", Reply: "ForumPost", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumEdit) (*forums.Post, error) {
				return f.Edit(ctx, a, id, in.Body)
			})},
		{Method: "GET", Path: "/forums/posts/:id/history", Role: partners.Viewer, Summary: "A post's earlier bodies, newest first", Tag: tag, Reply: "ForumEdit", List: true, handler: s.apiForumHistory},
		{Method: "POST", Path: "/forums/posts/:id/accept", Role: partners.Sales, Summary: "Mark the accepted answer of your question (Q&A spaces)", Tag: tag, Reply: "ForumThread", handler: byID(f.Accept)},
		{Method: "POST", Path: "/forums/posts/:id/hide", Role: partners.Manager, Summary: "Hide a post from all but the moderators", Tag: tag,
			Request: "ForumReason", Reply: "ForumPost", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumReason) (*forums.Post, error) {
				return f.HidePost(ctx, a, id, in.Reason)
			})},
		{Method: "POST", Path: "/forums/posts/:id/restore", Role: partners.Manager, Summary: "Show a hidden post again", Tag: tag, Reply: "ForumPost", handler: byID(f.RestorePost)},
		{Method: "POST", Path: "/forums/posts/:id/report", Role: partners.Viewer, Summary: "Report a post to the space's moderators", Tag: tag,
			Request: "ForumReason", Reply: "ForumReport", Status: 201, handler: func(c *fiber.Ctx) error {
				id, err := paramID(c)
				if err != nil {
					return err
				}
				var in forumReason
				if err := decode(c, &in); err != nil {
					return err
				}
				r, err := f.ReportPost(c.UserContext(), *actorOf(c), id, in.Reason)
				if err != nil {
					return err
				}
				return c.Status(fiber.StatusCreated).JSON(r)
			}},
	}
}

func init() {
	space := object(obj{"id": integer(), "scope": enum("network", "tier", "kind", "partnership", "record", "private"),
		"value":       obj{"type": "string", "description": "the tier or kind of a tier or kind space"},
		"record_type": obj{"type": "string", "description": "a shareable record type (account, contact, deal_registration, …)"},
		"record_id":   obj{"type": "integer", "description": "the record of a record space, the partnership of a partnership space"},
		"qa":          boolean(), "name": str(), "description": str(), "owner_org_id": integer(), "created_by": nullable(integer()), "created_at": ts(),
		"following": boolean(), "can_moderate": boolean()})
	thread := object(obj{"id": integer(), "space_id": integer(), "title": str(), "author_user_id": nullable(integer()), "author_org_id": integer(),
		"author_name": str(), "first_post_id": nullable(integer()), "last_post_id": integer(), "last_post_at": ts(), "post_count": integer(),
		"pinned": boolean(), "locked": boolean(), "hidden_at": nullable(ts()), "accepted_post_id": nullable(integer()), "created_at": ts(),
		"unread": boolean(), "following": boolean()})
	post := object(obj{"id": integer(), "thread_id": integer(), "space_id": integer(), "author_user_id": nullable(integer()), "author_org_id": integer(),
		"author_name": str(), "author_org_name": str(), "body": obj{"type": "string", "description": "Markdown"},
		"body_html":   obj{"type": "string", "description": "the Markdown rendered without raw HTML and sanitized"},
		"reply_to_id": nullable(integer()), "quote_post_id": nullable(integer()),
		"mentions":  obj{"type": "array", "items": object(obj{"type": enum("user", "org"), "id": integer(), "name": str()})},
		"hidden_at": nullable(ts()), "hidden_reason": nullable(str()), "edited_at": nullable(ts()), "edit_count": integer(), "created_at": ts(), "accepted": boolean(),
		"attachments": obj{"type": "array", "items": ref("ForumAttachment"), "description": "the post's files (on a thread's posts)"}})
	for name, schema := range map[string]obj{
		"ForumSpace": space,
		"ForumSpaceInput": object(obj{"scope": enum("network", "tier", "kind", "partnership", "record", "private"), "value": str(),
			"partnership_id": integer(), "record_type": str(), "record_id": integer(),
			"members": obj{"type": "array", "items": integer(), "description": "user ids invited to a private space"},
			"name":    str(), "description": str(), "qa": boolean()}, "scope", "name"),
		"ForumThread":      thread,
		"ForumPost":        post,
		"ForumThreadPage":  object(obj{"space": ref("ForumSpace"), "thread": ref("ForumThread"), "posts": obj{"type": "array", "items": ref("ForumPost")}}),
		"ForumThreadInput": object(obj{"title": str(), "body": obj{"type": "string", "description": "Markdown, at most 20000 bytes"}}, "title", "body"),
		"ForumPostInput":   object(obj{"body": str(), "reply_to_id": integer(), "quote_post_id": integer()}, "body"),
		"ForumEdit":        object(obj{"id": integer(), "body": str(), "edited_by": nullable(integer()), "edited_at": ts()}, "body"),
		"ForumFollow":      object(obj{"following": boolean()}, "following"),
		"ForumMembers":     object(obj{"members": obj{"type": "array", "items": integer()}}, "members"),
		"ForumModeration":  object(obj{"pinned": boolean(), "locked": boolean(), "hidden": boolean()}),
		"ForumReason":      object(obj{"reason": str()}, "reason"),
		"ForumResolve":     object(obj{"action": enum("dismiss", "hide")}, "action"),
		"ForumReport": object(obj{"id": integer(), "post_id": integer(), "space_id": integer(), "thread_id": integer(), "reporter_user_id": nullable(integer()),
			"reporter_org_id": integer(), "reason": str(), "state": enum("open", "dismissed", "hidden"), "excerpt": str(), "resolved_at": nullable(ts()), "created_at": ts()}),
		"ForumHit": object(obj{"post_id": integer(), "thread_id": integer(), "space_id": integer(), "space_name": str(), "title": str(), "author_name": str(),
			"author_user_id": nullable(integer()), "created_at": ts(), "rank": obj{"type": "number"},
			"snippet": obj{"type": "string", "description": "HTML: the text escaped, matches in <mark>"}}),
	} {
		schemas[name] = schema
	}
}
