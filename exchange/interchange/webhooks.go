package interchange

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

// WebhookJob is the background job that sends one webhook delivery.
const WebhookJob = "exchange.webhook"

// Events are the events an organization may subscribe to.
var Events = []string{"interchange.processed"}

// Webhook is an organization's subscription of a URL to events. Its secret,
// shown once when it is made, signs every delivery: the header
// X-Partnerhub-Signature is "t=<unix time>,v1=<hex HMAC-SHA256 of
// "<unix time>.<body>">".
type Webhook struct {
	Network   int64          `db:"network_id" json:"-"`
	ID        int64          `db:"id" json:"id"`
	Org       int64          `db:"org_id" json:"org_id"`
	URL       string         `db:"url" json:"url"`
	Events    pq.StringArray `db:"events" json:"events"`
	Active    bool           `db:"active" json:"active"`
	CreatedAt time.Time      `db:"created_at" json:"created_at"`
	// Secret is set only in the reply that made the subscription.
	Secret string `db:"-" json:"secret,omitempty"`
}

// WebhookInput subscribes a URL to events.
type WebhookInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// Delivery is one event sent (or being sent) to a subscription: the delivery log.
type Delivery struct {
	Network      int64           `db:"network_id" json:"-"`
	ID           int64           `db:"id" json:"id"`
	Subscription int64           `db:"subscription_id" json:"subscription_id"`
	Event        string          `db:"event" json:"event"`
	Body         json.RawMessage `db:"body" json:"body"`
	State        string          `db:"state" json:"state"`
	Attempts     int             `db:"attempts" json:"attempts"`
	LastStatus   *int            `db:"last_status" json:"last_status"`
	LastError    string          `db:"last_error" json:"last_error"`
	CreatedAt    time.Time       `db:"created_at" json:"created_at"`
	DeliveredAt  *time.Time      `db:"delivered_at" json:"delivered_at"`
}

const webhookColumns = `network_id, id, org_id, url, events, active, created_at`
const deliveryColumns = `network_id, id, subscription_id, event, convert_to(body, 'UTF8') AS body, state, attempts, last_status, last_error, created_at, delivered_at`

// CreateWebhook subscribes a URL (http or https) of the actor's organization
// to events, with a new secret (in the reply only). Managers and admins.
// Errors: Forbidden, Invalid.
func (s *Service) CreateWebhook(ctx context.Context, a partners.Actor, in WebhookInput) (*Webhook, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(in.URL) > 2000 {
		return nil, apperr.Field("url", "must be an http or https URL without credentials")
	}
	if len(in.Events) == 0 {
		return nil, apperr.Field("events", "name at least one event")
	}
	for _, e := range in.Events {
		if !contains(Events, e) {
			return nil, apperr.Field("events", "%q is not an event (%s)", e, strings.Join(Events, ", "))
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	secret := "whsec_" + hex.EncodeToString(raw)
	var w Webhook
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &w, `INSERT INTO webhook_subscriptions (network_id, org_id, url, events, secret) VALUES ($1, $2, $3, $4, $5) RETURNING `+webhookColumns,
			a.Network, a.Org, u.String(), pq.StringArray(in.Events), secret)
	})
	if err != nil {
		return nil, db.Translate(err)
	}
	w.Secret = secret
	return &w, nil
}

// Webhooks lists the subscriptions of the actor's organization: at most limit
// (1 to 201) after the id after.
func (s *Service) Webhooks(ctx context.Context, a partners.Actor, after int64, limit int) ([]Webhook, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	out := []Webhook{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+webhookColumns+` FROM webhook_subscriptions WHERE network_id = $1 AND org_id = $2 AND id > $3 ORDER BY id LIMIT $4`, a.Network, a.Org, after, limit)
	})
	return out, err
}

// Deliveries is the delivery log of a subscription of the actor's
// organization, newest first: at most limit (1 to 201) before the id before
// (0 for the newest). Errors: NotFound.
func (s *Service) Deliveries(ctx context.Context, a partners.Actor, webhook, before int64, limit int) ([]Delivery, error) {
	return s.DeliveryPage(ctx, a, webhook, before, 0, limit)
}

// DeliveryPage is Deliveries with a page after the id after as well (a
// previous page: the deliveries nearest above it, still newest first).
// Errors: NotFound.
func (s *Service) DeliveryPage(ctx context.Context, a partners.Actor, webhook, before, after int64, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	out := []Delivery{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.GetContext(ctx, &id, `SELECT id FROM webhook_subscriptions WHERE network_id = $1 AND org_id = $2 AND id = $3`, a.Network, a.Org, webhook); err != nil {
			return db.Absent(err, "Webhook %d not found.", webhook)
		}
		if after > 0 {
			return tx.SelectContext(ctx, &out, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE network_id = $1 AND subscription_id = $2 AND id > $3 ORDER BY id LIMIT $4`,
				a.Network, webhook, after, limit)
		}
		return tx.SelectContext(ctx, &out, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE network_id = $1 AND subscription_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`,
			a.Network, webhook, before, limit)
	})
	if after > 0 {
		slices.Reverse(out)
	}
	return out, err
}

