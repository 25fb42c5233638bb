// Command soak runs `partnerhub serve` against a cluster of its own, seeded with
// the demo network, under a mixed load of API reads and writes, CSV imports,
// portal pages and sign-ins for -duration (issue 23, item 6). Every -sample it
// records the hub's RSS and goroutines (from its /metrics), its open database
// connections as PostgreSQL counts them, and the requests and errors so far; at
// the end it prints those samples and, per route, the count, errors and p50, p95,
// p99 and max latency, as Markdown for BENCHMARKS.md.
//
//	bench/soak/run.sh -duration 30m        # builds the hub, then runs this
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/partnerhub/partnerhub/bench/benchhub"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgserver"
)

const password = "partnerhub-soak"

func main() {
	hub := flag.String("hub", "bin/partnerhub", "the partnerhub binary to serve with")
	duration := flag.Duration("duration", 30*time.Minute, "how long the load runs")
	sample := flag.Duration("sample", time.Minute, "how often RSS, goroutines and connections are recorded")
	rate := flag.Int("rate", 80, "requests per second offered (spread over the workers)")
	workers := flag.Int("workers", 8, "concurrent clients")
	flag.Parse()
	if err := run(*hub, *duration, *sample, *rate, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(hub string, duration, sampleEvery time.Duration, rate, workers int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "partnerhub-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// As root the cluster runs as postgres, which must reach its directory.
	os.Chmod(dir, 0o755)
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: filepath.Join(dir, "pg"), Fast: true})
	if err != nil {
		return err
	}
	defer srv.Stop()
	superURL := srv.URL("postgres", "", "postgres")
	if err := db.Provision(ctx, superURL, "partnerhub", password); err != nil {
		return err
	}
	ownerURL, _ := db.WithCredentials(superURL, db.OwnerRole, password, "partnerhub")
	appURL, _ := db.WithCredentials(superURL, db.AppRole, password, "partnerhub")
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	if err := db.Migrate(ctx, owner.DB); err != nil {
		return err
	}
	app, err := db.Open(ctx, appURL)
	if err != nil {
		return err
	}
	dm, err := demo.Seed(ctx, owner, app)
	app.Close()
	if err != nil {
		return err
	}
	super, err := sqlx.Open("postgres", srv.URL("postgres", "", "partnerhub"))
	if err != nil {
		return err
	}
	defer super.Close()

	logPath := filepath.Join(dir, "hub.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	h, err := benchhub.Start(hub, appURL, logFile)
	if err != nil {
		return err
	}
	defer h.Stop()
	cmd, base, metricsAddr := h.Cmd, h.URL, h.MetricsAddr

	l := &load{base: base, demo: dm, stats: map[string]*routeStats{}}
	keys := dm.APIKeys
	// Each worker's browser is a manager of its key's organization, so the
	// pages it opens are of accounts it may see.
	users := map[string]demo.Login{}
	for _, u := range dm.Users {
		if u.Role == "manager" {
			users[u.Org] = u
		}
	}
	logf("hub %s on %s, %d organizations' keys and managers; %d workers, %d req/s offered, for %s",
		hub, base, len(keys), workers, rate, duration)

	stop := make(chan struct{})
	tokens := make(chan struct{}, workers)
	var offered, dropped atomic.Int64
	go func() {
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		for {
			select {
			case <-stop:
				close(tokens)
				return
			case <-t.C:
				offered.Add(1)
				select {
				case tokens <- struct{}{}:
				default:
					dropped.Add(1) // the hub is behind: the load stays open-ended, not queued
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := dm.APIKeys[w%len(dm.APIKeys)]
			c := l.newClient(k.Key, users[k.Org], w)
			for range tokens {
				c.step()
			}
		}()
	}

	start := time.Now()
	var samples []sample
	take := func() {
		s := sample{at: time.Since(start).Round(time.Second), requests: l.requests.Load(), errors: l.errors.Load()}
		s.rss = rssKiB(cmd.Process.Pid)
		m := scrape("http://"+metricsAddr+"/metrics", "go_goroutines", "go_memstats_heap_inuse_bytes")
		s.goroutines, s.heap = int(m[0]), int64(m[1])/1024
		super.GetContext(ctx, &s.conns, `SELECT count(*) FROM pg_stat_activity WHERE usename = $1`, db.AppRole)
		super.GetContext(ctx, &s.active, `SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND state <> 'idle'`, db.AppRole)
		if b, err := os.ReadFile("/proc/loadavg"); err == nil {
			s.load = strings.Fields(string(b))[0]
		}
		samples = append(samples, s)
		logf("%8s  %7d requests  %4d errors  RSS %6.1f MiB  heap in use %6.1f MiB  %4d goroutines  %3d DB connections (%d busy)  load %s",
			s.at, s.requests, s.errors, float64(s.rss)/1024, float64(s.heap)/1024, s.goroutines, s.conns, s.active, s.load)
	}
	take()
	tick := time.NewTicker(sampleEvery)
	end := time.After(duration)
loop:
	for {
		select {
		case <-tick.C:
			take()
		case <-end:
			break loop
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	take()
	elapsed := time.Since(start)

	var jobs struct {
		Done, Failed, Other int
	}
	super.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state NOT IN ('done', 'failed')) FROM jobs`).
		Scan(&jobs.Done, &jobs.Failed, &jobs.Other)
	logLines, logErrors := countLog(logPath)

	fmt.Printf("\nSoak: %s, %d workers, %d req/s offered (%d offered, %d not sent because all workers were busy); %d requests, %d errors; import jobs %d done, %d failed, %d not finished; hub log %d lines, %d at level ERROR\n\n",
		elapsed.Round(time.Second), workers, rate, offered.Load(), dropped.Load(), l.requests.Load(), l.errors.Load(), jobs.Done, jobs.Failed, jobs.Other, logLines, logErrors)
	fmt.Println("| time | requests | errors | hub RSS | Go heap in use | goroutines | DB connections (busy) | load average |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range samples {
		fmt.Printf("| %s | %d | %d | %.1f MiB | %.1f MiB | %d | %d (%d) | %s |\n", s.at, s.requests, s.errors, float64(s.rss)/1024, float64(s.heap)/1024, s.goroutines, s.conns, s.active, s.load)
	}
	fmt.Println()
	fmt.Println("| route | requests | errors | p50 | p95 | p99 | max |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	names := make([]string, 0, len(l.stats))
	for n := range l.stats {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		st := l.stats[n]
		slices.Sort(st.ms)
		fmt.Printf("| `%s` | %d | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms |\n", n, len(st.ms), st.errors,
			pct(st.ms, 50), pct(st.ms, 95), pct(st.ms, 99), st.ms[len(st.ms)-1])
	}
	for _, n := range names {
		if e := l.stats[n].firstError; e != "" {
			fmt.Printf("\nfirst error of %s: %.300s\n", n, e)
		}
	}
	return nil
}

type sample struct {
	at                        time.Duration
	requests, errors          int64
	rss, heap                 int64
	goroutines, conns, active int
	load                      string // the machine's 1-minute load average
}

type routeStats struct {
	ms         []float64
	errors     int
	firstError string
}

type load struct {
	base     string
	demo     *demo.Demo
	mu       sync.Mutex
	stats    map[string]*routeStats
	requests atomic.Int64
	errors   atomic.Int64
}

func (l *load) record(route string, d time.Duration, failure string) {
	l.requests.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stats[route]
	if st == nil {
		st = &routeStats{}
		l.stats[route] = st
	}
	st.ms = append(st.ms, float64(d.Microseconds())/1000)
	if failure != "" {
		l.errors.Add(1)
		st.errors++
		if st.firstError == "" {
			st.firstError = failure
		}
	}
}

// client is one worker: an API key of an organization's manager, and a browser
// signed in as a user of the portal.
type client struct {
	l       *load
	key     string
	user    demo.Login
	http    *http.Client
	browser *http.Client
	csrf    string
	n       int
	id      int
	mine    []int64 // accounts this client created (its own to change)
	seen    []int64 // accounts it listed
	imports []int64
}

func (l *load) newClient(key string, user demo.Login, id int) *client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	return &client{l: l, key: key, user: user, id: id,
		http:    &http.Client{Timeout: time.Minute, Transport: tr},
		browser: &http.Client{Timeout: time.Minute, Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// step sends one request, picked by weight: mostly reads, a fifth writes, and
// now and then an import or a sign-in (argon2id, 64 MiB: rare on purpose).
func (c *client) step() {
	c.n++
	if c.csrf == "" || c.n%400 == 0 {
		c.login()
		return
	}
	r := rand.IntN(1000)
	switch {
	case r < 250:
		var page struct {
			Data []struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		if b, ok := c.api("GET /api/v1/accounts", "GET", "/api/v1/accounts?limit=50", "", 200); ok {
			json.Unmarshal(b, &page)
			for _, a := range page.Data {
				if len(c.seen) < 500 {
					c.seen = append(c.seen, a.ID)
				} else {
					c.seen[rand.IntN(len(c.seen))] = a.ID
				}
			}
		}
	case r < 380 && len(c.seen) > 0:
		c.api("GET /api/v1/accounts/{id}", "GET", fmt.Sprintf("/api/v1/accounts/%d", c.seen[rand.IntN(len(c.seen))]), "", 200)
	case r < 420 && len(c.seen) > 0:
		c.api("GET /api/v1/accounts/{id}/contacts", "GET", fmt.Sprintf("/api/v1/accounts/%d/contacts", c.seen[rand.IntN(len(c.seen))]), "", 200)
	case r < 450:
		c.api("GET /api/v1/accounts?q=", "GET", "/api/v1/accounts?limit=20&q="+url.QueryEscape([]string{"corp", "soak", "nordic", "acme", "zzz"}[rand.IntN(5)]), "", 200)
	case r < 490:
		c.api("GET /api/v1/organizations", "GET", "/api/v1/organizations", "", 200)
	case r < 520:
		c.api("GET /api/v1/me", "GET", "/api/v1/me", "", 200)
	case r < 550:
		c.api("GET /api/v1/partnerships", "GET", "/api/v1/partnerships", "", 200)
	case r < 580:
		c.api("GET /api/v1/notifications", "GET", "/api/v1/notifications", "", 200)
	case r < 680:
		name := fmt.Sprintf("Soak %d-%d-%d", c.id, c.n, rand.Int64())
		body := fmt.Sprintf(`{"name":%q,"domains":["soak-%d-%d-%d.example"],"region":"EMEA","tags":["soak"]}`, name, c.id, c.n, rand.Int64())
		var a struct {
			ID int64 `json:"id"`
		}
		if b, ok := c.api("POST /api/v1/accounts", "POST", "/api/v1/accounts", body, 201); ok {
			json.Unmarshal(b, &a)
			c.mine = append(c.mine, a.ID)
		}
	case r < 750 && len(c.mine) > 0:
		id := c.mine[rand.IntN(len(c.mine))]
		c.api("PATCH /api/v1/accounts/{id}", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", id),
			fmt.Sprintf(`{"city":"City %d","tags":["soak","t%d"]}`, rand.IntN(1000), rand.IntN(10)), 200)
	case r < 760:
		var csv strings.Builder
		csv.WriteString("name,domains,region\n")
		for i := range 20 {
			fmt.Fprintf(&csv, "Imported %d-%d-%d,imp-%d-%d-%d.example,APAC\n", c.id, c.n, i, c.id, c.n, i)
		}
		var imp struct {
			ID int64 `json:"id"`
		}
		if b, ok := c.send("POST /api/v1/imports", "POST", "/api/v1/imports?kind=accounts&filename=soak.csv", "text/csv", csv.String(), 202); ok {
			json.Unmarshal(b, &imp)
			c.imports = append(c.imports, imp.ID)
		}
	case r < 780 && len(c.imports) > 0:
		c.api("GET /api/v1/imports/{id}", "GET", fmt.Sprintf("/api/v1/imports/%d", c.imports[rand.IntN(len(c.imports))]), "", 200)
	case r < 880:
		c.page("GET / (dashboard)", "/")
	case r < 960:
		c.page("GET /accounts (page)", "/accounts")
	case len(c.seen) > 0:
		c.page("GET /accounts/{id} (page)", fmt.Sprintf("/accounts/%d", c.seen[rand.IntN(len(c.seen))]))
	default:
		c.page("GET /accounts (page)", "/accounts")
	}
}

func (c *client) api(route, method, path, body string, want int) ([]byte, bool) {
	return c.send(route, method, path, "application/json", body, want)
}

func (c *client) send(route, method, path, contentType, body string, want int) ([]byte, bool) {
	req, _ := http.NewRequest(method, c.l.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.do(c.http, route, req, want)
}

func (c *client) do(hc *http.Client, route string, req *http.Request, want int) ([]byte, bool) {
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		c.l.record(route, time.Since(start), err.Error())
		return nil, false
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		c.l.record(route, d, err.Error())
		return nil, false
	}
	if resp.StatusCode != want {
		c.l.record(route, d, fmt.Sprintf("%d %s", resp.StatusCode, b))
		return b, false
	}
	c.l.record(route, d, "")
	return b, true
}

func (c *client) page(route, path string) {
	req, _ := http.NewRequest("GET", c.l.base+path, nil)
	req.Header.Set("Accept", "text/html")
	c.do(c.browser, route, req, 200)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// login signs the browser in as its user, as a person would: the form, then the
// post. Each time it is a new browser (a signed-in one is sent away from /login).
func (c *client) login() {
	jar, _ := cookiejar.New(nil)
	c.browser.Jar = jar
	req, _ := http.NewRequest("GET", c.l.base+"/login", nil)
	b, ok := c.do(c.browser, "GET /login", req, 200)
	if !ok {
		return
	}
	m := csrfField.FindSubmatch(b)
	if m == nil {
		c.l.record("GET /login", 0, "no CSRF token on the login page")
		return
	}
	form := url.Values{"_csrf": {string(m[1])}, "email": {c.user.Email}, "password": {c.user.Password}}
	req, _ = http.NewRequest("POST", c.l.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, ok := c.do(c.browser, "POST /login", req, http.StatusSeeOther); ok {
		c.csrf = string(m[1])
	}
}

func pct(sorted []float64, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// rssKiB is a process's resident set size, from /proc.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// scrape reads the named gauges from the hub's Prometheus metrics (-1 when
// absent).
func scrape(metricsURL string, names ...string) []float64 {
	out := make([]float64, len(names))
	for i := range out {
		out[i] = -1
	}
	resp, err := http.Get(metricsURL)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		for i, n := range names {
			if v, ok := strings.CutPrefix(sc.Text(), n+" "); ok {
				out[i], _ = strconv.ParseFloat(v, 64)
			}
		}
	}
	return out
}

// countLog counts the hub's log lines and those at level ERROR.
func countLog(path string) (lines, errors int) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		lines++
		if bytes.Contains(line, []byte(`"level":"ERROR"`)) {
			errors++
		}
	}
	return lines, errors
}
