package metricfile

import (
	"strconv"
	"strings"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
)

// parseSimpleText is the fast path of Parse for the files the suite's
// actions write: counters, gauges and untyped samples without timestamps.
// expfmt's TextParser reads byte by byte through a bufio.Reader and
// allocates every name, value and pointer on its own, which made reading a
// 10,000-series file cost more than pushing it. This parser works on one
// string and hands out substrings of it.
//
// It returns exactly the families TextParser returns for the same input,
// in first-appearance order, or ok=false for anything outside that subset
// (histograms, summaries, quoted names, timestamps) and for any syntax
// error; the caller then runs TextParser, so rare shapes and every error
// message keep its behaviour. FuzzParseSimpleText holds the two to the same
// result.
func parseSimpleText(data string) (fams []*dto.MetricFamily, ok bool) {
	p := &textParser{
		s:      data,
		byName: map[string]*dto.MetricFamily{},
		names:  map[string]*string{},
	}
	for p.i < len(p.s) {
		if !p.line() {
			return nil, false
		}
	}
	for _, f := range p.order {
		if len(f.Metric) > 0 { // TextParser drops families without samples
			fams = append(fams, f)
		}
	}
	return fams, true
}

type textParser struct {
	s      string
	i      int
	byName map[string]*dto.MetricFamily
	order  []*dto.MetricFamily
	last   *dto.MetricFamily  // the family of the previous sample or comment
	names  map[string]*string // label names, one pointer each: they repeat on every line
	pairs  []*dto.LabelPair   // the current sample's labels
	// prevNames are the label names of the previous sample, by position.
	prevNames []*string
	slab      slab
}

// slab hands out the structures of one sample from blocks instead of one
// allocation each.
type slab struct {
	metrics  []dto.Metric
	gauges   []dto.Gauge
	counters []dto.Counter
	untyped  []dto.Untyped
	pairs    []dto.LabelPair
	values   []float64
	strs     []string
	ptrs     []*dto.LabelPair
}

const slabBlock = 1024

func (s *slab) metric() *dto.Metric { return next(&s.metrics) }

func (s *slab) pair(name *string, value string) *dto.LabelPair {
	v := next(&s.strs)
	*v = value
	lp := next(&s.pairs)
	lp.Name, lp.Value = name, v
	return lp
}

// next returns the first element of *block, making a new block when it
// is used up.
func next[T any](block *[]T) *T {
	if len(*block) == 0 {
		*block = make([]T, slabBlock)
	}
	e := &(*block)[0]
	*block = (*block)[1:]
	return e
}

func (s *slab) value(v float64) *float64 {
	p := next(&s.values)
	*p = v
	return p
}

// labels copies the current sample's labels into a slice of their own
// whose capacity ends with them, so appending to one never writes into
// the next.
func (s *slab) labels(pairs []*dto.LabelPair) []*dto.LabelPair {
	if len(pairs) == 0 {
		return nil
	}
	if len(s.ptrs) < len(pairs) {
		s.ptrs = make([]*dto.LabelPair, max(slabBlock, len(pairs)))
	}
	n := len(pairs)
	out := s.ptrs[:n:n]
	copy(out, pairs)
	s.ptrs = s.ptrs[n:]
	return out
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isNameByte(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }

func (p *textParser) skipBlanks() {
	for p.i < len(p.s) && isBlank(p.s[p.i]) {
		p.i++
	}
}

// atEOF: every construct TextParser reads must end in a newline, so input
// ending inside one is its error to report.
func (p *textParser) atEOF() bool { return p.i >= len(p.s) }

// line reads one line, newline included.
func (p *textParser) line() bool {
	p.skipBlanks()
	if p.atEOF() { // blanks after the last newline are fine
		return true
	}
	switch p.s[p.i] {
	case '\n':
		p.i++
		return true
	case '#':
		p.i++
		return p.comment()
	case '{': // a quoted metric name inside the braces
		return false
	}
	return p.sample()
}

// name reads a metric name (colons allowed) or label name at p.i; a quote
// anywhere in it is TextParser's UTF-8 quoting, which is not handled here.
func (p *textParser) name(colons bool) (string, bool) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			return "", false
		}
		if !(isNameByte(c) || colons && c == ':') || p.i == start && c >= '0' && c <= '9' {
			break
		}
		p.i++
	}
	return p.s[start:p.i], p.i > start && !p.atEOF()
}

