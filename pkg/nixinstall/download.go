package nixinstall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// HashError is a download whose SHA-256 is not the published one.
type HashError struct {
	URL              string
	Expected, Actual string
	Bytes            int64
}

func (e *HashError) Error() string {
	return fmt.Sprintf("SHA-256 mismatch for %s: expected %s, got %s (%d bytes); nothing was unpacked or run", e.URL, e.Expected, e.Actual, e.Bytes)
}

// Download fetches url into the file dst (created, 0600), hashing as it
// writes, and returns a *HashError unless the SHA-256 is want: nothing
// downloaded is used before it is verified. A connection error or cut,
// a 5xx or a 429 is retried under retry (httpclient's rules, Retry-After
// included); a hash mismatch or another answer is final.
func Download(ctx context.Context, client *http.Client, url, want, dst string, retry httpclient.Retry) (int64, error) {
	var n int64
	err := retry.Do(ctx, func(ctx context.Context) error {
		var err error
		n, err = fetchOnce(ctx, client, url, want, dst)
		return err
	})
	return n, err
}

func fetchOnce(ctx context.Context, client *http.Client, url, want, dst string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	if err := httpclient.CheckResponse(resp); err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A connection cut mid-body (Content-Length not reached) lands here.
		return n, fmt.Errorf("GET %s: after %d bytes: %w", url, n, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return n, &HashError{URL: url, Expected: want, Actual: got, Bytes: n}
	}
	return n, nil
}
