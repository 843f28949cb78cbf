// Package actionyml checks a composite action's metadata, action.yml,
// against what its binary declares with pkg/action: the same inputs with
// the same defaults and required flags, each mapped to its INPUT_ variable
// in the step that runs the binary and nowhere spliced into shell, and the
// same outputs, each read from that step. A new input added in two of the
// three places fails here instead of silently on a runner.
package actionyml

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// Problem is one disagreement, at a position in the file.
type Problem struct {
	File      string
	Line, Col int
	Msg       string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg) }

// Check reads the action.yml at path and returns every disagreement with
// spec; none means they agree.
func Check(path string, spec action.Spec) ([]Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a mapping at the top", path)
	}
	c := &checker{file: path, root: doc.Content[0]}
	step := c.binaryStep()
	c.inputs(spec.Inputs, step)
	c.outputs(spec.Outputs, step)
	return c.problems, nil
}

type checker struct {
	file     string
	root     *yaml.Node
	problems []Problem
}

func (c *checker) add(n *yaml.Node, format string, args ...any) {
	c.problems = append(c.problems, Problem{c.file, n.Line, n.Column, fmt.Sprintf(format, args...)})
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// keys lists the key nodes of mapping m.
func keys(m *yaml.Node) []*yaml.Node {
	var ks []*yaml.Node
	if m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			ks = append(ks, m.Content[i])
		}
	}
	return ks
}

// binaryStep is the composite step that runs the binary: the one whose
// env maps inputs to INPUT_ variables. Exactly one must.
func (c *checker) binaryStep() *yaml.Node {
	var found []*yaml.Node
	steps := get(get(c.root, "runs"), "steps")
	if steps != nil {
		for _, s := range steps.Content {
			for _, k := range keys(get(s, "env")) {
				if strings.HasPrefix(k.Value, "INPUT_") {
					found = append(found, s)
					break
				}
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		c.add(c.root, "no step of runs.steps maps the inputs to INPUT_ variables in its env: the binary would see none of them")
	default:
		c.add(found[1], "a second step maps inputs to INPUT_ variables: one step runs the binary")
	}
	return nil
}

func (c *checker) inputs(want []action.InputSpec, step *yaml.Node) {
	declared := get(c.root, "inputs")
	byName := map[string]action.InputSpec{}
	for _, in := range want {
		byName[in.Name] = in
		node := get(declared, in.Name)
		if node == nil {
			c.add(orRoot(declared, c.root), "input %q is declared in Go but missing from inputs: add it", in.Name)
			continue
		}
		c.input(in, node)
	}
	for _, k := range keys(declared) {
		if _, ok := byName[k.Value]; !ok {
			c.add(k, "input %q is not declared in Go: the binary never reads it; declare it or remove it", k.Value)
		}
	}
	if step == nil {
		return
	}
	env := get(step, "env")
	for _, in := range want {
		key, ref := action.EnvName(in.Name), "${{ inputs."+in.Name+" }}"
		v := get(env, key)
		switch {
		case v == nil:
			c.add(orRoot(env, step), "input %q is not passed to the binary: add %s: %s to this env", in.Name, key, ref)
		case v.Value != ref:
			c.add(v, "%s is %q: map it to %s, and nothing else", key, v.Value, ref)
		}
	}
	for _, k := range keys(env) {
		name := strings.TrimPrefix(k.Value, "INPUT_")
		if name != k.Value && !slices.ContainsFunc(want, func(in action.InputSpec) bool { return action.EnvName(in.Name) == k.Value }) {
			c.add(k, "%s names no declared input (%s)", k.Value, strings.ToLower(name))
		}
	}
}

func (c *checker) input(in action.InputSpec, node *yaml.Node) {
	required := false
	if r := get(node, "required"); r != nil {
		required = r.Value == "true"
	}
	if required != in.Required {
		c.add(node, "input %q: required is %t here and %t in Go: make them agree", in.Name, required, in.Required)
	}
	def := get(node, "default")
	switch {
	case in.Required && def != nil && def.Value != "":
		c.add(def, "input %q is required, so its default %q is never used: remove it", in.Name, def.Value)
	case !in.Required && def == nil && in.Default != "":
		c.add(node, "input %q has no default here and %q in Go: add default: %q", in.Name, in.Default, in.Default)
	case !in.Required && def != nil && def.Value != in.Default:
		c.add(def, "input %q: default %q here and %q in Go: make them agree", in.Name, def.Value, in.Default)
	}
	if desc := get(node, "description"); desc == nil || strings.TrimSpace(desc.Value) == "" {
		c.add(node, "input %q has no description", in.Name)
	}
}

func (c *checker) outputs(want []action.OutputSpec, step *yaml.Node) {
	declared := get(c.root, "outputs")
	id := ""
	if step != nil {
		if n := get(step, "id"); n != nil {
			id = n.Value
		} else {
			c.add(step, "the step that runs the binary has no id, so no output can be read from it")
		}
	}
	names := map[string]bool{}
	for _, out := range want {
		names[out.Name] = true
		node := get(declared, out.Name)
		if node == nil {
			c.add(orRoot(declared, c.root), "output %q is declared in Go but missing from outputs: add it", out.Name)
			continue
		}
		ref := "${{ steps." + id + ".outputs." + out.Name + " }}"
		if v := get(node, "value"); id != "" && (v == nil || v.Value != ref) {
			c.add(node, "output %q must read %s", out.Name, ref)
		}
	}
	for _, k := range keys(declared) {
		if !names[k.Value] {
			c.add(k, "output %q is not declared in Go: the binary never sets it; declare it or remove it", k.Value)
		}
	}
}

func orRoot(n, root *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return root
}

// StepSpec runs step as `BINARY -h` would, with no environment, and
// returns what it declared: every step declares all its inputs before it
// parses them, and -h stops it right there.
func StepSpec(step action.Step) action.Spec {
	var spec action.Spec
	action.Run(context.Background(), func(ctx context.Context, a *action.Action) error {
		err := step(ctx, a)
		spec = a.Spec()
		return err
	}, action.WithArgs([]string{"-h"}), action.WithGetenv(func(string) string { return "" }),
		action.WithStdout(io.Discard), action.WithStderr(io.Discard))
	return spec
}

// TestStep fails t for every disagreement between the action.yml at path
// and what step declares.
func TestStep(t testing.TB, path string, step action.Step) {
	t.Helper()
	spec := StepSpec(step)
	if len(spec.Inputs) == 0 {
		t.Fatalf("the step declared no input before parsing -h")
	}
	problems, err := Check(path, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
