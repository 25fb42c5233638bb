package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/leads"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

// The public lead form of a joint promotion (issue 19, item 3).
//
// Each published or active promotion has a form anyone may fill in without
// signing in, at /lead-forms/TOKEN, and an HTML snippet (the same fields) its
// owner pastes on another site, which posts to the same address. TOKEN names
// the network and the promotion and carries an HMAC of both under the hub's
// secret, so a form address cannot be guessed from a promotion id and needs no
// lookup across networks.
//
// CSRF: the form is meant to be posted from other sites, so it takes no
// session CSRF token. It is safe because the only state it changes is a new
// lead of the vendor's: the handler never reads who is signed in (a post
// riding on a visitor's cookies gains nothing), and the token is public per
// promotion by design. Spam is kept out by a honeypot field (filled: the
// post is thanked and nothing is stored), a signed render time (a post
// without one, such as the snippet's, or sent under leadFormMinDelay after
// the page was drawn, gets the form back filled in, to send again, and
// nothing is stored), and the shared rate limiter per client address and per
// promotion. Consent (LGPD/GDPR) is a box the person must tick; the lead keeps
// its wording and time.

// leadFormMinDelay is the least time between drawing the form and sending it
// that a person takes; leadFormMaxAge is the most a drawn form is good for.
const (
	leadFormMinDelay = 3 * time.Second
	leadFormMaxAge   = 24 * time.Hour
)

// leadFormWindow is the rate limits' window on the public form.
const leadFormWindow = time.Hour

var leadForm = newForm("lead-form",
	fieldSpec{Name: "company", Label: "leadform.company", Required: true, Max: 200, Autocomplete: "organization"},
	fieldSpec{Name: "contact_name", Label: "leadform.contact_name", Required: true, Max: 200, Autocomplete: "name"},
	fieldSpec{Name: "email", Label: "leadform.email", Type: "email", Required: true, Max: 254, Autocomplete: "email"},
	fieldSpec{Name: "region", Label: "leadform.region", Max: 60, Autocomplete: "country-name"},
	fieldSpec{Name: "notes", Label: "leadform.notes", Type: "textarea", Max: 2000},
	fieldSpec{Name: "consent", Label: "leadform.consent_label", Required: true})

// leadFormPages registers the public form, its answer and its thank-you page.
func (s *Server) leadFormPages(p addPage) {
	perAddress, perPromotion := s.cfg.LeadFormLimit, s.cfg.LeadFormPromotionLimit
	if perAddress <= 0 {
		perAddress = 10
	}
	if perPromotion <= 0 {
		perPromotion = 300
	}
	s.leadRates = [2]*rateLeases{
		{db: s.db, limit: perAddress, window: leadFormWindow, keys: map[string]*rateLease{}},
		{db: s.db, limit: perPromotion, window: leadFormWindow, keys: map[string]*rateLease{}},
	}
	p("GET", "/lead-forms/:token", "", s.leadFormPage)
	p("POST", "/lead-forms/:token", "", s.leadFormSubmit)
	p("GET", "/lead-forms/:token/thanks", "", s.leadFormThanks)
}

// isLeadFormPost reports whether a request posts a public lead form, which
// the CSRF check lets through (see above).
func isLeadFormPost(c *fiber.Ctx) bool {
	rest, ok := strings.CutPrefix(c.Path(), "/lead-forms/")
	return ok && c.Method() == fiber.MethodPost && rest != "" && !strings.Contains(rest, "/")
}

func (s *Server) leadFormMAC(parts ...string) []byte {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("lead-form\x00" + strings.Join(parts, "\x00")))
	return m.Sum(nil)[:16]
}

// leadFormToken is the public form token of promotion id of network.
func (s *Server) leadFormToken(network, id int64) string {
	n, i := strconv.FormatInt(network, 10), strconv.FormatInt(id, 10)
	return n + "-" + i + "-" + hex.EncodeToString(s.leadFormMAC(n, i))
}

// parseLeadFormToken returns the network and promotion a token names, if its
// MAC holds.
func (s *Server) parseLeadFormToken(token string) (network, id int64, ok bool) {
	parts := strings.Split(token, "-")
	if len(parts) != 3 {
		return 0, 0, false
	}
	network, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[1], 10, 64)
	mac, err3 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || network <= 0 || id <= 0 {
		return 0, 0, false
	}
	if !hmac.Equal(mac, s.leadFormMAC(parts[0], parts[1])) {
		return 0, 0, false
	}
	return network, id, true
}

