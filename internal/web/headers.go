package web

import (
	"mime"
	"net/url"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// Every response header that the hub builds from input goes through this file:
// redirect targets (Location), download names (Content-Disposition) and the
// request id. Each check refuses control bytes, so no input can end a header
// line and start another one.

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps post-login redirects on this site: next must be a local path,
// else "/".
func safeNext(next string) string {
	if !isLocalPath(next) {
		return "/"
	}
	return next
}

// isLocalPath reports whether target is a path on this site that is safe in a
// Location header: it starts with one "/", holds no byte below 0x20, no DEL and
// no backslash (browsers drop TAB and newlines, and read "\" as "/", which turns
// "/\t/evil.example" or "/\evil.example" into another host), and parses as a URL
// with neither scheme nor host.
func isLocalPath(target string) bool {
	if len(target) == 0 || target[0] != '/' || strings.HasPrefix(target, "//") {
		return false
	}
	for i := 0; i < len(target); i++ {
		if b := target[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return false
		}
	}
	u, err := url.Parse(target)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

// seeOther answers a form with a 303 to a local page; a target that is not a
// safe local path goes to "/" instead.
func seeOther(c *fiber.Ctx, target string) error {
	return c.Redirect(safeNext(target), fiber.StatusSeeOther)
}

// attachment is a Content-Disposition value for a download named name: the name
// is quoted and escaped by mime.FormatMediaType (RFC 2231 for non-ASCII), and
// control bytes, quotes and path separators are replaced first.
func attachment(name string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, name)
	if clean == "" {
		clean = "download"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": clean}); v != "" {
		return v
	}
	return "attachment"
}

// requestIDPattern is what a client's X-Request-Id may be to be kept (so a proxy's
// id follows the request into our logs); anything else is replaced by our own.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// requestID sets X-Request-Id on the request and the response: the client's
// value when it is well formed, else a new UUID.
func requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !requestIDPattern.MatchString(id) {
		id = uuid.NewString()
		c.Request().Header.Set(fiber.HeaderXRequestID, id)
	}
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}
