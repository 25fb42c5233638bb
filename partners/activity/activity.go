// Package activity holds the activity timeline (issue 18): calls, meetings,
// notes, tasks, system events and email hanging on a record (accounts and
// contacts, leads and deal registrations: each family registers its records
// with RegisterRecord), one timeline per record, newest first, with keyset
// paging.
//
// An activity's visibility follows its record: the row carries the arrays of
// the shared record it follows (share_type, share_id: an account for an
// activity on the account or on one of its contacts), which the partners core
// keeps in step when the record's shares change, and row-level security reads
// them. Mail stays private to the organization whose mailbox received it (a row
// with no share_type). The timeline checks the record first, under the
// caller's policies, then reads its activities along the visibility path in
// SQL, with row-level security underneath.
package activity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// Kinds of activity.
const (
	Call    = "call"
	Meeting = "meeting"
	Note    = "note"
	Task    = "task"
	System  = "system"
	Email   = "email"
)

// Kinds lists every kind, the timeline's filter values.
var Kinds = []string{Call, Meeting, Note, Task, System, Email}

// Outcomes of a call.
var Outcomes = []string{"connected", "voicemail", "no_answer", "busy", "wrong_number"}

// An Anchor is what an activity needs of the record it hangs on, read under
// the caller's row-level security: the shared record whose arrays it follows
// (ShareType, ShareID), its owner organization and arrays, and the account it
// belongs to (0 when none).
type Anchor struct {
	ShareType string
	ShareID   int64
	Owner     int64
	Readers   []int64
	Writers   []int64
	Account   int64
	Name      string
	Archived  bool
}

// A Resolver reads the anchor of a record of one type in the caller's
// transaction. It returns NotFound when the caller cannot see the record.
type Resolver func(ctx context.Context, tx *sqlx.Tx, network, id int64) (Anchor, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Resolver{}
)

// RegisterRecord lets activities hang on records of recordType. A family
// registers at init (accounts and contacts in partners/accounts, leads and
// deal registrations in their packages); its shareable registration must list activities as a
// dependent (partners.Dependent{Table: "activities", Column: "share_id",
// TypeColumn: "share_type"}) so that the rows follow its shares. It panics on a
// duplicate, a programming error caught at start.
func RegisterRecord(recordType string, r Resolver) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[recordType]; dup {
		panic("activity: record type " + recordType + " registered twice")
	}
	registry[recordType] = r
}

// RecordTypes lists the record types activities may hang on.
func RecordTypes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	return out
}

// anchor resolves a record the caller must see. Errors: Invalid (a type no
// family registered), NotFound.
func anchor(ctx context.Context, tx *sqlx.Tx, network int64, recordType string, id int64) (Anchor, error) {
	registryMu.RLock()
	r, ok := registry[recordType]
	registryMu.RUnlock()
	if !ok {
		return Anchor{}, apperr.Field("record_type", "activities cannot hang on %q records", recordType)
	}
	return r(ctx, tx, network, id)
}

