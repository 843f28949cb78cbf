package metricfile

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Encode writes the set in the Prometheus text format (version 0.0.4),
// the format every Pushgateway accepts.
func (s *Set) Encode(w io.Writer) error {
	body, err := s.Bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// Bytes is Encode into memory. Counters, gauges and untyped metrics are
// appended by appendSimpleFamily, which writes the bytes
// expfmt.MetricFamilyToText writes for them without its per-sample
// writer calls; every other family goes through MetricFamilyToText.
func (s *Set) Bytes() ([]byte, error) {
	fams := s.Families()
	b := bytes.NewBuffer(make([]byte, 0, s.sizeHint()))
	for _, f := range fams {
		if out, ok := appendSimpleFamily(b.AvailableBuffer(), f); ok {
			b.Write(out)
			continue
		}
		if _, err := expfmt.MetricFamilyToText(b, f); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", f.GetName(), err)
		}
	}
	return b.Bytes(), nil
}

// sizeHint is about the size of the body: every series key holds the
// name and label text of a line, which is most of it.
func (s *Set) sizeHint() int {
	n := 0
	for _, keys := range s.keys {
		for _, k := range keys {
			n += len(k) + 32
		}
	}
	return n
}

// appendSimpleFamily appends f as MetricFamilyToText writes it, for a
// counter, gauge or untyped family with legacy names and no timestamps;
// ok is false (and nothing must be used) for any other family.
// FuzzAppendSimpleFamily holds it to MetricFamilyToText's bytes.
func appendSimpleFamily(b []byte, f *dto.MetricFamily) ([]byte, bool) {
	name := f.GetName()
	var typ string
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		typ = "counter"
	case dto.MetricType_GAUGE:
		typ = "gauge"
	case dto.MetricType_UNTYPED:
		typ = "untyped"
	default:
		return nil, false
	}
	if len(f.Metric) == 0 || !model.LegacyValidation.IsValidMetricName(name) {
		return nil, false
	}
	if f.Help != nil {
		b = append(b, "# HELP "...)
		b = append(b, name...)
		b = append(b, ' ')
		b = appendEscaped(b, f.GetHelp(), false)
		b = append(b, '\n')
	}
	b = append(b, "# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	b = append(b, '\n')
	for _, m := range f.Metric {
		v, ok := simpleValue(f.GetType(), m)
		if !ok || m.TimestampMs != nil {
			return nil, false
		}
		if b, ok = appendSample(b, name, m.Label, v); !ok {
			return nil, false
		}
	}
	return b, true
}

// simpleValue is the value of a counter, gauge or untyped sample; ok is
// false when the metric lacks the part its family's type names.
func simpleValue(t dto.MetricType, m *dto.Metric) (float64, bool) {
	switch t {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue(), m.Counter != nil
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue(), m.Gauge != nil
	default:
		return m.GetUntyped().GetValue(), m.Untyped != nil
	}
}

func appendSample(b []byte, name string, labels []*dto.LabelPair, v float64) ([]byte, bool) {
	b = append(b, name...)
	for i, lp := range labels {
		if !model.LegacyValidation.IsValidLabelName(lp.GetName()) {
			return nil, false
		}
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(b, lp.GetName()...)
		b = append(b, '=', '"')
		b = appendEscaped(b, lp.GetValue(), true)
		b = append(b, '"')
	}
	if len(labels) > 0 {
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, v)
	return append(b, '\n'), true
}

// appendEscaped escapes a backslash and a newline, and a double quote in
// label values, as the text format requires.
func appendEscaped(b []byte, s string, quote bool) []byte {
	if strings.IndexByte(s, '\\') < 0 && strings.IndexByte(s, '\n') < 0 && (!quote || strings.IndexByte(s, '"') < 0) {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '"' && quote:
			b = append(b, '\\', '"')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat writes v as the text format does: Go's shortest 'g' form,
// except that both zeros are "0" and the infinities carry a sign. Whole
// numbers below a million, most values in the suite's files, are written
// in that form without the float conversion.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 0:
		return append(b, '0')
	case v > -1e6 && v < 1e6 && v == math.Trunc(v):
		return strconv.AppendInt(b, int64(v), 10)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