// leadFormStamp is the signed time a form was drawn at, for the too-fast check.
func (s *Server) leadFormStamp(token string, at time.Time) string {
	t := strconv.FormatInt(at.Unix(), 10)
	return t + "." + hex.EncodeToString(s.leadFormMAC("stamp", token, t))
}

// stampAge is how long ago a stamp of the token was made; ok is false for a
// missing, forged or expired one.
func (s *Server) stampAge(token, stamp string, now time.Time) (time.Duration, bool) {
	t, mac, found := strings.Cut(stamp, ".")
	sum, err := hex.DecodeString(mac)
	unix, err2 := strconv.ParseInt(t, 10, 64)
	if !found || err != nil || err2 != nil || !hmac.Equal(sum, s.leadFormMAC("stamp", token, t)) {
		return 0, false
	}
	age := now.Sub(time.Unix(unix, 0))
	return age, age >= -time.Minute && age <= leadFormMaxAge
}

// leadFormPromotion is the promotion the path's token names. Errors: NotFound.
func (s *Server) leadFormPromotion(c *fiber.Ctx) (*promotions.Public, string, error) {
	token := c.Params("token")
	network, id, ok := s.parseLeadFormToken(token)
	if !ok {
		return nil, "", apperr.E(apperr.NotFound, "No such form.")
	}
	p, err := s.promotions.PublicForm(c.UserContext(), network, id)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, "", apperr.E(apperr.NotFound, "No such form.")
		}
		return nil, "", err
	}
	if p.State == promotions.Draft || p.State == promotions.Cancelled {
		// Never public: an ended promotion's form says it is over (410).
		return nil, "", apperr.E(apperr.NotFound, "No such form.")
	}
	return p, token, nil
}

// consentText is the consent wording of a promotion's form in language l.
func consentText(l string, p *promotions.Public) string {
	tr := translator(l)
	if p.Owner != p.Vendor {
		return tr("leadform.consent_shared", "Vendor", p.VendorName, "Partner", p.OwnerName, "Promotion", p.Title)
	}
	return tr("leadform.consent", "Vendor", p.VendorName, "Promotion", p.Title)
}

// formLang is a posted form's language (the snippet says which it was written
// in), else the request's.
func formLang(c *fiber.Ctx) string {
	if l := c.FormValue("lang"); l == "en" || l == "pt-BR" {
		return l
	}
	return lang(c)
}

// leadFormPage draws the public form (410 once the promotion takes no more
// sign-ups).
func (s *Server) leadFormPage(c *fiber.Ctx) error {
	p, token, err := s.leadFormPromotion(c)
	if err != nil {
		return err
	}
	return s.drawLeadForm(c, p, token, nil, false)
}

// drawLeadForm renders the form of p; st is a form that came back (its values
// and messages), confirm asks to send it again.
func (s *Server) drawLeadForm(c *fiber.Ctx, p *promotions.Public, token string, st *formState, confirm bool) error {
	l := lang(c)
	data := fiber.Map{"P": p, "Action": "/lead-forms/" + token, "Stamp": s.leadFormStamp(token, time.Now()),
		"From": p.StartsOn.Format(time.DateOnly), "To": p.EndsOn.Format(time.DateOnly), "Consent": consentText(l, p),
		"Closed": !p.Accepting(), "Confirm": confirm, "FormState": st}
	switch {
	case !p.Accepting():
		c.Status(fiber.StatusGone)
	case st != nil && len(st.Problems) > 0:
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, "leadform", data)
}

