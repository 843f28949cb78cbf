package main

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// pushAuth is the git configuration, as GIT_CONFIG_* variables for the
// push alone, that sends token to the run's GitHub server (serverURL) the
// way actions/checkout would persist it: basic auth as x-access-token.
// The workflow checks out with persist-credentials: false, so no token
// lies on the runner's disk for later steps; only the push gets it. The
// entry is added after any GIT_CONFIG_COUNT entries env already holds,
// and the encoded form is masked like the token itself.
func pushAuth(a *action.Action, env []string, serverURL, token string) []string {
	n := 0
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GIT_CONFIG_COUNT="); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	a.AddMask(basic)
	i := strconv.Itoa(n)
	return []string{
		"GIT_CONFIG_COUNT=" + strconv.Itoa(n+1),
		"GIT_CONFIG_KEY_" + i + "=http." + strings.TrimRight(serverURL, "/") + "/.extraheader",
		"GIT_CONFIG_VALUE_" + i + "=AUTHORIZATION: basic " + basic,
	}
}
