package db_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/pgtest"
)

// Functions that write under another role than the caller's (SECURITY DEFINER).
// Inside a tenant transaction such a write makes Citus open a second connection
// as the other role, which cannot see the transaction's own writes (DESIGN §9,
// issue 29): no new one may be added. Those that run outside any tenant
// transaction (before anyone is known, or in the worker) are allowed by design;
// those that run inside one are the debt issue 29 pays off, to be removed from
// this list as they become policies for the application role.
var definerWriters = map[string]string{
	"ph_session_lookup": "outside: resolves a session before any tenant is known",
	"ph_api_key_touch":  "outside: the key cache's background writer",
	"ph_claim_jobs":     "outside: the job worker claims across networks",
	"ph_finish_job":     "outside: the job worker records an outcome",
}

var writes = regexp.MustCompile(`(?i)\b(insert\s+into|update\s+[a-z_]+\s+(as\s+\w+\s+)?set|update\s+[a-z_]+\s+\w+\s+set|delete\s+from|truncate)\b`)

// TestNoNewDefinerWriters fails on a SECURITY DEFINER function that writes and is
// not listed above, and on a listed one that no longer exists or no longer writes
// (take it off the list).
func TestNoNewDefinerWriters(t *testing.T) {
	d := pgtest.New(t)
	var fns []struct {
		Name string `db:"proname"`
		Src  string `db:"prosrc"`
	}
	if err := d.Owner.SelectContext(context.Background(), &fns, `
		SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'public' AND p.prosecdef`); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range fns {
		if !writes.MatchString(f.Src) {
			continue
		}
		found[f.Name] = true
		if _, ok := definerWriters[f.Name]; !ok {
			t.Errorf("%s is SECURITY DEFINER and writes: give the application role a policy for exactly that write instead (DESIGN §9)", f.Name)
		}
	}
	var stale []string
	for name := range definerWriters {
		if !found[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		t.Errorf("%s is listed as a definer that writes, but none by that name writes now: take it off the list", name)
	}
}

// TestPoliciesHaveNoSubquery fails on a row-level security policy with a subquery,
// which Citus refuses on distributed tables (DESIGN §3 and §9): a policy compares
// the row's own columns with the settings.
func TestPoliciesHaveNoSubquery(t *testing.T) {
	d := pgtest.New(t)
	var pols []struct {
		Table string `db:"tablename"`
		Name  string `db:"policyname"`
		Qual  string `db:"qual"`
		Check string `db:"with_check"`
	}
	if err := d.Owner.SelectContext(context.Background(), &pols, `
		SELECT tablename, policyname, coalesce(qual, '') AS qual, coalesce(with_check, '') AS with_check FROM pg_policies WHERE schemaname = 'public'`); err != nil {
		t.Fatal(err)
	}
	if len(pols) < 10 {
		t.Fatalf("found %d policies: the check did not run over the schema", len(pols))
	}
	for _, p := range pols {
		for _, expr := range []string{p.Qual, p.Check} {
			if strings.Contains(strings.ToUpper(expr), "SELECT") {
				t.Errorf("policy %s on %s holds a subquery: %s", p.Name, p.Table, expr)
			}
		}
	}
}

// coordinatorTables are global tables that stay plain tables of the coordinator on
// Citus instead of reference tables: only the coordinator touches them, before any
// tenant is known, with writes Citus refuses on a reference table
// (clock_timestamp() and now() in ON CONFLICT DO UPDATE), and a reference table
// would make every write a two-phase commit on every node.
var coordinatorTables = map[string]string{
	"login_throttle": "sign-in throttling, before any tenant is known",
	"rate_windows":   "API rate limits, one upsert per request",
}

// tenantTables are the tables with network_id, from the catalog of the migrated
// template; globals the others (goose's own bookkeeping aside).
func tableKinds(t *testing.T) (tenant, global map[string]bool) {
	t.Helper()
	d := pgtest.New(t)
	var rows []struct {
		Name   string `db:"relname"`
		Tenant bool   `db:"tenant"`
	}
	if err := d.Owner.SelectContext(context.Background(), &rows, `
		SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'network_id' AND NOT a.attisdropped) AS tenant
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'goose_db_version'`); err != nil {
		t.Fatal(err)
	}
	tenant, global = map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if r.Tenant && r.Name != "networks" {
			tenant[r.Name] = true
		} else {
			global[r.Name] = true
		}
	}
	if len(tenant) < 10 || !global["networks"] {
		t.Fatalf("tenant tables %v, global %v: the check did not run over the schema", tenant, global)
	}
	return tenant, global
}

