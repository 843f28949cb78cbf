// Package vulndb matches SBOM components against grype's vulnerability
// database (v6: NVD with CPE configurations, GitHub advisories, OSV), with
// grype linked as a library. Match reads a database already on disk;
// Update downloads one from grype's distribution (or a mirror) into it,
// and an air-gapped runner provides its own. Nix packages are matched by CPE, the SBOM's where it
// has one (meta.identifiers.cpe), else one derived from name and version
// and marked as derived.
package vulndb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anchore/grype/grype"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	v6inst "github.com/anchore/grype/grype/db/v6/installation"
	"github.com/anchore/grype/grype/match"
	"github.com/anchore/grype/grype/matcher"
	"github.com/anchore/grype/grype/matcher/stock"
	grypepkg "github.com/anchore/grype/grype/pkg"
	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/cpe"
	syftpkg "github.com/anchore/syft/syft/pkg"

	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// Options say which database to read and how old it may be.
type Options struct {
	// Dir is grype's database root: it holds 6/vulnerability.db.
	Dir string
	// MaxAge: a database built longer ago is an error, never a pass on old
	// data.
	MaxAge time.Duration
}

// DBError is a database that cannot be used: missing or unreadable (too
// old is a *StaleError).
type DBError struct {
	Dir string
	Err error
}

func (e *DBError) Error() string { return fmt.Sprintf("vulnerability database %s: %v", e.Dir, e.Err) }
func (e *DBError) Unwrap() error { return e.Err }

// Status is what the database said of itself.
type Status struct {
	Built         time.Time
	SchemaVersion string
}

// derivedSource marks the CPEs this package derives; grype keeps a CPE's
// source, so a match can say which kind it came from.
const derivedSource cpe.Source = "nixops-scan-derived"

