package web

import (
	"context"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// The forums' API, session 8 (issue 20): attachments on posts, the forum
// email setting (each post, a daily digest, off), editing a space and taking
// members out of a private one.

type forumMailMode struct {
	Mode string `json:"mode"`
}

type forumMemberRemove struct {
	UserID int64 `json:"user_id"`
}

// readAttachment takes the multipart field "file" (its name is the file's), or
// the body itself, named by the query's filename (else "attachment.txt").
func readAttachment(c *fiber.Ctx) (string, []byte, error) {
	if ct := string(c.Request().Header.ContentType()); strings.HasPrefix(ct, "multipart/form-data") {
		fh, err := c.FormFile("file")
		if err != nil {
			return "", nil, apperr.Field("file", "choose a file to attach")
		}
		if fh.Size > forums.MaxAttachment {
			return fh.Filename, nil, apperr.Field("file", "%q is %d bytes: at most %d are taken", fh.Filename, fh.Size, forums.MaxAttachment)
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, apperr.Field("file", "the upload could not be read")
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, forums.MaxAttachment+1))
		if err != nil {
			return "", nil, apperr.Field("file", "the upload could not be read")
		}
		return fh.Filename, data, nil
	}
	return c.Query("filename", "attachment.txt"), c.Body(), nil
}

func (s *Server) apiForumAttach(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	name, data, err := readAttachment(c)
	if err != nil {
		return err
	}
	at, err := s.forums.Attach(c.UserContext(), *actorOf(c), id, name, data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(at)
}

func (s *Server) apiForumAttachments(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	list, err := s.forums.Attachments(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

// forumDownload sends an attachment: its sniffed type, never sniffed again by
// the browser (the headers middleware sends nosniff), images inline and
// everything else as a download, under a sandboxing CSP.
func (s *Server) forumDownload(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	at, data, err := s.forums.Download(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, at.ContentType)
	disp := attachment(at.Filename)
	if at.Image() {
		disp = "inline" + strings.TrimPrefix(disp, "attachment")
	}
	c.Set(fiber.HeaderContentDisposition, disp)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(data)
}

func (s *Server) apiForumMembers(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	list, err := s.forums.Members(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

// forumFilesAPI is the session-8 part of the forums' API route table.
func (s *Server) forumFilesAPI() []route {
	f := s.forums
	const tag = "forums"
	return []route{
		{Method: "GET", Path: "/forums/mail-settings", Role: partners.Viewer, Summary: "Your forum email setting: each post, a daily digest, or off", Tag: tag,
			Reply: "ForumMailSettings", handler: func(c *fiber.Ctx) error {
				p, err := f.MailPrefOf(c.UserContext(), *actorOf(c))
				if err != nil {
					return err
				}
				return c.JSON(p)
			}},
		{Method: "POST", Path: "/forums/mail-settings", Role: partners.Viewer, Summary: "Set how you hear of new posts in what you follow: each, digest or off", Tag: tag,
			Request: "ForumMailMode", Reply: "ForumMailSettings", handler: func(c *fiber.Ctx) error {
				var in forumMailMode
				if err := decode(c, &in); err != nil {
					return err
				}
				p, err := f.SetMailPref(c.UserContext(), *actorOf(c), in.Mode)
				if err != nil {
					return err
				}
				return c.JSON(p)
			}},
		{Method: "GET", Path: "/forums/attachments/:id", Role: partners.Viewer, Summary: "Download an attachment (only through a space you can see)", Tag: tag, handler: s.forumDownload},
		{Method: "PATCH", Path: "/forums/spaces/:id", Role: partners.Manager, Summary: "Change a space's name, description or Q&A kind (moderators)", Tag: tag,
			Request: "ForumSpaceUpdate", Reply: "ForumSpace", handler: patchByID(f.UpdateSpace)},
		{Method: "GET", Path: "/forums/spaces/:id/members", Role: partners.Viewer, Summary: "A private space's members", Tag: tag,
			Reply: "ForumMember", List: true, handler: s.apiForumMembers},
		{Method: "POST", Path: "/forums/spaces/:id/members/remove", Role: partners.Manager, Summary: "Take a member out of a private space (moderators)", Tag: tag,
			Request: "ForumMemberRemove", Reply: "ForumSpace", handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in forumMemberRemove) (*forums.Space, error) {
				return f.RemoveMember(ctx, a, id, in.UserID)
			})},
		{Method: "GET", Path: "/forums/posts/:id/attachments", Role: partners.Viewer, Summary: "A post's attachments", Tag: tag,
			Reply: "ForumAttachment", List: true, handler: s.apiForumAttachments},
		{Method: "POST", Path: "/forums/posts/:id/attachments", Role: partners.Sales,
			Summary: "Attach a file to your post: multipart field \"file\", or the body with ?filename= (images, PDF, text, office documents; at most 5 MB)", Tag: tag,
			Reply: "ForumAttachment", Status: 201, Query: []string{"filename"}, handler: s.apiForumAttach},
	}
}

func init() {
	file := object(obj{"id": integer(), "post_id": integer(), "thread_id": integer(), "space_id": integer(),
		"uploader_user_id": nullable(integer()), "uploader_org_id": integer(), "filename": str(),
		"content_type": obj{"type": "string", "description": "what the content is, from its first bytes"}, "size": integer(), "created_at": ts()})
	for name, schema := range map[string]obj{
		"ForumAttachment":   file,
		"ForumMailSettings": object(obj{"mode": enum("each", "digest", "off"), "digest_sent_at": nullable(ts())}),
		"ForumMailMode":     object(obj{"mode": enum("each", "digest", "off")}, "mode"),
		"ForumSpaceUpdate":  object(obj{"name": str(), "description": str(), "qa": boolean()}),
		"ForumMember":       object(obj{"user_id": integer(), "org_id": integer(), "name": str()}),
		"ForumMemberRemove": object(obj{"user_id": integer()}, "user_id"),
	} {
		schemas[name] = schema
	}
}
