package metricfile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"

	"github.com/voidnxsec/nixops-actions/internal/fuzzcorpus"
)

// referenceParse is expfmt's TextParser, the behaviour parseSimpleText
// must reproduce.
func referenceParse(data []byte) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(bytes.NewReader(data))
}

// sameAsReference fails t when parseSimpleText accepted data but
// TextParser gives another result; it reports whether the fast path took
// the input.
func sameAsReference(t *testing.T, data []byte) bool {
	t.Helper()
	fams, ok := parseSimpleText(string(data))
	if !ok {
		return false
	}
	want, err := referenceParse(data)
	if err != nil {
		t.Fatalf("fast path accepted what TextParser refuses (%v):\n%q", err, data)
	}
	if len(fams) != len(want) {
		t.Fatalf("%d families, TextParser %d:\n%q", len(fams), len(want), data)
	}
	for _, f := range fams {
		if w := want[f.GetName()]; !proto.Equal(f, w) {
			t.Fatalf("family %s differs:\nfast %v\nwant %v\ninput %q", f.GetName(), f, w, data)
		}
	}
	return true
}

var simpleCases = []string{
	"",
	"   ",
	"\n\n",
	"a 1\n",
	"a 1\n   ",
	"# a free comment\na 1\n",
	"#\n# \n#HELP\n# TYPE\n# HELP a\n# HELP a \na 1\n",
	"# HELP a Help with \\\\ and \\n and \\\" escapes  \n# TYPE a counter\na 1\n",
	"# TYPE a GaUgE\na{} 1\n",
	"# TYPE a untyped\na{x=\"1\",} -Inf\n",
	"# TYPE a gauge\n# HELP a h\na{ x = \"1\" , y=\"2\" }3.5e2\n\ta{x=\"2\"}\t+Inf\n",
	"a:b:c{x=\"a\\\"b\\\\c\\nd\"} NaN\n",
	"a{x=\"é ✓ 日本\"} 0x1\n",
	"# HELP unused only help\nb 2\n",
	"c 1\nc 2\nc{x=\"1\"} 3\n",
}

// TestParseSimpleText checks the fast path on hand-written inputs, and
// that it really takes the shapes the suite writes.
func TestParseSimpleText(t *testing.T) {
	for _, c := range simpleCases {
		sameAsReference(t, []byte(c))
	}
	var b strings.Builder
	b.WriteString("# HELP v Many.\n# TYPE v gauge\n")
	for i := range 100 {
		fmt.Fprintf(&b, "v{path=\"/nix/store/%d\",k=\"x\"} %d\n", i, i)
	}
	for _, data := range [][]byte{[]byte(b.String()), []byte("a 1\n"), []byte("# TYPE a counter\na_total{x=\"y\"} 1e+06\n")} {
		if !sameAsReference(t, data) {
			t.Errorf("the fast path refused a plain file:\n%s", data)
		}
	}
	fallBack := []string{
		"a 1",              // no final newline
		"a 1 1700000000\n", // timestamp
		"a 1 \n",           // TextParser: blank before the newline is a timestamp
		"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		"{\"a.b\"} 1\n", // quoted UTF-8 name
		"a{\"x.y\"=\"1\"} 1\n",
		"a{x=\"1\",x=\"2\"} 1\n", // duplicate label
		"a{__name__=\"b\"} 1\n",
		"a{x=\"\\t\"} 1\n",  // unknown escape
		"a{x=\"\xff\"} 1\n", // invalid UTF-8
		"a 1_000\n",
		"a 0x1p3\n",
		"a 1e400\n",
		"# TYPE a gauge \na 1\n", // trailing blank in the type
		"a 1\n# TYPE a gauge\n",  // TYPE after samples
		"# HELP a x\n# HELP a y\na 1\n",
		"1a 1\n",
	}
	for _, c := range fallBack {
		if sameAsReference(t, []byte(c)) {
			t.Errorf("the fast path took %q, which is TextParser's to handle", c)
		}
	}
}

// FuzzParseSimpleText: whatever the fast path accepts, TextParser accepts
// with the same families.
func FuzzParseSimpleText(f *testing.F) {
	for _, c := range simpleCases {
		f.Add([]byte(c))
	}
	fuzzcorpus.AddFiles(f, "testdata/*/*.prom")
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsReference(t, data)
	})
}

// FuzzAppendSimpleFamily: for every family TextParser reads, the fast
// encoder writes MetricFamilyToText's bytes or declines.
func FuzzAppendSimpleFamily(f *testing.F) {
	for _, c := range simpleCases {
		f.Add([]byte(c))
	}
	for _, c := range []string{"a -0\n", "a 1\na 0\na -1\na 1e-7\na 123456789012345678\na 0.1\na 999999\na -999999\na 1e6\na -1e6\na 999999.5\na 100000\n", "# HELP a \\\\ \"q\" \\n\na{x=\"\\\\ \\\" \\n\"} 2\n"} {
		f.Add([]byte(c))
	}
	fuzzcorpus.AddFiles(f, "testdata/*/*.prom")
	f.Fuzz(func(t *testing.T, data []byte) {
		fams, err := referenceParse(data)
		if err != nil {
			return
		}
		for _, fam := range fams {
			sameEncoding(t, fam)
		}
	})
}

func sameEncoding(t *testing.T, fam *dto.MetricFamily) bool {
	t.Helper()
	got, ok := appendSimpleFamily(nil, fam)
	if !ok {
		return false
	}
	var want bytes.Buffer
	if _, err := expfmt.MetricFamilyToText(&want, fam); err != nil {
		t.Fatalf("the fast encoder wrote a family MetricFamilyToText refuses (%v): %v", err, fam)
	}
	if string(got) != want.String() {
		t.Fatalf("encoding differs:\nfast %q\nwant %q", got, want.String())
	}
	return true
}

// TestAppendSimpleFamily: the shapes the suite writes take the fast
// encoder, with MetricFamilyToText's bytes; the others do not.
func TestAppendSimpleFamily(t *testing.T) {
	fams, err := referenceParse([]byte("# HELP g A \\\\ gauge\\nhelp.\n# TYPE g gauge\ng{a=\"x\\\"y\",b=\"\\\\\\n\"} -0\ng 1.5e+300\n# TYPE c counter\nc_total NaN\nu -Inf\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if !sameEncoding(t, f) {
			t.Errorf("family %s did not take the fast encoder", f.GetName())
		}
	}
	hist, err := referenceParse([]byte("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sameEncoding(t, hist["h"]) {
		t.Error("a histogram took the fast encoder")
	}
}
