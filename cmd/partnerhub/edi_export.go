package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/apperr"
)

// cmdEDIExport exports the records of an API key's organization to one of its
// trading partners, in the profile's format, as POST /api/v1/exchange/exports
// does: `partnerhub edi export --key phk_… --profile ID [--kind accounts]
// [-o FILE]`. The file goes to standard output (or FILE), a summary to
// standard error. Exit 0 on success, 1 when the export was refused, 2 when
// the command could not run.
func cmdEDIExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("edi export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", os.Getenv("PARTNERHUB_API_KEY"), "API key of the sending organization (or PARTNERHUB_API_KEY)")
	profile := fs.Int64("profile", 0, "id of the trading-partner profile to export to")
	kind := fs.String("kind", "accounts", "the kind of record to send")
	out := fs.String("o", "", "write the file here instead of standard output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || *key == "" || *profile <= 0 {
		fmt.Fprintln(stderr, "usage: partnerhub edi export --key API_KEY --profile ID [--kind accounts] [-o FILE]")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "partnerhub edi export:", err)
		return 2
	}
	c, err := configFromEnv(false)
	if err != nil {
		return fail(err)
	}
	if c.DatabaseURL == "" {
		fmt.Fprintln(stderr, "partnerhub edi export: DATABASE_URL is not set")
		return 2
	}
	d, err := openApp(ctx, c)
	if err != nil {
		return fail(err)
	}
	defer d.Close()
	svc := newServices(d, c, nil)
	actor, err := svc.Partners.KeyActor(ctx, *key)
	if err != nil {
		return fail(err)
	}
	e, data, err := svc.Exchange.Export(ctx, *actor, interchange.ExportInput{Profile: *profile, Kind: *kind})
	if err != nil {
		if ae, ok := apperr.As(err); ok {
			fmt.Fprintf(stderr, "partnerhub edi export: %s\n", ae.Error())
			return 1
		}
		return fail(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return fail(err)
		}
	} else if _, err := stdout.Write(data); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "%s: %d %s as %s, control number %d (export %d)\n", e.Filename, e.Records, e.Kind, e.Format, e.Control, e.ID)
	return 0
}
