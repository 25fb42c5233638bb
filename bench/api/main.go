// Command api measures the accounts list through the whole hub against pgbench
// running the same tenant transaction and SELECT, side by side (issue 28).
//
// It reuses the cluster that bench/accounts seeded and kept (-dir), applies any
// pending migration, gives API keys to the organization that receives the most
// shares and to others picked at random, starts `partnerhub serve` on it, and
// then, for each round and each connection count, runs pgbench and wrk one after
// the other for -duration each. For both it prints the rate, the latency
// percentiles that the tool reports, and the CPU time spent per request by
// PostgreSQL (every backend of the cluster) and by the hub.
//
//	go run ./bench/accounts -keep -dir /tmp/acct1m/pg       # once: seeds 1,000,000 accounts
//	bench/api/run.sh -dir /tmp/acct1m/pg                     # builds the hub, installs wrk, runs this
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"github.com/partnerhub/partnerhub/bench/benchhub"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgserver"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

var (
	profileTo string
	shapeRuns int
	// shapesOnly stops after the shape table.
	shapesOnly bool
	beforeHub  string
	perfTo     string
	straceTo   string
	shapesOrg  int64
	commonWord string
)

const (
	dbName   = "partnerhub_bench" // as bench/accounts seeds it
	password = "partnerhub-bench"
)

