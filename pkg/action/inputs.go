package action

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	gha "github.com/sethvargo/go-githubactions"
)

// Inputs are declared once; each is a CLI flag of the same name and, in a
// runner, the INPUT_<NAME> variable (name upper-cased, spaces to '_', hyphens
// kept, as GitHub does). A flag given on the command line wins over the
// variable; an empty variable counts as unset, because composite actions pass
// every input, given or not.
type Inputs struct {
	args   []string
	env    *gha.Action // only its GetInput: GitHub's name mapping and trimming
	fs     *flag.FlagSet
	list   []*input
	byName map[string]*input
	mask   func(string)
	out    io.Writer
	parsed bool

	outputs []OutputSpec
}

// InputsOption configures NewInputs.
type InputsOption func(*Inputs)

// WithMasker sets the function that hides secret values from logs; Parse
// calls it for every Secret input before it validates anything.
// Action.Inputs wires it to Action.AddMask.
func WithMasker(mask func(secret string)) InputsOption {
	return func(in *Inputs) { in.mask = mask }
}

// WithUsageOutput sets where -h and flag syntax errors print (default
// os.Stderr).
func WithUsageOutput(w io.Writer) InputsOption {
	return func(in *Inputs) { in.out = w }
}

// NewInputs reads flags from args (without the program name) and variables
// through getenv.
func NewInputs(args []string, getenv func(string) string, opts ...InputsOption) *Inputs {
	in := &Inputs{
		args:   args,
		env:    gha.New(gha.WithGetenv(getenv), gha.WithWriter(io.Discard)),
		fs:     flag.NewFlagSet("inputs", flag.ContinueOnError),
		byName: map[string]*input{},
		mask:   func(string) {},
		out:    os.Stderr,
	}
	for _, o := range opts {
		o(in)
	}
	in.fs.SetOutput(in.out)
	in.fs.Usage = in.usage
	return in
}

// InputOption refines one input.
type InputOption func(*input)

// Required makes an unset or empty input an error.
func Required() InputOption { return func(i *input) { i.required = true } }

// AllowedValues restricts a String or each item of a List or Lines input.
func AllowedValues(v ...string) InputOption { return func(i *input) { i.allowed = v } }

// Secret masks the value with ::add-mask:: and keeps it out of every error.
func Secret() InputOption { return func(i *input) { i.secret = true } }

type input struct {
	name, usage, kind, def string
	required, secret       bool
	allowed                []string
	raw                    rawValue
	// set stores the parsed raw value; it returns nil or a *badValue.
	set func(raw string) error
}

// badValue names the offending value (an item, for lists) and what is wrong.
type badValue struct{ value, problem string }

func (b *badValue) Error() string { return strconv.Quote(b.value) + " " + b.problem }

// rawValue is the flag.Value of every input: parsing happens in Parse, so
// all problems are collected rather than stopping at the first.
type rawValue struct {
	s     string
	isSet bool
	bool  bool
	// listy inputs append repeated flags instead of replacing.
	listy bool
}

func (r *rawValue) String() string { return r.s }

func (r *rawValue) Set(s string) error {
	if r.listy && r.isSet {
		r.s += "\n" + s
	} else {
		r.s = s
	}
	r.isSet = true
	return nil
}

func (r *rawValue) IsBoolFlag() bool { return r.bool }

func (in *Inputs) add(name, kind, def, usage string, opts []InputOption, set func(string) error) *input {
	if _, dup := in.byName[name]; dup {
		panic(fmt.Sprintf("action: input %q declared twice", name))
	}
	i := &input{name: name, kind: kind, def: def, usage: usage, set: set}
	for _, o := range opts {
		o(i)
	}
	i.raw.bool = kind == "bool"
	i.raw.listy = kind == "list" || kind == "lines"
	in.list = append(in.list, i)
	in.byName[name] = i
	in.fs.Var(&i.raw, name, usage)
	return i
}

// String declares a text input.
func (in *Inputs) String(name, def, usage string, opts ...InputOption) *string {
	p := new(string)
	*p = def
	var i *input
	i = in.add(name, "string", def, usage, opts, func(raw string) error {
		if err := i.checkAllowed(raw); err != nil {
			return err
		}
		*p = raw
		return nil
	})
	return p
}

