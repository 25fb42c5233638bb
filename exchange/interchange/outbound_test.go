package interchange_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// flaky is a contacts import that fails, as a broken store would (not an
// apperr: the job retries it), on the contact named "FAIL ME" while broken.
type flaky struct {
	imports.Rows
	broken *atomic.Bool
}

func (f flaky) Row(ctx context.Context, v map[string]string) (string, error) {
	if f.broken.Load() && v["name"] == "FAIL ME" {
		return "", errors.New("the contacts store is unavailable")
	}
	return f.Rows.Row(ctx, v)
}

// flaky816 is two 816 sets: the first applies (a contact without email, so
// that applying it twice would make a second one), the second reaches the
// contact that fails while the store is broken.
const flaky816 = "ISA*00*          *00*          *ZZ*ACMEDIST       *ZZ*PARTNERHUB     *261120*0930*^*00501*000000301*1*P*:~\n" +
	"GS*OR*ACMEDIST*PARTNERHUB*20261120*0930*301*X*005010~\n" +
	"ST*816*0001~\nBHT*0001*00*ORG-1*20261120*0930~\nN1*41*ACME DISTRIBUTION INC~\nHL*1**1~\nN1*DS*GLOBEX CORP*1*987654321~\nPER*IC*HANK SCORPIO*TE*5550100~\nSE*7*0001~\n" +
	"ST*816*0002~\nBHT*0001*00*ORG-2*20261120*0930~\nN1*41*ACME DISTRIBUTION INC~\nHL*1**1~\nN1*DS*INITECH*92*IN-1~\nPER*IC*FAIL ME*TE*5550199~\nSE*7*0002~\n" +
	"GE*2*301~\nIEA*1*000000301~\n"

// A job whose last attempt fails leaves its interchange "failed" with the
// reason, not "processing"; the set applied before stays applied. Retried,
// the job resumes after that set (its contact is not made twice) and the
// interchange ends processed.
func TestFailedJobFailsTheInterchangeAndRetryResumes(t *testing.T) {
	w := newWorld(t)
	var broken atomic.Bool
	broken.Store(true)
	fams := w.acc.ImportFamilies()
	for i := range fams {
		if fams[i].Kind == "contacts" {
			open := fams[i].Open
			fams[i].Open = func(ctx context.Context, tx *sqlx.Tx, a partners.Actor) (imports.Rows, error) {
				r, err := open(ctx, tx, a)
				return flaky{r, &broken}, err
			}
		}
	}
	w.ex = interchange.New(w.d.App, fams, interchange.AccountMappings()...)
	w.worker.Handlers[interchange.JobKind] = w.ex.Handler()
	w.profile(acme("997"))
	rec, err := w.ex.Receive(w.ctx, w.sales, "flaky.edi", []byte(flaky816))
	if err != nil {
		t.Fatal(err)
	}
	// One attempt: the first is the job's last.
	if _, err := w.d.Owner.Exec(`UPDATE jobs SET max_attempts = 1 WHERE kind = $1`, interchange.JobKind); err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, err := w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ic.State != "failed" || ic.Error != interchange.FailedReason {
		t.Fatalf("after the last attempt: state %q, error %q", ic.State, ic.Error)
	}
	if a, c := w.counts(); a != 1 || c != 1 {
		t.Fatalf("after the failure: %d accounts, %d contacts; want the first set's 1, 1", a, c)
	}
	js, err := jobs.Find(w.ctx, w.d.App, w.admin.Scope(), jobs.Filter{Kind: interchange.JobKind, Limit: 10})
	if err != nil || len(js) != 1 || js[0].State != "failed" {
		t.Fatalf("jobs = %+v, %v", js, err)
	}
	failed, err := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{State: "failed"})
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed interchanges = %+v, %v", failed, err)
	}

	broken.Store(false)
	if err := jobs.Retry(w.ctx, w.d.App, w.admin.Scope(), js[0].ID); err != nil {
		t.Fatal(err)
	}
	w.run()
	ic, _ = w.ex.Interchange(w.ctx, w.sales, rec.Interchange.ID)
	if ic.State != "processed" || ic.Error != "" || ic.Sets != 2 || ic.Accepted != 2 {
		t.Fatalf("after the retry: %+v %s", ic, ic.Result)
	}
	if a, c := w.counts(); a != 2 || c != 2 {
		t.Fatalf("after the retry: %d accounts, %d contacts; want 2, 2 (the first set applied once)", a, c)
	}
}

