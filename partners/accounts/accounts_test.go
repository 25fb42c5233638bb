package accounts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const pw = "correct horse battery"

type world struct {
	t        testing.TB
	ctx      context.Context
	p        *partners.Service
	acc      *accounts.Service
	imp      *imports.Service
	d        *pgtest.Database
	vendor   partners.Actor // vendor admin
	a, b, c  partners.Actor // admins of partners A, B and C
	aSales   partners.Actor
	aViewer  partners.Actor
	ab       int64 // partnership A–B
	orgNames map[int64]string
}

func str(s string) *string       { return &s }
func strs(s ...string) *[]string { return &s }

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	w := &world{t: t, ctx: ctx, d: d, p: &partners.Service{DB: d.App}, orgNames: map[int64]string{}}
	w.acc = &accounts.Service{DB: d.App, Partners: w.p}
	w.imp = imports.New(d.App, w.acc.ImportFamilies()...)
	if _, _, _, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: "net", Name: "Net", VendorName: "Vendor",
		AdminEmail: "admin@vendor.example", AdminName: "V", AdminPassword: pw}); err != nil {
		t.Fatal(err)
	}
	_, v, err := w.p.Login(ctx, "admin@vendor.example", pw, "", "")
	if err != nil {
		t.Fatal(err)
	}
	w.vendor = *v
	mk := func(name string) int64 {
		kind := "reseller"
		o, err := w.p.CreateOrganization(ctx, w.vendor, partners.OrganizationInput{Name: &name, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		w.orgNames[o.ID] = name
		return o.ID
	}
	user := func(org int64, email string, role partners.Role) partners.Actor {
		return partnerstest.User(t, w.p, w.vendor, org, email, role)
	}
	oa, ob, oc := mk("Alpha"), mk("Bravo"), mk("Charlie")
	w.a, w.b, w.c = user(oa, "admin@alpha.example", partners.Admin), user(ob, "admin@bravo.example", partners.Admin), user(oc, "admin@charlie.example", partners.Admin)
	w.aSales = user(oa, "sales@alpha.example", partners.Sales)
	w.aViewer = user(oa, "viewer@alpha.example", partners.Viewer)
	p, err := w.p.InvitePartner(ctx, w.a, ob)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.p.RespondPartnership(ctx, w.b, p.ID, true); err != nil {
		t.Fatal(err)
	}
	w.ab = p.ID
	return w
}

func (w *world) account(a partners.Actor, name string, domains ...string) *accounts.Account {
	w.t.Helper()
	acc, err := w.acc.Create(w.ctx, a, accounts.Input{Name: str(name), Domains: &domains, Region: str("EMEA"), Industry: str("Retail")})
	if err != nil {
		w.t.Fatalf("create %s: %v", name, err)
	}
	return acc
}

func TestCreateDuplicateArchiveRestore(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.aSales, "Globex", "https://www.globex.com/about", "globex.com.br")
	if strings.Join(acc.Domains, ",") != "globex.com,globex.com.br" || acc.OwnerUser == nil || *acc.OwnerUser != w.aSales.User {
		t.Fatalf("account = %+v", acc)
	}
	_, err := w.acc.Create(w.ctx, w.a, accounts.Input{Name: str("Globex again"), Domains: strs("mail.GLOBEX.com")})
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.Conflict || ae.Link != fmt.Sprintf("/api/v1/accounts/%d", acc.ID) {
		t.Fatalf("duplicate: %v (%+v), want a Conflict linking to %d", err, ae, acc.ID)
	}
	if _, err := w.acc.Create(w.ctx, w.a, accounts.Input{Name: str("X"), CNPJ: str("11.222.333/0001-82")}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad CNPJ: %v", err)
	}
	// Another organization may hold the same domain: duplicates are per organization.
	w.account(w.b, "Globex (Bravo's)", "globex.com")
	if _, err := w.acc.Create(w.ctx, w.aViewer, accounts.Input{Name: str("V")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer creates: %v", err)
	}
	// Sales changes its own account, not another sales user's.
	other := w.account(w.a, "Initech", "initech.com")
	if _, err := w.acc.Update(w.ctx, w.aSales, other.ID, accounts.Input{Industry: str("Software")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("sales edits another's account: %v", err)
	}
	if _, err := w.acc.Update(w.ctx, w.aSales, acc.ID, accounts.Input{Domains: strs("initech.com")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("update onto a taken domain: %v", err)
	}
	got, _ := w.acc.Get(w.ctx, w.a, acc.ID)
	if strings.Join(got.Domains, ",") != "globex.com,globex.com.br" {
		t.Fatalf("a refused update changed the account: %v", got.Domains)
	}
	if _, err := w.acc.SetArchived(w.ctx, w.a, acc.ID, true); err != nil {
		t.Fatal(err)
	}
	list, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{})
	for _, x := range list {
		if x.ID == acc.ID {
			t.Fatal("archived account still listed")
		}
	}
	arch, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{Archived: true})
	if len(arch) != 1 || arch[0].ID != acc.ID {
		t.Fatalf("archived list = %v", arch)
	}
	if _, err := w.acc.SetArchived(w.ctx, w.a, acc.ID, false); err != nil {
		t.Fatal(err)
	}
}

func TestSharesGrantAndRevokeAtOnce(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.a, "Umbrella", "umbrella.com")
	ct, err := w.acc.CreateContact(w.ctx, w.a, accounts.ContactInput{Account: &acc.ID, Name: str("Alice"), Emails: strs("Alice@Umbrella.com")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.Get(w.ctx, w.b, acc.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unshared account visible to partner: %v", err)
	}
	// Charlie is no partner of Alpha: sharing is refused.
	if _, err := w.p.ShareRecord(w.ctx, w.a, "account", acc.ID, w.c.Org, "read"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("share with a non-partner: %v", err)
	}
	if _, err := w.p.ShareRecord(w.ctx, w.aViewer, "account", acc.ID, w.b.Org, "read"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer shares: %v", err)
	}
	if _, err := w.p.ShareRecord(w.ctx, w.a, "account", acc.ID, w.b.Org, "read"); err != nil {
		t.Fatal(err)
	}
	got, err := w.acc.Get(w.ctx, w.b, acc.ID)
	if err != nil || !got.SharedToMe || got.CanWrite {
		t.Fatalf("shared read: %+v %v", got, err)
	}
	if c, err := w.acc.Contact(w.ctx, w.b, ct.ID); err != nil || c.Name != "Alice" {
		t.Fatalf("the account's contact did not follow the share: %v", err)
	}
	if _, err := w.acc.Update(w.ctx, w.b, acc.ID, accounts.Input{Industry: str("Pharma")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("read share writes: %v", err)
	}
	if _, err := w.p.ShareRecord(w.ctx, w.a, "account", acc.ID, w.b.Org, "write"); err != nil {
		t.Fatal(err)
	}
	if u, err := w.acc.Update(w.ctx, w.b, acc.ID, accounts.Input{Industry: str("Pharma"), Domains: strs("umbrella.com", "umbrella-corp.com")}); err != nil || u.Industry != "Pharma" {
		t.Fatalf("write share update: %v", err)
	}
	shares, _ := w.p.Shares(w.ctx, w.a, "account", acc.ID)
	if len(shares) != 1 || shares[0].Access != "write" || shares[0].GranteeName != "Bravo" {
		t.Fatalf("shares = %+v", shares)
	}
	// Listing "shared with me" for Bravo, "shared with Bravo" for Alpha.
	if l, _, _ := w.acc.List(w.ctx, w.b, accounts.Filter{Owner: "shared"}); len(l) != 1 {
		t.Fatalf("Bravo's shared list: %d", len(l))
	}
	if l, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{SharedWith: w.b.Org}); len(l) != 1 {
		t.Fatalf("Alpha's shared-with-Bravo list: %d", len(l))
	}
	// Revoking the partnership removes the share at once, from Bravo's side too.
	if _, err := w.p.RevokePartnership(w.ctx, w.b, w.ab); err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.Get(w.ctx, w.b, acc.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("account visible after revocation: %v", err)
	}
	if _, err := w.acc.Contact(w.ctx, w.b, ct.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("contact visible after revocation: %v", err)
	}
	if s, _ := w.p.Shares(w.ctx, w.a, "account", acc.ID); len(s) != 0 {
		t.Fatalf("shares left after revocation: %v", s)
	}
}

// TestMappingPrivacy seeds overlapping, non-overlapping, hidden-segment and archived
// accounts and checks each policy level reveals exactly what it allows.
func TestMappingPrivacy(t *testing.T) {
	w := newWorld(t)
	// Alpha: three customers. Bravo: two overlap with Alpha, one does not, one is
	// outside the segment Bravo will share, one overlaps but is archived.
	w.account(w.a, "Acme A", "acme.com")
	w.account(w.a, "Hooli A", "hooli.com")
	w.account(w.a, "Stark A", "stark.com")
	w.account(w.a, "Wayne A", "wayne.com")
	acmeB := w.account(w.b, "Acme Corporation", "acme.com")
	if _, err := w.acc.Update(w.ctx, w.b, acmeB.ID, accounts.Input{City: str("Lisboa"), Tags: strs("key")}); err != nil {
		t.Fatal(err)
	}
	w.account(w.b, "Hooli Inc", "www.hooli.com")
	secret := w.account(w.b, "Secret Customer", "secret-customer.com")
	apac, err := w.acc.Create(w.ctx, w.b, accounts.Input{Name: str("Stark APAC"), Domains: strs("stark.com"), Region: str("APAC")})
	if err != nil {
		t.Fatal(err)
	}
	wayne := w.account(w.b, "Wayne Archived", "wayne.com")
	w.acc.SetArchived(w.ctx, w.b, wayne.ID, true)

	// Nothing set: hidden both ways.
	m, err := w.acc.Mapping(w.ctx, w.a, w.ab)
	if err != nil || m.Overlap != nil || m.Greenfield != nil || m.TheirLevel != "hidden" || m.MyAccounts != 4 {
		t.Fatalf("hidden mapping = %+v, %v", m, err)
	}
	if recs, _ := w.acc.MappedAccounts(w.ctx, w.a, w.ab, 0, 100); len(recs) != 0 {
		t.Fatalf("hidden policy leaks %d records", len(recs))
	}
	// Counts only, limited to EMEA.
	if _, err := w.p.SetSharingPolicy(w.ctx, w.b, w.ab, partners.PolicyInput{Level: "counts", Segment: map[string][]string{"region": {"EMEA"}}}); err != nil {
		t.Fatal(err)
	}
	m, _ = w.acc.Mapping(w.ctx, w.a, w.ab)
	if m.Overlap == nil || *m.Overlap != 2 || m.Greenfield != nil {
		t.Fatalf("counts mapping = %+v, want overlap 2 (acme, hooli; not the APAC or archived ones)", m)
	}
	if recs, _ := w.acc.MappedAccounts(w.ctx, w.a, w.ab, 0, 100); len(recs) != 0 {
		t.Fatalf("counts policy leaks %d records", len(recs))
	}
	// Records with name and city only, and greenfield allowed.
	if _, err := w.p.SetSharingPolicy(w.ctx, w.b, w.ab, partners.PolicyInput{Level: "records", Fields: []string{"name", "city"},
		Segment: map[string][]string{"region": {"EMEA"}}, Greenfield: true}); err != nil {
		t.Fatal(err)
	}
	m, _ = w.acc.Mapping(w.ctx, w.a, w.ab)
	if m.Greenfield == nil || *m.Greenfield != 1 {
		t.Fatalf("greenfield count = %v, want 1 (the secret customer)", m.Greenfield)
	}
	recs, err := w.acc.MappedAccounts(w.ctx, w.a, w.ab, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var overlaps, green []accounts.MappedAccount
	for _, r := range recs {
		if r.Kind == "overlap" {
			overlaps = append(overlaps, r)
		} else {
			green = append(green, r)
		}
		var f map[string]any
		json.Unmarshal(r.Fields, &f)
		for k := range f {
			if k != "name" && k != "city" {
				t.Errorf("record %d shows field %q beyond the policy", r.PartnerID, k)
			}
		}
		if r.PartnerID == apac.ID || r.PartnerID == wayne.ID {
			t.Errorf("record %d (outside the segment or archived) leaked", r.PartnerID)
		}
	}
	if len(overlaps) != 2 || len(green) != 1 || green[0].PartnerID != secret.ID {
		t.Fatalf("records: %d overlaps, %d greenfield (%+v)", len(overlaps), len(green), recs)
	}
	if !strings.Contains(string(overlaps[0].Fields), "Lisboa") {
		t.Errorf("shared field city missing: %s", overlaps[0].Fields)
	}
	// Without greenfield, the non-overlapping account disappears entirely.
	w.p.SetSharingPolicy(w.ctx, w.b, w.ab, partners.PolicyInput{Level: "records", Fields: []string{"name"}})
	recs, _ = w.acc.MappedAccounts(w.ctx, w.a, w.ab, 0, 100)
	for _, r := range recs {
		if r.PartnerID == secret.ID {
			t.Fatal("the non-overlapping account leaked without greenfield")
		}
	}
	// The policy is directional: Bravo sees nothing of Alpha's (Alpha set nothing).
	mb, _ := w.acc.Mapping(w.ctx, w.b, w.ab)
	if mb.Overlap != nil {
		t.Fatalf("Bravo sees Alpha's overlap without Alpha's policy: %+v", mb)
	}
	// An outsider (Charlie) cannot run Alpha–Bravo's mapping, and a bad field is refused.
	if _, err := w.acc.Mapping(w.ctx, w.c, w.ab); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("outsider mapping: %v", err)
	}
	if _, err := w.p.SetSharingPolicy(w.ctx, w.b, w.ab, partners.PolicyInput{Level: "records", Fields: []string{"revenue"}}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown field in policy: %v", err)
	}
	// Revoked: nothing at all.
	w.p.RevokePartnership(w.ctx, w.a, w.ab)
	if _, err := w.acc.Mapping(w.ctx, w.a, w.ab); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("mapping of a revoked partnership: %v", err)
	}
}

func TestMergeMovesContactsAndShares(t *testing.T) {
	w := newWorld(t)
	s := w.account(w.a, "Soylent", "soylent.com")
	m := w.account(w.a, "Soylent Green Inc", "soylentgreen.com")
	if _, err := w.acc.CreateContact(w.ctx, w.a, accounts.ContactInput{Account: &m.ID, Name: str("Bob"), Emails: strs("bob@soylentgreen.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.p.ShareRecord(w.ctx, w.a, "account", m.ID, w.b.Org, "write"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.Merge(w.ctx, w.aSales, s.ID, m.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("sales merges: %v", err)
	}
	got, err := w.acc.Merge(w.ctx, w.a, s.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Domains, ",") != "soylent.com,soylentgreen.com" {
		t.Fatalf("domains after merge: %v", got.Domains)
	}
	cs, _ := w.acc.Contacts(w.ctx, w.a, s.ID, false)
	if len(cs) != 1 || cs[0].Name != "Bob" {
		t.Fatalf("contacts after merge: %+v", cs)
	}
	if b, err := w.acc.Get(w.ctx, w.b, s.ID); err != nil || !b.CanWrite {
		t.Fatalf("share did not move to the survivor: %v", err)
	}
	if _, err := w.acc.Get(w.ctx, w.a, m.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatal("merged account still exists")
	}
	// The survivor now owns the merged domain's key.
	if _, err := w.acc.Create(w.ctx, w.a, accounts.Input{Name: str("dup"), Domains: strs("soylentgreen.com")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("merged domain not kept as a key: %v", err)
	}
}

func TestExplain(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.a, "Cyberdyne", "cyberdyne.com")
	e, err := w.p.Explain(w.ctx, w.aViewer, "account", acc.ID, 0)
	if err != nil || !e.CanRead || e.CanWrite || e.Rules[0].Rule != "owner_org" {
		t.Fatalf("viewer of the owner: %+v %v", e, err)
	}
	e, _ = w.p.Explain(w.ctx, w.b, "account", acc.ID, 0)
	if e.CanRead || strings.Contains(fmt.Sprint(e.Rules), "Alpha") {
		t.Fatalf("unshared: %+v (must not name the owner)", e)
	}
	w.p.ShareRecord(w.ctx, w.a, "account", acc.ID, w.b.Org, "read")
	e, _ = w.p.Explain(w.ctx, w.b, "account", acc.ID, 0)
	if !e.CanRead || e.CanWrite || e.Rules[0].Rule != "share" || !strings.Contains(e.Rules[0].Detail, "Alpha shared it") {
		t.Fatalf("shared: %+v", e)
	}
	if _, err := w.p.Explain(w.ctx, w.aViewer, "account", acc.ID, w.aSales.User); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a viewer asks about another user: %v", err)
	}
	if _, err := w.p.Explain(w.ctx, w.a, "account", acc.ID, w.b.User); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("asking about another organization's user: %v", err)
	}
}

// TestExplainNamesThePolicy: a partner's account that its sharing policy shows
// in account mapping is explained by that policy; the partner's own view of its
// account has no such rule (none applies to one's own records, and asking costs a
// mapping per partnership).
func TestExplainNamesThePolicy(t *testing.T) {
	w := newWorld(t)
	w.account(w.a, "Initech", "initech.com")
	theirs := w.account(w.b, "Initech Brasil", "initech.com")
	if _, err := w.p.SetSharingPolicy(w.ctx, w.b, w.ab, partners.PolicyInput{Level: "records", Fields: []string{"name"}}); err != nil {
		t.Fatal(err)
	}
	e, err := w.p.Explain(w.ctx, w.a, "account", theirs.ID, 0)
	if err != nil || !strings.Contains(fmt.Sprint(e.Rules), "{policy true") {
		t.Fatalf("the partner's overlapping account: %+v %v, want the policy named", e, err)
	}
	e, err = w.p.Explain(w.ctx, w.b, "account", theirs.ID, 0)
	if err != nil || !e.CanRead || strings.Contains(fmt.Sprint(e.Rules), "{policy") {
		t.Fatalf("the owner's own account: %+v %v, want no policy rule", e, err)
	}
}

func TestListSearchAndPaging(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 7; i++ {
		w.account(w.a, fmt.Sprintf("Company %02d", i), fmt.Sprintf("company%02d.com", i))
	}
	w.account(w.a, "Massive Dynamic", "massivedynamic.com")
	var all []string
	cursor := ""
	for {
		page, next, err := w.acc.List(w.ctx, w.a, accounts.Filter{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page {
			all = append(all, x.Name)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 8 || all[0] != "Company 00" || all[7] != "Massive Dynamic" {
		t.Fatalf("paged list = %v", all)
	}
	hits, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{Query: "masive dynamc"})
	if len(hits) != 1 || hits[0].Name != "Massive Dynamic" {
		t.Fatalf("fuzzy search = %v", hits)
	}
	hits, _, _ = w.acc.List(w.ctx, w.a, accounts.Filter{Query: "company03.com"})
	if len(hits) != 1 {
		t.Fatalf("domain search = %v", hits)
	}
	if _, _, err := w.acc.List(w.ctx, w.a, accounts.Filter{Cursor: "garbage"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad cursor: %v", err)
	}
	// Bravo sees none of Alpha's accounts in its list or search.
	if l, _, _ := w.acc.List(w.ctx, w.b, accounts.Filter{Query: "company"}); len(l) != 0 {
		t.Fatalf("another organization's search found %d of Alpha's accounts", len(l))
	}
}

// Search reads the same whether the matches are few (read by id from the trigram
// index) or many (an ordered walk); it covers shared accounts, takes LIKE's
// characters literally, and is fuzzy only when nothing contains the query.
func TestSearch(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct{ name, domain string }{
		{"Blue Ridge Logistics", "blueridge.com"}, {"Red Ridge Foods", "redridge.io"}, {"Green Field", "greenfield.com"},
		{"100% Natural", "natural.com.br"}, {"Under_score Co", "underscore.dev"}, {"Massive Dynamic", "massivedynamic.com"},
		{"Archived Ridge", "archivedridge.com"}, {"Padaria São João", "padaria.com.br"},
	} {
		w.account(w.a, c.name, c.domain)
	}
	l, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{Query: "archived"})
	if _, err := w.acc.SetArchived(w.ctx, w.a, l[0].ID, true); err != nil {
		t.Fatal(err)
	}
	shared := w.account(w.b, "Ridge Partners", "ridgepartners.com")
	sharedAccented := w.account(w.b, "Ótica Ávila", "otica.com.br")
	if _, err := w.p.ShareRecord(w.ctx, w.b, "account", sharedAccented.ID, w.a.Org, "read"); err != nil {
		t.Fatal(err)
	}
	w.account(w.b, "Ridge Hidden", "ridgehidden.com") // Bravo's, not shared
	if _, err := w.p.ShareRecord(w.ctx, w.b, "account", shared.ID, w.a.Org, "read"); err != nil {
		t.Fatal(err)
	}
	names := func(f accounts.Filter) string {
		t.Helper()
		var out []string
		for {
			page, next, err := w.acc.List(w.ctx, w.a, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page {
				out = append(out, x.Name)
			}
			if next == "" {
				return strings.Join(out, ", ")
			}
			f.Cursor = next
		}
	}
	cases := []struct {
		f    accounts.Filter
		want string
	}{
		{accounts.Filter{Query: "ridge"}, "Blue Ridge Logistics, Red Ridge Foods, Ridge Partners"},
		{accounts.Filter{Query: "RIDGE", Limit: 1}, "Blue Ridge Logistics, Red Ridge Foods, Ridge Partners"},
		{accounts.Filter{Query: "ridge", Owner: "mine"}, "Blue Ridge Logistics, Red Ridge Foods"},
		{accounts.Filter{Query: "ridge", Owner: "shared"}, "Ridge Partners"},
		{accounts.Filter{Query: "ridge", Archived: true}, "Archived Ridge"},
		{accounts.Filter{Query: "ridge", Sort: "updated", Limit: 2}, "Ridge Partners, Red Ridge Foods, Blue Ridge Logistics"},
		{accounts.Filter{Query: ".io"}, "Red Ridge Foods"},
		{accounts.Filter{Query: "100%"}, "100% Natural"},
		{accounts.Filter{Query: "0%"}, "100% Natural"},
		{accounts.Filter{Query: "d_r"}, ""}, // _ is not a wildcard ("under" would match it)
		{accounts.Filter{Query: "er_s"}, "Under_score Co"},
		{accounts.Filter{Query: "masive dynamc"}, "Massive Dynamic"}, // nothing contains it: similar names
		{accounts.Filter{Query: "logistcs"}, "Blue Ridge Logistics"}, // a typo of one word of a long name
		{accounts.Filter{Query: "partnrs"}, "Ridge Partners"},        // a typo of a shared account's name
		{accounts.Filter{Query: "ridgepartners.com"}, "Ridge Partners"},
		{accounts.Filter{Query: "zzyzx"}, ""},      // nothing like it
		{accounts.Filter{Query: "dynamc.com"}, ""}, // a domain is never fuzzy
		{accounts.Filter{Query: "hidden"}, ""},     // Bravo's own account stays Bravo's
		// Accents and case are ignored on both sides (issue 26 item 3), and the
		// typo tolerance holds without accents.
		{accounts.Filter{Query: "Padaria Sao Joao"}, "Padaria São João"},
		{accounts.Filter{Query: "SÃO JOÃO"}, "Padaria São João"},
		{accounts.Filter{Query: "padaria são joao"}, "Padaria São João"},
		{accounts.Filter{Query: "otica avila"}, "Ótica Ávila"}, // shared with me
		{accounts.Filter{Query: "padara sao"}, "Padaria São João"},
		{accounts.Filter{Query: "ótica avilla"}, "Ótica Ávila"},
	}
	for _, many := range []bool{false, true} {
		if many {
			// Every query above has at most three matches: with a cap of one, those
			// with two or more take the ordered walk instead.
			defer accounts.SetSearchCap(1)()
		}
		for _, c := range cases {
			if got := names(c.f); got != c.want {
				t.Errorf("cap lowered %v, %+v: got [%s], want [%s]", many, c.f, got, c.want)
			}
		}
	}
}
