package githubapi

import "github.com/voidnxsec/nixops-actions/pkg/httpclient"

// StepOptions are the options of a client in an action's step: the
// runner's API URL (a GitHub Enterprise Server's too) and proxy, whether
// the token is a fork's read-only one, and each retry told through logf.
func StepOptions(apiURL, token, userAgent string, fork bool, getenv func(string) string, logf func(format string, args ...any)) Options {
	return Options{
		APIURL: apiURL, Token: token, ReadOnlyFork: fork, UserAgent: userAgent,
		HTTP: httpclient.Options{Proxy: httpclient.ProxyFromEnv(getenv)},
		OnRetry: func(r Retry) {
			logf("GitHub API: %s %s failed (%s), attempt %d; again in %s", r.Method, r.Path, r.Reason, r.Attempt, r.Wait)
		},
	}
}
