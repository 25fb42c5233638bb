package mail

import (
	"bytes"
	"mime"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// A headerField is one header field with its value unfolded. Key and value
// alias the message bytes unless the value had to be unfolded.
type headerField struct {
	key   []byte
	value []byte
}

// maxHeaderFields bounds the work spent on a header that is really garbage.
const maxHeaderFields = 2000

// splitHeader cuts raw into header fields and body. It never fails: lines
// that are neither a field nor a continuation are skipped and counted in
// bad; the header ends at the first empty line or at the end of raw.
// bodyStart is the offset of the body in raw.
func splitHeader(raw []byte, fields []headerField) (_ []headerField, bodyStart int, bad int) {
	pos := 0
	first := true
	skipping := false // continuation lines of a skipped line are skipped too
	for pos < len(raw) {
		end := bytes.IndexByte(raw[pos:], '\n')
		var line []byte
		next := len(raw)
		if end >= 0 {
			line = raw[pos : pos+end]
			next = pos + end + 1
		} else {
			line = raw[pos:]
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			return fields, next, bad
		}
		if line[0] == ' ' || line[0] == '\t' {
			if n := len(fields); n > 0 && !skipping {
				f := &fields[n-1]
				// Unfold: the value gets a copy only when it has continuations.
				v := make([]byte, 0, len(f.value)+len(line))
				v = append(v, f.value...)
				v = append(v, ' ')
				v = append(v, bytes.TrimLeft(line, " \t")...)
				f.value = v
			} else {
				bad++
			}
			pos = next
			first = false
			continue
		}
		if first && bytes.HasPrefix(line, []byte("From ")) {
			// An mbox envelope line left at the top of a single message.
			pos = next
			first = false
			continue
		}
		first = false
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validKey(line[:colon]) {
			bad++
			skipping = true
			pos = next
			continue
		}
		skipping = false
		if len(fields) < maxHeaderFields {
			key := bytes.TrimRight(line[:colon], " \t")
			fields = append(fields, headerField{key: key, value: bytes.TrimSpace(line[colon+1:])})
		}
		pos = next
	}
	return fields, len(raw), bad
}

func validKey(k []byte) bool {
	k = bytes.TrimRight(k, " \t")
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if c <= ' ' || c >= 127 {
			return false
		}
	}
	return true
}

