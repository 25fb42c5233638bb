package web

import (
	"embed"
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages the portal speaks.
var Languages = []string{"en", "pt-BR"}

var bundle = func() *i18n.Bundle {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range Languages {
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+l+".json"); err != nil {
			panic(err)
		}
	}
	return b
}()

// langKey is the request local that fixes a response's language (a public
// form posted in the language it was written in).
const langKey = "lang"

// lang chooses the language: one the request fixed (langKey), the user's
// setting, then the lang cookie, then Accept-Language.
func lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(langKey).(string); ok && l != "" {
		return l
	}
	if a := actorOf(c); a != nil && a.Locale != "" {
		return a.Locale
	}
	if l := c.Cookies("ph_lang"); l == "en" || l == "pt-BR" {
		return l
	}
	tags, _, _ := language.ParseAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	matcher := language.NewMatcher([]language.Tag{language.English, language.BrazilianPortuguese})
	_, i, _ := matcher.Match(tags...)
	if i == 1 {
		return "pt-BR"
	}
	return "en"
}

// translator returns the T function of a language: a message by id, with optional
// key/value pairs for its template data. A missing message shows its id, which the
// catalog test forbids.
func translator(l string) func(id string, kv ...any) string {
	loc := i18n.NewLocalizer(bundle, l)
	return func(id string, kv ...any) string {
		data := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				data[k] = kv[i+1]
			}
		}
		msg, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		if err != nil {
			return id
		}
		return msg
	}
}
