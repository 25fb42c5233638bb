package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// `partnerhub edi export` writes the key's organization's accounts in its
// profile's format with the next control number (exit 0, the file on
// standard output, a valid 816), and refuses another organization's or an
// unknown profile (exit 1, nothing written).
func TestEDIExportCommand(t *testing.T) {
	d := pgtest.New(t)
	ctx := context.Background()
	dm, err := demo.Seed(ctx, d.Owner, d.App)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", d.AppURL)
	svc := newServices(d.App, Config{}, nil)
	key := dm.APIKeys[3].Key // a manager's key
	actor, err := svc.Partners.KeyActor(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	name := "Export Command Co"
	if _, err := svc.Accounts.Create(ctx, *actor, accounts.Input{Name: &name}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Exchange.CreateProfile(ctx, *actor, interchange.ProfileInput{Name: "CLI partner", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "CLIPARTNER",
		OwnQualifier: "ZZ", OwnID: "CLIHUB"})
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := cmdEDIExport(ctx, []string{"--key", key, "--profile", strconv.FormatInt(p.ID, 10)}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	res, err := edi.Validate(bytes.NewReader(out.Bytes()))
	if err != nil || len(res) != 1 || !res[0].OK() || res[0].Control != "000000001" || !strings.Contains(out.String(), "N1*BY*Export Command Co~") {
		t.Fatalf("export: %v %+v\n%s", err, res, out.String())
	}
	if !strings.Contains(errb.String(), "control number 1") {
		t.Fatalf("stderr: %s", errb.String())
	}
	file := filepath.Join(t.TempDir(), "second.edi")
	out.Reset()
	errb.Reset()
	if code := cmdEDIExport(ctx, []string{"--key", key, "--profile", strconv.FormatInt(p.ID, 10), "-o", file}, &out, &errb); code != 0 || out.Len() != 0 ||
		!strings.Contains(errb.String(), "control number 2") {
		t.Fatalf("second export: exit %d, %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := cmdEDIExport(ctx, []string{"--key", key, "--profile", strconv.FormatInt(p.ID+1000, 10)}, &out, &errb); code != 1 || out.Len() != 0 ||
		!strings.Contains(errb.String(), "not found") {
		t.Fatalf("unknown profile: exit %d, %q %q", code, out.String(), errb.String())
	}
}
