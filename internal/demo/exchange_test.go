package demo_test

import (
	"context"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

// The vendor's admin finds a trading-partner profile, an 816 processed with
// its one set accepted and acknowledged with a 997, and a webhook; Nordic's
// admin sees none of them (the log is the receiving organization's).
func TestSeedExchange(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	if _, err := demo.Seed(ctx, d.Owner, d.App); err != nil {
		t.Fatal(err)
	}
	p := &partners.Service{DB: d.App}
	ex := interchange.New(d.App, nil)
	_, vendor, err := p.Login(ctx, "admin@acme.example", demo.Password, "", "")
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := ex.Profiles(ctx, *vendor, 0, 10)
	if err != nil || len(profiles) != 1 {
		t.Fatalf("vendor profiles: %v, %v", profiles, err)
	}
	log, err := ex.Log(ctx, *vendor, interchange.LogFilter{})
	if err != nil || len(log) != 1 {
		t.Fatalf("vendor log: %v, %v", log, err)
	}
	if ic := log[0]; ic.State != "processed" || ic.Sets != 1 || ic.Accepted != 1 || ic.AckKind != "997" {
		t.Errorf("demo interchange: state %s, %d of %d sets accepted, ack %q", ic.State, ic.Accepted, ic.Sets, ic.AckKind)
	}
	hooks, err := ex.Webhooks(ctx, *vendor, 0, 10)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("vendor webhooks: %v, %v", hooks, err)
	}
	_, nordic, err := p.Login(ctx, "admin@nordic-dist.example", demo.Password, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ex.Log(ctx, *nordic, interchange.LogFilter{}); err != nil || len(got) != 0 {
		t.Errorf("Nordic's log: %v, %v", got, err)
	}
}
