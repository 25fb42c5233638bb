package edi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/edi/gen867"
	"github.com/partnerhub/partnerhub/edi/genslsrpt"
)

// parallelInputs returns every golden file and every fuzz seed, by name.
func parallelInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	for _, pat := range []string{"testdata/*.edi", "testdata/bad/*.edi", "testdata/guide/*.edi"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			in[p] = b
		}
	}
	seeds, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1, one []byte("…") line
		_, lit, ok := strings.Cut(string(b), "[]byte(")
		if !ok {
			continue
		}
		v, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), ")")))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		in[p] = []byte(v)
	}
	if len(in) < 30 {
		t.Fatalf("only %d inputs found", len(in))
	}
	return in
}

// sameResults fails unless ValidateParallel gives data exactly the results
// and the error of ValidateWith.
func sameResults(t *testing.T, name string, data []byte, workers int, cs ...*edi.Convention) {
	t.Helper()
	want, werr := edi.ValidateWith(bytes.NewReader(data), cs...)
	got, gerr := edi.ValidateParallel(bytes.NewReader(data), int64(len(data)), workers, cs...)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gerr, werr) {
		a, _ := json.MarshalIndent(want, "", " ")
		b, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("%s, %d workers: results differ from one core\none core: %s %v\n%d workers: %s %v", name, workers, a, werr, workers, b, gerr)
	}
}

// One-core and many-core validation give identical results, errors and
// error order on every golden file and fuzz seed, with and without an
// implementation guide, whether each set is a job of its own or sets are
// handed out together.
func TestParallelSameResults(t *testing.T) {
	guide := edi.Conventions()["VENDORCO-867"]
	for name, data := range parallelInputs(t) {
		for _, jobBytes := range []int64{1, 1 << 20} {
			restore := edi.SetParallelJobBytes(jobBytes)
			for _, workers := range []int{2, 3} {
				sameResults(t, name, data, workers)
				sameResults(t, name, data, workers, guide)
			}
			restore()
		}
	}
}

// The same on files of many sets, in every benchmark shape, and on those
// files cut short or with a set made invalid.
func TestParallelSameResultsShapes(t *testing.T) {
	defer edi.SetParallelJobBytes(4096)()
	var files [][]byte
	for _, o := range []gen867.Options{{LinesPerSet: 3}, {LinesPerSet: 2, Version: "005010", Newline: true}, {LinesPerSet: 40}} {
		var b bytes.Buffer
		if _, err := gen867.WriteOptions(&b, 200_000, o); err != nil {
			t.Fatal(err)
		}
		files = append(files, b.Bytes())
	}
	var b bytes.Buffer
	if _, err := genslsrpt.Write(&b, 200_000); err != nil {
		t.Fatal(err)
	}
	files = append(files, b.Bytes())
	for i, f := range files {
		res, err := edi.Validate(bytes.NewReader(f))
		if err != nil || len(res) != 1 || !res[0].OK() {
			t.Fatalf("shape %d does not validate: %v", i, err)
		}
		sameResults(t, "shape "+strconv.Itoa(i), f, 2)
		sameResults(t, "shape "+strconv.Itoa(i)+" cut", f[:len(f)*2/3], 3)
		bad := bytes.Replace(bytes.Clone(f), []byte("QTY"), []byte("QTX"), 7)
		bad = bytes.Replace(bad, []byte("SE*"), []byte("SX*"), 2)
		bad = bytes.Replace(bad, []byte("UNT+"), []byte("UNX+"), 2)
		sameResults(t, "shape "+strconv.Itoa(i)+" bad", bad, 2)
	}
}

