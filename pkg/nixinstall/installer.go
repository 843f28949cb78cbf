package nixinstall

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Layout is an unpacked release: nix-<version>-<system>/ with its install
// script and store/.
func Layout(dir, version, system string) string {
	return filepath.Join(dir, "nix-"+version+"-"+system)
}

// InstallArgs are the installer's arguments: a multi-user install with the
// daemon where systemd runs it (or on macOS, where it is the only kind),
// a single-user one elsewhere (containers); never a prompt, never the
// nixpkgs channel, which flakes do not need and which costs a download.
func InstallArgs(systemd bool, goos string) []string {
	mode := "--no-daemon"
	if systemd || goos == "darwin" {
		mode = "--daemon"
	}
	return []string{mode, "--yes", "--no-channel-add"}
}

// BinDir is where the installer leaves nix: the default profile for a
// daemon install, the user's profile for a single-user one.
func BinDir(args []string, home string) string {
	if len(args) > 0 && args[0] == "--daemon" {
		return "/nix/var/nix/profiles/default/bin"
	}
	return filepath.Join(home, ".nix-profile/bin")
}

// RunInstaller runs the release's own install script in layout with args
// and env, its output going to out.
func RunInstaller(ctx context.Context, layout string, args, env []string, out io.Writer) error {
	script := filepath.Join(layout, "install")
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("the tarball has no install script: %w", err)
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{script}, args...)...)
	cmd.Dir = layout
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the Nix installer (%s %v) failed: %w", script, args, err)
	}
	return nil
}
