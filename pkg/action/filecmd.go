package action

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// File commands are written here rather than with go-githubactions'
// SetOutput/AddStepSummary: those panic when the file is missing and use the
// fixed heredoc delimiter "_GitHubActionsFileCommandDelimeter_", so a value
// holding that line would end the value early and inject further outputs.
// We use a random delimiter, as actions/toolkit does.

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// SetOutput sets the step output name. In a runner it appends to the
// GITHUB_OUTPUT file, and a missing or unwritable file is an error. On a
// laptop it prints name=value to stdout, or name<<EOF ... EOF for a value
// spanning lines.
func (a *Action) SetOutput(name, value string) error {
	if !outputName.MatchString(name) {
		return fmt.Errorf("output name %q is invalid: use letters, digits, '_' and '-', starting with a letter or '_'", name)
	}
	a.mu.Lock()
	declared := a.declared == nil || a.declared.declaresOutput(name)
	a.mu.Unlock()
	if !declared {
		return fmt.Errorf("output %q is not declared: declare it with Inputs.Output so action.yml can be checked against it", name)
	}
	if !a.InRunner() {
		return a.print(laptopOutput(name, value))
	}
	delim, err := delimiter(value)
	if err != nil {
		return err
	}
	return a.appendFileCommand("GITHUB_OUTPUT", "output "+strconv.Quote(name),
		name+"<<"+delim+"\n"+value+"\n"+delim+"\n")
}

// Output is one step output, for SetOutputs.
type Output struct{ Name, Value string }

// SetOutputs sets each output in order and stops at the first error.
func (a *Action) SetOutputs(outs ...Output) error {
	for _, o := range outs {
		if err := a.SetOutput(o.Name, o.Value); err != nil {
			return err
		}
	}
	return nil
}

// AddSummary appends markdown to the job summary: the GITHUB_STEP_SUMMARY
// file in a runner (an error if missing or unwritable), stdout on a laptop.
func (a *Action) AddSummary(markdown string) error {
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	if !a.InRunner() {
		return a.print(markdown)
	}
	return a.appendFileCommand("GITHUB_STEP_SUMMARY", "the job summary", markdown)
}

func (a *Action) print(s string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.stdout.Write([]byte(s)); err != nil {
		return fmt.Errorf("writing to stdout: %w", err)
	}
	return nil
}

// laptopOutput is readable for people and still parseable as the runner's
// format.
func laptopOutput(name, value string) string {
	if !strings.Contains(value, "\n") {
		return name + "=" + value + "\n"
	}
	delim := "EOF"
	for n := 1; hasLine(value, delim); n++ {
		delim = "EOF" + strconv.Itoa(n)
	}
	return name + "<<" + delim + "\n" + value + "\n" + delim + "\n"
}

func hasLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func delimiter(value string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making a delimiter for GITHUB_OUTPUT: %w", err)
	}
	d := "ghadelimiter_" + hex.EncodeToString(b[:])
	if strings.Contains(value, d) { // 2^-128; refuse rather than corrupt
		return "", errors.New("output value contains the random delimiter; try again")
	}
	return d, nil
}

// appendFileCommand appends record with a single write, so concurrent
// writers of the same file (other steps' processes) cannot interleave it.
func (a *Action) appendFileCommand(envVar, what, record string) error {
	path := a.getenv(envVar)
	if path == "" {
		return fmt.Errorf("cannot write %s: %s is not set although GITHUB_ACTIONS=true; the runner sets it for every step, so run under a current runner (or act), or unset GITHUB_ACTIONS to print to stdout", what, envVar)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0) // no O_CREATE: the runner creates it, as actions/toolkit checks
	if err != nil {
		return fmt.Errorf("cannot write %s to %s file %q: %w", what, envVar, path, err)
	}
	_, werr := f.Write([]byte(record))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("cannot write %s to %s file %q: %w", what, envVar, path, err)
	}
	return nil
}
