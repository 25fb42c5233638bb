package main

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// englishPhrases are the texts of the portal's English catalog, and of the
// domain's messages, that the Portuguese catalogs say differently: each static part of a message (between its
// template fields) long enough to be a phrase rather than a word that both
// languages share ("Status", "CNPJ").
func englishPhrases(t *testing.T) map[string]string {
	t.Helper()
	read := func(name string) map[string]string {
		b, err := os.ReadFile("../../internal/web/locales/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	en, pt := read("en"), read("pt-BR")
	field := regexp.MustCompile(`\{\{[^}]*\}\}`)
	out := map[string]string{}
	for id, text := range en {
		if pt[id] == text {
			continue
		}
		for _, part := range field.Split(text, -1) {
			part = strings.TrimSpace(part)
			if len(part) >= 16 && strings.Contains(part, " ") && !strings.Contains(pt[id], part) {
				out[part] = id
			}
		}
	}
	// The domain's messages (errors, explanations, notifications): the English
	// format is the id, the catalog its Portuguese.
	b, err := os.ReadFile("../../internal/l10n/catalogs/pt-BR.json")
	if err != nil {
		t.Fatal(err)
	}
	domain := map[string]string{}
	if err := json.Unmarshal(b, &domain); err != nil {
		t.Fatal(err)
	}
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for format, translated := range domain {
		for _, part := range verb.Split(format, -1) {
			part = strings.TrimSpace(part)
			if len(part) >= 16 && strings.Contains(part, " ") && !strings.Contains(translated, part) {
				out[part] = "l10n: " + format
			}
		}
	}
	return out
}

// TestPortalInPortugueseEverywhere signs in as users whose language is
// Portuguese, visits every page of the route table they reach through the
// portal's links (one of each route), and fails on any phrase of the English
// catalog that the Portuguese one translates.
func TestPortalInPortugueseEverywhere(t *testing.T) {
	m, _, d := startHub(t)
	phrases := englishPhrases(t)
	if len(phrases) < 100 {
		t.Fatalf("only %d English phrases to look for", len(phrases))
	}
	patterns := map[string]*regexp.Regexp{}
	for _, r := range m.Server.App.GetRoutes(true) {
		if r.Method != "GET" || strings.HasPrefix(r.Path, "/api/") || notPages[r.Path] != "" {
			continue
		}
		re := regexp.MustCompile(`:[a-z_]+`).ReplaceAllString(regexp.QuoteMeta(r.Path), `[0-9]+`)
		patterns[r.Path] = regexp.MustCompile("^" + re + "$")
	}
	visited := 0
	for _, email := range []string{"admin@acme.example", "admin@nordic-dist.example"} {
		if _, err := d.Owner.Exec(`UPDATE users SET locale = 'pt-BR' WHERE email = $1`, email); err != nil {
			t.Fatal(err)
		}
		t.Run(email, func(t *testing.T) {
			ctx, cancel := browserFor(t, 5*time.Minute)
			defer cancel()
			signIn(t, ctx, m.URL, email)
			chosen := map[string]bool{}
			queue := []string{"/"}
			for len(queue) > 0 {
				url := queue[0]
				queue = queue[1:]
				if err := chromedp.Do(ctx, chromedp.Navigate(m.URL+url)); err != nil {
					t.Fatalf("%s: %v", url, err)
				}
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
				if err != nil {
					t.Fatal(err)
				}
				var found []string
				for phrase, id := range phrases {
					if strings.Contains(text, phrase) {
						found = append(found, id+": "+phrase)
					}
				}
				sort.Strings(found)
				for _, f := range found {
					t.Errorf("%s shows English (%s)", url, f)
				}
				visited++
				links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href^="/"]')].map(a => a.getAttribute('href'))`))
				if err != nil {
					t.Fatal(err)
				}
				for _, href := range links {
					path, _, _ := strings.Cut(strings.SplitN(href, "#", 2)[0], "?")
					for pattern, re := range patterns {
						if !chosen[pattern] && re.MatchString(path) {
							chosen[pattern] = true
							queue = append(queue, path)
						}
					}
				}
			}
		})
	}
	t.Logf("%d pages visited in Portuguese, %d phrases looked for", visited, len(phrases))
	if visited < 20 {
		t.Errorf("only %d pages visited", visited)
	}
}
