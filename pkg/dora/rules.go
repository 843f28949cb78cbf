package dora

import "fmt"

// rules states the rules in force in sentences for the report and the step
// summary, so a reader knows what was counted.
func rules(s settings, branch string) []string {
	var r []string
	switch {
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
	r = append(r,
		fmt.Sprintf("A deployment failed when a later one reverts one of its commits (This reverts commit <sha>), names it in a Fixes-deployment: <name> trailer (in a commit or in its annotated tag's message, as a rollback does), or is a hotfix (tag matching %q or a Hotfix: true trailer) following it.", s.hotfixPattern),
		"Recovery time runs from a failed deployment to the first later deployment carrying its fix; that deployment is rework.",
		"Only deployments up to the window's end count, so later fixes do not change the window; commits older than the window still count for the deployments inside it.",
		"Median; p90 by nearest rank; a window without deployments has no data (null), not zero.",
		"Bands: "+BandsSource+"; the rework rate has no band there.",
	)
	return r
}