func main() {
	dir := flag.String("dir", filepath.Join("bench", "data", "accounts-pg"), "cluster seeded and kept by bench/accounts")
	hub := flag.String("hub", "bin/partnerhub", "the partnerhub binary to serve with")
	flag.StringVar(&beforeHub, "before", "", "a second partnerhub binary (an earlier build) whose API runs beside the first in every round: before and after in one run")
	conns := flag.String("conns", "2,8,32", "connection counts")
	rounds := flag.Int("rounds", 5, "rounds: each runs pgbench and the API at every connection count")
	duration := flag.Duration("duration", 10*time.Second, "length of each run")
	orgs := flag.Int("orgs", 20, "organizations whose keys the load rotates through (the busiest first)")
	flag.StringVar(&profileTo, "cpuprofile", "", "write the hub's CPU profile of the last API run to this file")
	flag.IntVar(&shapeRuns, "shape-runs", 200, "timed executions of each filter shape's statement (0: skip the shape table)")
	flag.StringVar(&perfTo, "perf", "", "record a perf profile of the cluster's processes during each run of the last round into this directory (perf record -p)")
	flag.StringVar(&straceTo, "strace", "", "trace the cluster's reads and writes (what each request sends and receives) for 2 s in the middle of each run of the last round into this directory")
	flag.Int64Var(&shapesOrg, "shapes-org", 0, "time the shapes for this organization rather than the one receiving the most shares")
	flag.StringVar(&commonWord, "q", "falcon", "the common word the search shapes look for")
	flag.BoolVar(&shapesOnly, "shapes-only", false, "time the statements of each shape (list, count, choices) and stop: no hub, no load")
	flag.Parse()
	if err := run(*dir, *hub, *conns, *rounds, *duration, *orgs); err != nil {
		fmt.Fprintln(os.Stderr, "api bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(dir, hub, connList string, rounds int, duration time.Duration, nOrgs int) error {
	ctx := context.Background()
	if _, err := os.Stat(filepath.Join(dir, "seed.json")); err != nil {
		return fmt.Errorf("no seeded cluster in %s: run `go run ./bench/accounts -keep -dir %s` first", dir, dir)
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		return err
	}
	defer srv.Stop()
	superURL := srv.URL("postgres", "", dbName)
	ownerURL, _ := db.WithCredentials(superURL, db.OwnerRole, password, dbName)
	appURL, _ := db.WithCredentials(superURL, db.AppRole, password, dbName)
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	// Out of order too: a kept cluster may carry a later migration of another
	// branch (as bench/pages does).
	mp, err := goose.NewProvider(goose.DialectPostgres, owner.DB, os.DirFS("internal/db/migrations"), goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	if _, err := mp.Up(ctx); err != nil {
		return err
	}
	super, err := sqlx.Open("postgres", superURL)
	if err != nil {
		return err
	}
	defer super.Close()

	// The organizations: the one receiving the most shares, then random others.
	var network int64
	if err := super.GetContext(ctx, &network, `SELECT id FROM networks WHERE slug = 'bench'`); err != nil {
		return err
	}
	var orgIDs []int64
	if err := super.SelectContext(ctx, &orgIDs, `
		(SELECT grantee_org_id FROM shares WHERE network_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
		UNION ALL
		(SELECT id FROM organizations WHERE network_id = $1 AND kind <> 'vendor' ORDER BY random() LIMIT $2)`, network, nOrgs-1); err != nil {
		return err
	}
	var busiest int
	super.GetContext(ctx, &busiest, `SELECT count(*) FROM shares WHERE network_id = $1 AND grantee_org_id = $2`, network, orgIDs[0])
	logf("network %d; %d organizations, the busiest receiving %d shares", network, len(orgIDs), busiest)
	keys := make([]string, len(orgIDs))
	for i, org := range orgIDs {
		b := make([]byte, 32)
		rand.Read(b)
		keys[i] = "phk_" + strconv.FormatInt(network, 10) + "_" + base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(keys[i]))
		if _, err := super.ExecContext(ctx, `INSERT INTO api_keys (network_id, org_id, name, role, token_hash, prefix) VALUES ($1, $2, 'api bench', 'viewer', $3, $4)`,
			network, org, h[:], keys[i][:16]); err != nil {
			return fmt.Errorf("make key: %w", err)
		}
	}
	defer super.ExecContext(context.Background(), `DELETE FROM api_keys WHERE network_id = $1 AND name = 'api bench'`, network)
	vendor, err := seedRecords(ctx, owner, network, orgIDs)
	if err != nil {
		return err
	}
	shapeOrg := orgIDs[0]
	if shapesOrg != 0 {
		shapeOrg = shapesOrg
	}
	if shapesOnly {
		return timeShapes(ctx, appURL, network, shapeOrg, vendor, max(shapeRuns, 1))
	}

	// The same SQL as the API's GET /api/v1/accounts?limit=50, for pgbench.
	sqlText, args, err := accounts.ListSQL(partners.Actor{Network: network, Org: orgIDs[0], Role: partners.Viewer}, accounts.Filter{Limit: 50})
	if err != nil {
		return err
	}
	if len(args) != 3 {
		return fmt.Errorf("the list statement has %d arguments; this bench knows the 3 of the default shape", len(args))
	}
	work, err := os.MkdirTemp("", "apibench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	var scripts []string
	for i, org := range orgIDs {
		// set_config(…, true) is SET LOCAL that pgbench can send as a prepared
		// statement; the app sends the same five settings as one SET LOCAL string.
		body := fmt.Sprintf(`\set network %d
\set org %d
\set lim 51
BEGIN;
SELECT set_config('app.network_id', :network::text, true), set_config('app.org_id', :org::text, true), set_config('app.user_id', '', true), set_config('app.role', 'viewer', true), set_config('app.vendor', 'off', true);
%s;
COMMIT;
`, network, org, strings.NewReplacer("$1", ":network", "$2", ":org", "$3", ":lim").Replace(strings.Join(strings.Fields(sqlText), " ")))
		p := filepath.Join(work, fmt.Sprintf("org%d.sql", i))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
		scripts = append(scripts, "-f", p+"@1")
	}
	lua := filepath.Join(work, "keys.lua")
	if err := os.WriteFile(lua, []byte(`keys = {"`+strings.Join(keys, `","`)+`"}
n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/accounts?limit=50", {["Authorization"] = "Bearer " .. keys[(n % #keys) + 1]})
end
`), 0o644); err != nil {
		return err
	}

	// The hub, as production runs it, with the rate limit out of the way
	// (API_RATE_LIMIT high: the limit is still counted, never reached).
	type hubProc struct {
		name, base, metrics string
		cmd                 *exec.Cmd
	}
	startHub := func(name, bin string) (*hubProc, error) {
		bh, err := benchhub.Start(bin, appURL, io.Discard)
		if err != nil {
			return nil, err
		}
		h := &hubProc{name: name, base: bh.URL, metrics: "http://" + bh.MetricsAddr, cmd: bh.Cmd}
		req, _ := http.NewRequest("GET", h.base+"/api/v1/accounts?limit=50", nil)
		req.Header.Set("Authorization", "Bearer "+keys[0])
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
			return h, fmt.Errorf("a first API call to %s failed: %v %v", bin, r, err)
		}
		return h, nil
	}
	var hubs []*hubProc
	defer func() {
		for _, h := range hubs {
			h.cmd.Process.Signal(os.Interrupt)
			h.cmd.Wait()
		}
	}()
	if beforeHub != "" {
		h, err := startHub("API before", beforeHub)
		if h != nil {
			hubs = append(hubs, h)
		}
		if err != nil {
			return err
		}
	}
	h, err := startHub("API", hub)
	if h != nil {
		hubs = append(hubs, h)
	}
	if err != nil {
		return err
	}
	if beforeHub != "" {
		h.name = "API after"
	}
	statements := statementStats(ctx, super)

	if shapeRuns > 0 {
		if err := timeShapes(ctx, appURL, network, shapeOrg, vendor, shapeRuns); err != nil {
			return err
		}
		fmt.Println()
	}
	pgPID, err := postmasterPID(dir)
	if err != nil {
		return err
	}
	pgbenchURL := fmt.Sprintf("host=127.0.0.1 port=%d user=%s password=%s dbname=%s sslmode=disable", srv.Port, db.AppRole, password, dbName)
	bindir, _ := pgserver.BinDir()
	fmt.Printf("| round | conns | run | per second | ÷ pgbench | p50 / p99 | PG CPU per request (of it, background processes) | hub CPU per request |\n")
	fmt.Printf("|---:|---:|---|---:|---:|---|---:|---:|\n")
	for r := 1; r <= rounds; r++ {
		for _, cs := range strings.Split(connList, ",") {
			c, _ := strconv.Atoi(cs)
			threads := min(c, 2)
			pgArgs := append([]string{"-n", "-M", "prepared", "-c", cs, "-j", strconv.Itoa(threads), "-T", strconv.Itoa(int(duration.Seconds())),
				"--log", "--log-prefix", filepath.Join(work, "pgb")}, scripts...)
			pgArgs = append(pgArgs, pgbenchURL)
			stopPerf := startPerf(r == rounds, pgPID, fmt.Sprintf("pgbench-%d", c), duration)
			stopTrace := startTrace(r == rounds, pgPID, fmt.Sprintf("pgbench-%d", c))
			pgBefore, bgBefore := treeCPU(pgPID), backgroundCPU(pgPID)
			out, err := exec.Command(filepath.Join(bindir, "pgbench"), pgArgs...).CombinedOutput()
			pgCPU, bgCPU := treeCPU(pgPID)-pgBefore, backgroundCPU(pgPID)-bgBefore
			stopPerf()
			stopTrace()
			if err != nil {
				return fmt.Errorf("pgbench: %v\n%s", err, out)
			}
			tps := match(`tps = ([0-9.]+) \(without initial connection time\)`, string(out))
			p50, p99 := pgbenchPercentiles(work)
			os.RemoveAll(filepath.Join(work, "logs"))
			fmt.Printf("| %d | %d | pgbench | %.0f | 1 | %.1f / %.1f ms | %.2f ms (%.2f) | |\n", r, c, tps, p50, p99, ms(pgCPU)/(tps*duration.Seconds()), ms(bgCPU)/(tps*duration.Seconds()))

			for _, h := range hubs {
				last := r == rounds && cs == lastOf(connList) && h == hubs[len(hubs)-1]
				var profile chan error
				if profileTo != "" && last {
					profile = make(chan error, 1)
					go func() { profile <- fetchProfile(h.metrics, duration-time.Second, profileTo) }()
				}
				if last {
					statements.reset(ctx)
				}
				stopPerf := startPerf(r == rounds, pgPID, fmt.Sprintf("%s-%d", strings.ReplaceAll(h.name, " ", "-"), c), duration)
				stopTrace := startTrace(r == rounds, pgPID, fmt.Sprintf("%s-%d", strings.ReplaceAll(h.name, " ", "-"), c))
				pgBefore, bgBefore, hubBefore := treeCPU(pgPID), backgroundCPU(pgPID), procCPU(h.cmd.Process.Pid)
				wout, err := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", cs, "-d", strconv.Itoa(int(duration.Seconds()))+"s",
					"--latency", "-s", lua, h.base+"/api/v1/accounts?limit=50").CombinedOutput()
				apiPG, bgCPU, hubCPU := treeCPU(pgPID)-pgBefore, backgroundCPU(pgPID)-bgBefore, procCPU(h.cmd.Process.Pid)-hubBefore
				stopPerf()
				stopTrace()
				if err != nil {
					return fmt.Errorf("wrk: %v\n%s", err, wout)
				}
				if non := match(`Non-2xx or 3xx responses: ([0-9]+)`, string(wout)); non > 0 {
					return fmt.Errorf("the API answered %v requests with an error:\n%s", non, wout)
				}
				if profile != nil {
					if err := <-profile; err != nil {
						return err
					}
					logf("the hub's CPU profile is in %s", profileTo)
				}
				rps := match(`Requests/sec:\s+([0-9.]+)`, string(wout))
				a50, a99 := wrkLatency(string(wout), "50%"), wrkLatency(string(wout), "99%")
				reqs := rps * duration.Seconds()
				fmt.Printf("| %d | %d | %s | %.0f | %.2f | %.1f / %.1f ms | %.2f ms (%.2f) | %.2f ms |\n",
					r, c, h.name, rps, rps/tps, a50, a99, ms(apiPG)/reqs, ms(bgCPU)/reqs, ms(hubCPU)/reqs)
				if last {
					statements.print(ctx, reqs)
				}
			}
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func match(re, s string) float64 {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// wrkLatency reads a percentile of wrk's --latency table, in milliseconds.
func wrkLatency(out, pct string) float64 {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(pct) + `\s+([0-9.]+)(us|ms|s)`).FindStringSubmatch(out)
	if m == nil {
		return math.NaN()
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "us":
		return v / 1000
	case "s":
		return v * 1000
	}
	return v
}

// pgbenchPercentiles reads the per-transaction log pgbench wrote (--log) and
// returns the 50th and 99th percentile latencies in milliseconds.
func pgbenchPercentiles(work string) (float64, float64) {
	files, _ := filepath.Glob(filepath.Join(work, "pgb.*"))
	var lat []float64
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) >= 3 {
				if us, err := strconv.ParseFloat(fs[2], 64); err == nil {
					lat = append(lat, us/1000)
				}
			}
		}
		os.Remove(f)
	}
	if len(lat) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
}

func lastOf(list string) string {
	parts := strings.Split(list, ",")
	return parts[len(parts)-1]
}

// fetchProfile saves a CPU profile of the hub taken over d.
func fetchProfile(base string, d time.Duration, to string) error {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, max(int(d.Seconds()), 1)))
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer resp.Body.Close()
	f, err := os.Create(to)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// startPerf records, when on and -perf is set, a CPU profile of the cluster's
