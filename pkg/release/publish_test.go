package release_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// recorder is a Publisher that only records: the order of the calls is
// what these tests check. Downloads return what was uploaded, except the
// asset named by corrupt, which comes back with one byte changed. Talking
// to GitHub itself is pkg/githubapi's, tested against the OpenAPI-checked
// server.
type recorder struct {
	calls    []string
	uploaded map[string][]byte
	corrupt  string
}

func (p *recorder) EnsureRelease(_ context.Context, tag, name, body string) (int64, error) {
	p.calls = append(p.calls, "release "+tag)
	if !strings.Contains(body, "# "+tag) {
		return 0, errors.New("the release body is not the notes")
	}
	return 7, nil
}

func (p *recorder) ReplaceAsset(_ context.Context, id int64, name, path string) error {
	p.calls = append(p.calls, "upload "+name)
	b, err := os.ReadFile(path)
	if p.uploaded == nil {
		p.uploaded = map[string][]byte{}
	}
	p.uploaded[name] = b
	return err
}

func (p *recorder) DownloadAsset(_ context.Context, tag, name string) (io.ReadCloser, error) {
	p.calls = append(p.calls, "download "+name)
	b := bytes.Clone(p.uploaded[name])
	if name == p.corrupt {
		b[0] ^= 1
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (p *recorder) MoveTag(_ context.Context, tag, commit string) error {
	p.calls = append(p.calls, "move "+tag)
	return nil
}

// kinds lists the verbs of the calls in order, repeats collapsed.
func (p *recorder) kinds() []string {
	var out []string
	for _, c := range p.calls {
		verb, _, _ := strings.Cut(c, " ")
		if len(out) == 0 || out[len(out)-1] != verb {
			out = append(out, verb)
		}
	}
	return out
}

// publishRepo is a repository with v1.0.0 cut for linux/amd64 and a bare
// repository as its origin.
func publishRepo(t *testing.T) (*repo, *release.Result, *repo) {
	t.Helper()
	testenv.LookPath(t, "go")
	r := newRepo(t)
	origin := &repo{t: t, dir: t.TempDir(), env: r.env}
	origin.git("init", "-q", "--bare")
	r.git("remote", "add", "origin", origin.dir)
	res, err := release.Cut(context.Background(), release.Options{Dir: r.dir, Version: "v1.0.0", OutDir: t.TempDir(),
		Env: r.env, Platforms: []release.Platform{{OS: "linux", Arch: "amd64"}}})
	if err != nil {
		t.Fatal(err)
	}
	return r, res, origin
}

func publish(r *repo, res *release.Result, p release.Publisher) (*release.Published, error) {
	return release.Publish(context.Background(), p, release.PublishOptions{Dir: r.dir, Version: string(res.Version), Assets: res.Dir, Env: r.env})
}

func TestPublishOrder(t *testing.T) {
	r, res, origin := publishRepo(t)
	p := &recorder{}
	out, err := publish(r, res, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.kinds(); !slices.Equal(got, []string{"release", "upload", "download", "move"}) {
		t.Errorf("calls %q, want the release, every upload, every download, then the moves", p.calls)
	}
	hello, world := "nixops-hello_v1.0.0_linux_amd64", "nixops-world_v1.0.0_linux_amd64"
	assets := []string{"checksums.txt", hello, hello + ".cdx.json", hello + ".spdx.json",
		world, world + ".cdx.json", world + ".spdx.json"}
	if !slices.Equal(out.Assets, assets) || len(p.uploaded) != len(assets) {
		t.Errorf("published %q, want %q", out.Assets, assets)
	}
	if !slices.Equal(out.MovedTags, []string{"v1", "v1.0"}) || out.Commit != res.Commit {
		t.Errorf("moved %q to %s, want v1 and v1.0 to %s", out.MovedTags, out.Commit, res.Commit)
	}
	if c := origin.git("rev-parse", "v1.0.0^{commit}"); c != res.Commit {
		t.Errorf("origin's v1.0.0 is %s, want %s", c, res.Commit)
	}
}

// A download that differs from the committed checksum stops publishing
// before any moving tag moves.
func TestPublishDownloadMismatch(t *testing.T) {
	r, res, _ := publishRepo(t)
	p := &recorder{corrupt: "nixops-world_v1.0.0_linux_amd64"}
	_, err := publish(r, res, p)
	var mm *release.MismatchError
	if !errors.As(err, &mm) || mm.Asset != p.corrupt || mm.Where != "download" {
		t.Fatalf("error %v, want a download mismatch of %s", err, p.corrupt)
	}
	if slices.Contains(p.kinds(), "move") {
		t.Errorf("tags moved after a bad download: %q", p.calls)
	}
}

// A local asset that differs from the committed checksum stops everything:
// nothing is pushed or uploaded.
func TestPublishLocalMismatch(t *testing.T) {
	r, res, origin := publishRepo(t)
	writeFile(t, filepath.Join(res.Dir, "nixops-hello_v1.0.0_linux_amd64"), "rebuilt differently")
	p := &recorder{}
	_, err := publish(r, res, p)
	if !errors.Is(err, release.ErrMismatch) || !strings.Contains(err.Error(), "local: nixops-hello_v1.0.0_linux_amd64") {
		t.Fatalf("error %v, want a local mismatch", err)
	}
	if len(p.calls) != 0 || origin.git("tag", "--list") != "" {
		t.Errorf("published after a local mismatch: calls %q, origin tags %q", p.calls, origin.git("tag", "--list"))
	}
}

// Moving tags follow the newest release of their line only, and never a
// pre-release.
func TestPublishMovingTags(t *testing.T) {
	r, res, _ := publishRepo(t)
	r.git("tag", "v1.1.0") // a newer v1 release exists
	p := &recorder{}
	out, err := publish(r, res, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.MovedTags, []string{"v1.0"}) {
		t.Errorf("moved %q, want only v1.0 (v1 is at v1.1.0)", out.MovedTags)
	}
	rc, err := release.Cut(context.Background(), release.Options{Dir: r.dir, Version: "v1.2.0-rc.1", OutDir: t.TempDir(),
		Env: r.env, Platforms: []release.Platform{{OS: "linux", Arch: "amd64"}}})
	if err != nil {
		t.Fatal(err)
	}
	p = &recorder{}
	if out, err = publish(r, rc, p); err != nil {
		t.Fatal(err)
	}
	if len(out.MovedTags) != 0 || slices.Contains(p.kinds(), "move") {
		t.Errorf("pre-release: moved %q, want none", out.MovedTags)
	}
}