// migrationFile is one migration's Up part, with its file name.
type migrationFile struct{ name, up string }

func migrationFiles(t *testing.T) []migrationFile {
	t.Helper()
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) < 10 {
		t.Fatalf("migrations: %v (%d files)", err, len(names))
	}
	sort.Strings(names)
	var out []migrationFile
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		out = append(out, migrationFile{filepath.Base(n), up})
	}
	return out
}

var (
	createTable = regexp.MustCompile(`(?i)\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_]+)\s*\(`)
	distribute  = regexp.MustCompile(`ph_distribute\('([a-z_]+)',\s*'network_id'\)`)
	reference   = regexp.MustCompile(`ph_reference\('([a-z_]+)'\)`)
	// Statements Citus refuses on a distributed table (issue 29): identity
	// alterations, a constraint inside ADD COLUMN, an ADD CONSTRAINT beside other
	// subcommands is left to the Citus run.
	refused = []*regexp.Regexp{
		regexp.MustCompile(`(?i)ALTER\s+COLUMN\s+\w+\s+(SET\s+GENERATED|ADD\s+GENERATED|DROP\s+IDENTITY|RESTART)`),
		regexp.MustCompile(`(?is)ADD\s+COLUMN\s[^;,]*?\b(CHECK|REFERENCES|UNIQUE|PRIMARY\s+KEY)\b`),
	}
)

// TestMigrationsDeclareTheLayout fails on a table whose creating migration does
// not say where its rows live on Citus (a tenant table distributed by network_id,
// a global one a reference table), on a table created with a foreign key inline to
// a reference table (Citus makes it a coordinator table at once, which then cannot
// be distributed), and on a statement Citus refuses once a table is distributed.
// On plain PostgreSQL those calls do nothing: this is where the rules are checked
// (DESIGN §9).
func TestMigrationsDeclareTheLayout(t *testing.T) {
	tenant, global := tableKinds(t)
	declared := map[string]string{}
	for _, f := range migrationFiles(t) {
		dist, ref := map[string]bool{}, map[string]bool{}
		for _, m := range distribute.FindAllStringSubmatch(f.up, -1) {
			dist[m[1]] = true
		}
		for _, m := range reference.FindAllStringSubmatch(f.up, -1) {
			ref[m[1]] = true
		}
		for _, loc := range createTable.FindAllStringSubmatchIndex(f.up, -1) {
			name := f.up[loc[2]:loc[3]]
			switch {
			case tenant[name] && !dist[name]:
				t.Errorf("%s creates tenant table %s without ph_distribute('%s', 'network_id')", f.name, name, name)
			case global[name] && !ref[name] && coordinatorTables[name] == "":
				t.Errorf("%s creates global table %s without ph_reference('%s')", f.name, name, name)
			}
			declared[name] = f.name
			body := f.up[loc[1]:]
			if end := strings.Index(body, ";"); end >= 0 {
				body = body[:end]
			}
			for _, g := range []string{"networks", "login_throttle", "rate_windows"} {
				if tenant[name] && regexp.MustCompile(`(?i)REFERENCES\s+`+g+`\b`).MatchString(body) {
					t.Errorf("%s creates %s with a foreign key to the reference table %s inline: add it with ALTER TABLE after ph_distribute", f.name, name, g)
				}
			}
		}
		for _, re := range refused {
			if m := re.FindString(f.up); m != "" {
				t.Errorf("%s: %q is refused by Citus on a distributed table", f.name, m)
			}
		}
	}
	for name := range tenant {
		if declared[name] == "" {
			t.Errorf("tenant table %s is created by no migration that this check reads", name)
		}
	}
}

