package interchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
)

// jsonRecordsCSV turns a JSON profile's file, an array of objects whose
// members are the fields of the profile's family (the columns of its CSV
// import: "name", "domains" …), into the CSV the import pipeline reads. A
// value is a string, a number, a boolean, null (empty) or an array of those
// (joined with ";", as a CSV cell lists them). Errors: Invalid, naming the
// record and the field.
func jsonRecordsCSV(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var recs []map[string]any
	if err := dec.Decode(&recs); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, apperr.Field("file", "is not JSON: it ends before its array is closed")
		case errors.As(err, &se):
			return nil, apperr.Field("file", "is not JSON: %s at byte %d", se.Error(), se.Offset)
		case errors.As(err, &te):
			return nil, apperr.Field("file", "must be a JSON array of objects, one per record (at byte %d)", te.Offset)
		}
		return nil, apperr.Field("file", "must be a JSON array of objects, one per record")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, apperr.Field("file", "holds more than one JSON value: send one array of records")
	}
	if len(recs) == 0 {
		return nil, apperr.Field("file", "holds no record")
	}
	if len(recs) > imports.MaxRows {
		return nil, apperr.Field("file", "holds more than %d records", imports.MaxRows)
	}
	seen := map[string]bool{}
	var head []string
	for _, r := range recs {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				head = append(head, k)
			}
		}
	}
	slices.Sort(head)
	var b bytes.Buffer
	w := imports.NewSafeWriter(&b)
	if err := w.Write(head); err != nil {
		return nil, err
	}
	row := make([]string, len(head))
	for i, r := range recs {
		if r == nil {
			return nil, apperr.Field("file", "record %d is not a JSON object", i+1)
		}
		for j, k := range head {
			v, err := jsonCell(r[k])
			if err != nil {
				return nil, apperr.Field("file", "record %d, field %q: %s", i+1, k, err.Error())
			}
			row[j] = v
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// errNotCell is a JSON value that no CSV cell holds.
var errNotCell = errors.New("must be a string, a number, a boolean, null or an array of those")

func jsonCell(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if _, nested := e.([]any); nested {
				return "", errNotCell
			}
			s, err := jsonCell(e)
			if err != nil {
				return "", err
			}
			if s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ";"), nil
	}
	return "", errNotCell
}
