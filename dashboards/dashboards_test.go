// Package dashboards_test checks the Grafana dashboards shipped in this
// directory: their structure (what makes them importable as they are into
// any Grafana with a Prometheus data source), and every panel query against
// the real Pushgateway and Prometheus after a push of the series the suite's
// actions write.
package dashboards_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	sbomexposition "github.com/voidnxsec/nixops-actions/pkg/sbom/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	scanexposition "github.com/voidnxsec/nixops-actions/pkg/scan/exposition"
)

// minSchemaVersion is the dashboard schema of Grafana 10.4/11.0: older
// Grafanas cannot read what newer ones wrote, newer ones migrate it.
const minSchemaVersion = 39

// dsRef is the only data source reference allowed: the datasource variable,
// so the dashboards import into any Grafana whatever its data source uids.
const dsRef = "${datasource}"

// The subset of Grafana's dashboard JSON model the checks read.
type dashboard struct {
	ID            *int   `json:"id"`
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Datasource *dataSource     `json:"datasource"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
}

type dataSource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// UnmarshalJSON also reads the pre-8.3 form, a data source name as a
// string, so the check can name it instead of failing to parse.
func (d *dataSource) UnmarshalJSON(data []byte) error {
	var name string
	if json.Unmarshal(data, &name) == nil {
		*d = dataSource{UID: name}
		return nil
	}
	type plain dataSource
	return json.Unmarshal(data, (*plain)(d))
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	GridPos    *gridPos    `json:"gridPos"`
	Datasource *dataSource `json:"datasource"`
	Interval   string      `json:"interval"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a row's, when collapsed
}

type gridPos struct{ X, Y, W, H int }

type target struct {
	RefID      string      `json:"refId"`
	Datasource *dataSource `json:"datasource"`
	Expr       string      `json:"expr"`
}

// panelTypes are Grafana's core visualisations the dashboards may use: a
// plugin panel would not import "as it is".
var panelTypes = map[string]bool{"row": true, "stat": true, "timeseries": true, "bargauge": true, "table": true, "state-timeline": true, "gauge": true, "piechart": true, "barchart": true, "text": true}

func parse(data []byte) (*dashboard, any, error) {
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, nil, err
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, err
	}
	return &d, raw, nil
}

