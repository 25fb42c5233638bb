package pgtest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
)

// cloneMu keeps Clone's end-connections-then-copy steps together.
var cloneMu sync.Mutex

// Clone copies d, as it is now, into a new database for tb, dropped at cleanup: a
// fixture built once in d serves tests that change it, each in its own copy.
// PostgreSQL copies only a database nobody is connected to, so d's pools stop
// keeping idle connections and any other connection to d is ended first: d stays
// usable, but opens a connection per query from then on.
func Clone(tb testing.TB, d *Database) *Database {
	tb.Helper()
	ctx := context.Background()
	name := newName()
	if Citus() {
		err := citusCreate(ctx, name)
		if err == nil {
			err = citusCopy(ctx, d.Name, name)
		}
		if err != nil {
			citusDrop(ctx, name)
			tb.Fatalf("pgtest: clone %s on citus: %v", d.Name, err)
		}
		return open(tb, name)
	}
	cloneMu.Lock()
	d.App.SetMaxIdleConns(0)
	d.Owner.SetMaxIdleConns(0)
	_, err := super.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, d.Name)
	if err == nil {
		_, err = super.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER %s STRATEGY FILE_COPY",
			pq.QuoteIdentifier(name), pq.QuoteIdentifier(d.Name), db.OwnerRole))
	}
	cloneMu.Unlock()
	if err != nil {
		tb.Fatalf("pgtest: clone %s: %v", d.Name, err)
	}
	return open(tb, name)
}
