package web_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// listen serves the fixture's app on a loopback port for tests that need a real
// connection (what the server reads, and when, is the point).
func (f *fixture) listenApp(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go f.srv.App.Listener(ln)
	t.Cleanup(func() { f.srv.App.Shutdown() })
	return ln.Addr().String()
}

// rawRequest sends head (request line and headers) and then only the first
// bytes of the body it announces (the server's read buffer takes up to 8 KiB
// before it decides), and reads the answer the server sends without waiting
// for the rest.
func rawRequest(t *testing.T, addr, head, body string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "%s\r\n%s", head, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%.60q: no answer before the body was sent (%v): the server waited to read it", head, err)
	}
	defer resp.Body.Close()
	closing := resp.Header.Get("Connection")
	if resp.Close {
		closing = "close"
	}
	return resp.StatusCode, closing
}

// Finding 25.6: every route took bodies up to the import limit (21 MiB), read
// whole before any check, even from anonymous callers. Now a body past 1 MiB is
// refused from its Content-Length before it is read, uploads are refused to
// anonymous callers before they are read, and chunked bodies are cut off.
func TestBodiesPastTheLimitAreNotRead(t *testing.T) {
	f := newFixture(t)
	addr := f.listenApp(t)
	const big = 20 << 20
	cases := []struct {
		name, head string
		want       int
	}{
		{"anonymous login, 20 MiB announced", "POST /login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + fmt.Sprint(big) + "\r\n", 413},
		{"API route, 2 MiB announced", "POST /api/v1/organizations HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer " + f.keys["vendor"] + "\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(2<<20) + "\r\n", 413},
		{"anonymous upload, 5 MiB announced", "POST /api/v1/imports HTTP/1.1\r\nHost: hub\r\nContent-Type: text/csv\r\nContent-Length: " + fmt.Sprint(5<<20) + "\r\n", 401},
		{"upload past its limit", "POST /api/v1/imports HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer " + f.keys["vendor"] + "\r\nContent-Type: text/csv\r\nContent-Length: " + fmt.Sprint(big+1<<20) + "\r\n", 413},
		{"gzip body", "POST /api/v1/organizations HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer " + f.keys["vendor"] + "\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 100\r\n", 415},
	}
	for _, c := range cases {
		status, conn := rawRequest(t, addr, c.head, strings.Repeat("a", 16<<10))
		if status != c.want {
			t.Errorf("%s: %d, want %d", c.name, status, c.want)
		}
		if conn != "close" {
			t.Errorf("%s: the connection stays open with the body unread (Connection: %q)", c.name, conn)
		}
	}
	// A chunked body has no length to check: it is cut off at the limit.
	chunk := strings.Repeat("a", 64<<10)
	var body strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&body, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	body.WriteString("0\r\n\r\n")
	status, _ := rawRequest(t, addr, "POST /login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n", body.String())
	if status != 413 {
		t.Errorf("chunked 1.25 MiB login: %d, want 413", status)
	}
	// A signed-in upload within the limit still goes through.
	csv := "name,domains\nBig Co,big.example\n"
	status, _ = rawRequest(t, addr, "POST /api/v1/imports?dry_run=true HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer "+f.keys["vendor"]+
		"\r\nContent-Type: text/csv\r\nContent-Length: "+fmt.Sprint(len(csv))+"\r\n", csv)
	if status >= 300 {
		t.Errorf("signed-in upload: %d", status)
	}
}
