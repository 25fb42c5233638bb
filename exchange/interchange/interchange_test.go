package interchange_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type world struct {
	t      *testing.T
	ctx    context.Context
	d      *pgtest.Database
	acc    *accounts.Service
	ex     *interchange.Service
	worker *jobs.Worker
	// admin and sales of Alpha; other is Bravo's admin.
	admin, sales, other partners.Actor
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	p := &partners.Service{DB: d.App}
	w := &world{t: t, ctx: ctx, d: d, acc: &accounts.Service{DB: d.App, Partners: p}}
	w.ex = interchange.New(d.App, w.acc.ImportFamilies(), interchange.AccountMappings()...)
	w.ex.Now = func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }
	w.worker = &jobs.Worker{DB: d.App, Handlers: map[string]jobs.Handler{interchange.JobKind: w.ex.Handler()}}
	vendor := partnerstest.Network(t, d.Owner, p, "net", "Vendor", "admin@vendor.example")
	oa := partnerstest.Org(t, p, vendor, "Alpha", "reseller")
	ob := partnerstest.Org(t, p, vendor, "Bravo", "reseller")
	w.admin = partnerstest.User(t, p, vendor, oa, "admin@alpha.example", partners.Admin)
	w.sales = partnerstest.User(t, p, vendor, oa, "sales@alpha.example", partners.Sales)
	w.other = partnerstest.User(t, p, vendor, ob, "admin@bravo.example", partners.Admin)
	return w
}

