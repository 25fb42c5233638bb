package db

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func TestWithParamsAddsOnlyWhatIsMissing(t *testing.T) {
	params := Timeouts{Connect: 1500 * time.Millisecond, Statement: 2 * time.Second}.withDefaults().params()
	for _, c := range []struct{ in, want string }{
		{"postgres://app:pw@db:5432/hub?sslmode=disable",
			"postgres://app:pw@db:5432/hub?connect_timeout=2&idle_in_transaction_session_timeout=4000&sslmode=disable&statement_timeout=2000"},
		{"postgres://app:pw@db/hub?statement_timeout=60000",
			"postgres://app:pw@db/hub?connect_timeout=2&idle_in_transaction_session_timeout=4000&statement_timeout=60000"},
		{"host=db dbname=hub connect_timeout=9",
			"host=db dbname=hub connect_timeout=9 statement_timeout=2000 idle_in_transaction_session_timeout=4000"},
	} {
		got, err := withParams(c.in, params)
		if err != nil || got != c.want {
			t.Errorf("withParams(%q)\n got %q (%v)\nwant %q", c.in, got, err, c.want)
		}
	}
}

// A read that gets nothing fails after the stall bound instead of waiting for
// ever, and a connection closed by the other side is a network error, not io.EOF.
func TestStallConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := &stallConn{Conn: a, stall: 50 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a read that gets nothing: %v, want a deadline error", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a read that gets nothing is still waiting after a minute")
	}
	// An earlier deadline set by the driver (connect_timeout's) still holds.
	c.stall = time.Hour
	c.SetDeadline(time.Now().Add(50 * time.Millisecond))
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a read past the driver's deadline: %v, want a deadline error", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the driver's deadline was lost: the read waits for the hour-long stall bound")
	}
	c.SetDeadline(time.Time{})
	b.Close()
	_, err = c.Read(make([]byte, 1))
	var op *net.OpError
	if !errors.As(err, &op) || errors.Is(err, io.EOF) || !Unavailable(err) {
		t.Errorf("a read after the peer closed: %#v, want a *net.OpError that says unavailable", err)
	}
}
