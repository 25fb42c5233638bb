// Package mailbench generates realistic mail corpora for the threading
// benchmarks and the notmuch agreement check (see RESULTS.md).
package mailbench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// A Generated message: its raw bytes and a file name to store it under
// (Maildir style: delivery time first).
type Generated struct {
	Name string
	Raw  []byte
}

var (
	orgs     = []string{"acme.example", "globex.example", "initech.example", "umbrella.example", "hooli.example", "stark.example", "wayne.example", "tyrell.example"}
	first    = []string{"ana", "bo", "cy", "dora", "eli", "fay", "gus", "hana", "ivo", "jo", "kai", "lea", "max", "nia", "oto", "pia"}
	words    = []string{"quote", "renewal", "deal", "pricing", "contract", "onboarding", "integration", "forecast", "pipeline", "rebate", "campaign", "training", "support", "invoice", "license", "roadmap", "webinar", "co-selling", "registration", "margin"}
	common   = []string{"Meeting", "Question", "Follow-up", "Update", "Hello"}
	lists    = []string{"[partners-l]", "[channel]", "[deal-desk]"}
	prefixes = []string{"Re: ", "Re: ", "Re: ", "RE: ", "AW: ", "RES: ", "SV: ", "Antw: ", "Re: Re: ", "Fwd: ", "ENC: "}
)

// Generate makes n messages in threads with realistic shapes: heavy-tailed
// thread sizes, reply trees (replies mostly to recent messages), References
// kept whole, cut short or dropped (some clients send only In-Reply-To,
// some nothing, a few an address in In-Reply-To), parents missing from the corpus, list tags, localized
// prefixes, common subjects reused by unrelated people, a few messages
// without Message-ID, duplicates (the same mail in two folders) and
// multipart bodies with attachments. The same n and seed give the same
// corpus.
func Generate(n int, seed uint64) []Generated {
	r := rand.New(rand.NewPCG(seed, 0x6d61696c))
	start := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	out := make([]Generated, 0, n+n/50)
	thread := 0
	for len(out) < n {
		thread++
		size := 1 + int(r.ExpFloat64()*4)
		if r.IntN(50) == 0 {
			size += 20 + r.IntN(80) // a long discussion
		}
		subject := threadSubject(r, thread)
		list := ""
		if r.IntN(5) == 0 {
			list = lists[r.IntN(len(lists))] + " "
		}
		people := make([]string, 2+r.IntN(4))
		for i := range people {
			people[i] = first[r.IntN(len(first))] + "@" + orgs[r.IntN(len(orgs))]
		}
		t0 := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		type msg struct {
			id   string
			refs []string
			date time.Time
		}
		var ms []msg
		for i := 0; i < size && len(out) < n; i++ {
			m := msg{id: fmt.Sprintf("%d.%d.%x@mail.%s", thread, i, r.Uint32(), orgs[thread%len(orgs)])}
			if i == 0 {
				m.date = t0
			} else {
				// Reply to one of the last few messages, mostly the latest.
				p := len(ms) - 1 - int(r.ExpFloat64()*1.5)
				if p < 0 {
					p = 0
				}
				parent := ms[p]
				m.refs = append(append([]string{}, parent.refs...), parent.id)
				m.date = parent.date.Add(time.Duration(5+r.IntN(60*24)) * time.Minute)
			}
			ms = append(ms, m)
			if i > 0 && r.IntN(20) == 0 {
				continue // the parent stays referenced but never arrives
			}
			from := people[r.IntN(len(people))]
			to := people[(r.IntN(len(people)-1)+1+indexOf(people, from))%len(people)]
			subj := list + subject
			if i > 0 {
				subj = prefixes[r.IntN(len(prefixes))] + subj
			}
			var h strings.Builder
			fmt.Fprintf(&h, "Return-Path: <%s>\n", from)
			fmt.Fprintf(&h, "Received: from mx.%s by mail.partnerhub.example; %s\n", orgs[r.IntN(len(orgs))], m.date.Format(time.RFC1123Z))
			fmt.Fprintf(&h, "From: %s <%s>\n", strings.ToUpper(from[:1])+from[1:strings.IndexByte(from, '@')], from)
			fmt.Fprintf(&h, "To: %s\n", to)
			if r.IntN(3) == 0 {
				fmt.Fprintf(&h, "Cc: %s, %s\n", people[0], people[len(people)-1])
			}
			fmt.Fprintf(&h, "Subject: %s\n", encodeSometimes(r, subj))
			fmt.Fprintf(&h, "Date: %s\n", m.date.Format(time.RFC1123Z))
			if r.IntN(100) != 0 {
				fmt.Fprintf(&h, "Message-ID: <%s>\n", m.id)
			}
			if len(m.refs) > 0 {
				switch k := r.IntN(20); {
				case k == 0 && r.IntN(10) == 0: // In-Reply-To holding the author's address
					fmt.Fprintf(&h, "In-Reply-To: <%s>\n", to)
				case k == 0: // a client that drops threading headers
				case k < 3: // only In-Reply-To
					fmt.Fprintf(&h, "In-Reply-To: <%s>\n", m.refs[len(m.refs)-1])
				case k < 5 && len(m.refs) > 4: // References cut short: first and last three
					cut := append([]string{m.refs[0]}, m.refs[len(m.refs)-3:]...)
					fmt.Fprintf(&h, "In-Reply-To: <%s>\nReferences: %s\n", m.refs[len(m.refs)-1], idList(cut))
				default:
					fmt.Fprintf(&h, "In-Reply-To: <%s>\nReferences: %s\n", m.refs[len(m.refs)-1], idList(m.refs))
				}
			}
			if list != "" {
				fmt.Fprintf(&h, "List-Id: <%s.lists.partnerhub.example>\n", strings.Trim(list, "[] "))
			}
			h.WriteString("MIME-Version: 1.0\n")
			body := fmt.Sprintf("Hello,\n\nAbout the %s: %s.\n\n-- \n%s\n", subject, sentence(r), from)
			if r.IntN(10) == 0 {
				fmt.Fprintf(&h, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n", thread)
				fmt.Fprintf(&h, "--b%d\nContent-Type: text/plain; charset=utf-8\n\n%s\n--b%d\nContent-Type: application/pdf; name=\"offer-%d.pdf\"\nContent-Disposition: attachment; filename=\"offer-%d.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\n--b%d--\n", thread, body, thread, thread, thread, thread)
			} else {
				h.WriteString("Content-Type: text/plain; charset=utf-8\n\n")
				h.WriteString(body)
			}
			raw := []byte(h.String())
			name := fmt.Sprintf("%d.M%dP%d.gen:2,S", m.date.Unix(), len(out), thread)
			out = append(out, Generated{Name: name, Raw: raw})
			if r.IntN(100) == 0 && len(out) < n {
				out = append(out, Generated{Name: fmt.Sprintf("%d.M%dP%d.copy:2,S", m.date.Unix(), len(out), thread), Raw: raw})
			}
		}
	}
	return out
}

func threadSubject(r *rand.Rand, thread int) string {
	if r.IntN(10) == 0 {
		return common[r.IntN(len(common))]
	}
	return fmt.Sprintf("%s %s Q%d-%d", strings.ToUpper(words[r.IntN(len(words))][:1])+words[r.IntN(len(words))][1:], words[r.IntN(len(words))], 1+r.IntN(4), thread)
}

func encodeSometimes(r *rand.Rand, s string) string {
	if r.IntN(15) == 0 {
		return "=?UTF-8?Q?" + strings.NewReplacer(" ", "_", "=", "=3D", "?", "=3F", "_", "=5F").Replace(s) + "?="
	}
	return s
}

func idList(ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString("\n ")
		}
		b.WriteString("<" + id + ">")
	}
	return b.String()
}

