// Command partnerhub is the one binary of the Partnerhub partner CRM hub:
// serve, dev, migrate, seed, audit verify, version, edi and mail.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

const usage = `partnerhub: the collaborative partner CRM hub

Usage:
  partnerhub dev                 run on a private PostgreSQL under ./var with demo data
  partnerhub serve               run in production (DATABASE_URL, SECRET_KEY, …)
  partnerhub migrate             apply pending database migrations
  partnerhub seed                create the demo network in DATABASE_URL's database
  partnerhub audit verify        check every network's audit hash chain
  partnerhub import --key K FILE import a CSV of accounts or contacts (--kind, --dry-run, --map)
  partnerhub edi parse|validate|ack …   read, check and acknowledge EDI files
  partnerhub edi import --key K FILE    send an interchange to the exchange and process it
  partnerhub edi export --key K --profile ID [--kind accounts] [-o FILE]   export records to a trading partner
  partnerhub mail thread …       thread .eml, mbox and Maildir into conversations
  partnerhub mail sync --key K --mailbox ID   sync a mailbox over IMAP now
  partnerhub version             print the version

Configuration is read from the environment: see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "edi":
		if len(args) > 1 && args[1] == "import" {
			return cmdEDIImport(ctx, args[2:], stdout, stderr)
		}
		if len(args) > 1 && args[1] == "export" {
			return cmdEDIExport(ctx, args[2:], stdout, stderr)
		}
		return runEDI(args[1:], stdout, stderr)
	case "mail":
		if len(args) > 1 && args[1] == "sync" {
			return cmdMailSync(ctx, args[2:], stdout, stderr)
		}
		return runMail(args[1:], stdout, stderr)
	case "import":
		return cmdImport(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "partnerhub", Version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve":
		err = cmdServe(ctx, stdout)
	case "dev":
		err = cmdDev(ctx, stdout)
	case "migrate":
		err = cmdMigrate(ctx, stdout)
	case "seed":
		err = cmdSeed(ctx, stdout)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			fmt.Fprintln(stderr, "usage: partnerhub audit verify")
			return 2
		}
		var ok bool
		ok, err = cmdAuditVerify(ctx, stdout)
		if err == nil && !ok {
			return 1
		}
	default:
		fmt.Fprintf(stderr, "partnerhub: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "partnerhub:", err)
		return 1
	}
	return 0
}
