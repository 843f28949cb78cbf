package githubapi_test

import (
	"sync"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient/httpclienttest"
)

// fakeTime is the client's clock and the log of its retries: a sleep
// moves the clock on at once and is recorded, so no test waits or reads
// the wall clock.
type fakeTime struct {
	*httpclienttest.Clock
	mu      sync.Mutex
	retries []githubapi.Retry
}

// epoch is the fake clock's start: well in the past, so that go-github's
// own bookkeeping of rate limits (on the wall clock) never blocks a test.
var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func (f *fakeTime) OnRetry(r githubapi.Retry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retries = append(f.retries, r)
}

// newClient is a client of srv with the fake clock, as the actions build
// one: the API URL from the runner, the token given.
func newClient(t *testing.T, srv *githubtest.Server, mod ...func(*githubapi.Options)) (*githubapi.Client, *fakeTime) {
	t.Helper()
	ft := &fakeTime{Clock: httpclienttest.NewClock(epoch)}
	opts := githubapi.Options{
		APIURL: srv.URL, Token: srv.Token,
		Clock: ft.Clock, OnRetry: ft.OnRetry,
	}
	for _, m := range mod {
		m(&opts)
	}
	c, err := githubapi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, ft
}

func repoOf(srv *githubtest.Server) githubapi.Repo {
	return githubapi.Repo{Owner: srv.Owner, Name: srv.Name}
}