// Activity is one entry of a timeline.
type Activity struct {
	ID              int64           `json:"id"`
	RecordType      string          `json:"record_type"`
	RecordID        int64           `json:"record_id"`
	OwnerOrg        int64           `json:"owner_org_id"`
	AuthorOrg       int64           `json:"author_org_id"`
	AuthorUser      *int64          `json:"author_user_id"`
	Kind            string          `json:"kind"`
	Subject         string          `json:"subject"`
	Body            string          `json:"body"`
	OccurredAt      time.Time       `json:"occurred_at"`
	Outcome         *string         `json:"outcome,omitempty"`
	DurationSeconds *int            `json:"duration_seconds,omitempty"`
	EndsAt          *time.Time      `json:"ends_at,omitempty"`
	Location        *string         `json:"location,omitempty"`
	DueAt           *time.Time      `json:"due_at,omitempty"`
	AssigneeUser    *int64          `json:"assignee_user_id,omitempty"`
	DoneAt          *time.Time      `json:"done_at,omitempty"`
	DoneBy          *int64          `json:"done_by,omitempty"`
	Event           *string         `json:"event,omitempty"`
	Detail          json.RawMessage `json:"detail,omitempty"`
	MailMessageID   *int64          `json:"mail_message_id,omitempty"`
	ConversationID  *string         `json:"conversation_id,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// columns are read by position (scan), in this order.
const columns = `t.id, t.record_type, t.record_id, t.owner_org_id, t.author_org_id, t.author_user_id, t.kind, t.subject, t.body, t.occurred_at,
	t.outcome, t.duration_seconds, t.ends_at, t.location, t.due_at, t.assignee_user_id, t.done_at, t.done_by, t.event, t.detail,
	t.mail_message_id, t.conversation_id, t.created_at, t.updated_at`

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner, x *Activity) error {
	var detail []byte
	if err := r.Scan(&x.ID, &x.RecordType, &x.RecordID, &x.OwnerOrg, &x.AuthorOrg, &x.AuthorUser, &x.Kind, &x.Subject, &x.Body, &x.OccurredAt,
		&x.Outcome, &x.DurationSeconds, &x.EndsAt, &x.Location, &x.DueAt, &x.AssigneeUser, &x.DoneAt, &x.DoneBy, &x.Event, &detail,
		&x.MailMessageID, &x.ConversationID, &x.CreatedAt, &x.UpdatedAt); err != nil {
		return err
	}
	if detail != nil {
		x.Detail = json.RawMessage(detail)
	}
	return nil
}

// Service keeps activities.
type Service struct {
	DB *db.DB
	// Now is the clock (tests set it); time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Input is what a person logs: Kind on create (call, meeting, note or task);
// the other fields as the kind takes them. Times are RFC 3339. On update nil
// leaves a field as it is.
type Input struct {
	Kind            *string `json:"kind"`
	Subject         *string `json:"subject"`
	Body            *string `json:"body"`
	OccurredAt      *string `json:"occurred_at"`
	Outcome         *string `json:"outcome"`
	DurationSeconds *int    `json:"duration_seconds"`
	EndsAt          *string `json:"ends_at"`
	Location        *string `json:"location"`
	DueAt           *string `json:"due_at"`
	Assignee        *int64  `json:"assignee_user_id"`
}

// apply checks in against the kind and writes it into x. Errors: Invalid,
// naming the field.
func (in Input) apply(x *Activity) error {
	text := func(field string, v *string, max int, dst *string) error {
		if v == nil {
			return nil
		}
		t := strings.TrimSpace(*v)
		if len(t) > max {
			return apperr.Field(field, "must be at most %d characters", max)
		}
		*dst = t
		return nil
	}
	when := func(field string, v *string) (*time.Time, error) {
		if v == nil || strings.TrimSpace(*v) == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(*v))
		if err != nil {
			return nil, apperr.Field(field, "%q is not a time (RFC 3339, such as 2026-12-07T15:04:05Z)", *v)
		}
		return &t, nil
	}
	only := func(field string, set bool, kinds ...string) error {
		if !set {
			return nil
		}
		for _, k := range kinds {
			if x.Kind == k {
				return nil
			}
		}
		return apperr.Field(field, "does not apply to a %s", x.Kind)
	}
	if err := text("subject", in.Subject, 200, &x.Subject); err != nil {
		return err
	}
	if err := text("body", in.Body, 20000, &x.Body); err != nil {
		return err
	}
	t, err := when("occurred_at", in.OccurredAt)
	if err != nil {
		return err
	}
	if t != nil {
		x.OccurredAt = *t
	}
	for _, c := range []struct {
		field string
		set   bool
		kinds []string
	}{
		{"outcome", in.Outcome != nil, []string{Call}},
		{"duration_seconds", in.DurationSeconds != nil, []string{Call, Meeting}},
		{"ends_at", in.EndsAt != nil, []string{Meeting}},
		{"location", in.Location != nil, []string{Meeting}},
		{"due_at", in.DueAt != nil, []string{Task}},
		{"assignee_user_id", in.Assignee != nil, []string{Task}},
	} {
		if err := only(c.field, c.set, c.kinds...); err != nil {
			return err
		}
	}
	if in.Outcome != nil {
		o := strings.TrimSpace(*in.Outcome)
		if err := oneOf("outcome", o, Outcomes); err != nil {
			return err
		}
		x.Outcome = &o
	}
	if in.DurationSeconds != nil {
		if d := *in.DurationSeconds; d < 0 || d > 86400 {
			return apperr.Field("duration_seconds", "must be between 0 and 86400 (a day)")
		}
		x.DurationSeconds = in.DurationSeconds
	}
	if in.EndsAt != nil {
		if x.EndsAt, err = when("ends_at", in.EndsAt); err != nil {
			return err
		}
	}
	if x.EndsAt != nil && x.EndsAt.Before(x.OccurredAt) {
		return apperr.Field("ends_at", "must not be before the meeting starts (occurred_at)")
	}
	if in.Location != nil {
		var l string
		if err := text("location", in.Location, 200, &l); err != nil {
			return err
		}
		x.Location = &l
	}
	if in.DueAt != nil {
		if x.DueAt, err = when("due_at", in.DueAt); err != nil {
			return err
		}
	}
	if in.Assignee != nil {
		if *in.Assignee <= 0 {
			x.AssigneeUser = nil
		} else {
			x.AssigneeUser = in.Assignee
		}
	}
	if x.Kind == Note && x.Body == "" {
		return apperr.Field("body", "a note needs a text")
	}
	if (x.Kind == Task || x.Kind == Meeting) && x.Subject == "" {
		return apperr.Field("subject", "a %s needs a subject", x.Kind)
	}
	return nil
}

func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return apperr.Field(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// Create logs an activity (a call, meeting, note or task) on a record the
// actor's organization may change (its owner, or one it is shared with for
// writing). Sales role and above. Errors: Forbidden, Invalid, NotFound.
func (s *Service) Create(ctx context.Context, a partners.Actor, recordType string, recordID int64, in Input) (*Activity, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if in.Kind == nil {
		return nil, apperr.Field("kind", "is required")
	}
	x := Activity{Kind: strings.TrimSpace(*in.Kind), OccurredAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := oneOf("kind", x.Kind, []string{Call, Meeting, Note, Task}); err != nil {
		return nil, err
	}
	if err := in.apply(&x); err != nil {
		return nil, err
	}
	var out Activity
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		an, err := anchor(ctx, tx, a.Network, recordType, recordID)
		if err != nil {
			return err
		}
		if an.Owner != a.Org && !contains(an.Writers, a.Org) {
			return apperr.E(apperr.Forbidden, "Your organization may read %s %d but not log activities on it: it is shared with you for reading.", recordType, recordID)
		}
		if err := checkAssignee(ctx, tx, a, x.AssigneeUser); err != nil {
			return err
		}
		row := tx.QueryRowxContext(ctx, `INSERT INTO activities AS t (network_id, record_type, record_id, share_type, share_id, owner_org_id, author_org_id, author_user_id,
			kind, subject, body, occurred_at, outcome, duration_seconds, ends_at, location, due_at, assignee_user_id, reader_orgs, writer_orgs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING `+columns,
			a.Network, recordType, recordID, an.ShareType, an.ShareID, an.Owner, a.Org, nullID(a.User),
			x.Kind, x.Subject, x.Body, x.OccurredAt, x.Outcome, x.DurationSeconds, x.EndsAt, x.Location, x.DueAt, x.AssigneeUser,
			pq.Int64Array(an.Readers), pq.Int64Array(an.Writers))
		if err := scan(row, &out); err != nil {
			return err
		}
		return audit(ctx, tx, a, "activity.create", out.ID, map[string]any{"kind": out.Kind, "record_type": recordType, "record_id": recordID})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func contains(l []int64, v int64) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func checkAssignee(ctx context.Context, tx *sqlx.Tx, a partners.Actor, user *int64) error {
	if user == nil {
		return nil
	}
	ok, err := partners.ActiveMember(ctx, tx, a.Network, a.Org, *user)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field("assignee_user_id", "user %d is not an active user of your organization", *user)
	}
	return nil
}

// Get returns an activity the actor may see, on a record it may see.
// Errors: NotFound.
func (s *Service) Get(ctx context.Context, a partners.Actor, id int64) (*Activity, error) {
	var out Activity
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := s.get(ctx, tx, a, id, &out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// get reads an activity and checks that its record is visible too.
func (s *Service) get(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, out *Activity) (Anchor, error) {
	q := `SELECT ` + columns + ` FROM activities t WHERE t.network_id = $1 AND t.id = $2`
	if err := scan(tx.QueryRowxContext(ctx, q, a.Network, id), out); err != nil {
		return Anchor{}, db.Absent(err, "Activity %d not found.", id)
	}
	an, err := anchor(ctx, tx, a.Network, out.RecordType, out.RecordID)
	if apperr.Is(err, apperr.NotFound) {
		return an, apperr.E(apperr.NotFound, "Activity %d not found.", id)
	}
	return an, err
}

// Update changes what a person logged. Only the author's organization may
// change it, with the sales role; system events and mail are not changed by
// hand. Errors: Forbidden, Invalid, NotFound.
func (s *Service) Update(ctx context.Context, a partners.Actor, id int64, in Input) (*Activity, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if in.Kind != nil {
		return nil, apperr.Field("kind", "cannot change: log a new activity instead")
	}
	var out Activity
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var x Activity
		if _, err := s.get(ctx, tx, a, id, &x); err != nil {
			return err
		}
		if x.Kind == System || x.Kind == Email {
			return apperr.E(apperr.Forbidden, "Activity %d is a %s entry: the hub writes those, nobody edits them.", id, x.Kind)
		}
		if x.AuthorOrg != a.Org {
			return apperr.E(apperr.Forbidden, "Activity %d was logged by another organization: only its organization may change it.", id)
		}
		if err := in.apply(&x); err != nil {
			return err
		}
		if in.Assignee != nil {
			if err := checkAssignee(ctx, tx, a, x.AssigneeUser); err != nil {
				return err
			}
		}
		row := tx.QueryRowxContext(ctx, `UPDATE activities t SET subject = $3, body = $4, occurred_at = $5, outcome = $6, duration_seconds = $7,
			ends_at = $8, location = $9, due_at = $10, assignee_user_id = $11, updated_at = now()
			WHERE t.network_id = $1 AND t.id = $2 RETURNING `+columns,
			a.Network, id, x.Subject, x.Body, x.OccurredAt, x.Outcome, x.DurationSeconds, x.EndsAt, x.Location, x.DueAt, x.AssigneeUser)
		if err := scan(row, &out); err != nil {
			return db.Absent(err, "Activity %d not found.", id)
		}
		return audit(ctx, tx, a, "activity.update", id, map[string]any{"kind": out.Kind})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Complete marks a task done (or, with done false, open again). Anyone whose
// organization may change the record may tick it off, with the sales role.
// Errors: Forbidden, Invalid (not a task), NotFound.
func (s *Service) Complete(ctx context.Context, a partners.Actor, id int64, done bool) (*Activity, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	var out Activity
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var x Activity
		an, err := s.get(ctx, tx, a, id, &x)
		if err != nil {
			return err
		}
		if x.Kind != Task {
			return apperr.E(apperr.Invalid, "Activity %d is a %s, not a task: only tasks are completed.", id, x.Kind)
		}
		if an.Owner != a.Org && !contains(an.Writers, a.Org) {
			return apperr.E(apperr.Forbidden, "Task %d is on a record your organization may only read.", id)
		}
		var at, by any
		if done {
			at, by = s.now().UTC(), nullID(a.User)
		}
		row := tx.QueryRowxContext(ctx, `UPDATE activities t SET done_at = $3, done_by = $4, updated_at = now()
			WHERE t.network_id = $1 AND t.id = $2 RETURNING `+columns, a.Network, id, at, by)
		if err := scan(row, &out); err != nil {
			return db.Absent(err, "Activity %d not found.", id)
		}
		return audit(ctx, tx, a, "activity.complete", id, map[string]any{"done": done})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Log writes a system event on a record in the caller's transaction (record
// created, shared, stage changed, registration approved...). It follows the
// record like any activity. The record must be visible to the actor.
func Log(ctx context.Context, tx *sqlx.Tx, a partners.Actor, recordType string, recordID int64, event string, detail map[string]any) error {
	an, err := anchor(ctx, tx, a.Network, recordType, recordID)
	if err != nil {
		return err
	}
	var d any
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		d = string(b)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO activities (network_id, record_type, record_id, share_type, share_id, owner_org_id, author_org_id, author_user_id,
		kind, event, detail, reader_orgs, writer_orgs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'system', $9, $10, $11, $12)`,
		a.Network, recordType, recordID, an.ShareType, an.ShareID, an.Owner, a.Org, nullID(a.User), event, d,
		pq.Int64Array(an.Readers), pq.Int64Array(an.Writers))
	return err
}