// Set control numbers rising past a change of width (9999, 10000) are told
// apart as on one core: a repeat after the widening is a duplicate (AK502
// 23), a number written with one more zero is not.
func TestParallelSameResultsControlWidth(t *testing.T) {
	var b bytes.Buffer
	if _, err := gen867.WriteOptions(&b, 0, gen867.Options{Sets: 10_020, LinesPerSet: 1}); err != nil {
		t.Fatal(err)
	}
	f := b.Bytes()
	// a set's control number changed in its ST (its SE02 then differs too)
	set := func(from, to string) []byte {
		return bytes.Replace(f, []byte("~ST*867*"+from+"~"), []byte("~ST*867*"+to+"~"), 1)
	}
	inputs := map[string]struct {
		data []byte
		dups int
	}{
		"rising":              {f, 0},
		"9999 again":          {set("10011", "9999"), 1},
		"09999, not a repeat": {set("10011", "09999"), 0},
		"last set 10005":      {set("10020", "10005"), 1},
	}
	defer edi.SetParallelJobBytes(4096)()
	for name, in := range inputs {
		res, err := edi.Validate(bytes.NewReader(in.data))
		if err != nil || len(res) != 1 || len(res[0].Groups) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		dups := 0
		for _, s := range res[0].Groups[0].Sets {
			for _, e := range s.Errors {
				if e.Code == "23" {
					dups++
				}
			}
		}
		if dups != in.dups {
			t.Errorf("%s: %d duplicate control numbers on one core, want %d", name, dups, in.dups)
		}
		sameResults(t, name, in.data, 2)
	}
}

// The worker's sets are checked against their envelope as on one core:
// their functional group against GS01 (18) and their dates as YYMMDD when
// the group's GS08, or without a usable GS08 the interchange's ISA12, is a
// version before 004010.
func TestParallelSameResultsEnvelope(t *testing.T) {
	isa := func(version string) string {
		return "ISA*00*          *00*          *ZZ*DISTRIB01      *ZZ*VENDORCO       *261201*0200*U*" + version + "*000000303*0*P*:~"
	}
	set := func(ctl, date string) string {
		return "ST*867*" + ctl + "~BPT*00*R1*" + date + "*PS~PTD*SS~SE*4*" + ctl + "~"
	}
	inputs := map[string]string{
		"no GS08, ISA12 00304": isa("00304") + "GS*PT*DISTRIB01*VENDORCO*261201*0200*1*X*~" + set("0001", "261201") + set("0002", "20261201") + "GE*2*1~IEA*1*000000303~",
		"no GS08, ISA12 00401": isa("00401") + "GS*PT*DISTRIB01*VENDORCO*20261201*0200*1*X*~" + set("0001", "261201") + set("0002", "20261201") + "GE*2*1~IEA*1*000000303~",
		"GS08 before ISA12":    isa("00501") + "GS*PT*DISTRIB01*VENDORCO*261201*0200*1*X*003040~" + set("0001", "261201") + set("0002", "20261201") + "GE*2*1~IEA*1*000000303~",
		"GS01 mismatch":        isa("00501") + "GS*PO*DISTRIB01*VENDORCO*20261201*0200*1*X*005010~" + set("0001", "20261201") + set("0002", "20261201") + "GE*2*1~IEA*1*000000303~",
		"two interchanges":     isa("00304") + "GS*PT*DISTRIB01*VENDORCO*261201*0200*1*X*~" + set("0001", "20261201") + "GE*1*1~IEA*1*000000303~" + isa("00501") + "GS*PT*DISTRIB01*VENDORCO*20261201*0200*1*X*~" + set("0001", "261201") + "GE*1*1~IEA*1*000000303~",
	}
	defer edi.SetParallelJobBytes(1)()
	for name, in := range inputs {
		res, _ := edi.Validate(strings.NewReader(in))
		errs := 0
		for _, ic := range res {
			for _, g := range ic.Groups {
				for _, s := range g.Sets {
					errs += len(s.Errors)
				}
			}
		}
		if errs == 0 {
			t.Errorf("%s: no set errors on one core", name)
		}
		for _, workers := range []int{2, 3} {
			sameResults(t, name, []byte(in), workers)
		}
	}
}