func (w *world) profile(in interchange.ProfileInput) *interchange.Profile {
	w.t.Helper()
	p, err := w.ex.CreateProfile(w.ctx, w.admin, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// acme is the profile of the sender of edi/testdata/816.edi.
func acme(ack string) interchange.ProfileInput {
	return interchange.ProfileInput{Name: "Acme Distribution", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "ACMEDIST",
		OwnQualifier: "ZZ", OwnID: "PARTNERHUB", Version: "00501", Ack: ack, TA1Duplicates: true}
}

func (w *world) run() {
	w.t.Helper()
	if _, err := w.worker.RunOnce(w.ctx, 10); err != nil {
		w.t.Fatal(err)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../edi/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// counts is the number of accounts and contacts of Alpha, as its admin sees them.
func (w *world) counts() (int, int) {
	w.t.Helper()
	list, _, err := w.acc.List(w.ctx, w.admin, accounts.Filter{Limit: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	contacts := 0
	for _, a := range list {
		cs, err := w.acc.Contacts(w.ctx, w.admin, a.ID, false)
		if err != nil {
			w.t.Fatal(err)
		}
		contacts += len(cs)
	}
	return len(list), contacts
}

type result struct {
	Sets []interchange.SetOutcome `json:"sets"`
}

func outcome(t *testing.T, ic *interchange.Interchange) result {
	t.Helper()
	var r result
	if err := json.Unmarshal(ic.Result, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// An 816 from the testdata is stored, processed by the job onto accounts and
// contacts, and acknowledged with a 997; the same file again is recognized,
// answered with a TA1 025 (the profile asks for it) and changes nothing.
func TestInbound816AndDuplicate(t *testing.T) {
	w := newWorld(t)
	p := w.profile(acme("997"))
	data := read(t, "816.edi")
	// The 816's third party asks for a termination (ASI01 3), which the hub
	// does not apply from an interchange: drop that HL for the accepted case.
	ok816 := bytes.Replace(data, []byte("HL*3*1*2~\nN1*BY*CONTOSO SOLUTIONS*92*CS-4471~\nN4*PORTLAND*OR*97204*US~\nASI*3*024~\nSE*25*0001~"), []byte("SE*21*0001~"), 1)
	if bytes.Equal(ok816, data) {
		t.Fatal("816.edi changed: fix the test's edit")
	}
	rec, err := w.ex.Receive(w.ctx, w.sales, "816.edi", ok816)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Duplicate || rec.Interchange.State != "received" || rec.Interchange.Control != "000000101" || rec.Interchange.Sender != "ACMEDIST" {
		t.Fatalf("receipt = %+v", rec.Interchange)
	}
	w.run()
	ic, err := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ic.State != "processed" || ic.Sets != 1 || ic.Accepted != 1 || ic.AckKind != "997" || ic.AckControl == nil || *ic.AckControl != 1 {
		t.Fatalf("processed = %+v %s", ic, ic.Result)
	}
	r := outcome(t, ic)
	if r.Sets[0].Created["accounts"] != 2 || r.Sets[0].Created["contacts"] != 2 {
		t.Fatalf("outcome = %+v", r.Sets[0])
	}
	nAcc, nCon := w.counts()
	if nAcc != 2 || nCon != 2 {
		t.Fatalf("accounts, contacts = %d, %d; want 2, 2", nAcc, nCon)
	}
	list, _, err := w.acc.List(w.ctx, w.admin, accounts.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var acme *accounts.Account
	for i := range list {
		if list[i].Name == "ACME DISTRIBUTION INC" {
			acme = &list[i]
		}
	}
	if acme == nil || acme.DUNS != "123456789" || acme.City != "AUSTIN" {
		t.Fatalf("Acme account = %+v", acme)
	}
	kind, ack, err := w.ex.Ack(w.ctx, w.sales, ic.ID)
	if err != nil || kind != "997" {
		t.Fatal(kind, err)
	}
	if !strings.Contains(string(ack), "AK5*A~") || !strings.Contains(string(ack), "AK9*A*1*1*1~") {
		t.Fatalf("997 = %s", ack)
	}
	// The acknowledgment reads as a valid 997.
	if res, err := edi.Validate(bytes.NewReader(ack)); err != nil || len(res) != 1 || !res[0].OK() {
		t.Fatalf("997 does not validate: %v %+v", err, res)
	}

	// The same file again: a duplicate, TA1 025, nothing stored or changed.
	again, err := w.ex.Receive(w.ctx, w.sales, "816-again.edi", ok816)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.Interchange.ID != ic.ID || !strings.Contains(again.Ack, "TA1*000000101*") || !strings.Contains(again.Ack, "*R*025~") {
		t.Fatalf("duplicate = %+v ack %q", again.Interchange, again.Ack)
	}
	w.run()
	if a2, c2 := w.counts(); a2 != nAcc || c2 != nCon {
		t.Fatalf("after the resend: %d, %d", a2, c2)
	}
	log, err := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{})
	if err != nil || len(log) != 1 {
		t.Fatalf("log = %+v, %v", log, err)
	}
	// A profile without TA1 on duplicates answers the stored acknowledgment.
	if _, err := w.d.Owner.Exec(`UPDATE exchange_profiles SET ta1_duplicates = false WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	third, err := w.ex.Receive(w.ctx, w.sales, "816.edi", ok816)
	if err != nil || !third.Duplicate || third.Ack != string(ack) {
		t.Fatalf("third = %+v %v", third, err)
	}

	// Another organization sees none of it.
	if _, err := w.ex.Interchange(w.ctx, w.other, ic.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("other org: %v", err)
	}
	if log, err := w.ex.Log(w.ctx, w.other, interchange.LogFilter{}); err != nil || len(log) != 0 {
		t.Fatalf("other org log = %+v, %v", log, err)
	}
}

// A set that cannot be applied is rejected whole: nothing of it is stored, and
// its 999 names the segment and element (IK3/IK4); the unaltered 816 of the
// testdata asks to terminate a party (ASI01 3), and a bad email breaks a
// contact in another file.
func TestBadSetLeavesNothing(t *testing.T) {
	w := newWorld(t)
	w.profile(acme("999"))
	rec, err := w.ex.Receive(w.ctx, w.sales, "816.edi", read(t, "816.edi"))
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, err := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ic.State != "processed" || ic.Accepted != 0 || ic.Sets != 1 {
		t.Fatalf("processed = %+v", ic)
	}
	if a, c := w.counts(); a != 0 || c != 0 {
		t.Fatalf("a rejected set stored %d accounts, %d contacts", a, c)
	}
	r := outcome(t, ic)
	if e := r.Sets[0].Errors; len(e) != 1 || e[0].SegmentID != "ASI" || e[0].Segment != 24 || e[0].Element != 1 {
		t.Fatalf("errors = %+v", e)
	}
	_, ack, err := w.ex.Ack(w.ctx, w.sales, ic.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"IK3*ASI*24*N1*8~", "IK4*1*306*7*3~", "IK5*R*I5~", "AK9*R*1*1*0~"} {
		if want == "IK5*R*I5~" {
			want = "IK5*R*5~"
		}
		if !strings.Contains(string(ack), want) {
			t.Errorf("999 lacks %q:\n%s", want, ack)
		}
	}

	// A bad email in a PER: the whole set goes, the AK4 names PER06.
	bad := bytes.Replace(read(t, "816.edi"), []byte("ASI*3*024~"), []byte("ASI*1*001~"), 1)
	bad = bytes.Replace(bad, []byte("ana@northwind.example"), []byte("not-an-email"), 1)
	bad = bytes.Replace(bad, []byte("000000101"), []byte("000000102"), 2)
	if _, err := w.ex.Receive(w.ctx, w.sales, "bad.edi", bad); err != nil {
		t.Fatal(err)
	}
	w.run()
	log, err := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{})
	if err != nil || len(log) != 2 {
		t.Fatalf("log = %+v %v", log, err)
	}
	r = outcome(t, &log[0])
	if e := r.Sets[0].Errors; len(e) != 1 || e[0].SegmentID != "PER" || e[0].Element != 4 || !strings.Contains(e[0].Message, "email") {
		t.Fatalf("errors = %+v", e)
	}
	if a, c := w.counts(); a != 0 || c != 0 {
		t.Fatalf("a rejected set stored %d accounts, %d contacts", a, c)
	}
	_, ack, _ = w.ex.Ack(w.ctx, w.sales, log[0].ID)
	if !strings.Contains(string(ack), "IK3*PER*17*N1*8~") || !strings.Contains(string(ack), "IK4*4*364*7*not-an-email~") {
		t.Fatalf("999 = %s", ack)
	}
}

// A PARTIN goes onto accounts with its contacts and is answered by a CONTRL.
func TestInboundPARTIN(t *testing.T) {
	w := newWorld(t)
	w.profile(interchange.ProfileInput{Name: "Vendeur", Format: "EDIFACT", PartnerQualifier: "14", PartnerID: "5412345000013",
		OwnQualifier: "14", OwnID: "4012345000009", Ack: "CONTRL"})
	rec, err := w.ex.Receive(w.ctx, w.sales, "partin.edi", read(t, "partin.edi"))
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, err := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if err != nil || ic.Accepted != 1 || ic.AckKind != "CONTRL" {
		t.Fatalf("%+v %s %v", ic, ic.Result, err)
	}
	if a, c := w.counts(); a != 2 || c != 1 {
		t.Fatalf("accounts, contacts = %d, %d", a, c)
	}
	_, ack, _ := w.ex.Ack(w.ctx, w.sales, ic.ID)
	if !strings.Contains(string(ack), "UCI+PH00001+5412345000013:14+4012345000009:14+7'") {
		t.Fatalf("CONTRL = %s", ack)
	}
}

// Unknown senders and files that are no interchange are refused, located, and
// nothing is stored.
func TestReceiveRefusals(t *testing.T) {
	w := newWorld(t)
	is := func(err error, field, part string) {
		t.Helper()
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Field != field || !strings.Contains(ae.Message, part) {
			t.Fatalf("err = %v, want Invalid on %s with %q", err, field, part)
		}
	}
	_, err := w.ex.Receive(w.ctx, w.sales, "816.edi", read(t, "816.edi"))
	is(err, "file", "interchange 000000101: no trading-partner profile of your organization has sender ZZ:ACMEDIST")
	_, err = w.ex.Receive(w.ctx, w.sales, "x.csv", []byte("name\nAcme\n"))
	is(err, "file", "is not an X12")
	w.profile(acme("997"))
	_, err = w.ex.Receive(w.ctx, w.sales, "multi.edi", append(read(t, "816.edi"), read(t, "816.edi")...))
	is(err, "file", "holds 2 interchanges")
	if _, err := w.ex.Receive(w.ctx, partners.Actor{Network: w.sales.Network, Org: w.sales.Org, User: w.sales.User, Role: partners.Viewer}, "816.edi", read(t, "816.edi")); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer: %v", err)
	}
	if log, err := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{}); err != nil || len(log) != 0 {
		t.Fatalf("log = %+v %v", log, err)
	}
	// Profiles: bad input is named.
	for _, c := range []struct {
		mut   func(*interchange.ProfileInput)
		field string
	}{
		{func(p *interchange.ProfileInput) { p.Format = "XML" }, "format"},
		{func(p *interchange.ProfileInput) { p.Ack = "CONTRL" }, "ack"},
		{func(p *interchange.ProfileInput) { p.Delimiters = "**~" }, "delimiters"},
		{func(p *interchange.ProfileInput) { p.Delimiters = "*:^*" }, "delimiters"},
		{func(p *interchange.ProfileInput) {
			p.Guides = json.RawMessage(`[{"name":"X","set":"816","segments":[{"segment":"ZZZ"}]}]`)
		}, "guides"},
		{func(p *interchange.ProfileInput) { p.PartnerID = "" }, "partner_id"},
	} {
		in := acme("997")
		in.OwnID = "OTHER"
		c.mut(&in)
		_, err := w.ex.CreateProfile(w.ctx, w.admin, in)
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Field != c.field {
			t.Errorf("%s: %v", c.field, err)
		}
	}
	if _, err := w.ex.CreateProfile(w.ctx, w.admin, acme("997")); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("same ids twice: %v", err)
	}
	if _, err := w.ex.CreateProfile(w.ctx, w.sales, acme("999")); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("sales creates a profile: %v", err)
	}
}

// Control numbers never repeat, whatever runs at the same time: 8 goroutines
// take 25 numbers each, and acknowledgments take theirs from the same
// sequence.
func TestControlNumbersNeverRepeat(t *testing.T) {
	w := newWorld(t)
	p := w.profile(acme("997"))
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				n, err := w.ex.NextControl(w.ctx, w.sales, p.ID)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[n] {
					errs <- &repeatErr{n}
				}
				seen[n] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != 200 {
		t.Fatalf("%d distinct numbers, want 200", len(seen))
	}
	for n := int64(1); n <= 200; n++ {
		if !seen[n] {
			t.Fatalf("number %d was skipped", n)
		}
	}
	rec, err := w.ex.Receive(w.ctx, w.sales, "816.edi", read(t, "816.edi"))
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, _ := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if ic.AckControl == nil || *ic.AckControl != 201 {
		t.Fatalf("ack control = %v", ic.AckControl)
	}
	if _, err := w.ex.NextControl(w.ctx, w.other, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another organization's profile: %v", err)
	}
}

type repeatErr struct{ n int64 }

func (e *repeatErr) Error() string { return "control number handed out twice" }

// two816 is an interchange of two 816 sets: the first applies (a party with a
// contact that has no email, so applying it twice would make a second
// contact), the second asks to terminate a party and is rejected.
const two816 = "ISA*00*          *00*          *ZZ*ACMEDIST       *ZZ*PARTNERHUB     *261120*0930*^*00501*000000201*1*P*:~\n" +
	"GS*OR*ACMEDIST*PARTNERHUB*20261120*0930*201*X*005010~\n" +
	"ST*816*0001~\nBHT*0001*00*ORG-1*20261120*0930~\nN1*41*ACME DISTRIBUTION INC~\nHL*1**1~\nN1*DS*GLOBEX CORP*1*987654321~\nPER*IC*HANK SCORPIO*TE*5550100~\nSE*7*0001~\n" +
	"ST*816*0002~\nBHT*0001*00*ORG-2*20261120*0930~\nN1*41*ACME DISTRIBUTION INC~\nHL*1**1~\nN1*DS*INITECH*92*IN-1~\nASI*3*024~\nSE*7*0002~\n" +
	"GE*2*201~\nIEA*1*000000201~\n"

// A set that fails is rejected and the rest of the interchange goes on; a
// process killed between two sets resumes where it was: the set applied
// before is not applied again (its contact, which has no email to match on,
// is not made twice) and the acknowledgment is built from both outcomes.
func TestSetsApartAndResume(t *testing.T) {
	w := newWorld(t)
	w.profile(acme("997"))
	rec, err := w.ex.Receive(w.ctx, w.sales, "two.edi", []byte(two816))
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, _ := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if ic.Sets != 2 || ic.Accepted != 1 {
		t.Fatalf("%+v %s", ic, ic.Result)
	}
	_, ack, _ := w.ex.Ack(w.ctx, w.sales, ic.ID)
	for _, want := range []string{"AK2*816*0001~AK5*A~", "AK2*816*0002~AK3*ASI*6*N1*8~AK4*1*306*7*3~AK5*R*5~", "AK9*P*2*2*1~"} {
		if !strings.Contains(string(ack), want) {
			t.Errorf("997 lacks %q: %s", want, ack)
		}
	}
	a1, c1 := w.counts()
	if a1 != 1 || c1 != 1 {
		t.Fatalf("accounts, contacts = %d, %d", a1, c1)
	}
	// As if killed after the first set committed: the second set's outcome and
	// the acknowledgment are gone, the interchange is still processing.
	if _, err := w.d.Owner.Exec(`DELETE FROM exchange_sets WHERE interchange_id = $1 AND position = 2`, ic.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.d.Owner.Exec(`UPDATE exchange_interchanges SET state = 'processing', result = NULL, ack = NULL, ack_kind = '', ack_control = NULL WHERE id = $1`, ic.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.ex.Process(w.ctx, w.sales, ic.ID); err != nil {
		t.Fatal(err)
	}
	if a2, c2 := w.counts(); a2 != a1 || c2 != c1 {
		t.Fatalf("after resuming: %d accounts, %d contacts; want %d, %d", a2, c2, a1, c1)
	}
	again, _ := w.ex.Interchange(w.ctx, w.sales, ic.ID)
	_, ack2, _ := w.ex.Ack(w.ctx, w.sales, ic.ID)
	if again.State != "processed" || again.Accepted != 1 || *again.AckControl != 2 || !strings.Contains(string(ack2), "AK9*P*2*2*1~") {
		t.Fatalf("resumed: %+v %s", again, ack2)
	}
	// Processing a processed interchange again changes nothing.
	if err := w.ex.Process(w.ctx, w.sales, ic.ID); err != nil {
		t.Fatal(err)
	}
	if third, _ := w.ex.Interchange(w.ctx, w.sales, ic.ID); *third.AckControl != 2 {
		t.Fatalf("processed twice: %+v", third)
	}
}

// A CSV profile's file goes through the import pipeline (exchange/imports) as
// the profile's family; an X12 interchange sent on a profile must be that
// profile's, or it is refused and nothing is stored.
func TestReceiveFileOnAProfile(t *testing.T) {
	w := newWorld(t)
	imp := imports.New(w.d.App, w.acc.ImportFamilies()...)
	w.ex.Imports = imp
	w.worker.Handlers[imports.JobKind] = imp.Handler()
	csvProfile := w.profile(interchange.ProfileInput{Name: "Reseller sheet", Format: "CSV"})
	if csvProfile.CSVKind != "accounts" {
		t.Fatalf("csv kind = %q", csvProfile.CSVKind)
	}
	rec, err := w.ex.ReceiveFile(w.ctx, w.sales, csvProfile.ID, "accounts.csv", []byte("name,website\nUmbrella,umbrella.example\n"))
	if err != nil || rec.Import == nil || rec.Interchange != nil {
		t.Fatalf("%+v %v", rec, err)
	}
	w.run()
	if j, err := imp.Job(w.ctx, w.sales, rec.Import.ID); err != nil || j.State != "done" {
		t.Fatalf("import = %+v, %v", j, err)
	}
	if a, _ := w.counts(); a != 1 {
		t.Fatalf("accounts = %d", a)
	}
	x12 := w.profile(acme("997"))
	if _, err := w.ex.ReceiveFile(w.ctx, w.sales, csvProfile.ID+x12.ID+100, "816.edi", read(t, "816.edi")); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown profile: %v", err)
	}
	other := w.profile(interchange.ProfileInput{Name: "Other", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "SOMEONE", OwnQualifier: "ZZ", OwnID: "PARTNERHUB", Ack: "997"})
	_, err = w.ex.ReceiveFile(w.ctx, w.sales, other.ID, "816.edi", read(t, "816.edi"))
	if ae, ok := apperr.As(err); !ok || ae.Field != "file" || !strings.Contains(ae.Message, "names trading-partner profile") {
		t.Fatalf("wrong profile: %v", err)
	}
	if log, err := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{}); err != nil || len(log) != 0 {
		t.Fatalf("log = %+v %v", log, err)
	}
	rec, err = w.ex.ReceiveFile(w.ctx, w.sales, x12.ID, "816.edi", read(t, "816.edi"))
	if err != nil || rec.Interchange == nil || rec.Interchange.Profile != x12.ID {
		t.Fatalf("%+v %v", rec, err)
	}
}

// Webhooks: a subscription gets a signed delivery of interchange.processed,
// written with the change (the outbox) and sent by a job; a receiver that
// fails is retried, and the delivery log says what happened.
func TestWebhookDeliveries(t *testing.T) {
	w := newWorld(t)
	w.ex.AllowPrivateWebhooks = true
	w.worker.Handlers[interchange.WebhookJob] = w.ex.WebhookHandler()
	type got struct {
		body []byte
		hdr  http.Header
	}
	var mu sync.Mutex
	var calls []got
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, got{b, r.Header.Clone()})
		n := len(calls)
		mu.Unlock()
		if n == 1 {
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	if _, err := w.ex.CreateWebhook(w.ctx, w.sales, interchange.WebhookInput{URL: srv.URL, Events: []string{"interchange.processed"}}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("sales: %v", err)
	}
	for _, bad := range []interchange.WebhookInput{{URL: "ftp://x.example/", Events: interchange.Events}, {URL: "https://u:p@x.example/", Events: interchange.Events}, {URL: srv.URL, Events: []string{"deal.won"}}, {URL: srv.URL}} {
		if _, err := w.ex.CreateWebhook(w.ctx, w.admin, bad); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
	hook, err := w.ex.CreateWebhook(w.ctx, w.admin, interchange.WebhookInput{URL: srv.URL + "/hook", Events: []string{"interchange.processed"}})
	if err != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("%+v %v", hook, err)
	}
	if list, err := w.ex.Webhooks(w.ctx, w.admin, 0, 10); err != nil || len(list) != 1 || list[0].Secret != "" {
		t.Fatalf("list = %+v %v", list, err)
	}
	w.profile(acme("997"))
	rec, err := w.ex.Receive(w.ctx, w.sales, "816.edi", read(t, "816.edi"))
	if err != nil {
		t.Fatal(err)
	}
	w.run() // processes the interchange, which writes the delivery
	w.run() // the first attempt: 503
	ds, err := w.ex.Deliveries(w.ctx, w.sales, hook.ID, 0, 10)
	if err != nil || len(ds) != 1 || ds[0].State != "pending" || ds[0].Attempts != 1 || ds[0].LastStatus == nil || *ds[0].LastStatus != 503 {
		t.Fatalf("after a failed attempt: %+v %v", ds, err)
	}
	// The retry is due after the jobs' backoff: bring it forward.
	if _, err := w.d.Owner.Exec(`UPDATE jobs SET run_at = now() WHERE kind = $1 AND state = 'queued'`, interchange.WebhookJob); err != nil {
		t.Fatal(err)
	}
	w.run()
	ds, _ = w.ex.Deliveries(w.ctx, w.sales, hook.ID, 0, 10)
	if ds[0].State != "delivered" || ds[0].Attempts != 2 || ds[0].DeliveredAt == nil {
		t.Fatalf("after the retry: %+v", ds[0])
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[1]
	var body struct {
		Event string
		Data  struct {
			ID       int64
			Accepted int
			Sets     int
		}
	}
	if err := json.Unmarshal(c.body, &body); err != nil || body.Event != "interchange.processed" || body.Data.ID != rec.Interchange.ID || body.Data.Sets != 1 {
		t.Fatalf("body %s: %v", c.body, err)
	}
	// The signature, recomputed as a receiver would.
	sig := c.hdr.Get("X-Partnerhub-Signature")
	ts, mac, ok := strings.Cut(strings.TrimPrefix(sig, "t="), ",v1=")
	m := hmac.New(sha256.New, []byte(hook.Secret))
	m.Write([]byte(ts + "."))
	m.Write(c.body)
	if !ok || mac != hex.EncodeToString(m.Sum(nil)) || c.hdr.Get("X-Partnerhub-Event") != "interchange.processed" || c.hdr.Get("X-Partnerhub-Delivery") != strconv.FormatInt(ds[0].ID, 10) {
		t.Fatalf("headers %v", c.hdr)
	}
	// Another organization sees neither the subscription nor its log.
	if _, err := w.ex.Deliveries(w.ctx, w.other, hook.ID, 0, 10); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("other org: %v", err)
	}
}

// A truncated interchange and a set the hub does not map: processed, nothing
// stored, each answered with the acknowledgment that says why.
func TestTruncatedAndUnmapped(t *testing.T) {
	w := newWorld(t)
	w.profile(acme("997"))
	data := read(t, "816.edi")
	cut := data[:bytes.Index(data, []byte("SE*25"))]
	rec, err := w.ex.Receive(w.ctx, w.sales, "cut.edi", cut)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, _ := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	_, ack, _ := w.ex.Ack(w.ctx, w.sales, ic.ID)
	if ic.State != "processed" || ic.Accepted != 0 || !strings.Contains(string(ack), "AK5*R") {
		t.Fatalf("truncated: %+v %s", ic, ack)
	}
	if a, c := w.counts(); a != 0 || c != 0 {
		t.Fatalf("truncated stored %d, %d", a, c)
	}
	// An 850 (purchase order) is valid but maps onto nothing yet: AK5 R 1.
	w.profile(interchange.ProfileInput{Name: "Orders", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "NORTHWIND", OwnQualifier: "ZZ", OwnID: "ACMEDIST", Ack: "997"})
	po := read(t, "850.edi")
	rec, err = w.ex.Receive(w.ctx, w.sales, "850.edi", po)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, _ = w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	_, ack, _ = w.ex.Ack(w.ctx, w.sales, ic.ID)
	if ic.Accepted != 0 || !strings.Contains(string(ack), "AK5*R*1~") {
		t.Fatalf("850: %+v %s %s", ic, ic.Result, ack)
	}
}
