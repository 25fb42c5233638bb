package interchange_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// pricingWorld is a world whose exchange also maps 845s onto special-pricing
// registrations (the family partners/deals brings), as the hub's does.
func pricingWorld(t *testing.T) (*world, *deals.Service) {
	w := newWorld(t)
	dl := &deals.Service{DB: w.d.App, Now: func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }}
	w.ex = interchange.New(w.d.App, append(w.acc.ImportFamilies(), dl.ImportFamilies()...), append(interchange.AccountMappings(), interchange.PricingMappings()...)...)
	w.ex.Now = func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }
	w.worker.Handlers[interchange.JobKind] = w.ex.Handler()
	// The vendor's price authorizations, as edi/testdata/845.edi names them.
	w.profile(interchange.ProfileInput{Name: "Vendor Co pricing", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "VENDORCO",
		OwnQualifier: "ZZ", OwnID: "DISTRIB01", Version: "00401", Ack: "997"})
	return w, dl
}

func (w *world) receive(name string, data []byte) *interchange.Interchange {
	w.t.Helper()
	rec, err := w.ex.Receive(w.ctx, w.sales, name, data)
	if err != nil {
		w.t.Fatal(err)
	}
	w.run()
	ic, err := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return ic
}

// The 845 of the testdata goes onto the receiving partner's records: each
// CON loop an approved special-pricing registration (authorization number,
// end customer's account, products, value, validity), the end customers'
// accounts made as an 816's parties are (a contact without an email, which
// could not be matched again, left out). Another 845 with the
// same authorization numbers from the same sender changes those
// registrations (upsert) rather than adding; an 845 whose currency is no
// ISO 4217 code is rejected whole, its 997 naming CUR02, nothing applied.
func TestInbound845SpecialPricing(t *testing.T) {
	w, dl := pricingWorld(t)
	data := read(t, "845.edi")
	ic := w.receive("845.edi", data)
	if ic.State != "processed" || ic.Sets != 1 || ic.Accepted != 1 {
		t.Fatalf("845 = %+v %s", ic, ic.Result)
	}
	r := outcome(t, ic).Sets[0]
	if r.Created["special_pricing"] != 2 || r.Created["accounts"] != 2 || r.Created["contacts"] != 0 {
		t.Fatalf("outcome = %+v", r)
	}
	regs, err := dl.List(w.ctx, w.sales, deals.Filter{Asc: true})
	if err != nil || len(regs) != 2 {
		t.Fatalf("registrations = %+v, %v", regs, err)
	}
	g, i := regs[0], regs[1]
	if g.State != deals.Approved || g.Title != "Special pricing DR-2026-00123 for GLOBEX CORPORATION" || g.AccountName != "GLOBEX CORPORATION" ||
		g.Amount != "202625.00" || g.Currency != "USD" || !slices.Equal(g.Products, []string{"48 PORT POE SWITCH", "Line 2"}) ||
		g.ExpiresAt == nil || !g.ExpiresAt.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) || !strings.Contains(g.Notes, "from ZZ:VENDORCO") ||
		!strings.Contains(g.Notes, "Reference DEALREG-7781") {
		t.Fatalf("GLOBEX registration = %+v", g)
	}
	// No DTM 036: the network's protection period (90 days) from receipt.
	if i.Title != "Special pricing DR-2026-00124 for INITECH LLC" || i.Amount != "44500.00" || !slices.Equal(i.Products, []string{"Line 1"}) ||
		i.ExpiresAt == nil || !i.ExpiresAt.Equal(time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("INITECH registration = %+v", i)
	}
	_, ack, err := w.ex.Ack(w.ctx, w.sales, ic.ID)
	if err != nil || !strings.Contains(string(ack), "AK5|A") {
		t.Fatalf("997 = %s, %v", ack, err)
	}

	// The same authorizations again, a price changed: updated, not added.
	changed := strings.NewReplacer("000000845", "000000846", "CTP||CON|1250.00|100|EA", "CTP||CON|1200.00|100|EA").Replace(string(data))
	ic2 := w.receive("845-changed.edi", []byte(changed))
	r2 := outcome(t, ic2).Sets[0]
	if ic2.Accepted != 1 || r2.Updated["special_pricing"] != 1 || r2.Unchanged["special_pricing"] != 1 || r2.Created["special_pricing"] != 0 {
		t.Fatalf("changed 845 = %+v %+v", ic2, r2)
	}
	regs, _ = dl.List(w.ctx, w.sales, deals.Filter{Asc: true})
	if len(regs) != 2 || regs[0].Amount != "197625.00" || regs[0].ID != g.ID {
		t.Fatalf("after the change: %+v", regs)
	}

	// A currency that is no ISO 4217 code: the set is rejected where it is.
	bad := strings.NewReplacer("000000845", "000000847", "CUR|SE|USD", "CUR|SE|ZZZ", "DR-2026-00123", "DR-2026-00999").Replace(string(data))
	ic3 := w.receive("845-bad.edi", []byte(bad))
	_, ack3, _ := w.ex.Ack(w.ctx, w.sales, ic3.ID)
	if ic3.Accepted != 0 || !strings.Contains(string(ack3), "AK3|CUR|3||8") || !strings.Contains(string(ack3), "AK4|2|100|7|ZZZ") || !strings.Contains(string(ack3), "AK5|R") {
		t.Fatalf("bad currency: %+v\n%s", ic3, ack3)
	}
	if regs, _ := dl.List(w.ctx, w.sales, deals.Filter{}); len(regs) != 2 {
		t.Fatalf("the rejected set applied something: %d registrations", len(regs))
	}
}