// Enum declares a text input that must be one of allowed.
func (in *Inputs) Enum(name, def string, allowed []string, usage string, opts ...InputOption) *string {
	return in.String(name, def, usage, append(opts, AllowedValues(allowed...))...)
}

// Bool declares a boolean input. It accepts the booleans of GitHub's YAML 1.2
// core schema; as a flag, -name alone means true.
func (in *Inputs) Bool(name string, def bool, usage string, opts ...InputOption) *bool {
	p := new(bool)
	*p = def
	in.add(name, "bool", strconv.FormatBool(def), usage, opts, func(raw string) error {
		switch raw {
		case "true", "True", "TRUE":
			*p = true
		case "false", "False", "FALSE":
			*p = false
		default:
			return &badValue{raw, "is not a boolean: use true or false"}
		}
		return nil
	})
	return p
}

// Int declares a whole-number input.
func (in *Inputs) Int(name string, def int, usage string, opts ...InputOption) *int {
	p := new(int)
	*p = def
	in.add(name, "int", strconv.Itoa(def), usage, opts, func(raw string) error {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return &badValue{raw, "is not an integer: use a whole number such as 10"}
		}
		*p = n
		return nil
	})
	return p
}

// Duration declares a duration input: Go durations ("36h", "1h30m") plus
// days and weeks ("90d", "2w", "1w2d12h").
func (in *Inputs) Duration(name string, def time.Duration, usage string, opts ...InputOption) *time.Duration {
	p := new(time.Duration)
	*p = def
	in.add(name, "duration", formatDuration(def), usage, opts, func(raw string) error {
		d, err := ParseDuration(raw)
		if err != nil {
			return &badValue{raw, "is not a duration: use a number and a unit (ns, us, ms, s, m, h, d, w) such as 90m, 36h, 90d or 2w"}
		}
		*p = d
		return nil
	})
	return p
}

// List declares an input of items separated by commas and/or newlines;
// items are trimmed and empty ones dropped. As a flag it may be repeated.
func (in *Inputs) List(name string, def []string, usage string, opts ...InputOption) *[]string {
	return in.items(name, "list", def, usage, opts, splitList)
}

// Lines declares a multi-line input: one item per line, trimmed, empty lines
// dropped (commas are kept). As a flag it may be repeated.
func (in *Inputs) Lines(name string, def []string, usage string, opts ...InputOption) *[]string {
	return in.items(name, "lines", def, usage, opts, splitLines)
}

