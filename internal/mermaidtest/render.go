package mermaidtest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// ArtifactsVar names a directory where Render's callers keep the drawings
// for people to look at (CI uploads it); unset, they go to t.TempDir().
const ArtifactsVar = "NIXOPS_ARTIFACTS"

// ArtifactDir returns the directory for t's drawings: under ArtifactsVar,
// named after the test, or a temporary directory removed after the test.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(ArtifactsVar)
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Page is what a chart is drawn on: Mermaid's theme and the page colour
// around the diagram, as GitHub sets them for its light and dark themes.
type Page struct {
	Theme      string // default, dark
	Background string // a CSS colour
}

var (
	// Light is GitHub's light theme: Mermaid's default theme on white.
	Light = Page{Theme: "default", Background: "#ffffff"}
	// Dark is GitHub's dark theme: Mermaid's dark theme on #0d1117.
	Dark = Page{Theme: "dark", Background: "#0d1117"}
)

// Drawing is one Mermaid block as Mermaid drew it.
type Drawing struct {
	File string // the .svg or .png file
	SVG  *SVG   // what the SVG holds; nil for a PNG
}

// The browser never reaches the network (there is none) and keeps no
// state between runs. The sandbox needs user namespaces, which CI's
// containers, running as root, do not grant.
var chromiumArgs = []string{
	"--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync",
}

// Render draws every Mermaid block of md with Mermaid's CLI (mmdc) in
// Chromium, into dir/<name>.<format>-<n>.<format> (format svg or png; n
// counts blocks from 1), and returns the drawings in block order. A block
// Mermaid cannot parse fails t with Mermaid's error, which quotes the line.
// Without mmdc or Chromium the test skips (fails under NIXOPS_NO_SKIP).
func Render(t testing.TB, dir, name, md, format string, page Page) []Drawing {
	t.Helper()
	r := Renderer{MMDC: testenv.LookPath(t, "mmdc"), Chromium: testenv.LookPath(t, "chromium")}
	d, err := r.Draw(dir, name, md, format, page)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Renderer runs mmdc with a Chromium.
type Renderer struct {
	MMDC, Chromium string
}

// Draw is Render returning its error.
func (r Renderer) Draw(dir, name, md, format string, page Page) ([]Drawing, error) {
	blocks, err := Blocks(md)
	if err != nil {
		return nil, err
	}
	cfg, err := json.Marshal(map[string]any{"executablePath": r.Chromium, "args": chromiumArgs})
	if err != nil {
		return nil, err
	}
	cfgFile := filepath.Join(dir, name+".puppeteer.json")
	in := filepath.Join(dir, name+".md")
	for f, data := range map[string][]byte{cfgFile: cfg, in: []byte(md)} {
		if err := os.WriteFile(f, data, 0o644); err != nil {
			return nil, err
		}
	}
	// mmdc writes the images of a Markdown input next to its Markdown
	// output, which links them: <out>-1.png, <out>-2.png...
	out := filepath.Join(dir, name+"."+format+".md")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.MMDC, "--quiet", "--puppeteerConfigFile", cfgFile,
		"--theme", page.Theme, "--backgroundColor", page.Background, "--outputFormat", format,
		"--input", in, "--output", out)
	cmd.Env = append(os.Environ(), "PUPPETEER_SKIP_DOWNLOAD=1", "PUPPETEER_EXECUTABLE_PATH="+r.Chromium)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, b)
	}
	drawings := make([]Drawing, len(blocks))
	for i := range blocks {
		f := filepath.Join(dir, fmt.Sprintf("%s.%s-%d.%s", name, format, i+1, format))
		drawings[i].File = f
		if format == "svg" {
			if drawings[i].SVG, err = ReadSVG(f); err != nil {
				return nil, err
			}
		} else if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("mmdc drew no %s for block %d: %v", format, i+1, err)
		}
	}
	return drawings, nil
}

// SVG is what the checks read from Mermaid's drawing of an xychart.
type SVG struct {
	Background string   // fill of the chart's background
	XLabels    []Label  // x-axis categories, left to right
	YLabels    []string // y-axis tick labels, top to bottom
	BarFills   []string // fill of each bar
}

// Label is a text centred at X.
type Label struct {
	Text     string
	X        float64
	FontSize float64
}

var translateRe = regexp.MustCompile(`translate\(([-0-9.e]+),`)

// ReadSVG reads an xychart drawing: the groups Mermaid names bottom-axis,
// left-axis, plot and the background rectangle.
func ReadSVG(path string) (*SVG, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &SVG{}
	var classes []string // class of each open element
	var text *Label
	dec := xml.NewDecoder(f)
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			a := attrs(e)
			classes = append(classes, a["class"])
			switch {
			case e.Name.Local == "rect" && a["class"] == "background":
				s.Background = a["fill"]
			case e.Name.Local == "rect" && within(classes, "plot"):
				s.BarFills = append(s.BarFills, a["fill"])
			case e.Name.Local == "text":
				text = &Label{}
				if m := translateRe.FindStringSubmatch(a["transform"]); m != nil {
					text.X, _ = strconv.ParseFloat(m[1], 64)
				}
				text.FontSize, _ = strconv.ParseFloat(a["font-size"], 64)
			}
		case xml.CharData:
			if text != nil {
				text.Text += string(e)
			}
		case xml.EndElement:
			if e.Name.Local == "text" && text != nil && within(classes, "label") {
				switch {
				case within(classes, "bottom-axis"):
					s.XLabels = append(s.XLabels, *text)
				case within(classes, "left-axis"):
					s.YLabels = append(s.YLabels, text.Text)
				}
			}
			if e.Name.Local == "text" {
				text = nil
			}
			classes = classes[:len(classes)-1]
		}
	}
	if s.Background == "" {
		return nil, fmt.Errorf("%s: no xychart background: not an xychart drawing", path)
	}
	return s, nil
}

func attrs(e xml.StartElement) map[string]string {
	m := make(map[string]string, len(e.Attr))
	for _, a := range e.Attr {
		m[a.Name.Local] = a.Value
	}
	return m
}

func within(classes []string, class string) bool {
	for _, c := range classes {
		if c == class {
			return true
		}
	}
	return false
}

// charWidth is the average advance of a digit or letter in the sans-serif
// fonts Chromium falls back to (DejaVu Sans: digits 0.64 em, lower case
// about 0.6), in ems.
const charWidth = 0.62

// Overlaps returns the pairs of neighbouring x labels that Mermaid drew
// closer together than their estimated widths: the labels print on top of
// each other. Mermaid centres each label on its category.
func (s *SVG) Overlaps() []string {
	var out []string
	for i := 1; i < len(s.XLabels); i++ {
		a, b := s.XLabels[i-1], s.XLabels[i]
		need := (width(a) + width(b)) / 2
		if gap := b.X - a.X; gap < need {
			out = append(out, fmt.Sprintf("%q and %q are %.0f px apart, their text needs %.0f", a.Text, b.Text, gap, need))
		}
	}
	return out
}

func width(l Label) float64 { return float64(len([]rune(l.Text))) * l.FontSize * charWidth }

// Share returns the fraction of the pixels of a PNG that are exactly c.
func Share(path string, c Colour) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	return share(img, c), nil
}

func share(img image.Image, c Colour) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a == 0xffff && uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}
