package imapsync

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/jmoiron/sqlx"
	"github.com/microcosm-cc/bluemonday"

	"github.com/partnerhub/partnerhub/exchange/mail"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// freeMail are the domains of public mail services: a participant's domain
// there says nothing of the company, so it links to no account.
var freeMail = map[string]bool{}

func init() {
	for _, d := range strings.Fields(`gmail.com googlemail.com yahoo.com yahoo.com.br ymail.com hotmail.com hotmail.com.br outlook.com
		outlook.com.br live.com msn.com icloud.com me.com mac.com aol.com gmx.com gmx.de gmx.net web.de proton.me protonmail.com pm.me
		zoho.com mail.com yandex.com yandex.ru fastmail.com tutanota.com hey.com uol.com.br bol.com.br terra.com.br ig.com.br globo.com
		globomail.com r7.com qq.com 163.com 126.com naver.com example.com`) {
		freeMail[d] = true
	}
}

// domainOf is the domain of an address, "" for a free-mail one.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	d := strings.ToLower(addr[i+1:])
	if freeMail[d] {
		return ""
	}
	return d
}

// pending is a message just stored, to link.
type pending struct {
	id   int64
	msg  *mail.Message
	addr []string // its participants' addresses, lower-case
}

// links finds the records a batch of messages is about, among those the
// organization can see: the contacts with a participant's address and their
// accounts, the accounts with a participant's domain (free-mail domains
// ignored), the open leads whose contact is a participant, and the open deal
// registrations on any of those accounts.
func links(ctx context.Context, tx *sqlx.Tx, a partners.Actor, batch []pending) ([]activity.MailLink, error) {
	addrSet, domainSet := map[string]bool{}, map[string]bool{}
	for _, p := range batch {
		for _, x := range p.addr {
			addrSet[x] = true
			if d := domainOf(x); d != "" {
				domainSet[d] = true
			}
		}
	}
	addrs, domains := sortedKeys(addrSet), sortedKeys(domainSet)
	contacts, err := accounts.ContactsByEmail(ctx, tx, a.Network, addrs)
	if err != nil {
		return nil, err
	}
	byAddr := map[string][]accounts.ContactRef{}
	for _, c := range contacts {
		byAddr[c.Email] = append(byAddr[c.Email], c)
	}
	accs, err := accounts.AccountsByDomain(ctx, tx, a.Network, domains)
	if err != nil {
		return nil, err
	}
	byDomain := map[string][]int64{}
	reached := map[int64]bool{}
	for _, x := range accs {
		byDomain[x.Domain] = append(byDomain[x.Domain], x.ID)
		reached[x.ID] = true
	}
	for _, c := range contacts {
		reached[c.Account] = true
	}
	ls, err := leads.LeadsByEmail(ctx, tx, a.Network, addrs)
	if err != nil {
		return nil, err
	}
	byLead := map[string][]int64{}
	for _, l := range ls {
		byLead[l.Email] = append(byLead[l.Email], l.ID)
	}
	accountIDs := make([]int64, 0, len(reached))
	for id := range reached {
		accountIDs = append(accountIDs, id)
	}
	slices.Sort(accountIDs)
	regs, err := deals.OpenByAccounts(ctx, tx, a.Network, accountIDs)
	if err != nil {
		return nil, err
	}
	byAccount := map[int64][]int64{}
	for _, r := range regs {
		byAccount[r.Account] = append(byAccount[r.Account], r.ID)
	}

	var out []activity.MailLink
	for _, p := range batch {
		text, html := bodies(p.msg)
		if text == "" {
			text = stripTags(html)
		}
		subject, snippet, when := clean(p.msg.Subject, 200), clean(text, 1000), at(p.msg)
		seen := map[string]bool{}
		var onAccounts []int64
		add := func(typ string, id int64) {
			k := typ + ":" + strconv.FormatInt(id, 10)
			if seen[k] {
				return
			}
			seen[k] = true
			if typ == "account" {
				onAccounts = append(onAccounts, id)
			}
			out = append(out, activity.MailLink{RecordType: typ, RecordID: id, MailMessageID: p.id, Subject: subject, Snippet: snippet, At: when})
		}
		for _, x := range p.addr {
			for _, c := range byAddr[x] {
				add("contact", c.ID)
				add("account", c.Account)
			}
			for _, id := range byLead[x] {
				add(leads.RecordType, id)
			}
			for _, id := range byDomain[domainOf(x)] {
				add("account", id)
			}
		}
		for _, acc := range onAccounts {
			for _, id := range byAccount[acc] {
				add(deals.RecordType, id)
			}
		}
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// participants are a message's From, To and Cc addresses, lower-case, once each.
func participants(lists ...[]mail.Address) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, x := range l {
			addr := strings.ToLower(x.Addr)
			if addr != "" && !seen[addr] {
				seen[addr] = true
				out = append(out, addr)
			}
		}
	}
	return out
}

