package web

import (
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// forumPages are the forums' portal pages (issue 20, item 6): the spaces, a
// space's threads, a thread with its posts and reply form, search, and the
// moderators' tools. Who sees what is the forums package's SQL, as for the API.
func (s *Server) forumPages(p addPage) {
	p("GET", "/forums", partners.Viewer, s.forumSpacesPage)
	p("GET", "/forums/search", partners.Viewer, s.forumSearchPage)
	p("GET", "/forums/reports", partners.Manager, s.forumReportsPage)
	p("POST", "/forums/reports/:id/dismiss", partners.Manager, s.forumReportDismiss)
	p("GET", "/forums/spaces/:id", partners.Viewer, s.forumSpacePage)
	p("POST", "/forums/spaces/:id/threads", partners.Sales, s.forumThreadCreate)
	p("POST", "/forums/spaces/:id/follow", partners.Viewer, s.forumSpaceFollow)
	p("GET", "/forums/threads/:id", partners.Viewer, s.forumThreadPage)
	p("POST", "/forums/threads/:id/posts", partners.Sales, s.forumReplyForm)
	p("POST", "/forums/threads/:id/follow", partners.Viewer, s.forumThreadFollow)
	p("POST", "/forums/threads/:id/moderate", partners.Manager, s.forumModerate)
	p("GET", "/forums/threads/:id/hide", partners.Manager, s.forumThreadHideConfirm)
	p("POST", "/forums/threads/:id/hide", partners.Manager, s.forumThreadHide)
	p("POST", "/forums/posts/:id/accept", partners.Sales, s.forumAcceptForm)
	p("GET", "/forums/posts/:id/hide", partners.Manager, s.forumPostPage("forumhide"))
	p("POST", "/forums/posts/:id/hide", partners.Manager, s.forumPostHideForm)
	p("GET", "/forums/posts/:id/report", partners.Viewer, s.forumPostPage("forumreport"))
	p("POST", "/forums/posts/:id/report", partners.Viewer, s.forumReportForm)
}

var (
	forumThreadForm = newForm("forum-thread",
		fieldSpec{Name: "title", Label: "forums.thread_title", Required: true, Max: 200},
		fieldSpec{Name: "body", Label: "forums.body", Type: "textarea", Required: true, Max: forums.MaxBody, Hint: "forums.body_hint"})
	forumReplyForm = newForm("forum-reply",
		fieldSpec{Name: "body", Label: "forums.reply_body", Type: "textarea", Required: true, Max: forums.MaxBody, Hint: "forums.body_hint"},
		fieldSpec{Name: "reply_to_id", Label: "forums.reply_to", Type: "number"},
		fieldSpec{Name: "quote_post_id", Label: "forums.quote", Type: "number"})
	// The search form is a GET: declared for its field's label and type only.
	_               = newForm("forum-search", fieldSpec{Name: "q", Label: "forums.search_q", Type: "search", Max: 200})
	forumHideForm   = newForm("forum-hide", fieldSpec{Name: "reason", Label: "forums.hide_reason", Type: "textarea", Required: true, Max: 500})
	forumReportForm = newForm("forum-report", fieldSpec{Name: "reason", Label: "forums.report_reason", Type: "textarea", Required: true, Max: 1000})
)

func (s *Server) forumSpacesPage(c *fiber.Ctx) error {
	a := actorOf(c)
	t := newTable(c, "/forums", nil, "")
	list, err := s.forums.SpacesPage(c.UserContext(), *a, forums.ListPage{Cursor: c.Query("cursor"), Limit: t.Limit})
	if err != nil {
		return err
	}
	t.Next, t.Prev, t.Shown = list.Next, list.Prev, len(list.Spaces)
	return s.render(c, "forums", fiber.Map{"Spaces": list.Spaces, "Table": t, "CanModerate": a.Role.AtLeast(partners.Manager),
		"CanCreate": a.Role.AtLeast(partners.Sales), "CanMail": a.User != 0})
}

// forumHit is a search result with its snippet as HTML: the forums package
// escapes the post's text and adds only <mark>.
type forumHit struct {
	forums.Hit
	HTML template.HTML
}

func (s *Server) forumSearchPage(c *fiber.Ctx) error {
	a := *actorOf(c)
	data := fiber.Map{"Q": c.Query("q"), "Searched": c.Query("q") != ""}
	if c.Query("q") != "" {
		hits, err := s.forums.Search(c.UserContext(), a, forums.SearchFilter{Q: c.Query("q"), Limit: 50, Lang: lang(c)})
		if err != nil {
			ae, ok := apperr.As(err)
			if !ok || ae.Kind != apperr.Invalid {
				return err
			}
			l := lang(c)
			data["SearchError"] = translator(l)("forums.search_q") + ": " + ae.Translated(func(format string) string { return l10n.Lookup(l, format) })
		}
		out := make([]forumHit, 0, len(hits))
		for _, h := range hits {
			out = append(out, forumHit{Hit: h, HTML: template.HTML(h.Snippet)}) //nolint:gosec // escaped by forums.Search, only <mark> added
		}
		data["Hits"] = out
	}
	return s.render(c, "forumsearch", data)
}

func (s *Server) forumSpacePage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	t := newTable(c, spaceHref(id), nil, "")
	list, err := s.forums.ThreadsPage(c.UserContext(), *a, id, forums.ListPage{Cursor: c.Query("cursor"), Limit: t.Limit})
	if err != nil {
		return err
	}
	t.Next, t.Prev, t.Shown = list.Next, list.Prev, len(list.Threads)
	data := fiber.Map{"Space": list.Space, "Threads": list.Threads, "Table": t,
		"CanPost": a.Role.AtLeast(partners.Sales), "CanFollow": a.User != 0}
	return s.render(c, "forumspace", data)
}