// emit writes a delivery of event to every active subscription of the
// organization that asked for it, and queues the job that sends it, inside
// the caller's transaction: the event exists if and only if the change does.
func emit(ctx context.Context, tx *sqlx.Tx, network, org int64, event string, data any) error {
	var subs []int64
	if err := tx.SelectContext(ctx, &subs, `SELECT id FROM webhook_subscriptions WHERE network_id = $1 AND org_id = $2 AND active AND $3 = ANY (events) ORDER BY id`, network, org, event); err != nil {
		return err
	}
	if len(subs) == 0 {
		return nil
	}
	body, err := json.Marshal(map[string]any{"event": event, "created_at": time.Now().UTC().Format(time.RFC3339), "data": data})
	if err != nil {
		return err
	}
	for _, sub := range subs {
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO webhook_deliveries (network_id, org_id, subscription_id, event, body) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			network, org, sub, event, string(body)); err != nil {
			return err
		}
		if _, err := jobs.Enqueue(ctx, tx, network, org, WebhookJob, map[string]int64{"delivery": id, "org": org}); err != nil {
			return err
		}
	}
	return nil
}

// Sign is the signature header of a delivery's body sent at t with secret:
// "t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">". A receiver recomputes
// it with the secret and refuses an old t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// errPrivate refuses a webhook address inside the hub's own networks.
var errPrivate = errors.New("the webhook's address is private, loopback or link-local")

// client sends deliveries: a short timeout, no redirects, and (unless
// AllowPrivateWebhooks) no connection to private, loopback or link-local
// addresses, checked on the address actually dialed.
func (s *Service) client() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !s.AllowPrivateWebhooks {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
				return errPrivate
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// WebhookHandler sends webhook deliveries in the background: a delivery that
// does not get a 2xx answer is retried with the jobs' backoff, and after the
// job's last attempt it is "failed" in the delivery log.
func (s *Service) WebhookHandler() jobs.Handler {
	hc := s.client()
	return func(ctx context.Context, j jobs.Job) error {
		var p struct{ Delivery, Org int64 }
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return fmt.Errorf("webhook job payload: %w", err)
		}
		scope := partners.Actor{Network: j.Network, Org: p.Org}.Scope()
		var d struct {
			Body   string `db:"body"`
			Event  string `db:"event"`
			State  string `db:"state"`
			URL    string `db:"url"`
			Secret string `db:"secret"`
		}
		if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &d, `SELECT d.body, d.event, d.state, s.url, s.secret FROM webhook_deliveries d
				JOIN webhook_subscriptions s ON s.network_id = d.network_id AND s.id = d.subscription_id
				WHERE d.network_id = $1 AND d.id = $2`, j.Network, p.Delivery)
		}); err != nil {
			return fmt.Errorf("webhook delivery %d: %w", p.Delivery, err)
		}
		if d.State != "pending" {
			return nil
		}
		body := []byte(d.Body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
		if err != nil {
			return s.delivered(ctx, scope, j, p.Delivery, 0, err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Partnerhub-Webhook/1")
		req.Header.Set("X-Partnerhub-Event", d.Event)
		req.Header.Set("X-Partnerhub-Delivery", strconv.FormatInt(p.Delivery, 10))
		req.Header.Set("X-Partnerhub-Signature", Sign(d.Secret, time.Now(), body))
		resp, err := hc.Do(req)
		status := 0
		if err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			status = resp.StatusCode
			if status < 200 || status > 299 {
				err = fmt.Errorf("the receiver answered %d", status)
			}
		}
		return s.delivered(ctx, scope, j, p.Delivery, status, err)
	}
}

// delivered records an attempt in the delivery log; a failed attempt returns
// its error so that the job is retried (and the delivery is "failed" after
// the job's last attempt).
func (s *Service) delivered(ctx context.Context, scope db.Scope, j jobs.Job, id int64, status int, failed error) error {
	state, msg := "delivered", ""
	if failed != nil {
		state, msg = "pending", failed.Error()
		if j.Attempts >= j.MaxAttempts {
			state = "failed"
		}
	}
	var st any
	if status != 0 {
		st = status
	}
	var delivered any // the time as a parameter: Citus refuses now() inside CASE in an UPDATE
	if state == "delivered" {
		delivered = time.Now()
	}
	if err := s.DB.Tx(ctx, scope, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, last_status = $4, last_error = $5,
			delivered_at = $6 WHERE network_id = $1 AND id = $2`, scope.Network, id, state, st, msg, delivered)
		return err
	}); err != nil {
		return fmt.Errorf("webhook delivery %d: %w", id, err)
	}
	if failed != nil {
		return fmt.Errorf("webhook delivery %d: %w", id, failed)
	}
	return nil
}