// processes (those alive now, and the backends they start) for the length
// of a run, into -perf/NAME.data; the function it returns waits for it.
func startPerf(on bool, postmaster int, name string, d time.Duration) func() {
	if !on || perfTo == "" {
		return func() {}
	}
	os.MkdirAll(perfTo, 0o755)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A second in, so that the backends pgbench opens exist (perf -p
		// does not follow the postmaster's new children).
		time.Sleep(time.Second)
		var pids []string
		for _, p := range pgProcesses(postmaster) {
			pids = append(pids, strconv.Itoa(p))
		}
		cmd := exec.Command("perf", "record", "-q", "-F", "499", "-o", filepath.Join(perfTo, name+".data"), "-p", strings.Join(pids, ","), "--", "sleep", strconv.Itoa(max(int(d.Seconds())-3, 1)))
		if err := cmd.Run(); err != nil {
			logf("perf: %v", err)
		}
	}()
	return func() { <-done }
}

// startTrace, when on and -strace is set, waits 3 s into a run, then traces
// the reads and writes of the cluster's backends serving the application role
// for 2 s (strace; it slows them, so the run's figures are not comparable),
// into -strace/NAME.txt; the function it returns waits for it.
func startTrace(on bool, postmaster int, name string) func() {
	if !on || straceTo == "" {
		return func() {}
	}
	os.MkdirAll(straceTo, 0o755)
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(3 * time.Second)
		args := []string{"-qq", "-f", "-s", "300", "-e", "trace=recvfrom,sendto,read,write", "-o", filepath.Join(straceTo, name+".txt")}
		for _, pid := range pgProcesses(postmaster)[1:] {
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if strings.Contains(string(cmd), "partnerhub_app") {
				args = append(args, "-p", strconv.Itoa(pid))
			}
		}
		cmd := exec.Command("timeout", append([]string{"-s", "INT", "2", "strace"}, args...)...)
		if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() != 124 {
			logf("strace: %v", err)
		}
	}()
	return func() { <-done }
}
