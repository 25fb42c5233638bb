package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
)

type mappingFlag map[string]string

func (m mappingFlag) String() string { return fmt.Sprint(map[string]string(m)) }
func (m mappingFlag) Set(v string) error {
	h, f, ok := strings.Cut(v, "=")
	if !ok || h == "" {
		return errors.New(`want "Column=field" (field may be "ignore")`)
	}
	m[h] = f
	return nil
}

// cmdImport imports a CSV file of accounts or contacts for the organization of an
// API key, with a progress bar: `partnerhub import --key phk_… [--kind contacts]
// [--dry-run] [--map "Site=domains"] FILE`. Exit 1 when rows have errors.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", os.Getenv("PARTNERHUB_API_KEY"), "API key of the importing organization (or PARTNERHUB_API_KEY)")
	kind := fs.String("kind", "accounts", "accounts or contacts")
	dry := fs.Bool("dry-run", false, "preview: check and count, change nothing")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	mapping := mappingFlag{}
	fs.Var(mapping, "map", `map a column to a field, "Column=field" or "Column=ignore" (repeatable)`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *key == "" {
		fmt.Fprintln(stderr, "usage: partnerhub import --key API_KEY [--kind accounts|contacts] [--dry-run] [--map Column=field] FILE")
		return 2
	}
	c, err := configFromEnv(false)
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub import:", err)
		return 2
	}
	if c.DatabaseURL == "" {
		fmt.Fprintln(stderr, "partnerhub import: DATABASE_URL is not set")
		return 2
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub import:", err)
		return 2
	}
	d, err := openApp(ctx, c)
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub import:", err)
		return 2
	}
	defer d.Close()
	svc := newServices(d, c, nil)
	actor, err := svc.Partners.KeyActor(ctx, *key)
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub import:", err)
		return 2
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("importing "+fs.Arg(0)),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	progress := func(done, total int) {
		bar.ChangeMax(total)
		bar.Set(done)
	}
	res, err := svc.Imports.Import(ctx, *actor, data, imports.Options{Kind: *kind, DryRun: *dry, Mapping: mapping}, progress)
	bar.Finish()
	if err != nil {
		if ae, ok := apperr.As(err); ok {
			fmt.Fprintf(stderr, "%s: %s\n", fs.Arg(0), ae.Error())
			return 1
		}
		fmt.Fprintln(stderr, "partnerhub import:", err)
		return 2
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(res)
	} else {
		mode := "imported"
		if res.DryRun {
			mode = "preview (nothing changed)"
		}
		fmt.Fprintf(stdout, "%s: %s, %d rows read as %s, %s separated: %d created, %d updated, %d unchanged, %d errors\n",
			fs.Arg(0), mode, res.Rows, res.Encoding, res.Delimiter, res.Created, res.Updated, res.Unchanged, len(res.Errors))
		for _, e := range res.Errors {
			col := ""
			if e.Column != "" {
				col = " column " + e.Column
			}
			fmt.Fprintf(stdout, "%s: line %d%s: %s\n", fs.Arg(0), e.Line, col, e.Message)
		}
		if len(res.Errors) > 0 {
			fmt.Fprintln(stdout, "nothing was changed: fix these rows and import again")
		}
	}
	if len(res.Errors) > 0 {
		return 1
	}
	return 0
}
