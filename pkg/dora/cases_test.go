package dora

// Every expected number below is derived by hand from the dates the case
// sets. Hours are after t0 = 2024-01-01T00:00Z; h = 3600 s, d = 86400 s.
// Unless a case says otherwise the window is the default 90d ending at
// HEAD's committer time (or the later tagger date of an annotated tag on
// HEAD), so every deployment is inside it and the frequency is n/90 per
// day. p90 is nearest-rank: the value at rank ceil(0.9 n) of the sorted
// sample. Bands (DORA 2024): frequency below once a month (1 or 2 in 90
// days) is low, at least once a month (3 in 90 days, 1 in 30) medium; lead
// time < 1 day elite; fail rate 0 elite, > 20% low; recovery < 1 day high.
var computeCases = []computeCase{
	{
		// c1@0 c2@2, v1 annotated @3 on c2; c3@4 c4@5, v2 lightweight on c4
		// (deploy time = c4's committer time, 5h).
		// v1 = {c1,c2}: leads 3h,1h -> median 2h, p90 rank 2 = 3h, mean 2h.
		// v2 = {c3,c4}: leads 1h,0 -> median 30m, p90 1h, mean 30m.
		// All leads [0,1h,1h,3h]: median 1h, p90 rank 4 = 3h, mean 4500.
		// One gap: 5h-3h = 2h.
		name: "annotated and lightweight tags",
		build: func(r *gitRepo) {
			r.commit("one", 0)
			r.commit("two", 2)
			r.annotated("v1", "HEAD", 3)
			r.commit("three", 4)
			r.commit("four", 5)
			r.lightweight("v2", "HEAD")
		},
		want: want{
			deps: []wantDep{
				{name: "v1", commits: 2, time: "2024-01-01T03:00:00Z", lead: []float64{2 * h, 3 * h, 2 * h, 2}},
				{name: "v2", commits: 2, time: "2024-01-01T05:00:00Z", lead: []float64{h / 2, h, h / 2, 2}},
			},
			perDay: 2.0 / 90, gaps: []float64{2 * h, 2 * h, 2 * h, 1},
			lead:     []float64{h, 3 * h, 4500, 4},
			failRate: 0, reworkRate: 0, commitsSeen: 4,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// c1@0 c2@1, lightweight v1.0.0 and v1.0.0-rc both on c2 (1h). Same
		// time, so ordered by name: v1.0.0 first takes {c1,c2} (leads 1h,0);
		// v1.0.0-rc finds everything attributed and gets no commits.
		name: "two tags on one commit",
		build: func(r *gitRepo) {
			r.commit("one", 0)
			r.commit("two", 1)
			r.lightweight("v1.0.0-rc", "HEAD")
			r.lightweight("v1.0.0", "HEAD")
		},
		want: want{
			deps: []wantDep{
				{name: "v1.0.0", commits: 2, lead: []float64{h / 2, h, h / 2, 2}},
				{name: "v1.0.0-rc", commits: 0, lead: nil},
			},
			perDay: 2.0 / 90, gaps: []float64{0, 0, 0, 1},
			lead:     []float64{h / 2, h, h / 2, 2},
			failRate: 0, reworkRate: 0, commitsSeen: 2,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// c1 at 10:00+05:30 = 04:30Z; c2 at 2023-12-31 22:00-08:00 = 06:00Z;
		// v1 tagged at 12:00+05:30 = 06:30Z (and HEAD's tag, so until).
		// Leads: 2h and 30m -> median 4500, p90 rank 2 = 2h, mean 4500.
		name: "time zones",
		build: func(r *gitRepo) {
			r.commitAt("one", "2024-01-01T10:00:00+05:30", "2024-01-01T10:00:00+05:30")
			r.commitAt("two", "2023-12-31T22:00:00-08:00", "2023-12-31T22:00:00-08:00")
			r.annotatedAt("v1", "HEAD", "2024-01-01T12:00:00+05:30")
		},
		want: want{
			deps:   []wantDep{{name: "v1", commits: 2, time: "2024-01-01T06:30:00Z", lead: []float64{4500, 2 * h, 4500, 2}}},
			perDay: 1.0 / 90, lead: []float64{4500, 2 * h, 4500, 2},
			failRate: 0, reworkRate: 0, commitsSeen: 2,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// c1@0; c2 authored @10h (a clock ahead) but committed @1h; v1 @2h.
		// Author time: c2 is after its deployment -> left out, skewed 1;
		// c1's lead 2h is the only sample.
		name:  "clock skew, author time",
		build: skewRepo,
		want: want{
			deps:   []wantDep{{name: "v1", commits: 2, lead: []float64{2 * h, 2 * h, 2 * h, 1}}},
			perDay: 1.0 / 90, lead: []float64{2 * h, 2 * h, 2 * h, 1}, skewed: 1,
			failRate: 0, reworkRate: 0, commitsSeen: 2,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// Same repository by committer time: c2 lead 2h-1h = 1h, c1 2h.
		// [1h,2h]: median 5400, p90 rank 2 = 2h, mean 5400; no skew.
		name:  "clock skew, committer time",
		build: skewRepo,
		cfg:   func(c *Config) { c.CommitTime = "committer" },
		want: want{
			deps:   []wantDep{{name: "v1", commits: 2, lead: []float64{5400, 2 * h, 5400, 2}}},
			perDay: 1.0 / 90, lead: []float64{5400, 2 * h, 5400, 2},
			failRate: 0, reworkRate: 0, commitsSeen: 2,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// c0@0, v0 @1h; c1 @day 1, c2 @day 50, c3 @day 100, v1 @day 100+1h.
		// Window 30d ending at v1 (the annotated tag on HEAD): (day 70+1h,
		// day 100+1h], so v0 is out but v1 keeps its commits from before
		// the window: c1 99d+1h = 8557200, c2 50d+1h = 4323600, c3 1h.
		// Median 4323600; p90 rank 3 = 8557200; mean 12884400/3 = 4294800.
		// Frequency 1/30 per day: medium (at least once a month); median
		// lead > 30 days: low.
		name: "window cuts a deployment's history",
		build: func(r *gitRepo) {
			r.commit("zero", 0)
			r.annotated("v0", "HEAD", 1)
			r.commit("one", 24)
			r.commit("two", 50*24)
			r.commit("three", 100*24)
			r.annotated("v1", "HEAD", 100*24+1)
		},
		cfg: func(c *Config) { c.Window = "30d" },
		want: want{
			deps:   []wantDep{{name: "v1", commits: 3, lead: []float64{4323600, 8557200, 4294800, 3}}},
			perDay: 1.0 / 30, lead: []float64{4323600, 8557200, 4294800, 3},
			failRate: 0, reworkRate: 0, commitsSeen: 4,
			bands: [4]string{"medium", "low", "elite", ""},
		},
	},
	{
		// No tags at all: no deployments, so every metric is null (no
		// data), never 0; not an error.
		name: "no tags",
		build: func(r *gitRepo) {
			r.commit("one", 0)
			r.commit("two", 1)
		},
		want: want{perDay: nan, failRate: nan, reworkRate: nan, commitsSeen: 2},
	},
	{
		// main: c1@0 c2@2, v1 @3 on c2, c3@6 with lightweight v2 (6h).
		// feature from c1: f1@4 with v1.1-feature @5. branch=main ignores
		// v1.1-feature. v1 {c1,c2} leads 3h,1h; v2 {c3} lead 0.
		// All [0,1h,3h]: median 1h, p90 rank 3 = 3h, mean 4800. Gap 3h.
		// Commits seen: c1 c2 c3 f1 (the ignored tag's commit is read).
		name:  "tag off the production branch, branch set",
		build: offBranchRepo,
		cfg:   func(c *Config) { c.Branch = "main" },
		want: want{
			deps: []wantDep{
				{name: "v1", commits: 2, lead: []float64{2 * h, 3 * h, 2 * h, 2}},
				{name: "v2", commits: 1, lead: []float64{0, 0, 0, 1}},
			},
			perDay: 2.0 / 90, gaps: []float64{3 * h, 3 * h, 3 * h, 1},
			lead:     []float64{h, 3 * h, 4800, 3},
			failRate: 0, reworkRate: 0, commitsSeen: 4,
			ignored: []string{"v1.1-feature: commit not reachable from branch main"},
			bands:   [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// Same repository without branch: v1.1-feature (5h) is a deployment
		// with {f1} (lead 1h). Gaps 2h, 1h: median 5400, p90 2h, mean 5400.
		// All [0,1h,1h,3h]: median 1h, p90 3h, mean 4500.
		name:  "tag off the production branch, no branch",
		build: offBranchRepo,
		want: want{
			deps: []wantDep{
				{name: "v1", commits: 2, lead: []float64{2 * h, 3 * h, 2 * h, 2}},
				{name: "v1.1-feature", commits: 1, lead: []float64{h, h, h, 1}},
				{name: "v2", commits: 1, lead: []float64{0, 0, 0, 1}},
			},
			perDay: 3.0 / 90, gaps: []float64{5400, 2 * h, 5400, 2},
			lead:     []float64{h, 3 * h, 4500, 4},
			failRate: 0, reworkRate: 0, commitsSeen: 4,
			bands: [4]string{"medium", "elite", "elite", ""},
		},
	},
	{
		// c1@0; topic f1@1 f2@2; c2@3; merge --no-ff M@4; v1 @5 on M.
		// v1 = {c1,f1,f2,c2,M}, each once: leads 5h,4h,3h,2h,1h ->
		// median 3h, p90 rank 5 = 5h, mean 3h.
		name:  "merge counted once",
		build: mergeRepo,
		want: want{
			deps:   []wantDep{{name: "v1", commits: 5, lead: []float64{3 * h, 5 * h, 3 * h, 5}}},
			perDay: 1.0 / 90, lead: []float64{3 * h, 5 * h, 3 * h, 5},
			failRate: 0, reworkRate: 0, commitsSeen: 5,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// exclude-merges drops M (1h): [2h,3h,4h,5h] -> median 3.5h = 12600,
		// p90 rank 4 = 5h, mean 12600. The merge is still attributed (5).
		name:  "exclude merges",
		build: mergeRepo,
		cfg:   func(c *Config) { c.ExcludeMerges = true },
		want: want{
			deps:   []wantDep{{name: "v1", commits: 5, lead: []float64{12600, 5 * h, 12600, 4}}},
			perDay: 1.0 / 90, lead: []float64{12600, 5 * h, 12600, 4},
			failRate: 0, reworkRate: 0, commitsSeen: 5,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// v1 {c1@0} @1; v2 {c2@2} @3; v3 {git revert c2 @4} @5.
		// v2 failed (revert), fixed by v3 at +2h; v3 is rework.
		// Leads all 1h. Fail rate 1/3 (low), rework 1/3, recovery 2h (high).
		name:  "revert",
		build: func(r *gitRepo) { threeReleases(r, func() { r.revert(r.names["c2"], 4) }, "v3") },
		want:  failureWant("v2", "revert", "v3", 2*h, false),
	},
	{
		// As "revert", but the fix is a hand-written commit naming c2 by a
		// 7-digit abbreviation.
		name: "revert with an abbreviated id",
		build: func(r *gitRepo) {
			threeReleases(r, func() {
				r.commit("Undo the cache\n\nThis reverts commit "+r.names["c2"][:7]+".", 4)
			}, "v3")
		},
		want: failureWant("v2", "revert", "v3", 2*h, false),
	},
	{
		// c1@0 c2@1, revert of c2 @2, v1 @3: the revert is in the same
		// deployment, so nothing deployed failed. Leads 3h,2h,1h.
		name: "revert inside one deployment",
		build: func(r *gitRepo) {
			r.commit("one", 0)
			c2 := r.commit("two", 1)
			r.revert(c2, 2)
			r.annotated("v1", "HEAD", 3)
		},
		want: want{
			deps:   []wantDep{{name: "v1", commits: 3, lead: []float64{2 * h, 3 * h, 2 * h, 3}}},
			perDay: 1.0 / 90, lead: []float64{2 * h, 3 * h, 2 * h, 3},
			failRate: 0, reworkRate: 0, commitsSeen: 3,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// Third release tagged v2.0.1-hotfix (hotfix-pattern *-hotfix*):
		// the deployment before it, v2, failed; recovery 5h-3h = 2h.
		name:  "hotfix tag",
		build: func(r *gitRepo) { threeReleases(r, func() { r.commit("fix the crash", 4) }, "v2.0.1-hotfix") },
		want:  failureWant("v2", "hotfix", "v2.0.1-hotfix", 2*h, true),
	},
	{
		// Third release v3 carries a commit with the trailer "hotfix: True"
		// (key and value case-insensitive): v2 failed, recovery 2h.
		name: "Hotfix: true trailer",
		build: func(r *gitRepo) {
			threeReleases(r, func() { r.commitAt("fix the crash", at(4), at(4), "--trailer", "hotfix: True") }, "v3")
		},
		want: failureWant("v2", "hotfix", "v3", 2*h, true),
	},
	{
		// The hotfix's commit says Fixes-deployment: v1, which wins over
		// "the deployment before the hotfix": v1 failed, v2 did not.
		// Recovery 5h-1h = 4h (high).
		name: "Fixes-deployment trailer",
		build: func(r *gitRepo) {
			threeReleases(r, func() { r.commitAt("fix the old crash", at(4), at(4), "--trailer", "Fixes-deployment: v1") }, "v2.0.1-hotfix")
		},
		want: failureWant("v1", "fixes-deployment", "v2.0.1-hotfix", 4*h, true),
	},
	{
		// A rollback adds no commit: v3 is tagged on v2's commit at 5h,
		// its tag message saying Fixes-deployment: v2. v2 failed, recovery
		// 2h; v3 carries no commit.
		name: "rollback tag trailer",
		build: func(r *gitRepo) {
			r.names["c1"] = r.commit("one", 0)
			r.annotated("v1", "HEAD", 1)
			r.names["c2"] = r.commit("two", 2)
			r.annotated("v2", "HEAD", 3)
			r.run(dates(at(5), at(5)), "tag", "-a", "-m", "roll back v2\n\nFixes-deployment: v2", "v3", "HEAD")
		},
		want: want{
			deps: []wantDep{
				{name: "v1", commits: 1, lead: []float64{h, h, h, 1}},
				{name: "v2", commits: 1, lead: []float64{h, h, h, 1}, failed: "fixes-deployment", fixedBy: "v3", recovery: 2 * h},
				{name: "v3", commits: 0, lead: nil, rework: true},
			},
			perDay: 3.0 / 90, gaps: []float64{2 * h, 2 * h, 2 * h, 2},
			lead: []float64{h, h, h, 2}, failRate: 1.0 / 3, reworkRate: 1.0 / 3,
			recovery: []float64{2 * h, 2 * h, 2 * h, 1}, commitsSeen: 2,
			bands: [4]string{"medium", "elite", "low", "high"},
		},
	},
	{
		// until 4h (RFC 3339) drops v3 (5h): the report is what was known
		// then, so v2 has not failed yet. v1, v2: leads 1h; gap 2h.
		name:  "until before the fix",
		build: func(r *gitRepo) { threeReleases(r, func() { r.revert(r.names["c2"], 4) }, "v3") },
		cfg:   func(c *Config) { c.Until = at(4) },
		want: want{
			deps: []wantDep{
				{name: "v1", commits: 1, lead: []float64{h, h, h, 1}},
				{name: "v2", commits: 1, lead: []float64{h, h, h, 1}},
			},
			perDay: 2.0 / 90, gaps: []float64{2 * h, 2 * h, 2 * h, 1}, lead: []float64{h, h, h, 2},
			failRate: 0, reworkRate: 0, commitsSeen: 3,
			bands: [4]string{"low", "elite", "elite", ""},
		},
	},
	{
		// Branch mode: main c1@0; topic f1@1 merged --no-ff as M@2; c3@3.
		// First-parent commits c1, M, c3 are the deployments, deployed at
		// their committer times 0, 2h, 3h. M takes {M, f1}: leads 0, 1h.
		// All [0,0,0,1h]: median 0, p90 rank 4 = 1h, mean 900.
		// Gaps 2h, 1h: median 5400, p90 2h, mean 5400.
		name: "branch mode",
		build: func(r *gitRepo) {
			r.names["c1"] = r.commit("one", 0)[:12]
			r.run(nil, "checkout", "-q", "-b", "topic")
			r.commit("topic work", 1)
			r.run(nil, "checkout", "-q", "main")
			r.names["M"] = r.merge("topic", "Merge branch 'topic'", 2)[:12]
			r.names["c3"] = r.commit("three", 3)[:12]
			r.lightweight("v-not-used", "HEAD")
		},
		cfg: func(c *Config) { c.Deployments = "branch" },
		want: want{
			deps: []wantDep{
				{name: "@c1", commits: 1, lead: []float64{0, 0, 0, 1}},
				{name: "@M", commits: 2, lead: []float64{h / 2, h, h / 2, 2}},
				{name: "@c3", commits: 1, lead: []float64{0, 0, 0, 1}},
			},
			perDay: 3.0 / 90, gaps: []float64{5400, 2 * h, 5400, 2},
			lead:     []float64{0, h, 900, 4},
			failRate: 0, reworkRate: 0, commitsSeen: 4,
			bands: [4]string{"medium", "elite", "elite", ""},
		},
	},
}

func skewRepo(r *gitRepo) {
	r.commit("one", 0)
	r.commitAt("two", at(10), at(1))
	r.annotated("v1", "HEAD", 2)
}

func offBranchRepo(r *gitRepo) {
	c1 := r.commit("one", 0)
	r.commit("two", 2)
	r.annotated("v1", "HEAD", 3)
	r.run(nil, "checkout", "-q", "-b", "feature", c1)
	r.commit("feature", 4)
	r.annotated("v1.1-feature", "HEAD", 5)
	r.run(nil, "checkout", "-q", "main")
	r.commit("three", 6)
	r.lightweight("v2", "HEAD")
}

func mergeRepo(r *gitRepo) {
	r.commit("one", 0)
	r.run(nil, "checkout", "-q", "-b", "topic")
	r.commit("topic one", 1)
	r.commit("topic two", 2)
	r.run(nil, "checkout", "-q", "main")
	r.commit("two", 3)
	r.merge("topic", "Merge branch 'topic'", 4)
	r.annotated("v1", "HEAD", 5)
}

// threeReleases: v1 {c1@0} tagged @1, v2 {c2@2} tagged @3, then fix()
// commits at 4h and the third release is tagged @5.
func threeReleases(r *gitRepo, fix func(), third string) {
	r.names["c1"] = r.commit("one", 0)
	r.annotated("v1", "HEAD", 1)
	r.names["c2"] = r.commit("two", 2)
	r.annotated("v2", "HEAD", 3)
	fix()
	r.annotated(third, "HEAD", 5)
}

// failureWant is the expectation of threeReleases where failed is fixed by
// the third release after recovery seconds: one deployment in three failed
// (1/3, low), one is rework (1/3); each commit's lead is 1h.
func failureWant(failed, cause, third string, recovery float64, hotfix bool) want {
	deps := []wantDep{
		{name: "v1", commits: 1, lead: []float64{h, h, h, 1}},
		{name: "v2", commits: 1, lead: []float64{h, h, h, 1}},
		{name: third, commits: 1, lead: []float64{h, h, h, 1}, hotfix: hotfix, rework: true},
	}
	for k := range deps {
		if deps[k].name == failed {
			deps[k].failed, deps[k].fixedBy, deps[k].recovery = cause, third, recovery
		}
	}
	return want{
		deps: deps, perDay: 3.0 / 90, gaps: []float64{2 * h, 2 * h, 2 * h, 2},
		lead: []float64{h, h, h, 3}, failRate: 1.0 / 3, reworkRate: 1.0 / 3,
		recovery: []float64{recovery, recovery, recovery, 1}, commitsSeen: 3,
		bands: [4]string{"medium", "elite", "low", "high"},
	}
}
