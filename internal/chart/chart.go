// Package chart draws the portal's charts: server-rendered SVG from gonum/plot,
// embedded as an image (a data: URL, which the strict CSP allows for images) so
// that no script or inline style reaches the page, with the numbers also given
// as text for screen readers and for anyone who prefers a table.
//
// Every dashboard of the later features (deals by stage, funds used, forum
// activity) draws through here; see docs/PORTAL.md.
package chart

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Bar is one labelled value of a bar chart.
type Bar struct {
	Label string
	Value float64
}

// Chart is a drawn chart: the image and its accessible description.
type Chart struct {
	// Title names the chart (the figure's caption).
	Title string
	// Src is the image as a data: URL, for an <img src>.
	Src template.URL
	// Alt says what the chart shows in words: every label with its value.
	Alt string
	// Bars are the numbers drawn, for a table beside or under the chart.
	Bars []Bar
}

// Brand is the bar color: the portal's accent.
var Brand = color.RGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}

func init() {
	// The portal's text is sans-serif; gonum's default is Liberation Serif.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

// Bars draws a vertical bar chart of the bars, in order, titled title; yLabel
// names the values' unit. An empty chart (no bars) is drawn with no bars, so
// the caller decides whether to show an empty state instead.
func Bars(title, yLabel string, bars []Bar) (Chart, error) {
	p := plot.New()
	p.Y.Label.Text = yLabel
	p.Y.Min = 0
	p.Y.Tick.Marker = plot.TickerFunc(wholeTicks)
	labels := make([]string, len(bars))
	values := make(plotter.Values, len(bars))
	alt := make([]string, len(bars))
	for i, b := range bars {
		labels[i], values[i] = b.Label, b.Value
		alt[i] = fmt.Sprintf("%s: %s", b.Label, trim(b.Value))
	}
	if len(bars) > 0 {
		bc, err := plotter.NewBarChart(values, vg.Points(28))
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		bc.Color = Brand
		bc.LineStyle.Width = 0
		p.Add(bc)
		p.NominalX(labels...)
	}
	w, err := p.WriterTo(vg.Points(float64(max(240, 70*len(bars)))), vg.Points(180), "svg")
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	return Chart{
		Title: title,
		Src:   template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Alt:   title + ": " + strings.Join(alt, "; "),
		Bars:  bars,
	}, nil
}

// wholeTicks marks the value axis at whole numbers only (counts have no halves),
// about five of them; values with fractions get gonum's default ticks.
func wholeTicks(lo, hi float64) []plot.Tick {
	if hi > 1e6 || hi != float64(int64(hi)) && hi < 5 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := int64(math.Ceil(hi / 5))
	if step < 1 {
		step = 1
	}
	var out []plot.Tick
	for v := int64(0); float64(v) <= hi; v += step {
		out = append(out, plot.Tick{Value: float64(v), Label: fmt.Sprint(v)})
	}
	return out
}

// trim prints a value without a needless fraction.
func trim(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}
