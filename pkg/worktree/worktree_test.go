package worktree

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
)

// repo is a git repository of one commit holding file a.
func repo(t *testing.T) string {
	r := gitrepo.New(t)
	r.Write("a", "one\n")
	r.Commit("one")
	return r.Dir
}

func worktrees(t *testing.T, dir string) int {
	out, err := exec.Command("git", "-C", dir, "worktree", "list", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(out), "worktree ")
}

func TestAddRemove(t *testing.T) {
	ctx := context.Background()
	dir := repo(t)
	sha, err := Commit(ctx, dir, "HEAD")
	if err != nil || len(sha) != 40 {
		t.Fatalf("Commit(HEAD) = %q, %v", sha, err)
	}
	tree, err := Add(ctx, dir, sha)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(tree.Dir, "a")); err != nil || string(data) != "one\n" {
		t.Errorf("the checkout holds %q, %v", data, err)
	}
	if n := worktrees(t, dir); n != 2 {
		t.Errorf("%d worktrees while checked out, want 2", n)
	}
	if err := tree.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(tree.Dir)); !os.IsNotExist(err) {
		t.Errorf("the temporary directory is left: %v", err)
	}
	if n := worktrees(t, dir); n != 1 {
		t.Errorf("%d worktrees after Remove, want 1", n)
	}
}

func TestCommitUnknown(t *testing.T) {
	dir := repo(t)
	for _, ref := range []string{"origin/main", "HEAD~5", "--all", ""} {
		if _, err := Commit(context.Background(), dir, ref); !errors.Is(err, ErrUnknownRef) {
			t.Errorf("Commit(%q) = %v, want ErrUnknownRef", ref, err)
		}
	}
	// A tree is no commit.
	if _, err := Commit(context.Background(), dir, "HEAD^{tree}"); !errors.Is(err, ErrUnknownRef) {
		t.Errorf("a tree resolved as a commit: %v", err)
	}
}

func TestTopLevel(t *testing.T) {
	dir := repo(t)
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	top, err := TopLevel(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(dir); top != want {
		t.Errorf("TopLevel = %q, want %q", top, want)
	}
	if _, err := TopLevel(context.Background(), t.TempDir()); !errors.Is(err, ErrNotRepo) {
		t.Errorf("outside a repository: %v, want ErrNotRepo", err)
	}
}
