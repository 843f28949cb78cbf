package githubapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

// TestUpsertComment runs the pull-request comment as three runs of a job
// would: the first creates it, the second edits it, the third, after a
// force-push changed the head and others commented in between, still
// finds and edits the same one. Another bot's comment with a similar body,
// the marker on its first line included, is never touched.
func TestUpsertComment(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	ctx := context.Background()
	const pr = 42
	other := srv.AddComment(pr, "renovate[bot]", "<!-- nixops-actions: sbom closure diff -->\nclosure: +3 packages")
	quoted := srv.AddComment(pr, "someone", "> <!-- nixops-actions: sbom closure diff -->\n> closure: +1 package\nwhy?")
	mine := githubapi.Comment{Marker: "sbom closure diff", Author: srv.Login}

	mine.Body = "closure: +1 package (head 1111111)"
	first, err := c.UpsertComment(ctx, repoOf(srv), pr, mine)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created {
		t.Fatalf("first run: %+v, want a new comment", first)
	}

	mine.Body = "closure: +2 packages (head 2222222)"
	second, err := c.UpsertComment(ctx, repoOf(srv), pr, mine)
	if err != nil {
		t.Fatal(err)
	}
	if second.Created || second.ID != first.ID {
		t.Fatalf("second run: %+v, want an edit of comment %d", second, first.ID)
	}

	// A force-push: a new head, and a busy pull request whose comments
	// now span two pages of 100.
	for i := 0; i < 150; i++ {
		srv.AddComment(pr, "reviewer", "looks good")
	}
	mine.Body = "closure: -1 package (head 3333333 after a force-push)"
	third, err := c.UpsertComment(ctx, repoOf(srv), pr, mine)
	if err != nil {
		t.Fatal(err)
	}
	if third.Created || third.ID != first.ID {
		t.Fatalf("third run: %+v, want an edit of comment %d", third, first.ID)
	}

	srv.Lock()
	defer srv.Unlock()
	var ours int
	for _, cm := range srv.Comments {
		switch cm.ID {
		case other:
			if cm.Edited != 0 || !strings.HasSuffix(cm.Body, "+3 packages") {
				t.Errorf("the other bot's comment was changed: %+v", cm)
			}
		case quoted:
			if cm.Edited != 0 {
				t.Errorf("a comment quoting the marker was changed: %+v", cm)
			}
		case first.ID:
			ours++
			if cm.Edited != 2 || !strings.Contains(cm.Body, "head 3333333") {
				t.Errorf("our comment: edited %d times, body %q", cm.Edited, cm.Body)
			}
		}
		if cm.Login == srv.Login && cm.ID != first.ID {
			t.Errorf("a second comment by us: %+v", cm)
		}
	}
	if ours != 1 {
		t.Errorf("%d comments of ours", ours)
	}
	if n := len(srv.Calls("issues/create-comment")); n != 1 {
		t.Errorf("%d comments created, want 1", n)
	}
}

// TestUpsertCommentTooLong: a diff over GitHub's limit (which the fake
// enforces as GitHub does, with a 422) is cut and still posted.
func TestUpsertCommentTooLong(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	body := strings.Repeat("| pkg:nix/glibc@2.40 | 2.39 → 2.40 |\n", 3000)
	res, err := c.UpsertComment(context.Background(), repoOf(srv), 5, githubapi.Comment{Marker: "sbom closure diff", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.Truncated {
		t.Fatalf("%+v", res)
	}
	srv.Lock()
	defer srv.Unlock()
	if got := srv.Comments[0].Body; !strings.Contains(got, "lines") || !strings.Contains(got, "left out") {
		t.Errorf("no line says what was left out: ...%q", got[len(got)-200:])
	}
}
