package action_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportVariableRunner(t *testing.T) {
	r := newRig(t, true)
	dir := t.TempDir()
	r.env["GITHUB_ENV"] = filepath.Join(dir, "set_env_1")
	r.env["GITHUB_PATH"] = filepath.Join(dir, "add_path_1")
	for _, k := range []string{"GITHUB_ENV", "GITHUB_PATH"} {
		if err := os.WriteFile(r.env[k], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A value whose lines look like further records must stay one value.
	value := "a = 1\nEVIL=2\nghadelimiter_x\n"
	if err := r.a.ExportVariable("NIX_CONFIG", value); err != nil {
		t.Fatal(err)
	}
	if err := r.a.AddPath("/nix/var/nix/profiles/default/bin"); err != nil {
		t.Fatal(err)
	}
	got := runnerOutputs(t, r.file(t, "GITHUB_ENV"))
	if len(got) != 1 || got["NIX_CONFIG"] != value {
		t.Fatalf("GITHUB_ENV read back as %q, want only NIX_CONFIG=%q", got, value)
	}
	if p := r.file(t, "GITHUB_PATH"); p != "/nix/var/nix/profiles/default/bin\n" {
		t.Fatalf("GITHUB_PATH = %q", p)
	}
	if r.stdout.Len() != 0 {
		t.Fatalf("the runner's log got %q: GITHUB_ENV values belong in the file only", r.stdout.String())
	}
	for _, bad := range []string{"", "1X", "A-B", "A\nB"} {
		if err := r.a.ExportVariable(bad, "v"); err == nil {
			t.Errorf("ExportVariable(%q) succeeded", bad)
		}
	}
	if err := r.a.AddPath("a\nb"); err == nil {
		t.Error("AddPath of a two-line directory succeeded")
	}
}

func TestExportVariableLaptopEvals(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	r := newRig(t, false)
	value := "it's = \"x\" $HOME `y`\nsecond line"
	if err := r.a.ExportVariable("V", value); err != nil {
		t.Fatal(err)
	}
	if err := r.a.AddPath("/opt/my dir"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", r.stdout.String()+`printf '%s|%s' "$V" "${PATH%%:*}"`).Output()
	if err != nil {
		t.Fatalf("sh could not eval %q: %v", r.stdout.String(), err)
	}
	if want := value + "|/opt/my dir"; string(out) != want {
		t.Fatalf("sh read %q, want %q", out, want)
	}
	if strings.Contains(r.stderr.String(), "V") {
		t.Fatalf("stderr got %q", r.stderr.String())
	}
}
