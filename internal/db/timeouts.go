package db

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Timeouts bound how long the hub waits on the database, so that a slow, cut or
// half-open connection ends a request with an error instead of holding it (and
// a pool connection, and the server's locks) without end.
type Timeouts struct {
	// Connect bounds dialing and the start of a session (connect_timeout).
	// Default 10 s: on a machine at a load of 50 a session's start takes
	// seconds, and a refused or unreachable server fails sooner anyway.
	Connect time.Duration
	// Statement is the server's statement_timeout. The server's
	// idle_in_transaction_session_timeout is twice it: a transaction whose client
	// went silent (a connection cut mid-transaction) gives its locks back.
	// Default 30 s.
	Statement time.Duration
	// Stall fails a read or write on a connection that waits longer than this:
	// past the statement timeout the server has answered, unless the network has
	// stopped carrying data (a half-open connection, which TCP itself may take
	// minutes or hours to notice). Default Statement + 5 s.
	Stall time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = 10 * time.Second
	}
	if t.Statement <= 0 {
		t.Statement = 30 * time.Second
	}
	if t.Stall <= 0 {
		t.Stall = t.Statement + 5*time.Second
	}
	return t
}

// params are the connection parameters the timeouts add to a URL that does not
// set them itself.
func (t Timeouts) params() [][2]string {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	// connect_timeout is in whole seconds; round up so that 1.5 s is not 1 s.
	secs := int64((t.Connect + time.Second - 1) / time.Second)
	return [][2]string{
		{"connect_timeout", strconv.FormatInt(secs, 10)},
		{"statement_timeout", ms(t.Statement)},
		{"idle_in_transaction_session_timeout", ms(2 * t.Statement)},
	}
}

// withParams adds each parameter the connection string does not already set, in
// its own form: a postgres:// URL's query, or key=value pairs.
func withParams(dsn string, params [][2]string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		for _, p := range params {
			if !q.Has(p[0]) {
				q.Set(p[0], p[1])
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for _, p := range params {
		if !strings.Contains(" "+dsn, " "+p[0]+"=") {
			dsn += " " + p[0] + "=" + p[1]
		}
	}
	return dsn, nil
}

// Dialer is how the hub reaches PostgreSQL: TCP keepalives and a TCP user
// timeout (Linux) so that a peer gone from the network is noticed within
// seconds, and a Stall bound on every read and write of the connection.
type Dialer struct {
	Stall time.Duration
	d     net.Dialer
}

// NewDialer returns the dialer for t's stall bound.
func NewDialer(t Timeouts) *Dialer {
	t = t.withDefaults()
	return &Dialer{Stall: t.Stall, d: net.Dialer{
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3},
		Control:         tcpUserTimeout(t.Stall),
	}}
}

// Dial implements pq.Dialer.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialTimeout implements pq.Dialer.
func (d *Dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

// DialContext implements pq.DialerContext.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &stallConn{Conn: c, stall: d.Stall}, nil
}

// stallConn fails a read or a write that waits longer than stall, while keeping
// any earlier deadline the driver set itself (connect_timeout's).
type stallConn struct {
	net.Conn
	stall time.Duration

	mu              sync.Mutex
	readBy, writeBy time.Time
}

func (c *stallConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	by := c.readBy
	c.mu.Unlock()
	if err := c.Conn.SetReadDeadline(earliest(by, time.Now().Add(c.stall))); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if err == io.EOF {
		// The server never ends the protocol by closing first: a close is a
		// lost connection. lib/pq passes a bare io.EOF up from some calls (an
		// API key lookup cut by the network failed with "EOF", a 500); said as
		// a network error, it is one everywhere, marks the connection bad, and
		// the request answers 503 (Unavailable).
		err = &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: errClosedByServer}
	}
	return n, err
}

var errClosedByServer = errors.New("connection closed by the database server or the network")

func (c *stallConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	by := c.writeBy
	c.mu.Unlock()
	if err := c.Conn.SetWriteDeadline(earliest(by, time.Now().Add(c.stall))); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

func (c *stallConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.readBy, c.writeBy = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *stallConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readBy = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *stallConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeBy = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func earliest(set, stall time.Time) time.Time {
	if !set.IsZero() && set.Before(stall) {
		return set
	}
	return stall
}

// connector is the pq connector for dsn with the timeouts' parameters and dialer.
func connector(dsn string, t Timeouts) (*pq.Connector, error) {
	t = t.withDefaults()
	dsn, err := withParams(dsn, t.params())
	if err != nil {
		return nil, err
	}
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(NewDialer(t))
	return c, nil
}

// ListenerURL is dsn with the timeouts' parameters, for a pq.Listener dialed
// with NewDialer(t).
func ListenerURL(dsn string, t Timeouts) (string, error) {
	return withParams(dsn, t.withDefaults().params())
}
