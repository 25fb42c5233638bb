// Package l10n translates the messages the domain packages make: the texts of
// apperr errors and of notifications. Their English format string (verbs and all)
// is the message id, as in gettext: the code stays readable, English needs no
// catalog, and a test (catalog_test.go) finds every format in the source and
// requires a translation with the same verbs in the same order.
//
// The portal's own labels live in internal/web/locales (go-i18n); this package is
// for texts made where the user's language is not at hand as a template.
package l10n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// Languages with a catalog here besides English, the source language.
var Languages = []string{"pt-BR"}

//go:embed catalogs/*.json
var catalogFS embed.FS

var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range Languages {
		b, err := catalogFS.ReadFile("catalogs/" + l + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("l10n: catalogs/%s.json: %v", l, err))
		}
		out[l] = m
	}
	return out
}()

// Lookup returns the translation of an English format into lang, or "" when there
// is none (English, an unknown language, or a format without an entry).
func Lookup(lang, format string) string {
	return catalogs[lang][format]
}

// Sprintf formats a message in lang, falling back to the English format.
func Sprintf(lang, format string, args ...any) string {
	if t := Lookup(lang, format); t != "" {
		format = t
	}
	return fmt.Sprintf(format, args...)
}

// Text is an error's message for the user in lang: an apperr message translated,
// with its field; "Internal error." (translated) for any other error.
func Text(lang string, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
		return Sprintf(lang, "Internal error.")
	}
	return ae.Text(func(format string) string { return Lookup(lang, format) })
}

// Msg is a message to be shown later to someone whose language is known only then,
// such as a notification's recipient.
type Msg struct {
	Format string
	Args   []any
}

// M makes a Msg. The format must be a constant: it is the message's id.
func M(format string, args ...any) Msg { return Msg{format, args} }

// In renders the message in lang.
func (m Msg) In(lang string) string { return Sprintf(lang, m.Format, m.Args...) }
