package forums

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders CommonMark with tables, strikethrough and autolinks, and
// without raw HTML: goldmark's default leaves raw HTML out (html.WithUnsafe is
// never set), so "<script>" in a post comes out as an omitted block, and
// dangerous link destinations (javascript:, vbscript:, file:, data: other than
// images) are dropped by goldmark and again by the sanitizer.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// sanitizer is bluemonday's policy for user-generated content, plus the
// mention spans the renderer writes; links get rel="nofollow noopener" and open
// as external.
var sanitizer = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^mention$`)).OnElements("span")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// textOnly strips every tag: the text that search reads.
var textOnly = bluemonday.StrictPolicy()

// mentionRE finds mentions: @user:ID and @org:ID.
var mentionRE = regexp.MustCompile(`@(user|org):([0-9]{1,18})\b`)

// Mention is a user or organization a post names.
type Mention struct {
	Type string `json:"type"` // "user" or "org"
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Org  int64  `json:"-"`
}

// parseMentions lists the distinct mentions of a Markdown body, in order.
func parseMentions(md string) []Mention {
	var out []Mention
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(md, -1) {
		if seen[m[0]] {
			continue
		}
		seen[m[0]] = true
		id, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		out = append(out, Mention{Type: m[1], ID: id})
	}
	return out
}

// Render turns a post's Markdown into safe HTML (goldmark without raw HTML,
// then bluemonday's UGC policy) and plain text, writing the named mentions as
// "@Name" spans.
func Render(md string, mentions []Mention) (htmlOut, text string) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		// goldmark writes to a buffer and does not fail on any input; escape
		// the source rather than lose it if it ever does.
		buf.Reset()
		buf.WriteString("<p>" + html.EscapeString(md) + "</p>")
	}
	out := buf.String()
	if len(mentions) > 0 {
		names := map[string]string{}
		for _, m := range mentions {
			names[m.Type+":"+strconv.FormatInt(m.ID, 10)] = m.Name
		}
		out = mentionRE.ReplaceAllStringFunc(out, func(s string) string {
			name, ok := names[s[1:]]
			if !ok {
				return s
			}
			return `<span class="mention">@` + html.EscapeString(name) + `</span>`
		})
	}
	safe := sanitizer.Sanitize(out)
	text = html.UnescapeString(textOnly.Sanitize(safe))
	// The snippet markers of search (see Search) never occur in stored text.
	text = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' {
			return ' '
		}
		return r
	}, text)
	return safe, strings.TrimSpace(text)
}

// quoteMarkdown is a blockquote of another post's Markdown, headed by its
// author's name.
func quoteMarkdown(author, md string) string {
	var b strings.Builder
	b.WriteString("> **" + escapeMarkdown(author) + ":**\n>\n")
	for _, line := range strings.Split(strings.TrimRight(md, "\n"), "\n") {
		b.WriteString("> " + line + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

var markdownSpecial = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`, "!", `\!`, "@", `\@`)

func escapeMarkdown(s string) string { return markdownSpecial.Replace(s) }
