package leads

import (
	"strconv"

	"github.com/partnerhub/partnerhub/internal/jsonenc"
)

// AppendJSON appends the lead as encoding/json writes it (the same bytes:
// field order, escaping, null for nil pointers), without reflection: a page
// of the list is encoded field by field into one buffer (docs/LISTS.md item
// 6). TestAppendJSONIsEncodingJSON holds the two together.
func (l *Lead) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, l.ID, 10)
	b = append(b, `,"owner_org_id":`...)
	b = strconv.AppendInt(b, l.OwnerOrg, 10)
	b = append(b, `,"owner_user_id":`...)
	b = jsonenc.AppendInt64Ptr(b, l.OwnerUser)
	for _, f := range [...]struct {
		key string
		v   *string
	}{{`,"company":`, &l.Company}, {`,"contact_name":`, &l.ContactName}, {`,"email":`, &l.Email}, {`,"region":`, &l.Region},
		{`,"industry":`, &l.Industry}, {`,"notes":`, &l.Notes}, {`,"status":`, &l.Status}} {
		b = append(b, f.key...)
		b = jsonenc.AppendString(b, *f.v)
	}
	b = append(b, `,"status_reason":`...)
	b = jsonenc.AppendStringPtr(b, l.StatusReason)
	b = append(b, `,"assigned_org_id":`...)
	b = jsonenc.AppendInt64Ptr(b, l.AssignedOrg)
	b = append(b, `,"assignment":`...)
	b = jsonenc.AppendString(b, l.Assignment)
	b = append(b, `,"offered_at":`...)
	b = jsonenc.AppendTimePtr(b, l.OfferedAt)
	b = append(b, `,"respond_by":`...)
	b = jsonenc.AppendTimePtr(b, l.RespondBy)
	b = append(b, `,"promotion_id":`...)
	b = jsonenc.AppendInt64Ptr(b, l.Promotion)
	b = append(b, `,"consent_at":`...)
	b = jsonenc.AppendTimePtr(b, l.ConsentAt)
	b = append(b, `,"consent_text":`...)
	b = jsonenc.AppendStringPtr(b, l.ConsentText)
	b = append(b, `,"created_at":`...)
	b = jsonenc.AppendTime(b, l.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonenc.AppendTime(b, l.UpdatedAt)
	return append(b, '}')
}
