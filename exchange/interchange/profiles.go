// Package interchange is the exchange of EDI interchanges with trading
// partners (issue 21): the trading-partner profiles of an organization, the
// inbound path (an interchange stored as received, then processed by a job,
// one database transaction per transaction set), the mapping of sets onto the
// hub's records through the record families' import rows (exchange/imports'
// Family, so a family that lands later plugs in by registering a Mapping),
// the acknowledgments built by the edi package from the result, and the
// exchange log. It stands on the partners core, exchange/imports and edi; no
// record family is imported here.
package interchange

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// The formats a profile exchanges.
const (
	X12     = "X12"
	EDIFACT = "EDIFACT"
	CSV     = "CSV"
	JSON    = "JSON"
)

// The acknowledgments a profile asks for.
const (
	AckNone   = "none"
	AckTA1    = "TA1"
	Ack997    = "997"
	Ack999    = "999"
	AckCONTRL = "CONTRL"
)

// MaxControl is the largest interchange control number (ISA13 has nine
// digits); a sequence that reaches it stops rather than repeat a number.
const MaxControl = 999_999_999

// Service runs the exchange of the organizations of a network.
type Service struct {
	DB *db.DB
	// families are the record families rows are applied through, by kind.
	families map[string]imports.Family
	// mappings turn transaction sets into rows, by standard and set id.
	mappings map[mappingKey]Mapping
	// Now is the clock of acknowledgments' envelopes (time.Now when nil).
	Now func() time.Time
	// Imports is the import pipeline a CSV profile's files go to.
	Imports *imports.Service
	// AllowPrivateWebhooks lets deliveries reach private and loopback
	// addresses (development and tests); otherwise they are refused.
	AllowPrivateWebhooks bool
}

