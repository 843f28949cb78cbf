// Package metricfile reads the metric files the suite's actions write
// (Prometheus text format or OpenMetrics), merges them into one set and
// checks it before anything is sent, so a mistake is reported with the file,
// metric and label at fault instead of as a Pushgateway 400 after retries.
package metricfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Set is a merged, checked collection of metric families.
type Set struct {
	families map[string]*dto.MetricFamily
	origin   map[string]string // family name → file that first defined it
	derived  map[string]string // histogram/summary sample names → family
	series   map[string]string // series key → file
	key      map[string]string // the grouping key, job included
}

// New returns an empty set for the group with this grouping key (job
// included). A metric may carry a grouping label only with the key's own
// value: the Pushgateway silently replaces any other value with the key's,
// which would hide a mistake, so that is an error here.
func New(key map[string]string) *Set {
	return &Set{
		families: map[string]*dto.MetricFamily{},
		origin:   map[string]string{},
		derived:  map[string]string{},
		series:   map[string]string{},
		key:      key,
	}
}

// AddFile reads and merges one file.
func (s *Set) AddFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading metrics: %w", err)
	}
	return s.Add(path, data)
}

// Add parses data (OpenMetrics when it ends with "# EOF", Prometheus text
// otherwise) and merges it; name is used in errors. Every problem in the
// file is reported, joined; on error nothing from the file is kept.
func (s *Set) Add(name string, data []byte) error {
	fams, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return s.merge(name, fams)
}

// IsOpenMetrics reports whether data is OpenMetrics: its last line is the
// mandatory "# EOF".
func IsOpenMetrics(data []byte) bool {
	return bytes.Equal(lastLine(data), []byte("# EOF"))
}

func lastLine(data []byte) []byte {
	data = bytes.TrimRight(data, "\n\r\t ")
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[i+1:]
	}
	return bytes.TrimSpace(data)
}

// Parse decodes one file's families with legacy (Prometheus 2) name
// validation, which is what the Pushgateway 1.x accepts.
func Parse(data []byte) ([]*dto.MetricFamily, error) {
	if !IsOpenMetrics(data) {
		p := expfmt.NewTextParser(model.LegacyValidation)
		m, err := p.TextToMetricFamilies(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not valid Prometheus text format: %w", err)
		}
		fams := make([]*dto.MetricFamily, 0, len(m))
		for _, f := range m {
			fams = append(fams, f)
		}
		return fams, nil
	}
	dec := expfmt.NewDecoder(bytes.NewReader(data), expfmt.FmtOpenMetrics_1_0_0)
	var fams []*dto.MetricFamily
	for {
		f := &dto.MetricFamily{}
		err := dec.Decode(f)
		if errors.Is(err, io.EOF) {
			return fams, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not valid OpenMetrics: %w", err)
		}
		fams = append(fams, f)
	}
}

func (s *Set) merge(file string, fams []*dto.MetricFamily) error {
	sort.Slice(fams, func(i, j int) bool { return fams[i].GetName() < fams[j].GetName() })
	c := &fileCheck{set: s, file: file, series: map[string]string{}}
	for _, f := range fams {
		c.family(f)
	}
	if len(c.errs) > 0 {
		return errors.Join(c.errs...)
	}
	s.keep(file, fams, c.series)
	return nil
}

// fileCheck collects every problem of one file against the set, so all of
// them are reported at once and nothing is kept unless there are none.
type fileCheck struct {
	set    *Set
	file   string
	series map[string]string // series key → file, for the file's own series
	errs   []error
}

func (c *fileCheck) bad(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %w", c.file, fmt.Errorf(format, args...)))
}

func (c *fileCheck) family(f *dto.MetricFamily) {
	if !c.familyFits(f) {
		return
	}
	name := f.GetName()
	for _, d := range derivedNames(f) {
		if _, ok := c.set.families[d]; ok {
			c.bad("metric %s: its sample %s clashes with the metric of that name in %s", name, d, c.set.origin[d])
		}
	}
	for _, m := range f.GetMetric() {
		c.metric(name, m)
	}
}

// familyFits reports the first reason f cannot join the set, if any; the
// family's series are not worth checking then.
func (c *fileCheck) familyFits(f *dto.MetricFamily) bool {
	s, name := c.set, f.GetName()
	prev, defined := s.families[name]
	owner, derived := s.derived[name]
	switch {
	case !model.LegacyValidation.IsValidMetricName(name):
		c.bad("metric %q: not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", name)
	case f.GetType() == dto.MetricType_GAUGE_HISTOGRAM:
		c.bad("metric %s: OpenMetrics gaugehistogram has no Prometheus text equivalent the Pushgateway accepts; write it as a histogram or gauges", name)
	case defined && prev.GetType() != f.GetType():
		c.bad("metric %s: type %s, but %s already defines it as %s; one name has one type", name, typeName(f), s.origin[name], typeName(prev))
	case defined && prev.GetHelp() != f.GetHelp():
		c.bad("metric %s: HELP %q differs from %q in %s; is it the same metric?", name, f.GetHelp(), prev.GetHelp(), s.origin[name])
	case derived:
		c.bad("metric %s: clashes with the samples of %s (%s)", name, owner, s.origin[owner])
	default:
		return true
	}
	return false
}