// TestRowTypeFunctionsFollowDistribution fails on a function taking or returning a
// table's row type that a migration creates before that table is distributed: Citus
// then creates it on the coordinator only, and every statement using it on a
// worker fails.
func TestRowTypeFunctionsFollowDistribution(t *testing.T) {
	d := pgtest.New(t)
	var uses []struct {
		Fn    string `db:"proname"`
		Table string `db:"relname"`
	}
	if err := d.Owner.SelectContext(context.Background(), &uses, `
		SELECT DISTINCT p.proname, c.relname
		  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		  JOIN pg_type ty ON ty.oid = p.prorettype OR ty.oid = ANY (p.proargtypes::oid[])
		  JOIN pg_class c ON c.oid = ty.typrelid AND c.relkind = 'r'
		 WHERE n.nspname = 'public'`); err != nil {
		t.Fatal(err)
	}
	if len(uses) < 2 {
		t.Fatalf("found %d row-type functions: the check did not run over the schema", len(uses))
	}
	files := migrationFiles(t)
	// where returns the (file, offset) of the first match of re, or (-1, -1).
	where := func(re *regexp.Regexp) (int, int) {
		for i, f := range files {
			if loc := re.FindStringIndex(f.up); loc != nil {
				return i, loc[0]
			}
		}
		return -1, -1
	}
	for _, u := range uses {
		fi, fo := where(regexp.MustCompile(`(?i)CREATE\s+(OR\s+REPLACE\s+)?FUNCTION\s+` + u.Fn + `\(`))
		di, do := where(regexp.MustCompile(`(?:ph_distribute|ph_reference)\('` + u.Table + `'`))
		if fi < 0 || di < 0 {
			t.Errorf("%s (row type of %s): created at %d, distributed at %d: not found in the migrations", u.Fn, u.Table, fi, di)
			continue
		}
		if fi < di || (fi == di && fo < do) {
			t.Errorf("%s takes the row type of %s but %s creates it before %s distributes the table", u.Fn, u.Table, files[fi].name, files[di].name)
		}
	}
}

// TestNoTriggersOnTenantTables: Citus takes no trigger on a distributed table
// (an append-only rule is privileges and policies instead).
func TestNoTriggersOnTenantTables(t *testing.T) {
	d := pgtest.New(t)
	var trig []string
	if err := d.Owner.SelectContext(context.Background(), &trig, `
		SELECT tg.tgname || ' on ' || c.relname FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND NOT tg.tgisinternal`); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trig {
		t.Errorf("trigger %s: Citus refuses triggers on distributed tables", tr)
	}
}

// crossNetwork are the functions whose statements reach tenant tables of every
// network on purpose, outside any tenant transaction.
var crossNetwork = map[string]string{
	"internal/web/idempotency.go:PurgeIdempotencyKeys": "the worker deletes expired keys of every network",
	"internal/audit/audit.go:Verify":                   "audit verify walks every network's chain",
}

