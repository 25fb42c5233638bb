package web

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// exchangePages registers the portal's Exchange pages (issue 21), for an
// organization's admins: trading-partner profiles, the upload of an
// interchange, the exchange log, an interchange's page with its downloads,
// and the webhook subscriptions with their deliveries.
func (s *Server) exchangePages(p addPage) {
	p("GET", "/exchange", partners.Admin, s.exchangeHome)
	p("GET", "/exchange/profiles", partners.Admin, s.profilesPage)
	p("GET", "/exchange/profiles/new", partners.Admin, s.profileNewPage)
	p("POST", "/exchange/profiles", partners.Admin, s.profileCreate)
	p("GET", "/exchange/profiles/:id", partners.Admin, s.profileEditPage)
	p("POST", "/exchange/profiles/:id", partners.Admin, s.profileUpdate)
	p("GET", "/exchange/interchanges", partners.Admin, s.exchangeLogPage)
	p("POST", "/exchange/interchanges", partners.Admin, s.interchangeUpload)
	p("GET", "/exchange/interchanges/:id", partners.Admin, s.interchangePage)
	p("GET", "/exchange/interchanges/:id/ack.edi", partners.Admin, s.apiInterchangeAck)
	p("GET", "/exchange/interchanges/:id/original.edi", partners.Admin, s.apiInterchangeOriginal)
	p("GET", "/exchange/webhooks", partners.Admin, s.webhooksPage)
	p("POST", "/exchange/webhooks", partners.Admin, s.webhookCreate)
	p("GET", "/exchange/webhooks/:id", partners.Admin, s.webhookPage)
}

// The choices of a profile's form.
var (
	profileFormats = []string{interchange.X12, interchange.EDIFACT, interchange.CSV, interchange.JSON}
	profileAcks    = []string{interchange.AckNone, interchange.AckTA1, interchange.Ack997, interchange.Ack999, interchange.AckCONTRL}
	yesNo          = []string{"false", "true"}
)

var profileForm = newForm("profile",
	fieldSpec{Name: "name", Label: "exchange.profile_name", Required: true, Max: 120},
	fieldSpec{Name: "format", Label: "exchange.format", Type: "select", OptionPrefix: "exchange.format."},
	fieldSpec{Name: "partner_qualifier", Label: "exchange.partner_qualifier", Hint: "exchange.hint_qualifier", Max: 4},
	fieldSpec{Name: "partner_id", Label: "exchange.partner_id", Hint: "exchange.hint_partner_id", Max: 35},
	fieldSpec{Name: "own_qualifier", Label: "exchange.own_qualifier", Max: 4},
	fieldSpec{Name: "own_id", Label: "exchange.own_id", Max: 35},
	fieldSpec{Name: "version", Label: "exchange.version", Hint: "exchange.hint_version", Max: 12},
	fieldSpec{Name: "ack", Label: "exchange.ack", Type: "select", OptionPrefix: "exchange.ack."},
	fieldSpec{Name: "ta1_duplicates", Label: "exchange.ta1_duplicates", Type: "select", OptionPrefix: "exchange.yesno."},
	fieldSpec{Name: "delimiters", Label: "exchange.delimiters", Hint: "exchange.hint_delimiters", Max: 6},
	fieldSpec{Name: "csv_kind", Label: "exchange.csv_kind", Hint: "exchange.hint_csv_kind", Max: 40},
	fieldSpec{Name: "guides", Label: "exchange.guides", Type: "textarea", Hint: "exchange.hint_guides"})

var interchangeUploadForm = newForm("interchange-upload",
	fieldSpec{Name: "profile", Label: "exchange.upload_profile"},
	fieldSpec{Name: "file", Label: "exchange.file_label"})

var webhookNewForm = newForm("webhook-new",
	fieldSpec{Name: "url", Label: "exchange.webhook_url", Required: true, Max: 2000},
	fieldSpec{Name: "events", Label: "exchange.events", OptionPrefix: "exchange.event."})

func (s *Server) exchangeHome(c *fiber.Ctx) error { return seeOther(c, "/exchange/interchanges") }

func (s *Server) profilesPage(c *fiber.Ctx) error {
	list, err := s.exchange.Profiles(c.UserContext(), *actorOf(c), 0, 200)
	if err != nil {
		return err
	}
	t := newTable(c, "/exchange/profiles", nil, "")
	t.Shown, t.Total = len(list), len(list)
	return s.render(c, "exchange_profiles", fiber.Map{"Profiles": list, "Table": t})
}

// profileView is a profile as its form shows it.
type profileView struct {
	interchange.Profile
	GuidesText string
}

func viewProfile(p interchange.Profile) profileView {
	v := profileView{Profile: p}
	if len(p.Guides) > 0 && string(p.Guides) != "[]" {
		v.GuidesText = string(p.Guides)
	}
	return v
}