func (c *fileCheck) metric(name string, m *dto.Metric) {
	if m.TimestampMs != nil {
		c.bad("metric %s%s: has a timestamp; the Pushgateway refuses pushed timestamps, remove it", name, labelString(m))
		return
	}
	for _, lp := range m.GetLabel() {
		c.label(name, lp)
	}
	key := seriesKey(name, m)
	if other, ok := c.set.series[key]; ok {
		c.bad("metric %s%s: duplicate series, already in %s", name, labelString(m), other)
	} else if _, ok := c.series[key]; ok {
		c.bad("metric %s%s: duplicate series in the same file", name, labelString(m))
	}
	c.series[key] = c.file
}

func (c *fileCheck) label(name string, lp *dto.LabelPair) {
	ln := lp.GetName()
	if strings.HasPrefix(ln, "__") {
		c.bad("metric %s: label %q: names starting with __ are reserved for Prometheus", name, ln)
		return
	}
	if want, ok := c.set.key[ln]; ok && want != lp.GetValue() {
		c.bad("metric %s: label %s=%q contradicts the grouping key's %s=%q, and the Pushgateway would silently replace it; remove the label from the file or change the job/grouping input", name, ln, lp.GetValue(), ln, want)
	}
}

// keep adds the families and series of a file that passed its checks.
func (s *Set) keep(file string, fams []*dto.MetricFamily, series map[string]string) {
	for _, f := range fams {
		for _, m := range f.Metric {
			m.Label = sortedLabels(m)
		}
		name := f.GetName()
		if prev, ok := s.families[name]; ok {
			prev.Metric = append(prev.Metric, f.Metric...)
			continue
		}
		s.families[name], s.origin[name] = f, file
		for _, d := range derivedNames(f) {
			s.derived[d] = name
		}
	}
	maps.Copy(s.series, series)
}

// derivedNames are the sample names a histogram or summary exposes
// besides its own name.
func derivedNames(f *dto.MetricFamily) []string {
	n := f.GetName()
	switch f.GetType() {
	case dto.MetricType_HISTOGRAM:
		return []string{n + "_bucket", n + "_sum", n + "_count"}
	case dto.MetricType_SUMMARY:
		return []string{n + "_sum", n + "_count"}
	}
	return nil
}

func typeName(f *dto.MetricFamily) string { return strings.ToLower(f.GetType().String()) }

// seriesKey identifies a series by name and sorted labels; \xff cannot
// occur in a valid name and separates values unambiguously.
func seriesKey(name string, m *dto.Metric) string {
	labels := sortedLabels(m)
	var b strings.Builder
	b.WriteString(name)
	for _, l := range labels {
		b.WriteString("\xff" + l.GetName() + "\xff" + l.GetValue())
	}
	return b.String()
}

func sortedLabels(m *dto.Metric) []*dto.LabelPair {
	ls := append([]*dto.LabelPair(nil), m.GetLabel()...)
	sort.Slice(ls, func(i, j int) bool { return ls[i].GetName() < ls[j].GetName() })
	return ls
}

// labelString renders {a="x",b="y"} for messages and summaries.
func labelString(m *dto.Metric) string {
	ls := sortedLabels(m)
	if len(ls) == 0 {
		return ""
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Families returns the merged families sorted by name, each one's series
// sorted by labels, so the body is the same bytes for the same input.
func (s *Set) Families() []*dto.MetricFamily {
	names := make([]string, 0, len(s.families))
	for n := range s.families {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*dto.MetricFamily, len(names))
	for i, n := range names {
		f := s.families[n]
		sort.SliceStable(f.Metric, func(a, b int) bool {
			return seriesKey(n, f.Metric[a]) < seriesKey(n, f.Metric[b])
		})
		out[i] = f
	}
	return out
}

// Series counts the samples the body holds (a histogram counts its
// buckets, sum and count), which is what the Pushgateway stores.
func (s *Set) Series() int {
	n := 0
	for _, f := range s.families {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				n += len(m.GetHistogram().GetBucket()) + 2
				if !hasInf(m.GetHistogram()) {
					n++ // the text encoder adds le="+Inf"
				}
			case dto.MetricType_SUMMARY:
				n += len(m.GetSummary().GetQuantile()) + 2
			default:
				n++
			}
		}
	}
	return n
}

func hasInf(h *dto.Histogram) bool {
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() > 1e308 {
			return true
		}
	}
	return false
}

// Encode writes the set in the Prometheus text format (version 0.0.4),
// the format every Pushgateway accepts.
func (s *Set) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, f := range s.Families() {
		if _, err := expfmt.MetricFamilyToText(bw, f); err != nil {
			return fmt.Errorf("encoding %s: %w", f.GetName(), err)
		}
	}
	return bw.Flush()
}

// Bytes is Encode into memory.
func (s *Set) Bytes() ([]byte, error) {
	var b bytes.Buffer
	err := s.Encode(&b)
	return b.Bytes(), err
}

// ContentType is the Content-Type of Encode's output.
const ContentType = string(expfmt.FmtText)
