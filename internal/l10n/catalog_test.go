package l10n

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// formats finds every message format in the module's Go source: the format
// argument of apperr.E, apperr.Field, db.Absent, l10n.Sprintf and l10n.M. A format that is
// not a string constant is an error: it could not be translated.
func formats(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	argOf := map[string]int{"apperr.E": 1, "apperr.Field": 1, "l10n.Sprintf": 1, "l10n.M": 0, "db.Absent": 1}
	for _, root := range []string{"../../cmd", "../../partners", "../../internal", "../../exchange", "../../forums", "../../edi"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				name := ""
				switch fn := call.Fun.(type) {
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok {
						name = x.Name + "." + fn.Sel.Name
					}
				case *ast.Ident:
					if f.Name.Name == "l10n" { // calls inside this package
						name = "l10n." + fn.Name
					}
				}
				i, ok := argOf[name]
				if !ok || len(call.Args) <= i {
					return true
				}
				pos := fset.Position(call.Pos()).String()
				if id, ok := call.Args[i].(*ast.Ident); ok && id.Name == "format" {
					// A wrapper (db.Absent) passing its caller's format on: the
					// caller's constant is the one found and translated.
					return true
				}
				lit, ok := call.Args[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					if f.Name.Name != "l10n" { // Msg.In passes its format on
						t.Errorf("%s: the format of %s is not a string constant, so it cannot be translated", pos, name)
					}
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: %v", pos, err)
				}
				found[s] = pos
				return true
			})
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return found
}

var verb = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

func TestEveryMessageIsTranslated(t *testing.T) {
	src := formats(t)
	if len(src) < 100 {
		t.Fatalf("found only %d formats: is the source scan broken?", len(src))
	}
	for _, l := range Languages {
		cat := catalogs[l]
		for f, pos := range src {
			tr, ok := cat[f]
			if !ok || strings.TrimSpace(tr) == "" {
				t.Errorf("%s: %s lacks %q", pos, l, f)
				continue
			}
			// The translation takes the same arguments in the same order.
			if a, b := verb.FindAllString(f, -1), verb.FindAllString(tr, -1); !slices.Equal(a, b) {
				t.Errorf("%s %q: verbs %v, the translation %q has %v", l, f, a, tr, b)
			}
		}
		for f := range cat {
			if _, ok := src[f]; !ok {
				t.Errorf("%s has %q, which no code uses any more", l, f)
			}
		}
	}
}

func TestTextTranslatesNestedErrors(t *testing.T) {
	inner := apperr.Field("domains", "%q is not a domain", "exa mple")
	outer := apperr.Field("file", "line %d, column %d: %v", 3, 2, inner)
	if got, want := Text("en", outer), `file: line 3, column 2: domains: "exa mple" is not a domain`; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	got := Text("pt-BR", outer)
	want := "file: " + Sprintf("pt-BR", "line %d, column %d: %v", 3, 2, "domains: "+Sprintf("pt-BR", "%q is not a domain", "exa mple"))
	if got != want || got == Text("en", outer) {
		t.Errorf("pt-BR: %q, want %q (and not the English text)", got, want)
	}
	if got := Text("pt-BR", errors.New("boom")); got != Lookup("pt-BR", "Internal error.") || got == "" {
		t.Errorf("a plain error shows %q, want the translated internal error", got)
	}
	if got := Text("xx", apperr.E(apperr.NotFound, "Contact %d not found.", 7)); got != "Contact 7 not found." {
		t.Errorf("an unknown language falls back to English, got %q", got)
	}
}