// Match matches the components and returns a finding per vulnerability and
// package, anchored at anchor; a CVE that a patch of the component
// resolves is reported fixed by that patch and does not gate.
func Match(ctx context.Context, comps []scan.Component, anchor string, o Options) ([]scan.Finding, []scan.RuleInfo, *Status, error) {
	unlock, err := lockDir(ctx, o.Dir, false)
	if err != nil {
		return nil, nil, nil, &DBError{o.Dir, err}
	}
	defer unlock()
	// Missing or too old first, as typed errors; grype checks again.
	if _, err := installed(o.Dir, o.MaxAge); err != nil {
		return nil, nil, nil, err
	}
	vp, status, err := grype.LoadVulnerabilityDB(v6dist.Config{}, v6inst.Config{
		DBRootDir: o.Dir, ValidateAge: o.MaxAge > 0, MaxAllowedBuiltAge: o.MaxAge, ValidateChecksum: true}, false)
	if err != nil {
		return nil, nil, nil, &DBError{o.Dir, err}
	}
	defer vp.Close()
	pkgs, byID := packages(comps)
	vm := grype.VulnerabilityMatcher{VulnerabilityProvider: vp, NormalizeByCVE: true,
		Matchers: matcher.NewDefaultMatchers(matcher.Config{Stock: stock.MatcherConfig{UseCPEs: true}})}
	matches, _, err := vm.FindMatchesContext(ctx, pkgs, grypepkg.Context{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("matching %d components: %w", len(pkgs), err)
	}
	fs, rules := findings(matches.Sorted(), byID, anchor)
	return fs, rules, &Status{Built: status.Built, SchemaVersion: status.SchemaVersion}, nil
}

// packages turns components into grype packages: a CPE the SBOM states,
// else one derived from name and version (vendor and product both the
// name, as many NVD entries of C libraries are).
func packages(comps []scan.Component) ([]grypepkg.Package, map[grypepkg.ID]*scan.Component) {
	var out []grypepkg.Package
	byID := map[grypepkg.ID]*scan.Component{}
	for i := range comps {
		c := &comps[i]
		if c.Name == "" || c.Version == "" {
			continue
		}
		p := grypepkg.Package{ID: grypepkg.ID(fmt.Sprintf("c%d", i)), Name: c.Name, Version: c.Version, PURL: c.PURL, Type: syftpkg.NixPkg}
		if strings.HasPrefix(c.PURL, "pkg:") && !strings.HasPrefix(c.PURL, "pkg:nix/") {
			p.Type = syftpkg.TypeFromPURL(c.PURL)
			p.Language = syftpkg.LanguageByName(p.Type.PackageURLType())
		}
		if cp, err := cpe.New(c.CPE, cpe.DeclaredSource); c.CPE != "" && err == nil {
			p.CPEs = []cpe.CPE{cp}
		} else if p.Type == syftpkg.NixPkg {
			if cp, err := cpe.New(derivedCPE(c.Name, c.Version), derivedSource); err == nil {
				p.CPEs = []cpe.CPE{cp}
			}
		}
		out = append(out, p)
		byID[p.ID] = c
	}
	return out, byID
}

func derivedCPE(name, version string) string {
	esc := func(s string) string {
		return strings.NewReplacer(":", `\:`, "*", `\*`, "?", `\?`).Replace(strings.ToLower(s))
	}
	return fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", esc(name), esc(name), esc(version))
}

// findings makes one finding per vulnerability and component.
func findings(ms []match.Match, byID map[grypepkg.ID]*scan.Component, anchor string) ([]scan.Finding, []scan.RuleInfo) {
	var out []scan.Finding
	rules := map[string]scan.RuleInfo{}
	for _, m := range ms {
		c := byID[m.Package.ID]
		id := m.Vulnerability.ID
		sev, score := severity(m.Vulnerability.Metadata)
		f := scan.Finding{Kind: scan.KindVulnerability, RuleID: id, Severity: sev, File: anchor, Line: 1,
			Package: m.Package.Name, Version: m.Package.Version, Fingerprint: id + "/" + m.Package.Name,
			FixedIn: strings.Join(m.Vulnerability.Fix.Versions, ", ")}
		f.Title = fmt.Sprintf("%s in %s %s", id, f.Package, f.Version)
		if slices.ContainsFunc(m.Package.CPEs, func(c cpe.CPE) bool { return c.Source == derivedSource }) && matchedByCPE(m) {
			f.DerivedCPE = true
			f.Title += " (matched by a CPE derived from the package name, not one the package declares)"
		}
		if c != nil {
			f.ComponentRef = c.Ref
		}
		if c != nil && slices.Contains(c.Resolves, id) {
			f.ResolvedByPatch = true
			f.Title += " (resolved by a patch applied in the derivation)"
		}
		out = append(out, f)
		if _, ok := rules[id]; !ok {
			rules[id] = ruleOf(id, m.Vulnerability.Metadata, sev, score)
		}
	}
	var rs []scan.RuleInfo
	for _, r := range rules {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b scan.RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return out, rs
}

func matchedByCPE(m match.Match) bool {
	return slices.ContainsFunc(m.Details, func(d match.Detail) bool { return d.Type == match.CPEMatch })
}

// severity is the highest CVSS base score's band, else the database's
// severity word.
func severity(md *vulnerability.Metadata) (scan.Severity, float64) {
	if md == nil {
		return scan.SeverityUnknown, 0
	}
	score := 0.0
	for _, c := range md.Cvss {
		score = max(score, c.Metrics.BaseScore)
	}
	switch {
	case score >= 9:
		return scan.SeverityCritical, score
	case score >= 7:
		return scan.SeverityHigh, score
	case score >= 4:
		return scan.SeverityMedium, score
	case score > 0:
		return scan.SeverityLow, score
	}
	var s scan.Severity
	if err := s.UnmarshalText([]byte(strings.ToLower(md.Severity))); err != nil {
		return scan.SeverityUnknown, 0
	}
	return s, 0
}

func ruleOf(id string, md *vulnerability.Metadata, sev scan.Severity, score float64) scan.RuleInfo {
	r := scan.RuleInfo{ID: id, Kind: scan.KindVulnerability, Severity: sev, SecurityScore: score, Short: id}
	if score == 0 {
		r.SecurityScore = map[scan.Severity]float64{scan.SeverityCritical: 9.5, scan.SeverityHigh: 8, scan.SeverityMedium: 5.5, scan.SeverityLow: 2}[sev]
	}
	r.Full = id + "."
	if md != nil && md.Description != "" {
		r.Full = md.Description
	}
	r.Help = "Upgrade the package to a fixed version, apply the upstream patch in the derivation (the SBOM then lists it with `resolves`), " +
		"or accept it with a policy exception `id: " + id + "` naming the `package`, a `reason` and an `expires` date."
	if md != nil && md.DataSource != "" {
		r.Help += " Details: " + md.DataSource
	}
	return r
}
