package web

import "github.com/partnerhub/partnerhub/partners"

// Target is the kind of record a route's :id (or the {id} of its body) names.
type Target string

// The targets the access matrix knows how to aim at.
const (
	NoTarget           Target = ""
	TargetAccount      Target = "account"
	TargetContact      Target = "contact"
	TargetPartnership  Target = "partnership"
	TargetOrganization Target = "organization"
	TargetUser         Target = "user"
	TargetInvite       Target = "invite"
	TargetAPIKey       Target = "api-key"
	TargetJob          Target = "job"
	TargetImport       Target = "import"
	// TargetDealRegistration is a partner's deal registration, submitted to
	// the vendor: the partner's steps are its owner's, the decisions the
	// vendor's.
	TargetDealRegistration Target = "deal-registration"
	// TargetLead is a vendor's lead offered to a partner.
	TargetLead Target = "lead"
)

// Targets of the activity timeline and the mailboxes (issue 18).
const (
	// TargetActivity is an activity (a task) logged by the owner organization
	// on the target account: seen with the account; changed by the
	// organization that logged it; completed by those who may write the account.
	TargetActivity Target = "activity"
	// TargetTimeline is the target account as a record to log activities on:
	// any sales user of its owner or of an organization it is shared with for
	// writing may (unlike changing the account itself).
	TargetTimeline Target = "timeline"
	// TargetContactTimeline is the target contact as a record to log
	// activities on, as TargetTimeline.
	TargetContactTimeline Target = "contact-timeline"
	// TargetMailbox is a mailbox of the owner organization: its admins only.
	TargetMailbox Target = "mailbox"
	// The EDI exchange (issue 21): a trading-partner profile, an interchange and
	// a webhook subscription of the owner organization, which only it sees.
	TargetProfile     Target = "exchange-profile"
	TargetInterchange Target = "interchange"
	TargetWebhook     Target = "webhook"
	// TargetExport is an export the owner organization sent a trading
	// partner (exchange_exports.go, session 8): only it sees it.
	TargetExport Target = "exchange-export"

	// The forums (forums.go): a space, a thread, a post and a report.
	TargetSpace  Target = "space"
	TargetThread Target = "thread"
	TargetPost   Target = "post"
	TargetReport Target = "report"

	// Joint promotions and their funds (issue 19, promotions.go): a published
	// promotion of a partner's (the network reads its summary, the invited all
	// of it), the vendor's fund, a partner's allocation of it, that partner's
	// fund request (approved in part) and its claim against it.
	TargetPromotion   Target = "promotion"
	TargetFund        Target = "mdf-fund"
	TargetAllocation  Target = "mdf-allocation"
	TargetFundRequest Target = "fund-request"
	// TargetClaim is the owner's claim against its approved fund request.
	TargetClaim Target = "fund-claim"
	// TargetAttachment is a file on the target post (session 8): seen as the
	// post is.
	TargetAttachment Target = "attachment"
)

// TargetJointDeal is a joint deal (issue 17, joint_deals.go): the vendor's,
// with the owner organization as its partner (shared with it by workflow),
// the vendor's sales user and the owner's sales user its two owners.
const TargetJointDeal Target = "joint-deal"

// TargetMailMessage is a message a mailbox of the owner organization brought
// in, with an attachment: its organization's alone (issue 18, session 8).
const TargetMailMessage Target = "mail-message"

// Action is what a route does with its target.
type Action string

// The actions. A caller who may not see the target gets "not found" whatever the
// action; Write and Owner refuse a caller who sees it but may not act with 403.
const (
	// Read shows the target (or, without one, something of the caller's own).
	Read Action = "read"
	// Write changes the target: its owner organization's writers and the
	// organizations it is shared with for writing.
	Write Action = "write"
	// Owner changes what only the owner organization decides (archive, share, merge).
	Owner Action = "owner"
	// Create makes a new record of the caller's organization.
	Create Action = "create"
	// Explain answers for any target, saying whether the caller may read it.
	Explain Action = "explain"
	// Public needs no sign-in.
	Public Action = "public"
)

// Access is what a route declares about who may call it. internal/web's
// TestRouteAccessMatrix calls every registered route as every role of every relation to
// a record of the Target and checks the answers against this declaration; a route
// without one fails that test.
type Access struct {
	// Role is the least role. API routes leave it empty: the route table's Role
	// is theirs.
	Role partners.Role
	// Vendor: only the vendor organization's users and keys.
	Vendor bool
	// Partner: only partner organizations' users and keys, not the vendor's.
	Partner bool
	Target  Target
	Action  Action
	// Lists names the kind of records a list route shows: the visible ones only.
	Lists Target
	// UsersOnly: signed-in people, not API keys (a key has no password or locale).
	UsersOnly bool
	// Consumes: a success uses the target up (a revoked key, a retried job), so a
	// later allowed caller may find it gone (404) or changed (409).
	Consumes bool
}

