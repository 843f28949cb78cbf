package scan

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Policy is the policy file: the gate's settings, license rules and
// exceptions. Its JSON schema is scan/policy.schema.json.
type Policy struct {
	FailOn        *Severity // nil: the fail-on input decides
	OnlyFixed     bool
	FailOnNewOnly bool
	Licenses      LicensePolicy
	Exceptions    []Exception
}

// LicensePolicy says which licenses a component may carry.
type LicensePolicy struct {
	Deny  []string // SPDX ids, or unfree
	Allow []string // when set, every license taken must be one of these
	// UnknownFails: a component without a license fails the gate rather
	// than being reported as a warning.
	UnknownFails bool
}

// Exception accepts the findings of one rule (a CVE id, a secret rule,
// license:ID) until a date, for a reason, optionally for one package.
type Exception struct {
	ID, Reason, Package, Owner, Link string
	Expires                          time.Time // the exception holds through this day (UTC)
	Line                             int       // in the policy file
}

// PolicyError is a policy file that cannot be used, at a line and field.
type PolicyError struct {
	Path  string
	Line  int
	Field string
	Err   error
}

func (e *PolicyError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("policy %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("policy %s line %d, field %s: %v", e.Path, e.Line, e.Field, e.Err)
}

func (e *PolicyError) Unwrap() error { return e.Err }

// Position lets the action annotate the policy file itself.
func (e *PolicyError) Position() (string, int, int) { return e.Path, e.Line, 0 }

// ReadPolicy reads and checks a policy file.
func ReadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &PolicyError{Path: path, Err: err}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &PolicyError{Path: path, Err: err}
	}
	p := &Policy{}
	if len(doc.Content) == 0 {
		return p, nil
	}
	d := policyDecoder{path: path}
	d.mapping(doc.Content[0], "", map[string]func(*yaml.Node, string){
		"fail-on": func(n *yaml.Node, f string) {
			if s, ok := d.scalar(n, f); ok {
				sev, err := ParseCutoff(s)
				d.check(n, f, err)
				p.FailOn = &sev
			}
		},
		"only-fixed":       func(n *yaml.Node, f string) { p.OnlyFixed = d.boolean(n, f) },
		"fail-on-new-only": func(n *yaml.Node, f string) { p.FailOnNewOnly = d.boolean(n, f) },
		"licenses": func(n *yaml.Node, f string) {
			d.mapping(n, f, map[string]func(*yaml.Node, string){
				"deny":  func(n *yaml.Node, f string) { p.Licenses.Deny = d.strings(n, f) },
				"allow": func(n *yaml.Node, f string) { p.Licenses.Allow = d.strings(n, f) },
				"unknown": func(n *yaml.Node, f string) {
					s, _ := d.scalar(n, f)
					if s != "warn" && s != "fail" {
						d.fail(n, f, fmt.Errorf("%q is not warn or fail", s))
					}
					p.Licenses.UnknownFails = s == "fail"
				},
			})
		},
		"exceptions": func(n *yaml.Node, f string) { p.Exceptions = d.exceptions(n, f) },
	})
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// policyDecoder walks the YAML tree and keeps the first problem.
type policyDecoder struct {
	path string
	err  *PolicyError
}

func (d *policyDecoder) fail(n *yaml.Node, field string, err error) {
	if d.err == nil {
		d.err = &PolicyError{Path: d.path, Line: n.Line, Field: field, Err: err}
	}
}

func (d *policyDecoder) check(n *yaml.Node, field string, err error) {
	if err != nil {
		d.fail(n, field, err)
	}
}

func (d *policyDecoder) mapping(n *yaml.Node, prefix string, fields map[string]func(*yaml.Node, string)) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, strings.TrimSuffix(prefix, "."), fmt.Errorf("is not a mapping"))
		return
	}
	var names []string
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := prefix + k.Value
		if prefix != "" {
			name = prefix + "." + k.Value
		}
		set, ok := fields[k.Value]
		if !ok {
			d.fail(k, name, fmt.Errorf("unknown field (accepted: %s)", strings.Join(names, ", ")))
			continue
		}
		set(v, name)
	}
}

func (d *policyDecoder) scalar(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, field, fmt.Errorf("is not a single value"))
		return "", false
	}
	return n.Value, true
}

func (d *policyDecoder) boolean(n *yaml.Node, field string) bool {
	var b bool
	if err := n.Decode(&b); err != nil {
		d.fail(n, field, fmt.Errorf("%q is not true or false", n.Value))
	}
	return b
}

func (d *policyDecoder) strings(n *yaml.Node, field string) []string {
	var out []string
	if n.Kind != yaml.SequenceNode {
		d.fail(n, field, fmt.Errorf("is not a list"))
		return nil
	}
	for _, c := range n.Content {
		if s, ok := d.scalar(c, field); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *policyDecoder) exceptions(n *yaml.Node, field string) []Exception {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, field, fmt.Errorf("is not a list"))
		return nil
	}
	var out []Exception
	for i, c := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		e := Exception{Line: c.Line}
		str := func(dst *string) func(*yaml.Node, string) {
			return func(n *yaml.Node, f string) { *dst, _ = d.scalar(n, f) }
		}
		d.mapping(c, f, map[string]func(*yaml.Node, string){
			"id": str(&e.ID), "reason": str(&e.Reason), "package": str(&e.Package),
			"owner": str(&e.Owner), "link": str(&e.Link),
			"expires": func(n *yaml.Node, f string) {
				s, _ := d.scalar(n, f)
				t, err := time.Parse(time.DateOnly, s)
				if err != nil {
					d.fail(n, f, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s))
				}
				e.Expires = t
			},
		})
		for _, req := range []struct{ name, v string }{{"id", e.ID}, {"reason", e.Reason}} {
			if req.v == "" {
				d.fail(c, f+"."+req.name, fmt.Errorf("is required"))
			}
		}
		if e.Expires.IsZero() {
			d.fail(c, f+".expires", fmt.Errorf("is required: every exception ends (YYYY-MM-DD)"))
		}
		out = append(out, e)
	}
	return out
}
