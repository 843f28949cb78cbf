package githubtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// storage stands in for the host GitHub keeps release assets on
// (release-assets.githubusercontent.com): the API redirects a download
// there, to a URL signed for one asset. It is no part of the REST API,
// so GitHub's description says nothing of it; what it checks is what
// makes a download safe: the token never arrives here, and only a signed
// URL is served.
type storage struct {
	t    testing.TB
	repo *Repo
	srv  *httptest.Server
	key  string // the signature every URL carries

	// instead maps an asset name to the bytes served in place of the
	// uploaded ones (Server.ServeInstead).
	instead map[string][]byte
}

func newStorage(t testing.TB, repo *Repo) *storage {
	key := make([]byte, 16)
	rand.Read(key)
	st := &storage{t: t, repo: repo, key: hex.EncodeToString(key), instead: map[string][]byte{}}
	st.srv = httptest.NewServer(http.HandlerFunc(st.serve))
	t.Cleanup(st.srv.Close)
	return st
}

// signedURL is where the API redirects a download of a.
func (st *storage) signedURL(a *Asset) string {
	return fmt.Sprintf("%s/assets/%d/%s?sig=%s", st.srv.URL, a.ID, a.Name, st.key)
}

func (st *storage) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		st.t.Errorf("githubtest: the asset host got an Authorization header: the token left the API host")
	}
	idText, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/assets/"), "/")
	id, _ := strconv.ParseInt(idText, 10, 64)
	if r.Method != http.MethodGet || r.URL.Query().Get("sig") != st.key {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	st.repo.mu.Lock()
	var data []byte
	found := false
	for _, rel := range st.repo.Releases {
		for _, a := range rel.Assets {
			if a.ID == id {
				data, found = a.Data, true
				if d, ok := st.instead[a.Name]; ok {
					data = d
				}
			}
		}
	}
	st.repo.mu.Unlock()
	if !found {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
