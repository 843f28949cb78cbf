// Package dora computes the five DORA software delivery metrics from a git
// repository's own history, and with source github from GitHub's data
// that the caller reads and passes in (GitHubData). The same repository
// state (and data) always gives the same report: nothing depends on the
// wall clock, and this package calls no service.
//
// Decisions (each is also stated in Report.Rules):
//
//   - Deployments, tags mode: each tag matching tag-pattern, peeled to its
//     commit, deployed at the tagger date of an annotated tag (the outermost
//     one for a tag of a tag), else at the commit's committer date; ordered
//     by (deploy time, tag name). Two tags on one commit are two
//     deployments; the second gets no commits, since the first took them.
//     With branch set, tags whose commit the branch does not reach are
//     listed in ignored_tags. Branch mode: every first-parent commit of the
//     branch, oldest first in the branch's order, deployed at its committer
//     time, named by its first 12 hex digits. Source github: each
//     deployment of the Deployments API to the environment that has a
//     success status, deployed at the first success status's time, named
//     deployment-<id>, ordered by (deploy time, name). Its commit must be in
//     the history read from HEAD (and branch); a deployment without a
//     success status or whose commit is not there is listed in
//     ignored_deployments with the reason. Tags are then no deployments.
//   - Attribution: deployments in order; each walks its history (all
//     parents) and takes every commit no earlier deployment took. Each
//     commit is visited once in total. Commits are attributed whatever the
//     window: a deployment inside the window keeps its commits from before
//     the window start, and their lead times count.
//   - Window: deploy times in (until - window, until]. until defaults to
//     HEAD's committer time, or the tagger date of an annotated tag
//     matching tag-pattern on HEAD when later (a release workflow runs on the tagged HEAD, and its tag is
//     younger than its commit); with source github, the latest status or
//     incident time in GitHub's data when later still (a deployment of HEAD
//     succeeds after HEAD was committed). Deployments after until are dropped before
//     anything else: the report is what was known at until, so a fix that
//     came later does not make a deployment in the window failed.
//   - Lead time: deploy time minus the commit's author time (commit-time:
//     author, the default: rebases and amends rewrite committer dates to
//     the rebase, which would shorten lead times) or committer time.
//     Commits dated after their deployment (clock skew) are left out and
//     counted in skewed_commits; a lead time is never negative. A merge
//     commit is one commit; exclude-merges leaves merges out of lead time
//     (they stay attributed). A squash merge has only the squash's dates;
//     with source github a commit with one parent that a pull request was
//     merged as (GitHubData.Pulls; SquashCandidates lists the commits worth
//     looking up: one-parent commits on each in-window deployment's first
//     parent chain, within what it took) starts instead at the earliest
//     author (or committer, by commit-time) time of the pull request's
//     commits, so lead time survives squash merges. A merge commit is not
//     replaced: the pull request's own commits come with it.
//   - Failure: a deployment A failed when a later deployment (1) carries a
//     commit whose message says "This reverts commit <sha>" (7 to 40 hex
//     digits, unambiguous) for a commit attributed to A, (2) is a hotfix
//     (tag matching hotfix-pattern, or a commit with the trailer
//     "Hotfix: true", key and value case-insensitive) and A is the
//     deployment just before it, unless (3) the hotfix names deployments in
//     "Fixes-deployment: <name>" trailers, which then are the failed ones.
//     Such a trailer in any later deployment marks the named one failed,
//     in one of its commits or in its annotated tag's message (a rollback
//     carries no commit of its own: the deploy action tags it with
//     "Fixes-deployment: <the failed one>"). A revert inside the deployment
//     that introduced the commit is no failure. Trailers are read from the
//     message's last paragraph.
//   - Recovery time: from the failed deployment to the first later
//     deployment carrying its fix; that deployment is rework (rework rate).
//   - Source github adds two failure rules, applied to deployments the git
//     rules above left standing: (4) a failure or error status after the
//     success status (cause deployment-status), (5) an incident: an issue
//     with the incident label created at or after the deploy time and
//     before the next deployment's (cause incident; the first such issue is
//     named). Both count only up to until. Recovery ends at the incident's
//     closed_at when it was closed by until, else (and for a status) at the
//     next deployment, which is then rework; the last deployment with an
//     open incident has no recovery yet.
//   - Statistics: median (mean of the two middle values for an even
//     count), p90 by nearest rank (the value at rank ceil(0.9 n) of the
//     sorted sample), mean, n. No deployments in the window: null values,
//     never 0. Change fail and rework rates carry n = deployments and mean =
//     the rate.
//   - Bands: the 2024 Accelerate State of DevOps report (see bands.go).
//   - Unreadable dates: a commit whose author or committer line has no
//     readable date takes the other one's; with neither it is undated and
//     left out of lead times. An annotated tag whose tagger date cannot be
//     read is deployed at its commit's committer time. Each is a warning
//     naming the object in Report.Warnings, and the run goes on. Tags that
//     do not match tag-pattern are never read, so a broken one cannot fail
//     the run.
//   - Shallow clones fail with the fix (fetch-depth: 0) unless
//     allow-shallow, where the report says shallow and how many commits it
//     saw.
//
// Performance: pkg/history reads each commit object once (in parallel with
// a commit-graph file); BenchmarkCompute100k compares Compute with
// git log --all --format='%H %P %at %ct'. A commit-graph file is not
// required: without one the history is read in one sequential walk.
package dora