func (s *Server) renderProfileForm(c *fiber.Ctx, p profileView, action string) error {
	return s.render(c, "exchange_profile", fiber.Map{"P": p, "Action": action, "Formats": profileFormats, "Acks": profileAcks, "YesNo": yesNo,
		"ExportKinds": s.exchange.ExportKinds()})
}

func (s *Server) profileNewPage(c *fiber.Ctx) error {
	return s.renderProfileForm(c, profileView{Profile: interchange.Profile{Format: interchange.X12, Ack: interchange.Ack997}}, "/exchange/profiles")
}

func (s *Server) profileEditPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.exchange.Profile(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return s.renderProfileForm(c, viewProfile(*p), "/exchange/profiles/"+strconv.FormatInt(id, 10))
}

// profileInput reads the profile form.
func profileInput(c *fiber.Ctx) interchange.ProfileInput {
	return interchange.ProfileInput{Name: c.FormValue("name"), Format: c.FormValue("format"),
		PartnerQualifier: c.FormValue("partner_qualifier"), PartnerID: c.FormValue("partner_id"),
		OwnQualifier: c.FormValue("own_qualifier"), OwnID: c.FormValue("own_id"), Version: c.FormValue("version"),
		Ack: c.FormValue("ack"), TA1Duplicates: c.FormValue("ta1_duplicates") == "true",
		Guides: json.RawMessage(c.FormValue("guides")), Delimiters: c.FormValue("delimiters"), CSVKind: c.FormValue("csv_kind")}
}

func (s *Server) profileCreate(c *fiber.Ctx) error {
	p, err := s.exchange.CreateProfile(c.UserContext(), *actorOf(c), profileInput(c))
	if err != nil {
		return s.rejected(c, profileForm, "/exchange/profiles/new", err)
	}
	return s.done(c, "/exchange/profiles", translator(lang(c))("flash.profile_created", "Name", p.Name))
}

func (s *Server) profileUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/exchange/profiles/" + strconv.FormatInt(id, 10)
	// The profile is checked first: a rejection tells nothing of another
	// organization's profile.
	if _, err := s.exchange.Profile(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	p, err := s.exchange.UpdateProfile(c.UserContext(), *actorOf(c), id, profileInput(c))
	if err != nil {
		return s.rejected(c, profileForm, back, err)
	}
	return s.done(c, "/exchange/profiles", translator(lang(c))("flash.profile_saved", "Name", p.Name))
}

// exchangeLogPage is the exchange log through the table component, newest
// first, with the upload form above it.
func (s *Server) exchangeLogPage(c *fiber.Ctx) error {
	t := newTable(c, "/exchange/interchanges", nil, "", "state")
	state := c.Query("state")
	if state != "" {
		if err := oneOfField("state", state, interchange.States); err != nil {
			return err
		}
	}
	before, after, err := t.idCursor(c)
	if err != nil {
		return err
	}
	a := *actorOf(c)
	list, err := s.exchange.Log(c.UserContext(), a, interchange.LogFilter{State: state, Before: before, After: after, Limit: t.Limit + 1})
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, ic := range list {
		ids[i] = ic.ID
	}
	lo, hi := t.idPage(ids, after > 0, before > 0 || after > 0)
	profiles, err := s.exchange.Profiles(c.UserContext(), a, 0, 200)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range profiles {
		names[p.ID] = p.Name
	}
	return s.render(c, "exchange_log", fiber.Map{"Interchanges": list[lo:hi], "Table": t, "State": state, "States": interchange.States,
		"Profiles": profiles, "ProfileNames": names, "MaxMiB": interchange.MaxBytes >> 20})
}

// interchangeUpload stores an uploaded interchange (processed by a job) and
// answers 303 to its page; a CSV profile's file goes to its import's page.
// The same file again is recognized and leads to the first one's page.
func (s *Server) interchangeUpload(c *fiber.Ctx) error {
	var profile int64
	if raw := c.FormValue("profile"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return s.rejected(c, interchangeUploadForm, "/exchange/interchanges", apperr.Field("profile", "must be the id of one of your trading-partner profiles"))
		}
		profile = n
	}
	name, data, err := readInterchange(c)
	if err == nil && len(data) == 0 {
		err = apperr.Field("file", "choose a file to upload")
	}
	if err != nil {
		return s.rejected(c, interchangeUploadForm, "/exchange/interchanges", err)
	}
	var r *interchange.Receipt
	if profile > 0 {
		r, err = s.exchange.ReceiveFile(c.UserContext(), *actorOf(c), profile, name, data)
	} else {
		r, err = s.exchange.Receive(c.UserContext(), *actorOf(c), name, data)
	}
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
			err = apperr.Field("profile", "must be the id of one of your trading-partner profiles")
		}
		return s.rejected(c, interchangeUploadForm, "/exchange/interchanges", err)
	}
	tr := translator(lang(c))
	if r.Import != nil {
		return s.done(c, "/imports/"+strconv.FormatInt(r.Import.ID, 10), tr("flash.interchange_import", "Name", name))
	}
	notice := tr("flash.interchange_received", "Name", name)
	if r.Duplicate {
		notice = tr("flash.interchange_duplicate", "Name", name)
	}
	return s.done(c, "/exchange/interchanges/"+strconv.FormatInt(r.Interchange.ID, 10), notice)
}