// New returns the exchange over d, applying rows through families (those the
// record packages bring to the import pipeline) as mappings say. It panics
// on a mapping registered twice: a programming error, found at start.
func New(d *db.DB, families []imports.Family, mappings ...Mapping) *Service {
	s := &Service{DB: d, families: map[string]imports.Family{}, mappings: map[mappingKey]Mapping{}}
	for _, f := range families {
		s.families[f.Kind] = f
	}
	for _, m := range mappings {
		k := mappingKey{m.Standard, m.Set}
		if _, dup := s.mappings[k]; dup {
			panic(fmt.Sprintf("interchange: mapping for %s registered twice", m.Set))
		}
		s.mappings[k] = m
	}
	return s
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Profile is a trading partner of an organization: how its interchanges are
// recognized, read and answered.
type Profile struct {
	Network int64  `db:"network_id" json:"-"`
	ID      int64  `db:"id" json:"id"`
	Org     int64  `db:"org_id" json:"org_id"`
	Name    string `db:"name" json:"name"`
	Format  string `db:"format" json:"format"`
	// PartnerQualifier and PartnerID identify the partner in envelopes (ISA05/06
	// of what it sends, UNB S002); OwnQualifier and OwnID the organization.
	PartnerQualifier string `db:"partner_qualifier" json:"partner_qualifier"`
	PartnerID        string `db:"partner_id" json:"partner_id"`
	OwnQualifier     string `db:"own_qualifier" json:"own_qualifier"`
	OwnID            string `db:"own_id" json:"own_id"`
	Version          string `db:"version" json:"version"`
	Ack              string `db:"ack" json:"ack"`
	// TA1Duplicates: an interchange received twice is answered with a TA1
	// note 025 (duplicate) rather than the stored acknowledgment.
	TA1Duplicates bool `db:"ta1_duplicates" json:"ta1_duplicates"`
	// Guides are the partner's implementation conventions (edi.Convention JSON).
	Guides json.RawMessage `db:"guides" json:"guides"`
	// Delimiters of what the hub sends the partner: X12 element, component,
	// repetition and segment ("*:^~"); EDIFACT the six of a UNA (":+.? '").
	Delimiters string `db:"delimiters" json:"delimiters"`
	// CSVKind is the import family a CSV profile's files fill ("accounts").
	CSVKind     string    `db:"csv_kind" json:"csv_kind"`
	NextControl int64     `db:"next_control" json:"next_control"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time `db:"updated_at" json:"updated_at"`
}

// ProfileInput creates a profile.
type ProfileInput struct {
	Name             string          `json:"name"`
	Format           string          `json:"format"`
	PartnerQualifier string          `json:"partner_qualifier"`
	PartnerID        string          `json:"partner_id"`
	OwnQualifier     string          `json:"own_qualifier"`
	OwnID            string          `json:"own_id"`
	Version          string          `json:"version"`
	Ack              string          `json:"ack"`
	TA1Duplicates    bool            `json:"ta1_duplicates"`
	Guides           json.RawMessage `json:"guides"`
	Delimiters       string          `json:"delimiters"`
	CSVKind          string          `json:"csv_kind"`
}

const profileColumns = `network_id, id, org_id, name, format, partner_qualifier, partner_id, own_qualifier, own_id, version, ack, ta1_duplicates, guides, delimiters, csv_kind, next_control, created_at, updated_at`

// normalize checks a profile's input and fills its defaults; an error names
// the field.
func (s *Service) normalize(in *ProfileInput) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 120 || !utf8.ValidString(in.Name) {
		return apperr.Field("name", "must have 1 to 120 characters")
	}
	in.Format = strings.ToUpper(strings.TrimSpace(in.Format))
	for _, p := range []*string{&in.PartnerQualifier, &in.PartnerID, &in.OwnQualifier, &in.OwnID, &in.Version, &in.Ack, &in.Delimiters, &in.CSVKind} {
		if p != &in.Delimiters {
			*p = strings.TrimSpace(*p)
		}
	}
	in.Ack = strings.ToUpper(in.Ack)
	if in.Ack == "" || in.Ack == "NONE" {
		in.Ack = AckNone
	}
	idField := func(field, v string, maxLen int) error {
		if v == "" {
			return apperr.Field(field, "is required for %s", in.Format)
		}
		if len(v) > maxLen {
			return apperr.Field(field, "must have at most %d characters", maxLen)
		}
		for _, c := range []byte(v) {
			if c < 0x20 || c >= 0x7f {
				return apperr.Field(field, "must be printable ASCII")
			}
		}
		return nil
	}
	switch in.Format {
	case X12, EDIFACT:
		idLen, qualLen := 15, 2
		if in.Format == EDIFACT {
			idLen, qualLen = 35, 4
		}
		for _, f := range []struct {
			name string
			v    string
			max  int
		}{{"partner_id", in.PartnerID, idLen}, {"own_id", in.OwnID, idLen}} {
			if err := idField(f.name, f.v, f.max); err != nil {
				return err
			}
		}
		for _, f := range []struct{ name, v string }{{"partner_qualifier", in.PartnerQualifier}, {"own_qualifier", in.OwnQualifier}} {
			if in.Format == X12 && f.v == "" {
				return apperr.Field(f.name, "is required for %s", in.Format)
			}
			if len(f.v) > qualLen {
				return apperr.Field(f.name, "must have at most %d characters", qualLen)
			}
		}
		acks := map[string]bool{AckNone: true, AckTA1: true, Ack997: true, Ack999: true}
		if in.Format == EDIFACT {
			acks = map[string]bool{AckNone: true, AckCONTRL: true}
		}
		if !acks[in.Ack] {
			return apperr.Field("ack", "%s is not an acknowledgment of %s interchanges", in.Ack, in.Format)
		}
		if in.TA1Duplicates && in.Format != X12 {
			return apperr.Field("ta1_duplicates", "a TA1 answers X12 interchanges only")
		}
		if in.CSVKind != "" {
			return apperr.Field("csv_kind", "applies to CSV profiles only")
		}
		if err := checkDelimiters(in.Format, in.Delimiters); err != nil {
			return err
		}
		if len(in.Version) > 12 {
			return apperr.Field("version", "must have at most %d characters", 12)
		}
	case CSV, JSON:
		if in.Ack != AckNone || in.TA1Duplicates {
			return apperr.Field("ack", "%s files have no acknowledgment", in.Format)
		}
		if in.Delimiters != "" {
			return apperr.Field("delimiters", "apply to X12 and EDIFACT profiles only")
		}
		if in.CSVKind == "" {
			in.CSVKind = "accounts"
		}
		if _, ok := s.families[in.CSVKind]; in.CSVKind != "" && !ok {
			return apperr.Field("csv_kind", "%q is not a kind of record files can fill", in.CSVKind)
		}
		for _, f := range []struct{ name, v string }{{"partner_id", in.PartnerID}, {"own_id", in.OwnID}, {"partner_qualifier", in.PartnerQualifier}, {"own_qualifier", in.OwnQualifier}} {
			if len(f.v) > 35 {
				return apperr.Field(f.name, "must have at most %d characters", 35)
			}
		}
	default:
		return apperr.Field("format", "must be X12, EDIFACT, CSV or JSON")
	}
	if _, err := readGuides(in.Guides); err != nil {
		return err
	}
	if len(bytes.TrimSpace(in.Guides)) == 0 || string(bytes.TrimSpace(in.Guides)) == "null" {
		in.Guides = json.RawMessage("[]")
	}
	if len(in.Guides) > 1<<20 {
		return apperr.Field("guides", "must have at most 1 MiB")
	}
	return nil
}

// checkDelimiters checks a profile's outbound delimiters: X12 four
// (element, component, repetition, segment), EDIFACT six in UNA order
// (component, element, decimal, release, repetition, segment); empty keeps
// the standard's.
func checkDelimiters(format, d string) error {
	if d == "" {
		return nil
	}
	want := 4
	if format == EDIFACT {
		want = 6
	}
	if len(d) != want {
		return apperr.Field("delimiters", "must be %d characters for %s", want, format)
	}
	seen := map[byte]bool{}
	for i := 0; i < len(d); i++ {
		c := d[i]
		alnum := c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if format == EDIFACT && i == 4 && c == ' ' {
			continue // no repetition separator (syntax version 3)
		}
		if alnum || c < 0x20 && c != '\n' && c != '\r' || c >= 0x7f || seen[c] {
			return apperr.Field("delimiters", "character %d must be a distinct punctuation character", i+1)
		}
		seen[c] = true
	}
	return nil
}

// outbound returns the delimiters of what the hub sends on profile p, nil for
// the acknowledged interchange's own.
func (p *Profile) outbound() *edi.Delimiters {
	d := p.Delimiters
	switch {
	case d == "":
		return nil
	case p.Format == X12 && len(d) == 4:
		return &edi.Delimiters{Element: d[0], Component: d[1], Repetition: d[2], Segment: d[3]}
	case p.Format == EDIFACT && len(d) == 6:
		out := &edi.Delimiters{Component: d[0], Element: d[1], Decimal: d[2], Release: d[3], Repetition: d[4], Segment: d[5]}
		if out.Repetition == ' ' {
			out.Repetition = 0
		}
		return out
	}
	return nil
}

// readGuides reads a profile's implementation guides: a JSON array of
// conventions, each checked against its set's definition.
func readGuides(raw json.RawMessage) ([]*edi.Convention, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, apperr.Field("guides", "must be a JSON array of implementation conventions")
	}
	out := make([]*edi.Convention, 0, len(list))
	for i, g := range list {
		c, err := edi.ReadConvention(bytes.NewReader(g))
		if err != nil {
			return nil, apperr.Field("guides", "guide %d: %s", i+1, err.Error())
		}
		out = append(out, c)
	}
	return out, nil
}

// CreateProfile adds a trading-partner profile to the actor's organization.
// Managers and admins. Errors: Forbidden, Invalid, Conflict (a profile with
// the same format and ids).
func (s *Service) CreateProfile(ctx context.Context, a partners.Actor, in ProfileInput) (*Profile, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	if err := s.normalize(&in); err != nil {
		return nil, err
	}
	var p Profile
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &p, `INSERT INTO exchange_profiles (network_id, org_id, name, format, partner_qualifier, partner_id, own_qualifier, own_id, version, ack, ta1_duplicates, guides, delimiters, csv_kind)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING `+profileColumns,
			a.Network, a.Org, in.Name, in.Format, in.PartnerQualifier, in.PartnerID, in.OwnQualifier, in.OwnID, in.Version, in.Ack, in.TA1Duplicates, string(in.Guides), in.Delimiters, in.CSVKind)
	})
	if apperr.Is(db.Translate(err), apperr.Conflict) {
		return nil, apperr.E(apperr.Conflict, "A trading-partner profile with these ids already exists.")
	}
	if err != nil {
		return nil, db.Translate(err)
	}
	return &p, nil
}

// UpdateProfile replaces the settings of a profile of the actor's
// organization (its control-number sequence is kept). Managers and admins.
// Errors: Forbidden, NotFound, Invalid, Conflict (another profile with the
// same format and ids).
func (s *Service) UpdateProfile(ctx context.Context, a partners.Actor, id int64, in ProfileInput) (*Profile, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	if err := s.normalize(&in); err != nil {
		return nil, err
	}
	var p Profile
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &p, `UPDATE exchange_profiles SET name = $4, format = $5, partner_qualifier = $6, partner_id = $7, own_qualifier = $8, own_id = $9,
			version = $10, ack = $11, ta1_duplicates = $12, guides = $13, delimiters = $14, csv_kind = $15, updated_at = now()
			WHERE network_id = $1 AND org_id = $2 AND id = $3 RETURNING `+profileColumns,
			a.Network, a.Org, id, in.Name, in.Format, in.PartnerQualifier, in.PartnerID, in.OwnQualifier, in.OwnID, in.Version, in.Ack, in.TA1Duplicates, string(in.Guides), in.Delimiters, in.CSVKind)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Trading-partner profile %d not found.", id)
	}
	if apperr.Is(db.Translate(err), apperr.Conflict) {
		return nil, apperr.E(apperr.Conflict, "A trading-partner profile with these ids already exists.")
	}
	if err != nil {
		return nil, db.Translate(err)
	}
	return &p, nil
}

// Profile returns a profile of the actor's organization. Errors: NotFound.
func (s *Service) Profile(ctx context.Context, a partners.Actor, id int64) (*Profile, error) {
	var p Profile
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &p, `SELECT `+profileColumns+` FROM exchange_profiles WHERE network_id = $1 AND org_id = $2 AND id = $3`, a.Network, a.Org, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Trading-partner profile %d not found.", id)
	}
	return &p, nil
}

// Profiles lists the profiles of the actor's organization in the order they
// were made: at most limit (1 to 201) after the profile id after.
func (s *Service) Profiles(ctx context.Context, a partners.Actor, after int64, limit int) ([]Profile, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	out := []Profile{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+profileColumns+` FROM exchange_profiles WHERE network_id = $1 AND org_id = $2 AND id > $3 ORDER BY id LIMIT $4`, a.Network, a.Org, after, limit)
	})
	return out, err
}

// NextControl hands out the next control number of a profile's sequence: a
// number is never handed out twice, whatever runs at the same time (the
// row's lock orders the callers). Sales and above. Errors: Forbidden,
// NotFound, Conflict (the sequence is used up).
func (s *Service) NextControl(ctx context.Context, a partners.Actor, profile int64) (int64, error) {
	if err := a.Require(partners.Sales); err != nil {
		return 0, err
	}
	var n int64
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) (err error) {
		n, err = nextControl(ctx, tx, a.Network, a.Org, profile)
		return err
	})
	return n, err
}

// nextControl takes the next control number of a profile inside tx: it counts
// only if tx commits, so a number in a committed acknowledgment or export is
// never given again.
func nextControl(ctx context.Context, tx *sqlx.Tx, network, org, profile int64) (int64, error) {
	var n int64
	err := tx.GetContext(ctx, &n, `UPDATE exchange_profiles SET next_control = next_control + 1, updated_at = now()
		WHERE network_id = $1 AND org_id = $2 AND id = $3 RETURNING next_control - 1`, network, org, profile)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.E(apperr.NotFound, "Trading-partner profile %d not found.", profile)
	}
	if err != nil {
		// The CHECK on next_control refuses going past the last number.
		if apperr.Is(db.Translate(err), apperr.Invalid) {
			return 0, apperr.E(apperr.Conflict, "The control numbers of trading-partner profile %d are used up.", profile)
		}
		return 0, err
	}
	if n > MaxControl {
		return 0, apperr.E(apperr.Conflict, "The control numbers of trading-partner profile %d are used up.", profile)
	}
	return n, nil
}
