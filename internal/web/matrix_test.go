package web_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/internal/web"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

// relation is how the caller's organization stands to the owner organization of
// the matrix's target records.
type relation string

const (
	relOwn     relation = "own"           // the owner organization itself
	relRead    relation = "shared-read"   // a partner the account is shared with for reading
	relWrite   relation = "shared-write"  // a partner the account is shared with for writing
	relPartner relation = "partner"       // an active partner without a share
	relRevoked relation = "revoked"       // a partner whose share ended with the partnership
	relVendor  relation = "vendor"        // the network's vendor, not a partner of the owner
	relOther   relation = "other-network" // an organization of another network
	relAnon    relation = "anonymous"
)

var relations = []relation{relOwn, relRead, relWrite, relPartner, relRevoked, relVendor, relOther}

// caller is one identity the matrix asks as: a user (session cookie) or an API key
// of one role in an organization of one relation, or nobody.
type caller struct {
	rel     relation
	role    partners.Role
	key     bool
	bearer  string
	session string
}

func (c caller) String() string {
	if c.rel == relAnon {
		return "anonymous"
	}
	if c.key {
		return fmt.Sprintf("%s %s key", c.rel, c.role)
	}
	return fmt.Sprintf("%s %s user", c.rel, c.role)
}

// vendorManager: the vendor's admins and managers, who see the network's users
// and jobs (DESIGN §3).
func (c caller) vendorManager() bool { return c.rel == relVendor && c.role.AtLeast(partners.Manager) }

// missingID names no record in any network.
const missingID = 987654321

const csrfSeed = "matrix-csrf-seed-0123456789"

// world is the fixture network, built once: the owner organization's target
// records and a caller of every role and relation.
type world struct {
	base    *pgtest.Database
	callers []caller
	org     map[relation]int64
	target  map[web.Target]int64
	merge   int64 // another account of the owner's, for merges
	marker  map[web.Target]string
}

