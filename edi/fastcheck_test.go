package edi_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"reflect"
	"strconv"
	"testing"

	"github.com/partnerhub/partnerhub/edi"
	"github.com/partnerhub/partnerhub/edi/gen867"
	"github.com/partnerhub/partnerhub/edi/genslsrpt"
)

// sameAsSlow fails unless validating data with the fast checks of segments
// (the path of valid segments) gives exactly the results of checking every
// element one by one.
func sameAsSlow(t *testing.T, name string, data []byte, cs ...*edi.Convention) {
	t.Helper()
	want, werr := edi.ValidateSlow(bytes.NewReader(data), cs...)
	got, gerr := edi.ValidateWith(bytes.NewReader(data), cs...)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gerr, werr) {
		a, _ := json.MarshalIndent(want, "", " ")
		b, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("%s: fast checks differ from element by element\nslow: %s %v\nfast: %s %v", name, a, werr, b, gerr)
	}
}

// The fast checks never accept a segment that the element-by-element
// checks reject: the same results, errors and order on every golden file
// and fuzz seed, with and without the implementation guide.
func TestFastChecksSameResults(t *testing.T) {
	guide := edi.Conventions()["VENDORCO-867"]
	for name, data := range parallelInputs(t) {
		sameAsSlow(t, name, data)
		sameAsSlow(t, name, data, guide)
	}
}

// The same on every benchmark shape with values damaged at random: a byte
// of a value replaced by a letter, a digit, a space, a sign, a decimal
// mark, a control character, a byte of UTF-8 or a delimiter, or a value
// lengthened, shortened or emptied.
func TestFastChecksSameResultsMutated(t *testing.T) {
	var files [][]byte
	for _, o := range []gen867.Options{{LinesPerSet: 3}, {LinesPerSet: 2, Version: "005010", Newline: true}, {LinesPerSet: 40}} {
		var b bytes.Buffer
		if _, err := gen867.WriteOptions(&b, 30_000, o); err != nil {
			t.Fatal(err)
		}
		files = append(files, b.Bytes())
	}
	// Before 004010 a date is YYMMDD: every 8-digit date is an error.
	files[2] = bytes.Replace(files[2], []byte("*X*004010~"), []byte("*X*003060~"), 1)
	var b bytes.Buffer
	if _, err := genslsrpt.Write(&b, 30_000); err != nil {
		t.Fatal(err)
	}
	files = append(files, b.Bytes())
	rng := rand.New(rand.NewSource(27))
	repl := []byte("AZaz09 -.,+:*^~>'?\x00\x1f\x7f\xc3\xa9\xff")
	for i, f := range files {
		res, err := edi.Validate(bytes.NewReader(f))
		if err != nil || len(res) != 1 || res[0].OK() != (i != 2) {
			t.Fatalf("shape %d does not validate: %v", i, err)
		}
		sameAsSlow(t, "shape "+strconv.Itoa(i), f)
		// Damage only after the envelope headers, so that most damage
		// lands in the sets' segments.
		start := 250
		for trial := 0; trial < 300; trial++ {
			m := bytes.Clone(f)
			for k := 0; k < 1+rng.Intn(3); k++ {
				p := start + rng.Intn(len(m)-start-300)
				switch rng.Intn(4) {
				case 0, 1:
					m[p] = repl[rng.Intn(len(repl))]
				case 2: // lengthen a value
					m = append(m[:p:p], append([]byte{m[p]}, m[p:]...)...)
				case 3: // shorten one
					m = append(m[:p:p], m[p+1:]...)
				}
			}
			sameAsSlow(t, "shape "+strconv.Itoa(i)+" trial "+strconv.Itoa(trial), m)
		}
	}
}
