package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/partnerhub/partnerhub/edi"
)

const ediUsage = `usage:
  partnerhub edi parse FILE                 print the interchanges of FILE as JSON
  partnerhub edi validate [--guide GUIDE] FILE...
                                            one line per problem; exit 0 valid, 1 invalid, 2 unreadable
  partnerhub edi ack --type 997|999|ta1|contrl [--guide GUIDE] [--control N] [--time RFC3339] FILE
                                            print the acknowledgment of each interchange
GUIDE is an implementation convention (a partner's guide) in its JSON form
(edi/README.md), or the name of one shipped with the edi package
(VENDORCO-867); --guide may be given more than once. Sets it applies to are
also checked against it: the 999 then carries its implementation codes.
  partnerhub edi encode FILE.json           write the EDI bytes of a JSON document (as edi parse prints it)
FILE may be - for standard input.`

// Exit codes of `partnerhub edi`.
const (
	exitOK         = 0
	exitInvalid    = 1
	exitUnreadable = 2
)

// runEDI runs `partnerhub edi …`.
func runEDI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, ediUsage)
		return exitUnreadable
	}
	switch args[0] {
	case "parse":
		return ediParse(args[1:], stdout, stderr)
	case "validate":
		return ediValidate(args[1:], stdout, stderr)
	case "ack":
		return ediAck(args[1:], stdout, stderr)
	case "encode":
		return ediEncode(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, ediUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "partnerhub edi: unknown command %q\n%s\n", args[0], ediUsage)
	return exitUnreadable
}

func openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(name)
}

// parseFile reads and validates one file, with the guides given.
// unreadable is set when the file cannot be opened or holds no interchange
// at all.
func parseFile(name string, guides ...*edi.Convention) (doc *edi.Document, res []*edi.InterchangeResult, err error, unreadable bool) {
	f, err := openInput(name)
	if err != nil {
		return nil, nil, err, true
	}
	defer f.Close()
	doc, res, err = edi.ParseWith(bufio.NewReaderSize(f, 256<<10), guides...)
	return doc, res, err, len(res) == 0
}

// validateFile validates one file with the guides given: a regular file on
// all cores (edi.ValidateParallel), standard input or a pipe as a stream.
// err is set when the file cannot be opened.
func validateFile(name string, guides ...*edi.Convention) (res []*edi.InterchangeResult, verr, err error) {
	f, err := openInput(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if of, ok := f.(*os.File); ok {
		if st, serr := of.Stat(); serr == nil && st.Mode().IsRegular() {
			res, verr = edi.ValidateParallel(of, st.Size(), 0, guides...)
			return res, verr, nil
		}
	}
	res, verr = edi.ValidateWith(bufio.NewReaderSize(f, 256<<10), guides...)
	return res, verr, nil
}

// guideFlag collects --guide values: JSON files, or names of the guides
// shipped with the edi package.
type guideFlag []*edi.Convention

func (g *guideFlag) String() string { return "" }

func (g *guideFlag) Set(v string) error {
	f, err := os.Open(v)
	if err != nil {
		if c := edi.Conventions()[v]; c != nil {
			*g = append(*g, c)
			return nil
		}
		return err
	}
	defer f.Close()
	c, err := edi.ReadConvention(f)
	if e, ok := edi.AsError(err); ok {
		return errors.New(v + ": " + e.Msg)
	} else if err != nil {
		return fmt.Errorf("%s: %w", v, err)
	}
	*g = append(*g, c)
	return nil
}

func errLine(name string, err error) string {
	if e, ok := edi.AsError(err); ok {
		return name + ": " + e.Line()
	}
	return name + ": " + err.Error()
}

// reportErrors prints every problem of a file and returns its exit code.
func reportErrors(name string, res []*edi.InterchangeResult, err error, unreadable bool, w io.Writer) int {
	code := exitOK
	for _, r := range res {
		for _, e := range r.AllErrors() {
			fmt.Fprintln(w, name+": "+e.Line())
			code = exitInvalid
		}
	}
	if err != nil {
		// A fatal reader error inside an interchange is already listed with it.
		if len(res) == 0 || res[len(res)-1].Complete {
			fmt.Fprintln(w, errLine(name, err))
		}
		code = exitInvalid
	}
	if unreadable {
		if err == nil {
			fmt.Fprintln(w, name+": no interchange found")
		}
		code = exitUnreadable
	}
	return code
}

func ediParse(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: partnerhub edi parse FILE")
		return exitUnreadable
	}
	doc, res, err, unreadable := parseFile(args[0])
	if doc != nil && !unreadable {
		if werr := edi.WriteJSON(stdout, doc); werr != nil {
			fmt.Fprintln(stderr, "partnerhub edi parse:", werr)
			return exitUnreadable
		}
	}
	if doc == nil {
		fmt.Fprintln(stderr, errLine(args[0], err))
		return exitUnreadable
	}
	return reportErrors(args[0], res, err, unreadable, stderr)
}

func ediValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("partnerhub edi validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var guides guideFlag
	fs.Var(&guides, "guide", "implementation convention (JSON file or shipped name); repeatable")
	if err := fs.Parse(args); err != nil {
		return exitUnreadable
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: partnerhub edi validate [--guide GUIDE] FILE...")
		return exitUnreadable
	}
	worst := exitOK
	for _, name := range fs.Args() {
		var code int
		res, verr, err := validateFile(name, guides...)
		if err != nil {
			fmt.Fprintln(stdout, name+": "+err.Error())
			code = exitUnreadable
		} else {
			code = reportErrors(name, res, verr, len(res) == 0, stdout)
		}
		worst = max(worst, code)
	}
	return worst
}

func ediAck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("partnerhub edi ack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", "", "acknowledgment type: 997, 999, ta1 or contrl")
	control := fs.Int("control", 1, "interchange and group control number of the acknowledgment")
	at := fs.String("time", "", "envelope time (RFC 3339); default now")
	var guides guideFlag
	fs.Var(&guides, "guide", "implementation convention (JSON file or shipped name); repeatable")
	if err := fs.Parse(args); err != nil {
		return exitUnreadable
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: partnerhub edi ack --type 997|999|ta1|contrl [--guide GUIDE] FILE")
		return exitUnreadable
	}
	build := map[string]func(*edi.InterchangeResult, edi.AckOptions) (*edi.Interchange, error){
		"997": edi.NewAck997, "999": edi.NewAck999, "ta1": edi.NewAckTA1, "contrl": edi.NewAckCONTRL,
	}[strings.ToLower(*typ)]
	if build == nil {
		fmt.Fprintf(stderr, "partnerhub edi ack: --type must be 997, 999, ta1 or contrl, not %q\n", *typ)
		return exitUnreadable
	}
	opts := edi.AckOptions{Control: *control}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "partnerhub edi ack: --time: %v\n", err)
			return exitUnreadable
		}
		opts.Time = t.UTC()
	}
	name := fs.Arg(0)
	res, err, oerr := validateFile(name, guides...)
	unreadable := len(res) == 0
	if oerr != nil {
		err = oerr
	}
	if unreadable {
		if err == nil {
			err = errors.New("no interchange found")
		}
		fmt.Fprintln(stderr, errLine(name, err))
		return exitUnreadable
	}
	code := exitOK
	for i, r := range res {
		o := opts
		o.Control = opts.Control + i
		ack, aerr := build(r, o)
		if aerr != nil {
			fmt.Fprintln(stderr, errLine(name, aerr))
			code = exitInvalid
			continue
		}
		w := edi.NewWriter(stdout, ack.Standard, ack.Delimiters)
		w.Newline = true
		if werr := w.WriteInterchange(ack); werr != nil {
			fmt.Fprintln(stderr, errLine(name, werr))
			return exitUnreadable
		}
		if werr := w.Flush(); werr != nil {
			fmt.Fprintln(stderr, "partnerhub edi ack:", werr)
			return exitUnreadable
		}
	}
	return code
}

func ediEncode(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: partnerhub edi encode FILE.json")
		return exitUnreadable
	}
	f, err := openInput(args[0])
	if err != nil {
		fmt.Fprintln(stderr, args[0]+": "+err.Error())
		return exitUnreadable
	}
	defer f.Close()
	doc, err := edi.ReadJSON(f)
	if err != nil {
		fmt.Fprintln(stderr, args[0]+": "+err.Error())
		return exitUnreadable
	}
	if err := edi.Encode(stdout, doc, true); err != nil {
		fmt.Fprintln(stderr, errLine(args[0], err))
		return exitInvalid
	}
	return exitOK
}
