package web

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

type obj = map[string]any

func str() obj             { return obj{"type": "string"} }
func integer() obj         { return obj{"type": "integer", "format": "int64"} }
func boolean() obj         { return obj{"type": "boolean"} }
func ts() obj              { return obj{"type": "string", "format": "date-time"} }
func nullable(o obj) obj   { o["nullable"] = true; return o }
func enum(v ...string) obj { return obj{"type": "string", "enum": v} }
func ref(name string) obj  { return obj{"$ref": "#/components/schemas/" + name} }
func object(p obj, req ...string) obj {
	o := obj{"type": "object", "properties": p, "additionalProperties": false}
	if len(req) > 0 {
		o["required"] = req
	}
	return o
}

var roleEnum = enum("admin", "manager", "sales", "viewer")

var schemas = obj{
	"Problem": obj{"type": "object", "description": "RFC 9457 problem details", "properties": obj{
		"type": str(), "title": str(), "status": obj{"type": "integer"}, "detail": str(), "instance": str(),
		"field": obj{"type": "string", "description": "the field or parameter the problem is about"}, "request_id": str(), "existing": obj{"type": "string", "description": "the existing record a conflict is about"}}},
	"Organization": object(obj{"id": integer(), "name": str(), "kind": enum("vendor", "distributor", "reseller", "referral", "technology", "co-marketing", "agency"),
		"tier": enum("registered", "silver", "gold", "platinum"), "region": str(), "status": enum("active", "inactive"),
		"email_domains": obj{"type": "array", "items": str(), "description": "domains of the addresses the organization's admins may invite"}, "created_at": ts(), "updated_at": ts()}),
	"OrganizationInput": object(obj{"name": str(), "kind": enum("distributor", "reseller", "referral", "technology", "co-marketing", "agency"),
		"tier": enum("registered", "silver", "gold", "platinum"), "region": str(), "status": enum("active", "inactive"),
		"email_domains": obj{"type": "array", "items": str(), "description": "replaces the email domains (vendor only; [] clears them): a partner's admins invite only addresses on them"}}),
	"User": object(obj{"id": integer(), "org_id": integer(), "email": str(), "name": str(), "role": roleEnum,
		"status": enum("invited", "active", "deactivated"), "locale": enum("", "en", "pt-BR"), "last_login_at": nullable(ts()), "created_at": ts(),
		"api_keys_made": obj{"type": "array", "items": ref("APIKey"), "description": "in the reply to a deactivation: the API keys this user made that still work (revoke them if they should stop)"}}),
	"InviteInput": object(obj{"email": str(), "name": str(), "role": roleEnum, "org_id": obj{"type": "integer", "description": "vendor admins may invite into a partner organization"}}, "email", "name", "role"),
	"Invited":     object(obj{"user": ref("User"), "invite_url": str()}),
	"UserUpdate":  object(obj{"role": roleEnum, "status": enum("active", "deactivated"), "locale": enum("", "en", "pt-BR")}),
	"APIKey": object(obj{"id": integer(), "org_id": integer(), "name": str(), "role": roleEnum, "prefix": str(),
		"created_by": nullable(integer()), "created_at": ts(), "last_used_at": nullable(ts()), "revoked_at": nullable(ts())}),
	"APIKeyInput":   object(obj{"name": str(), "role": roleEnum}, "name", "role"),
	"APIKeyCreated": object(obj{"api_key": ref("APIKey"), "secret": obj{"type": "string", "description": "shown once"}}),
	"Notification": object(obj{"id": integer(), "user_id": integer(), "kind": str(), "title": str(), "body": str(), "link": str(),
		"read_at": nullable(ts()), "emailed_at": nullable(ts()), "created_at": ts()}),
	"MarkRead": object(obj{"ids": obj{"type": "array", "items": integer()}}),
	"Count":    object(obj{"count": integer()}),
	"AuditEntry": object(obj{"seq": integer(), "at": ts(), "org_id": nullable(integer()), "user_id": nullable(integer()), "actor": str(),
		"action": str(), "target_type": str(), "target_id": str(), "detail": obj{"type": "object"}}),
	"Job": object(obj{"id": integer(), "org_id": nullable(integer()), "kind": str(), "payload": obj{"type": "object"},
		"state": enum("queued", "running", "done", "failed"), "attempts": obj{"type": "integer"}, "max_attempts": obj{"type": "integer"},
		"run_at": ts(), "last_error": str(), "created_at": ts(), "updated_at": ts()}),
	"Account": object(obj{"id": integer(), "owner_org_id": integer(), "owner_org_name": str(), "owner_user_id": nullable(integer()), "name": str(),
		"domains": strArray(), "duns": str(), "cnpj": str(), "vat": str(), "industry": str(), "size": str(), "region": str(), "street": str(), "city": str(),
		"state": str(), "postal_code": str(), "country": str(), "tags": strArray(), "archived_at": nullable(ts()), "created_at": ts(), "updated_at": ts(),
		"shared_with_you": boolean(), "can_write": boolean()}),
	"AccountInput": object(obj{"name": str(), "domains": obj{"type": "array", "items": str(), "description": "domains, URLs or emails; stored as registrable domains"},
		"duns": str(), "cnpj": obj{"type": "string", "description": "numeric or alphanumeric CNPJ; check digits are validated"}, "vat": str(), "industry": str(),
		"size": enum("", "1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"), "region": str(), "street": str(), "city": str(), "state": str(),
		"postal_code": str(), "country": obj{"type": "string", "description": "ISO 3166 alpha-2"}, "tags": strArray(), "owner_user_id": integer()}),
	"MergeInput": object(obj{"merged_id": integer()}, "merged_id"),
	"Contact": object(obj{"id": integer(), "account_id": integer(), "owner_org_id": integer(), "name": str(), "emails": strArray(), "phones": strArray(),
		"title": str(), "best_time": str(), "archived_at": nullable(ts()), "created_at": ts(), "updated_at": ts()}),
	"ContactInput": object(obj{"account_id": integer(), "name": str(), "emails": strArray(), "phones": strArray(), "title": str(), "best_time": str()}),
	"Share": object(obj{"id": integer(), "record_type": str(), "record_id": integer(), "owner_org_id": integer(), "grantee_org_id": integer(),
		"grantee_name": str(), "access": enum("read", "write"), "reason": enum("person", "policy", "workflow"), "created_by": nullable(integer()), "created_at": ts()}),
	"ShareInput": object(obj{"org_id": integer(), "access": enum("read", "write")}, "org_id"),
	"Partnership": object(obj{"id": integer(), "invited_by": integer(), "state": enum("invited", "active", "declined", "revoked"),
		"partner_id": integer(), "partner_name": str(), "created_at": ts(), "updated_at": ts()}),
	"PartnershipInput": object(obj{"org_id": integer()}, "org_id"),
	"Policy": object(obj{"partnership_id": integer(), "owner_org_id": integer(), "grantee_org_id": integer(), "level": enum("hidden", "counts", "records"),
		"fields": strArray(), "segment": obj{"type": "object"}, "greenfield": boolean(), "updated_at": nullable(ts())}),
	"Policies": object(obj{"mine": ref("Policy"), "theirs": ref("Policy")}),
	"PolicyInput": object(obj{"level": enum("hidden", "counts", "records"), "fields": obj{"type": "array", "items": enum("name", "domains", "duns", "cnpj", "vat", "industry", "size", "region", "city", "country", "tags")},
		"segment":    obj{"type": "object", "description": "{\"region\": [...], \"industry\": [...], \"tag\": [...]}", "additionalProperties": strArray()},
		"greenfield": boolean()}, "level"),
	"Mapping": object(obj{"partnership_id": integer(), "partner_id": integer(), "partner_name": str(), "my_accounts": integer(),
		"overlap": nullable(integer()), "greenfield": nullable(integer()), "their_level": str(), "my_level": str()}),
	"MappedAccount": object(obj{"kind": enum("overlap", "greenfield"), "partner_account_id": integer(), "my_account_id": integer(), "fields": obj{"type": "object"}}),
	"Explanation": object(obj{"record": str(), "user_id": integer(), "can_read": boolean(), "can_write": boolean(),
		"rules": obj{"type": "array", "items": object(obj{"rule": enum("owner_org", "share", "policy", "role"), "grants": boolean(), "detail": str()})}}),
	"Import": object(obj{"id": integer(), "org_id": integer(), "kind": enum("accounts", "contacts"), "filename": str(), "dry_run": boolean(),
		"state": enum("queued", "running", "done", "failed"), "total": obj{"type": "integer"}, "processed": obj{"type": "integer"},
		"result": obj{"type": "object", "nullable": true, "description": "rows, created, updated, unchanged, errors (line, column, message), encoding, delimiter, columns"},
		"error":  str(), "created_at": ts(), "updated_at": ts()}),
	"Me": obj{"type": "object", "properties": obj{"network_id": integer(), "organization": ref("Organization"), "role": roleEnum, "vendor": boolean(),
		"user": obj{"type": "object"}, "api_key": obj{"type": "object"}}},

	// The EDI exchange (exchange.go).
	"TradingProfile": object(obj{"id": integer(), "org_id": integer(), "name": str(), "format": enum("X12", "EDIFACT", "CSV", "JSON"),
		"partner_qualifier": str(), "partner_id": str(), "own_qualifier": str(), "own_id": str(), "version": str(),
		"ack": enum("none", "TA1", "997", "999", "CONTRL"), "ta1_duplicates": boolean(), "guides": obj{"type": "array", "items": obj{"type": "object"}},
		"delimiters": str(), "csv_kind": str(), "next_control": integer(), "created_at": ts(), "updated_at": ts()}),
	"TradingProfileInput": object(obj{"name": str(), "format": enum("X12", "EDIFACT", "CSV", "JSON"),
		"partner_qualifier": obj{"type": "string", "description": "ISA05 / UNB S002 0007 of what the partner sends"}, "partner_id": obj{"type": "string", "description": "ISA06 / UNB S002 0004"},
		"own_qualifier": str(), "own_id": obj{"type": "string", "description": "ISA08 / UNB S003 0010: your organization as receiver"}, "version": str(),
		"ack": enum("none", "TA1", "997", "999", "CONTRL"), "ta1_duplicates": obj{"type": "boolean", "description": "answer an interchange received twice with a TA1 note 025"},
		"guides":     obj{"type": "array", "items": obj{"type": "object"}, "description": "implementation conventions in the edi package's JSON form"},
		"delimiters": obj{"type": "string", "description": "outbound: X12 element, component, repetition, segment (\"*:^~\"); EDIFACT the six of a UNA"},
		"csv_kind":   str()}, "name", "format"),
	"Interchange": object(obj{"id": integer(), "org_id": integer(), "profile_id": integer(), "filename": str(), "format": str(), "sender": str(), "receiver": str(),
		"control": str(), "sha256": str(), "size": integer(), "state": enum("received", "processing", "processed", "failed"), "sets": obj{"type": "integer"},
		"accepted": obj{"type": "integer"}, "result": obj{"type": "object", "nullable": true, "description": "sets: position, set, control, accepted, created/updated/unchanged by family, errors (segment, segment_id, element, code, message); errors of the envelope"},
		"error": str(), "ack_kind": str(), "ack_control": nullable(integer()), "created_at": ts(), "processed_at": nullable(ts())}),
	"Receipt": object(obj{"interchange": ref("Interchange"), "duplicate": boolean(), "ack": obj{"type": "string", "description": "for a duplicate: the acknowledgment it gets again"},
		"import": ref("Import")}),
	"Webhook": object(obj{"id": integer(), "org_id": integer(), "url": str(), "events": obj{"type": "array", "items": enum("interchange.processed")}, "active": boolean(),
		"created_at": ts(), "secret": obj{"type": "string", "description": "in the reply that made the subscription only"}}),
	"WebhookInput": object(obj{"url": obj{"type": "string", "description": "http or https"}, "events": obj{"type": "array", "items": enum("interchange.processed")}}, "url", "events"),
	"WebhookDelivery": object(obj{"id": integer(), "subscription_id": integer(), "event": str(), "body": obj{"type": "object"}, "state": enum("pending", "delivered", "failed"),
		"attempts": obj{"type": "integer"}, "last_status": nullable(obj{"type": "integer"}), "last_error": str(), "created_at": ts(), "delivered_at": nullable(ts())}),
	// Deal registrations (issue 17).
	"DealSettings": object(obj{"protection_days": obj{"type": "integer", "description": "1 to 730"}, "review_sla_hours": obj{"type": "integer", "description": "1 to 720"},
		"conflict_rule": enum("manual_review", "first_to_register"), "reminder_days": obj{"type": "integer", "description": "0 (none) to 365 days before the protection ends"},
		"probability_qualify": percent(), "probability_develop": percent(), "probability_propose": percent(), "probability_negotiate": percent()}),
	"DealSettingsInput": object(obj{"protection_days": obj{"type": "integer"}, "review_sla_hours": obj{"type": "integer"},
		"conflict_rule": enum("manual_review", "first_to_register"), "reminder_days": obj{"type": "integer"},
		"probability_qualify": percent(), "probability_develop": percent(), "probability_propose": percent(), "probability_negotiate": percent()}),
	"DealRegistration": object(obj{"id": integer(), "owner_org_id": integer(), "owner_user_id": nullable(integer()), "account_id": integer(), "account_name": str(),
		"title": str(), "products": strArray(), "amount_minor": integer(), "amount": obj{"type": "string", "description": "decimal, in the currency's scale"},
		"currency": obj{"type": "string", "description": "ISO 4217"}, "expected_close": obj{"type": "string", "format": "date-time", "description": "the date, at midnight UTC"}, "notes": str(),
		"state":         enum("draft", "submitted", "under_review", "approved", "rejected", "converted", "expired", "withdrawn"),
		"reject_reason": nullable(str()), "submitted_at": nullable(ts()), "decided_at": nullable(ts()), "decided_by": nullable(integer()), "expires_at": nullable(ts()),
		"extension_days": nullable(obj{"type": "integer"}), "extension_note": nullable(str()), "match_keys": strArray(),
		"conflict":         obj{"type": "string", "enum": []string{"", "none", "found"}, "description": "the conflict check's finding; who conflicts is in the evidence, for the vendor only"},
		"conflict_outcome": obj{"type": "string", "enum": []string{"", "review", "first", "later"}, "description": "review: the vendor decides; first: registered first; later: another partner was first (rejected)"},
		"checked_at":       nullable(ts()), "created_at": ts(), "updated_at": ts()}),
	"DealRegistrationInput": object(obj{"account_id": integer(), "title": str(), "products": strArray(), "amount": obj{"type": "string", "description": "decimal, at most the currency's decimals"},
		"currency": str(), "expected_close": obj{"type": "string", "format": "date"}, "notes": str()}),
	"ExtensionInput": object(obj{"days": obj{"type": "integer", "description": "1 to 365"}, "note": str()}, "days", "note"),
	"RejectInput":    object(obj{"reason": str()}, "reason"),
	"DealEvidence": object(obj{"registration_id": integer(), "checked_at": ts(), "rule": enum("manual_review", "first_to_register"),
		"outcome": enum("none", "review", "first", "later"), "keys": strArray(),
		"registrations": obj{"type": "array", "items": object(obj{"id": integer(), "partner_org_id": integer(), "account_name": str(), "title": str(), "state": str(),
			"submitted_at": nullable(ts()), "checked_at": nullable(ts()), "expires_at": nullable(ts()), "matched": strArray()})},
		"vendor_accounts": obj{"type": "array", "items": object(obj{"id": integer(), "name": str(), "matched": strArray()})}}),

	// Leads (issue 17).
	"Lead": object(obj{"id": integer(), "owner_org_id": integer(), "owner_user_id": nullable(integer()), "company": str(), "contact_name": str(), "email": str(),
		"region": str(), "industry": str(), "notes": str(), "status": enum("new", "working", "qualified", "disqualified", "converted"), "status_reason": nullable(str()),
		"assigned_org_id": nullable(integer()), "assignment": enum("pool", "offered", "accepted"), "offered_at": nullable(ts()),
		"respond_by": nullable(ts()), "created_at": ts(), "updated_at": ts(),
		"promotion_id": obj{"type": "integer", "format": "int64", "nullable": true, "description": "the promotion whose public form captured the lead"},
		"consent_at":   nullable(ts()), "consent_text": obj{"type": "string", "nullable": true, "description": "the consent wording the person ticked on the public form"}}),
	"LeadInput":  object(obj{"company": str(), "contact_name": str(), "email": str(), "region": str(), "industry": str(), "notes": str()}, "company"),
	"LeadOffer":  object(obj{"org_id": integer()}, "org_id"),
	"LeadStatus": object(obj{"status": enum("working", "qualified", "disqualified", "converted"), "reason": obj{"type": "string", "description": "required for disqualified"}}, "status"),
	"LeadRoute": object(obj{"id": integer(), "org_id": integer(), "offered_at": ts(), "respond_by": ts(), "response": enum("", "accepted", "declined", "expired"),
		"reason": nullable(str()), "responded_at": nullable(ts())}),
	// The activity timeline and mailboxes (issue 18).
	"Activity": object(obj{"id": integer(), "record_type": str(), "record_id": integer(), "owner_org_id": integer(), "author_org_id": integer(),
		"author_user_id": nullable(integer()), "kind": activityKinds, "subject": str(), "body": str(), "occurred_at": ts(),
		"outcome": activityOutcomes, "duration_seconds": obj{"type": "integer"}, "ends_at": ts(), "location": str(), "due_at": ts(),
		"assignee_user_id": integer(), "done_at": ts(), "done_by": integer(), "event": str(), "detail": obj{"type": "object"},
		"mail_message_id": integer(), "conversation_id": str(), "created_at": ts(), "updated_at": ts()}),
	"ActivityInput": object(activityInput()),
	"ActivityCreate": object(func() obj {
		o := activityInput()
		o["record_type"] = obj{"type": "string", "description": "account or contact (leads and deals as their families register)"}
		o["record_id"] = integer()
		o["kind"] = enum("call", "meeting", "note", "task")
		return o
	}(), "record_type", "record_id", "kind"),
	"CompleteInput": object(obj{"done": boolean()}),
	"Mailbox": object(obj{"id": integer(), "owner_org_id": integer(), "name": str(), "host": str(), "port": obj{"type": "integer"},
		"tls_mode": enum("tls", "starttls", "plain"), "username": str(), "folders": strArray(), "start_date": obj{"type": "string", "format": "date"},
		"enabled": boolean(), "last_run_at": nullable(ts()), "last_ok_at": nullable(ts()), "last_error": str(),
		"messages_seen": integer(), "messages_stored": integer(), "sync_minutes": integer(), "next_sync_at": nullable(ts()),
		"failures": integer(), "capture": boolean(), "created_at": ts(), "updated_at": ts()}),
	"MailboxInput": object(obj{"name": str(), "host": str(), "port": obj{"type": "integer"}, "tls_mode": enum("tls", "starttls", "plain"),
		"username": str(), "password": obj{"type": "string", "format": "password", "writeOnly": true, "description": "stored encrypted, never shown back"},
		"folders": strArray(), "start_date": obj{"type": "string", "format": "date"}, "enabled": boolean(),
		"sync_minutes": obj{"type": "integer", "minimum": 1, "maximum": 1440, "description": "how often it syncs on its own (5 when not given)"},
		"capture":      obj{"type": "boolean", "description": "a mailbox the team BCCs or forwards mail to: forwards are filed under their original participants"}}),
	"MailboxCheck": object(obj{"ok": boolean(), "error": str(), "folders": obj{"type": "object", "additionalProperties": obj{"type": "integer"}}}),
	"JobQueued":    object(obj{"job_id": integer()}),

	// Joint deals and the pipeline (issue 17, joint_deals.go).
	"JointDeal": object(obj{"id": integer(), "owner_org_id": integer(), "vendor_owner_user_id": nullable(integer()), "partner_org_id": integer(),
		"partner_name": str(), "partner_owner_user_id": nullable(integer()), "registration_id": nullable(integer()), "account_id": integer(), "account_name": str(),
		"title": str(), "stage": jointStages, "lost_reason": nullable(str()), "amount_minor": integer(),
		"amount": obj{"type": "string", "description": "decimal, in the currency's scale"}, "currency": obj{"type": "string", "description": "ISO 4217"},
		"probability": percent(), "expected_close": obj{"type": "string", "format": "date-time", "description": "the date, at midnight UTC"},
		"products": strArray(), "next_step": str(), "version": obj{"type": "integer"}, "closed_at": nullable(ts()), "created_at": ts(), "updated_at": ts()}),
	"JointDealInput": object(obj{"account_id": integer(), "partner_org_id": integer(), "vendor_owner_user_id": integer(), "partner_owner_user_id": integer(),
		"title": str(), "products": strArray(), "amount": obj{"type": "string", "description": "decimal, at most the currency's decimals"}, "currency": str(),
		"expected_close": obj{"type": "string", "format": "date"}, "next_step": str(),
		"version": obj{"type": "integer", "description": "the version read: a change made meanwhile refuses this one (409)"}}),
	"StageInput": object(obj{"stage": jointStages, "reason": obj{"type": "string", "description": "required for closed_lost"},
		"version": obj{"type": "integer", "description": "the version read: a change made meanwhile refuses this one (409)"}}, "stage"),
	"Pipeline": object(obj{"by_stage": pipelineRows, "by_partner": pipelineRows, "by_month": pipelineRows,
		"open_by_stage": obj{"type": "array", "items": object(obj{"stage": jointStages, "count": obj{"type": "integer"}})},
		"won":           obj{"type": "integer"}, "lost": obj{"type": "integer"}, "win_rate": nullable(obj{"type": "number", "description": "percent of closed deals won"}),
		"avg_cycle_days": nullable(obj{"type": "number"}), "probabilities": obj{"type": "object", "additionalProperties": obj{"type": "integer"}}}),
	"LeadRoutingRules": object(obj{"rules": obj{"type": "array", "description": "tried in order; the first a lead matches that leaves a partner under capacity offers it",
		"items": object(obj{"region": obj{"type": "string", "description": "empty matches any"}, "industry": obj{"type": "string", "description": "empty matches any"},
			"tier": enum("", "registered", "silver", "gold", "platinum"), "partners": obj{"type": "array", "items": integer(), "description": "only these partners (empty: any of the tier)"},
			"capacity": obj{"type": "integer", "description": "open leads a partner may hold (0: no limit)"}})}}, "rules"),
	"MailMessage": object(obj{"id": integer(), "subject": str(), "from": str(), "from_name": str(), "to": strArray(), "cc": strArray(),
		"sent_at": nullable(ts()), "conversation_id": str(), "text": str(), "html": obj{"type": "string", "description": "cleaned: no script, no remote images"},
		"attachments": obj{"type": "array", "items": object(obj{"position": integer(), "filename": str(), "content_type": str(), "detected_type": str(),
			"size": integer(), "stored": boolean()})}, "problems": strArray()}),
	// Outbound exchange (exchange_exports.go, issue 21).
	"ExportInput": object(obj{"profile_id": integer(), "kind": obj{"type": "string", "description": "the kind of record to send: accounts (the default) or special_pricing"}}, "profile_id"),
	"Export": object(obj{"id": integer(), "org_id": integer(), "profile_id": integer(), "kind": str(), "format": enum("X12", "EDIFACT", "CSV", "JSON"),
		"set": obj{"type": "string", "description": "the transaction set or message (816, PARTIN) of an EDI export"}, "control": integer(),
		"filename": str(), "records": obj{"type": "integer"}, "size": integer(), "created_at": ts(),
		"content": obj{"type": "string", "description": "the file, in the reply that made the export"}}),
}

