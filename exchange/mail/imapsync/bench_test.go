package imapsync_test

import (
	"fmt"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
)

// BenchmarkSyncDovecot is the end-to-end ingest from a real local Dovecot:
// the first sync of 2,000 messages (fetch, parse, store, link to the contact,
// its account by domain, thread), each iteration from scratch. It reports
// messages per second (BENCHMARKS.md, "Mail sync"):
//
//	go test ./exchange/mail/imapsync -run XXX -bench SyncDovecot -benchtime 3x
func BenchmarkSyncDovecot(b *testing.B) {
	const n = 2000
	w := newWorld(b)
	ctx := w.ctx
	dc := startDovecot(b, map[string]string{"alice": "s3cret"})
	c := dc.client("alice", "s3cret")
	for i := 0; i < n; i++ {
		refs := ""
		if i%10 != 0 {
			refs = fmt.Sprintf("In-Reply-To: <b%d@globex.example>\n", i-1)
		}
		from := "hank@globex.example"
		if i%2 == 1 {
			from = "alice@alpha.example"
		}
		raw := fmt.Sprintf("Message-ID: <b%d@globex.example>\nFrom: %s\nTo: alice@alpha.example, hank@globex.example\nSubject: Order %d\n%s"+
			"Date: Fri, 20 Nov 2026 %02d:%02d:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nLine %d of the order, with some text to read.\n",
			i, from, i/10, refs, 8+i/120%12, i%60, i)
		appendMsg(b, c, "INBOX", raw, day)
	}
	port := dc.port
	mb, err := w.mail.CreateMailbox(ctx, w.a, imapsync.Input{Name: str("Bench"), Host: str("127.0.0.1"), Port: &port, TLSMode: str("plain"),
		Username: str("alice"), Password: str("s3cret"), StartDate: str("2026-11-01")})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := w.d.Owner.ExecContext(ctx, `DELETE FROM activities WHERE kind = 'email'; DELETE FROM mail_attachments; DELETE FROM mail_messages; DELETE FROM mail_folders`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := w.mail.Sync(ctx, w.a, mb.ID)
		if err != nil || res.Stored != n || res.Linked != 2*n {
			b.Fatalf("sync = %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
