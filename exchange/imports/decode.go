package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	unicodeenc "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// headerKey normalizes a header for matching: no accents, case, spaces or punctuation.
func headerKey(h string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, _ := transform.String(t, strings.ToLower(strings.TrimSpace(h)))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// decode turns the file into UTF-8: a UTF-8 or UTF-16 byte-order mark decides;
// otherwise valid UTF-8 is kept and anything else is read as Windows-1252 (the
// Latin-1 superset that Brazilian spreadsheets write).
func decode(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return string(data[3:]), "UTF-8 (BOM)", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicodeenc.UTF16(unicodeenc.BigEndian, unicodeenc.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", "", apperr.Field("file", "the file says it is UTF-16 but is not readable as such")
		}
		return string(out), "UTF-16", nil
	case utf8.Valid(data):
		return string(data), "UTF-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", apperr.Field("file", "the file's text encoding is not recognized")
	}
	return string(out), "Windows-1252 (Latin-1)", nil
}

// sniffDelimiter picks comma, semicolon or tab from the header line.
func sniffDelimiter(text string) rune {
	line, _, _ := strings.Cut(text, "\n")
	best, n := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		if c := strings.Count(line, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// newReader reads a decoded file's records, of any length (a row with a field
// too many or too few is reported as such, not as the file's error).
func newReader(txt string, delim rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(txt))
	r.Comma = delim
	r.FieldsPerRecord = -1
	return r
}

func delimiterName(d rune) string {
	return map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[d]
}

// nulError refuses a file holding a NUL character, which no text column can store,
// naming its line and column (and the column's header); nil when there is none.
// Only a file with a NUL is parsed here, so a clean one costs one byte scan.
func nulError(text string, delim rune) error {
	at := strings.IndexByte(text, 0)
	if at < 0 {
		return nil
	}
	r := newReader(text, delim)
	var header []string
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		if header == nil {
			header = rec
		}
		for i, f := range rec {
			if strings.IndexByte(f, 0) >= 0 {
				line, _ := r.FieldPos(i)
				name := ""
				if i < len(header) {
					name = strings.ReplaceAll(header[i], "\x00", "")
				}
				return apperr.Field("file", "line %d, column %d (%q) holds a NUL character, which cannot be stored", line, i+1, name)
			}
		}
	}
	// The file does not read as CSV up to the NUL: its place in the text.
	line := strings.Count(text[:at], "\n") + 1
	char := utf8.RuneCountInString(text[strings.LastIndexByte(text[:at], '\n')+1:at]) + 1
	return apperr.Field("file", "line %d, character %d holds a NUL character, which cannot be stored", line, char)
}

// checkFile refuses a file that no import could read, before anything is stored
// or parsed: too large, empty. It is the one place the size limit is checked.
// Errors: Invalid.
func checkFile(data []byte) error {
	if len(data) > MaxBytes {
		return apperr.Field("file", "the file is %d bytes; the limit is %d MiB", len(data), MaxBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return apperr.Field("file", "the file is empty")
	}
	return nil
}

// text reads an uploaded file as Import will: checked, decoded, its delimiter
// sniffed, refused when it holds what no text column can store.
// Errors: Invalid.
func text(data []byte) (txt, encoding string, delim rune, err error) {
	if err := checkFile(data); err != nil {
		return "", "", 0, err
	}
	if kind := binaryKind(data); kind != "" {
		return "", "", 0, apperr.Field("file", "the file is not CSV text but %s: save or export it as CSV and upload that", kind)
	}
	txt, encoding, err = decode(data)
	if err != nil {
		return "", "", 0, err
	}
	delim = sniffDelimiter(txt)
	if err := nulError(txt, delim); err != nil {
		return "", "", 0, err
	}
	return txt, encoding, delim, nil
}

// binaryKind names the type of a file that is no text by its content, whatever
// its name says ("image/png" for a PNG renamed .csv, "application/zip" for an
// .xlsx workbook), after the signatures http.DetectContentType knows and the
// older Office files; "" for text, or for bytes it cannot name (which decode
// and nulError then judge, as before).
func binaryKind(data []byte) string {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		return "a Microsoft Office document (application/x-ole-storage)"
	}
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	if strings.HasPrefix(ct, "text/") || ct == "application/octet-stream" {
		return ""
	}
	return ct
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return apperr.Field("file", "line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	}
	return apperr.Field("file", "%v", err)
}