// routeAccess declares every route, keyed by method and full path as Fiber
// registers it. A new route needs its line here (see README, "How access is proven").
var routeAccess = map[string]Access{
	// Process and documents.
	"GET /healthz":             {Action: Public},
	"GET /readyz":              {Action: Public},
	"GET /static/*":            {Action: Public},
	"GET /favicon.ico":         {Action: Public},
	"GET /api/v1/openapi.json": {Action: Public},
	"GET /api/v1/docs":         {Action: Public},

	// API: identity, organizations, users, keys.
	"GET /api/v1/me":                  {Action: Read},
	"GET /api/v1/organizations":       {Action: Read, Lists: TargetOrganization},
	"POST /api/v1/organizations":      {Action: Create, Vendor: true},
	"GET /api/v1/organizations/:id":   {Action: Read, Target: TargetOrganization},
	"PATCH /api/v1/organizations/:id": {Action: Write, Target: TargetOrganization, Vendor: true},
	"GET /api/v1/users":               {Action: Read, Lists: TargetUser},
	"POST /api/v1/users":              {Action: Create},
	"GET /api/v1/users/:id":           {Action: Read, Target: TargetUser},
	// Changing another user's role is the admin's; the route's Viewer is for one's own locale.
	"POST /api/v1/users/:id/invite":   {Action: Write, Target: TargetInvite},
	"DELETE /api/v1/users/:id/invite": {Action: Write, Target: TargetInvite, Consumes: true},
	"PATCH /api/v1/users/:id":         {Role: partners.Admin, Action: Write, Target: TargetUser},
	"GET /api/v1/api-keys":            {Action: Read, Lists: TargetAPIKey},
	"POST /api/v1/api-keys":           {Action: Create},
	"DELETE /api/v1/api-keys/:id":     {Action: Write, Target: TargetAPIKey, Consumes: true},
	"GET /api/v1/notifications":       {Action: Read},
	"POST /api/v1/notifications/read": {Action: Create},
	"GET /api/v1/audit":               {Action: Read},
	"GET /api/v1/jobs":                {Action: Read, Lists: TargetJob},
	"POST /api/v1/jobs/:id/retry":     {Action: Write, Target: TargetJob, Consumes: true},

	// API: imports and export.
	"POST /api/v1/imports":            {Action: Create},
	"GET /api/v1/imports/:id":         {Action: Read, Target: TargetImport},
	"POST /api/v1/imports/:id/apply":  {Action: Write, Target: TargetImport},
	"GET /api/v1/accounts/export.csv": {Action: Read, Lists: TargetAccount},

	// API: accounts, contacts, sharing.
	"GET /api/v1/accounts":                       {Action: Read, Lists: TargetAccount},
	"POST /api/v1/accounts":                      {Action: Create},
	"GET /api/v1/accounts/:id":                   {Action: Read, Target: TargetAccount},
	"PATCH /api/v1/accounts/:id":                 {Action: Write, Target: TargetAccount},
	"POST /api/v1/accounts/:id/archive":          {Action: Owner, Target: TargetAccount},
	"POST /api/v1/accounts/:id/restore":          {Action: Owner, Target: TargetAccount},
	"POST /api/v1/accounts/:id/merge":            {Action: Owner, Target: TargetAccount, Consumes: true},
	"GET /api/v1/accounts/:id/contacts":          {Action: Read, Target: TargetAccount, Lists: TargetContact},
	"GET /api/v1/accounts/:id/shares":            {Action: Read, Target: TargetAccount},
	"POST /api/v1/accounts/:id/shares":           {Action: Owner, Target: TargetAccount},
	"DELETE /api/v1/accounts/:id/shares/:org_id": {Action: Owner, Target: TargetAccount, Consumes: true},
	"POST /api/v1/contacts":                      {Action: Write, Target: TargetAccount},
	"GET /api/v1/contacts/:id":                   {Action: Read, Target: TargetContact},
	"PATCH /api/v1/contacts/:id":                 {Action: Write, Target: TargetContact},
	"POST /api/v1/contacts/:id/archive":          {Action: Write, Target: TargetContact},
	"POST /api/v1/contacts/:id/restore":          {Action: Write, Target: TargetContact},

	// API: partnerships, policies, mapping, explain.
	"GET /api/v1/partnerships":                      {Action: Read},
	"POST /api/v1/partnerships":                     {Action: Create},
	"GET /api/v1/partnerships/:id":                  {Action: Read, Target: TargetPartnership},
	"POST /api/v1/partnerships/:id/accept":          {Action: Write, Target: TargetPartnership},
	"POST /api/v1/partnerships/:id/decline":         {Action: Write, Target: TargetPartnership},
	"POST /api/v1/partnerships/:id/revoke":          {Action: Write, Target: TargetPartnership, Consumes: true},
	"GET /api/v1/partnerships/:id/policies":         {Action: Read, Target: TargetPartnership},
	"POST /api/v1/partnerships/:id/policy":          {Action: Write, Target: TargetPartnership},
	"GET /api/v1/partnerships/:id/mapping":          {Action: Read, Target: TargetPartnership},
	"GET /api/v1/partnerships/:id/mapping/accounts": {Action: Read, Target: TargetPartnership},
	"GET /api/v1/access/explain":                    {Action: Explain, Target: TargetAccount},

	// Portal: sign-in, settings, administration (portal.go).
	"GET /login":                        {Action: Public},
	"POST /login":                       {Action: Public},
	"POST /logout":                      {Role: partners.Viewer, Action: Read, Consumes: true}, // the caller's session
	"GET /lang/:code":                   {Action: Public},
	"GET /invite/:token":                {Action: Public},
	"GET /login/code":                   {Action: Public},
	"POST /login/code":                  {Action: Public},
	"GET /settings/two-factor":          {Role: partners.Viewer, Action: Read, UsersOnly: true},
	"POST /settings/two-factor/start":   {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"POST /settings/two-factor/confirm": {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"POST /settings/two-factor/disable": {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"POST /settings/two-factor/require": {Role: partners.Admin, Action: Create, UsersOnly: true},
	"GET /login/setup":                  {Action: Public},
	"POST /login/setup":                 {Action: Public},
	"GET /password/forgot":              {Action: Public},
	"POST /password/forgot":             {Action: Public},
	"GET /password/reset/:token":        {Action: Public},
	"POST /password/reset/:token":       {Action: Public},
	"POST /invite/:token":               {Action: Public},
	"GET /":                             {Role: partners.Viewer, Action: Read},
	"GET /settings":                     {Role: partners.Viewer, Action: Read},
	"POST /settings/password":           {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"POST /settings/locale":             {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"POST /settings/time-zone":          {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"GET /organizations":                {Role: partners.Viewer, Action: Read, Lists: TargetOrganization},
	"POST /organizations":               {Role: partners.Manager, Action: Create, Vendor: true},
	"GET /organizations/:id/deactivate": {Role: partners.Manager, Action: Read, Target: TargetOrganization, Vendor: true},
	"POST /organizations/:id":           {Role: partners.Manager, Action: Write, Target: TargetOrganization, Vendor: true},
	"GET /organizations/:id":            {Role: partners.Viewer, Action: Read, Target: TargetOrganization},
	"POST /organizations/:id/users":     {Role: partners.Manager, Action: Write, Target: TargetOrganization, Vendor: true},
	"GET /users":                        {Role: partners.Admin, Action: Read, Lists: TargetUser},
	"POST /users":                       {Role: partners.Admin, Action: Create},
	"GET /users/:id/deactivate":         {Role: partners.Admin, Action: Read, Target: TargetUser},
	"POST /users/:id":                   {Role: partners.Admin, Action: Write, Target: TargetUser},
	"POST /users/:id/invite/resend":     {Role: partners.Admin, Action: Write, Target: TargetInvite},
	"POST /users/:id/invite/cancel":     {Role: partners.Admin, Action: Write, Target: TargetInvite, Consumes: true},
	"GET /api-keys":                     {Role: partners.Admin, Action: Read, Lists: TargetAPIKey},
	"POST /api-keys":                    {Role: partners.Admin, Action: Create},
	"GET /api-keys/:id/revoke":          {Role: partners.Admin, Action: Read, Target: TargetAPIKey},
	"POST /api-keys/:id/revoke":         {Role: partners.Admin, Action: Write, Target: TargetAPIKey, Consumes: true},
	"GET /audit":                        {Role: partners.Admin, Action: Read},
	"GET /audit/export.csv":             {Role: partners.Admin, Action: Read},
	"GET /notifications":                {Role: partners.Viewer, Action: Read},
	"POST /notifications/read":          {Role: partners.Viewer, Action: Create},
	"GET /jobs":                         {Role: partners.Admin, Action: Read, Lists: TargetJob},
	"POST /jobs/:id/retry":              {Role: partners.Admin, Action: Write, Target: TargetJob, Consumes: true},

	// Portal: imports (imports.go).
	"GET /accounts/import":      {Role: partners.Sales, Action: Read},
	"POST /accounts/import":     {Role: partners.Sales, Action: Create},
	"GET /imports/:id":          {Role: partners.Viewer, Action: Read, Target: TargetImport},
	"POST /imports/:id/apply":   {Role: partners.Sales, Action: Write, Target: TargetImport},
	"POST /imports/:id/columns": {Role: partners.Sales, Action: Write, Target: TargetImport},

	// Portal: accounts and partners (portal_accounts.go).
	"GET /accounts":                            {Role: partners.Viewer, Action: Read, Lists: TargetAccount},
	"GET /accounts/export.csv":                 {Role: partners.Viewer, Action: Read, Lists: TargetAccount},
	"POST /accounts":                           {Role: partners.Sales, Action: Create},
	"GET /accounts/:id":                        {Role: partners.Viewer, Action: Read, Target: TargetAccount, Lists: TargetContact},
	"POST /accounts/:id":                       {Role: partners.Sales, Action: Write, Target: TargetAccount},
	"GET /accounts/:id/archive":                {Role: partners.Sales, Action: Read, Target: TargetAccount},
	"GET /accounts/:id/merge":                  {Role: partners.Manager, Action: Read, Target: TargetAccount},
	"GET /accounts/:id/shares/:org_id/delete":  {Role: partners.Sales, Action: Read, Target: TargetAccount},
	"POST /accounts/:id/archive":               {Role: partners.Sales, Action: Owner, Target: TargetAccount},
	"POST /accounts/:id/restore":               {Role: partners.Sales, Action: Owner, Target: TargetAccount},
	"POST /accounts/:id/merge":                 {Role: partners.Manager, Action: Owner, Target: TargetAccount, Consumes: true},
	"POST /accounts/:id/contacts":              {Role: partners.Sales, Action: Write, Target: TargetAccount},
	"POST /accounts/:id/shares":                {Role: partners.Sales, Action: Owner, Target: TargetAccount},
	"POST /accounts/:id/shares/:org_id/delete": {Role: partners.Sales, Action: Owner, Target: TargetAccount, Consumes: true},
	"GET /contacts/:id":                        {Role: partners.Viewer, Action: Read, Target: TargetContact},
	"POST /contacts/:id":                       {Role: partners.Sales, Action: Write, Target: TargetContact},
	"GET /contacts/:id/archive":                {Role: partners.Sales, Action: Read, Target: TargetContact},
	"POST /contacts/:id/archive":               {Role: partners.Sales, Action: Write, Target: TargetContact},
	"POST /contacts/:id/restore":               {Role: partners.Sales, Action: Write, Target: TargetContact},
	"GET /partners":                            {Role: partners.Viewer, Action: Read},
	"POST /partners":                           {Role: partners.Manager, Action: Create},
	"GET /partners/:id":                        {Role: partners.Viewer, Action: Read, Target: TargetPartnership},
	"POST /partners/:id/accept":                {Role: partners.Manager, Action: Write, Target: TargetPartnership},
	"POST /partners/:id/decline":               {Role: partners.Manager, Action: Write, Target: TargetPartnership},
	"GET /partners/:id/revoke":                 {Role: partners.Manager, Action: Read, Target: TargetPartnership},
	"POST /partners/:id/revoke":                {Role: partners.Manager, Action: Write, Target: TargetPartnership, Consumes: true},
	"POST /partners/:id/policy":                {Role: partners.Admin, Action: Write, Target: TargetPartnership},

	// API: deal registrations (issue 17, deals.go). A registration's partner
	// steps are Owner actions (its organization's managers, the sales user who
	// registered it); the vendor's decisions are Write actions of the vendor.
	"GET /api/v1/deal-settings":                             {Action: Read},
	"PATCH /api/v1/deal-settings":                           {Action: Write, Vendor: true},
	"GET /api/v1/deal-registrations":                        {Action: Read, Lists: TargetDealRegistration},
	"POST /api/v1/deal-registrations":                       {Action: Create, Partner: true},
	"GET /api/v1/deal-registrations/:id":                    {Action: Read, Target: TargetDealRegistration},
	"PATCH /api/v1/deal-registrations/:id":                  {Action: Owner, Target: TargetDealRegistration},
	"POST /api/v1/deal-registrations/:id/submit":            {Action: Owner, Target: TargetDealRegistration},
	"POST /api/v1/deal-registrations/:id/withdraw":          {Action: Owner, Target: TargetDealRegistration},
	"POST /api/v1/deal-registrations/:id/extension":         {Action: Owner, Target: TargetDealRegistration},
	"POST /api/v1/deal-registrations/:id/review":            {Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /api/v1/deal-registrations/:id/approve":           {Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /api/v1/deal-registrations/:id/reject":            {Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /api/v1/deal-registrations/:id/extension/approve": {Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /api/v1/deal-registrations/:id/extension/refuse":  {Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /api/v1/deal-registrations/:id/convert":           {Action: Write, Target: TargetDealRegistration, Vendor: true},
	"GET /api/v1/deal-registrations/:id/evidence":           {Action: Read, Target: TargetDealRegistration, Vendor: true},

	// API: leads (issue 17, leads.go). The matrix's target lead is the
	// vendor's, offered to the owner organization: answering the offer is the
	// Owner action of the partner it is offered to; moving the status a Write
	// of the vendor or that partner.
	"GET /api/v1/leads":              {Action: Read, Lists: TargetLead},
	"POST /api/v1/leads":             {Action: Create, Vendor: true},
	"GET /api/v1/leads/:id":          {Action: Read, Target: TargetLead},
	"GET /api/v1/leads/:id/routes":   {Action: Read, Target: TargetLead},
	"POST /api/v1/leads/:id/offer":   {Action: Write, Target: TargetLead, Vendor: true},
	"POST /api/v1/leads/:id/accept":  {Action: Owner, Target: TargetLead},
	"POST /api/v1/leads/:id/decline": {Action: Owner, Target: TargetLead, Consumes: true},
	"POST /api/v1/leads/:id/status":  {Action: Write, Target: TargetLead},
	// API: the activity timeline and mailboxes (issue 18).
	"GET /api/v1/accounts/:id/activities":  {Action: Read, Target: TargetAccount, Lists: TargetActivity},
	"GET /api/v1/contacts/:id/activities":  {Action: Read, Target: TargetContact},
	"POST /api/v1/activities":              {Action: Write, Target: TargetTimeline},
	"GET /api/v1/activities/:id":           {Action: Read, Target: TargetActivity},
	"PATCH /api/v1/activities/:id":         {Action: Owner, Target: TargetActivity},
	"POST /api/v1/activities/:id/complete": {Action: Write, Target: TargetActivity},
	"GET /api/v1/mailboxes":                {Action: Read, Lists: TargetMailbox},
	"POST /api/v1/mailboxes":               {Action: Create},
	"GET /api/v1/mailboxes/:id":            {Action: Read, Target: TargetMailbox},
	"PATCH /api/v1/mailboxes/:id":          {Action: Write, Target: TargetMailbox},
	"DELETE /api/v1/mailboxes/:id":         {Action: Write, Target: TargetMailbox, Consumes: true},
	"POST /api/v1/mailboxes/:id/test":      {Action: Write, Target: TargetMailbox},
	"POST /api/v1/mailboxes/:id/sync":      {Action: Write, Target: TargetMailbox},

	// Portal: the timeline's forms on the account and contact pages (issue 18).
	"POST /accounts/:id/activities": {Role: partners.Sales, Action: Write, Target: TargetTimeline},
	"POST /contacts/:id/activities": {Role: partners.Sales, Action: Write, Target: TargetContactTimeline},
	"POST /activities/:id/complete": {Role: partners.Sales, Action: Write, Target: TargetActivity},
	// API: the EDI exchange (exchange.go, issue 21).
	"GET /api/v1/exchange/profiles":                  {Action: Read, Lists: TargetProfile},
	"POST /api/v1/exchange/profiles":                 {Action: Create},
	"GET /api/v1/exchange/profiles/:id":              {Action: Read, Target: TargetProfile},
	"POST /api/v1/exchange/interchanges":             {Action: Create},
	"GET /api/v1/exchange/interchanges":              {Action: Read, Lists: TargetInterchange},
	"GET /api/v1/exchange/interchanges/:id":          {Action: Read, Target: TargetInterchange},
	"GET /api/v1/exchange/interchanges/:id/ack":      {Action: Read, Target: TargetInterchange},
	"GET /api/v1/exchange/interchanges/:id/original": {Action: Read, Target: TargetInterchange},
	"GET /api/v1/exchange/webhooks":                  {Action: Read, Lists: TargetWebhook},
	"POST /api/v1/exchange/webhooks":                 {Action: Create},
	"GET /api/v1/exchange/webhooks/:id/deliveries":   {Action: Read, Target: TargetWebhook},
	// API: forums (forums.go). Who sees a space follows what it hangs on (the
	// matrix's space hangs on its target account); its moderators are the
	// managers and admins of the organization that made it (Owner); a post is
	// edited by its author, a question's answer accepted by its asker (Write).
	// Only hiding needs a copy of its own (Consumes): a hidden post is gone for
	// the routes after it; a second resolve or restore is a 409.
	"GET /api/v1/forums/spaces":                {Action: Read, Lists: TargetSpace},
	"POST /api/v1/forums/spaces":               {Action: Create},
	"GET /api/v1/forums/reports":               {Action: Read},
	"GET /api/v1/forums/search":                {Action: Read},
	"POST /api/v1/forums/reports/:id/resolve":  {Action: Owner, Target: TargetReport},
	"GET /api/v1/forums/spaces/:id":            {Action: Read, Target: TargetSpace},
	"POST /api/v1/forums/spaces/:id/follow":    {Action: Create, Target: TargetSpace, UsersOnly: true},
	"POST /api/v1/forums/spaces/:id/leave":     {Action: Create, Target: TargetSpace},
	"POST /api/v1/forums/spaces/:id/members":   {Action: Owner, Target: TargetSpace},
	"GET /api/v1/forums/spaces/:id/threads":    {Action: Read, Target: TargetSpace, Lists: TargetThread},
	"POST /api/v1/forums/spaces/:id/threads":   {Action: Create, Target: TargetSpace},
	"GET /api/v1/forums/threads/:id":           {Action: Read, Target: TargetThread},
	"POST /api/v1/forums/threads/:id/posts":    {Action: Create, Target: TargetThread},
	"POST /api/v1/forums/threads/:id/follow":   {Action: Create, Target: TargetThread, UsersOnly: true},
	"POST /api/v1/forums/threads/:id/moderate": {Action: Owner, Target: TargetThread},
	"PATCH /api/v1/forums/posts/:id":           {Action: Write, Target: TargetPost},
	"GET /api/v1/forums/posts/:id/history":     {Action: Read, Target: TargetPost},
	"POST /api/v1/forums/posts/:id/accept":     {Action: Write, Target: TargetPost},
	"POST /api/v1/forums/posts/:id/hide":       {Action: Owner, Target: TargetPost, Consumes: true},
	"POST /api/v1/forums/posts/:id/restore":    {Action: Owner, Target: TargetPost},
	"POST /api/v1/forums/posts/:id/report":     {Action: Create, Target: TargetPost},
	// Portal: confirmations before an invitation is re-sent or cancelled and a
	// partnership declined (issue 26, forms).
	"GET /users/:id/invite/resend": {Role: partners.Admin, Action: Read, Target: TargetInvite},
	"GET /users/:id/invite/cancel": {Role: partners.Admin, Action: Read, Target: TargetInvite},
	"GET /partners/:id/decline":    {Role: partners.Manager, Action: Read, Target: TargetPartnership},
	// Portal: the Exchange pages (exchange_pages.go, issue 21), for an
	// organization's admins.
	"GET /exchange":                               {Role: partners.Admin, Action: Read},
	"GET /exchange/profiles":                      {Role: partners.Admin, Action: Read, Lists: TargetProfile},
	"GET /exchange/profiles/new":                  {Role: partners.Admin, Action: Read},
	"POST /exchange/profiles":                     {Role: partners.Admin, Action: Create},
	"GET /exchange/profiles/:id":                  {Role: partners.Admin, Action: Read, Target: TargetProfile},
	"POST /exchange/profiles/:id":                 {Role: partners.Admin, Action: Write, Target: TargetProfile},
	"GET /exchange/interchanges":                  {Role: partners.Admin, Action: Read, Lists: TargetInterchange},
	"POST /exchange/interchanges":                 {Role: partners.Admin, Action: Create},
	"GET /exchange/interchanges/:id":              {Role: partners.Admin, Action: Read, Target: TargetInterchange},
	"GET /exchange/interchanges/:id/ack.edi":      {Role: partners.Admin, Action: Read, Target: TargetInterchange},
	"GET /exchange/interchanges/:id/original.edi": {Role: partners.Admin, Action: Read, Target: TargetInterchange},
	"GET /exchange/webhooks":                      {Role: partners.Admin, Action: Read, Lists: TargetWebhook},
	"POST /exchange/webhooks":                     {Role: partners.Admin, Action: Create},
	"GET /exchange/webhooks/:id":                  {Role: partners.Admin, Action: Read, Target: TargetWebhook},
	// Portal: the forums' pages (forum_pages.go, issue 20 item 6), as their
	// API routes; hiding a thread or a post asks first (its GET).
	"GET /forums":                       {Role: partners.Viewer, Action: Read, Lists: TargetSpace},
	"GET /forums/search":                {Role: partners.Viewer, Action: Read},
	"GET /forums/reports":               {Role: partners.Manager, Action: Read},
	"POST /forums/reports/:id/dismiss":  {Role: partners.Manager, Action: Owner, Target: TargetReport},
	"GET /forums/spaces/:id":            {Role: partners.Viewer, Action: Read, Target: TargetSpace, Lists: TargetThread},
	"POST /forums/spaces/:id/threads":   {Role: partners.Sales, Action: Create, Target: TargetSpace},
	"POST /forums/spaces/:id/follow":    {Role: partners.Viewer, Action: Create, Target: TargetSpace, UsersOnly: true},
	"GET /forums/threads/:id":           {Role: partners.Viewer, Action: Read, Target: TargetThread},
	"POST /forums/threads/:id/posts":    {Role: partners.Sales, Action: Create, Target: TargetThread},
	"POST /forums/threads/:id/follow":   {Role: partners.Viewer, Action: Create, Target: TargetThread, UsersOnly: true},
	"POST /forums/threads/:id/moderate": {Role: partners.Manager, Action: Owner, Target: TargetThread},
	"GET /forums/threads/:id/hide":      {Role: partners.Manager, Action: Read, Target: TargetThread},
	"POST /forums/threads/:id/hide":     {Role: partners.Manager, Action: Owner, Target: TargetThread, Consumes: true},
	"POST /forums/posts/:id/accept":     {Role: partners.Sales, Action: Write, Target: TargetPost},
	"GET /forums/posts/:id/hide":        {Role: partners.Manager, Action: Read, Target: TargetPost},
	"POST /forums/posts/:id/hide":       {Role: partners.Manager, Action: Owner, Target: TargetPost, Consumes: true},
	"GET /forums/posts/:id/report":      {Role: partners.Viewer, Action: Read, Target: TargetPost},
	"POST /forums/posts/:id/report":     {Role: partners.Viewer, Action: Create, Target: TargetPost},
	// Portal: the organization admin's mailbox settings (mailbox_pages.go,
	// issue 18 item 2), as their API routes.
	"GET /settings/mailboxes":             {Role: partners.Admin, Action: Read, Lists: TargetMailbox},
	"POST /settings/mailboxes":            {Role: partners.Admin, Action: Create},
	"GET /settings/mailboxes/:id":         {Role: partners.Admin, Action: Read, Target: TargetMailbox},
	"POST /settings/mailboxes/:id":        {Role: partners.Admin, Action: Write, Target: TargetMailbox},
	"POST /settings/mailboxes/:id/test":   {Role: partners.Admin, Action: Write, Target: TargetMailbox},
	"POST /settings/mailboxes/:id/sync":   {Role: partners.Admin, Action: Write, Target: TargetMailbox},
	"GET /settings/mailboxes/:id/delete":  {Role: partners.Admin, Action: Read, Target: TargetMailbox},
	"POST /settings/mailboxes/:id/delete": {Role: partners.Admin, Action: Write, Target: TargetMailbox, Consumes: true},
	// Portal: deal registrations and leads (issue 17, deals_pages.go,
	// leads_pages.go), declared as their API routes are; the confirmation
	// pages (withdraw, reject, refuse an extension, decline) are reads.
	"GET /deals":                        {Role: partners.Viewer, Action: Read, Lists: TargetDealRegistration},
	"GET /deals/new":                    {Role: partners.Sales, Action: Read},
	"POST /deals":                       {Role: partners.Sales, Action: Create, Partner: true},
	"GET /deals/:id":                    {Role: partners.Viewer, Action: Read, Target: TargetDealRegistration},
	"POST /deals/:id":                   {Role: partners.Sales, Action: Owner, Target: TargetDealRegistration},
	"POST /deals/:id/submit":            {Role: partners.Sales, Action: Owner, Target: TargetDealRegistration},
	"GET /deals/:id/withdraw":           {Role: partners.Sales, Action: Read, Target: TargetDealRegistration},
	"POST /deals/:id/withdraw":          {Role: partners.Sales, Action: Owner, Target: TargetDealRegistration},
	"POST /deals/:id/extension":         {Role: partners.Sales, Action: Owner, Target: TargetDealRegistration},
	"POST /deals/:id/review":            {Role: partners.Manager, Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /deals/:id/approve":           {Role: partners.Manager, Action: Write, Target: TargetDealRegistration, Vendor: true},
	"GET /deals/:id/reject":             {Role: partners.Manager, Action: Read, Target: TargetDealRegistration},
	"POST /deals/:id/reject":            {Role: partners.Manager, Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /deals/:id/extension/approve": {Role: partners.Manager, Action: Write, Target: TargetDealRegistration, Vendor: true},
	"GET /deals/:id/extension/refuse":   {Role: partners.Manager, Action: Read, Target: TargetDealRegistration},
	"POST /deals/:id/extension/refuse":  {Role: partners.Manager, Action: Write, Target: TargetDealRegistration, Vendor: true},
	"POST /deals/:id/convert":           {Role: partners.Manager, Action: Write, Target: TargetDealRegistration, Vendor: true},
	"GET /leads":                        {Role: partners.Viewer, Action: Read, Lists: TargetLead},
	"POST /leads":                       {Role: partners.Sales, Action: Create, Vendor: true},
	"GET /leads/:id":                    {Role: partners.Viewer, Action: Read, Target: TargetLead},
	"POST /leads/:id/offer":             {Role: partners.Manager, Action: Write, Target: TargetLead, Vendor: true},
	"POST /leads/:id/accept":            {Role: partners.Sales, Action: Owner, Target: TargetLead},
	"GET /leads/:id/decline":            {Role: partners.Sales, Action: Read, Target: TargetLead},
	"POST /leads/:id/decline":           {Role: partners.Sales, Action: Owner, Target: TargetLead, Consumes: true},
	"POST /leads/:id/status":            {Role: partners.Sales, Action: Write, Target: TargetLead},
	// API: joint promotions and market-development funds (issue 19,
	// promotions.go). The owner changes and moves a promotion (Owner); the
	// invited organizations answer (Write); the vendor keeps the funds and
	// decides the requests; a partner requests from its own allocation.
	"GET /api/v1/promotions":                    {Action: Read, Lists: TargetPromotion},
	"POST /api/v1/promotions":                   {Action: Create},
	"GET /api/v1/promotions/:id":                {Action: Read, Target: TargetPromotion},
	"PATCH /api/v1/promotions/:id":              {Action: Owner, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/publish":       {Action: Owner, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/activate":      {Action: Owner, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/end":           {Action: Owner, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/cancel":        {Action: Owner, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/invitations":   {Action: Owner, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/enroll":        {Action: Write, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/decline":       {Action: Write, Target: TargetPromotion},
	"POST /api/v1/promotions/:id/withdraw":      {Action: Write, Target: TargetPromotion},
	"GET /api/v1/mdf-funds":                     {Action: Read, Vendor: true},
	"POST /api/v1/mdf-funds":                    {Action: Create, Vendor: true},
	"POST /api/v1/mdf-funds/:id/allocations":    {Action: Write, Target: TargetFund, Vendor: true},
	"GET /api/v1/mdf-allocations":               {Action: Read, Lists: TargetAllocation},
	"POST /api/v1/mdf-allocations/:id/requests": {Action: Write, Target: TargetAllocation, Partner: true},
	"GET /api/v1/fund-requests":                 {Action: Read, Lists: TargetFundRequest},
	"GET /api/v1/fund-requests/:id":             {Action: Read, Target: TargetFundRequest},
	"POST /api/v1/fund-requests/:id/approve":    {Action: Write, Target: TargetFundRequest, Vendor: true},
	"POST /api/v1/fund-requests/:id/reject":     {Action: Write, Target: TargetFundRequest, Vendor: true},
	"POST /api/v1/fund-requests/:id/claims":     {Action: Owner, Target: TargetFundRequest, Partner: true},
	"GET /api/v1/fund-claims":                   {Action: Read, Lists: TargetClaim},
	"GET /api/v1/fund-claims/:id":               {Action: Read, Target: TargetClaim},
	"GET /api/v1/fund-claims/:id/proof":         {Action: Read, Target: TargetClaim},
	"POST /api/v1/fund-claims/:id/approve":      {Action: Write, Target: TargetClaim, Vendor: true},
	"POST /api/v1/fund-claims/:id/reject":       {Action: Write, Target: TargetClaim, Vendor: true},
	"POST /api/v1/fund-claims/:id/pay":          {Action: Write, Target: TargetClaim, Vendor: true},
	// Promotions' lead capture (issue 19 item 3, leadform.go): the public form,
	// its answer and thank-you page need no sign-in (the token names the
	// promotion); its owner gets the form's address and snippet.
	"GET /lead-forms/:token":               {Action: Public},
	"POST /lead-forms/:token":              {Action: Public},
	"GET /lead-forms/:token/thanks":        {Action: Public},
	"GET /api/v1/promotions/:id/lead-form": {Action: Owner, Target: TargetPromotion},
	"GET /api/v1/promotions/:id/results":   {Action: Owner, Target: TargetPromotion},
	// Portal: the promotions' pages (promotion_pages.go, issue 19 item 4 in
	// part), declared as their API routes are; ending and cancelling ask
	// first (their GETs).
	"GET /promotions":               {Role: partners.Viewer, Action: Read, Lists: TargetPromotion},
	"POST /promotions":              {Role: partners.Manager, Action: Create},
	"GET /promotions/:id":           {Role: partners.Viewer, Action: Read, Target: TargetPromotion},
	"POST /promotions/:id/publish":  {Role: partners.Manager, Action: Owner, Target: TargetPromotion},
	"POST /promotions/:id/activate": {Role: partners.Manager, Action: Owner, Target: TargetPromotion},
	"GET /promotions/:id/end":       {Role: partners.Manager, Action: Read, Target: TargetPromotion},
	"POST /promotions/:id/end":      {Role: partners.Manager, Action: Owner, Target: TargetPromotion},
	"GET /promotions/:id/cancel":    {Role: partners.Manager, Action: Read, Target: TargetPromotion},
	"POST /promotions/:id/cancel":   {Role: partners.Manager, Action: Owner, Target: TargetPromotion},
	"POST /promotions/:id/enroll":   {Role: partners.Manager, Action: Write, Target: TargetPromotion},

	// Joint deals and the pipeline (issue 17, joint_deals.go,
	// joint_deals_pages.go): the vendor and the partner on a deal see it and
	// change it (managers, and each side's owning sales user); the vendor's
	// managers delete it. The pipeline shows each caller what it may see.
	"GET /api/v1/deals":                {Action: Read, Lists: TargetJointDeal},
	"POST /api/v1/deals":               {Action: Create, Vendor: true},
	"GET /api/v1/deals/:id":            {Action: Read, Target: TargetJointDeal},
	"PATCH /api/v1/deals/:id":          {Action: Write, Target: TargetJointDeal},
	"POST /api/v1/deals/:id/stage":     {Action: Write, Target: TargetJointDeal},
	"GET /api/v1/deals/:id/activities": {Action: Read, Target: TargetJointDeal},
	"DELETE /api/v1/deals/:id":         {Action: Owner, Target: TargetJointDeal, Vendor: true, Consumes: true},
	"GET /api/v1/pipeline":             {Action: Read},
	"GET /joint-deals":                 {Role: partners.Viewer, Action: Read, Lists: TargetJointDeal},
	"GET /joint-deals/new":             {Role: partners.Sales, Action: Read},
	"POST /joint-deals":                {Role: partners.Sales, Action: Create, Vendor: true},
	"GET /joint-deals/:id":             {Role: partners.Viewer, Action: Read, Target: TargetJointDeal},
	"POST /joint-deals/:id":            {Role: partners.Sales, Action: Write, Target: TargetJointDeal},
	"POST /joint-deals/:id/stage":      {Role: partners.Sales, Action: Write, Target: TargetJointDeal},
	"GET /joint-deals/:id/lost":        {Role: partners.Sales, Action: Read, Target: TargetJointDeal},
	"POST /joint-deals/:id/lost":       {Role: partners.Sales, Action: Write, Target: TargetJointDeal},
	"GET /joint-deals/:id/delete":      {Role: partners.Manager, Action: Read, Target: TargetJointDeal},
	"POST /joint-deals/:id/delete":     {Role: partners.Manager, Action: Owner, Target: TargetJointDeal, Vendor: true, Consumes: true},
	"GET /pipeline":                    {Role: partners.Viewer, Action: Read},
	// Lead routing rules (issue 17, lead_routing.go): the vendor's managers.
	"GET /api/v1/lead-routing-rules":  {Action: Read, Vendor: true},
	"POST /api/v1/lead-routing-rules": {Action: Create, Vendor: true},
	// Session 8 activity (issue 18): the timelines of deal registrations and
	// leads, read by whoever sees the record.
	"GET /api/v1/deal-registrations/:id/activities": {Action: Read, Target: TargetDealRegistration},
	"GET /api/v1/leads/:id/activities":              {Action: Read, Target: TargetLead},
	// Session 8 activity (issue 18): a synced message and its attachment,
	// its organization's alone.
	"GET /api/v1/mail-messages/:id":            {Action: Read, Target: TargetMailMessage},
	"GET /api/v1/mail-messages/:id/attachment": {Action: Read, Target: TargetMailMessage},

	// The forums, session 8 (forum_files.go, forum_more_pages.go): attachments
	// (seen through their post's space, added by the post's author), the forum
	// email setting (people only), editing a space and a private space's
	// members (its moderators), the public page of a digest's stop link.
	"GET /api/v1/forums/mail-settings":              {Action: Read, UsersOnly: true},
	"POST /api/v1/forums/mail-settings":             {Action: Create, UsersOnly: true},
	"GET /api/v1/forums/attachments/:id":            {Action: Read, Target: TargetAttachment},
	"PATCH /api/v1/forums/spaces/:id":               {Action: Owner, Target: TargetSpace},
	"GET /api/v1/forums/spaces/:id/members":         {Action: Read, Target: TargetSpace},
	"POST /api/v1/forums/spaces/:id/members/remove": {Action: Owner, Target: TargetSpace},
	"GET /api/v1/forums/posts/:id/attachments":      {Action: Read, Target: TargetPost},
	"POST /api/v1/forums/posts/:id/attachments":     {Action: Write, Target: TargetPost},
	"GET /forums/settings":                          {Role: partners.Viewer, Action: Read, UsersOnly: true},
	"POST /forums/settings":                         {Role: partners.Viewer, Action: Create, UsersOnly: true},
	"GET /forums/unsubscribe/:token":                {Action: Public},
	"POST /forums/unsubscribe/:token":               {Action: Public},
	"GET /forums/new-space":                         {Role: partners.Sales, Action: Read},
	"POST /forums/new-space":                        {Role: partners.Sales, Action: Create},
	"GET /forums/attachments/:id":                   {Role: partners.Viewer, Action: Read, Target: TargetAttachment},
	"GET /forums/spaces/:id/edit":                   {Role: partners.Manager, Action: Owner, Target: TargetSpace},
	"POST /forums/spaces/:id/edit":                  {Role: partners.Manager, Action: Owner, Target: TargetSpace},
	"GET /forums/spaces/:id/members":                {Role: partners.Viewer, Action: Read, Target: TargetSpace},
	"POST /forums/spaces/:id/members":               {Role: partners.Manager, Action: Owner, Target: TargetSpace},
	"GET /forums/spaces/:id/remove-member":          {Role: partners.Manager, Action: Owner, Target: TargetSpace},
	"POST /forums/spaces/:id/remove-member":         {Role: partners.Manager, Action: Owner, Target: TargetSpace},
	"POST /forums/posts/:id/attachments":            {Role: partners.Sales, Action: Write, Target: TargetPost},
	// The outbound exchange (exchange_exports.go, issue 21, session 8): an
	// export is made on a profile of the owner organization and read by it
	// alone; the portal's export answers 303 to the file.
	"POST /api/v1/exchange/exports":         {Action: Write, Target: TargetProfile},
	"GET /api/v1/exchange/exports":          {Action: Read, Lists: TargetExport},
	"GET /api/v1/exchange/exports/:id/file": {Action: Read, Target: TargetExport},
	"POST /exchange/profiles/:id/export":    {Role: partners.Admin, Action: Write, Target: TargetProfile},
	"GET /exchange/exports/:id/file":        {Role: partners.Admin, Action: Read, Target: TargetExport},
	// Portal: the table component's exports and the organization page's
	// confirmation before a new invite link (issue 26, session 8 tables).
	"GET /users/export.csv":          {Role: partners.Admin, Action: Read, Lists: TargetUser},
	"GET /partners/export.csv":       {Role: partners.Viewer, Action: Read},
	"GET /api-keys/export.csv":       {Role: partners.Admin, Action: Read, Lists: TargetAPIKey},
	"GET /users/:id/invite/renew":    {Role: partners.Manager, Action: Read, Target: TargetInvite, Vendor: true},
	"GET /organizations/export.csv":  {Role: partners.Viewer, Action: Read, Lists: TargetOrganization},
	"GET /jobs/export.csv":           {Role: partners.Admin, Action: Read, Lists: TargetJob},
	"GET /accounts/:id/contacts.csv": {Role: partners.Viewer, Action: Read, Target: TargetAccount},
	"GET /notifications/export.csv":  {Role: partners.Viewer, Action: Read},
	"GET /imports":                   {Role: partners.Viewer, Action: Read},
	"GET /imports/export.csv":        {Role: partners.Viewer, Action: Read},
}