// restOfLine returns the text up to the newline and moves past it,
// unescaping \\, \n and \" when escapes is set.
func (p *textParser) restOfLine(escapes bool) (string, bool) {
	end := strings.IndexByte(p.s[p.i:], '\n')
	if end < 0 {
		return "", false
	}
	text := p.s[p.i : p.i+end]
	p.i += end + 1
	if !escapes || strings.IndexByte(text, '\\') < 0 {
		return text, true
	}
	return unescape(text)
}

// unescape resolves \\, \n and \"; any other escape is an error.
func unescape(text string) (string, bool) {
	var b strings.Builder
	b.Grow(len(text))
	for j := 0; j < len(text); j++ {
		c := text[j]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if j++; j == len(text) {
			return "", false
		}
		switch text[j] {
		case '\\', '"':
			b.WriteByte(text[j])
		case 'n':
			b.WriteByte('\n')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// family returns the family of name, made on first use. Samples of one
// family come in a run, so the last one answers most lookups.
func (p *textParser) family(name string) *dto.MetricFamily {
	if p.last != nil && *p.last.Name == name {
		return p.last
	}
	f := p.byName[name]
	if f == nil {
		n := name
		f = &dto.MetricFamily{Name: &n}
		p.byName[name] = f
		p.order = append(p.order, f)
	}
	p.last = f
	return f
}

// lineEnd skips blanks and reports whether the line ends there, moving
// past its newline; ok is false at the end of the input.
func (p *textParser) lineEnd() (ended, ok bool) {
	p.skipBlanks()
	if p.atEOF() {
		return false, false
	}
	if p.s[p.i] == '\n' {
		p.i++
		return true, true
	}
	return false, true
}

// comment reads what follows a '#': HELP, TYPE or a free comment. A line
// that ends early is no error: TextParser ignores it.
func (p *textParser) comment() bool {
	if ended, ok := p.lineEnd(); ended || !ok {
		return ok
	}
	start := p.i
	for p.i < len(p.s) && !isBlank(p.s[p.i]) && p.s[p.i] != '\n' {
		p.i++
	}
	if p.atEOF() {
		return false
	}
	keyword := p.s[start:p.i]
	if keyword != "HELP" && keyword != "TYPE" {
		_, ok := p.restOfLine(false)
		return ok
	}
	if ended, ok := p.lineEnd(); ended || !ok {
		return ok
	}
	name, ok := p.name(true)
	if !ok || !isBlank(p.s[p.i]) && p.s[p.i] != '\n' {
		return false
	}
	if p.s[p.i] == '\n' { // no family is made for a name alone
		p.i++
		return true
	}
	f := p.family(name)
	if ended, ok := p.lineEnd(); ended || !ok {
		return ok
	}
	if keyword == "HELP" {
		return p.help(f)
	}
	return p.typ(f)
}

func (p *textParser) help(f *dto.MetricFamily) bool {
	if f.Help != nil {
		return false
	}
	text, ok := p.restOfLine(true)
	f.Help = &text
	return ok
}

func (p *textParser) typ(f *dto.MetricFamily) bool {
	if f.Type != nil {
		return false
	}
	text, ok := p.restOfLine(false)
	var t dto.MetricType
	switch strings.ToUpper(text) {
	case "COUNTER":
		t = dto.MetricType_COUNTER
	case "GAUGE":
		t = dto.MetricType_GAUGE
	case "UNTYPED":
		t = dto.MetricType_UNTYPED
	default: // histograms, summaries and unknown types
		return false
	}
	f.Type = t.Enum()
	return ok
}

// sample reads name{labels} value.
func (p *textParser) sample() bool {
	if !isNameStart(p.s[p.i]) && p.s[p.i] != ':' {
		return false
	}
	name, ok := p.name(true)
	if !ok {
		return false
	}
	f := p.family(name)
	if f.Type == nil {
		f.Type = dto.MetricType_UNTYPED.Enum()
	}
	p.skipBlanks()
	if p.atEOF() {
		return false
	}
	p.pairs = p.pairs[:0]
	if p.s[p.i] == '{' {
		p.i++
		if !p.labelSet() {
			return false
		}
	}
	v, ok := p.value()
	if !ok {
		return false
	}
	m := p.slab.metric()
	m.Label = p.slab.labels(p.pairs)
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		m.Counter = next(&p.slab.counters)
		m.Counter.Value = p.slab.value(v)
	case dto.MetricType_GAUGE:
		m.Gauge = next(&p.slab.gauges)
		m.Gauge.Value = p.slab.value(v)
	default:
		m.Untyped = next(&p.slab.untyped)
		m.Untyped.Value = p.slab.value(v)
	}
	f.Metric = append(f.Metric, m)
	return true
}

// labelSet reads the labels after '{' and the blanks after '}'.
func (p *textParser) labelSet() bool {
	for {
		p.skipBlanks()
		if p.atEOF() {
			return false
		}
		if p.s[p.i] == '}' {
			p.i++
			p.skipBlanks()
			return !p.atEOF()
		}
		if !p.label() {
			return false
		}
		p.skipBlanks()
		if p.atEOF() {
			return false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.skipBlanks()
			return !p.atEOF()
		default:
			return false
		}
	}
}

// label reads name="value".
func (p *textParser) label() bool {
	if !isNameStart(p.s[p.i]) {
		return false
	}
	name, ok := p.name(false)
	if !ok {
		return false
	}
	p.skipBlanks()
	if p.atEOF() || p.s[p.i] != '=' || name == "__name__" {
		return false
	}
	for _, lp := range p.pairs {
		if *lp.Name == name {
			return false
		}
	}
	p.i++
	p.skipBlanks()
	if p.atEOF() || p.s[p.i] != '"' {
		return false
	}
	p.i++
	value, ok := p.quoted()
	if !ok || !utf8.ValidString(value) {
		return false
	}
	p.pairs = append(p.pairs, p.slab.pair(p.labelName(name), value))
	return true
}

// labelName is the one pointer to name. Lines of a family repeat their
// label names in the same order, so the previous line's name at the same
// position answers most lookups.
func (p *textParser) labelName(name string) *string {
	i := len(p.pairs)
	if i < len(p.prevNames) && *p.prevNames[i] == name {
		return p.prevNames[i]
	}
	np := p.names[name]
	if np == nil {
		np = &name
		p.names[name] = np
	}
	if i < len(p.prevNames) {
		p.prevNames[i] = np
	} else {
		p.prevNames = append(p.prevNames, np)
	}
	return np
}

// quoted reads a label value up to its closing quote.
func (p *textParser) quoted() (string, bool) {
	// Most values hold no escape: the next quote ends them.
	if j := strings.IndexByte(p.s[p.i:], '"'); j >= 0 {
		raw := p.s[p.i : p.i+j]
		if strings.IndexByte(raw, '\\') < 0 && strings.IndexByte(raw, '\n') < 0 {
			p.i += j + 1
			return raw, true
		}
	}
	start, escaped := p.i, false
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '\n':
			return "", false
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			raw := p.s[start:p.i]
			p.i++
			if !strings.Contains(raw, `\`) {
				return raw, true
			}
			return unescape(raw)
		}
	}
	return "", false
}

// value reads the sample value and the newline after it; anything else
// after it (a timestamp) is left to TextParser.
func (p *textParser) value() (float64, bool) {
	start := p.i
	for p.i < len(p.s) && !isBlank(p.s[p.i]) && p.s[p.i] != '\n' {
		p.i++
	}
	if p.atEOF() || p.s[p.i] != '\n' {
		return 0, false
	}
	text := p.s[start:p.i]
	p.i++
	// Like TextParser: no hex floats (p exponent) and no digit separators.
	if strings.ContainsAny(text, "pP_") {
		return 0, false
	}
	v, err := strconv.ParseFloat(text, 64)
	return v, err == nil
}
