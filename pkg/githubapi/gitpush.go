package githubapi

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// GitPushConfig is the git configuration, as GIT_CONFIG_* variables for
// one git command, that sends token to the run's GitHub server (serverURL)
// the way actions/checkout would persist it: basic auth as
// x-access-token. A workflow checks out with persist-credentials: false,
// so no token lies on the runner's disk for later steps; only the push
// gets it. The entry is added after any GIT_CONFIG_COUNT entries env
// already holds. secret is the encoded form, for the caller to mask like
// the token itself.
func GitPushConfig(env []string, serverURL, token string) (vars []string, secret string) {
	n := 0
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GIT_CONFIG_COUNT="); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	i := strconv.Itoa(n)
	return []string{
		"GIT_CONFIG_COUNT=" + strconv.Itoa(n+1),
		"GIT_CONFIG_KEY_" + i + "=http." + strings.TrimRight(serverURL, "/") + "/.extraheader",
		"GIT_CONFIG_VALUE_" + i + "=AUTHORIZATION: basic " + basic,
	}, basic
}