// keyIs compares a field name with a lower-case ASCII name without allocating.
func keyIs(k []byte, lower string) bool {
	if len(k) != len(lower) {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// threadingHeaders fills the threading headers of m from the fields.
//
// What threading reads of every message is packed: one string holds the
// Message-ID, the References and In-Reply-To ids and the addresses of
// From, To and Cc; one slice backs both id lists and one the three address
// lists. A message's threading data then sits in a few adjacent cache
// lines instead of a dozen small allocations, which is most of what
// threading a large mailbox costs (see README.md, "How it is kept fast").
func threadingHeaders(m *Message, fields []headerField) {
	var inReplyTo, listPost, listID, sender []byte
	var haveID, haveDate, haveSubject bool
	var idBuf [1][]byte
	var refBuf [16][]byte
	var addrBuf [8]Address
	var listBuf [8]byte
	p := threadingParts{refs: refBuf[:0], addrs: addrBuf[:0], list: listBuf[:0]}
	for _, f := range fields {
		switch len(f.key) {
		case 2, 4, 6, 7, 9, 10, 11:
		default:
			continue
		}
		switch {
		case keyIs(f.key, "message-id"):
			if !haveID {
				haveID = true
				if ids := appendMsgIDs(idBuf[:0], f.value, true); len(ids) > 0 {
					p.id = ids[0]
				}
			}
		case keyIs(f.key, "in-reply-to"):
			if inReplyTo == nil {
				inReplyTo = f.value
			}
		case keyIs(f.key, "references"):
			p.refs = appendMsgIDs(p.refs, f.value, false)
		case keyIs(f.key, "subject"):
			if !haveSubject {
				haveSubject = true
				m.Subject = decodeText(f.value)
			}
		case keyIs(f.key, "from"), keyIs(f.key, "to"), keyIs(f.key, "cc"):
			n := len(p.addrs)
			p.addrs = appendAddresses(p.addrs, f.value)
			list := byte(strings.IndexByte("ftc", f.key[0]|0x20)) // From, To, Cc
			for range p.addrs[n:] {
				p.list = append(p.list, list)
			}
		case keyIs(f.key, "list-post"):
			listPost = f.value
		case keyIs(f.key, "list-id"):
			listID = f.value
		case keyIs(f.key, "sender"):
			sender = f.value
		case keyIs(f.key, "date"):
			if !haveDate {
				haveDate = true
				m.Date, _ = parseDate(string(f.value))
			}
		}
	}
	if inReplyTo != nil {
		p.irt = inReplyToID(inReplyTo, p.addrs)
	}
	p.refs = capReferences(p.refs)
	p.listAt = -1
	if listPost != nil || listID != nil || sender != nil {
		p.listAt = listAddress(p.addrs, p.list, listPost, listID, sender)
	}
	p.pack(m)
}

// addrIs reports whether addr is local@domain, ignoring case.
func addrIs(addr string, local, domain []byte) bool {
	at := len(local)
	return len(addr) == at+1+len(domain) && addr[at] == '@' &&
		foldIs(addr[:at], local) && foldIs(addr[at+1:], domain)
}

// foldIs reports whether s and b are equal ignoring ASCII case (addresses
// are lower-cased when read, so other letters already compare equal).
func foldIs(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := 0; i < len(s); i++ {
		x, y := s[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// listAddress returns the index in addrs of the mailing list's address,
// or -1: the address of List-Post's mailto: URL (RFC 2369), the address
// whose local part and domain joined by a dot are List-Id's id (RFC 2919:
// "dev.lists.example.org" for dev@lists.example.org), or the list that
// Sender's address belongs to (Mailman's "dev-bounces@", Majordomo's
// "owner-dev@"). Sender's own address is never taken: a secretary
// sending for her boss, in To or Cc, is a person. lists says which header
// each address came from (0 From, 1 To, 2 Cc); only To and Cc are taken.
func listAddress(addrs []Address, lists []byte, listPost, listID, sender []byte) int {
	find := func(local, domain []byte) int {
		for i, a := range addrs {
			if lists[i] != 0 && addrIs(a.Addr, local, domain) {
				return i
			}
		}
		return -1
	}
	split := func(addr []byte) ([]byte, []byte) {
		at := bytes.LastIndexByte(addr, '@')
		if at <= 0 {
			return nil, nil
		}
		return addr[:at], addr[at+1:]
	}
	if i := bytes.Index(listPost, []byte("mailto:")); i >= 0 {
		addr := listPost[i+len("mailto:"):]
		if end := bytes.IndexAny(addr, ">?, \t"); end >= 0 {
			addr = addr[:end]
		}
		if local, domain := split(addr); local != nil {
			if k := find(local, domain); k >= 0 {
				return k
			}
		}
	}
	if lt := bytes.LastIndexByte(listID, '<'); lt >= 0 {
		id := listID[lt+1:]
		if gt := bytes.IndexByte(id, '>'); gt >= 0 {
			id = id[:gt]
		}
		for i, a := range addrs {
			if lists[i] == 0 || len(a.Addr) != len(id) {
				continue
			}
			at := strings.IndexByte(a.Addr, '@')
			if at > 0 && id[at] == '.' && foldIs(a.Addr[:at], id[:at]) && foldIs(a.Addr[at+1:], id[at+1:]) {
				return i
			}
		}
	}
	if sender != nil {
		addr := sender
		if lt := bytes.LastIndexByte(addr, '<'); lt >= 0 {
			addr = addr[lt+1:]
			if gt := bytes.IndexByte(addr, '>'); gt >= 0 {
				addr = addr[:gt]
			}
		}
		local, domain := split(bytes.TrimSpace(addr))
		if local == nil {
			return -1
		}
		for i, a := range addrs {
			if lists[i] == 0 && addrIs(a.Addr, local, domain) {
				return -1 // Sender is the author: nobody sent it on their behalf
			}
		}
		if plus := bytes.IndexByte(local, '+'); plus > 0 {
			local = local[:plus] // VERP: dev-bounces+user=example.org@
		}
		for _, suffix := range []string{"-bounces", "-bounce", "-owner", "-request", "-admin"} {
			if len(local) > len(suffix) && foldIs(suffix, local[len(local)-len(suffix):]) {
				return find(local[:len(local)-len(suffix)], domain)
			}
		}
		if len(local) > 6 && foldIs("owner-", local[:6]) {
			return find(local[6:], domain)
		}
	}
	return -1
}

// threadingParts is what threadingHeaders reads before packing it into the
// message. The ids alias the header.
type threadingParts struct {
	id    []byte    // Message-ID, nil when none
	refs  [][]byte  // References, capped
	irt   []byte    // In-Reply-To's id, nil when none or an address
	addrs []Address // of From, To and Cc, in header order
	list  []byte    // for each of addrs, its list: 0 From, 1 To, 2 Cc
	// listAt is the index in addrs of the mailing list's address, or -1.
	listAt int
}

// pack sets the ids and addresses of m: their bytes in one string, the id
// lists in one backing array and the address lists in another.
// In-Reply-To shares the last reference's bytes when it names the same
// id, as it usually does.
func (p *threadingParts) pack(m *Message) {
	shared := len(p.irt) > 0 && len(p.refs) > 0 && bytes.Equal(p.irt, p.refs[len(p.refs)-1])
	size := len(p.id)
	for _, r := range p.refs {
		size += len(r)
	}
	if !shared {
		size += len(p.irt)
	}
	for _, a := range p.addrs {
		size += len(a.Addr)
	}
	var b strings.Builder
	b.Grow(size)
	for _, r := range p.refs {
		b.Write(r)
	}
	if !shared {
		b.Write(p.irt)
	}
	b.Write(p.id)
	for _, a := range p.addrs {
		b.WriteString(a.Addr)
	}
	packed := b.String()
	next := func(n int) string {
		s := packed[:n]
		packed = packed[n:]
		return s
	}

	nRefs, nIRT := len(p.refs), min(len(p.irt), 1)
	if nRefs+nIRT > 0 {
		list := make([]string, nRefs+nIRT)
		for i, r := range p.refs {
			list[i] = next(len(r))
		}
		switch {
		case shared:
			list[nRefs] = list[nRefs-1]
		case nIRT > 0:
			list[nRefs] = next(len(p.irt))
		}
		if nRefs > 0 {
			m.References = list[:nRefs:nRefs]
		}
		if nIRT > 0 {
			m.InReplyTo = list[nRefs:]
		}
	}
	if len(p.id) > 0 {
		m.MessageID = next(len(p.id))
	}

	if len(p.addrs) == 0 {
		return
	}
	var count [3]int // From, To, Cc
	for _, l := range p.list {
		count[l]++
	}
	list := make([]Address, len(p.addrs))
	at := [3]int{0, count[0], count[0] + count[1]}
	for i, a := range p.addrs {
		a.Addr = next(len(a.Addr))
		if i == p.listAt {
			m.List = a.Addr
		}
		l := p.list[i]
		list[at[l]] = a
		at[l]++
	}
	setAddrKeys(m, list)
	lists := [3]*[]Address{&m.From, &m.To, &m.Cc}
	start := 0
	for j, n := range count {
		if n > 0 {
			*lists[j] = list[start : start+n : start+n]
		}
		start += n
	}
}

// maxReferences bounds the References kept; longer lists keep the first one
// and the last ones, as RFC 5322 §3.6.4 suggests when shortening.
const maxReferences = 100

func capReferences(refs [][]byte) [][]byte {
	if len(refs) <= maxReferences {
		return refs
	}
	n := copy(refs[1:], refs[len(refs)-maxReferences+1:])
	return refs[:1+n]
}

// appendMsgIDs reads message ids leniently: every <...> holding no space
// is taken (without the brackets); with no brackets at all, bare tokens
// holding an @ are taken. Quoting and surrounding space are removed; case
// is kept (ids compare case-sensitively, RFC 5256). The ids alias v unless
// cleaning changed them.
func appendMsgIDs(ids [][]byte, v []byte, one bool) [][]byte {
	rest := v
	sawBracket := false
	for len(rest) > 0 {
		lt := bytes.IndexByte(rest, '<')
		if lt < 0 {
			break
		}
		sawBracket = true
		gt := bytes.IndexByte(rest[lt+1:], '>')
		if gt < 0 {
			// An unbalanced "<": take what follows up to the next space.
			tok := rest[lt+1:]
			if sp := bytes.IndexAny(tok, " \t<"); sp >= 0 {
				tok = tok[:sp]
			}
			if id := cleanID(tok); id != nil {
				ids = append(ids, id)
			}
			break
		}
		tok := rest[lt+1 : lt+1+gt]
		rest = rest[lt+1+gt+1:]
		if id := cleanID(tok); id != nil {
			ids = append(ids, id)
			if one {
				return ids
			}
		}
	}
	if !sawBracket {
		for _, tok := range bytes.Fields(v) {
			if bytes.IndexByte(tok, '@') > 0 {
				if id := cleanID(tok); id != nil {
					ids = append(ids, id)
					if one {
						return ids
					}
				}
			}
		}
	}
	return ids
}

// cleanID returns an id token without surrounding space and quoting, as
// valid UTF-8, or nil when it is empty, too long or holds space.
func cleanID(tok []byte) []byte {
	tok = bytes.TrimSpace(tok)
	if len(tok) == 0 || len(tok) > 998 {
		return nil
	}
	if bytes.ContainsAny(tok, " \t\"\\<>") {
		// Quoted local parts ("a b"@x) are rare: drop the quoting, refuse
		// anything still holding space.
		tok = bytes.ReplaceAll(bytes.ReplaceAll(tok, []byte{'"'}, nil), []byte{'\\'}, nil)
		if bytes.ContainsAny(tok, " \t<>") || len(tok) == 0 {
			return nil
		}
	}
	if !utf8.Valid(tok) {
		return bytes.ToValidUTF8(tok, []byte("\uFFFD"))
	}
	return tok
}

// inReplyToID takes the first message id of In-Reply-To: the first <...>
// that is not an e-mail address. Mail programs write more than ids there
// (RFC 822 allowed phrases), and an address taken for an id would thread
// unrelated mail together, so a bracketed token is refused when
//   - it is one of the message's participants (addrs: From, To, Cc), as
//     some clients put the parent's author there;
//   - it is followed by "of" or "'s", as in nmh/exmh's "Message from Name
//     <addr> of DATE <id>" and "<addr>'s message of ...";
//   - it follows a display name ("John <john@example.com>"): words that
//     are not a reference phrase (MH's `Your message of "DATE." <id>`,
//     Gnus's `<id> (John's message of "DATE")` keep their id).
//
// Bare tokens are never ids here: Gnus and Rmail write
// `user@host's message of "DATE"` when the parent had no Message-ID.
func inReplyToID(v []byte, addrs []Address) []byte {
	rest := v
	prevEnd := 0 // where the text before the next token starts, in v
	for len(rest) > 0 {
		lt := bytes.IndexByte(rest, '<')
		if lt < 0 {
			return nil
		}
		before := v[prevEnd : prevEnd+lt]
		gt := bytes.IndexByte(rest[lt+1:], '>')
		if gt < 0 {
			// An unbalanced "<": take what follows up to the next space.
			tok := rest[lt+1:]
			if sp := bytes.IndexAny(tok, " \t<"); sp >= 0 {
				tok = tok[:sp]
			}
			if id := cleanID(tok); id != nil && !isParticipant(id, addrs) && !isDisplayName(before) {
				return id
			}
			return nil
		}
		tok := rest[lt+1 : lt+1+gt]
		after := rest[lt+1+gt+1:]
		prevEnd += lt + 1 + gt + 1
		rest = after
		id := cleanID(tok)
		if id == nil || isParticipant(id, addrs) || namesAuthor(after) || isDisplayName(before) {
			continue
		}
		return id
	}
	return nil
}

func isParticipant(id []byte, addrs []Address) bool {
	if len(addrs) == 0 || bytes.IndexByte(id, '@') < 0 {
		return false
	}
	for _, a := range addrs {
		if len(a.Addr) == len(id) && strings.EqualFold(a.Addr, string(id)) {
			return true
		}
	}
	return false
}

// namesAuthor reports whether the text after a bracketed token says the
// token was the parent's author: "<addr> of DATE", "<addr>'s message".
func namesAuthor(after []byte) bool {
	if bytes.HasPrefix(after, []byte("'s")) {
		return true
	}
	after = bytes.TrimLeft(after, " \t")
	return len(after) >= 3 && (after[0]|0x20) == 'o' && (after[1]|0x20) == 'f' && (after[2] == ' ' || after[2] == '\t')
}

// isDisplayName reports whether the text before a bracketed token is a
// display name (so the token is an address): words, not a comment, not
// an earlier token, and not a reference phrase, which says "message" or
// "of" (MH: `Your message of "DATE."`; nmh: `... of DATE`).
func isDisplayName(before []byte) bool {
	before = bytes.TrimSpace(before)
	if len(before) == 0 {
		return false
	}
	switch before[len(before)-1] {
	case ')', ',', ';':
		return false
	}
	for _, w := range bytes.FieldsFunc(before, func(r rune) bool { return r == ' ' || r == '\t' || r == '"' }) {
		if len(w) == 2 && (w[0]|0x20) == 'o' && (w[1]|0x20) == 'f' || containsFold(w, "message") {
			return false
		}
	}
	return true
}

// containsFold reports whether b holds the lower-case ASCII word w, in
// any case, without allocating.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if keyIs(b[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeText decodes RFC 2047 encoded words. Undecodable words are kept as
// they are; raw 8-bit bytes that are not UTF-8 are read as Windows-1252, so
// the result is always valid, readable UTF-8.
func decodeText(v []byte) string {
	s := string(v)
	if !utf8.ValidString(s) {
		s = latin(v)
	}
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	}
	return s
}

// latin reads bytes as Windows-1252 (a superset of ISO-8859-1 that maps
// every byte), the usual truth behind a missing or lying charset.
func latin(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

var addressParser = netmail.AddressParser{WordDecoder: wordDecoder}

// appendAddresses reads an address list onto addrs; when the list is
// malformed, the addr-spec-looking tokens are kept so participants still
// compare. Addr is lower-cased.
func appendAddresses(addrs []Address, v []byte) []Address {
	if len(v) == 0 {
		return addrs
	}
	s := string(v)
	if list, err := addressParser.ParseList(s); err == nil {
		for _, a := range list {
			addrs = append(addrs, Address{
				Name: strings.ToValidUTF8(a.Name, "\uFFFD"),
				Addr: strings.ToLower(strings.ToValidUTF8(a.Address, "\uFFFD")),
			})
		}
		return addrs
	}
	if strings.IndexByte(s, '@') < 0 {
		return appendObscured(addrs, s)
	}
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '<' || r == '>' || r == ' ' || r == '\t' || r == '"' || r == '(' || r == ')'
	}) {
		at := strings.IndexByte(tok, '@')
		if at > 0 && at < len(tok)-1 {
			addrs = append(addrs, Address{Addr: strings.ToLower(strings.ToValidUTF8(tok, ""))})
		}
	}
	return addrs
}

// appendObscured reads the addresses of list archives that hide them
// from harvesters, as Mailman's pipermail writes From in its archives:
// "user at example.com (User Name)". Each comma-separated element whose
// words are "local at domain" gives local@domain, its comment the name.
func appendObscured(addrs []Address, s string) []Address {
	for elem := range strings.SplitSeq(s, ",") {
		name := ""
		if open := strings.IndexByte(elem, '('); open >= 0 {
			if end := strings.LastIndexByte(elem, ')'); end > open {
				name = strings.TrimSpace(elem[open+1 : end])
				elem = elem[:open] + elem[end+1:]
			}
		}
		f := strings.Fields(elem)
		if len(f) != 3 || !strings.EqualFold(f[1], "at") || strings.ContainsAny(f[0]+f[2], "<>\"") || strings.IndexByte(f[2], '.') <= 0 {
			continue
		}
		addrs = append(addrs, Address{
			Name: strings.ToValidUTF8(decodeText([]byte(name)), "\uFFFD"),
			Addr: strings.ToLower(strings.ToValidUTF8(f[0]+"@"+f[2], "\uFFFD")),
		})
	}
	return addrs
}
