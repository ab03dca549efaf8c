// Package metricstest reads metrics the way Prometheus does, for tests:
// scrape an endpoint, parse its text, look a value up by name and labels.
package metricstest

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families are scraped metrics, by name.
type Families map[string]*dto.MetricFamily

// Scrape GETs url and parses what it serves as Prometheus's text format.
func Scrape(t testing.TB, url string) Families {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape %s: %s\n%s", url, resp.Status, body)
	}
	fams, err := Parse(resp.Body)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	return fams
}

// Parse reads Prometheus's text format.
func Parse(r io.Reader) (Families, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return fams, nil
}

// Value is the value of the counter or gauge called name with the given
// labels (name, value, name, value...), or, for a histogram, how many
// observations it has; ok is false if there is no such metric.
func (f Families) Value(name string, labels ...string) (v float64, ok bool) {
	m := f.find(name, labels)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount()), true
	}
	return 0, false
}

// Histogram is the histogram called name with the given labels, or nil.
func (f Families) Histogram(name string, labels ...string) *dto.Histogram {
	if m := f.find(name, labels); m != nil {
		return m.Histogram
	}
	return nil
}

func (f Families) find(name string, labels []string) *dto.Metric {
	fam := f[name]
	if fam == nil {
		return nil
	}
next:
	for _, m := range fam.Metric {
		if len(m.Label)*2 != len(labels) {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if !hasLabel(m, labels[i], labels[i+1]) {
				continue next
			}
		}
		return m
	}
	return nil
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.Label {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// String lists the chatroom_ metrics, for a test's failure message.
func (f Families) String() string {
	var lines []string
	for name, fam := range f {
		if !strings.HasPrefix(name, "chatroom_") {
			continue
		}
		for _, m := range fam.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			v, _ := f.Value(name, labelPairs(m)...)
			lines = append(lines, fmt.Sprintf("%s{%s} %g", name, strings.Join(ls, ","), v))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func labelPairs(m *dto.Metric) []string {
	var out []string
	for _, l := range m.Label {
		out = append(out, l.GetName(), l.GetValue())
	}
	return out
}
