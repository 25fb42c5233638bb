package interchange

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

// JobKind is the background job that processes a stored interchange.
const JobKind = "exchange.interchange"

// MaxBytes is the largest interchange an upload takes (the import pipeline's
// limit, which the web layer's upload routes share).
const MaxBytes = imports.MaxBytes

// Receipt is the answer to an interchange sent to the hub: the interchange as
// stored and, for one received before, Duplicate with the acknowledgment it
// gets again (or a TA1 025 where its profile asks for one).
type Receipt struct {
	Interchange *Interchange `json:"interchange,omitempty"`
	Duplicate   bool         `json:"duplicate"`
	// Ack is the acknowledgment's text for a duplicate (empty while the first
	// is still being processed, or when the profile asks for none).
	Ack string `json:"ack,omitempty"`
	// Import is, for a CSV profile's file, the import the pipeline of
	// exchange/imports runs (its preview, column matching and row errors are
	// that pipeline's); Interchange is then nil.
	Import *imports.Job `json:"import,omitempty"`
}

// ReceiveFile takes a file sent on a named profile of the actor's
// organization: a CSV profile's file goes to the import pipeline
// (exchange/imports) as the family the profile names; an X12 or EDIFACT
// interchange is received as Receive does, and its envelope must name that
// profile. Sales and above. Errors: Forbidden, NotFound, Invalid.
func (s *Service) ReceiveFile(ctx context.Context, a partners.Actor, profile int64, filename string, data []byte) (*Receipt, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	p, err := s.Profile(ctx, a, profile)
	if err != nil {
		return nil, err
	}
	switch p.Format {
	case CSV, JSON:
		if s.Imports == nil {
			return nil, fmt.Errorf("interchange: no import pipeline for %s profiles", p.Format)
		}
		kind := p.CSVKind
		if kind == "" {
			kind = "accounts"
		}
		if p.Format == JSON {
			// The same records as a CSV file, as an array of objects: the
			// pipeline reads them as the CSV it becomes (line 2 is the first
			// record).
			if data, err = jsonRecordsCSV(data); err != nil {
				return nil, err
			}
		}
		j, err := s.Imports.Start(ctx, a, filename, data, imports.Options{Kind: kind})
		if err != nil {
			return nil, err
		}
		return &Receipt{Import: j}, nil
	}
	return s.receive(ctx, a, p.ID, filename, data)
}

// envelope is what an upload's interchange header says.
type envelope struct {
	format, sender, senderQual, receiver, receiverQual, control string
	res                                                         *edi.InterchangeResult
}

// readEnvelope validates an upload and reads its one interchange's envelope.
// An upload that is not one X12 or EDIFACT interchange is refused, located.
func readEnvelope(data []byte) (*envelope, error) {
	head := bytes.TrimLeft(data, " \t\r\n\ufeff")
	var format string
	switch {
	case bytes.HasPrefix(head, []byte("ISA")):
		format = X12
	case bytes.HasPrefix(head, []byte("UNA")), bytes.HasPrefix(head, []byte("UNB")):
		format = EDIFACT
	default:
		return nil, apperr.Field("file", "is not an X12 (ISA) or EDIFACT (UNA/UNB) interchange")
	}
	results, err := edi.Validate(bytes.NewReader(data))
	if len(results) == 0 {
		msg := "holds no interchange header"
		if e, ok := edi.AsError(err); ok {
			msg = e.Line()
		}
		return nil, apperr.Field("file", "%s", msg)
	}
	if len(results) > 1 {
		return nil, apperr.Field("file", "holds %d interchanges: send one interchange per upload", len(results))
	}
	r := results[0]
	if r.Control == "" || r.Sender == "" || r.Receiver == "" {
		return nil, apperr.Field("file", "interchange at byte %d: its header names no sender, receiver or control number", r.Offset)
	}
	return &envelope{format: format, sender: r.Sender, senderQual: strings.TrimSpace(r.SenderQual), receiver: r.Receiver,
		receiverQual: strings.TrimSpace(r.ReceiverQual), control: r.Control, res: r}, nil
}

// Receive stores an interchange the actor's organization received and queues
// its processing. Its envelope must name a trading-partner profile of the
// organization (the partner as sender, the organization as receiver). The
// same interchange again (sender, receiver, control number and content) is
// not stored twice: the answer is the first one with its acknowledgment, or a
// TA1 025 where the profile asks for it, and nothing changes. Sales and
// above. Errors: Forbidden, Invalid (located: the file, its interchange).
func (s *Service) Receive(ctx context.Context, a partners.Actor, filename string, data []byte) (*Receipt, error) {
	return s.receive(ctx, a, 0, filename, data)
}

