package deals

import (
	"strconv"

	"github.com/partnerhub/partnerhub/internal/jsonenc"
)

// AppendJSON appends the registration as encoding/json writes it (the same
// bytes: field order, escaping, null for nil arrays and pointers), without
// reflection: a page of the list is encoded field by field into one buffer
// (docs/LISTS.md item 6). TestAppendJSONIsEncodingJSON holds the two together.
func (r *Registration) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, `,"owner_org_id":`...)
	b = strconv.AppendInt(b, r.OwnerOrg, 10)
	b = append(b, `,"owner_user_id":`...)
	b = jsonenc.AppendInt64Ptr(b, r.OwnerUser)
	b = append(b, `,"account_id":`...)
	b = strconv.AppendInt(b, r.AccountID, 10)
	b = append(b, `,"account_name":`...)
	b = jsonenc.AppendString(b, r.AccountName)
	b = append(b, `,"title":`...)
	b = jsonenc.AppendString(b, r.Title)
	b = append(b, `,"products":`...)
	b = jsonenc.AppendStrings(b, r.Products)
	b = append(b, `,"amount_minor":`...)
	b = strconv.AppendInt(b, r.AmountMinor, 10)
	b = append(b, `,"amount":`...)
	b = jsonenc.AppendString(b, r.Amount)
	b = append(b, `,"currency":`...)
	b = jsonenc.AppendString(b, r.Currency)
	b = append(b, `,"expected_close":`...)
	b = jsonenc.AppendTime(b, r.ExpectedClose)
	b = append(b, `,"notes":`...)
	b = jsonenc.AppendString(b, r.Notes)
	b = append(b, `,"state":`...)
	b = jsonenc.AppendString(b, r.State)
	b = append(b, `,"reject_reason":`...)
	b = jsonenc.AppendStringPtr(b, r.RejectReason)
	b = append(b, `,"submitted_at":`...)
	b = jsonenc.AppendTimePtr(b, r.SubmittedAt)
	b = append(b, `,"decided_at":`...)
	b = jsonenc.AppendTimePtr(b, r.DecidedAt)
	b = append(b, `,"decided_by":`...)
	b = jsonenc.AppendInt64Ptr(b, r.DecidedBy)
	b = append(b, `,"expires_at":`...)
	b = jsonenc.AppendTimePtr(b, r.ExpiresAt)
	b = append(b, `,"extension_days":`...)
	b = jsonenc.AppendIntPtr(b, r.ExtensionDays)
	b = append(b, `,"extension_note":`...)
	b = jsonenc.AppendStringPtr(b, r.ExtensionNote)
	b = append(b, `,"match_keys":`...)
	b = jsonenc.AppendStrings(b, r.MatchKeys)
	b = append(b, `,"conflict":`...)
	b = jsonenc.AppendString(b, r.Conflict)
	b = append(b, `,"conflict_outcome":`...)
	b = jsonenc.AppendString(b, r.ConflictOutcome)
	b = append(b, `,"checked_at":`...)
	b = jsonenc.AppendTimePtr(b, r.CheckedAt)
	b = append(b, `,"created_at":`...)
	b = jsonenc.AppendTime(b, r.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonenc.AppendTime(b, r.UpdatedAt)
	return append(b, '}')
}