var (
	tenantStatement = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)\b`)
	// The network as a value Citus can route by: a bind parameter (or, in an
	// INSERT, the first of the VALUES, which are parameters too). A setting
	// (current_setting('app.network_id')) is no value to Citus: every shard runs.
	// A statement built in pieces may end a piece with "network_id = " and add
	// the placeholder in code.
	networkValue = regexp.MustCompile(`(?im)network_id\s*=\s*(\$\d|$)|network_id\s*IN\s*\(\s*\$\d|\(\s*network_id\s*,[^)]*\)\s*VALUES[^a-z0-9]{0,12}\(\s*\$\d`)
)

// TestStatementsNameTheNetwork fails on a statement in the code that reaches a
// tenant table with no "network_id = $n" in it nor in the other SQL of its function: on
// Citus such a statement runs on every shard (DESIGN §9: every tenant statement
// carries network_id =). Statements are the string constants of the non-test Go
// files; a function may build one statement from several.
func TestStatementsNameTheNetwork(t *testing.T) {
	tenant, _ := tableKinds(t)
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if e.IsDir() {
			if rel == "." {
				return nil
			}
			if rel == "bench" || rel == "internal/pgtest" || strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" || e.Name() == "var" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			var lits []string
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if l, ok := n.(*ast.BasicLit); ok && l.Kind == token.STRING {
					if s, err := strconv.Unquote(l.Value); err == nil {
						lits = append(lits, s)
					}
				}
				return true
			})
			all := strings.Join(lits, "\n")
			for _, l := range lits {
				for _, m := range tenantStatement.FindAllStringSubmatch(l, -1) {
					if !tenant[m[1]] || !strings.Contains(strings.ToUpper(l), "SELECT ") && !regexp.MustCompile(`(?i)^\s*(UPDATE|DELETE|INSERT)`).MatchString(l) {
						continue
					}
					checked++
					if networkValue.MatchString(all) || crossNetwork[rel+":"+fn.Name.Name] != "" {
						continue
					}
					t.Errorf("%s:%s reaches %s without network_id: %q", rel, fn.Name.Name, m[1], l)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d statements: the check did not read the code", checked)
	}
}

// upsertInto finds an INSERT … ON CONFLICT … DO UPDATE SET and what it sets.
var upsertInto = regexp.MustCompile(`(?is)INSERT\s+INTO\s+([a-z_]+).*?ON\s+CONFLICT.*?DO\s+UPDATE\s+SET(.*)`)

// notImmutable names the functions Citus refuses in the DO UPDATE SET of an
// INSERT into a distributed table ("functions used in the DO UPDATE SET clause
// of INSERTs on distributed tables must be marked IMMUTABLE"): set the column
// from EXCLUDED, whose column default or VALUES carries the time.
var notImmutable = regexp.MustCompile(`(?i)\b(now|clock_timestamp|statement_timestamp|transaction_timestamp|random|nextval|gen_random_uuid|current_setting)\s*\(|\bcurrent_(timestamp|date)\b`)

// modifies finds a statement that changes a table.
var modifies = regexp.MustCompile(`(?is)^\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([a-z_]+)`)

// caseOrCoalesce returns the CASE … END and COALESCE(…) parts of a statement.
func caseOrCoalesce(s string) []string {
	var out []string
	low := strings.ToLower(s)
	for i := 0; i < len(low); i++ {
		switch {
		case strings.HasPrefix(low[i:], "coalesce("):
			depth, j := 0, i+len("coalesce")
			for ; j < len(low); j++ {
				if low[j] == '(' {
					depth++
				} else if low[j] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			out = append(out, s[i:min(j+1, len(s))])
		case strings.HasPrefix(low[i:], "case ") && (i == 0 || !isWord(low[i-1])):
			if end := strings.Index(low[i:], " end"); end > 0 {
				out = append(out, s[i:i+end])
			}
		}
	}
	return out
}

func isWord(b byte) bool { return b == '_' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

// TestUpsertsSetNothingVolatile fails on an upsert into a tenant table in the
// code whose DO UPDATE SET calls a function that is not IMMUTABLE, and on a
// statement changing a tenant table that calls one inside CASE or COALESCE:
// plain PostgreSQL runs them, Citus refuses them (make test-citus's seed found
// the forums' read markers and thread moderation so).
func TestUpsertsSetNothingVolatile(t *testing.T) {
	tenant, _ := tableKinds(t)
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if n := e.Name(); path != root && (n == "bench" || strings.HasPrefix(n, ".") || n == "testdata" || n == "var") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			l, ok := n.(*ast.BasicLit)
			if !ok || l.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(l.Value)
			if err != nil {
				return true
			}
			rel, _ := filepath.Rel(root, path)
			if m := modifies.FindStringSubmatch(s); m != nil && tenant[strings.ToLower(m[2])] {
				for _, part := range caseOrCoalesce(s) {
					if bad := notImmutable.FindString(part); bad != "" {
						t.Errorf("%s: a statement that changes %s calls %s… inside CASE or COALESCE, which Citus refuses: pass the value as a parameter", rel, m[2], bad)
					}
				}
			}
			m := upsertInto.FindStringSubmatch(s)
			if m == nil || !tenant[strings.ToLower(m[1])] {
				return true
			}
			checked++
			if bad := notImmutable.FindString(m[2]); bad != "" {
				t.Errorf("%s: the upsert into %s sets %s… in DO UPDATE SET, which Citus refuses on a distributed table: set it from EXCLUDED", rel, m[1], bad)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("checked %d upserts: the check did not read the code", checked)
	}
}