var (
	jointStages  = enum("qualify", "develop", "propose", "negotiate", "closed_won", "closed_lost")
	pipelineRows = obj{"type": "array", "items": object(obj{"key": obj{"type": "string", "description": "the stage, the partner's id or the month (YYYY-MM)"},
		"label": str(), "currency": str(), "count": obj{"type": "integer"}, "amount_minor": integer(), "amount": str(), "weighted_minor": integer(), "weighted": str()})}
)

func percent() obj { return obj{"type": "integer", "minimum": 0, "maximum": 100} }

var (
	activityKinds    = enum("call", "meeting", "note", "task", "system", "email")
	activityOutcomes = enum("connected", "voicemail", "no_answer", "busy", "wrong_number")
)

func activityInput() obj {
	return obj{"subject": str(), "body": str(), "occurred_at": ts(), "outcome": activityOutcomes, "duration_seconds": obj{"type": "integer"},
		"ends_at": ts(), "location": str(), "due_at": ts(), "assignee_user_id": integer()}
}

var paramRE = regexp.MustCompile(`:([a-z_]+)`)

// OpenAPIPath turns a Fiber path into an OpenAPI one (/users/:id → /users/{id}).
func OpenAPIPath(p string) string { return paramRE.ReplaceAllString(p, "{$1}") }

