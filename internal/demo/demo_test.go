package demo_test

import (
	"context"
	"testing"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The demo network has a forum space of every scope, each seen by whom it
// should be: the vendor's admin sees all but the partnership and account
// spaces it has no part in; Rio Revenda (silver reseller) sees the network's,
// its partnership's and the shared account's; TechBridge adds the private beta.
func TestSeedForums(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	if _, err := demo.Seed(ctx, d.Owner, d.App); err != nil {
		t.Fatal(err)
	}
	p := &partners.Service{DB: d.App}
	f := &forums.Service{DB: d.App}
	scopes := func(email string) map[string]int {
		_, a, err := p.Login(ctx, email, demo.Password, "", "")
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.Spaces(ctx, *a)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, s := range list {
			out[s.Scope]++
		}
		return out
	}
	for email, want := range map[string]map[string]int{
		"admin@acme.example":         {"network": 2, "tier": 1, "kind": 1, "private": 1},
		"sales@riorevenda.example":   {"network": 2, "partnership": 1, "record": 1},
		"admin@nordic-dist.example":  {"network": 2, "tier": 1, "kind": 1, "partnership": 1, "record": 1},
		"viewer@techbridge.example":  {"network": 2},
		"manager@techbridge.example": {"network": 2},
		"admin@techbridge.example":   {"network": 2, "private": 1},
	} {
		got := scopes(email)
		if len(got) != len(want) {
			t.Errorf("%s sees %v, want %v", email, got, want)
			continue
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s sees %v, want %v", email, got, want)
				break
			}
		}
	}
}
