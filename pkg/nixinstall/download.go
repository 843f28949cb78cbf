package nixinstall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
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
// downloaded is used before it is verified. Connection errors, 5xx and 429
// answers are retried up to attempts times in all, waiting as a
// Retry-After header asks or backing off from 1 s.
//
// TODO: move onto the suite's shared HTTP transport (retries, proxy, CA
// file) once it lands; client is the seam for it.
func Download(ctx context.Context, client *http.Client, url, want, dst string, attempts int) (int64, error) {
	var err error
	wait := time.Second
	for n := 1; ; n++ {
		var n64 int64
		var retry time.Duration
		n64, retry, err = fetchOnce(ctx, client, url, want, dst)
		if err == nil || retry < 0 || n >= attempts {
			return n64, err
		}
		if retry == 0 {
			retry = wait
			wait *= 2
		}
		select {
		case <-ctx.Done():
			return 0, errors.Join(err, ctx.Err())
		case <-time.After(retry):
		}
	}
}

// fetchOnce returns retry < 0 for an error that another attempt will not
// mend, 0 for "back off", or the wait a Retry-After asked for.
func fetchOnce(ctx context.Context, client *http.Client, url, want, dst string) (int64, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, -1, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("GET %s: %s", url, resp.Status)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return 0, retryAfter(resp.Header.Get("Retry-After")), err
		}
		return 0, -1, err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, -1, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A connection cut mid-body (Content-Length not reached) lands here.
		return n, 0, fmt.Errorf("GET %s: after %d bytes: %w", url, n, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return n, -1, &HashError{URL: url, Expected: want, Actual: got, Bytes: n}
	}
	return n, 0, nil
}

// retryAfter reads a Retry-After in seconds (capped at a minute); 0 when
// absent or an HTTP date, which falls back to the backoff.
func retryAfter(v string) time.Duration {
	s, err := strconv.Atoi(v)
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, time.Minute)
}