// receive is Receive; want, when not 0, is the profile the envelope must name.
func (s *Service) receive(ctx context.Context, a partners.Actor, want int64, filename string, data []byte) (*Receipt, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, apperr.Field("file", "no file was sent, or it is empty")
	}
	if len(data) > MaxBytes {
		return nil, apperr.Field("file", "is larger than %d MiB", MaxBytes>>20)
	}
	env, err := readEnvelope(data)
	if err != nil {
		return nil, err
	}
	if len(filename) > 255 {
		filename = strings.ToValidUTF8(filename[:255], "")
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	var out Receipt
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var p Profile
		err := tx.GetContext(ctx, &p, `SELECT `+profileColumns+` FROM exchange_profiles
			WHERE network_id = $1 AND org_id = $2 AND format = $3 AND partner_id = $4 AND own_id = $5
			  AND (partner_qualifier = '' OR partner_qualifier = $6) AND (own_qualifier = '' OR own_qualifier = $7)
			ORDER BY id LIMIT 1`, a.Network, a.Org, env.format, env.sender, env.receiver, env.senderQual, env.receiverQual)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("file", "interchange %s: no trading-partner profile of your organization has sender %s and receiver %s",
				env.control, qualified(env.senderQual, env.sender), qualified(env.receiverQual, env.receiver))
		}
		if err != nil {
			return err
		}
		if want != 0 && p.ID != want {
			return apperr.Field("file", "interchange %s: its envelope names trading-partner profile %d, not %d", env.control, p.ID, want)
		}
		var id int64
		err = tx.GetContext(ctx, &id, `INSERT INTO exchange_interchanges (network_id, org_id, profile_id, user_id, api_key_id, filename, format, sender, receiver, control, sha256, data, size)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (network_id, org_id, sender, receiver, control, sha256) DO NOTHING RETURNING id`,
			a.Network, a.Org, p.ID, nullID(a.User), nullID(a.APIKey), filename, env.format, env.sender, env.receiver, env.control, hash, data, len(data))
		if errors.Is(err, sql.ErrNoRows) {
			// Received before (perhaps at this very moment by another request,
			// whose row the conflict waited for).
			out.Duplicate = true
			if err := tx.GetContext(ctx, &id, `SELECT id FROM exchange_interchanges
				WHERE network_id = $1 AND org_id = $2 AND sender = $3 AND receiver = $4 AND control = $5 AND sha256 = $6`,
				a.Network, a.Org, env.sender, env.receiver, env.control, hash); err != nil {
				return err
			}
			ic, ack, err := getInterchange(ctx, tx, a, id)
			if err != nil {
				return err
			}
			out.Interchange, out.Ack = ic, string(ack)
			if p.TA1Duplicates && env.format == X12 {
				ta1, err := s.duplicateTA1(ctx, tx, a, &p, env.res)
				if err != nil {
					return err
				}
				out.Ack = string(ta1)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := jobs.Enqueue(ctx, tx, a.Network, a.Org, JobKind, map[string]int64{"interchange": id, "org": a.Org, "user": a.User, "key": a.APIKey}); err != nil {
			return err
		}
		out.Interchange, _, err = getInterchange(ctx, tx, a, id)
		return err
	})
	if err != nil {
		return nil, db.Translate(err)
	}
	return &out, nil
}

func qualified(q, id string) string {
	if q == "" {
		return id
	}
	return q + ":" + id
}

func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// duplicateTA1 is the TA1 with note 025 (duplicate interchange control
// number) that answers an interchange received before, with the profile's
// next control number.
func (s *Service) duplicateTA1(ctx context.Context, tx *sqlx.Tx, a partners.Actor, p *Profile, res *edi.InterchangeResult) ([]byte, error) {
	n, err := nextControl(ctx, tx, a.Network, a.Org, p.ID)
	if err != nil {
		return nil, err
	}
	dup := *res
	dup.Errors = []*edi.Error{{Level: edi.LevelInterchange, Interchange: res.Control, Code: "025", Msg: "duplicate interchange control number"}}
	ack, err := edi.NewAckTA1(&dup, edi.AckOptions{Control: int(n), Time: s.now(), Delimiters: p.outbound()})
	if err != nil {
		return nil, err
	}
	return encode(ack)
}

