package dora

import "github.com/voidnxsec/nixops-actions/pkg/history"

// attribute gives each commit to the first deployment, in order, whose
// history reaches it: a depth-first walk from each deployment that stops at
// commits already given to an earlier one. Every commit is visited once in
// total, so the cost is one pass over the history whatever the number of
// deployments. A second tag on an already deployed commit gets no commits.
// It returns the deployment index of each commit, -1 for none.
func attribute(g *history.Graph, ds []*deploy) []int32 {
	owner := make([]int32, len(g.Commits))
	for i := range owner {
		owner[i] = -1
	}
	var stack []int32
	for k, d := range ds {
		if owner[d.commit] >= 0 {
			continue
		}
		owner[d.commit] = int32(k)
		stack = append(stack[:0], d.commit)
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			d.commits = append(d.commits, c)
			for _, p := range g.Commits[c].Parents {
				if owner[p] < 0 {
					owner[p] = int32(k)
					stack = append(stack, p)
				}
			}
		}
	}
	return owner
}
