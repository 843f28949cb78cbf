package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
)

// Component is what the gates need of one SBOM component.
type Component struct {
	Ref     string // the SBOM's bom-ref or SPDX id
	Name    string
	Version string
	PURL    string
	CPE     string
	// license is nil when the SBOM states none: never guessed.
	license *licenseExpr
	// LicenseText is the license as the SBOM wrote it, for reports.
	LicenseText string
	// Resolves are the vulnerability ids the patches applied in the
	// derivation resolve (CycloneDX pedigree.patches[].resolves).
	Resolves []string
	// Unfree and Insecure are nixpkgs' meta as the sbom action records
	// it (the nix:unfree and nix:known_vulnerability properties).
	Unfree   bool
	Insecure []string
}

// setNixProperty reads the nix: properties the gates use.
func (c *Component) setNixProperty(name, value string) {
	switch name {
	case "nix:unfree":
		c.Unfree = value == "true"
	case "nix:known_vulnerability":
		c.Insecure = append(c.Insecure, value)
	}
}

// SBOMError is an SBOM that cannot be read: missing, not JSON, neither
// CycloneDX nor SPDX, or malformed.
type SBOMError struct {
	Path string
	Err  error
}

func (e *SBOMError) Error() string { return fmt.Sprintf("SBOM %s: %v", e.Path, e.Err) }
func (e *SBOMError) Unwrap() error { return e.Err }

// ReadSBOM reads a CycloneDX or SPDX JSON document.
func ReadSBOM(path string) ([]Component, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &SBOMError{path, err}
	}
	var head struct {
		BOMFormat   string `json:"bomFormat"`
		SPDXVersion string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &SBOMError{path, fmt.Errorf("not JSON: %w", err)}
	}
	var cs []Component
	switch {
	case head.BOMFormat == "CycloneDX":
		cs, err = cycloneDXComponents(data)
	case strings.HasPrefix(head.SPDXVersion, "SPDX-2."):
		cs, err = spdxComponents(data)
	default:
		err = fmt.Errorf(`neither CycloneDX JSON ("bomFormat": "CycloneDX") nor SPDX 2 JSON ("spdxVersion": "SPDX-2.x")`)
	}
	if err != nil {
		return nil, &SBOMError{path, err}
	}
	return cs, nil
}

func cycloneDXComponents(data []byte) ([]Component, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, err
	}
	var out []Component
	var walk func([]cdx.Component) error
	walk = func(cs []cdx.Component) error {
		for _, c := range cs {
			comp := Component{Ref: c.BOMRef, Name: c.Name, Version: c.Version, PURL: c.PackageURL, CPE: c.CPE, Resolves: resolves(c.Pedigree)}
			if c.Properties != nil {
				for _, p := range *c.Properties {
					comp.setNixProperty(p.Name, p.Value)
				}
			}
			if err := comp.setCycloneDXLicenses(c.Licenses); err != nil {
				return fmt.Errorf("component %s: %w", c.BOMRef, err)
			}
			out = append(out, comp)
			if c.Components != nil {
				if err := walk(*c.Components); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// The sbom action puts a single root, the target package itself, in
	// metadata.component only. A subject with a purl is a package to
	// check; one without (a synthetic target, syft's scanned directory)
	// is not.
	if m := bom.Metadata; m != nil && m.Component != nil && m.Component.PackageURL != "" {
		if err := walk([]cdx.Component{*m.Component}); err != nil {
			return nil, err
		}
	}
	if bom.Components != nil {
		if err := walk(*bom.Components); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setCycloneDXLicenses reads an expression, or a list of licenses that
// all apply (nixpkgs' meta.license lists are read as AND: the cautious
// reading when the list does not say).
func (c *Component) setCycloneDXLicenses(ls *cdx.Licenses) error {
	if ls == nil {
		return nil
	}
	var texts []string
	for _, l := range *ls {
		var e *licenseExpr
		switch {
		case l.Expression != "":
			var err error
			if e, err = parseLicense(l.Expression); err != nil {
				return err
			}
			texts = append(texts, l.Expression)
		case l.License != nil && (l.License.ID != "" || l.License.Name != ""):
			id := l.License.ID
			if id == "" {
				id = l.License.Name
			}
			e = &licenseExpr{id: id}
			texts = append(texts, id)
		default:
			continue
		}
		if c.license == nil {
			c.license = e
		} else {
			c.license = &licenseExpr{op: "AND", left: c.license, right: e}
		}
	}
	c.LicenseText = strings.Join(texts, " AND ")
	return nil
}

func spdxComponents(data []byte) ([]Component, error) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out []Component
	for _, p := range doc.Packages {
		c := Component{Ref: string(p.PackageSPDXIdentifier), Name: p.PackageName, Version: p.PackageVersion}
		for _, r := range p.PackageExternalReferences {
			switch r.RefType {
			case "purl":
				c.PURL = r.Locator
			case "cpe23Type", "cpe22Type":
				c.CPE = r.Locator
			}
		}
		// The sbom action writes the nix: properties one per comment line.
		for _, line := range strings.Split(p.PackageComment, "\n") {
			if name, value, ok := strings.Cut(line, ": "); ok {
				c.setNixProperty(name, value)
			}
		}
		lic := p.PackageLicenseDeclared
		if lic == "" || lic == "NOASSERTION" || lic == "NONE" {
			lic = p.PackageLicenseConcluded
		}
		if lic != "" && lic != "NOASSERTION" && lic != "NONE" {
			e, err := parseLicense(lic)
			if err != nil {
				return nil, fmt.Errorf("package %s: %w", p.PackageSPDXIdentifier, err)
			}
			c.license, c.LicenseText = e, lic
		}
		out = append(out, c)
	}
	return out, nil
}

func resolves(p *cdx.Pedigree) []string {
	if p == nil || p.Patches == nil {
		return nil
	}
	var ids []string
	for _, patch := range *p.Patches {
		if patch.Resolves == nil {
			continue
		}
		for _, is := range *patch.Resolves {
			if is.ID != "" {
				ids = append(ids, is.ID)
			}
		}
	}
	return ids
}