// flatten lists every panel, those inside rows included, rows first.
func flatten(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

func (d *dashboard) variable(name string) *variable {
	for i := range d.Templating.List {
		if d.Templating.List[i].Name == name {
			return &d.Templating.List[i]
		}
	}
	return nil
}

// labelValuesRE reads the label_values(metric, label) query of a variable.
var labelValuesRE = regexp.MustCompile(`^label_values\(\s*([^,]+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

// variableQuery is the PromQL of a query variable: Grafana stores it as a
// string (older dashboards) or as {"query": ...} (the Prometheus editor).
func (v *variable) variableQuery() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	_ = json.Unmarshal(v.Query, &o)
	return o.Query
}

// problems lists what would keep a dashboard from importing as it is or
// from following the repository's conventions; empty when it is fine.
func problems(d *dashboard, raw any) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if d.ID != nil {
		bad("id is %d: an exported id clashes on import, leave it null", *d.ID)
	}
	if n := len(d.UID); n == 0 || n > 40 {
		bad("uid %q: give a stable uid of 1 to 40 characters, so links and provisioning survive a re-import", d.UID)
	}
	if d.Title == "" {
		bad("title is empty")
	}
	if d.SchemaVersion < minSchemaVersion {
		bad("schemaVersion %d: export from Grafana 10.4 or later (schemaVersion >= %d)", d.SchemaVersion, minSchemaVersion)
	}
	if v := d.variable("datasource"); v == nil || v.Type != "datasource" || string(v.Query) != `"prometheus"` {
		bad(`no datasource variable: templating.list needs {"name": "datasource", "type": "datasource", "query": "prometheus"}`)
	}
	if v := d.variable("repository"); v == nil || v.Type != "query" {
		bad("no repository variable of type query")
	} else {
		if v.Datasource == nil || v.Datasource.UID != dsRef {
			bad("repository variable: its datasource must be %s", dsRef)
		}
		if m := labelValuesRE.FindStringSubmatch(v.variableQuery()); m == nil || m[2] != "repository" {
			bad("repository variable: query %q is not label_values(<metric>, repository)", v.variableQuery())
		}
	}
	out = append(out, panelProblems(d)...)
	walkDataSources(raw, "", func(path, uid string) {
		if uid != dsRef {
			bad("%s: datasource uid %q is hard-coded: use %s", path, uid, dsRef)
		}
	})
	return out
}

func panelProblems(d *dashboard) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	ids := map[int]string{}
	var placed []panel
	for _, p := range flatten(d.Panels) {
		name := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.ID <= 0 {
			bad("%s: id must be a positive integer", name)
		} else if other, dup := ids[p.ID]; dup {
			bad("%s: duplicate panel id (also %q)", name, other)
		}
		ids[p.ID] = p.Title
		if !panelTypes[p.Type] {
			bad("%s: type %q is not a core Grafana panel", name, p.Type)
		}
		if g := p.GridPos; g == nil || g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			bad("%s: gridPos missing or outside the 24-column grid: %+v", name, p.GridPos)
		} else {
			for _, q := range placed {
				if overlap(*g, *q.GridPos) {
					bad("%s: gridPos overlaps panel %d %q", name, q.ID, q.Title)
				}
			}
			placed = append(placed, p)
		}
		if p.Type == "row" || p.Type == "text" {
			continue
		}
		// The uids themselves are checked by walkDataSources.
		if p.Datasource == nil || p.Datasource.Type != "prometheus" {
			bad("%s: datasource must be {type: prometheus, uid: %s}", name, dsRef)
		}
		if len(p.Targets) == 0 {
			bad("%s: no targets", name)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] {
				bad("%s: target refId %q empty or repeated", name, tg.RefID)
			}
			refs[tg.RefID] = true
			if tg.Datasource == nil {
				bad("%s target %s: no datasource: give {type: prometheus, uid: %s}", name, tg.RefID, dsRef)
			}
			if strings.TrimSpace(tg.Expr) == "" {
				bad("%s target %s: empty expr", name, tg.RefID)
			} else if !strings.Contains(tg.Expr, "$repository") {
				bad("%s target %s: expr does not filter on $repository: %s", name, tg.RefID, tg.Expr)
			}
		}
	}
	return out
}

func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// walkDataSources calls f for every uid of a "datasource" object anywhere
// in the JSON (panels, targets, variables, annotations), so a uid hidden in
// a place the typed structs do not read is caught too.
func walkDataSources(v any, path string, f func(path, uid string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := path + "." + k
			if k == "datasource" {
				switch ds := c.(type) {
				case map[string]any:
					if uid, ok := ds["uid"].(string); ok {
						f(p, uid)
					}
				case string: // the pre-8.3 form: a data source name
					f(p, ds)
				}
			}
			walkDataSources(c, p, f)
		}
	case []any:
		for i, c := range x {
			walkDataSources(c, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}

type loaded struct {
	file string
	d    *dashboard
	raw  any
}

func loadAll(t *testing.T, pattern string) []loaded {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards match %s (%v)", pattern, err)
	}
	var out []loaded
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, raw, err := parse(data)
		if err != nil {
			t.Fatalf("%s: not JSON Grafana can import: %v", f, err)
		}
		out = append(out, loaded{f, d, raw})
	}
	return out
}

// TestDashboards checks the shipped dashboards' structure, that each uid
// is nixops-<file name> so links and provisioning stay put, and that panel
// titles are unique within a dashboard.
func TestDashboards(t *testing.T) {
	uids := map[string]string{}
	for _, l := range loadAll(t, "*.json") {
		t.Run(filepath.Base(l.file), func(t *testing.T) {
			for _, p := range problems(l.d, l.raw) {
				t.Error(p)
			}
			want := "nixops-" + strings.TrimSuffix(filepath.Base(l.file), ".json")
			if l.d.UID != want {
				t.Errorf("uid %q, want %q", l.d.UID, want)
			}
			// Titles name the panels in TestQueries and its expectations.
			titles := map[string]bool{}
			for _, p := range flatten(l.d.Panels) {
				if titles[p.Title] {
					t.Errorf("panel title %q used twice", p.Title)
				}
				titles[p.Title] = true
			}
			if other, dup := uids[l.d.UID]; dup {
				t.Errorf("uid %q also used by %s", l.d.UID, other)
			}
			uids[l.d.UID] = l.file
		})
	}
}

// TestProblems shows the checks catch each mistake: every file under
// testdata/invalid holds one, named after it.
func TestProblems(t *testing.T) {
	tests := []struct {
		file string
		want []string // one substring per problem, in order
	}{
		{"valid/minimal.json", nil},
		{"invalid/hard-coded-datasource-uid.json", []string{`datasource uid "P1809F7CD0C75ACF3" is hard-coded`}},
		{"invalid/datasource-name.json", []string{"datasource must be {type: prometheus", `datasource uid "Prometheus" is hard-coded`}},
		{"invalid/duplicate-panel-id.json", []string{"duplicate panel id"}},
		{"invalid/missing-grid-pos.json", []string{"gridPos missing"}},
		{"invalid/overlapping-panels.json", []string{"overlaps panel"}},
		{"invalid/no-datasource-variable.json", []string{"no datasource variable"}},
		{"invalid/repository-variable-not-label-values.json", []string{"is not label_values(<metric>, repository)"}},
		{"invalid/target-without-repository.json", []string{"does not filter on $repository"}},
		{"invalid/old-schema-version.json", []string{"schemaVersion 27"}},
		{"invalid/exported-id.json", []string{"id is 42"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ls := loadAll(t, filepath.Join("testdata", tt.file))
			got := problems(ls[0].d, ls[0].raw)
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.Contains(got[i], tt.want[i])
			}
			if !ok {
				t.Fatalf("problems:\n%s\nwant one containing each of %q", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

// push is one group the publish action would push: the files a pipeline
// wrote plus the pipeline's own series, under the default grouping (job =
// repository name; repository and workflow labels).
type push struct {
	sbom       *sbom.Stats  // the numbers of the repository's SBOM; nil: none
	scan       *scan.Report // the repository's scan.json; nil: none
	doraReport string       // pkg/dora/testdata/reports/<name>.json, pushed as this repository's; "": none
	repository string
	workflow   string
	status     string
	ranAgo     time.Duration
	successAgo time.Duration // carried over by a failed run; 0: none
}

var pushes = []push{
	// The numbers of the SBOM of pkg/closure/testdata/flake's runtime
	// closure: greeting and libgreet's lib output.
	{sbom: &sbom.Stats{StorePaths: 2, ClosureBytes: 328, Licenses: map[string]int{"MIT AND Apache-2.0": 1, "Zlib": 1}},
		scan:       scanReport(scan.ResultPass, nil, scan.ExceptionState{State: "active", ExpiresSoon: true}),
		doraReport: "full", repository: "voidnxsec/nixops-actions", workflow: "CI", status: "success", ranAgo: 10 * time.Minute},
	// A dot in the name exercises Grafana's regex escaping of a
	// multi-value variable; a space in the workflow, the grouping key.
	{sbom: &sbom.Stats{StorePaths: 52, Embedded: 37, ClosureBytes: 184467456, Licenses: map[string]int{
		"BSD-3-Clause": 6, "GPL-2.0-or-later": 9, "LGPL-2.1-or-later": 11, "MIT": 18, "Zlib": 1, "unknown": 7}},
		scan: scanReport(scan.ResultFail, []scan.Finding{
			{Kind: scan.KindVulnerability, Severity: scan.SeverityCritical, Gating: true},
			{Kind: scan.KindVulnerability, Severity: scan.SeverityHigh, Gating: true},
			{Kind: scan.KindVulnerability, Severity: scan.SeverityHigh, ResolvedByPatch: true},
			{Kind: scan.KindLicense, Severity: scan.SeverityLow},
		}, scan.ExceptionState{State: "expired"}),
		repository: "voidnxsec/demo.flake", workflow: "Nightly build", status: "failure", ranAgo: 20 * time.Minute, successAgo: 3 * time.Hour},
}

// scanReport is a scan of secrets, vulnerabilities and licenses with the
// findings and exceptions given, counted as the scan action counts them.
func scanReport(result scan.Result, fs []scan.Finding, exc ...scan.ExceptionState) *scan.Report {
	r := &scan.Report{Categories: scan.Categories(scan.KindSecret, scan.KindVulnerability, scan.KindLicense),
		Result: result, Findings: fs, Exceptions: exc}
	for _, f := range fs {
		if f.Gating {
			r.Counts.Gating++
		}
	}
	return r
}

// body is what the publish action sends for p, merged and checked by
// pkg/metricfile: sbom.prom and dora.prom rendered by the sbom and dora
// actions' own exposition code, and the pipeline series, so a renamed
// series fails this test instead of blanking a panel.
func (p push) body(t *testing.T, now time.Time) []byte {
	t.Helper()
	set := metricfile.New(p.groupingKey())
	if p.sbom != nil {
		var prom bytes.Buffer
		if err := sbomexposition.Write(&prom, *p.sbom); err != nil {
			t.Fatalf("sbom exposition: %v", err)
		}
		if err := set.Add("sbom.prom", prom.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if p.scan != nil {
		dir := t.TempDir()
		if err := scanexposition.WriteFile(filepath.Join(dir, "scan.prom"), p.scan); err != nil {
			t.Fatalf("scan exposition: %v", err)
		}
		if err := set.AddFile(filepath.Join(dir, "scan.prom")); err != nil {
			t.Fatal(err)
		}
	}
	if p.doraReport != "" {
		report := filepath.Join("..", "pkg", "dora", "testdata", "reports", p.doraReport+".json")
		f, err := os.Open(report)
		if err != nil {
			t.Fatal(err)
		}
		r, err := dora.DecodeReport(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		r.Repository = p.repository
		var prom bytes.Buffer
		if err := exposition.Write(&prom, r); err != nil {
			t.Fatalf("%s: exposition: %v", report, err)
		}
		if err := set.Add("dora.prom", prom.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	pl := metricfile.Pipeline{Status: p.status, Time: now.Add(-p.ranAgo)}
	if p.successAgo > 0 {
		pl.LastSuccess = now.Add(-p.successAgo)
	}
	if err := set.AddPipeline(pl); err != nil {
		t.Fatal(err)
	}
	body, err := set.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// groupingKey is the publish action's default: job = repository name,
// grouping labels repository and workflow.
func (p push) groupingKey() map[string]string {
	return map[string]string{
		"job":        p.repository[strings.LastIndex(p.repository, "/")+1:],
		"repository": p.repository,
		"workflow":   p.workflow,
	}
}

// groupPath encodes the grouping key with @base64 (URL-safe), which keeps a
// slash or a space in a value intact.
func (p push) groupPath() string {
	enc := func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
	k := p.groupingKey()
	return "/metrics/job@base64/" + enc(k["job"]) + "/repository@base64/" + enc(k["repository"]) + "/workflow@base64/" + enc(k["workflow"])
}

func (p push) put(t *testing.T, gw *promtest.Gateway, now time.Time) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, gw.URL+p.groupPath(), bytes.NewReader(p.body(t, now)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain; version=0.0.4")
	resp, err := gw.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg bytes.Buffer
	_, _ = msg.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s: %s", p.groupPath(), resp.Status, msg.String())
	}
}

// Stand-ins for Grafana's built-in variables. The range is longer than the
// time since the push, so range functions see the scraped samples.
var builtins = map[string]string{
	"__rate_interval": "1m",
	"__range":         "1h",
	"__range_s":       "3600",
	"__interval_ms":   "60000",
}

// interpolate substitutes the dashboard's variables as Grafana's
// Prometheus data source does; interval is the panel's minimum interval
// ($__interval), repo the variable's formatted value.
func interpolate(expr, interval, repo string) string {
	vars := map[string]string{"repository": repo, "__interval": interval}
	for k, v := range builtins {
		vars[k] = v
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	// Longest first, so $__interval_ms is not read as $__interval + "_ms".
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, k := range names {
		expr = strings.ReplaceAll(expr, "${"+k+"}", vars[k])
		expr = strings.ReplaceAll(expr, "$"+k, vars[k])
	}
	return expr
}

// regexEscape is Grafana's escaping of a multi-value variable's values for
// a Prometheus =~ matcher (prometheusSpecialRegexEscape): a backslash in
// the PromQL string for each regex metacharacter.
func regexEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\\\`)
		case strings.ContainsRune(`$^*{}[]'+?.()|`, r):
			b.WriteString(`\\`)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// selection is one choice of the repository variable: its formatted value
// and the repositories it stands for.
type selection struct {
	name  string
	value string
	repos []string
}

// selections lists what a user can pick: each repository alone for a
// single-value variable; all of them, and "All" (allValue), for a
// multi-value one.
func selections(v *variable, repos []string) []selection {
	if !v.Multi && !v.IncludeAll {
		var out []selection
		for _, r := range repos {
			out = append(out, selection{r, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(r), []string{r}})
		}
		return out
	}
	esc := make([]string, len(repos))
	for i, r := range repos {
		esc[i] = regexEscape(r)
	}
	out := []selection{{"each of " + strings.Join(repos, ","), "(" + strings.Join(esc, "|") + ")", repos}}
	if v.IncludeAll && v.AllValue != "" {
		out = append(out, selection{"All", v.AllValue, repos})
	}
	return out
}

// labelValues resolves label_values(metric, label) the way Grafana does,
// through /api/v1/label/<label>/values?match[]=metric.
func labelValues(t *testing.T, prom *promtest.Prometheus, query string) []string {
	t.Helper()
	m := labelValuesRE.FindStringSubmatch(query)
	if m == nil {
		t.Fatalf("variable query %q is not label_values(metric, label)", query)
	}
	u := prom.URL + "/api/v1/label/" + m[2] + "/values?" + url.Values{"match[]": {m[1]}}.Encode()
	resp, err := prom.Client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Data   []string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.Status != "success" {
		t.Fatalf("%s: %v %s", u, err, doc.Error)
	}
	return doc.Data
}

// expectation pins the value of one panel target for one repository, for
// the panels whose arithmetic matters (bands, ages, fallbacks).
type expectation struct {
	uid, panel, refID, repository string
	value, tolerance              float64
	kind                          valueKind
}

// valueKind says what value means. Ages are exact, not "within a minute":
// the queries are evaluated at one known instant (clock below).
type valueKind int

const (
	fixed   valueKind = iota
	age               // seconds before the pushes' now, plus (eval instant - now)
	pushAge           // since the gateway took the push: between (eval - pushed) and (eval - now)
)

// clock holds the instants the ages are measured from: the time the pushes
// stamped their series with, the time the last push returned, and the
// instant every query is evaluated at.
type clock struct{ now, pushed, eval time.Time }

// within reports whether got is what e says for the instants of c.
func (e expectation) within(got float64, c clock) (lo, hi float64, ok bool) {
	ms := func(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
	ns := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
	switch e.kind {
	case age:
		want := e.value + ms(c.eval) - ns(c.now)
		lo, hi = want-e.tolerance, want+e.tolerance
	case pushAge:
		lo, hi = ms(c.eval)-ns(c.pushed)-e.tolerance, ms(c.eval)-ns(c.now)+e.tolerance
	default:
		lo, hi = e.value-e.tolerance, e.value+e.tolerance
	}
	return lo, hi, got >= lo && got <= hi
}

var expectations = []expectation{
	// dora.json: 5 deployments in a 90-day window.
	{"nixops-dora", "Deployment frequency", "A", "voidnxsec/nixops-actions", 5.0 / 90, 1e-9, fixed},
	{"nixops-dora", "Change lead time (median)", "A", "voidnxsec/nixops-actions", 64800, 0, fixed},
	{"nixops-dora", "Change fail rate", "A", "voidnxsec/nixops-actions", 0.4, 1e-9, fixed},
	{"nixops-dora", "Failed deployment recovery time (median)", "A", "voidnxsec/nixops-actions", 36000, 0, fixed},
	{"nixops-dora", "Report inputs", "A", "voidnxsec/nixops-actions", 90, 1e-9, fixed},
	{"nixops-dora", "Deployments per week", "A", "voidnxsec/nixops-actions", 5.0 / 90 * 7, 1e-9, fixed},
	// Status codes of the value mappings: 1 success, 3 failure.
	{"nixops-pipeline", "Status of the last run", "A", "voidnxsec/nixops-actions", 1, 0, fixed},
	{"nixops-pipeline", "Status of the last run", "A", "voidnxsec/demo.flake", 3, 0, fixed},
	// Ages in seconds at the evaluation instant, to the millisecond.
	{"nixops-pipeline", "Since the last run", "A", "voidnxsec/demo.flake", 20 * 60, 0.002, age},
	{"nixops-pipeline", "Since the last success", "A", "voidnxsec/nixops-actions", 10 * 60, 0.002, age},
	{"nixops-pipeline", "Since the last success", "A", "voidnxsec/demo.flake", 3 * 3600, 0.002, age},
	{"nixops-pipeline", "Since the last push", "A", "voidnxsec/demo.flake", 0, 0.002, pushAge},
	// The SBOM numbers of the pushes above.
	{"nixops-supply-chain", "Closure size", "A", "voidnxsec/nixops-actions", 328, 0, fixed},
	{"nixops-supply-chain", "Store paths", "A", "voidnxsec/nixops-actions", 2, 0, fixed},
	// The fallback branch (no license="unknown" series) and the direct one.
	{"nixops-supply-chain", "Store paths without a declared license", "A", "voidnxsec/nixops-actions", 0, 0, fixed},
	{"nixops-supply-chain", "Store paths without a declared license", "A", "voidnxsec/demo.flake", 7, 0, fixed},
	// The scan reports of the pushes above: the gate's verdict, what fails
	// it, and the exceptions by state.
	{"nixops-supply-chain", "Gate", "A", "voidnxsec/nixops-actions", 1, 0, fixed},
	{"nixops-supply-chain", "Gate", "A", "voidnxsec/demo.flake", 0, 0, fixed},
	{"nixops-supply-chain", "Findings failing the gate", "A", "voidnxsec/demo.flake", 2, 0, fixed},
	{"nixops-supply-chain", "Exceptions expiring within 14 days", "A", "voidnxsec/nixops-actions", 1, 0, fixed},
	{"nixops-supply-chain", "Expired exceptions", "A", "voidnxsec/demo.flake", 1, 0, fixed},
}

// exceptions lists targets allowed to return no data in this test, with
// the reason. There are none: every query answers from one push.
var exceptions = map[string]string{}

// TestQueries pushes the series of two pipelines to the real Pushgateway,
// lets the real Prometheus scrape them, then runs every panel target of
// every dashboard, for every value the repository variable offers:
// each must parse and return data, only for the selected repositories.
func TestQueries(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	prom := promtest.StartPrometheus(t, gw.Addr)
	now := time.Now()
	for _, p := range pushes {
		p.put(t, gw, now)
	}
	pushed := time.Now()
	prom.WaitUntil(t, `count(push_time_seconds)`, func(v model.Vector) bool {
		return len(v) == 1 && int(v[0].Value) == len(pushes)
	})
	// Every query is evaluated at this one instant, after the scrape: an
	// age is then known exactly instead of "within a minute".
	c := clock{now: now, pushed: pushed, eval: time.Now()}

	seen := map[expectation]bool{}
	for _, l := range loadAll(t, "*.json") {
		v := l.d.variable("repository")
		if v == nil {
			t.Fatalf("%s: no repository variable", l.file)
		}
		repos := labelValues(t, prom, v.variableQuery())
		if len(repos) == 0 {
			t.Errorf("%s: variable query %q offers no repository", l.file, v.variableQuery())
		}
		for _, sel := range selections(v, repos) {
			for _, p := range flatten(l.d.Panels) {
				for _, tg := range p.Targets {
					name := fmt.Sprintf("%s/%s/%s/%s", l.d.UID, p.Title, tg.RefID, sel.name)
					t.Run(name, func(t *testing.T) {
						checkTarget(t, prom, c, l.d.UID, p, tg, sel, seen)
					})
				}
			}
		}
	}
	for _, e := range expectations {
		if !seen[e] {
			t.Errorf("expectation never checked (panel renamed or repository not offered?): %+v", e)
		}
	}
}

func checkTarget(t *testing.T, prom *promtest.Prometheus, c clock, uid string, p panel, tg target, sel selection, seen map[expectation]bool) {
	interval := p.Interval
	if interval == "" {
		interval = "1m"
	}
	expr := interpolate(tg.Expr, interval, sel.value)
	if strings.Contains(expr, "$") {
		t.Fatalf("a variable is left after interpolation: %s", expr)
	}
	vec, err := prom.InstantAt(expr, c.eval)
	if err != nil {
		t.Fatalf("Prometheus refused the query: %v", err)
	}
	key := uid + "/" + p.Title + "/" + tg.RefID
	if len(vec) == 0 {
		if why, ok := exceptions[key]; ok {
			t.Skipf("no data, as expected: %s", why)
		}
		t.Fatalf("no data for %s", expr)
	}
	allowed := map[string]bool{}
	for _, r := range sel.repos {
		allowed[r] = true
	}
	for _, s := range vec {
		r, ok := s.Metric["repository"]
		if ok && !allowed[string(r)] {
			t.Errorf("series of repository %q in a query for %v: %v", r, sel.repos, s)
		}
		if math.IsNaN(float64(s.Value)) || math.IsInf(float64(s.Value), 0) {
			t.Errorf("value %v: %v", s.Value, s)
		}
	}
	for _, e := range expectations {
		if e.uid != uid || e.panel != p.Title || e.refID != tg.RefID {
			continue
		}
		got, ok := valueFor(vec, e.repository, sel.repos)
		if !ok {
			continue
		}
		seen[e] = true
		if lo, hi, ok := e.within(got, c); !ok {
			t.Errorf("%s for %s = %v, want it in [%v, %v]", key, e.repository, got, lo, hi)
		}
	}
}

// valueFor finds repo's value in vec: by its repository label, or the only
// sample of a query aggregated away from the label when repo alone is
// selected.
func valueFor(vec model.Vector, repo string, selected []string) (float64, bool) {
	for _, s := range vec {
		if string(s.Metric["repository"]) == repo {
			return float64(s.Value), true
		}
	}
	if len(selected) == 1 && selected[0] == repo && len(vec) == 1 {
		if _, labelled := vec[0].Metric["repository"]; !labelled {
			return float64(vec[0].Value), true
		}
	}
	return 0, false
}

// The subset of a panel's field config TestBands evaluates.
type fieldConfig struct {
	FieldConfig struct {
		Defaults struct {
			Thresholds thresholdsConfig `json:"thresholds"`
		} `json:"defaults"`
		Overrides []struct {
			Matcher struct {
				ID      string `json:"id"`
				Options string `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string          `json:"id"`
				Value json.RawMessage `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Title string `json:"title"`
}

type thresholdsConfig struct {
	Steps []struct {
		Color string   `json:"color"`
		Value *float64 `json:"value"` // null: -Infinity, the base colour
	} `json:"steps"`
}

type rangeMapping struct {
	Type    string `json:"type"`
	Options struct {
		From   *float64 `json:"from"`
		To     *float64 `json:"to"`
		Result struct {
			Text  string `json:"text"`
			Color string `json:"color"`
		} `json:"result"`
	} `json:"options"`
}

// mapValue is Grafana's getValueMappingResult for range mappings: the
// first mapping whose range holds v, both ends included. A null end is
// compared as 0 there (isNaN(null) is false), so it is refused here.
func mapValue(t *testing.T, ms []rangeMapping, v float64) (text, color string) {
	t.Helper()
	for _, m := range ms {
		if m.Type != "range" || m.Options.From == nil || m.Options.To == nil {
			t.Fatalf("mapping %+v: want a range with both ends set", m)
		}
		if v >= *m.Options.From && v <= *m.Options.To {
			return m.Options.Result.Text, m.Options.Result.Color
		}
	}
	return "", ""
}

// thresholdColor is Grafana's getActiveThreshold: the last step whose
// value is not above v.
func thresholdColor(th thresholdsConfig, v float64) string {
	color := ""
	for _, s := range th.Steps {
		if s.Value == nil || v >= *s.Value {
			color = s.Color
		}
	}
	return color
}

// TestBands evaluates the DORA dashboard's band mappings and threshold
// colours the way Grafana does, at every limit of pkg/dora/bands.go and
// between them: the band a panel shows must be the one dora.json reports.
func TestBands(t *testing.T) {
	const hour, day, week, month = 3600.0, 86400.0, 604800.0, 2592000.0
	tests := []struct {
		metric string // headline panel title
		ref    string // refId in the "DORA 2024 bands" panel
		cases  map[float64]string
	}{
		{"Deployment frequency", "A", map[float64]string{
			0: "Low", 1.0 / 60: "Low", 1.0 / 30: "Medium", 0.1: "Medium", 1.0 / 7: "High", 0.5: "High", 1: "High", 1.0001: "Elite", 20: "Elite"}},
		{"Change lead time (median)", "B", map[float64]string{
			0: "Elite", day - 1: "Elite", day: "High", 3 * day: "High", week: "High", week + 1: "Medium", month: "Medium", month + 1: "Low", 400 * day: "Low"}},
		{"Change fail rate", "C", map[float64]string{
			0: "Elite", 0.05: "Elite", 0.0501: "Medium", 0.10: "Medium", 0.1001: "High", 0.20: "High", 0.2001: "Low", 1: "Low"}},
		{"Failed deployment recovery time (median)", "D", map[float64]string{
			0: "Elite", hour - 1: "Elite", hour: "High", day - 1: "High", day: "Medium", week: "Medium", week + 1: "Low", 60 * day: "Low"}},
	}
	data, err := os.ReadFile("dora.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Panels []fieldConfig `json:"panels"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]fieldConfig{}
	for _, p := range doc.Panels {
		byTitle[p.Title] = p
	}
	bands, ok := byTitle["DORA 2024 bands"]
	if !ok {
		t.Fatal(`no "DORA 2024 bands" panel`)
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			headline, ok := byTitle[tt.metric]
			if !ok {
				t.Fatalf("no panel %q", tt.metric)
			}
			var ms []rangeMapping
			for _, o := range bands.FieldConfig.Overrides {
				if o.Matcher.ID != "byFrameRefID" || o.Matcher.Options != tt.ref {
					continue
				}
				for _, p := range o.Properties {
					if p.ID == "mappings" {
						if err := json.Unmarshal(p.Value, &ms); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if len(ms) == 0 {
				t.Fatalf("no mappings for refId %s", tt.ref)
			}
			for v, want := range tt.cases {
				text, color := mapValue(t, ms, v)
				if text != want {
					t.Errorf("%v maps to band %q, want %q", v, text, want)
				}
				if got := thresholdColor(headline.FieldConfig.Defaults.Thresholds, v); got != color {
					t.Errorf("%v: headline colour %q, but band %q is %q", v, got, text, color)
				}
			}
		})
	}
}