// buildWorld makes the fixture: network one with its vendor, the owner
// organization and five partners of it (the account shared for reading, for
// writing, an active partner without a share, a partner whose share ended when
// the partnership was revoked), network two with a stranger; in each organization
// a user (with a session) and an API key of every role. The owner's sales user
// owns the target account (with a contact) and a second account to merge; the
// owner's partnership with the plain partner, the owner organization, its sales
// user, an API key, a failed job and a finished import preview are the other
// targets.
func buildWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	ps := &partners.Service{DB: d.App}
	as := &accounts.Service{DB: d.App, Partners: ps}
	w := &world{base: d, org: map[relation]int64{}, target: map[web.Target]int64{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	network := func(slug string) partners.Actor {
		n, vendor, admin, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: slug, Name: slug, VendorName: "Matrix " + slug + " vendor",
			AdminEmail: "vendor-admin@" + slug + ".example", AdminName: "Vendor Admin", AdminPassword: pw})
		must(err)
		return partners.Actor{Network: n, Org: vendor, User: admin, Role: partners.Admin, VendorOrg: true, Email: "vendor-admin@" + slug + ".example"}
	}
	one, two := network("matrix-one"), network("matrix-two")
	w.org[relVendor] = one.Org
	names := map[relation]string{relOwn: "Matrix Owner Org", relRead: "Matrix Reader Org", relWrite: "Matrix Writer Org",
		relPartner: "Matrix Partner Org", relRevoked: "Matrix Revoked Org", relOther: "Matrix Stranger Org"}
	vendorOf := func(r relation) partners.Actor {
		if r == relOther {
			return two
		}
		return one
	}
	for _, r := range relations {
		if r == relVendor {
			continue
		}
		name, kind := names[r], "reseller"
		// Each organization has email domains of its own (a partner's admins invite
		// only addresses on them): the owner's is the domain of the invite sample,
		// so the owner's admins invite it and the others get a 422.
		domains := []string{string(r) + ".matrix.example"}
		if r == relOwn {
			domains = []string{"matrix.example"}
		}
		o, err := ps.CreateOrganization(ctx, vendorOf(r), partners.OrganizationInput{Name: &name, Kind: &kind, EmailDomains: &domains})
		must(err)
		w.org[r] = o.ID
	}
	// A user of every role in every organization, each with a session, and a key
	// of every role: written straight into the tables, in one transaction (through
	// the services, logins and audit entries took seconds).
	actors := map[relation]map[partners.Role]partners.Actor{}
	secret := func(prefix string, network int64) (string, []byte) {
		b := make([]byte, 32)
		rand.Read(b)
		token := fmt.Sprintf("%s%d_%s", prefix, network, base64.RawURLEncoding.EncodeToString(b))
		h := sha256.Sum256([]byte(token))
		return token, h[:]
	}
	tx, err := d.Owner.BeginTxx(ctx, nil)
	must(err)
	defer tx.Rollback()
	for _, r := range relations {
		actors[r] = map[partners.Role]partners.Actor{}
		v := vendorOf(r)
		for _, role := range partners.Roles {
			a := partners.Actor{Network: v.Network, Org: w.org[r], Role: role, VendorOrg: r == relVendor, Email: fmt.Sprintf("%s-%s@matrix.example", r, role)}
			if r == relVendor && role == partners.Admin {
				a = one
			} else {
				must(tx.GetContext(ctx, &a.User, `INSERT INTO users (network_id, org_id, email, name, role, status) VALUES ($1, $2, $3, $4, $5, 'active') RETURNING id`,
					a.Network, a.Org, a.Email, string(r)+" "+string(role), role))
			}
			actors[r][role] = a
			token, hash := secret("phs_", a.Network)
			_, err := tx.ExecContext(ctx, `INSERT INTO sessions (network_id, token_hash, user_id, org_id, expires_at) VALUES ($1, $2, $3, $4, now() + interval '1 day')`,
				a.Network, hash, a.User, a.Org)
			must(err)
			w.callers = append(w.callers, caller{rel: r, role: role, session: token})
		}
		for _, role := range partners.Roles {
			token, hash := secret("phk_", v.Network)
			_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (network_id, org_id, name, role, token_hash, prefix) VALUES ($1, $2, $3, $4, $5, $6)`,
				v.Network, w.org[r], fmt.Sprintf("%s %s", r, role), role, hash, token[:16])
			must(err)
			w.callers = append(w.callers, caller{rel: r, role: role, key: true, bearer: token})
		}
	}
	must(tx.Commit())
	w.callers = append(w.callers, caller{rel: relAnon})
	owner, ownerSales := actors[relOwn][partners.Admin], actors[relOwn][partners.Sales]
	partnerships := map[relation]int64{}
	for _, r := range []relation{relRead, relWrite, relPartner, relRevoked} {
		p, err := ps.InvitePartner(ctx, owner, w.org[r])
		must(err)
		_, err = ps.RespondPartnership(ctx, actors[r][partners.Admin], p.ID, true)
		must(err)
		partnerships[r] = p.ID
	}
	// The targets, all the owner organization's.
	w.marker = map[web.Target]string{
		web.TargetAccount: "Matrix Target Account", web.TargetContact: "Matrix Target Contact", web.TargetOrganization: names[relOwn],
		web.TargetUser: "own-sales@matrix.example", web.TargetInvite: "own-invited@matrix.example", web.TargetAPIKey: "matrix-target-key", web.TargetJob: "matrix.target",
		web.TargetProfile: "Matrix Target Profile", web.TargetInterchange: "matrix-target.edi", web.TargetWebhook: "https://matrix-target.example/hook",
	}
	name := w.marker[web.TargetAccount]
	acc, err := as.Create(ctx, ownerSales, accounts.Input{Name: &name, Domains: &[]string{"matrix-target.example"}})
	must(err)
	w.target[web.TargetAccount] = acc.ID
	// The activity timeline (issue 18): a task on the account, logged before the
	// shares so that its readers follow the account's through the core.
	w.marker[web.TargetActivity] = "Matrix Target Activity"
	task, err := (&activity.Service{DB: d.App}).Create(ctx, ownerSales, "account", acc.ID,
		activity.Input{Kind: ptr("task"), Subject: ptr(w.marker[web.TargetActivity])})
	must(err)
	w.target[web.TargetActivity], w.target[web.TargetTimeline] = task.ID, acc.ID
	w.marker[web.TargetMailbox] = "Matrix Target Mailbox"
	port := 1
	mb, err := (&imapsync.Service{DB: d.App, Secret: matrixSecret}).CreateMailbox(ctx, owner, imapsync.Input{Name: ptr(w.marker[web.TargetMailbox]),
		Host: ptr("127.0.0.1"), Port: &port, TLSMode: ptr("plain"), Username: ptr("matrix"), Password: ptr("matrix-password"), StartDate: ptr("2026-01-01")})
	must(err)
	w.target[web.TargetMailbox] = mb.ID
	for r, access := range map[relation]string{relRead: "read", relWrite: "write", relRevoked: "read"} {
		_, err := ps.ShareRecord(ctx, owner, "account", acc.ID, w.org[r], access)
		must(err)
	}
	_, err = ps.RevokePartnership(ctx, owner, partnerships[relRevoked])
	must(err)
	cname := w.marker[web.TargetContact]
	ct, err := as.CreateContact(ctx, ownerSales, accounts.ContactInput{Account: &acc.ID, Name: &cname})
	must(err)
	w.target[web.TargetContact] = ct.ID
	w.target[web.TargetContactTimeline] = ct.ID
	// The forums' targets: a Q&A space on the target account (seen by whoever
	// sees the account), a thread and an answer in it by the owner's sales user,
	// and a report on that answer by the reader organization.
	fs := &forums.Service{DB: d.App}
	space, err := fs.CreateSpace(ctx, ownerSales, forums.SpaceInput{Scope: "record", RecordType: "account", RecordID: acc.ID, Name: "Matrix Target Space", QA: true})
	must(err)
	thread, err := fs.CreateThread(ctx, ownerSales, space.ID, forums.ThreadInput{Title: "Matrix Target Thread", Body: "Matrix question?"})
	must(err)
	answer, err := fs.Reply(ctx, ownerSales, thread.Thread.ID, forums.PostInput{Body: "Matrix answer."})
	must(err)
	report, err := fs.ReportPost(ctx, actors[relRead][partners.Sales], answer.ID, "Matrix report")
	must(err)
	w.target[web.TargetSpace], w.target[web.TargetThread], w.target[web.TargetPost], w.target[web.TargetReport] = space.ID, thread.Thread.ID, answer.ID, report.ID
	w.marker[web.TargetSpace], w.marker[web.TargetThread] = "Matrix Target Space", "Matrix Target Thread"
	// Session 8: a file on the answer, seen as the answer is.
	file, err := fs.Attach(ctx, ownerSales, answer.ID, "matrix.txt", []byte("Matrix attachment"))
	must(err)
	w.target[web.TargetAttachment] = file.ID
	mname := "Matrix Merge Source"
	m, err := as.Create(ctx, ownerSales, accounts.Input{Name: &mname})
	must(err)
	w.merge = m.ID
	w.target[web.TargetPartnership] = partnerships[relPartner]
	w.target[web.TargetOrganization] = w.org[relOwn]
	w.target[web.TargetUser] = ownerSales.User
	invited, _, err := ps.Invite(ctx, one, partners.InviteInput{Email: w.marker[web.TargetInvite], Name: "Invited", Role: "viewer", Org: w.org[relOwn]})
	must(err)
	w.target[web.TargetInvite] = invited.ID
	k, _, err := ps.CreateAPIKey(ctx, owner, w.marker[web.TargetAPIKey], "viewer")
	must(err)
	w.target[web.TargetAPIKey] = k.ID
	var job, imp int64
	must(d.Owner.GetContext(ctx, &job, `INSERT INTO jobs (network_id, org_id, kind, state, last_error) VALUES ($1, $2, 'matrix.target', 'failed', 'boom') RETURNING id`,
		owner.Network, owner.Org))
	w.target[web.TargetJob] = job
	// A finished preview; imports have no policy for the owner role.
	must(d.App.Tx(ctx, ownerSales.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &imp, `INSERT INTO imports (network_id, org_id, user_id, kind, filename, dry_run, data, state, total, processed, result)
			VALUES ($1, $2, $3, 'accounts', 'matrix-target.csv', true, convert_to(E'name\nMatrix Imported\n', 'UTF8'), 'done', 1, 1, '{}') RETURNING id`,
			owner.Network, owner.Org, ownerSales.User)
	}))
	w.target[web.TargetImport] = imp
	// Deal registrations: the owner's sales user registers a deal on the target
	// account and submits it to the vendor.
	w.marker[web.TargetDealRegistration] = "Matrix Target Registration"
	ds := &deals.Service{DB: d.App, Partners: ps}
	reg, err := ds.Create(ctx, ownerSales, deals.Input{Account: &acc.ID, Title: ptr(w.marker[web.TargetDealRegistration]), Amount: ptr("1000.00"),
		Currency: ptr("USD"), ExpectedClose: ptr("2031-01-31")})
	must(err)
	_, err = ds.Submit(ctx, ownerSales, reg.ID)
	must(err)
	w.target[web.TargetDealRegistration] = reg.ID
	// A lead of the vendor's, offered to the owner organization.
	w.marker[web.TargetLead] = "Matrix Target Lead"
	ls := &leads.Service{DB: d.App, Partners: ps}
	lead, err := ls.Create(ctx, one, leads.Input{Company: ptr(w.marker[web.TargetLead])})
	must(err)
	_, err = ls.Offer(ctx, one, lead.ID, owner.Org)
	must(err)
	w.target[web.TargetLead] = lead.ID
	// A joint deal of the vendor's with the owner organization as its partner:
	// the vendor's sales user and the owner's sales user own it.
	w.marker[web.TargetJointDeal] = "Matrix Target Joint Deal"
	vacc, err := as.Create(ctx, one, accounts.Input{Name: ptr("Matrix Vendor Account")})
	must(err)
	jd, err := ds.CreateJoint(ctx, one, deals.JointInput{Account: &vacc.ID, Partner: &owner.Org, VendorOwner: ptr(actors[relVendor][partners.Sales].User),
		PartnerOwner: &ownerSales.User, Title: ptr(w.marker[web.TargetJointDeal]), Amount: ptr("5000.00"), Currency: ptr("USD"), ExpectedClose: ptr("2031-01-31")})
	must(err)
	w.target[web.TargetJointDeal] = jd.ID
	// The EDI exchange (issue 21): a trading-partner profile of the owner and an
	// 816 it received, processed and acknowledged.
	ex := interchange.New(d.App, as.ImportFamilies(), interchange.AccountMappings()...)
	prof, err := ex.CreateProfile(ctx, owner, interchange.ProfileInput{Name: w.marker[web.TargetProfile], Format: "X12", PartnerQualifier: "ZZ", PartnerID: "ACMEDIST",
		OwnQualifier: "ZZ", OwnID: "PARTNERHUB", Ack: "997"})
	must(err)
	w.target[web.TargetProfile] = prof.ID
	rec, err := ex.Receive(ctx, ownerSales, w.marker[web.TargetInterchange], []byte(matrix816))
	must(err)
	must(ex.Process(ctx, ownerSales, rec.Interchange.ID))
	w.target[web.TargetInterchange] = rec.Interchange.ID
	// An export of the owner's accounts on that profile (session 8).
	exp, _, err := ex.Export(ctx, ownerSales, interchange.ExportInput{Profile: prof.ID, Kind: "accounts"})
	must(err)
	w.target[web.TargetExport], w.marker[web.TargetExport] = exp.ID, exp.Filename
	hook, err := ex.CreateWebhook(ctx, owner, interchange.WebhookInput{URL: w.marker[web.TargetWebhook], Events: interchange.Events})
	must(err)
	w.target[web.TargetWebhook] = hook.ID
	// Joint promotions (issue 19): the owner's published promotion, to which
	// the writer organization is invited; the vendor's fund, the owner's
	// allocation of it and the owner's fund request.
	prs := &promotions.Service{DB: d.App, Partners: ps}
	w.marker[web.TargetPromotion] = "Matrix Target Promotion"
	promo, err := prs.Create(ctx, owner, promotions.Input{Title: ptr(w.marker[web.TargetPromotion]), StartsOn: ptr("2031-01-01"), EndsOn: ptr("2031-03-31")})
	must(err)
	_, err = prs.Move(ctx, owner, promo.ID, promotions.Published)
	must(err)
	_, err = prs.Invite(ctx, owner, promo.ID, promotions.Invitation{Orgs: []int64{w.org[relWrite]}})
	must(err)
	w.target[web.TargetPromotion] = promo.ID
	w.marker[web.TargetFund], w.marker[web.TargetAllocation], w.marker[web.TargetFundRequest] = "Matrix Target MDF", "Matrix Target MDF", "Matrix Target Fund Request"
	fund, err := prs.CreateFund(ctx, one, promotions.FundInput{Name: w.marker[web.TargetFund], PeriodStart: "2031-01-01", PeriodEnd: "2031-03-31", Currency: "USD", Total: "100000.00"})
	must(err)
	alloc, err := prs.Allocate(ctx, one, fund.ID, promotions.AllocationInput{Org: w.org[relOwn], Amount: "1000.00"})
	must(err)
	fr, err := prs.RequestFunds(ctx, owner, promotions.RequestInput{Allocation: alloc.ID, Amount: "100.00", Currency: "USD", Activity: w.marker[web.TargetFundRequest],
		PlannedStart: "2031-01-01", PlannedEnd: "2031-01-31"})
	must(err)
	_, err = prs.Decide(ctx, one, fr.ID, promotions.Decision{Approve: true, Amount: "80.00"})
	must(err)
	w.marker[web.TargetClaim] = "matrix-target-claim.png"
	cl, err := prs.Claim(ctx, owner, fr.ID, promotions.ClaimInput{Amount: "10.00", Currency: "USD", ProofName: w.marker[web.TargetClaim],
		ProofBase64: "iVBORw0KGgoAAAANSUhEUg=="})
	must(err)
	w.target[web.TargetFund], w.target[web.TargetAllocation], w.target[web.TargetFundRequest], w.target[web.TargetClaim] = fund.ID, alloc.ID, fr.ID, cl.ID
	// Session 8 activity (issue 18): a message the owner organization's mail
	// brought in, with an attachment whose text is the marker.
	w.marker[web.TargetMailMessage] = "Matrix Target Mail"
	raw := "Message-ID: <matrix-target@matrix.example>\r\nFrom: someone@matrix-target.example\r\nTo: own@matrix.example\r\n" +
		"Subject: Matrix Target Mail\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nHello.\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"note.txt\"\r\n\r\n" +
		w.marker[web.TargetMailMessage] + "\r\n--b--\r\n"
	_, err = (&imapsync.Service{DB: d.App}).Ingest(ctx, owner, [][]byte{[]byte(raw)})
	must(err)
	var mid int64
	must(d.Owner.GetContext(ctx, &mid, `SELECT id FROM mail_messages WHERE message_key = 'matrix-target@matrix.example'`))
	w.target[web.TargetMailMessage] = mid
	return w
}

// matrix816 is the target interchange: an 816 with one party and its contact.
const matrix816 = "ISA*00*          *00*          *ZZ*ACMEDIST       *ZZ*PARTNERHUB     *261120*0930*^*00501*000000101*1*P*:~\n" +
	"GS*OR*ACMEDIST*PARTNERHUB*20261120*0930*101*X*005010~\nST*816*0001~\nBHT*0001*00*ORG-20261120-01*20261120*0930~\n" +
	"N1*41*ACME DISTRIBUTION INC~\nHL*1**1~\nN1*DS*MATRIX EDI ACCOUNT*1*123456789~\nPER*IC*JANE ROE*EM*jane.roe@matrix-edi.example~\nSE*7*0001~\nGE*1*101~\nIEA*1*000000101~\n"

func ptr[T any](v T) *T { return &v }

// sees is the visibility rule of DESIGN §3 for the fixture's target of kind k:
// whether c's organization may see it at all. listing: in the list route of its
// kind, which shows the caller's own organization's users only.
func (w *world) sees(k web.Target, c caller, listing bool) bool {
	switch k {
	case web.TargetAccount, web.TargetContact:
		return c.rel == relOwn || c.rel == relRead || c.rel == relWrite
	case web.TargetSpace, web.TargetThread, web.TargetPost, web.TargetAttachment:
		// The forum space hangs on the target account.
		return c.rel == relOwn || c.rel == relRead || c.rel == relWrite
	case web.TargetReport:
		// The moderators' organization (the reporter's reads it, but no route
		// shows one report).
		return c.rel == relOwn
	case web.TargetPartnership:
		return c.rel == relOwn || c.rel == relPartner
	case web.TargetOrganization:
		return c.rel != relOther && c.rel != relAnon
	case web.TargetUser:
		return c.rel == relOwn || !listing && c.vendorManager()
	case web.TargetJob:
		return c.rel == relOwn || c.vendorManager()
	case web.TargetAPIKey, web.TargetImport, web.TargetMailbox, web.TargetProfile, web.TargetInterchange, web.TargetWebhook, web.TargetMailMessage, web.TargetExport:
		return c.rel == relOwn
	case web.TargetActivity, web.TargetTimeline, web.TargetContactTimeline:
		return c.rel == relOwn || c.rel == relRead || c.rel == relWrite
	case web.TargetInvite:
		// A pending invitation is managed by its organization and by the vendor.
		return c.rel == relOwn || c.rel == relVendor
	case web.TargetDealRegistration:
		// Submitted, it is shared with the vendor for writing.
		return c.rel == relOwn || c.rel == relVendor
	case web.TargetLead:
		// The vendor's, offered to the owner organization (shared by workflow).
		return c.rel == relOwn || c.rel == relVendor
	case web.TargetPromotion:
		// Published: the whole network reads at least its summary.
		return c.rel != relOther && c.rel != relAnon
	case web.TargetFund:
		return c.rel == relVendor
	case web.TargetAllocation, web.TargetFundRequest, web.TargetClaim:
		// The allocated partner's, and the vendor's managers'.
		return c.rel == relOwn || c.rel == relVendor
	case web.TargetJointDeal:
		// The vendor's, with the owner organization as its partner (shared by
		// workflow); no other partner sees it.
		return c.rel == relOwn || c.rel == relVendor
	}
	return true
}

// may says whether c, who sees the target, may do a to it beyond what its role
// allows: accounts and contacts are changed by the owner organization's managers
// and the sales user who owns them (the owner decides alone on archiving, sharing
// and merging) and by the managers of an organization they are shared with for
// writing; users are changed by their own organization's admins.
func (w *world) may(k web.Target, a web.Action, c caller) bool {
	switch k {
	case web.TargetAccount, web.TargetContact:
		owner := c.rel == relOwn && (c.role.AtLeast(partners.Manager) || c.role == partners.Sales && !c.key)
		if a == web.Owner {
			return owner
		}
		return owner || c.rel == relWrite && c.role.AtLeast(partners.Manager)
	case web.TargetUser:
		return c.rel == relOwn
	case web.TargetDealRegistration:
		// The partner's steps: its managers and the sales user who registered
		// it (a key owns nothing); the decisions: the vendor (whose role the
		// declaration checks).
		if a == web.Owner {
			return c.rel == relOwn && (c.role.AtLeast(partners.Manager) || c.role == partners.Sales && !c.key)
		}
		return c.rel == relVendor
	case web.TargetLead:
		// The offer is answered by the partner it is offered to; the status is
		// moved by the vendor or by that partner (sales and above, keys too).
		return c.rel == relOwn || a == web.Write && c.rel == relVendor
	case web.TargetJointDeal:
		// Changed by both sides' managers and by each side's owning sales user
		// (a key owns nothing); deleted by the vendor (whose managers the
		// declaration names).
		if a == web.Owner {
			return c.rel == relVendor
		}
		return (c.rel == relOwn || c.rel == relVendor) && (c.role.AtLeast(partners.Manager) || c.role == partners.Sales && !c.key)
	case web.TargetActivity, web.TargetTimeline, web.TargetContactTimeline:
		// Any sales user of the owner or of a writer logs and completes; only
		// the organization that logged an activity changes it (Owner).
		if a == web.Owner {
			return c.rel == relOwn
		}
		return c.rel == relOwn || c.rel == relWrite
	case web.TargetPromotion:
		// The owner changes and moves it; the invited (writer) organization
		// answers its invitation.
		if a == web.Owner {
			return c.rel == relOwn
		}
		return c.rel == relWrite
	case web.TargetFund, web.TargetFundRequest, web.TargetClaim:
		// The vendor decides; the owner claims against its own request (Owner).
		if a == web.Owner {
			return c.rel == relOwn
		}
		return c.rel == relVendor
	case web.TargetAllocation:
		return c.rel == relOwn
	case web.TargetSpace, web.TargetThread, web.TargetPost, web.TargetReport, web.TargetAttachment:
		// Moderation is the space owner's managers' and admins'; a post is
		// edited (and the question's answer accepted) by the owner's sales user
		// who wrote both.
		if a == web.Owner {
			return c.rel == relOwn && c.role.AtLeast(partners.Manager)
		}
		return c.rel == relOwn && c.role == partners.Sales && !c.key
	}
	return true
}

// outcome is the access answer a status gives.
type outcome string

const (
	signIn    outcome = "sign-in"
	forbidden outcome = "forbidden"
	notFound  outcome = "not found"
	allowed   outcome = "allowed"
	broken    outcome = "server error"
)

type reply struct {
	status   int
	body     string
	header   http.Header
	location string
}

func (r reply) outcome(method string) outcome {
	switch {
	case r.status >= 500:
		return broken
	case r.status == http.StatusUnauthorized:
		return signIn
	case method == "GET" && r.status == http.StatusSeeOther && strings.HasPrefix(r.location, "/login?next="):
		return signIn
	case r.status == http.StatusForbidden:
		return forbidden
	case r.status == http.StatusNotFound:
		return notFound
	}
	return allowed
}

// expectation is what the declaration and the visibility rule say c must get.
type expectation struct {
	want []outcome
	// invisible: c may not see the target, so its answer must be the one for a
	// record that does not exist (no existence oracle), and never a success.
	invisible bool
	// pass: c may do what the route does (the answer may still be a conflict or
	// an invalid input).
	pass bool
}

func (w *world) expect(d web.Declared, api bool, method string, c caller, consumed bool) expectation {
	switch {
	case d.Action == web.Public:
		return expectation{want: []outcome{signIn, forbidden, notFound, allowed}}
	case c.rel == relAnon && (api || method == "GET"):
		return expectation{want: []outcome{signIn}}
	case c.rel == relAnon:
		// A portal form without the CSRF cookie is refused before anything else.
		return expectation{want: []outcome{signIn, forbidden}}
	case !c.role.AtLeast(d.Role), d.Vendor && c.rel != relVendor, d.Partner && c.rel == relVendor:
		return expectation{want: []outcome{forbidden}}
	case d.UsersOnly && c.key:
		return expectation{want: []outcome{forbidden, notFound}}
	}
	if d.Target == web.NoTarget || d.Action == web.Explain {
		return expectation{want: []outcome{allowed}, pass: true}
	}
	if !w.sees(d.Target, c, false) {
		if method == "GET" {
			return expectation{want: []outcome{notFound}, invisible: true}
		}
		// A write may refuse the request before it looks the record up (a body
		// naming the record, a field that is wrong for this caller): any refusal
		// will do, as long as it is the one a missing record gets.
		return expectation{want: []outcome{notFound, allowed}, invisible: true}
	}
	if (d.Action == web.Write || d.Action == web.Owner) && !w.may(d.Target, d.Action, c) {
		return expectation{want: []outcome{forbidden, notFound}}
	}
	if d.Consumes && consumed {
		return expectation{want: []outcome{allowed, notFound}, pass: true}
	}
	return expectation{want: []outcome{allowed}, pass: true}
}

// samples are valid bodies for the write routes ({id} is the target, {partner}
// the partner organization, {merge} the owner's other account, {vendor} the
// vendor). Without one a route gets an empty body, which still shows whether the
// access check let the caller through.
var samples = map[string]string{
	"POST /api/v1/organizations":           `{"name":"Matrix New Org","kind":"reseller"}`,
	"PATCH /api/v1/organizations/:id":      `{"region":"EMEA"}`,
	"POST /api/v1/users":                   `{"email":"matrix-new@matrix.example","name":"New","role":"viewer"}`,
	"PATCH /api/v1/users/:id":              `{"role":"sales"}`,
	"POST /api/v1/api-keys":                `{"name":"matrix new key","role":"viewer"}`,
	"POST /api/v1/notifications/read":      `{"ids":[]}`,
	"POST /api/v1/accounts":                `{"name":"Matrix Created"}`,
	"PATCH /api/v1/accounts/:id":           `{"industry":"Matrix"}`,
	"POST /api/v1/accounts/:id/merge":      `{"merged_id":{merge}}`,
	"POST /api/v1/accounts/:id/shares":     `{"org_id":{partner},"access":"read"}`,
	"POST /api/v1/contacts":                `{"account_id":{id},"name":"Matrix New Contact"}`,
	"PATCH /api/v1/contacts/:id":           `{"title":"CTO"}`,
	"POST /api/v1/partnerships":            `{"org_id":{vendor}}`,
	"POST /api/v1/partnerships/:id/policy": `{"level":"counts"}`,
	"POST /api/v1/imports":                 "name\nMatrix Imported\n",
	"POST /login":                          "email=nobody%40matrix.example&password=wrong",
	"POST /settings/locale":                "locale=en",
	"POST /settings/time-zone":             "time_zone=America/Sao_Paulo",
	"POST /password/forgot":                "email=nobody%40matrix.example",
	"POST /login/code":                     "code=123456",
	"POST /settings/two-factor/confirm":    "code=000000",
	"POST /settings/two-factor/disable":    "current_password=wrong",
	"POST /settings/two-factor/require":    "require=on",
	"POST /login/setup":                    "code=123456",
	"POST /password/reset/:token":          "password=tangerine+oboe+sunrise",
	"POST /organizations":                  "name=Matrix+Portal+Org&kind=reseller",
	"POST /organizations/:id":              "region=EMEA",
	"POST /organizations/:id/users":        "email=matrix-first%40matrix.example&name=First&role=admin",
	"POST /users":                          "email=matrix-portal%40matrix.example&name=Portal&role=viewer",
	"POST /users/:id":                      "role=sales",
	"POST /api-keys":                       "name=matrix+portal+key&role=viewer",
	"POST /accounts":                       "name=Matrix+Portal+Account",
	"POST /accounts/:id":                   "industry=Matrix",
	"POST /accounts/:id/merge":             "merged_id={merge}",
	"POST /accounts/:id/contacts":          "name=Matrix+Portal+Contact",
	"POST /contacts/:id":                   "title=CTO",
	"POST /accounts/:id/shares":            "org_id={partner}&access=read",
	"POST /partners":                       "org_id={vendor}",
	"POST /partners/:id/policy":            "level=counts",
	"POST /imports/:id/columns":            "col_0=name",

	// Deal registrations.
	"PATCH /api/v1/deal-settings":                   `{"reminder_days":10}`,
	"POST /api/v1/deal-registrations":               `{"account_id":{account},"title":"Matrix Created Registration","amount":"10.00","currency":"USD","expected_close":"2031-01-31"}`,
	"PATCH /api/v1/deal-registrations/:id":          `{"notes":"matrix"}`,
	"POST /api/v1/deal-registrations/:id/extension": `{"days":10,"note":"matrix"}`,
	"POST /api/v1/deal-registrations/:id/reject":    `{"reason":"matrix"}`,

	// Leads.
	"POST /api/v1/leads":             `{"company":"Matrix New Lead"}`,
	"POST /api/v1/leads/:id/offer":   `{"org_id":{partner}}`,
	"POST /api/v1/leads/:id/decline": `{"reason":"matrix"}`,
	"POST /api/v1/leads/:id/status":  `{"status":"working"}`,
	// The activity timeline and mailboxes (issue 18).
	"POST /api/v1/activities":              `{"record_type":"account","record_id":{id},"kind":"note","body":"Matrix note"}`,
	"PATCH /api/v1/activities/:id":         `{"body":"Matrix changed"}`,
	"POST /api/v1/activities/:id/complete": `{"done":true}`,
	"POST /api/v1/mailboxes":               `{"name":"Matrix New Mailbox","host":"127.0.0.1","port":1,"tls_mode":"plain","username":"u","password":"p","start_date":"2026-01-01"}`,
	"PATCH /api/v1/mailboxes/:id":          `{"name":"Matrix Renamed Mailbox"}`,
	"POST /accounts/:id/activities":        "kind=note&body=Matrix+portal+note",
	"POST /contacts/:id/activities":        "kind=call&subject=Matrix+portal+call",
	// The EDI exchange (issue 21).
	"POST /api/v1/exchange/profiles":     `{"name":"Matrix New Profile","format":"X12","partner_qualifier":"ZZ","partner_id":"MATRIXNEW","own_qualifier":"ZZ","own_id":"MATRIXHUB","ack":"997"}`,
	"POST /api/v1/exchange/interchanges": matrix816,
	"POST /api/v1/exchange/webhooks":     `{"url":"https://matrix-new.example/hook","events":["interchange.processed"]}`,
	// The Exchange pages (exchange_pages.go, issue 21).
	"POST /exchange/profiles":     "name=Matrix+Portal+Profile&format=X12&partner_qualifier=ZZ&partner_id=MATRIXPORTAL&own_qualifier=ZZ&own_id=MATRIXHUB&ack=997&ta1_duplicates=false",
	"POST /exchange/profiles/:id": "name=Matrix+Renamed+Profile&format=X12&partner_qualifier=ZZ&partner_id=ACMEDIST&own_qualifier=ZZ&own_id=PARTNERHUB&ack=997&ta1_duplicates=false",
	"POST /exchange/webhooks":     "url=https%3A%2F%2Fmatrix-portal.example%2Fhook&events=interchange.processed",
	// Forums (forums.go).
	"POST /api/v1/forums/spaces":               `{"scope":"private","name":"Matrix Private Space"}`,
	"POST /api/v1/forums/reports/:id/resolve":  `{"action":"dismiss"}`,
	"POST /api/v1/forums/spaces/:id/follow":    `{"following":true}`,
	"POST /api/v1/forums/spaces/:id/members":   `{"members":[1]}`,
	"POST /api/v1/forums/spaces/:id/threads":   `{"title":"Matrix New Thread","body":"Hello **partners**"}`,
	"POST /api/v1/forums/threads/:id/posts":    `{"body":"Matrix reply"}`,
	"POST /api/v1/forums/threads/:id/follow":   `{"following":true}`,
	"POST /api/v1/forums/threads/:id/moderate": `{"pinned":true}`,
	"PATCH /api/v1/forums/posts/:id":           `{"body":"Matrix edited answer."}`,
	"POST /api/v1/forums/posts/:id/hide":       `{"reason":"Matrix spam"}`,
	"POST /api/v1/forums/posts/:id/report":     `{"reason":"Matrix report"}`,
	// Forums' portal pages (forum_pages.go).
	"POST /forums/spaces/:id/threads":   "title=Matrix+Portal+Thread&body=Hello+**partners**",
	"POST /forums/spaces/:id/follow":    "following=true",
	"POST /forums/threads/:id/posts":    "body=Matrix+portal+reply",
	"POST /forums/threads/:id/follow":   "following=true",
	"POST /forums/threads/:id/moderate": "set=pin",
	"POST /forums/posts/:id/hide":       "reason=Matrix+portal+spam",
	"POST /forums/posts/:id/report":     "reason=Matrix+portal+report",
	// Mailbox settings' portal pages (mailbox_pages.go).
	"POST /settings/mailboxes":     "name=Matrix+Portal+Mailbox&host=127.0.0.1&port=1&tls_mode=plain&username=u&password=p&start_date=2026-01-01",
	"POST /settings/mailboxes/:id": "name=Matrix+Portal+Renamed",
	// Portal: deal registrations and leads (issue 17).
	"POST /deals":               "account_id={account}&title=Matrix+Portal+Registration&amount=10.00&currency=USD&expected_close=2031-01-31",
	"POST /deals/:id":           "notes=matrix",
	"POST /deals/:id/extension": "days=10&note=matrix",
	"POST /deals/:id/reject":    "reason=matrix",
	"POST /leads":               "company=Matrix+Portal+Lead",
	"POST /leads/:id/offer":     "org_id={partner}",
	"POST /leads/:id/decline":   "reason=matrix",
	"POST /leads/:id/status":    "status=working",
	// Joint promotions and funds (issue 19, promotions.go).
	"POST /api/v1/promotions":                   `{"title":"Matrix New Promotion","starts_on":"2031-01-01","ends_on":"2031-02-01"}`,
	"PATCH /api/v1/promotions/:id":              `{"offer":"Matrix offer"}`,
	"POST /api/v1/promotions/:id/invitations":   `{"org_ids":[{partner}]}`,
	"POST /api/v1/mdf-funds":                    `{"name":"Matrix New Fund","period_start":"2031-01-01","period_end":"2031-03-31","currency":"USD","total":"100.00"}`,
	"POST /api/v1/mdf-funds/:id/allocations":    `{"org_id":{partner},"amount":"10.00"}`,
	"POST /api/v1/mdf-allocations/:id/requests": `{"amount":"1.00","currency":"USD","activity":"Matrix new request","planned_start":"2031-01-01","planned_end":"2031-01-02"}`,
	"POST /api/v1/fund-requests/:id/approve":    `{"amount":"50.00"}`,
	"POST /api/v1/fund-requests/:id/reject":     `{"note":"Matrix no"}`,
	"POST /api/v1/fund-requests/:id/claims":     `{"amount":"1.00","currency":"USD","proof_name":"matrix.png","proof_base64":"iVBORw0KGgoAAAANSUhEUg=="}`,
	"POST /api/v1/fund-claims/:id/reject":       `{"note":"Matrix no"}`,
	// Promotions' public lead form (leadform.go).
	"POST /lead-forms/:token": "company=Matrix+Lead&contact_name=Ana&email=ana%40matrix.example&consent=yes",
	// Promotions' portal pages (promotion_pages.go).
	"POST /promotions": "title=Matrix+Portal+Promotion&starts_on=2031-01-01&ends_on=2031-02-01",
	// Joint deals (issue 17, joint_deals.go): the vendor's account is not the
	// target account, so a create is refused on its account_id (a 422).
	"POST /api/v1/deals":           `{"account_id":{account},"partner_org_id":{partner},"title":"Matrix Created Joint Deal","amount":"10.00","currency":"USD","expected_close":"2031-01-31"}`,
	"PATCH /api/v1/deals/:id":      `{"next_step":"Matrix next step"}`,
	"POST /api/v1/deals/:id/stage": `{"stage":"develop"}`,
	"POST /joint-deals":            "account_id={account}&partner_org_id={partner}&title=Matrix+Portal+Joint&amount=10.00&currency=USD&expected_close=2031-01-31",
	"POST /joint-deals/:id":        "next_step=matrix",
	"POST /joint-deals/:id/stage":  "stage=propose",
	"POST /joint-deals/:id/lost":   "reason=matrix",
	// Lead routing rules: a region no matrix lead has.
	"POST /api/v1/lead-routing-rules": `{"rules":[{"region":"Matrix Nowhere","tier":"gold","capacity":5}]}`,
	// The forums, session 8 (forum_files.go, forum_more_pages.go). An
	// attachment's API body is the file itself (named by ?filename=, else
	// attachment.txt); the portal form without a file is refused as invalid.
	"POST /api/v1/forums/mail-settings":             `{"mode":"digest"}`,
	"PATCH /api/v1/forums/spaces/:id":               `{"name":"Matrix Renamed Space"}`,
	"POST /api/v1/forums/spaces/:id/members/remove": `{"user_id":1}`,
	"POST /api/v1/forums/posts/:id/attachments":     "Matrix attached text",
	"POST /forums/settings":                         "mode=digest",
	"POST /forums/unsubscribe/:token":               "confirm=1",
	"POST /forums/new-space":                        "scope=record&record_type=account&record_id={account}&name=Matrix+Portal+Space",
	"POST /forums/spaces/:id/edit":                  "name=Matrix+Portal+Renamed",
	"POST /forums/spaces/:id/members":               "members=1",
	"POST /forums/spaces/:id/remove-member":         "user_id=1",
	"POST /forums/posts/:id/attachments":            "file=none",
	// The outbound exchange (exchange_exports.go, session 8).
	"POST /api/v1/exchange/exports":      `{"profile_id":{id},"kind":"accounts"}`,
	"POST /exchange/profiles/:id/export": "kind=accounts",
}

// request is what the matrix sends to the route key about the record id.
type request struct {
	method, path, ctype, body string
}

func (w *world) request(key string, d web.Declared, id int64) request {
	method, pattern, _ := strings.Cut(key, " ")
	r := request{method: method}
	r.path = strings.NewReplacer(":id", strconv.FormatInt(id, 10), ":org_id", strconv.FormatInt(w.org[relRead], 10),
		":token", "phi_1_matrixmatrixmatrixmatrixmatrix", ":code", "en", "*", "app.css").Replace(pattern)
	if d.Action == web.Explain {
		r.path += "?record=account:" + strconv.FormatInt(id, 10)
	}
	r.body = strings.NewReplacer("{id}", strconv.FormatInt(id, 10), "{partner}", strconv.FormatInt(w.org[relPartner], 10),
		"{merge}", strconv.FormatInt(w.merge, 10), "{vendor}", strconv.FormatInt(w.org[relVendor], 10),
		"{account}", strconv.FormatInt(w.target[web.TargetAccount], 10)).Replace(samples[key])
	switch {
	case r.body == "":
	case key == "POST /api/v1/imports":
		r.ctype = "text/csv"
		r.path += "?dry_run=true"
	case strings.HasPrefix(pattern, "/api/"):
		r.ctype = "application/json"
	default:
		r.ctype = "application/x-www-form-urlencoded"
	}
	return r
}

// send makes one request as c through the production app constructor. It may run
// on any goroutine: a failure to send is an error of t, not a stop.
func send(t *testing.T, srv *web.Server, c caller, r request, headers ...string) reply {
	requests <- struct{}{}
	defer func() { <-requests }()
	req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.session != "" {
		req.AddCookie(&http.Cookie{Name: "ph_session", Value: c.session})
		req.AddCookie(&http.Cookie{Name: "ph_csrf", Value: csrfSeed})
		req.Header.Set("X-CSRF-Token", srv.CSRFToken(csrfSeed, c.session))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.App.Test(req, -1)
	if err != nil {
		t.Errorf("%s %s: %v", r.method, r.path, err)
		return reply{status: 599}
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return reply{status: resp.StatusCode, body: string(b), header: resp.Header, location: resp.Header.Get("Location")}
}

// requests bounds the matrix's concurrent requests.
var requests = make(chan struct{}, 12)

// matrixSecret is the servers' SECRET_KEY (the mailboxes' passwords are sealed under it).
var matrixSecret = []byte("0123456789abcdef0123456789abcdef")

func matrixServer(d *pgtest.Database) *web.Server {
	// The matrix holds a database per consuming route at once: few idle
	// connections each keep them all under the server's max_connections.
	d.App.SetMaxIdleConns(2)
	return web.New(web.Config{Secret: matrixSecret, Dev: true, BaseURL: "http://hub.test",
		RateLimit: 1 << 30, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, d.App)
}

// TestRouteAccessMatrix proves access from the route declarations
// (routes_access.go): every registered route, API and portal, is called as a user
// and as an API key of every role in organizations of every relation to the owner
// of its target record (own, shared for reading, shared for writing, partner
// without a share, revoked partner, the vendor, another network) and anonymously.
// The expected answer comes from the route's declared role and action and the
// record's visibility (world.sees, world.may); a record the caller may not see
// answers exactly as a record that does not exist, and a read of it is a 404. A
// registered route without a declaration fails.
//
// One fixture is built; reads run on one copy of it. Writes run on a second copy,
// every refused caller of every write route first, then each route's allowed
// callers in turn; a route that uses its target up (Consumes) gets a copy of its
// own. The subtests then check malformed input and Idempotency-Key replays.
func TestRouteAccessMatrix(t *testing.T) {
	w := buildWorld(t)
	readSrv := matrixServer(pgtest.Clone(t, w.base))
	writeSrv := matrixServer(pgtest.Clone(t, w.base))
	declared := readSrv.DeclaredRoutes()
	keys := registered(t, readSrv, declared)
	// Phase one, all at once: every read, and every caller a write must refuse.
	// The reads start while the copies for the writes are being made.
	runs := make([]*routeRun, len(keys))
	var wg sync.WaitGroup
	start := func(r *routeRun) {
		for i, c := range r.first {
			wg.Go(func() { r.results[i] = r.ask(c, false) })
		}
	}
	for i, key := range keys {
		if strings.HasPrefix(key, "GET ") {
			runs[i] = w.plan(t, readSrv, key, declared[key])
			start(runs[i])
		}
	}
	for i, key := range keys {
		if runs[i] != nil {
			continue
		}
		srv := writeSrv
		if declared[key].Consumes {
			// A copy serves one route: a small pool keeps the copies together
			// under the test server's max_connections, however many such
			// routes the table grows.
			d := pgtest.Clone(t, w.base)
			d.App.SetMaxOpenConns(4)
			d.App.SetMaxIdleConns(4)
			srv = matrixServer(d)
		}
		runs[i] = w.plan(t, srv, key, declared[key])
		start(runs[i])
	}
	wg.Wait()
	// Allowed writers of routes about the same record take turns (two writes at
	// once on one account can deadlock, which is not what this test is about).
	turns := map[string][]*routeRun{}
	for i, r := range runs {
		turn := fmt.Sprint(i)
		if r.srv == writeSrv && r.d.Target != web.NoTarget {
			turn = string(r.d.Target)
		}
		if r.d.Target == web.TargetContact || r.d.Target == web.TargetActivity || r.d.Target == web.TargetTimeline ||
			r.d.Target == web.TargetContactTimeline {
			turn = string(web.TargetAccount)
		}
		turns[turn] = append(turns[turn], r)
	}
	for _, rs := range turns {
		wg.Go(func() {
			for _, r := range rs {
				consumed := false
				for _, c := range r.then {
					res := r.ask(c, consumed)
					consumed = consumed || res.got.outcome(r.method) == allowed && res.got.status < 400
					r.results = append(r.results, res)
				}
			}
		})
	}
	wg.Wait()
	asked := 0
	for _, r := range runs {
		asked += len(r.results)
	}
	t.Logf("matrix: %d routes, %d requests", len(runs), asked)
	for _, r := range runs {
		t.Run(r.key, func(t *testing.T) {
			for _, res := range r.results {
				w.check(t, r, res)
			}
		})
	}
	t.Run("malformed input", func(t *testing.T) { w.malformed(t, writeSrv, keys, declared) })
	t.Run("idempotency replay", func(t *testing.T) { w.replays(t, writeSrv, keys, declared) })
}

// registered returns the app's routes, failing for each one without a declaration
// and each declaration without a route.
func registered(t *testing.T, srv *web.Server, declared map[string]web.Declared) []string {
	t.Helper()
	seen := map[string]bool{}
	var keys []string
	for _, r := range srv.App.GetRoutes(true) {
		if r.Method == "HEAD" {
			continue // Fiber answers HEAD with the GET route
		}
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := declared[key]; !ok {
			t.Errorf("route %s has no access declaration: add it to routeAccess in internal/web/routes_access.go", key)
			continue
		}
		keys = append(keys, key)
	}
	for key := range declared {
		if !seen[key] {
			t.Errorf("routeAccess declares %s, which the app does not register", key)
		}
	}
	sort.Strings(keys)
	return keys
}

// routeRun is one route's part of the matrix: who asks in which order, and what
// each got.
type routeRun struct {
	w           *world
	t           *testing.T
	srv         *web.Server
	key, method string
	api         bool
	d           web.Declared
	id          int64
	first, then []caller
	results     []result
	mu          sync.Mutex
	misses      map[string]reply
}

type result struct {
	c    caller
	e    expectation
	got  reply
	miss reply // the same request about a record that does not exist
}

func (w *world) plan(t *testing.T, srv *web.Server, key string, d web.Declared) *routeRun {
	method, pattern, _ := strings.Cut(key, " ")
	r := &routeRun{w: w, t: t, srv: srv, key: key, method: method, api: strings.HasPrefix(pattern, "/api/"), d: d, id: w.target[d.Target],
		misses: map[string]reply{}}
	if d.Target == web.NoTarget {
		r.id = missingID
	}
	// Callers who must be refused go first: a write they wrongly got through
	// would otherwise hide among the allowed ones.
	for _, c := range w.callers {
		if method != "GET" && d.Action != web.Public && w.expect(d, r.api, method, c, false).pass {
			r.then = append(r.then, c)
		} else {
			r.first = append(r.first, c)
		}
	}
	r.results = make([]result, len(r.first))
	return r
}

func (r *routeRun) ask(c caller, consumed bool) result {
	res := result{c: c, e: r.w.expect(r.d, r.api, r.method, c, consumed)}
	res.got = send(r.t, r.srv, c, r.w.request(r.key, r.d, r.id))
	if res.e.invisible || r.d.Action == web.Explain && !r.w.sees(r.d.Target, c, false) && c.rel != relAnon {
		res.miss = r.missing(c)
	}
	return res
}

// missing is the answer to c's request about a record that exists nowhere. It
// depends on who asks only through the role, being a key and being the vendor,
// so callers alike share one request.
func (r *routeRun) missing(c caller) reply {
	k := fmt.Sprint(c.role, c.key, c.rel == relVendor)
	r.mu.Lock()
	got, ok := r.misses[k]
	r.mu.Unlock()
	if !ok {
		got = send(r.t, r.srv, c, r.w.request(r.key, r.d, missingID))
		r.mu.Lock()
		r.misses[k] = got
		r.mu.Unlock()
	}
	return got
}

func (w *world) check(t *testing.T, r *routeRun, res result) {
	t.Helper()
	c, e, got, miss := res.c, res.e, res.got, res.miss
	o := got.outcome(r.method)
	if o == broken {
		t.Errorf("as %s: status %d: %.300s", c, got.status, got.body)
		return
	}
	if !slices.Contains(e.want, o) {
		t.Errorf("as %s: %s (status %d), want %v: %.200s", c, o, got.status, e.want, got.body)
		return
	}
	if miss.status != 0 {
		if got.status != miss.status {
			t.Errorf("as %s: a record it may not see answers %d, one that does not exist %d: an existence oracle", c, got.status, miss.status)
		}
		if got.status < 400 && r.d.Action != web.Explain {
			t.Errorf("as %s: status %d for a record it may not see", c, got.status)
		}
	}
	if o != allowed || got.status != http.StatusOK {
		return
	}
	if r.d.Action == web.Explain {
		if can := strings.Contains(got.body, `"can_read":true`); can != w.sees(r.d.Target, c, false) {
			t.Errorf("as %s: explain says can_read=%v, the rule says %v", c, can, !can)
		}
		return
	}
	if r.d.Lists != "" {
		m := w.marker[r.d.Lists]
		if shown, want := strings.Contains(got.body, m), w.sees(r.d.Lists, c, true); shown != want {
			t.Errorf("as %s: shows %q: %v, want %v", c, m, shown, want)
		}
	}
}

// admin is the caller the input checks ask as: an admin key that the route's role
// and vendor rule let through (a user where keys are refused).
func (w *world) admin(d web.Declared, rel relation) caller {
	if d.Vendor {
		rel = relVendor
	}
	for _, c := range w.callers {
		if c.rel == rel && c.role == partners.Admin && c.key != d.UsersOnly {
			return c
		}
	}
	panic("no admin caller")
}

// malformed sends malformed ids, cursors, limits and bodies to every API route as
// a caller its role lets through, and malformed ids to every portal route: each is
// a 4xx naming the field (a problem document for the API), never a 500.
func (w *world) malformed(t *testing.T, srv *web.Server, keys []string, declared map[string]web.Declared) {
	type probe struct {
		name, field string
		r           request
	}
	for _, key := range keys {
		d := declared[key]
		if d.Action == web.Public {
			continue
		}
		_, pattern, _ := strings.Cut(key, " ")
		api := strings.HasPrefix(pattern, "/api/")
		good := w.request(key, d, w.target[d.Target])
		var probes []probe
		for _, bad := range []string{"abc", "0", "-3", "1e3", "99999999999999999999"} {
			for _, param := range []string{":id", ":org_id"} {
				if !strings.Contains(pattern, param) {
					continue
				}
				r := good
				r.path = strings.Replace(w.request(strings.Replace(key, param, "BAD", 1), d, w.target[d.Target]).path, "BAD", url.PathEscape(bad), 1)
				probes = append(probes, probe{"id " + bad, strings.TrimPrefix(param, ":"), r})
			}
		}
		if api && d.Paged {
			for _, q := range []struct{ field, value string }{{"cursor", "not-a-cursor!"}, {"cursor", "djE6LTE"}, {"limit", "0"}, {"limit", "abc"}, {"limit", "201"}} {
				r := good
				sep := "?"
				if strings.Contains(r.path, "?") {
					sep = "&"
				}
				r.path += sep + q.field + "=" + url.QueryEscape(q.value)
				probes = append(probes, probe{q.field + " " + q.value, q.field, r})
			}
		}
		if api && d.Request != "" {
			for _, b := range []struct{ body, field string }{{`{`, "body"}, {`{"matrix_unknown":1}`, "matrix_unknown"}, {`[1]`, "body"}, {`"text"`, "body"}, {`{} {}`, "body"}} {
				r := good
				r.body, r.ctype = b.body, "application/json"
				probes = append(probes, probe{"body " + b.body, b.field, r})
			}
			r := good
			r.body, r.ctype = "a=b", "text/plain"
			probes = append(probes, probe{"text/plain body", "-", r})
		}
		c := w.admin(d, relOwn)
		for _, p := range probes {
			got := send(t, srv, c, p.r)
			if got.status < 400 || got.status >= 500 {
				t.Errorf("%s with %s (%s): status %d, want a 4xx: %.200s", key, p.name, p.r.path, got.status, got.body)
				continue
			}
			if !api || p.field == "-" {
				continue
			}
			var problem struct {
				Status int    `json:"status"`
				Field  string `json:"field"`
			}
			if err := json.Unmarshal([]byte(got.body), &problem); err != nil || problem.Status != got.status || !strings.HasPrefix(got.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s with %s: not a problem document: %.200s", key, p.name, got.body)
				continue
			}
			if problem.Field != p.field {
				t.Errorf("%s with %s: problem names field %q, want %q: %.200s", key, p.name, problem.Field, p.field, got.body)
			}
		}
	}
}

// replays sends every API write with an Idempotency-Key as an admin key of the
// owner organization (the vendor's for vendor routes), then the same request with
// the same key as the same key (a POST must replay), as another organization's
// admin key, and as other actors of the same organization (its viewer key, its
// admin user). Only the first actor's own retry may replay its response.
func (w *world) replays(t *testing.T, srv *web.Server, keys []string, declared map[string]web.Declared) {
	var otherOrg, sameOrg []string
	find := func(rel relation, role partners.Role, key bool) caller {
		for _, c := range w.callers {
			if c.rel == rel && c.role == role && c.key == key {
				return c
			}
		}
		panic("no such caller")
	}
	for _, key := range keys {
		method, pattern, _ := strings.Cut(key, " ")
		if method == "GET" || !strings.HasPrefix(pattern, "/api/") {
			continue
		}
		d := declared[key]
		first := w.admin(d, relOwn)
		r := w.request(key, d, w.target[d.Target])
		ik := "matrix-replay " + key
		a := send(t, srv, first, r, "Idempotency-Key", ik)
		if a.status >= 500 {
			t.Errorf("%s: status %d: %.200s", key, a.status, a.body)
			continue
		}
		if a.status >= 300 {
			// Refusals are not kept (idempotent stores what the handler sent, not
			// an error it returned): nothing to replay.
			continue
		}
		if method == "POST" {
			again := send(t, srv, first, r, "Idempotency-Key", ik)
			if again.header.Get("Idempotent-Replayed") != "true" || again.status != a.status || withoutSecrets(again.body) != withoutSecrets(a.body) || withoutSecrets(again.body) != canonical(again.body) {
				t.Errorf("%s: the same key's retry was not replayed: %d %.200s, first %d %.200s", key, again.status, again.body, a.status, a.body)
			}
		}
		leaked := func(c caller) bool {
			got := send(t, srv, c, r, "Idempotency-Key", ik)
			return got.header.Get("Idempotent-Replayed") == "true" && withoutSecrets(got.body) == withoutSecrets(a.body)
		}
		other := relRead
		if first.rel == relRead {
			other = relOwn
		}
		if c := find(other, partners.Admin, true); leaked(c) {
			otherOrg = append(otherOrg, fmt.Sprintf("%s: %s got %s's response", key, c, first))
		}
		for _, c := range []caller{find(first.rel, partners.Viewer, true), find(first.rel, partners.Admin, false)} {
			// A route for people only asks as the admin user first: its own
			// retry is no other actor.
			if c == first {
				continue
			}
			if leaked(c) {
				sameOrg = append(sameOrg, fmt.Sprintf("%s: %s got %s's response", key, c, first))
			}
		}
	}
	t.Run("another organization", func(t *testing.T) {
		for _, l := range otherOrg {
			t.Error(l)
		}
	})
	t.Run("another actor of the same organization", func(t *testing.T) {
		// Finding 25.2: a key belongs to the actor that sent it.
		for _, l := range sameOrg {
			t.Error(l)
		}
	})
}

// canonical is a JSON reply re-encoded with its members in order.
func canonical(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return body
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// withoutSecrets is a JSON reply without the members that carry a secret (an
// API key's secret, an invite link), which a replay never repeats; other text
// comes back as it is.
func withoutSecrets(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return body
	}
	delete(m, "secret")
	delete(m, "invite_url")
	b, _ := json.Marshal(m)
	return string(b)
}
