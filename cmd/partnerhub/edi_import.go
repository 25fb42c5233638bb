package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/apperr"
)

// cmdEDIImport sends an interchange to the exchange of an API key's
// organization and processes it at once: `partnerhub edi import --key phk_…
// [--json] FILE`. The interchange is stored as received and queued like an
// upload; the command then runs its processing itself (a worker that takes
// the job later finds it done). The acknowledgment is written to standard
// output, a summary and the located errors to standard error. Exit 0 when
// every set was accepted, 1 when one was rejected or the file was refused,
// 2 when the command could not run.
func cmdEDIImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("edi import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", os.Getenv("PARTNERHUB_API_KEY"), "API key of the receiving organization (or PARTNERHUB_API_KEY)")
	asJSON := fs.Bool("json", false, "print the interchange's log entry as JSON instead of the acknowledgment")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *key == "" {
		fmt.Fprintln(stderr, "usage: partnerhub edi import --key API_KEY [--json] FILE")
		return 2
	}
	name := fs.Arg(0)
	fail := func(err error) int {
		fmt.Fprintln(stderr, "partnerhub edi import:", err)
		return 2
	}
	c, err := configFromEnv(false)
	if err != nil {
		return fail(err)
	}
	if c.DatabaseURL == "" {
		fmt.Fprintln(stderr, "partnerhub edi import: DATABASE_URL is not set")
		return 2
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return fail(err)
	}
	d, err := openApp(ctx, c)
	if err != nil {
		return fail(err)
	}
	defer d.Close()
	svc := newServices(d, c, nil)
	actor, err := svc.Partners.KeyActor(ctx, *key)
	if err != nil {
		return fail(err)
	}
	rec, err := svc.Exchange.Receive(ctx, *actor, filepath.Base(name), data)
	if err != nil {
		if ae, ok := apperr.As(err); ok {
			fmt.Fprintf(stderr, "%s: %s\n", name, ae.Error())
			return 1
		}
		return fail(err)
	}
	ack := []byte(rec.Ack)
	if !rec.Duplicate {
		if err := svc.Exchange.Process(ctx, *actor, rec.Interchange.ID); err != nil {
			return fail(err)
		}
		if _, ack, err = svc.Exchange.Ack(ctx, *actor, rec.Interchange.ID); err != nil && !apperr.Is(err, apperr.NotFound) {
			return fail(err)
		}
	}
	ic, err := svc.Exchange.Interchange(ctx, *actor, rec.Interchange.ID)
	if err != nil {
		return fail(err)
	}
	if rec.Duplicate {
		fmt.Fprintf(stderr, "%s: interchange %s from %s was received before (log entry %d): nothing changed\n", name, ic.Control, ic.Sender, ic.ID)
	} else {
		fmt.Fprintf(stderr, "%s: interchange %s from %s, log entry %d: %s, %d of %d sets accepted\n", name, ic.Control, ic.Sender, ic.ID, ic.State, ic.Accepted, ic.Sets)
		var res struct {
			Sets []interchange.SetOutcome `json:"sets"`
		}
		if err := json.Unmarshal(ic.Result, &res); err == nil {
			for _, s := range res.Sets {
				for _, e := range s.Errors {
					fmt.Fprintf(stderr, "%s: set %s %s segment %d (%s) element %d: %s [%s]\n", name, s.Set, s.Control, e.Segment, e.SegmentID, e.Element, e.Message, e.Code)
				}
			}
		}
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(ic)
	} else if len(ack) > 0 {
		stdout.Write(ack)
		fmt.Fprintln(stdout)
	}
	if ic.Accepted < ic.Sets {
		return 1
	}
	return 0
}
