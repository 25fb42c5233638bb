package web

import (
	"io"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
)

// MaxBody is the request body limit outside upload routes.
const MaxBody = 1 << 20

// MaxUpload is the body limit of upload routes: the import limit and room for
// the multipart envelope around the file.
const MaxUpload = imports.MaxBytes + 64<<10

// uploadPaths may carry bodies up to MaxUpload, from a signed-in caller; every
// other route keeps MaxBody.
var uploadPaths = map[string]bool{"/api/v1/imports": true, "/accounts/import": true, "/api/v1/exchange/interchanges": true, "/exchange/interchanges": true}

// attachmentUpload is the path of a forum post's attachment upload (API and
// portal), which takes an upload's body as well.
var attachmentUpload = regexp.MustCompile(`^(/api/v1)?/forums/posts/[0-9]{1,18}/attachments$`)

// isUpload reports whether path takes an upload's body.
func isUpload(path string) bool { return uploadPaths[path] || attachmentUpload.MatchString(path) }

// limitBody reads the request body within its route's limit. The server hands
// bodies over unread (StreamRequestBody), so a body whose Content-Length is past
// the limit is refused before a byte of it is read, an upload from an anonymous
// caller is refused before it is read, and a chunked body is cut off at the
// limit. A refused body closes the connection, since the rest of it is still on
// the wire. Compressed bodies are refused: a small one can inflate past any limit.
func limitBody(c *fiber.Ctx) error {
	req := c.Request()
	length := req.Header.ContentLength()
	stream := req.BodyStream()
	if length == 0 && stream == nil {
		return c.Next()
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Compressed request bodies are not accepted: send the body without Content-Encoding.")
	}
	limit := MaxBody
	if isUpload(c.Path()) && c.Method() == fiber.MethodPost {
		if actorOf(c) == nil {
			c.Context().SetConnectionClose()
			return apperr.E(apperr.Unauthorized, "Please sign in.")
		}
		limit = MaxUpload
	}
	if length > limit {
		c.Context().SetConnectionClose()
		return tooLarge(limit)
	}
	if stream != nil {
		body, err := io.ReadAll(io.LimitReader(stream, int64(limit)+1))
		if err != nil {
			c.Context().SetConnectionClose()
			return fiber.NewError(fiber.StatusBadRequest, "The request body could not be read to its end.")
		}
		if len(body) > limit {
			c.Context().SetConnectionClose()
			return tooLarge(limit)
		}
		req.SetBodyRaw(body)
	}
	return c.Next()
}

// bodyTooLarge is a body refused for its size; the error handler answers 413
// naming the limit.
type bodyTooLarge struct{ limit int }

func (e *bodyTooLarge) Error() string { return "request body too large" }

func tooLarge(limit int) error { return &bodyTooLarge{limit: limit} }
