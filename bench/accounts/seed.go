package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/partners"
)

// shape is the network to seed, derived only from the flags so that a kept cluster
// can be reused when the flags have not changed (seed.json records them).
type shape struct {
	Accounts int     `json:"accounts"`
	Orgs     int     `json:"orgs"`
	Shares   int     `json:"shares"`
	Big      int     `json:"big"`
	Overlap  float64 `json:"overlap"`
	Seed     uint64  `json:"seed"`
}

// world is what the measurements need to know about the seeded network.
type world struct {
	shape
	Network     int64
	Orgs        []int64    // bench organizations by index (0 and 1 are the mapping pair)
	Users       [][3]int64 // admin, manager, sales of each organization
	Partnership int64      // the active partnership between Orgs[0] and Orgs[1]
	SeedTime    time.Duration
}

// orgStart gives the first account id (ids start at 1) of each organization index,
// with a final sentinel. Accounts are laid out in blocks per organization so that
// the owner of an id is a binary search, not a million-entry table. The two mapping
// organizations get Big accounts each; the others share the rest evenly.
func (s shape) orgStart() []int64 {
	start := make([]int64, s.Orgs+1)
	rest := s.Accounts - 2*s.Big
	small := s.Orgs - 2
	next := int64(1)
	for i := 0; i < s.Orgs; i++ {
		start[i] = next
		n := s.Big
		if i >= 2 {
			n = rest / small
			if i-2 < rest%small {
				n++
			}
		}
		next += int64(n)
	}
	start[s.Orgs] = next
	return start
}

func (s shape) validate() error {
	if s.Orgs < 12 {
		return fmt.Errorf("-orgs must be at least 12 (each organization partners with its 10 neighbours)")
	}
	if s.Accounts < 2*s.Big+(s.Orgs-2) {
		return fmt.Errorf("-accounts %d leaves nothing for the other organizations after 2 × -big %d", s.Accounts, s.Big)
	}
	if s.Overlap < 0 || s.Overlap > 1 {
		return fmt.Errorf("-overlap must be between 0 and 1")
	}
	return nil
}

// Partners of an organization index: its five neighbours on each side of a ring, so
// that every organization has ten active partnerships (5 × orgs in all) and record
// shares always run along an active partnership, as ShareRecord requires.
var partnerOffsets = []int{1, 2, 3, 4, 5}

// Company names are built from word lists so that trigram search and LIKE behave as
// on real names: a word of the lists matches a few percent of the accounts, not all
// or none of them. A company index always gives the same name and domain, so two
// organizations holding the same company share its matching key.
var (
	nameFirst = strings.Fields(`Blue Red Green North South East West Silver Golden Iron Bright Clear Rapid Prime Grand
		Royal Urban Coastal Summit Pioneer Atlas Vertex Nova Apex Harbor River Lake Forest Mountain Valley Sun Star Moon
		Ocean Delta Alpha Omega Cedar Maple Oak Pine Stone Crystal Quantum Fusion Vector Orbit Matrix Zenith Horizon
		Liberty Unity Eagle Falcon Lion Tiger Wolf Bear Fox Hawk`)
	nameSecond = strings.Fields(`Bridge Point Field Gate Way Path Line Works Wave Light Stream Peak Ridge Bay Port Rock
		Wind Fire Water Land Hill Park Crest Rise Edge Core Link Net Hub Base Cloud Data Logic Mind Spark Flow Grid Tech
		Soft Ware Cast Craft Forge Mill Yard Dock Farm Garden Market Trade Cargo Fleet Motion Pulse Signal Sense Scope
		Vision Sight Quest`)
	nameKind = strings.Fields(`Logistics Foods Systems Software Health Energy Capital Retail Motors Pharma Textiles Agro
		Telecom Media Construction Mining Insurance Consulting Chemicals Electronics`)
	nameSuffix = strings.Fields(`Ltda Inc SA GmbH LLC Group Holdings Partners Co Brasil International Labs Industries
		Solutions Services Global`)
	tlds       = []string{".com", ".com.br", ".io", ".net", ".co.uk", ".de"}
	industries = strings.Fields(`software manufacturing retail healthcare finance logistics energy agriculture education media telecom construction`)
	regions    = []string{"LATAM", "NA", "EMEA", "APAC"}
	countries  = map[string][]string{"LATAM": {"BR", "MX", "AR", "CL"}, "NA": {"US", "CA"}, "EMEA": {"DE", "GB", "FR", "PT"}, "APAC": {"JP", "AU", "IN", "SG"}}
	cities     = strings.Fields(`Recife Campinas Curitiba Austin Denver Toronto Lisbon Porto Munich Lyon Osaka Perth Pune Santiago`)
	tagWords   = strings.Fields(`strategic renewal upsell churn-risk partner-led enterprise smb public-sector`)
)