func spaceHref(id int64) string  { return "/forums/spaces/" + strconv.FormatInt(id, 10) }
func threadHref(id int64) string { return "/forums/threads/" + strconv.FormatInt(id, 10) }

func (s *Server) forumThreadCreate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	in := forums.ThreadInput{Title: c.FormValue("title"), Body: c.FormValue("body")}
	tp, err := s.forums.CreateThread(c.UserContext(), *a, id, in)
	if err != nil {
		// A rejection tells nothing about a space the caller may not see.
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			if _, serr := s.forums.Space(c.UserContext(), *a, id); serr != nil {
				return serr
			}
		}
		return s.rejected(c, forumThreadForm, spaceHref(id)+"#forum-thread", err)
	}
	return s.done(c, threadHref(tp.Thread.ID), translator(lang(c))("flash.forum_thread_created", "Name", tp.Thread.Title))
}

func followValue(c *fiber.Ctx) bool { return c.FormValue("following") == "true" }

func (s *Server) forumSpaceFollow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	on := followValue(c)
	sp, err := s.forums.FollowSpace(c.UserContext(), *actorOf(c), id, on)
	if err != nil {
		return s.rejected(c, confirmForm, spaceHref(id), err)
	}
	key := "flash.forum_unfollowed"
	if on {
		key = "flash.forum_followed"
	}
	return s.done(c, spaceHref(id), translator(lang(c))(key, "Name", sp.Name))
}

// forumPostView is a post as the thread page shows it: its body is the HTML
// the forums package rendered from Markdown without raw HTML and sanitized.
type forumPostView struct {
	forums.Post
	HTML  template.HTML
	First bool
	// Mine: the reader wrote it and may still attach files to it.
	Mine bool
}

func (s *Server) forumThreadPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	tp, err := s.forums.Thread(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	posts := make([]forumPostView, 0, len(tp.Posts))
	for i, p := range tp.Posts {
		mine := a.User != 0 && p.AuthorUser != nil && *p.AuthorUser == a.User && a.Role.AtLeast(partners.Sales) && !tp.Thread.Locked && p.HiddenAt == nil
		posts = append(posts, forumPostView{Post: p, HTML: template.HTML(p.HTML), First: i == 0, Mine: mine}) //nolint:gosec // sanitized when stored (forums.Render)
	}
	asker := tp.Thread.AuthorUser != nil && a.User != 0 && *tp.Thread.AuthorUser == a.User
	data := fiber.Map{"Space": tp.Space, "Thread": tp.Thread, "Posts": posts,
		"CanReply":  a.Role.AtLeast(partners.Sales) && !tp.Thread.Locked,
		"CanAccept": tp.Space.QA && asker && a.Role.AtLeast(partners.Sales) && !tp.Thread.Locked,
		"CanFollow": a.User != 0, "Moderator": tp.Space.Moderator,
		"Quote": c.Query("quote"),
	}
	return s.render(c, "forumthread", data)
}

func (s *Server) forumReplyForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	in := forums.PostInput{Body: c.FormValue("body")}
	for name, dst := range map[string]*int64{"reply_to_id": &in.ReplyTo, "quote_post_id": &in.Quote} {
		if v := c.FormValue(name); v != "" {
			n, err := wholeNumber(name, v)
			if err != nil {
				return s.rejected(c, forumReplyForm, threadHref(id)+"#forum-reply", err)
			}
			*dst = n
		}
	}
	p, err := s.forums.Reply(c.UserContext(), *a, id, in)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			if _, terr := s.forums.Thread(c.UserContext(), *a, id); terr != nil {
				return terr
			}
		}
		return s.rejected(c, forumReplyForm, threadHref(id)+"#forum-reply", err)
	}
	return s.done(c, threadHref(id)+"#post-"+strconv.FormatInt(p.ID, 10), translator(lang(c))("flash.forum_replied", "Name", p.AuthorName))
}