// setView is a set's outcome as the interchange page shows it: the records
// it created, updated or left, by family.
type setView struct {
	interchange.SetOutcome
	Counts []setCount
}

type setCount struct {
	Family                      string
	Created, Updated, Unchanged int
}

// processingResult is an interchange's Result: its sets' outcomes, the
// errors of its envelope (interchange and groups) and a note.
type processingResult struct {
	Sets   []interchange.SetOutcome `json:"sets"`
	Errors []interchange.SetError   `json:"errors"`
	Note   string                   `json:"note"`
}

func viewResult(raw json.RawMessage) (processingResult, []setView) {
	var r processingResult
	if len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return r, nil
	}
	out := make([]setView, len(r.Sets))
	for i, o := range r.Sets {
		fams := map[string]bool{}
		for _, m := range []map[string]int{o.Created, o.Updated, o.Unchanged} {
			for k := range m {
				fams[k] = true
			}
		}
		var names []string
		for k := range fams {
			names = append(names, k)
		}
		slices.Sort(names)
		v := setView{SetOutcome: o}
		for _, f := range names {
			v.Counts = append(v.Counts, setCount{Family: f, Created: o.Created[f], Updated: o.Updated[f], Unchanged: o.Unchanged[f]})
		}
		out[i] = v
	}
	return r, out
}

func (s *Server) interchangePage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ic, err := s.exchange.Interchange(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	var profile string
	if ic.Profile > 0 {
		if p, err := s.exchange.Profile(c.UserContext(), *actorOf(c), ic.Profile); err == nil {
			profile = p.Name
		}
	}
	r, sets := viewResult(ic.Result)
	return s.render(c, "exchange_interchange", fiber.Map{"I": ic, "Sets": sets, "EnvelopeErrors": r.Errors, "Note": r.Note, "ProfileName": profile,
		"Error": storedMessage(c, ic.Error)})
}

func (s *Server) webhooksPage(c *fiber.Ctx) error {
	list, err := s.exchange.Webhooks(c.UserContext(), *actorOf(c), 0, 200)
	if err != nil {
		return err
	}
	t := newTable(c, "/exchange/webhooks", nil, "")
	t.Shown, t.Total = len(list), len(list)
	return s.render(c, "exchange_webhooks", fiber.Map{"Webhooks": list, "Table": t, "Events": interchange.Events})
}

// webhookCreate subscribes a URL and shows its signing secret once, in the
// session's one-time message (as an API key's).
func (s *Server) webhookCreate(c *fiber.Ctx) error {
	w, err := s.exchange.CreateWebhook(c.UserContext(), *actorOf(c), interchange.WebhookInput{URL: c.FormValue("url"), Events: postedValues(c, "events")})
	if err != nil {
		return s.rejected(c, webhookNewForm, "/exchange/webhooks", err)
	}
	notice := translator(lang(c))("flash.webhook_created", "Name", w.URL)
	kept, err := s.keepFlash(c, flash{Notice: notice, Secret: w.Secret})
	if err != nil {
		return err
	}
	if !kept {
		return s.render(c, "exchange_webhooks", fiber.Map{"Webhooks": []interchange.Webhook{*w}, "Table": newTable(c, "/exchange/webhooks", nil, ""),
			"Events": interchange.Events, "Secret": w.Secret, "Flash": notice})
	}
	return seeOther(c, "/exchange/webhooks")
}

// webhookPage is a subscription's delivery log, newest first.
func (s *Server) webhookPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := *actorOf(c)
	hooks, err := s.exchange.Webhooks(c.UserContext(), a, id-1, 1)
	if err != nil {
		return err
	}
	if len(hooks) == 0 || hooks[0].ID != id {
		return apperr.E(apperr.NotFound, "Webhook %d not found.", id)
	}
	t := newTable(c, "/exchange/webhooks/"+strconv.FormatInt(id, 10), nil, "")
	before, after, err := t.idCursor(c)
	if err != nil {
		return err
	}
	list, err := s.exchange.DeliveryPage(c.UserContext(), a, id, before, after, t.Limit+1)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	lo, hi := t.idPage(ids, after > 0, before > 0 || after > 0)
	return s.render(c, "exchange_webhook", fiber.Map{"W": hooks[0], "Deliveries": list[lo:hi], "Table": t})
}
