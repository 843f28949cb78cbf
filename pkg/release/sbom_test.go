package release_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/pkg/release"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// Cut writes a CycloneDX and an SPDX document next to each binary, valid
// against the official schemas, dated at the released commit, and the same
// bytes when made again from the binary.
func TestCutSBOMs(t *testing.T) {
	r, res, _ := publishRepo(t)
	sec, err := strconv.ParseInt(r.git("show", "-s", "--format=%ct", res.Parent), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(sec, 0).UTC()
	if len(res.SBOMs) != 2*len(res.Assets) {
		t.Fatalf("%d SBOMs for %d binaries: %q", len(res.SBOMs), len(res.Assets), res.SBOMs)
	}
	for _, a := range res.Assets {
		b, err := release.BinaryBOM(a, res.Version, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range release.SBOMFormats {
			path := filepath.Join(res.Dir, a.Name+f.Extension())
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			switch f {
			case sbom.CycloneDXJSON:
				schematest.Validate(t, schematest.CycloneDX(t), got)
			case sbom.SPDXJSON:
				schematest.Validate(t, schematest.SPDX(t), got)
			}
			var again bytes.Buffer
			if err := sbom.Encode(&again, b, f); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, again.Bytes()) {
				t.Errorf("%s differs when made again from the binary", path)
			}
			if !bytes.Contains(got, []byte(at.Format("2006-01-02T15:04:05Z"))) {
				t.Errorf("%s is not dated at the commit time %s", path, at)
			}
			if !strings.Contains(string(got), a.SHA256) || !strings.Contains(string(got), a.Name) {
				t.Errorf("%s does not name the binary %s by its hash", path, a.Name)
			}
		}
	}
}