// alphaAccounts are the accounts Alpha exports: one with every field an EDI
// party carries, one whose name holds X12 delimiters and accents.
func (w *world) alphaAccounts() {
	w.t.Helper()
	for _, in := range []accounts.Input{
		{Name: ptr("GLOBEX CORPORATION"), DUNS: ptr("123456789"), Street: ptr("500 INDUSTRIAL PKWY"), City: ptr("SPRINGFIELD"), State: ptr("IL"),
			PostalCode: ptr("62701"), Country: ptr("US")},
		{Name: ptr("Star*Tilde~Müller Söhne"), City: ptr("Köln"), PostalCode: ptr("50667"), Country: ptr("DE")},
	} {
		if _, err := w.acc.Create(w.ctx, w.sales, in); err != nil {
			w.t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// names lists the names of an actor's own accounts, sorted, with their city.
func (w *world) names(a partners.Actor) []string {
	w.t.Helper()
	list, _, err := w.acc.List(w.ctx, a, accounts.Filter{Owner: "mine", Limit: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, x := range list {
		out = append(out, x.Name+"|"+x.DUNS+"|"+x.City+"|"+x.PostalCode+"|"+x.Country)
	}
	slices.Sort(out)
	return out
}

// Every export parses back: Alpha exports its accounts on a profile of each
// format; the file is read with the edi package (EDI) and sent to Bravo,
// whose inverse profile maps it onto Bravo's accounts, which then hold what
// Alpha's held (X12 delimiters in a value become spaces: X12 cannot escape
// them). Control numbers come from the profile's sequence.
func TestExportsParseBack(t *testing.T) {
	for _, tc := range []struct {
		format, delimiters string
		want               []string
	}{
		{"X12", "|>^~", []string{"GLOBEX CORPORATION|123456789|SPRINGFIELD|62701|US", "Star*Tilde Müller Söhne||Köln|50667|DE"}},
		{"EDIFACT", "", []string{"GLOBEX CORPORATION||SPRINGFIELD|62701|US", "Star*Tilde~Müller Söhne||Köln|50667|DE"}},
		{"CSV", "", []string{"GLOBEX CORPORATION|123456789|SPRINGFIELD|62701|US", "Star*Tilde~Müller Söhne||Köln|50667|DE"}},
		{"JSON", "", []string{"GLOBEX CORPORATION|123456789|SPRINGFIELD|62701|US", "Star*Tilde~Müller Söhne||Köln|50667|DE"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			w := newWorld(t)
			imp := imports.New(w.d.App, w.acc.ImportFamilies()...)
			w.ex.Imports = imp
			w.worker.Handlers[imports.JobKind] = imp.Handler()
			w.alphaAccounts()
			out := interchange.ProfileInput{Name: "To Bravo", Format: tc.format, Delimiters: tc.delimiters}
			in := interchange.ProfileInput{Name: "From Alpha", Format: tc.format}
			switch tc.format {
			case "X12":
				out.PartnerQualifier, out.PartnerID, out.OwnQualifier, out.OwnID, out.Version = "ZZ", "BRAVOHUB", "ZZ", "ALPHAHUB", "00501"
				in.PartnerQualifier, in.PartnerID, in.OwnQualifier, in.OwnID, in.Ack = "ZZ", "ALPHAHUB", "ZZ", "BRAVOHUB", "997"
			case "EDIFACT":
				out.PartnerQualifier, out.PartnerID, out.OwnQualifier, out.OwnID = "14", "4012345000009", "14", "5412345000013"
				in.PartnerQualifier, in.PartnerID, in.OwnQualifier, in.OwnID, in.Ack = "14", "5412345000013", "14", "4012345000009", "CONTRL"
			}
			p := w.profile(out)
			e, data, err := w.ex.Export(w.ctx, w.sales, interchange.ExportInput{Profile: p.ID, Kind: "accounts"})
			if err != nil {
				t.Fatal(err)
			}
			if e.Control != 1 || e.Records != 2 || e.Format != tc.format || e.Size != int64(len(data)) {
				t.Fatalf("export = %+v", e)
			}
			if got, stored, err := w.ex.ExportFile(w.ctx, w.sales, e.ID); err != nil || got.ID != e.ID || !bytes.Equal(stored, data) {
				t.Fatalf("stored export = %+v, %v", got, err)
			}
			if _, _, err := w.ex.ExportFile(w.ctx, w.other, e.ID); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("another organization reads the export: %v", err)
			}
			switch tc.format {
			case "X12", "EDIFACT":
				res, err := edi.Validate(bytes.NewReader(data))
				if err != nil || len(res) != 1 || !res[0].OK() || res[0].Control != map[string]string{"X12": "000000001", "EDIFACT": "1"}[tc.format] {
					t.Fatalf("the export does not read back: %v %+v\n%s", err, res, data)
				}
				if tc.format == "X12" && !bytes.HasPrefix(data, []byte("ISA|00|")) || tc.format == "X12" && !bytes.Contains(data, []byte("|^|00501|000000001|0|P|>~GS|OR|ALPHAHUB|BRAVOHUB|")) {
					t.Fatalf("the profile's delimiters and ids are not the export's: %s", data)
				}
			}
			bp, err := w.ex.CreateProfile(w.ctx, w.other, in)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := w.ex.ReceiveFile(w.ctx, w.other, bp.ID, e.Filename, data)
			if err != nil {
				t.Fatal(err)
			}
			w.run()
			if rec.Interchange != nil {
				ic, err := w.ex.Interchange(w.ctx, w.other, rec.Interchange.ID)
				if err != nil || ic.State != "processed" || ic.Accepted != 1 {
					t.Fatalf("Bravo's interchange = %+v %s, %v", ic, ic.Result, err)
				}
			} else if j, err := imp.Job(w.ctx, w.other, rec.Import.ID); err != nil || j.State != "done" {
				t.Fatalf("Bravo's import = %+v, %v", j, err)
			}
			if got := w.names(w.other); !slices.Equal(got, tc.want) {
				t.Fatalf("Bravo's accounts = %q, want %q", got, tc.want)
			}
			// The next export takes the next number.
			e2, _, err := w.ex.Export(w.ctx, w.sales, interchange.ExportInput{Profile: p.ID})
			if err != nil || e2.Control != 2 {
				t.Fatalf("second export = %+v, %v", e2, err)
			}
		})
	}
}

// Control numbers of exports never repeat under concurrent exports: 6
// goroutines export 4 times each on one profile; the 24 numbers are 1 to 24,
// each in its file's ISA13.
func TestConcurrentExportsNeverRepeat(t *testing.T) {
	w := newWorld(t)
	w.alphaAccounts()
	p := w.profile(interchange.ProfileInput{Name: "To Bravo", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "BRAVOHUB", OwnQualifier: "ZZ", OwnID: "ALPHAHUB"})
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				e, data, err := w.ex.Export(w.ctx, w.sales, interchange.ExportInput{Profile: p.ID})
				if err != nil {
					errs <- err
					return
				}
				res, err := edi.Validate(bytes.NewReader(data))
				if err != nil || len(res) != 1 || res[0].Control != strconv.FormatInt(1_000_000_000+e.Control, 10)[1:] {
					errs <- errors.New("an export's ISA13 is not its control number")
					return
				}
				mu.Lock()
				if seen[e.Control] {
					errs <- &repeatErr{e.Control}
				}
				seen[e.Control] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for n := int64(1); n <= 24; n++ {
		if !seen[n] {
			t.Fatalf("number %d was not handed out (%d numbers)", n, len(seen))
		}
	}
	list, err := w.ex.Exports(w.ctx, w.sales, 0, 100)
	if err != nil || len(list) != 24 {
		t.Fatalf("exports = %d, %v", len(list), err)
	}
}

// An export is refused, naming the field, when there is nothing to send or
// the kind is unknown; another organization's profile is not found.
func TestExportRefusals(t *testing.T) {
	w := newWorld(t)
	p := w.profile(interchange.ProfileInput{Name: "To Bravo", Format: "X12", PartnerQualifier: "ZZ", PartnerID: "BRAVOHUB", OwnQualifier: "ZZ", OwnID: "ALPHAHUB"})
	_, _, err := w.ex.Export(w.ctx, w.sales, interchange.ExportInput{Profile: p.ID})
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Field != "kind" {
		t.Fatalf("nothing to send: %v", err)
	}
	_, _, err = w.ex.Export(w.ctx, w.sales, interchange.ExportInput{Profile: p.ID, Kind: "contacts"})
	if ae, ok := apperr.As(err); !ok || ae.Field != "kind" {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, _, err := w.ex.Export(w.ctx, w.other, interchange.ExportInput{Profile: p.ID}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another organization's profile: %v", err)
	}
	// Nothing refused took a number.
	if n, err := w.ex.NextControl(w.ctx, w.sales, p.ID); err != nil || n != 1 {
		t.Fatalf("next control = %d, %v", n, err)
	}
}

// A JSON profile's file holds the records a CSV import reads, as an array of
// objects; it goes through the import pipeline. A file that is not such an
// array is refused with the record and field named, and nothing is stored.
func TestJSONInbound(t *testing.T) {
	w := newWorld(t)
	imp := imports.New(w.d.App, w.acc.ImportFamilies()...)
	w.ex.Imports = imp
	w.worker.Handlers[imports.JobKind] = imp.Handler()
	p := w.profile(interchange.ProfileInput{Name: "Reseller feed", Format: "JSON"})
	if p.CSVKind != "accounts" {
		t.Fatalf("json kind = %q", p.CSVKind)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"name":"Umbrella"}`, "array of objects"},
		{`[{"name":"Umbrella"},`, "is not JSON"},
		{`[{"name":{"first":"Umbrella"}}]`, `record 1, field "name"`},
		{`[]`, "no record"},
		{`[{"name":"A"}] [{"name":"B"}]`, "more than one JSON value"},
	} {
		_, err := w.ex.ReceiveFile(w.ctx, w.sales, p.ID, "feed.json", []byte(bad.body))
		if ae, ok := apperr.As(err); !ok || ae.Field != "file" || !strings.Contains(ae.Error(), bad.want) {
			t.Errorf("%s: %v, want a file error with %q", bad.body, err, bad.want)
		}
	}
	rec, err := w.ex.ReceiveFile(w.ctx, w.sales, p.ID, "feed.json", []byte(`[
		{"name": "Umbrella", "domains": ["umbrella.example", "umbrella.test"], "city": "Raccoon City", "tags": ["gold"]},
		{"name": "Initech", "duns": 123456789, "country": null}
	]`))
	if err != nil || rec.Import == nil {
		t.Fatalf("%+v %v", rec, err)
	}
	w.run()
	if j, err := imp.Job(w.ctx, w.sales, rec.Import.ID); err != nil || j.State != "done" {
		t.Fatalf("import = %+v, %v", j, err)
	}
	got := w.names(w.sales)
	if want := []string{"Initech|123456789|||", "Umbrella||Raccoon City||"}; !slices.Equal(got, want) {
		t.Fatalf("accounts = %q, want %q", got, want)
	}
}

// The watched drop folder: KEY/PROFILE/ files are received on the profile,
// then moved to processed/ or, refused, to failed/ with the reason beside
// them; a file found again after a restart (the process stopped before
// moving it) is recognized and nothing is doubled; a folder whose key does
// not sign in, and a file being written (a dot name), are left alone.
func TestDropFolder(t *testing.T) {
	w := newWorld(t)
	p := w.profile(acme("997"))
	ps := &partners.Service{DB: w.d.App}
	_, token, err := ps.CreateAPIKey(w.ctx, w.admin, "drop folder", "manager")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	inbox := filepath.Join(dir, token, strconv.FormatInt(p.ID, 10))
	write := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(path string) bool { _, err := os.Stat(path); return err == nil }
	write(filepath.Join(inbox, "two.edi"), two816)
	write(filepath.Join(inbox, "notes.txt"), "not an interchange")
	write(filepath.Join(inbox, ".upload.edi"), two816[:40])
	bogus := filepath.Join(dir, "phk_bogus", "1", "x.edi")
	write(bogus, two816)
	f := &interchange.DropFolder{Dir: dir, Exchange: w.ex, Actor: ps.KeyActor}
	n, err := f.Scan(w.ctx)
	if err != nil || n != 2 {
		t.Fatalf("scan moved %d, %v; want 2", n, err)
	}
	if !exists(filepath.Join(inbox, "processed", "two.edi")) || exists(filepath.Join(inbox, "two.edi")) {
		t.Fatal("two.edi was not moved to processed/")
	}
	why, err := os.ReadFile(filepath.Join(inbox, "failed", "notes.txt.error.txt"))
	if err != nil || !exists(filepath.Join(inbox, "failed", "notes.txt")) || !strings.HasPrefix(string(why), "file: ") {
		t.Fatalf("notes.txt in failed/ with its reason: %q, %v", why, err)
	}
	if !exists(filepath.Join(inbox, ".upload.edi")) || !exists(bogus) {
		t.Fatal("a dot file or a folder whose key does not sign in was touched")
	}
	w.run()
	log, err := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{})
	if err != nil || len(log) != 1 || log[0].Filename != "two.edi" {
		t.Fatalf("log = %+v, %v", log, err)
	}
	if ic, _ := w.ex.Interchange(w.ctx, w.sales, log[0].ID); ic.State != "processed" || ic.Accepted != 1 {
		t.Fatalf("interchange = %+v", ic)
	}
	a1, c1 := w.counts()

	// A restart finds the file again: received as the duplicate it is.
	write(filepath.Join(inbox, "two.edi"), two816)
	again := &interchange.DropFolder{Dir: dir, Exchange: w.ex, Actor: ps.KeyActor, Every: time.Millisecond}
	if n, err := again.Scan(w.ctx); err != nil || n != 1 {
		t.Fatalf("rescan moved %d, %v", n, err)
	}
	w.run()
	if log, _ := w.ex.Log(w.ctx, w.sales, interchange.LogFilter{}); len(log) != 1 {
		t.Fatalf("the file found again was stored twice: %d", len(log))
	}
	if a2, c2 := w.counts(); a2 != a1 || c2 != c1 {
		t.Fatalf("after the rescan: %d, %d; want %d, %d", a2, c2, a1, c1)
	}
	done, _ := os.ReadDir(filepath.Join(inbox, "processed"))
	if len(done) != 2 {
		t.Fatalf("processed/ holds %d files, want 2 (the second renamed)", len(done))
	}
}
