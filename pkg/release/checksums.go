package release

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// ChecksumsPath is the file, relative to the repository root, that
// actions/bootstrap.sh verifies downloads against.
const ChecksumsPath = "actions/checksums.txt"

// checksumsHeader returns the comment block at the top of a checksums
// file (lines starting with # and blank lines before the first entry),
// which every release keeps.
func checksumsHeader(content []byte) []byte {
	var head bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(content))
	for sc.Scan() {
		line := sc.Text()
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		head.WriteString(line + "\n")
	}
	return head.Bytes()
}

// renderChecksums is header followed by one sha256sum line per asset,
// in the order given.
func renderChecksums(header []byte, assets []Asset) []byte {
	var b bytes.Buffer
	b.Write(header)
	for _, a := range assets {
		fmt.Fprintf(&b, "%s  %s\n", a.SHA256, a.Name)
	}
	return b.Bytes()
}

// parseChecksums reads sha256sum lines (comments and blank lines
// skipped; a '*' before the name, binary mode, allowed) into name→hash.
func parseChecksums(content []byte) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(content))
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Fields(t)
		if len(f) != 2 || len(f[0]) != 64 {
			return nil, fmt.Errorf("%s line %d: not a sha256sum line: %q", ChecksumsPath, n, t)
		}
		sums[strings.TrimPrefix(f[1], "*")] = strings.ToLower(f[0])
	}
	return sums, sc.Err()
}

// ofVersion keeps the entries of sums whose asset belongs to v
// (<binary>_<v>_<os>_<arch>).
func ofVersion(sums map[string]string, v Version) map[string]string {
	out := map[string]string{}
	for name, h := range sums {
		if strings.Contains(name, "_"+string(v)+"_") {
			out[name] = h
		}
	}
	return out
}