func sentence(r *rand.Rand) string {
	n := 8 + r.IntN(20)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	return strings.Join(ws, " ")
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return 0
}

var (
	listSubjects = []string{
		"Build failure on arm64", "Release planning", "Question about configuration", "Flaky test in CI",
		"Proposal: drop support for old versions", "Meeting notes", "Documentation typo", "Performance regression",
		"Help with installation", "Segfault on startup", "Memory leak", "Windows build broken",
		"Deprecation warnings", "New contributor", "Code of conduct", "Mirror is down",
	}
	listVerbs = []string{"fix", "add", "remove", "refactor", "document", "test", "speed up", "simplify"}
	listNouns = []string{"parser", "scheduler", "cache", "logger", "config loader", "HTTP client", "index", "allocator", "CLI", "build script"}
)

// GenerateList makes n messages of a mailing-list archive: every message
// sent to dev@lists.example.org and stamped by the list (List-Id,
// List-Post, Mailman's Sender), 400 posters, many threads sharing a
// handful of common subjects ("Build failure on arm64", "Release
// planning") within days of each other, and the In-Reply-To forms mail
// programs write: ids alone, Gnus's `<id> (Name's message of "DATE")`,
// MH's `Your message of "DATE." <id>`, exmh's `Message from Name <addr>
// of "DATE" <id>`, and Gnus's `addr's message of "DATE"` when the parent
// had no id. Some replies carry no threading headers at all (subject
// only), some Cc the parent's author. The same n and seed give the same
// corpus.
func GenerateList(n int, seed uint64) []Generated {
	r := rand.New(rand.NewPCG(seed, 0x6c697374))
	start := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	const list = "dev@lists.example.org"
	out := make([]Generated, 0, n+n/50)
	posters := make([]string, 400)
	for i := range posters {
		posters[i] = fmt.Sprintf("%s%d@%s", first[i%len(first)], i, orgs[r.IntN(len(orgs))])
	}
	thread := 0
	for len(out) < n {
		thread++
		size := 1 + int(r.ExpFloat64()*3)
		if r.IntN(30) == 0 {
			size += 10 + r.IntN(40)
		}
		var subject string
		switch k := r.IntN(10); {
		case k < 3:
			subject = listSubjects[r.IntN(len(listSubjects))]
		case k < 6:
			subject = fmt.Sprintf("[PATCH] %s the %s", listVerbs[r.IntN(len(listVerbs))], listNouns[r.IntN(len(listNouns))])
		default:
			subject = fmt.Sprintf("%s: %s %s (#%d)", strings.ToUpper(listNouns[r.IntN(len(listNouns))][:1])+listNouns[r.IntN(len(listNouns))][1:], listVerbs[r.IntN(len(listVerbs))], words[r.IntN(len(words))], thread)
		}
		t0 := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		type msg struct {
			id, from string
			refs     []string
			date     time.Time
			hasID    bool
		}
		var ms []msg
		for i := 0; i < size && len(out) < n; i++ {
			m := msg{id: fmt.Sprintf("%d.%d.%x@%s", thread, i, r.Uint32(), orgs[thread%len(orgs)]), hasID: r.IntN(200) != 0}
			m.from = posters[r.IntN(len(posters))]
			var parent *msg
			if i == 0 {
				m.date = t0
			} else {
				p := len(ms) - 1 - int(r.ExpFloat64()*1.5)
				if p < 0 {
					p = 0
				}
				parent = &ms[p]
				m.refs = append(append([]string{}, parent.refs...), parent.id)
				m.date = parent.date.Add(time.Duration(5+r.IntN(60*12)) * time.Minute)
			}
			ms = append(ms, m)
			var h strings.Builder
			name := strings.ToUpper(m.from[:1]) + m.from[1:strings.IndexByte(m.from, '@')]
			fmt.Fprintf(&h, "Return-Path: <dev-bounces@lists.example.org>\n")
			fmt.Fprintf(&h, "From: %s <%s>\n", name, m.from)
			fmt.Fprintf(&h, "To: %s\n", list)
			if parent != nil && r.IntN(3) == 0 {
				fmt.Fprintf(&h, "Cc: %s\n", parent.from)
			}
			subj := "[dev] " + subject
			if i > 0 {
				subj = "Re: " + subj
			}
			fmt.Fprintf(&h, "Subject: %s\n", subj)
			fmt.Fprintf(&h, "Date: %s\n", m.date.Format(time.RFC1123Z))
			if m.hasID {
				fmt.Fprintf(&h, "Message-ID: <%s>\n", m.id)
			}
			if parent != nil {
				pdate := parent.date.Format(time.RFC1123Z)
				pname := strings.ToUpper(parent.from[:1]) + parent.from[1:strings.IndexByte(parent.from, '@')]
				switch k := r.IntN(100); {
				case k < 8: // a client that drops threading headers
				case k < 11 && parent.hasID: // Gnus
					fmt.Fprintf(&h, "In-Reply-To: <%s> (%s's message of \"%s\")\n", parent.id, pname, pdate)
				case k < 13 && parent.hasID: // MH replcomps
					fmt.Fprintf(&h, "In-Reply-To: Your message of \"%s.\"\n             <%s>\n", pdate, parent.id)
				case k < 15 && parent.hasID: // exmh
					fmt.Fprintf(&h, "In-Reply-To: Message from %s <%s>\n   of \"%s.\" <%s>\n", pname, parent.from, pdate, parent.id)
				case k < 16: // Gnus, the parent had no id (or so it says)
					fmt.Fprintf(&h, "In-Reply-To: %s's message of \"%s\"\n", parent.from, pdate)
				case k < 25:
					fmt.Fprintf(&h, "In-Reply-To: <%s>\n", parent.id)
				default:
					fmt.Fprintf(&h, "In-Reply-To: <%s>\nReferences: %s\n", parent.id, idList(m.refs))
				}
			}
			h.WriteString("List-Id: Developers <dev.lists.example.org>\n")
			fmt.Fprintf(&h, "List-Post: <mailto:%s>\n", list)
			h.WriteString("Sender: \"dev\" <dev-bounces@lists.example.org>\n")
			h.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n")
			fmt.Fprintf(&h, "About %s: %s.\n\n-- \n%s\n", subject, sentence(r), m.from)
			raw := []byte(h.String())
			out = append(out, Generated{Name: fmt.Sprintf("%d.L%dT%d.gen:2,S", m.date.Unix(), len(out), thread), Raw: raw})
		}
	}
	return out
}
