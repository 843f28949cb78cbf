package scan

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// AnchorPackages points each finding about a package (a vulnerability or
// a license) at the first line of file (flake.nix, in dir) that names the
// package as a word, as `pkgs.readline` or `buildInputs = [ readline ]`
// do; a package the file does not name stays at line 1. Code scanning
// shows the alert on that line.
func AnchorPackages(dir, file string, fs []Finding) {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return
	}
	lines := strings.Split(string(data), "\n")
	found := map[string]int{}
	for i := range fs {
		f := &fs[i]
		if f.Package == "" || f.File != file {
			continue
		}
		n, ok := found[f.Package]
		if !ok {
			n = lineNaming(lines, f.Package)
			found[f.Package] = n
		}
		f.Line = n
	}
}

func lineNaming(lines []string, name string) int {
	// A word: not inside a longer identifier (readline in libreadline).
	re, err := regexp.Compile(`(^|[^A-Za-z0-9_-])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_-])`)
	if err != nil {
		return 1
	}
	for i, l := range lines {
		if c, _, _ := strings.Cut(strings.TrimSpace(l), "#"); c != "" && re.MatchString(c) {
			return i + 1
		}
	}
	return 1
}