func (in *Inputs) items(name, kind string, def []string, usage string, opts []InputOption, split func(string) []string) *[]string {
	p := new([]string)
	*p = append([]string(nil), def...)
	var i *input
	i = in.add(name, kind, strings.Join(def, ","), usage, opts, func(raw string) error {
		items := split(raw)
		var errs []error
		for _, it := range items {
			errs = append(errs, i.checkAllowed(it))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		*p = items
		return nil
	})
	return p
}

func splitList(s string) []string {
	return splitLines(strings.ReplaceAll(s, ",", "\n"))
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (i *input) checkAllowed(v string) error {
	if len(i.allowed) == 0 {
		return nil
	}
	for _, a := range i.allowed {
		if v == a {
			return nil
		}
	}
	return &badValue{v, "is not one of " + strings.Join(i.allowed, ", ")}
}

// EnvName is the variable that carries input name in a runner.
func EnvName(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// Parse reads flags, then variables for inputs no flag set, and validates
// every input, returning all problems at once. With -h it prints the usage
// and returns flag.ErrHelp (Action.Fail turns that into exit code 0).
func (in *Inputs) Parse() error {
	if in.parsed {
		return errors.New("action: Inputs.Parse called twice")
	}
	in.parsed = true
	if err := in.fs.Parse(in.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w (run with -h to list the inputs)", err)
	}
	if rest := in.fs.Args(); len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q: inputs are given as flags, like -name=value (run with -h to list them)", rest[0])
	}
	raws := make([]string, len(in.list))
	for n, i := range in.list {
		raws[n] = in.resolve(i)
		// Before anything else can print it: masking happens first.
		if i.secret && raws[n] != "" {
			in.mask(raws[n])
		}
	}
	var errs []error
	for n, i := range in.list {
		errs = append(errs, i.validate(raws[n]))
	}
	return errors.Join(errs...)
}

// resolve picks the flag, else the variable, else "" (the default stays).
func (in *Inputs) resolve(i *input) string {
	raw := in.env.GetInput(i.name)
	if i.raw.isSet {
		raw = i.raw.s
	}
	// A list of nothing but separators is as empty as an empty string.
	cut := " \t\r\n"
	if i.kind == "list" {
		cut += ","
	}
	if strings.Trim(raw, cut) == "" {
		return ""
	}
	if i.raw.listy {
		return raw // items are trimmed one by one
	}
	return strings.TrimSpace(raw)
}

func (i *input) validate(raw string) error {
	if raw == "" {
		if i.required {
			return fmt.Errorf("input %q is required: pass -%s or set %s", i.name, i.name, EnvName(i.name))
		}
		return nil
	}
	err := i.set(raw)
	if err == nil {
		return nil
	}
	var errs []error
	for _, e := range flatten(err) {
		b, ok := e.(*badValue)
		if !ok {
			errs = append(errs, &InputError{Input: i.name, Err: e})
			continue
		}
		shown := strconv.Quote(b.value)
		if i.secret {
			shown = "the value (secret, not shown)"
		}
		errs = append(errs, &InputError{Input: i.name, Err: errors.New(shown + " " + b.problem)})
	}
	return errors.Join(errs...)
}

func (in *Inputs) usage() {
	w := in.out
	fmt.Fprintln(w, "Inputs: each is a -flag or, in a GitHub Actions runner, an INPUT_<NAME> variable; a flag wins.")
	for _, i := range in.list {
		arg := i.kind
		if i.kind == "bool" {
			arg = "[=true|false]"
		} else {
			arg = " " + arg
		}
		fmt.Fprintf(w, "  -%s%s\n", i.name, arg)
		if i.usage != "" {
			fmt.Fprintf(w, "    \t%s\n", strings.ReplaceAll(i.usage, "\n", "\n    \t"))
		}
		fmt.Fprintf(w, "    \t%s\n", strings.Join(i.facts(), "; "))
	}
}

func (i *input) facts() []string {
	var f []string
	if i.required {
		f = append(f, "required")
	} else {
		f = append(f, "default "+strconv.Quote(i.def))
	}
	if len(i.allowed) > 0 {
		what := "one of "
		if i.kind == "list" || i.kind == "lines" {
			what = "items from "
		}
		f = append(f, what+strings.Join(i.allowed, ", "))
	}
	switch i.kind {
	case "list":
		f = append(f, "separated by commas or newlines")
	case "lines":
		f = append(f, "one per line")
	case "duration":
		f = append(f, "units ns, us, ms, s, m, h, d, w")
	}
	if i.secret {
		f = append(f, "secret")
	}
	return append(f, "env "+EnvName(i.name))
}

// Output declares a step output. Declared outputs are part of the Spec that
// action.yml is checked against, and once any is declared SetOutput refuses
// a name that is not.
func (in *Inputs) Output(name, description string) {
	for _, o := range in.outputs {
		if o.Name == name {
			panic(fmt.Sprintf("action: output %q declared twice", name))
		}
	}
	in.outputs = append(in.outputs, OutputSpec{Name: name, Description: description})
}

// Spec is what a step declares: the facts its action.yml must repeat.
type Spec struct {
	Inputs  []InputSpec
	Outputs []OutputSpec
}

// InputSpec is one declared input. Default is the value as action.yml
// writes it: booleans as true/false, lists joined by commas.
type InputSpec struct {
	Name, Default, Usage string
	Required, Secret     bool
}

// OutputSpec is one declared output.
type OutputSpec struct{ Name, Description string }

// Spec returns the declarations in the order they were made.
func (in *Inputs) Spec() Spec {
	var s Spec
	for _, i := range in.list {
		s.Inputs = append(s.Inputs, InputSpec{Name: i.name, Default: i.def, Usage: i.usage, Required: i.required, Secret: i.secret})
	}
	s.Outputs = append(s.Outputs, in.outputs...)
	return s
}

func (in *Inputs) declaresOutput(name string) bool {
	if len(in.outputs) == 0 {
		return true
	}
	for _, o := range in.outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}