func (s *Server) forumThreadFollow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	on := followValue(c)
	t, err := s.forums.FollowThread(c.UserContext(), *actorOf(c), id, on)
	if err != nil {
		return s.rejected(c, confirmForm, threadHref(id), err)
	}
	key := "flash.forum_unfollowed"
	if on {
		key = "flash.forum_followed"
	}
	return s.done(c, threadHref(id), translator(lang(c))(key, "Name", t.Title))
}

// forumModerate pins or locks a thread, or undoes it (hiding has its own
// confirmation page).
func (s *Server) forumModerate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in forums.ThreadModeration
	key := ""
	switch c.FormValue("set") {
	case "pin", "unpin":
		v := c.FormValue("set") == "pin"
		in.Pinned, key = &v, "flash.forum_"+c.FormValue("set")+"ned"
	case "lock", "unlock":
		v := c.FormValue("set") == "lock"
		in.Locked, key = &v, "flash.forum_"+c.FormValue("set")+"ed"
	default:
		return s.rejected(c, confirmForm, threadHref(id), apperr.E(apperr.Invalid, "%q is not one of pin, unpin, lock, unlock", c.FormValue("set")))
	}
	t, err := s.forums.Moderate(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		return s.rejected(c, confirmForm, threadHref(id), err)
	}
	return s.done(c, threadHref(id), translator(lang(c))(key, "Name", t.Title))
}

func (s *Server) forumThreadHideConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	tp, err := s.forums.Thread(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.forum_thread_hide", "Name", tp.Thread.Title),
		Consequence: tr("confirm.forum_thread_hide_then"), Button: tr("forums.hide_thread"), Cancel: threadHref(id)})
}

func (s *Server) forumThreadHide(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	yes := true
	t, err := s.forums.Moderate(c.UserContext(), *actorOf(c), id, forums.ThreadModeration{Hidden: &yes})
	if err != nil {
		return s.rejected(c, confirmForm, threadHref(id), err)
	}
	return s.done(c, spaceHref(t.SpaceID), translator(lang(c))("flash.forum_thread_hidden", "Name", t.Title))
}

func (s *Server) forumAcceptForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	t, err := s.forums.Accept(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return s.done(c, threadHref(t.ID)+"#post-"+strconv.FormatInt(id, 10), translator(lang(c))("flash.forum_accepted", "Name", t.Title))
}

// forumPost reads a post the caller may see, with its thread.
func (s *Server) forumPost(c *fiber.Ctx, id int64) (*forums.Thread, *forums.Post, error) {
	return s.forums.PostInThread(c.UserContext(), *actorOf(c), id)
}

// forumPostPage draws the template named for one post of its thread (the
// hide confirmation, the report form).
func (s *Server) forumPostPage(template string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		t, p, err := s.forumPost(c, id)
		if err != nil {
			return err
		}
		return s.render(c, template, fiber.Map{"Thread": t, "Post": p})
	}
}

func (s *Server) forumPostHideForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/forums/posts/" + strconv.FormatInt(id, 10) + "/hide"
	p, err := s.forums.HidePost(c.UserContext(), *actorOf(c), id, c.FormValue("reason"))
	if err != nil {
		return s.rejected(c, forumHideForm, back, err)
	}
	return s.done(c, threadHref(p.ThreadID)+"#post-"+strconv.FormatInt(id, 10), translator(lang(c))("flash.forum_post_hidden", "Name", p.AuthorName))
}

func (s *Server) forumReportForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/forums/posts/" + strconv.FormatInt(id, 10) + "/report"
	r, err := s.forums.ReportPost(c.UserContext(), *actorOf(c), id, c.FormValue("reason"))
	if err != nil {
		return s.rejected(c, forumReportForm, back, err)
	}
	return s.done(c, threadHref(r.ThreadID)+"#post-"+strconv.FormatInt(id, 10), translator(lang(c))("flash.forum_reported", "Name", r.Reason))
}

func (s *Server) forumReportsPage(c *fiber.Ctx) error {
	list, err := s.forums.Reports(c.UserContext(), *actorOf(c), false)
	if err != nil {
		return err
	}
	return s.render(c, "forumreports", fiber.Map{"Reports": list})
}

func (s *Server) forumReportDismiss(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	r, err := s.forums.Resolve(c.UserContext(), *actorOf(c), id, "dismiss")
	if err != nil {
		return s.rejected(c, confirmForm, "/forums/reports", err)
	}
	return s.done(c, "/forums/reports", translator(lang(c))("flash.forum_report_dismissed", "Name", r.Excerpt))
}