// encode writes an interchange built by the edi package.
func encode(ic *edi.Interchange) ([]byte, error) {
	var b bytes.Buffer
	w := edi.NewWriter(&b, ic.Standard, ic.Delimiters)
	if err := w.WriteInterchange(ic); err != nil {
		return nil, fmt.Errorf("write acknowledgment: %w", err)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SetOutcome is what processing did with one transaction set.
type SetOutcome struct {
	Position int    `json:"position"`
	Set      string `json:"set"`
	Control  string `json:"control"`
	Group    string `json:"group,omitempty"`
	Accepted bool   `json:"accepted"`
	// Created, Updated and Unchanged count the records it applied, by family.
	Created   map[string]int `json:"created,omitempty"`
	Updated   map[string]int `json:"updated,omitempty"`
	Unchanged map[string]int `json:"unchanged,omitempty"`
	Errors    []SetError     `json:"errors,omitempty"`
}

// SetError is a located error of a set: from validation (the codec) or from
// mapping and applying it.
type SetError struct {
	Place
	Level   string `json:"level"`
	Code    string `json:"code"`
	Data    string `json:"data,omitempty"`
	Message string `json:"message"`
	// Mapping: found while mapping or applying the set, not by validation.
	Mapping bool `json:"mapping,omitempty"`
}

func fromEDI(e *edi.Error) SetError {
	return SetError{Place: Place{Segment: e.Segment, SegmentID: e.SegmentID, Loop: e.Loop, Element: e.Element, Component: e.Component, Ref: e.Ref},
		Level: e.Level.String(), Code: e.Code, Data: e.Data, Message: e.Msg}
}

// payload is a processing job's.
type payload struct {
	Interchange, Org, User, Key int64
}

// Handler processes stored interchanges in the background.
func (s *Service) Handler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p payload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return fmt.Errorf("interchange job payload: %w", err)
		}
		a := partners.Actor{Network: j.Network, Org: p.Org, User: p.User, APIKey: p.Key, Role: partners.Sales}
		// The sender acts with its role as it is now (it may have changed).
		if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) (err error) {
			a.Role, a.Locale, err = partners.CurrentRole(ctx, tx, j.Network, p.User, p.Key)
			return err
		}); err != nil {
			if !apperr.Is(err, apperr.NotFound) {
				return fmt.Errorf("interchange %d: sender: %w", p.Interchange, err)
			}
			why := apperr.E(apperr.Conflict, "the user or key that sent the interchange is no longer active")
			if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
				if _, err := tx.ExecContext(ctx, `UPDATE exchange_interchanges SET state = 'failed', error = $3 WHERE network_id = $1 AND id = $2`, j.Network, p.Interchange, why.Error()); err != nil {
					return err
				}
				return jobs.GiveUp(ctx, tx, j.Network, j.ID)
			}); err != nil {
				return err
			}
			return why
		}
		err := s.processGuarded(ctx, a, p.Interchange)
		if err == nil || j.Attempts < j.MaxAttempts {
			return err
		}
		// The job's last attempt failed: it fails for good, and so does the
		// interchange, with the reason, rather than stay "processing". A retry
		// of the job (jobs.Retry) processes it again from the sets already
		// recorded.
		if ferr := s.markFailed(ctx, a, p.Interchange, err); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
}

// processGuarded is Process, with a panic made an error so that the job's
// last attempt can still record why the interchange failed.
func (s *Service) processGuarded(ctx context.Context, a partners.Actor, id int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interchange %d: processing panicked: %v", id, r)
		}
	}()
	return s.Process(ctx, a, id)
}

// FailedReason is what an interchange whose processing failed for good says
// when the error was not one meant for its readers.
const FailedReason = "Processing failed after its last attempt; retry its job to process it again."

