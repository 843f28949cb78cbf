package diff

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/summary"
)

// Markdown renders d for a step summary or a pull-request comment, under
// headings of the given level (3 for "###"). Names, versions and licenses
// come from the documents, so they are escaped.
func Markdown(d *Diff, level int) string {
	h := strings.Repeat("#", level) + " "
	var b strings.Builder
	counts := markdown.NewTable(markdown.Column{Name: ""}, markdown.Column{Name: "before", Align: markdown.Right},
		markdown.Column{Name: "after", Align: markdown.Right}, markdown.Column{Name: "change", Align: markdown.Right})
	counts.Row("store paths", strconv.Itoa(d.Old.StorePaths), strconv.Itoa(d.New.StorePaths), signed(int64(d.New.StorePaths-d.Old.StorePaths)))
	counts.Row("embedded packages", strconv.Itoa(d.Old.Embedded), strconv.Itoa(d.New.Embedded), signed(int64(d.New.Embedded-d.Old.Embedded)))
	counts.Row("closure size", summary.Bytes(d.Old.Bytes), summary.Bytes(d.New.Bytes), signedBytes(d.BytesDelta()))
	b.WriteString(counts.String())
	if d.Empty() {
		b.WriteString("\nNo package was added, removed or changed.\n")
	}
	if len(d.Added) > 0 {
		fmt.Fprintf(&b, "\n%sAdded (%d)\n\n%s", h, len(d.Added), packageTable(d.Added))
	}
	if len(d.Removed) > 0 {
		fmt.Fprintf(&b, "\n%sRemoved (%d)\n\n%s", h, len(d.Removed), packageTable(d.Removed))
	}
	if len(d.Changed) > 0 {
		t := markdown.NewTable(markdown.Column{Name: "package"}, markdown.Column{Name: "kind"}, markdown.Column{Name: "before"},
			markdown.Column{Name: "after"}, markdown.Column{Name: "size change", Align: markdown.Right})
		for _, c := range d.Changed {
			size := ""
			if !c.Embedded {
				size = signedBytes(c.SizeDelta)
			}
			t.Row(markdown.Code(c.Name), kind(c.Type, c.Output), versionList(c.Old), versionList(c.New), size)
		}
		fmt.Fprintf(&b, "\n%sVersion changes (%d)\n\n%s", h, len(d.Changed), t.String())
	}
	if len(d.Licenses) > 0 {
		t := markdown.NewTable(markdown.Column{Name: "package"}, markdown.Column{Name: "kind"}, markdown.Column{Name: "before"}, markdown.Column{Name: "after"})
		for _, c := range d.Licenses {
			t.Row(markdown.Code(c.Name), kind(c.Type, c.Output), license(c.Old), license(c.New))
		}
		fmt.Fprintf(&b, "\n%sLicense changes (%d)\n\n%s", h, len(d.Licenses), t.String())
	}
	if d.Rebuilt > 0 {
		fmt.Fprintf(&b, "\n%d %s at the same version with other store paths (rebuilt from changed inputs).\n", d.Rebuilt, plural(d.Rebuilt, "package", "packages"))
	}
	return b.String()
}

func packageTable(ps []Package) string {
	t := markdown.NewTable(markdown.Column{Name: "package"}, markdown.Column{Name: "kind"}, markdown.Column{Name: "version"},
		markdown.Column{Name: "license"}, markdown.Column{Name: "size", Align: markdown.Right})
	for _, p := range ps {
		size := ""
		if !p.Embedded {
			size = summary.Bytes(p.NarSize)
		}
		t.Row(markdown.Code(p.Name), kind(p.Type, p.Output), version(p.Version), license(p.License), size)
	}
	return t.String()
}

// kind says what sort of package it is: a Nix output or the ecosystem of
// an embedded one.
func kind(typ, output string) string {
	if typ == "" {
		typ = "unknown"
	}
	if output != "" && output != "out" {
		return markdown.Text(typ + " (" + output + ")")
	}
	return markdown.Text(typ)
}

func version(v string) string {
	if v == "" {
		return "none"
	}
	return markdown.Code(v)
}

func versionList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = version(v)
	}
	return strings.Join(out, ", ")
}

func license(l string) string {
	if l == "" {
		return "unknown"
	}
	return markdown.Text(l)
}

func signed(n int64) string {
	if n > 0 {
		return "+" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// signedBytes is a size change in binary units with its sign: +1.5 KiB.
func signedBytes(n int64) string {
	switch {
	case n > 0:
		return "+" + summary.Bytes(n)
	case n < 0:
		return "-" + summary.Bytes(-n)
	}
	return "0 B"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
