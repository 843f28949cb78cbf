package scan

import (
	"bytes"
	"fmt"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"
)

// VEX is a CycloneDX 1.6 VEX document of the vulnerabilities found: those
// a patch applied in the derivation resolves are "resolved", naming the
// patch as the evidence; the others "exploitable" is not claimed, they are
// "in_triage". Each affects the component by its bom-ref in the scanned
// SBOM.
func VEX(r *Report) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprint(r.Generated.Unix(), r.Tool))).String()
	bom.Metadata = &cdx.Metadata{Timestamp: r.Generated.UTC().Format("2006-01-02T15:04:05Z"),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "nixops-scan", Version: r.Tool}}}}
	var vulns []cdx.Vulnerability
	for _, f := range r.Findings {
		if f.Kind != KindVulnerability {
			continue
		}
		a := &cdx.VulnerabilityAnalysis{State: cdx.IASInTriage}
		if f.ResolvedByPatch {
			a = &cdx.VulnerabilityAnalysis{State: cdx.IASResolved,
				Detail: "A patch applied in the derivation is named after this vulnerability (the SBOM's pedigree.patches[].resolves)."}
		}
		ref := f.ComponentRef
		if ref == "" {
			ref = f.Package + "@" + f.Version
		}
		vulns = append(vulns, cdx.Vulnerability{BOMRef: f.RuleID + "/" + ref, ID: f.RuleID, Analysis: a,
			Affects: &[]cdx.Affects{{Ref: ref}}})
	}
	bom.Vulnerabilities = &vulns
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
