package metricfile

import (
	"fmt"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// The pipeline's own series, named for the suite. Dashboards alert on
// time() - LastSuccess, so it must survive a failed run's put: see
// Pipeline.LastSuccess.
const (
	LastRunMetric     = "nixops_pipeline_last_run_timestamp_seconds"
	LastSuccessMetric = "nixops_pipeline_last_success_timestamp_seconds"
	StatusMetric      = "nixops_pipeline_status"
)

// Statuses are the values of GitHub's job.status, in the order the status
// series are written.
var Statuses = []string{"success", "failure", "cancelled"}

// Pipeline describes the run that publishes.
type Pipeline struct {
	// Status is success, failure, cancelled, or "" when unknown (a laptop
	// run): then no status series and no last-success time are written.
	Status string
	// Time is when the run happened.
	Time time.Time
	// LastSuccess is the previous successful run's time, carried over when
	// this run did not succeed: a put replaces the group whole and would
	// otherwise erase it. Zero: none known.
	LastSuccess time.Time
}

// AddPipeline adds the pipeline's series; they clash (an error) with a
// file that defines the same names.
func (s *Set) AddPipeline(p Pipeline) error {
	if p.Status != "" && !isStatus(p.Status) {
		return fmt.Errorf("status %q: give one of success, failure, cancelled (job.status) or leave it empty", p.Status)
	}
	fams := []*dto.MetricFamily{gauge(LastRunMetric, "Unix time of the last pipeline run that published metrics.", seconds(p.Time), nil)}
	last := p.LastSuccess
	if p.Status == "success" {
		last = p.Time
	}
	if !last.IsZero() {
		fams = append(fams, gauge(LastSuccessMetric, "Unix time of the last successful pipeline run.", seconds(last), nil))
	}
	if p.Status != "" {
		f := gauge(StatusMetric, "Status of the last pipeline run: 1 for the status it ended with, 0 for the others.", 0, nil)
		f.Metric = nil
		for _, st := range Statuses {
			v := 0.0
			if st == p.Status {
				v = 1
			}
			f.Metric = append(f.Metric, gauge("", "", v, map[string]string{"status": st}).Metric...)
		}
		fams = append(fams, f)
	}
	return s.merge("the pipeline series", fams)
}

func isStatus(s string) bool {
	for _, st := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func gauge(name, help string, v float64, labels map[string]string) *dto.MetricFamily {
	m := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(v)}}
	for k, val := range labels {
		m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(k), Value: proto.String(val)})
	}
	return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum(), Metric: []*dto.Metric{m}}
}

// Row is one line of the summary's headline table.
type Row struct {
	Metric, Labels, Value string
}

// Headlines returns up to max rows, one per series in name order
// (histograms and summaries as count and sum), and how many were left out.
func (s *Set) Headlines(max int) (rows []Row, more int) {
	for _, f := range s.Families() {
		for _, m := range f.GetMetric() {
			if len(rows) == max {
				more++
				continue
			}
			rows = append(rows, Row{Metric: f.GetName(), Labels: labelString(m), Value: value(f.GetType(), m)})
		}
	}
	return rows, more
}

func value(t dto.MetricType, m *dto.Metric) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch t {
	case dto.MetricType_COUNTER:
		return f(m.GetCounter().GetValue())
	case dto.MetricType_GAUGE:
		return f(m.GetGauge().GetValue())
	case dto.MetricType_HISTOGRAM:
		return fmt.Sprintf("count %d, sum %s", m.GetHistogram().GetSampleCount(), f(m.GetHistogram().GetSampleSum()))
	case dto.MetricType_SUMMARY:
		return fmt.Sprintf("count %d, sum %s", m.GetSummary().GetSampleCount(), f(m.GetSummary().GetSampleSum()))
	default:
		return f(m.GetUntyped().GetValue())
	}
}