// An original is the sender and recipients of a forwarded message.
type original struct {
	From, To, Cc []mail.Address
}

// forwardMarkers open the quoted header block of a forward in the text of
// common mail programs, in English and Portuguese (compared lower-case).
var forwardMarkers = []string{"forwarded message", "original message", "begin forwarded message", "mensagem encaminhada", "mensagem original"}

var addrRE = regexp.MustCompile(`[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+`)

// forwardedFrom reads the original sender and recipients of a forwarded
// message: from an attached message (message/rfc822), else from the header
// block quoted in its text ("---------- Forwarded message ---------", "From:
// …", "To: …"). ok is false when the message is no forward.
func forwardedFrom(raw []byte, text string) (original, bool) {
	if o, ok := attachedOriginal(raw); ok {
		return o, true
	}
	return quotedOriginal(text)
}

func quotedOriginal(text string) (original, bool) {
	var o original
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	start := -1
	for i, l := range lines {
		low := strings.ToLower(l)
		for _, m := range forwardMarkers {
			if strings.Contains(low, m) {
				start = i + 1
				break
			}
		}
		if start >= 0 {
			break
		}
	}
	if start < 0 {
		return o, false
	}
	headers := 0
	for _, l := range lines[start:min(len(lines), start+30)] {
		l = strings.TrimSpace(strings.TrimLeft(l, "> "))
		if l == "" {
			if headers > 0 {
				break
			}
			continue
		}
		k, v, found := strings.Cut(l, ":")
		if !found {
			if headers > 0 {
				break
			}
			continue
		}
		headers++
		var list []mail.Address
		for _, x := range addrRE.FindAllString(v, -1) {
			list = append(list, mail.Address{Addr: strings.ToLower(x)})
		}
		switch strings.ToLower(strings.TrimSpace(strings.Trim(k, "*"))) {
		case "from", "de":
			o.From = append(o.From, list...)
		case "to", "para":
			o.To = append(o.To, list...)
		case "cc":
			o.Cc = append(o.Cc, list...)
		}
	}
	return o, len(o.From) > 0
}

// attachedOriginal reads the headers of the first message/rfc822 part of a
// message, a few levels down at most.
func attachedOriginal(raw []byte) (original, bool) {
	e, _ := message.Read(bytes.NewReader(raw))
	if e == nil {
		return original{}, false
	}
	return findAttached(e, 0)
}

func findAttached(e *message.Entity, depth int) (original, bool) {
	mr := e.MultipartReader()
	if mr == nil || depth > 3 {
		return original{}, false
	}
	for i := 0; i < 50; i++ {
		part, err := mr.NextPart()
		if part == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
			return original{}, false
		}
		t, _, _ := part.Header.ContentType()
		switch {
		case t == "message/rfc822":
			inner, _ := message.Read(part.Body)
			if inner == nil {
				return original{}, false
			}
			h := gomail.Header{Header: inner.Header}
			var o original
			for _, f := range []struct {
				name string
				dst  *[]mail.Address
			}{{"From", &o.From}, {"To", &o.To}, {"Cc", &o.Cc}} {
				l, _ := h.AddressList(f.name)
				for _, x := range l {
					*f.dst = append(*f.dst, mail.Address{Addr: strings.ToLower(x.Address), Name: x.Name})
				}
			}
			return o, len(o.From) > 0
		case strings.HasPrefix(t, "multipart/"):
			if o, ok := findAttached(part, depth+1); ok {
				return o, true
			}
		}
	}
	return original{}, false
}

// htmlPolicy cleans an HTML body before it is stored: bluemonday's policy for
// user content, links marked nofollow and opened apart, and no remote
// images: an <img> keeps only an inline data: image, so that showing the mail
// never loads anything from its sender's servers.
var htmlPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "blockquote", "pre", "code", "ul", "ol", "li",
		"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "hr", "small", "sub", "sup", "font", "center")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowDataURIImages()
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^data:image/(png|gif|jpeg|webp);base64,`)).OnElements("img")
	p.AllowAttrs("alt", "width", "height").OnElements("img")
	return p
}()

// sanitizeHTML is the HTML body as stored.
func sanitizeHTML(html string) string {
	if html == "" {
		return ""
	}
	return htmlPolicy.Sanitize(html)
}
