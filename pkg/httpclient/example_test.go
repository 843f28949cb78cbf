package httpclient_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// A client for a library that takes an *http.Client, such as go-github's
// github.NewClient: the runner's proxy and CA, retries on 5xx and 429
// with Retry-After, redirects followed but never from https to http.
func ExampleRetryTransport() {
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "secondary rate limit", http.StatusTooManyRequests)
			return
		}
		fmt.Fprintln(w, `{"tag_name":"v1.0.0"}`)
	}))
	defer api.Close()

	getenv := func(string) string { return "" } // the action's a.Getenv
	tr, err := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(getenv)})
	if err != nil {
		panic(err)
	}
	client := &http.Client{
		Transport: &httpclient.RetryTransport{
			Base:  tr,
			Retry: httpclient.Retry{Retries: 3, First: 10 * time.Millisecond, Timeout: time.Minute},
		},
		CheckRedirect: httpclient.RefuseDowngrade,
	}
	resp, err := client.Get(api.URL + "/repos/o/r/releases/latest")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status, "after", calls.Load(), "requests")
	// Output: 200 OK after 2 requests
}