// leadFormSubmit takes a filled-in form: a lead of the vendor's for the
// promotion, offered to the promotion's owner when that is a partner; then
// 303 to the thank-you page. Bad input comes back beside its fields (422);
// nothing is stored but the lead.
func (s *Server) leadFormSubmit(c *fiber.Ctx) error {
	p, token, err := s.leadFormPromotion(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	for i, key := range []string{"lead-form:ip:" + s.clientIP(c), fmt.Sprintf("lead-form:promotion:%d:%d", p.Network, p.ID)} {
		rl := s.leadRates[i]
		used, resetAt, err := rl.take(ctx, key)
		if err != nil {
			return fmt.Errorf("lead form rate limit: %w", err)
		}
		if used > rl.limit {
			minutes := max(int(math.Ceil(time.Until(resetAt).Minutes())), 1)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(minutes*60))
			if i == 0 {
				return apperr.E(apperr.TooMany, "Too many sign-ups from your address: try again in %d minutes.", minutes)
			}
			return apperr.E(apperr.TooMany, "This promotion takes no more sign-ups for now: try again in %d minutes.", minutes)
		}
	}
	l := formLang(c)
	c.Locals(langKey, l)
	if !p.Accepting() {
		return s.drawLeadForm(c, p, token, nil, false)
	}
	thanks := "/lead-forms/" + token + "/thanks"
	if strings.TrimSpace(c.FormValue("website")) != "" {
		// The honeypot: people do not see the field, robots fill it in.
		return seeOther(c, thanks)
	}
	in := leads.Capture{Company: c.FormValue("company"), ContactName: c.FormValue("contact_name"), Email: c.FormValue("email"),
		Region: c.FormValue("region"), Notes: c.FormValue("notes"), Consent: c.FormValue("consent") == "yes",
		ConsentText: consentText(l, p), Promotion: p.ID, PromotionTitle: p.Title}
	if problems := in.Problems(); len(problems) > 0 {
		return s.drawLeadForm(c, p, token, s.leadFormState(c, l, problems), false)
	}
	if age, ok := s.stampAge(token, c.FormValue("ts"), time.Now()); !ok || age < leadFormMinDelay {
		// Sent from the snippet (no render time), too fast for a person, or
		// from a page drawn too long ago: the form comes back filled in.
		return s.drawLeadForm(c, p, token, s.leadFormState(c, l, nil), true)
	}
	vendor := leads.CapturedActor(p.Network, p.Vendor)
	lead, err := s.leads.CreateCaptured(ctx, vendor, in)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
			return s.drawLeadForm(c, p, token, s.leadFormState(c, l, []*apperr.Error{ae}), false)
		}
		return err
	}
	if p.Owner != p.Vendor {
		// A partner's promotion: the lead is offered to the partner, as the
		// vendor offers any lead; it stays in the pool if the offer fails.
		if _, err := s.leads.Offer(ctx, vendor, lead.ID, p.Owner); err != nil {
			s.log.Warn("offer a captured lead", "lead", lead.ID, "promotion", p.ID, "err", err)
		}
	}
	return seeOther(c, thanks)
}

// leadFormState is the posted form with each problem beside its field.
func (s *Server) leadFormState(c *fiber.Ctx, l string, problems []*apperr.Error) *formState {
	tr := translator(l)
	st := &formState{ID: leadForm.ID, Values: map[string][]string{}, Errors: map[string]string{}}
	for _, f := range leadForm.Fields {
		if vs := postedValues(c, f.Name); vs != nil {
			st.Values[f.Name] = vs
		}
	}
	for _, ae := range problems {
		msg := ae.Translated(func(format string) string { return l10n.Lookup(l, format) })
		p := formProblem{Text: msg}
		if f, ok := leadForm.field(fieldOf(ae.Field)); ok {
			p.Field = f.Name
			p.Text = tr(f.Label) + ": " + msg
			st.Errors[f.Name] = p.Text
		}
		st.Problems = append(st.Problems, p)
	}
	return st
}

// leadFormThanks is the page after a sign-up.
func (s *Server) leadFormThanks(c *fiber.Ctx) error {
	p, _, err := s.leadFormPromotion(c)
	if err != nil {
		return err
	}
	return s.render(c, "leadform_thanks", fiber.Map{"P": p})
}

// leadFormSnippet is the HTML a promotion's owner pastes on another site: the
// form's fields in language l, posting to the hosted form at base.
func (s *Server) leadFormSnippet(base, l string, p *promotions.Public) (string, error) {
	tr := translator(l)
	label := func(id string) string { return tr(id) }
	var buf bytes.Buffer
	err := snippetTemplate.Execute(&buf, map[string]any{"Action": strings.TrimRight(base, "/") + "/lead-forms/" + s.leadFormToken(p.Network, p.ID),
		"Lang": l, "Title": p.Title, "Consent": consentText(l, p), "Fields": leadForm.Fields[:5], "Label": label,
		"Honeypot": tr("leadform.honeypot"), "Submit": tr("leadform.submit")})
	return buf.String(), err
}