// Approved registrations go out as 845s and read back: Alpha, holding the
// testdata's two authorizations, exports them to Bravo, whose inverse
// profile makes the same special pricing of Bravo's (number, end customer,
// products, value, validity).
func TestExport845ParsesBack(t *testing.T) {
	w, dl := pricingWorld(t)
	if ic := w.receive("845.edi", read(t, "845.edi")); ic.Accepted != 1 {
		t.Fatalf("845 = %+v %s", ic, ic.Result)
	}
	out := w.profile(interchange.ProfileInput{Name: "To Bravo", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "BRAVOHUB", OwnQualifier: "ZZ", OwnID: "ALPHAHUB"})
	e, data, err := w.ex.Export(w.ctx, w.sales, interchange.ExportInput{Profile: out.ID, Kind: interchange.SpecialPricing})
	if err != nil {
		t.Fatal(err)
	}
	if e.Set != "845" || e.Records != 2 || !strings.Contains(string(data), "CON*CT*DR-2026-00123*AC~") {
		t.Fatalf("export = %+v\n%s", e, data)
	}
	if _, err := w.ex.CreateProfile(w.ctx, w.other, interchange.ProfileInput{Name: "From Alpha", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "ALPHAHUB",
		OwnQualifier: "ZZ", OwnID: "BRAVOHUB", Ack: "999"}); err != nil {
		t.Fatal(err)
	}
	rec, err := w.ex.Receive(w.ctx, w.other, e.Filename, data)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, _ := w.ex.Interchange(w.ctx, w.other, rec.Interchange.ID)
	if ic.State != "processed" || ic.Sets != 2 || ic.Accepted != 2 {
		t.Fatalf("Bravo's 845 = %+v %s", ic, ic.Result)
	}
	mine, _ := dl.List(w.ctx, w.sales, deals.Filter{Asc: true})
	theirs, err := dl.List(w.ctx, w.other, deals.Filter{Asc: true})
	if err != nil || len(theirs) != 2 {
		t.Fatalf("Bravo's registrations = %+v, %v", theirs, err)
	}
	for i := range theirs {
		a, b := mine[i], theirs[i]
		if b.OwnerOrg == a.OwnerOrg || b.State != deals.Approved || b.Title != a.Title || b.Amount != a.Amount || !slices.Equal(b.Products, a.Products) ||
			!b.ExpiresAt.Equal(*a.ExpiresAt) {
			t.Errorf("registration %d: Bravo's %+v, Alpha's %+v", i, b, a)
		}
	}
}
