// Command agree compares `partnerhub mail thread` JSON with `notmuch show
// --format=json --body=false '*'` JSON for the same Maildir and prints the
// share of messages (files) whose conversation-mates agree: the same set of
// other files shares its conversation in both.
//
//	go run ./bench/mail/agree partnerhub.json notmuch.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

type ours struct {
	Messages      int `json:"messages"`
	Conversations []struct {
		Messages []struct {
			File string `json:"file"`
		} `json:"messages"`
	} `json:"conversations"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: agree partnerhub.json notmuch.json")
		os.Exit(2)
	}
	a, err := loadOurs(os.Args[1])
	check(err)
	b, err := loadNotmuch(os.Args[2])
	check(err)
	agree, both := 0, 0
	var examples []string
	for file, ga := range a {
		gb, ok := b[file]
		if !ok {
			continue
		}
		both++
		if same(ga, gb) {
			agree++
		} else if len(examples) < 5 {
			examples = append(examples, fmt.Sprintf("  %s: partnerhub %d mates, notmuch %d", filepath.Base(file), len(*ga)-1, len(*gb)-1))
		}
	}
	fmt.Printf("files threaded by both: %d (partnerhub %d, notmuch %d)\n", both, len(a), len(b))
	fmt.Printf("conversations: partnerhub %d, notmuch %d\n", groups(a), groups(b))
	fmt.Printf("agreement: %d of %d messages (%.2f%%) have the same conversation-mates\n", agree, both, 100*float64(agree)/float64(max(both, 1)))
	if len(examples) > 0 {
		fmt.Println("some disagreements:\n" + strings.Join(examples, "\n"))
	}
	// The generator's own threads, from the file names, say which
	// disagreements are mistakes: mates that are not in the message's
	// thread (false merges) or true mates missing (splits).
	if truth := loadTruth(a); truth != nil {
		for _, side := range []struct {
			name string
			g    map[string]*group
		}{{"partnerhub", a}, {"notmuch", b}} {
			exact, merged, split := 0, 0, 0
			for file, gt := range truth {
				g, ok := side.g[file]
				if !ok {
					continue
				}
				over, under := false, false
				for f := range *g {
					if !(*gt)[f] {
						over = true
						break
					}
				}
				for f := range *gt {
					if !(*g)[f] {
						under = true
						break
					}
				}
				switch {
				case !over && !under:
					exact++
				case over:
					merged++
				default:
					split++
				}
			}
			fmt.Printf("against the generator's threads, %s: %.2f%% exact, %.2f%% with mates from other threads (false merges), %.2f%% only missing mates (splits)\n",
				side.name, pct(exact, len(truth)), pct(merged, len(truth)), pct(split, len(truth)))
		}
	}
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }

// threadName finds the generator's thread number in a file name
// ("...P123.gen:2,S", "...T123.gen:2,S", "...P123.copy:2,S").
var threadName = regexp.MustCompile(`[PT](\d+)\.(gen|copy)`)

// loadTruth groups files by the generator's thread, or returns nil when
// the names carry none.
func loadTruth(files map[string]*group) map[string]*group {
	byThread := map[string]*group{}
	out := map[string]*group{}
	for f := range files {
		m := threadName.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			return nil
		}
		g := byThread[m[1]]
		if g == nil {
			g = &group{}
			byThread[m[1]] = g
		}
		(*g)[f] = true
		out[f] = g
	}
	return out
}

// Each file maps to the set of files of its conversation (shared pointer).
type group = map[string]bool

func loadOurs(path string) (map[string]*group, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var o ours
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]*group{}
	for _, c := range o.Conversations {
		g := group{}
		for _, m := range c.Messages {
			g[clean(m.File)] = true
		}
		for f := range g {
			out[f] = &g
		}
	}
	return out, nil
}

func loadNotmuch(path string) (map[string]*group, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var threads []json.RawMessage
	if err := json.Unmarshal(raw, &threads); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]*group{}
	for _, t := range threads {
		g := group{}
		if err := walk(t, g); err != nil {
			return nil, err
		}
		for f := range g {
			out[f] = &g
		}
	}
	return out, nil
}

// walk reads a notmuch thread: a list of nodes, each [message, [replies]].
func walk(raw json.RawMessage, g group) error {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return err
	}
	for _, n := range list {
		var pair []json.RawMessage
		if err := json.Unmarshal(n, &pair); err != nil {
			return err
		}
		if len(pair) != 2 {
			return fmt.Errorf("unexpected notmuch node %s", n)
		}
		var m struct {
			Filename []string `json:"filename"`
		}
		if string(pair[0]) != "null" {
			if err := json.Unmarshal(pair[0], &m); err != nil {
				return err
			}
		}
		for _, f := range m.Filename {
			g[clean(f)] = true
		}
		if err := walk(pair[1], g); err != nil {
			return err
		}
	}
	return nil
}

func clean(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func same(a, b *group) bool {
	if len(*a) != len(*b) {
		return false
	}
	for f := range *a {
		if !(*b)[f] {
			return false
		}
	}
	return true
}

func groups(m map[string]*group) int {
	seen := map[*group]bool{}
	for _, g := range m {
		seen[g] = true
	}
	return len(seen)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "agree:", err)
		os.Exit(1)
	}
}
