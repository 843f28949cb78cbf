package nixinstall

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Published reads the SHA-256 the release host publishes beside each
// system's tarball of version (nix-<v>-<system>.tar.xz.sha256). A system
// without one (404) is left out and named in missing; nothing is ever
// computed from a tarball.
func Published(ctx context.Context, client *http.Client, base, version string) (r Release, missing []string, err error) {
	r.SHA256 = map[string]string{}
	for _, sys := range Systems {
		url := TarballURL(base, version, sys) + ".sha256"
		h, found, err := fetchHash(ctx, client, url)
		if err != nil {
			return r, nil, err
		}
		if !found {
			missing = append(missing, sys)
			continue
		}
		r.SHA256[sys] = h
	}
	r.Source = TarballURL(base, version, "<system>") + ".sha256"
	return r, missing, nil
}

func fetchHash(ctx context.Context, client *http.Client, url string) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return "", false, nil
	case resp.StatusCode != http.StatusOK:
		return "", false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", false, fmt.Errorf("GET %s: %w", url, err)
	}
	// The file holds the hex digest, optionally followed by the file name.
	fields := strings.Fields(string(body))
	if len(fields) == 0 || !hexRE.MatchString(fields[0]) {
		return "", false, fmt.Errorf("%s does not hold a SHA-256 (64 lower-case hex digits)", url)
	}
	return fields[0], true, nil
}

// Marshal is the table as versions.json holds it: indented, keys sorted.
func (t *Table) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(t, "", "  ")
	return append(b, '\n'), err
}
