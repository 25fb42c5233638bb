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

// definersInReadOnlyTx are the SECURITY DEFINER functions the code calls inside a
// tenant transaction, each with why that transaction writes nothing before the
// call. On Citus a definer function runs its statements as another role, over
// other connections than the transaction's, and fails once the transaction has
// written to the network's placements (25001, issue 29): a read as another role
// after a write fails like a write. Any other definer must be called outside the
// tenant transaction (s.DB, before anyone is known, or the worker), or become an
// invoker under policies for the application role (DESIGN §9).
var definersInReadOnlyTx = map[string]string{
	"ph_account_search":  "the accounts list's first statement, in the list's read-only transaction",
	"ph_account_mapping": "the account mapping pages and the sharing explanation, read-only transactions",
	// The forums (session 8).
	"ph_forum_search": "forums.Search's one statement, in its read-only transaction",
}

// queryMethods are the sqlx/database-sql methods that run or prepare a statement.
var queryMethods = map[string]bool{}

func init() {
	for _, m := range []string{"Exec", "Query", "QueryRow", "Queryx", "QueryRowx", "Get", "Select", "Prepare", "Preparex", "NamedExec", "NamedQuery"} {
		queryMethods[m], queryMethods[m+"Context"] = true, true
	}
}

// TestDefinersStayOutOfWritingTransactions fails on a SECURITY DEFINER function
// that the code calls through a tenant transaction (a *sqlx.Tx) and that is not
// listed above as called in a read-only one, and on a listed one that is not
// called so any more. A function that names a definer but runs no statement
// itself (it builds SQL for its caller) counts as calling it in a transaction.
func TestDefinersStayOutOfWritingTransactions(t *testing.T) {
	d := pgtest.New(t)
	var names []string
	if err := d.Owner.SelectContext(context.Background(), &names, `
		SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'public' AND p.prosecdef`); err != nil {
		t.Fatal(err)
	}
	if len(names) < 3 {
		t.Fatalf("found %d definer functions: the check did not read the schema", len(names))
	}
	call := regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\s*\(`)
	inTx, outside := map[string][]string{}, map[string][]string{}
	root := filepath.Join("..", "..")
	pkgs := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if e.IsDir() {
			if rel != "." && (rel == "bench" || strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" || e.Name() == "var") {
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
		pkgs[filepath.Dir(rel)] = append(pkgs[filepath.Dir(rel)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, files := range pkgs {
		consts, txNames := map[string]string{}, map[string]bool{}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if i < len(n.Values) {
							consts[name.Name] = literalText(n.Values[i])
						}
					}
				case *ast.Field:
					if isSqlxTx(n.Type) {
						for _, name := range n.Names {
							txNames[name.Name] = true
						}
					}
				}
				return true
			})
		}
		for _, f := range files {
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				var text []string
				queries, viaTx := 0, false
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.BasicLit:
						text = append(text, literalText(n))
					case *ast.Ident:
						text = append(text, consts[n.Name])
					case *ast.CallExpr:
						if sel, ok := n.Fun.(*ast.SelectorExpr); ok && queryMethods[sel.Sel.Name] {
							queries++
							if recv := lastName(sel.X); txNames[recv] {
								viaTx = true
							}
						}
					}
					return true
				})
				for _, m := range call.FindAllStringSubmatch(strings.Join(text, "\n"), -1) {
					where := dir + ":" + fn.Name.Name
					if viaTx || queries == 0 {
						inTx[m[1]] = append(inTx[m[1]], where)
					} else {
						outside[m[1]] = append(outside[m[1]], where)
					}
				}
			}
		}
	}
	if len(outside) == 0 {
		t.Fatal("found no definer called outside a transaction (the sign-in lookups are): the check did not read the code")
	}
	for name, where := range inTx {
		if definersInReadOnlyTx[name] == "" {
			t.Errorf("%s is SECURITY DEFINER and called inside a tenant transaction (%s): on Citus it fails after the transaction's writes; "+
				"let the application role read or write exactly that under a policy, or call it outside the transaction (DESIGN §9)", name, strings.Join(where, ", "))
		}
	}
	var stale []string
	for name := range definersInReadOnlyTx {
		if inTx[name] == nil {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		t.Errorf("%s is listed as a definer called in a read-only transaction, but no code calls it in one now: take it off the list", name)
	}
}

// unnestInsert is an INSERT whose rows come from unnest(…): Citus runs it as a
// COPY, which row-level security refuses (issue 29).
var unnestInsert = regexp.MustCompile(`(?is)\bINSERT\s+INTO\s+\w+[^;]*?\bSELECT\b[^;]*?\bunnest\s*\(`)

// TestInsertsAreValues fails on an INSERT … SELECT … unnest(…) in the code (string
// literals and constants of non-test files) or in a function of the schema: inserts
// are plain multi-row INSERT … VALUES (DESIGN §9).
func TestInsertsAreValues(t *testing.T) {
	d := pgtest.New(t)
	var fns []struct {
		Name string `db:"proname"`
		Src  string `db:"prosrc"`
	}
	if err := d.Owner.SelectContext(context.Background(), &fns, `
		SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`); err != nil {
		t.Fatal(err)
	}
	for _, f := range fns {
		if unnestInsert.MatchString(f.Src) {
			t.Errorf("function %s inserts from unnest(…): write a multi-row INSERT … VALUES", f.Name)
		}
	}
	root := filepath.Join("..", "..")
	read := 0
	err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if e.IsDir() {
			if rel != "." && (rel == "bench" || strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" || e.Name() == "var") {
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
		read++
		ast.Inspect(f, func(n ast.Node) bool {
			if e, ok := n.(ast.Expr); ok {
				if s := literalText(e); s != "" && unnestInsert.MatchString(s) {
					t.Errorf("%s inserts from unnest(…): write a multi-row INSERT … VALUES: %q", rel, s)
					return false
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if read < 50 {
		t.Fatalf("read %d files: the check did not read the code", read)
	}
}

// rowArgs are the functions that may take a tenant table's row as an argument,
// each with why no statement sent to a worker calls it. A statement of one
// network runs whole on the network's node, where the rows have the shard's row
// type (accounts_102362) and a function taking the table's type does not exist
// (issue 29: the account mapping failed so).
var rowArgs = map[string]string{
	"ph_audit_canonical": "audit appends and verify build the row on the coordinator (ROW(...)::audit_log, a PL/pgSQL variable)",
}

// TestNoFunctionTakesATenantRow fails on a function with an argument of a tenant
// table's row type that is not listed above: pass the columns instead.
func TestNoFunctionTakesATenantRow(t *testing.T) {
	d := pgtest.New(t)
	var uses []struct {
		Fn    string `db:"proname"`
		Table string `db:"relname"`
	}
	if err := d.Owner.SelectContext(context.Background(), &uses, `
		SELECT DISTINCT p.proname, c.relname
		  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		  JOIN pg_type ty ON ty.oid = ANY (p.proargtypes::oid[])
		  JOIN pg_class c ON c.oid = ty.typrelid AND c.relkind = 'r'
		  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'network_id'
		 WHERE n.nspname = 'public'`); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, u := range uses {
		seen[u.Fn] = true
		if rowArgs[u.Fn] == "" {
			t.Errorf("%s takes a row of %s: on Citus a statement using it fails on the worker (the shard's row type differs); pass the columns", u.Fn, u.Table)
		}
	}
	for fn := range rowArgs {
		if !seen[fn] {
			t.Errorf("%s is listed as taking a tenant row but does not now: take it off the list", fn)
		}
	}
}

// literalText is the text of a string literal or constant concatenation.
func literalText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			if s, err := strconv.Unquote(e.Value); err == nil {
				return s
			}
		}
	case *ast.BinaryExpr:
		return literalText(e.X) + literalText(e.Y)
	}
	return ""
}

// isSqlxTx says whether a declared type is *sqlx.Tx.
func isSqlxTx(e ast.Expr) bool {
	star, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "sqlx" && sel.Sel.Name == "Tx"
}

// lastName is the last identifier of a receiver expression (tx, imp.tx).
func lastName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}