// company is one customer company of the world, as every organization records it.
type company struct {
	name, domain, industry, size, region, city, country string
	tags                                                []string
	updated                                             time.Time
}

func mix(x uint64) uint64 { // splitmix64: a cheap, well-spread hash of the index
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func companyOf(c int) company {
	combos := len(nameFirst) * len(nameSecond) * len(nameKind)
	// A stride coprime with combos scatters consecutive indices over the alphabet,
	// so an organization's accounts are not clustered by name.
	k := (c*7919 + 13) % combos
	block := c / combos
	f, s, kd := nameFirst[k%len(nameFirst)], nameSecond[(k/len(nameFirst))%len(nameSecond)], nameKind[k/(len(nameFirst)*len(nameSecond))]
	h := mix(uint64(c))
	co := company{
		name:     f + " " + s + " " + kd + " " + nameSuffix[block%len(nameSuffix)],
		industry: industries[h%uint64(len(industries))],
		size:     []string{"1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"}[(h>>8)%6],
		region:   regions[(h>>12)%uint64(len(regions))],
		city:     cities[(h>>16)%uint64(len(cities))],
		updated:  epoch.Add(-time.Duration((h>>24)%(365*24*3600)) * time.Second),
	}
	cs := countries[co.region]
	co.country = cs[(h>>40)%uint64(len(cs))]
	dom := strings.ToLower(f + s + kd)
	if block > 0 {
		dom += strconv.Itoa(block)
	}
	co.domain = dom + tlds[(h>>44)%uint64(len(tlds))]
	co.tags = []string{}
	for i, t := range tagWords {
		if (h>>(48+uint(i)))&7 == 0 { // each tag on about one account in eight
			co.tags = append(co.tags, t)
		}
	}
	return co
}

// share is one planned record share.
type share struct {
	account        int64
	owner, grantee int // organization indices
	write          bool
}

// companies assigns a company index to every account id. The mapping pair gets
// exact overlap: organization 0 holds companies [0, Big) and organization 1 holds
// [Big·(1−Overlap), Big·(2−Overlap)), so they share round(Big·Overlap) keys. The
// other organizations draw distinct companies at random from a universe as large
// as the network, as independent partners' customer lists would.
func (s shape) companies(rng *rand.Rand, start []int64) []int32 {
	out := make([]int32, s.Accounts+1) // indexed by account id
	shift := s.Big - int(float64(s.Big)*s.Overlap+0.5)
	for i := 0; i < s.Orgs; i++ {
		n := int(start[i+1] - start[i])
		switch i {
		case 0:
			for k := 0; k < n; k++ {
				out[start[i]+int64(k)] = int32(k)
			}
		case 1:
			for k := 0; k < n; k++ {
				out[start[i]+int64(k)] = int32(shift + k)
			}
		default:
			seen := make(map[int32]bool, n)
			for k := 0; k < n; {
				c := int32(rng.IntN(s.Accounts))
				if !seen[c] {
					seen[c] = true
					out[start[i]+int64(k)] = c
					k++
				}
			}
		}
	}
	return out
}

// plannedShares picks Shares distinct (account, grantee) pairs: a uniformly random
// account, shared with one of its owner's partners, one in ten for writing.
func (s shape) plannedShares(rng *rand.Rand, start []int64) []share {
	owner := func(id int64) int { return sort.Search(s.Orgs, func(i int) bool { return start[i+1] > id }) }
	seen := make(map[int64]bool, s.Shares)
	out := make([]share, 0, s.Shares)
	for len(out) < s.Shares {
		id := 1 + rng.Int64N(int64(s.Accounts))
		o := owner(id)
		d := partnerOffsets[rng.IntN(len(partnerOffsets))]
		if rng.IntN(2) == 0 {
			d = -d
		}
		g := ((o+d)%s.Orgs + s.Orgs) % s.Orgs
		key := id*int64(s.Orgs) + int64(g)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, share{account: id, owner: o, grantee: g, write: rng.IntN(10) == 0})
	}
	return out
}

