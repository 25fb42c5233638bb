package promotions

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// Public is what a promotion's public lead form (issue 19, item 3) shows of
// it: its summary as the network's vendor reads it (never the description,
// products, tiers or participants of a partner's promotion), and who stores
// the leads it captures.
type Public struct {
	Network  int64
	ID       int64
	Title    string
	Offer    string
	StartsOn time.Time
	EndsOn   time.Time
	State    string
	// Vendor is the network's vendor organization, whose leads the form
	// makes; Owner the promotion's owner (the vendor or a partner).
	Vendor     int64
	VendorName string
	Owner      int64
	OwnerName  string
}

// Accepting reports whether the promotion takes sign-ups: published or active.
func (p *Public) Accepting() bool { return p.State == Published || p.State == Active }

// PublicForm reads a promotion of network for its public lead form, as the
// network's vendor reads it. A draft or cancelled promotion of a partner's is
// not found, as for the vendor. Errors: NotFound.
func (s *Service) PublicForm(ctx context.Context, network, id int64) (*Public, error) {
	var vendor int64
	err := s.DB.Tx(ctx, db.Scope{Network: network}, func(tx *sqlx.Tx) error {
		var err error
		vendor, err = partners.VendorOrgOf(ctx, tx, network)
		return err
	})
	if err != nil {
		return nil, db.Absent(err, "Promotion %d not found.", id)
	}
	a := partners.Actor{Network: network, Org: vendor, Role: partners.Manager, VendorOrg: true, Name: "lead form", Email: "system:lead-form"}
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	out := &Public{Network: network, ID: p.ID, Title: p.Title, Offer: p.Offer, StartsOn: p.StartsOn, EndsOn: p.EndsOn, State: p.State,
		Vendor: vendor, Owner: p.OwnerOrg}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if out.VendorName, err = partners.OrgName(ctx, tx, network, vendor); err != nil {
			return err
		}
		out.OwnerName = out.VendorName
		if p.OwnerOrg != vendor {
			out.OwnerName, err = partners.OrgName(ctx, tx, network, p.OwnerOrg)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
