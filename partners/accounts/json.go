package accounts

import (
	"strconv"

	"github.com/partnerhub/partnerhub/internal/jsonenc"
)

// AppendJSON appends the account as encoding/json writes it (the same bytes:
// field order, HTML-safe escaping, null for nil arrays and pointers), without
// reflection: a page of a list is encoded field by field into one buffer.
// TestAppendJSONIsEncodingJSON holds the two together.
func (acc *Account) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, acc.ID, 10)
	b = append(b, `,"owner_org_id":`...)
	b = strconv.AppendInt(b, acc.OwnerOrg, 10)
	b = append(b, `,"owner_org_name":`...)
	b = jsonenc.AppendString(b, acc.OwnerOrgNm)
	b = append(b, `,"owner_user_id":`...)
	if acc.OwnerUser == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *acc.OwnerUser, 10)
	}
	b = append(b, `,"name":`...)
	b = jsonenc.AppendString(b, acc.Name)
	b = append(b, `,"domains":`...)
	b = jsonenc.AppendStrings(b, acc.Domains)
	for _, f := range [...]struct {
		key string
		v   *string
	}{{`,"duns":`, &acc.DUNS}, {`,"cnpj":`, &acc.CNPJ}, {`,"vat":`, &acc.VAT}, {`,"industry":`, &acc.Industry}, {`,"size":`, &acc.Size},
		{`,"region":`, &acc.Region}, {`,"street":`, &acc.Street}, {`,"city":`, &acc.City}, {`,"state":`, &acc.State},
		{`,"postal_code":`, &acc.PostalCode}, {`,"country":`, &acc.Country}} {
		b = append(b, f.key...)
		b = jsonenc.AppendString(b, *f.v)
	}
	b = append(b, `,"tags":`...)
	b = jsonenc.AppendStrings(b, acc.Tags)
	b = append(b, `,"archived_at":`...)
	if acc.ArchivedAt == nil {
		b = append(b, "null"...)
	} else {
		b = jsonenc.AppendTime(b, *acc.ArchivedAt)
	}
	b = append(b, `,"created_at":`...)
	b = jsonenc.AppendTime(b, acc.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonenc.AppendTime(b, acc.UpdatedAt)
	b = append(b, `,"shared_with_you":`...)
	b = strconv.AppendBool(b, acc.SharedToMe)
	b = append(b, `,"can_write":`...)
	b = strconv.AppendBool(b, acc.CanWrite)
	return append(b, '}')
}

// AppendJSONString appends s as a JSON string, escaped as encoding/json does.
func AppendJSONString(b []byte, s string) []byte { return jsonenc.AppendString(b, s) }
