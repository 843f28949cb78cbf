package scan

import (
	"slices"
	"strings"
)

// The rule ids of license findings; a denied license is "license:" and
// its SPDX id, so an exception names the license it accepts.
const (
	ruleLicenseUnknown = "license:unknown"
	rulePrefixLicense  = "license:"
)

// LicenseFindings checks each component's license against the policy:
// a component takes its license expression's best choice (MIT OR GPL-3.0-only
// passes a GPL deny, MIT AND GPL-3.0-only does not). A component without a
// license is a finding of its own, never guessed. anchor is the file
// findings point at (the flake that brings the closure in).
func LicenseFindings(cs []Component, lp LicensePolicy, anchor string) ([]Finding, []RuleInfo) {
	var out []Finding
	for _, c := range cs {
		if c.license == nil {
			sev := SeverityLow
			if lp.UnknownFails {
				sev = SeverityHigh
			}
			out = append(out, licenseFinding(c, ruleLicenseUnknown, "No license stated for "+c.Name, sev, lp.UnknownFails, anchor))
			continue
		}
		seen := map[string]bool{}
		// nixpkgs' own verdict (any license with free = false) decides
		// unfree; the license names then do not count twice.
		if c.Unfree && lp.deniesUnfree() {
			title := c.Name + " has a license nixpkgs marks unfree (" + c.LicenseText + "): unfree is not permitted by the policy"
			out = append(out, licenseFinding(c, rulePrefixLicense+"unfree", title, SeverityHigh, true, anchor))
			seen["unfree"] = true
		}
		ok, blockers := c.license.satisfied(lp.permits)
		if ok {
			continue
		}
		for _, b := range blockers {
			if seen[b] || (seen["unfree"] && isUnfree(b)) {
				continue
			}
			seen[b] = true
			title := c.Name + " is licensed " + c.LicenseText + ": " + b + " is not permitted by the policy"
			out = append(out, licenseFinding(c, rulePrefixLicense+b, title, SeverityHigh, true, anchor))
		}
	}
	return out, licenseRules(out)
}

func licenseFinding(c Component, rule, title string, sev Severity, blocking bool, anchor string) Finding {
	return Finding{Kind: KindLicense, RuleID: rule, Title: title, Severity: sev, Blocking: blocking,
		File: anchor, Line: 1, Package: c.Name, Version: c.Version,
		// No version: a bump does not make the finding new.
		Fingerprint: rule + "/" + c.Name}
}

// permits is the policy's verdict on one license id: not denied, and
// allowed when an allow list is given. unfree names nixpkgs' unfree
// licenses, whose names start with "Unfree" in the SBOM.
func (lp LicensePolicy) permits(id string) bool {
	match := func(list []string) bool {
		return slices.ContainsFunc(list, func(p string) bool {
			if strings.EqualFold(p, "unfree") {
				return isUnfree(id)
			}
			return strings.EqualFold(p, id)
		})
	}
	if match(lp.Deny) {
		return false
	}
	return len(lp.Allow) == 0 || match(lp.Allow)
}

func (lp LicensePolicy) deniesUnfree() bool {
	return slices.ContainsFunc(lp.Deny, func(p string) bool { return strings.EqualFold(p, "unfree") })
}

func isUnfree(id string) bool {
	// The SPDX document names it LicenseRef-Unfree..., CycloneDX by name.
	l := strings.TrimPrefix(strings.ToLower(id), "licenseref-")
	return strings.HasPrefix(l, "unfree")
}

func licenseRules(fs []Finding) []RuleInfo {
	var out []RuleInfo
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.RuleID] {
			continue
		}
		seen[f.RuleID] = true
		ri := RuleInfo{ID: f.RuleID, Kind: KindLicense, Severity: SeverityHigh, SecurityScore: 7.0}
		if f.RuleID == ruleLicenseUnknown {
			ri.Short = "Component without a license"
			ri.Full = "The SBOM states no license for the component; the policy's licenses.unknown decides whether that fails the gate."
			ri.Help = "Set `meta.license` in the derivation, or accept the component with an exception `id: license:unknown` and its `package`."
			ri.Severity, ri.SecurityScore = f.Severity, 3.0
			if f.Severity == SeverityHigh {
				ri.SecurityScore = 7.0
			}
		} else {
			lic := strings.TrimPrefix(f.RuleID, rulePrefixLicense)
			ri.Short = "License not permitted: " + lic
			ri.Full = "A component is available only under terms that include " + lic + ", which the policy's licenses.deny or licenses.allow does not permit."
			ri.Help = "Replace the component, or accept it with a policy exception `id: " + f.RuleID + "` naming the `package`, a `reason` and an `expires` date."
		}
		out = append(out, ri)
	}
	return out
}
