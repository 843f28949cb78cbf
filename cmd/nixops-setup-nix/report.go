package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/nixconf"
)

// report hands the settings to the job's later steps, then sets the
// outputs and writes the summary. Secrets were masked before.
func report(a *action.Action, r *result, nixConfig string) error {
	if err := a.ExportVariable("NIX_CONFIG", nixConfig); err != nil {
		return err
	}
	if !onPath(r.nix.BinDir, a.Getenv("PATH")) {
		if err := a.AddPath(r.nix.BinDir); err != nil {
			return err
		}
	}
	total := time.Since(r.start)
	err := a.SetOutputs(
		action.Output{Name: "nix-version", Value: r.nix.Version.String()},
		action.Output{Name: "mode", Value: r.mode},
		action.Output{Name: "bin-dir", Value: r.nix.BinDir},
		action.Output{Name: "store-dir", Value: r.storeDir},
		action.Output{Name: "seconds", Value: seconds(total)},
		action.Output{Name: "cache-dir", Value: r.cacheDir},
		action.Output{Name: "cache-key", Value: r.cacheKey},
	)
	if err != nil {
		return err
	}
	a.Infof("Nix %s %s at %s in %ss", r.nix.Version, r.mode, r.nix.Bin, seconds(total))
	return a.AddSummary(summary(r, total))
}

func summary(r *result, total time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Nix %s (%s)\n\n", r.nix.Version, r.mode)
	fmt.Fprintf(&b, "`%s` in %ss, store `%s`.\n\n", r.nix.Bin, seconds(total), r.storeDir)
	b.WriteString("| Step | Seconds |\n|---|---|\n")
	for _, t := range r.timings {
		fmt.Fprintf(&b, "| %s | %s |\n", t.what, seconds(t.d))
	}
	b.WriteString("\nSettings for this job (NIX_CONFIG, tokens masked):\n\n")
	text := nixconf.Render("", r.settings)
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(&b, "%s\n%s%s\n", fence, text, fence)
	if r.cacheKey != "" {
		fmt.Fprintf(&b, "\nBinary cache %s, restored next under key %s.\n", markdown.Code(r.cacheDir), markdown.Code(r.cacheKey))
	}
	if len(r.ignored) > 0 {
		b.WriteString("\n**Ignored by the Nix daemon** (this user is not trusted):\n\n")
		for _, ig := range r.ignored {
			fmt.Fprintf(&b, "- `%s`: %s\n", ig.Setting.Name, ig.Fix)
		}
	}
	return b.String()
}