// seed loads the network. Organizations, users and partnerships go in with
// set-based INSERTs; accounts, their keys and the shares with COPY. COPY runs as the
// cluster's superuser: COPY FROM refuses tables whose row-level security applies to
// the copying role, and FORCE ROW LEVEL SECURITY makes it apply to the owner too.
// Rows are the same whoever writes them; the schema is left untouched.
func seed(ctx context.Context, sh shape, owner, super *sqlx.DB, logf func(string, ...any)) (*world, error) {
	t0 := time.Now()
	w := &world{shape: sh}
	var err error
	w.Network, _, _, err = partners.CreateNetwork(ctx, owner, partners.NetworkInput{
		Slug: "bench", Name: "Benchmark network", VendorName: "Bench Vendor",
		AdminEmail: "admin@vendor.example", AdminName: "Vendor Admin", AdminPassword: "bench-password-1",
	})
	if err != nil {
		return nil, err
	}
	if _, err := super.ExecContext(ctx, `
		INSERT INTO organizations (network_id, name, kind, tier, region)
		SELECT $1, format('Partner %s', lpad(g::text, 5, '0')),
		       (ARRAY['reseller','distributor','referral','technology','agency'])[1 + g % 5],
		       (ARRAY['registered','silver','gold','platinum'])[1 + g % 4],
		       (ARRAY['LATAM','NA','EMEA','APAC'])[1 + g % 4]
		  FROM generate_series(0, $2 - 1) g ORDER BY g`, w.Network, sh.Orgs); err != nil {
		return nil, fmt.Errorf("organizations: %w", err)
	}
	if _, err := super.ExecContext(ctx, `
		INSERT INTO users (network_id, org_id, email, name, role, status)
		SELECT $1, o.id, format('%s-%s@org%s.example', r.role, o.id, o.id), format('%s of %s', initcap(r.role), o.name), r.role, 'active'
		  FROM organizations o CROSS JOIN unnest(ARRAY['admin','manager','sales']) WITH ORDINALITY r(role, n)
		 WHERE o.network_id = $1 AND o.kind <> 'vendor' ORDER BY o.id, r.n`, w.Network); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if err := w.load(ctx, super); err != nil {
		return nil, err
	}
	var as, bs []int64
	for i := range w.Orgs {
		for _, d := range partnerOffsets {
			a, b := w.Orgs[i], w.Orgs[(i+d)%sh.Orgs]
			as, bs = append(as, min(a, b)), append(bs, max(a, b))
		}
	}
	if _, err := super.ExecContext(ctx, `
		INSERT INTO partnerships (network_id, org_a, org_b, invited_by, state)
		SELECT $1, a, b, a, 'active' FROM unnest($2::bigint[], $3::bigint[]) t(a, b)`,
		w.Network, pq.Int64Array(as), pq.Int64Array(bs)); err != nil {
		return nil, fmt.Errorf("partnerships: %w", err)
	}
	logf("network %d: %d organizations, %d users, %d partnerships", w.Network, len(w.Orgs), 3*len(w.Orgs), len(as))

	rng := rand.New(rand.NewPCG(sh.Seed, 1))
	start := sh.orgStart()
	comp := sh.companies(rng, start)
	shares := sh.plannedShares(rng, start)
	readers, writers := map[int64][]int64{}, map[int64][]int64{}
	for _, s := range shares {
		readers[s.account] = append(readers[s.account], w.Orgs[s.grantee])
		if s.write {
			writers[s.account] = append(writers[s.account], w.Orgs[s.grantee])
		}
	}
	orgOf := func(id int64) int { return sort.Search(sh.Orgs, func(i int) bool { return start[i+1] > id }) }

	// The arrays are written with the accounts, from the same share plan the shares
	// rows come from, instead of an UPDATE afterwards that would leave 180,000 dead
	// tuples behind; the check after loading proves they agree with the rows.
	t := time.Now()
	err = copyRows(ctx, super, `COPY accounts (id, network_id, owner_org_id, owner_user_id, name, domains, industry, size, region, city, country, tags, reader_orgs, writer_orgs, created_at, updated_at) FROM STDIN`,
		sh.Accounts, func(i int, emit func(...any) error) error {
			id := int64(i + 1)
			o := orgOf(id)
			c := companyOf(int(comp[id]))
			r, wr := readers[id], writers[id]
			slices.Sort(r)
			slices.Sort(wr)
			return emit(id, w.Network, w.Orgs[o], w.Users[o][int(id%3)], c.name, pq.StringArray{c.domain}, c.industry, c.size,
				c.region, c.city, c.country, pq.StringArray(c.tags), int64Array(r), int64Array(wr), c.updated.Add(-30*24*time.Hour), c.updated)
		})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	logf("accounts: %d rows in %s", sh.Accounts, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	err = copyRows(ctx, super, `COPY account_keys (network_id, org_id, kind, value, account_id) FROM STDIN`,
		sh.Accounts, func(i int, emit func(...any) error) error {
			id := int64(i + 1)
			return emit(w.Network, w.Orgs[orgOf(id)], "domain", companyOf(int(comp[id])).domain, id)
		})
	if err != nil {
		return nil, fmt.Errorf("account keys: %w", err)
	}
	logf("account_keys: %d rows in %s", sh.Accounts, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	err = copyRows(ctx, super, `COPY shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason, created_by) FROM STDIN`,
		len(shares), func(i int, emit func(...any) error) error {
			s := shares[i]
			access := "read"
			if s.write {
				access = "write"
			}
			return emit(w.Network, "account", s.account, w.Orgs[s.owner], w.Orgs[s.grantee], access, "person", w.Users[s.owner][0])
		})
	if err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	logf("shares: %d rows in %s", len(shares), time.Since(t).Round(time.Millisecond))

	// Explicit ids bypassed the identity sequence; move it past them so that an
	// account created later (through the app) does not collide.
	if _, err := super.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT max(id) FROM accounts))`); err != nil {
		return nil, err
	}
	var bad int
	if err := super.GetContext(ctx, &bad, `
		SELECT count(*) FROM accounts a
		  LEFT JOIN (SELECT record_id, array_agg(grantee_org_id ORDER BY grantee_org_id) AS r,
		                    coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id) FILTER (WHERE access = 'write'), '{}') AS w
		               FROM shares WHERE network_id = $1 AND record_type = 'account' GROUP BY record_id) s ON s.record_id = a.id
		 WHERE a.network_id = $1 AND (a.reader_orgs <> coalesce(s.r, '{}') OR a.writer_orgs <> coalesce(s.w, '{}'))`, w.Network); err != nil {
		return nil, err
	}
	if bad != 0 {
		return nil, fmt.Errorf("%d accounts have reader/writer arrays out of step with their shares rows", bad)
	}
	// VACUUM sets the visibility map (index-only scans, as on a settled database)
	// and ANALYZE gives the planner the statistics it would have in production.
	t = time.Now()
	if _, err := super.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
		return nil, err
	}
	logf("vacuum analyze: %s", time.Since(t).Round(time.Millisecond))
	if err := w.lookupPartnership(ctx, super); err != nil {
		return nil, err
	}
	w.SeedTime = time.Since(t0)
	return w, nil
}

// int64Array writes an empty array as {} rather than NULL (the columns are NOT NULL).
func int64Array(v []int64) pq.Int64Array {
	if v == nil {
		return pq.Int64Array{}
	}
	return pq.Int64Array(v)
}

// load reads back the organization and user ids the INSERTs assigned, in the order
// of the organization indices (names and ids both follow the generate_series order).
func (w *world) load(ctx context.Context, x *sqlx.DB) error {
	if err := x.SelectContext(ctx, &w.Orgs, `SELECT id FROM organizations WHERE network_id = $1 AND kind <> 'vendor' ORDER BY id`, w.Network); err != nil {
		return err
	}
	if len(w.Orgs) != w.shape.Orgs {
		return fmt.Errorf("found %d organizations, want %d", len(w.Orgs), w.shape.Orgs)
	}
	idx := make(map[int64]int, len(w.Orgs))
	for i, o := range w.Orgs {
		idx[o] = i
	}
	var us []struct {
		Org  int64  `db:"org_id"`
		ID   int64  `db:"id"`
		Role string `db:"role"`
	}
	if err := x.SelectContext(ctx, &us, `SELECT org_id, id, role FROM users WHERE network_id = $1`, w.Network); err != nil {
		return err
	}
	w.Users = make([][3]int64, len(w.Orgs))
	for _, u := range us {
		i, ok := idx[u.Org]
		if !ok {
			continue
		}
		w.Users[i][map[string]int{"admin": 0, "manager": 1, "sales": 2}[u.Role]] = u.ID
	}
	return nil
}

func (w *world) lookupPartnership(ctx context.Context, x *sqlx.DB) error {
	return x.GetContext(ctx, &w.Partnership, `SELECT id FROM partnerships WHERE network_id = $1 AND org_a = $2 AND org_b = $3 AND state = 'active'`,
		w.Network, min(w.Orgs[0], w.Orgs[1]), max(w.Orgs[0], w.Orgs[1]))
}

// copyRows streams n rows into a COPY statement in one transaction; row i is made
// on demand so that a million accounts never sit in memory at once.
func copyRows(ctx context.Context, x *sqlx.DB, stmt string, n int, row func(i int, emit func(...any) error) error) error {
	tx, err := x.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return err
	}
	emit := func(v ...any) error { _, err := st.ExecContext(ctx, v...); return err }
	for i := 0; i < n; i++ {
		if err := row(i, emit); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	return tx.Commit()
}
