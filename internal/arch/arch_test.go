// Package arch holds the test that keeps the layers of ARCHITECTURE.md apart.
package arch

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/partnerhub/partnerhub/"

// The rule of ARCHITECTURE.md, as imports: domain packages (partners, exchange,
// forums) never import Fiber or the web layer; edi imports nothing of the
// project; internal/ support packages import no domain package (except demo,
// which seeds through the domain, and web, which serves it); the import pipeline
// (exchange/imports) imports no record family.
func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		rel := strings.TrimPrefix(p.ImportPath, module)
		layer := strings.SplitN(rel, "/", 2)[0]
		for _, imp := range p.Imports {
			own := strings.TrimPrefix(imp, module)
			isOwn := own != imp
			switch layer {
			case "partners", "exchange", "forums":
				if strings.HasPrefix(imp, "github.com/gofiber/") || own == "internal/web" || strings.HasPrefix(own, "internal/web/") {
					t.Errorf("%s imports %s: domain packages never import Fiber or the web layer", rel, imp)
				}
				if (rel == "exchange/imports" || strings.HasPrefix(rel, "exchange/imports/")) && strings.HasPrefix(own, "partners/") {
					t.Errorf("%s imports %s: the import pipeline knows no record family; families register with it", rel, imp)
				}
			case "edi":
				if isOwn && !strings.HasPrefix(own, "edi") {
					t.Errorf("%s imports %s: edi imports nothing of the project", rel, imp)
				}
			case "internal":
				if rel == "internal/web" || strings.HasPrefix(rel, "internal/web/") || rel == "internal/demo" || rel == "internal/arch" {
					continue
				}
				for _, domain := range []string{"partners", "exchange", "forums"} {
					if isOwn && (own == domain || strings.HasPrefix(own, domain+"/")) {
						t.Errorf("%s imports %s: support packages under internal/ stand below the domain", rel, imp)
					}
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list found %d packages: the check did not run over the module", seen)
	}
}