func problem(desc string) obj {
	return obj{"description": desc, "content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}
}

// openAPI builds the document from the route table.
func (s *Server) openAPI() obj {
	paths := obj{}
	for _, r := range s.routes {
		p := OpenAPIPath(r.Path)
		item, _ := paths[p].(obj)
		if item == nil {
			item = obj{}
			paths[p] = item
		}
		op := obj{"summary": r.Summary, "tags": []string{r.Tag}, "operationId": strings.ToLower(r.Method) + strings.NewReplacer("/", "_", ":", "", "-", "_", ".", "_").Replace(r.Path)}
		var params []obj
		for _, m := range paramRE.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": integer()})
		}
		for _, q := range r.Query {
			params = append(params, obj{"name": q, "in": "query", "schema": str()})
		}
		if r.List {
			params = append(params, obj{"name": "cursor", "in": "query", "schema": str(), "description": "next_cursor of the previous page"},
				obj{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}})
		}
		if r.Method == "POST" {
			params = append(params, obj{"name": "Idempotency-Key", "in": "header", "schema": str(), "description": "replays the first response for a retried request"})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Request != "" {
			op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(r.Request)}}}
		}
		status := r.Status
		if status == 0 {
			status = 200
		}
		resp := obj{"description": "OK"}
		if r.Reply != "" {
			schema := ref(r.Reply)
			if r.List {
				schema = obj{"type": "object", "properties": obj{"data": obj{"type": "array", "items": ref(r.Reply)}, "next_cursor": str()}}
			}
			resp["content"] = obj{"application/json": obj{"schema": schema}}
		} else if strings.HasSuffix(r.Path, "/attachment") {
			resp["content"] = obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}}
		} else if strings.HasSuffix(r.Path, ".csv") {
			resp["content"] = obj{"text/csv": obj{"schema": obj{"type": "string"}}}
		} else if r.Path == "/openapi.json" {
			resp["content"] = obj{"application/json": obj{"schema": obj{"type": "object"}}}
		} else if r.Path == "/docs" {
			resp["content"] = obj{"text/html": obj{"schema": obj{"type": "string"}}}
		}
		responses := obj{strconv.Itoa(status): resp, "default": problem("An error, as RFC 9457 problem details")}
		if r.Role != "" {
			op["security"] = []obj{{"apiKey": []string{}}, {"session": []string{}}}
			op["x-required-role"] = string(r.Role)
			responses["401"] = problem("Not signed in, or the API key is unknown or revoked")
			responses["403"] = problem("The role " + string(r.Role) + " or above is needed")
		}
		if r.Request != "" {
			responses["415"] = problem("The body is not application/json")
			responses["422"] = problem("The body is malformed or a field is invalid; field names it")
		}
		op["responses"] = responses
		item[strings.ToLower(r.Method)] = op
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Partnerhub API", "version": "1", "description": "The collaborative partner CRM hub. Authenticate with `Authorization: Bearer <API key>`. " +
			"Lists use cursor pagination; POSTs honour Idempotency-Key; errors are application/problem+json."},
		"servers": []obj{{"url": "/api/v1"}},
		"paths":   paths,
		"components": obj{"schemas": schemas, "securitySchemes": obj{
			"apiKey":  obj{"type": "http", "scheme": "bearer"},
			"session": obj{"type": "apiKey", "in": "cookie", "name": sessionCookie},
		}},
	}
}

func (s *Server) apiOpenAPI(c *fiber.Ctx) error { return c.JSON(s.openAPI()) }

// apiDocs is the API reference for people: Swagger UI over the OpenAPI
// document, from files the hub serves itself (static/apidocs).
func (s *Server) apiDocs(c *fiber.Ctx) error {
	b, err := staticFS.ReadFile("static/apidocs/index.html")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}

func strArray() obj { return obj{"type": "array", "items": str()} }

// metaAPI is the meta part of the API route table.
func (s *Server) metaAPI() []route {
	return []route{
		{Method: "GET", Path: "/openapi.json", Summary: "This document", Tag: "meta", handler: s.apiOpenAPI},
		{Method: "GET", Path: "/docs", Summary: "This document for people to read (HTML)", Tag: "meta", handler: s.apiDocs},
	}
}