// markFailed records that an interchange's processing failed for good: state
// failed with the reason (an apperr's message, else FailedReason). The sets
// applied before stay applied, and their outcomes recorded, so that a retry
// resumes after them.
func (s *Service) markFailed(ctx context.Context, a partners.Actor, id int64, cause error) error {
	why := FailedReason
	if ae, ok := apperr.As(cause); ok && ae.Kind != apperr.Internal {
		why = ae.Error()
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE exchange_interchanges SET state = 'failed', error = $3
			WHERE network_id = $1 AND id = $2 AND state <> 'processed'`, a.Network, id, why)
		return err
	})
}

// stored is an interchange row as processing reads it.
type stored struct {
	Data    []byte `db:"data"`
	State   string `db:"state"`
	Profile int64  `db:"profile_id"`
}

// Process processes a stored interchange as actor a: each transaction set
// that passed validation is mapped and applied in its own transaction, all
// or nothing, with its outcome recorded in the same transaction (so that a
// process killed at any point resumes where it was: a set is applied once);
// a set that fails is rejected with located errors and the others go on.
// Then the acknowledgment the profile asks for is built from the result. An
// interchange processed already is left as it is.
func (s *Service) Process(ctx context.Context, a partners.Actor, id int64) error {
	var st stored
	var prof Profile
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &st, `SELECT data, state, profile_id FROM exchange_interchanges WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
			return db.Absent(err, "Interchange %d not found.", id)
		}
		if err := tx.GetContext(ctx, &prof, `SELECT `+profileColumns+` FROM exchange_profiles WHERE network_id = $1 AND id = $2`, a.Network, st.Profile); err != nil {
			return err
		}
		if st.State == "processed" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE exchange_interchanges SET state = 'processing', error = '' WHERE network_id = $1 AND id = $2`, a.Network, id)
		return err
	}); err != nil {
		return fmt.Errorf("interchange %d: %w", id, err)
	}
	if st.State == "processed" {
		return nil
	}
	// A guide that no longer reads is the profile's problem: validate by the
	// standard alone and say so.
	guides, gerr := readGuides(prof.Guides)
	doc, results, _ := edi.ParseWith(bytes.NewReader(st.Data), guides...)
	if len(results) == 0 || doc == nil || len(doc.Interchanges) == 0 {
		return s.finish(ctx, a, id, &prof, nil, nil, "the interchange could not be read again")
	}
	res, ic := results[0], doc.Interchanges[0]
	done := map[int]SetOutcome{}
	if err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, `SELECT outcome FROM exchange_sets WHERE network_id = $1 AND interchange_id = $2`, a.Network, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var raw []byte
			if err := rows.Scan(&raw); err != nil {
				return err
			}
			var o SetOutcome
			if err := json.Unmarshal(raw, &o); err != nil {
				return err
			}
			done[o.Position] = o
		}
		return rows.Err()
	}); err != nil {
		return fmt.Errorf("interchange %d: sets done: %w", id, err)
	}
	var outcomes []SetOutcome
	pos := 0
	each := func(set *edi.Set, sr *edi.SetResult, group string) error {
		pos++
		o, ok := done[pos]
		if !ok {
			var err error
			if o, err = s.applySet(ctx, a, id, pos, res.Standard, set, sr, group, qualified(strings.TrimSpace(res.SenderQual), res.Sender)); err != nil {
				return err
			}
		}
		reflect(res.Standard, sr, o)
		outcomes = append(outcomes, o)
		return nil
	}
	for gi, g := range ic.Groups {
		if gi >= len(res.Groups) {
			break
		}
		gr := res.Groups[gi]
		for si, set := range g.Sets {
			if si >= len(gr.Sets) {
				break
			}
			if err := each(set, gr.Sets[si], gr.Control); err != nil {
				return err
			}
		}
		regroup(gr)
	}
	for si, set := range ic.Sets {
		if si >= len(res.Sets) {
			break
		}
		if err := each(set, res.Sets[si], ""); err != nil {
			return err
		}
	}
	note := ""
	if gerr != nil {
		note = gerr.Error()
	}
	return s.finish(ctx, a, id, &prof, res, outcomes, note)
}

// applySet maps and applies one set in its own transaction, recording its
// outcome there; a set that fails leaves nothing but its rejected outcome.
//
// A family with a "sender" field (special pricing, keyed per sender) gets
// the interchange's sender there, unless the mapping set one.
func (s *Service) applySet(ctx context.Context, a partners.Actor, id int64, pos int, std edi.Standard, set *edi.Set, sr *edi.SetResult, group, sender string) (SetOutcome, error) {
	o := SetOutcome{Position: pos, Set: set.ID, Control: set.Control, Group: group}
	record := func(tx *sqlx.Tx, o SetOutcome) error {
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO exchange_sets (network_id, interchange_id, position, org_id, set_id, control, accepted, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.Network, id, pos, a.Org, set.ID, set.Control, o.Accepted, string(raw))
		return err
	}
	reject := func(errs ...SetError) (SetOutcome, error) {
		o.Accepted, o.Created, o.Updated, o.Unchanged = false, nil, nil, nil
		o.Errors = append(o.Errors, errs...)
		err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error { return record(tx, o) })
		return o, err
	}
	if !sr.Accepted() {
		var errs []SetError
		for _, e := range sr.Errors {
			errs = append(errs, fromEDI(e))
		}
		return reject(errs...)
	}
	m, ok := s.mappings[mappingKey{std, set.ID}]
	if !ok {
		code := edi.SegUnrecognized // AK502 1: transaction set not supported
		if std == edi.EDIFACT {
			code = ""
		}
		return reject(SetError{Place: Place{Segment: 1, SegmentID: headerID(std)}, Level: "set", Code: code, Mapping: true,
			Message: fmt.Sprintf("transaction set %s is not mapped onto records by the hub", set.ID)})
	}
	rows, err := m.Map(set)
	var me *MapError
	if errors.As(err, &me) {
		e := locate(std, me.Place, me.Missing, me.Msg)
		e.Data = me.Data
		return reject(e)
	}
	if err != nil {
		return o, err
	}
	for _, r := range rows {
		if fam, ok := s.families[r.Family]; ok && r.Values["sender"] == "" && slices.ContainsFunc(fam.Columns, func(c imports.Column) bool { return c.Field == "sender" }) {
			r.Values["sender"] = sender
		}
	}
	o.Created, o.Updated, o.Unchanged = map[string]int{}, map[string]int{}, map[string]int{}
	var rowErr SetError
	errRejected := errors.New("set rejected")
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		open := map[string]interface {
			Row(ctx context.Context, values map[string]string) (string, error)
		}{}
		for _, r := range rows {
			fam, ok := s.families[r.Family]
			if !ok {
				return fmt.Errorf("interchange: mapping of %s names family %q, which is not registered", set.ID, r.Family)
			}
			impl, ok := open[r.Family]
			if !ok {
				ri, err := fam.Open(ctx, tx, a)
				if err != nil {
					return err
				}
				impl, open[r.Family] = ri, ri
			}
			what, err := impl.Row(ctx, r.Values)
			if err != nil {
				ae, ok := apperr.As(err)
				if !ok || ae.Kind == apperr.Internal {
					return err
				}
				place, ok := r.Places[ae.Field]
				if !ok {
					place = r.At
				}
				msg := ae.Text(func(f string) string { return f })
				if ae.Field != "" {
					msg = fam.Record + " " + ae.Field + ": " + msg
				}
				rowErr = locate(std, place, false, msg)
				if v := r.Values[ae.Field]; len(v) <= 99 {
					rowErr.Data = v
				}
				return errRejected
			}
			switch what {
			case "created":
				o.Created[r.Family]++
			case "updated":
				o.Updated[r.Family]++
			default:
				o.Unchanged[r.Family]++
			}
		}
		o.Accepted = true
		return record(tx, o)
	})
	if errors.Is(err, errRejected) {
		return reject(rowErr)
	}
	if err != nil {
		return o, fmt.Errorf("interchange %d set %d: %w", id, pos, err)
	}
	return o, nil
}

func headerID(std edi.Standard) string {
	if std == edi.EDIFACT {
		return "UNH"
	}
	return "ST"
}

// locate makes a mapping error an element error with the code its
// acknowledgment carries: missing (AK403 1 / 0085 13) or an invalid value
// (AK403 7 / 0085 12); on a whole segment, AK304 8 (segment has data
// element errors) / 0085 12.
func locate(std edi.Standard, p Place, missing bool, msg string) SetError {
	e := SetError{Place: p, Level: "element", Mapping: true, Message: msg}
	switch {
	case p.Element == 0:
		e.Level, e.Code = "segment", edi.SegElementErrors
		if std == edi.EDIFACT {
			e.Code = "12"
		}
	case missing && std == edi.EDIFACT:
		e.Code = "13"
	case missing:
		e.Code = edi.ElemMissing
	case std == edi.EDIFACT:
		e.Code = "12"
	default:
		e.Code = edi.ElemBadCode
	}
	return e
}

// reflect puts a set's outcome into its validation result, so that the
// acknowledgment says what processing decided: a set rejected in mapping is
// R with its located errors.
func reflect(std edi.Standard, sr *edi.SetResult, o SetOutcome) {
	if o.Accepted || !sr.Accepted() {
		return
	}
	sr.Ack = "R"
	for _, e := range o.Errors {
		if !e.Mapping {
			continue
		}
		lvl := edi.LevelElement
		switch e.Level {
		case "segment":
			lvl = edi.LevelSegment
		case "set":
			lvl = edi.LevelSet
		}
		sr.Errors = append(sr.Errors, &edi.Error{Level: lvl, Offset: -1, SetID: sr.ID, Set: sr.Control, Segment: e.Segment, SegmentID: e.SegmentID,
			Loop: e.Loop, Element: e.Element, Component: e.Component, Ref: e.Ref, Code: e.Code, Data: e.Data, Msg: e.Message})
		code := "5" // AK502 5: one or more segments in error
		if lvl == edi.LevelSet {
			code = e.Code
		}
		if std == edi.X12 && code != "" && len(sr.Codes) < 5 && !contains(sr.Codes, code) {
			sr.Codes = append(sr.Codes, code)
		}
	}
}

// regroup sets a group's AK9 from its sets after processing: P when some were
// rejected, R when all were.
func regroup(g *edi.GroupResult) {
	if g.Ack != "A" && g.Ack != "E" {
		return
	}
	rejected := 0
	for _, s := range g.Sets {
		if !s.Accepted() {
			rejected++
		}
	}
	switch {
	case rejected == 0:
	case rejected == len(g.Sets):
		g.Ack = "R"
	default:
		g.Ack = "P"
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// finish builds the acknowledgment the profile asks for from the result and
// records the interchange as processed, in one transaction (with the
// acknowledgment's control number).
func (s *Service) finish(ctx context.Context, a partners.Actor, id int64, p *Profile, res *edi.InterchangeResult, outcomes []SetOutcome, note string) error {
	accepted := 0
	for _, o := range outcomes {
		if o.Accepted {
			accepted++
		}
	}
	errs := []SetError{}
	if res != nil {
		for _, e := range res.Errors {
			errs = append(errs, fromEDI(e))
		}
		for _, g := range res.Groups {
			for _, e := range g.Errors {
				errs = append(errs, fromEDI(e))
			}
		}
	}
	result, err := json.Marshal(map[string]any{"sets": nonNil(outcomes), "errors": errs, "note": note})
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var ack []byte
		var control any
		kind := p.Ack
		if res != nil && kind != AckNone {
			n, err := nextControl(ctx, tx, a.Network, a.Org, p.ID)
			if err != nil {
				return err
			}
			control = n
			o := edi.AckOptions{Control: int(n), Time: s.now(), Delimiters: p.outbound()}
			var built *edi.Interchange
			switch {
			case kind == AckTA1 || len(res.Groups) == 0 && res.Standard == edi.X12:
				kind = AckTA1
				built, err = edi.NewAckTA1(res, o)
			case kind == Ack997:
				built, err = edi.NewAck997(res, o)
			case kind == Ack999:
				built, err = edi.NewAck999(res, o)
			case kind == AckCONTRL:
				built, err = edi.NewAckCONTRL(res, o)
			}
			if err != nil {
				return fmt.Errorf("interchange %d: acknowledgment: %w", id, err)
			}
			if ack, err = encode(built); err != nil {
				return err
			}
		} else {
			kind = ""
		}
		var ic Interchange
		if err := tx.GetContext(ctx, &ic, `UPDATE exchange_interchanges SET state = 'processed', error = '', sets = $3, accepted = $4, result = $5, ack_kind = $6, ack_control = $7, ack = $8, processed_at = now()
			WHERE network_id = $1 AND id = $2 RETURNING `+interchangeColumns, a.Network, id, len(outcomes), accepted, string(result), kind, control, ack); err != nil {
			return err
		}
		return emit(ctx, tx, a.Network, a.Org, "interchange.processed", map[string]any{"id": ic.ID, "profile_id": ic.Profile, "filename": ic.Filename,
			"format": ic.Format, "sender": ic.Sender, "receiver": ic.Receiver, "control": ic.Control, "state": ic.State, "sets": ic.Sets,
			"accepted": ic.Accepted, "ack_kind": ic.AckKind, "ack_control": ic.AckControl})
	})
}

func nonNil(o []SetOutcome) []SetOutcome {
	if o == nil {
		return []SetOutcome{}
	}
	return o
}
