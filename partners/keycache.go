package partners

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// KeyChannel is the PostgreSQL notification channel on which a change that ends
// or alters API keys is announced, in the transaction that makes it: "key:N:ID"
// (a key of network N revoked) or "org:N:ID" (an organization changed, its keys
// with it). Every instance's KeyCache listens on it.
const KeyChannel = "ph_api_keys"

// KeyPingEvery is how often the key cache checks its listening connection:
// between notifications, that connection carries nothing longer than this.
const KeyPingEvery = 5 * time.Second

// keyTouchEvery is how often at most a key's last_used_at is written.
const keyTouchEvery = time.Minute

// KeyCache keeps, in the process, what each API key resolves to, so that a
// request with a known key costs no database round trip and writes nothing.
//
// Entries are used only while the cache listens on KeyChannel: a revocation or
// an organization's change reaches every instance when its transaction commits,
// and drops the entries it names. While the listening connection is down the
// cache is bypassed, and it is emptied when the connection comes back, since
// announcements may have been missed meanwhile. Entries also age out after
// MaxAge, as a bound on anything the announcements do not cover.
//
// Last use is written at most once a minute per key, by a background
// goroutine, outside the request's path.
type KeyCache struct {
	// MaxAge bounds how long an entry is used (0: 5 minutes).
	MaxAge time.Duration
	Logger *slog.Logger
	// Dialer, when set, makes the listening connection (db.NewDialer: its
	// reads and writes are bounded, so a half-open connection is noticed).
	Dialer pq.Dialer

	mu      sync.Mutex
	entries map[string]keyEntry
	touched map[keyRef]time.Time
	live    atomic.Bool
	touches chan keyRef
	start   sync.Once
}

type keyEntry struct {
	actor Actor
	at    time.Time
}

type keyRef struct{ network, id int64 }

// NewKeyCache returns an empty cache; call Listen to put it to use.
func NewKeyCache() *KeyCache {
	return &KeyCache{entries: map[string]keyEntry{}, touched: map[keyRef]time.Time{}, touches: make(chan keyRef, 1024)}
}

// Listen connects to url and follows KeyChannel until ctx ends. It returns once
// the first connection is made, or its error.
func (c *KeyCache) Listen(ctx context.Context, url string) error {
	events := make(chan pq.ListenerEventType, 4)
	report := func(ev pq.ListenerEventType, err error) {
		if err != nil {
			c.logger().Warn("API key cache: listener", "event", ev, "err", err)
		}
		select {
		case events <- ev:
		default:
		}
	}
	var l *pq.Listener
	if c.Dialer != nil {
		l = pq.NewDialListener(c.Dialer, url, 100*time.Millisecond, 2*time.Second, report)
	} else {
		l = pq.NewListener(url, 100*time.Millisecond, 2*time.Second, report)
	}
	if err := l.Listen(KeyChannel); err != nil {
		l.Close()
		return fmt.Errorf("listen for API key changes: %w", err)
	}
	c.flush()
	c.live.Store(true)
	go func() {
		defer l.Close()
		ping := time.NewTicker(KeyPingEvery)
		defer ping.Stop()
		for {
			select {
			case <-ctx.Done():
				c.live.Store(false)
				return
			case n := <-l.Notify:
				if n == nil {
					// pq sends nil after a reconnection: whatever was announced
					// meanwhile is unknown.
					c.flush()
					continue
				}
				c.drop(n.Extra)
			case ev := <-events:
				switch ev {
				case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
					c.live.Store(false)
					c.flush()
				case pq.ListenerEventConnected, pq.ListenerEventReconnected:
					c.flush()
					c.live.Store(true)
				}
			case <-ping.C:
				if err := l.Ping(); err != nil {
					c.live.Store(false)
					c.flush()
				}
			}
		}
	}()
	return nil
}

func (c *KeyCache) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func (c *KeyCache) get(hash []byte) (Actor, bool) {
	if c == nil || !c.live.Load() {
		return Actor{}, false
	}
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || time.Since(e.at) > maxAge {
		return Actor{}, false
	}
	return e.actor, true
}

func (c *KeyCache) put(hash []byte, a Actor, at time.Time) {
	if c == nil || !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[string(hash)] = keyEntry{actor: a, at: at}
}

func (c *KeyCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// drop removes the entries an announcement names; one it cannot read empties
// the cache.
func (c *KeyCache) drop(payload string) {
	kind, rest, _ := strings.Cut(payload, ":")
	n, id, _ := strings.Cut(rest, ":")
	network, err1 := strconv.ParseInt(n, 10, 64)
	target, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || (kind != "key" && kind != "org") {
		c.flush()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.entries {
		if e.actor.Network != network {
			continue
		}
		if kind == "key" && e.actor.APIKey == target || kind == "org" && e.actor.Org == target {
			delete(c.entries, h)
		}
	}
}

// touch asks for the key's last use to be written, at most once a minute, by
// the background writer; it never blocks the request.
func (c *KeyCache) touch(s *Service, ref keyRef) {
	c.mu.Lock()
	last, ok := c.touched[ref]
	due := !ok || time.Since(last) >= keyTouchEvery
	if due {
		c.touched[ref] = time.Now()
	}
	c.mu.Unlock()
	if !due {
		return
	}
	c.start.Do(func() { go c.writeTouches(s) })
	select {
	case c.touches <- ref:
	default: // the writer is behind; the next use a minute later asks again
		c.mu.Lock()
		delete(c.touched, ref)
		c.mu.Unlock()
	}
}

func (c *KeyCache) writeTouches(s *Service) {
	for ref := range c.touches {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.touchKey(ctx, ref); err != nil {
			c.logger().Warn("API key last use", "network", ref.network, "key", ref.id, "err", err)
		}
		cancel()
	}
}

// touchKey writes a key's last use, unless it was written within the minute.
func (s *Service) touchKey(ctx context.Context, ref keyRef) error {
	_, err := s.DB.ExecContext(ctx, `SELECT ph_api_key_touch($1, $2)`, ref.network, ref.id)
	return err
}
