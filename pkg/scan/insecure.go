package scan

import "strings"

// ruleInsecure is the rule of a package nixpkgs marks insecure.
const ruleInsecure = "nixpkgs:known-vulnerabilities"

// InsecureFindings reports each component whose nixpkgs meta lists
// knownVulnerabilities: nixpkgs refuses to evaluate such a package unless
// the user permits it by name (permittedInsecurePackages), so a closure
// holding one was let through on purpose, or by an overlay that hid it.
// High, as nixpkgs treats it as a hard stop. anchor is as for
// LicenseFindings.
func InsecureFindings(cs []Component, anchor string) ([]Finding, []RuleInfo) {
	var out []Finding
	for _, c := range cs {
		if len(c.Insecure) == 0 {
			continue
		}
		out = append(out, Finding{Kind: KindVulnerability, RuleID: ruleInsecure, Severity: SeverityHigh,
			Title: c.Name + " " + c.Version + " is marked insecure by nixpkgs: " + strings.Join(c.Insecure, "; "),
			File:  anchor, Line: 1, Package: c.Name, Version: c.Version, ComponentRef: c.Ref,
			// No version: a bump that keeps the mark does not make it new.
			Fingerprint: ruleInsecure + "/" + c.Name})
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, []RuleInfo{{ID: ruleInsecure, Kind: KindVulnerability, Severity: SeverityHigh, SecurityScore: 7.0,
		Short: "Package marked insecure by nixpkgs",
		Full:  "The package's meta.knownVulnerabilities is not empty: nixpkgs refuses to evaluate it unless it is named in permittedInsecurePackages.",
		Help: "Update to a version nixpkgs no longer marks, or accept it with a policy exception `id: " + ruleInsecure +
			"` naming the `package`, a `reason` and an `expires` date.",
	}}
}