// Filter narrows a timeline: by kind, and after a cursor.
type Filter struct {
	Kind   string
	Cursor string
	Limit  int
}

type cursorKey struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

func decodeCursor(s string) (cursorKey, error) {
	var k cursorKey
	if s == "" {
		return k, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &k) != nil || k.ID <= 0 {
		return k, apperr.Field("cursor", "is not a cursor this API gave out")
	}
	return k, nil
}

func encodeCursor(k cursorKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Timeline returns a page of a record's activities, newest first, and the next
// page's cursor. The record must be visible to the actor; of its activities,
// those that follow it (visible with it) and the actor's organization's own
// mail. Errors: Invalid (kind, cursor, record type), NotFound (the record).
func (s *Service) Timeline(ctx context.Context, a partners.Actor, recordType string, recordID int64, f Filter) ([]Activity, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Kind != "" {
		if err := oneOf("kind", f.Kind, Kinds); err != nil {
			return nil, "", err
		}
	}
	k, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q, args := timelineSQL(a, recordType, recordID, f, k)
	out := make([]Activity, 0, f.Limit+1)
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := anchor(ctx, tx, a.Network, recordType, recordID); err != nil {
			return err
		}
		st, err := s.DB.Prepared(ctx, tx, q)
		if err != nil {
			return err
		}
		rows, err := st.QueryxContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			out = append(out, Activity{})
			if err := scan(rows, &out[len(out)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[f.Limit-1]
		next = encodeCursor(cursorKey{At: last.OccurredAt, ID: last.ID})
	}
	return out, next, nil
}

// timelineSQL is the timeline's statement for the filter's shape: the record's
// index range (with the kind before the sort key when filtered), the
// visibility path written out (the owner organization's rows, or those whose
// readers name it), newest first after the cursor.
func timelineSQL(a partners.Actor, recordType string, recordID int64, f Filter, k cursorKey) (string, []any) {
	args := []any{a.Network, recordType, recordID, a.Org}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := `t.network_id = $1 AND t.record_type = $2 AND t.record_id = $3 AND (t.owner_org_id = $4 OR $4 = ANY (t.reader_orgs))`
	if f.Kind != "" {
		where += ` AND t.kind = ` + arg(f.Kind)
	}
	if k.ID != 0 {
		where += ` AND (t.occurred_at, t.id) < (` + arg(k.At) + `, ` + arg(k.ID) + `)`
	}
	return `SELECT ` + columns + ` FROM activities t WHERE ` + where + ` ORDER BY t.occurred_at DESC, t.id DESC LIMIT ` + arg(f.Limit+1), args
}

func nullID(v int64) any {
	if v <= 0 {
		return nil
	}
	return v
}

func audit(ctx context.Context, tx *sqlx.Tx, a partners.Actor, action string, id int64, detail map[string]any) error {
	return auditlog.Append(ctx, tx, auditlog.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action,
		TargetType: "activity", TargetID: fmt.Sprint(id), Detail: detail})
}

// MailLink is an email message shown on a record's timeline.
type MailLink struct {
	RecordType     string
	RecordID       int64
	MailMessageID  int64
	ConversationID string
	Subject        string
	Snippet        string
	At             time.Time
}

// LinkMail puts email messages on records' timelines, in the caller's
// transaction, as activities private to the actor's organization (the one
// whose mailbox received them): whoever else can see the record does not see
// this organization's mail. A link already made is left as it is, so a sync
// run twice links once. It returns how many links are new. The records must be
// visible to the actor (the caller found them under its policies).
func LinkMail(ctx context.Context, tx *sqlx.Tx, a partners.Actor, links []MailLink) (int, error) {
	n := 0
	for _, l := range links {
		registryMu.RLock()
		_, ok := registry[l.RecordType]
		registryMu.RUnlock()
		if !ok {
			return n, fmt.Errorf("link mail to %s %d: not a record type activities hang on", l.RecordType, l.RecordID)
		}
		subject := l.Subject
		if len(subject) > 200 {
			subject = cut(subject, 200)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO activities (network_id, record_type, record_id, owner_org_id, author_org_id, kind, subject, body,
			occurred_at, mail_message_id, conversation_id) VALUES ($1, $2, $3, $4, $4, 'email', $5, $6, $7, $8, $9)
			ON CONFLICT (network_id, record_type, record_id, mail_message_id) DO NOTHING`,
			a.Network, l.RecordType, l.RecordID, a.Org, subject, cut(l.Snippet, 1000), l.At, l.MailMessageID, l.ConversationID)
		if err != nil {
			return n, fmt.Errorf("link mail %d to %s %d: %w", l.MailMessageID, l.RecordType, l.RecordID, err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// MailThreaded records the conversation that messages now belong to on their
// timeline entries (a conversation's id changes when threads merge).
func MailThreaded(ctx context.Context, tx *sqlx.Tx, a partners.Actor, conversation string, messages []int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE activities SET conversation_id = $3 WHERE network_id = $1 AND owner_org_id = $2 AND kind = 'email'
		AND mail_message_id = ANY ($4) AND conversation_id IS DISTINCT FROM $3`, a.Network, a.Org, conversation, pq.Int64Array(messages))
	return err
}

// cut shortens s to at most n bytes on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