var snippetTemplate = template.Must(template.New("snippet").Parse(`<form method="post" action="{{.Action}}" accept-charset="utf-8" lang="{{.Lang}}" aria-label="{{.Title}}">
<input type="hidden" name="lang" value="{{.Lang}}">
{{range .Fields}}<p><label for="ph-lead-{{.Name}}">{{call $.Label .Label}}</label><br>
{{if eq .Type "textarea"}}<textarea id="ph-lead-{{.Name}}" name="{{.Name}}" rows="3" maxlength="{{.Max}}"></textarea>{{else}}<input id="ph-lead-{{.Name}}" name="{{.Name}}" type="{{if .Type}}{{.Type}}{{else}}text{{end}}" maxlength="{{.Max}}"{{if .Required}} required{{end}}{{if .Autocomplete}} autocomplete="{{.Autocomplete}}"{{end}}>{{end}}</p>
{{end}}<p style="position:absolute;left:-10000px" aria-hidden="true"><label for="ph-lead-website">{{.Honeypot}}</label><input id="ph-lead-website" name="website" tabindex="-1" autocomplete="off"></p>
<p><input type="checkbox" id="ph-lead-consent" name="consent" value="yes" required> <label for="ph-lead-consent">{{.Consent}}</label></p>
<p><button type="submit">{{.Submit}}</button></p>
</form>
`))

// leadFormView is a promotion's public form as its owner gets it (API).
type leadFormView struct {
	URL       string `json:"url"`
	Lang      string `json:"lang"`
	Accepting bool   `json:"accepting"`
	Snippet   string `json:"snippet"`
}

// promotionLeadForm returns the public form of a promotion of the actor's
// organization: its address and the snippet in the language asked for.
// Errors: Forbidden (another's promotion), Invalid (lang), NotFound.
func (s *Server) promotionLeadForm(ctx context.Context, c *fiber.Ctx, a partners.Actor, id int64, l string) (*leadFormView, error) {
	if l == "" {
		l = "en"
	}
	if l != "en" && l != "pt-BR" {
		return nil, apperr.Field("lang", "%q is not one of %s", l, "en, pt-BR")
	}
	p, err := s.promotions.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if p.Summary || p.OwnerOrg != a.Org {
		return nil, apperr.E(apperr.Forbidden, "Only the organization that owns promotion %d may get its lead form.", id)
	}
	if p.State == promotions.Draft || p.State == promotions.Cancelled {
		// Not public: nobody may sign up, and a partner's is not even the
		// vendor's to read (the form makes the vendor's leads).
		return nil, apperr.E(apperr.Conflict, "Promotion %d is %s: publish it to get its public form.", id, p.State)
	}
	pub, err := s.promotions.PublicForm(ctx, a.Network, id)
	if err != nil {
		return nil, err
	}
	base := s.cfg.BaseURL
	if base == "" {
		base = c.BaseURL()
	}
	snippet, err := s.leadFormSnippet(base, l, pub)
	if err != nil {
		return nil, err
	}
	return &leadFormView{URL: strings.TrimRight(base, "/") + "/lead-forms/" + s.leadFormToken(a.Network, id), Lang: l,
		Accepting: pub.Accepting(), Snippet: snippet}, nil
}

func (s *Server) apiPromotionLeadForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	v, err := s.promotionLeadForm(c.UserContext(), c, *actorOf(c), id, c.Query("lang"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// apiPromotionResults is a promotion's results with the leads its public
// form captured (as the owner's organization sees leads: the vendor all of
// them, a partner those offered to it).
func (s *Server) apiPromotionResults(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := *actorOf(c)
	r, err := s.promotions.Results(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	counts, err := s.leads.PromotionCounts(c.UserContext(), a, []int64{id})
	if err != nil {
		return err
	}
	r.Leads = counts[id]
	return c.JSON(r)
}
