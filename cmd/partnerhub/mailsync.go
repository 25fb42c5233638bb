package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

// cmdMailSync syncs one of an organization's mailboxes now, in this process,
// as the job would: `partnerhub mail sync --key phk_… --mailbox ID`. The key
// is an admin API key of the mailbox's organization. It prints what the sync
// did as JSON; exit 1 when it failed (the mailbox's state says why too).
func cmdMailSync(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mail sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", os.Getenv("PARTNERHUB_API_KEY"), "admin API key of the mailbox's organization (or PARTNERHUB_API_KEY)")
	id := fs.Int64("mailbox", 0, "the mailbox's id")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *key == "" || *id <= 0 || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: partnerhub mail sync --key API_KEY --mailbox ID")
		return 2
	}
	c, err := configFromEnv(false)
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub mail sync:", err)
		return 2
	}
	if c.DatabaseURL == "" || len(c.Secret) == 0 {
		fmt.Fprintln(stderr, "partnerhub mail sync: DATABASE_URL and SECRET_KEY must be set (the password is sealed under SECRET_KEY)")
		return 2
	}
	d, err := openApp(ctx, c)
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub mail sync:", err)
		return 2
	}
	defer d.Close()
	svc := newServices(d, c, nil)
	actor, err := svc.Partners.KeyActor(ctx, *key)
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub mail sync:", err)
		return 2
	}
	res, err := svc.Mail.Sync(ctx, *actor, *id)
	if res != nil {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	}
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub mail sync:", err)
		return 1
	}
	return 0
}
