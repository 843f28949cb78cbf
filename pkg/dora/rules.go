package dora

import "fmt"

// rules states the rules in force in sentences for the report and the step
// summary, so a reader knows what was counted.
func rules(s settings, branch string, cfg Config) []string {
	var r []string
	switch {
	case s.github:
		r = append(r, fmt.Sprintf("A deployment is each GitHub deployment to environment %s with a success status, deployed at that status's time; its commit must be in the history read from HEAD, else it is listed in ignored_deployments.", cfg.Environment))
	case s.branchMode:
		r = append(r, fmt.Sprintf("A deployment is each first-parent commit of branch %s, deployed at its committer time.", branch))
	case branch != "":
		r = append(r, fmt.Sprintf("A deployment is each tag matching %q whose commit is on branch %s, deployed at the tagger date of an annotated tag, else at the commit's committer time.", s.tagPattern, branch))
	default:
		r = append(r, fmt.Sprintf("A deployment is each tag matching %q, deployed at the tagger date of an annotated tag, else at the commit's committer time.", s.tagPattern))
	}
	when := "author"
	if s.committerTime {
		when = "committer"
	}
	r = append(r,
		"Each commit belongs to the first deployment whose history contains it; a merge commit counts once.",
		fmt.Sprintf("Lead time is the deploy time minus the commit's %s time; commits dated after their deployment (clock skew) are left out and counted.", when),
	)
	if s.excludeMerges {
		r = append(r, "Merge commits are left out of lead time.")
	}
	if s.github {
		r = append(r, fmt.Sprintf("A commit a pull request was squash-merged as starts its lead time at the %s time of the pull request's earliest commit.", when))
	}
	r = append(r,
		fmt.Sprintf("A deployment failed when a later one reverts one of its commits (This reverts commit <sha>), names it in a Fixes-deployment: <name> trailer (in a commit or in its annotated tag's message, as a rollback does), or is a hotfix (tag matching %q or a Hotfix: true trailer) following it.", s.hotfixPattern),
		"Recovery time runs from a failed deployment to the first later deployment carrying its fix; that deployment is rework.",
	)
	if s.github {
		incidents := "no incident label is set, so no incidents are read"
		if cfg.IncidentLabel != "" {
			incidents = fmt.Sprintf("an issue labelled %q opened at or after its deploy time and before the next deployment says so; recovery then ends when that issue was closed", cfg.IncidentLabel)
		}
		r = append(r, "Without an until input the window ends at the latest of HEAD's committer time and the times in GitHub's data (statuses, incidents), so a deployment of HEAD is in.")
		r = append(r, fmt.Sprintf("With GitHub's data a deployment also failed when a failure or error status follows its success, or when %s; without a close (or for a status), recovery ends at the next deployment, which is rework.", incidents))
	}
	r = append(r,
		"Only deployments up to the window's end count, so later fixes do not change the window; commits older than the window still count for the deployments inside it.",
		"Median; p90 by nearest rank; a window without deployments has no data (null), not zero.",
		"Bands: "+BandsSource+"; the rework rate has no band there.",
	)
	return r
}
