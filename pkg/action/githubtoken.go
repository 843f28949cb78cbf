package action

import "strings"

// GitHubTokenDefault is the github-token default every action.yml writes.
// The runner expands it; anywhere else (a laptop, a test) it arrives as
// this literal, which means no token.
const GitHubTokenDefault = "${{ github.token }}"

// GitHubToken declares the secret github-token input and returns, for
// after Parse, the token given: "" for none, the unexpanded default
// included.
func (in *Inputs) GitHubToken(usage string) func() string {
	p := in.String("github-token", GitHubTokenDefault, usage, Secret())
	return func() string {
		if t := strings.TrimSpace(*p); t != GitHubTokenDefault {
			return t
		}
		return ""
	}
}
