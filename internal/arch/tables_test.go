package arch

import (
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
)

// tableRef finds the relation an SQL text reads or writes after FROM, JOIN,
// INTO, UPDATE or TABLE; a name followed by "(" is a function, not a table.
var tableRef = regexp.MustCompile(`(?i)\b(?:from|join|into|update|table)\s+([a-z_][a-z0-9_]*)\b(\s*\()?`)

// notTables are SQL words that can follow those keywords.
var notTables = map[string]bool{"set": true, "of": true, "nowait": true, "skip": true, "only": true, "lateral": true, "select": true, "if": true, "exists": true}

// sqlTables lists, for each table an SQL string literal of the package in dir
// names (test files excepted), where it does.
func sqlTables(t *testing.T, dir string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, m := range tableRef.FindAllStringSubmatch(text, -1) {
				table := strings.ToLower(m[1])
				if m[2] != "" || notTables[table] {
					continue
				}
				out[table] = append(out[table], fset.Position(lit.Pos()).String())
			}
			return true
		})
	}
	return out
}

// TestRecordPackagesLeaveTheCoreTables fails when a record family (a package
// under partners/) names in its SQL a table that the partners core's SQL names
// (users, api_keys, shares, organizations, partnerships, …): a record package
// reaches those through the core's functions and the SQL the core lends it
// (ARCHITECTURE.md), so that the core can change its tables alone.
func TestRecordPackagesLeaveTheCoreTables(t *testing.T) {
	root := filepath.Join("..", "..", "partners")
	core := sqlTables(t, root)
	for _, must := range []string{"users", "api_keys", "sessions", "organizations", "partnerships", "sharing_policies", "shares"} {
		if _, ok := core[must]; !ok {
			t.Fatalf("the core's SQL names no table %s: the scan did not read it (found %v)", must, keys(core))
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		scanned++
		for table, where := range sqlTables(t, filepath.Join(root, e.Name())) {
			if _, ok := core[table]; ok {
				for _, w := range where {
					t.Errorf("%s: partners/%s names the core's table %s in its SQL: call a partners function instead", w, e.Name(), table)
				}
			}
		}
	}
	if scanned == 0 {
		t.Fatal("no record package found under partners/")
	}
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
