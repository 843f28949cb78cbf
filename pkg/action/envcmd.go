package action

import (
	"fmt"
	"regexp"
	"strings"
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ExportVariable sets name=value for the job's later steps (GITHUB_ENV),
// not for this process. On a laptop there are no later steps, so it prints
// a shell `export` line on stdout for the user to eval. A secret in value
// must be masked (AddMask) before: the runner echoes nothing, but the
// laptop line carries the value, since that line is the step's data.
func (a *Action) ExportVariable(name, value string) error {
	if !envName.MatchString(name) {
		return fmt.Errorf("variable name %q is invalid: use letters, digits and '_', not starting with a digit", name)
	}
	if !a.InRunner() {
		return a.print("export " + name + "=" + shellQuote(value) + "\n")
	}
	delim, err := delimiter(value)
	if err != nil {
		return err
	}
	return a.appendFileCommand("GITHUB_ENV", "variable "+name, name+"<<"+delim+"\n"+value+"\n"+delim+"\n")
}

// AddPath puts dir first on PATH for the job's later steps (GITHUB_PATH).
// On a laptop it prints the `export PATH=` line.
func (a *Action) AddPath(dir string) error {
	if dir == "" || strings.ContainsAny(dir, "\r\n") {
		return fmt.Errorf("directory %q cannot go on PATH: it is empty or spans lines", dir)
	}
	if !a.InRunner() {
		return a.print("export PATH=" + shellQuote(dir) + `:"$PATH"` + "\n")
	}
	return a.appendFileCommand("GITHUB_PATH", "PATH entry", dir+"\n")
}

// shellQuote quotes s for POSIX sh: inside single quotes only ' itself
// needs care.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
