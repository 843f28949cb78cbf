// Package metricfile reads the metric files the suite's actions write
// (Prometheus text format or OpenMetrics), merges them into one set and
// checks it before anything is sent, so a mistake is reported with the file,
// metric and label at fault instead of as a Pushgateway 400 after retries.
package metricfile

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Set is a merged, checked collection of metric families.
type Set struct {
	families map[string]*dto.MetricFamily
	origin   map[string]string   // family name → file that first defined it
	keys     map[string][]string // family name → seriesKey of each of its metrics, in order
	derived  map[string]string   // histogram/summary sample names → family
	series   map[string]string   // series key → file
	key      map[string]string   // the grouping key, job included
	maxFile  int64               // AddFile's size limit
}

// New returns an empty set for the group with this grouping key (job
// included). A metric may carry a grouping label only with the key's own
// value: the Pushgateway silently replaces any other value with the key's,
// which would hide a mistake, so that is an error here.
func New(key map[string]string) *Set {
	return &Set{
		families: map[string]*dto.MetricFamily{},
		origin:   map[string]string{},
		keys:     map[string][]string{},
		derived:  map[string]string{},
		series:   map[string]string{},
		key:      key,
		maxFile:  DefaultMaxFileSize,
	}
}

// Add parses data (OpenMetrics when it ends with "# EOF", Prometheus text
// otherwise) and merges it; name is used in errors. Every problem in the
// file is reported, joined; on error nothing from the file is kept.
func (s *Set) Add(name string, data []byte) error {
	return s.add(name, string(data))
}

func (s *Set) add(name, data string) error {
	fams, err := parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return s.merge(name, fams)
}

// IsOpenMetrics reports whether data is OpenMetrics: its last line is the
// mandatory "# EOF".
func IsOpenMetrics(data []byte) bool { return isOpenMetrics(string(data)) }

func isOpenMetrics(data string) bool {
	data = strings.TrimRight(data, "\n\r\t ")
	if i := strings.LastIndexByte(data, '\n'); i >= 0 {
		data = data[i+1:]
	}
	return strings.TrimSpace(data) == "# EOF"
}

// Parse decodes one file's families with legacy (Prometheus 2) name
// validation, which is what the Pushgateway 1.x accepts.
func Parse(data []byte) ([]*dto.MetricFamily, error) { return parse(string(data)) }

func parse(data string) ([]*dto.MetricFamily, error) {
	if !isOpenMetrics(data) {
		if fams, ok := parseSimpleText(data); ok {
			return fams, nil
		}
		p := expfmt.NewTextParser(model.LegacyValidation)
		m, err := p.TextToMetricFamilies(strings.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not valid Prometheus text format: %w", err)
		}
		fams := make([]*dto.MetricFamily, 0, len(m))
		for _, f := range m {
			fams = append(fams, f)
		}
		return fams, nil
	}
	dec := expfmt.NewDecoder(strings.NewReader(data), expfmt.FmtOpenMetrics_1_0_0)
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
	n := 0
	for _, f := range fams {
		n += len(f.GetMetric())
	}
	c := &fileCheck{set: s, file: file, series: make(map[string]string, n)}
	keys := make([][]string, len(fams))
	for i, f := range fams {
		keys[i] = c.family(f)
	}
	if len(c.errs) > 0 {
		return errors.Join(c.errs...)
	}
	s.keep(file, fams, keys, c.series)
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

// family checks f and returns the series key of each of its metrics.
func (c *fileCheck) family(f *dto.MetricFamily) []string {
	if !c.familyFits(f) {
		return nil
	}
	name := f.GetName()
	for _, d := range derivedNames(f) {
		if _, ok := c.set.families[d]; ok {
			c.bad("metric %s: its sample %s clashes with the metric of that name in %s", name, d, c.set.origin[d])
		}
	}
	keys := make([]string, len(f.GetMetric()))
	for i, m := range f.GetMetric() {
		keys[i] = c.metric(name, m)
	}
	return keys
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

func (c *fileCheck) metric(name string, m *dto.Metric) string {
	if m.TimestampMs != nil {
		c.bad("metric %s%s: has a timestamp; the Pushgateway refuses pushed timestamps, remove it", name, labelString(m))
		return ""
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
	return key
}

func (c *fileCheck) label(name string, lp *dto.LabelPair) {
	ln := lp.GetName()
	if strings.HasPrefix(ln, "__") {
		c.bad("metric %s: label %q: names starting with __ are reserved for Prometheus", name, ln)
		return
	}
	if want, ok := c.set.key[ln]; ok && want != lp.GetValue() {
		c.bad("metric %s: label %s=%q contradicts the grouping key's %s=%q, and the Pushgateway would silently replace it; remove the label from the file or change the grouping key", name, ln, lp.GetValue(), ln, want)
	}
}

// keep adds the families and series of a file that passed its checks;
// keys[i] holds the series keys of fams[i]'s metrics.
func (s *Set) keep(file string, fams []*dto.MetricFamily, keys [][]string, series map[string]string) {
	for i, f := range fams {
		for _, m := range f.Metric {
			m.Label = sortedLabels(m)
		}
		name := f.GetName()
		s.keys[name] = append(s.keys[name], keys[i]...)
		if prev, ok := s.families[name]; ok {
			prev.Metric = append(prev.Metric, f.Metric...)
			continue
		}
		s.families[name], s.origin[name] = f, file
		for _, d := range derivedNames(f) {
			s.derived[d] = name
		}
	}
	if len(s.series) == 0 {
		s.series = series // the first file: no copy of a map as large as it
		return
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
	n := len(name)
	for _, l := range labels {
		n += 2 + len(l.GetName()) + len(l.GetValue())
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(name)
	for _, l := range labels {
		b.WriteByte('\xff')
		b.WriteString(l.GetName())
		b.WriteByte('\xff')
		b.WriteString(l.GetValue())
	}
	return b.String()
}

func byName(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) }

// sortedLabels returns m's labels sorted by name: m.Label itself when it
// is sorted already, as it is in files written by an encoder, else a
// sorted copy.
func sortedLabels(m *dto.Metric) []*dto.LabelPair {
	if slices.IsSortedFunc(m.GetLabel(), byName) {
		return m.GetLabel()
	}
	ls := slices.Clone(m.GetLabel())
	slices.SortStableFunc(ls, byName)
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
		if keys := s.keys[n]; !slices.IsSorted(keys) {
			sort.Stable(byKey{keys, f.Metric})
		}
		out[i] = f
	}
	return out
}

// byKey sorts a family's metrics by their series keys, computed once.
type byKey struct {
	keys    []string
	metrics []*dto.Metric
}

func (b byKey) Len() int           { return len(b.keys) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
	b.metrics[i], b.metrics[j] = b.metrics[j], b.metrics[i]
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

// ContentType is the Content-Type of Encode's output.
const ContentType = string(expfmt.FmtText)
