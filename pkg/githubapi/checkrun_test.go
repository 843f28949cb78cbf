package githubapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

const headSHA = "0123456789abcdef0123456789abcdef01234567"

func annotations(n int) []githubapi.Annotation {
	var out []githubapi.Annotation
	for i := 1; i <= n; i++ {
		out = append(out, githubapi.Annotation{
			Path: "flake.lock", StartLine: i, Level: "warning",
			Title: "CVE", Message: fmt.Sprintf("finding %d", i),
		})
	}
	return out
}

// TestCheckRunAnnotationsInBatches sends 60 annotations as GitHub wants
// them: 50 with the creation, 10 with one update, which also carries the
// conclusion; nothing is lost or sent twice.
func TestCheckRunAnnotationsInBatches(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	run := githubapi.CheckRun{
		Name: "nixops scan", HeadSHA: headSHA, Conclusion: "failure",
		Title: "60 findings", Summary: "60 vulnerabilities in the closure",
		Annotations: annotations(60),
	}
	id, err := c.CreateCheckRun(context.Background(), repoOf(srv), run)
	if err != nil {
		t.Fatal(err)
	}
	creates, updates := srv.Calls("checks/create"), srv.Calls("checks/update")
	if len(creates) != 1 || len(updates) != 1 {
		t.Fatalf("%d creations and %d updates, want 1 and 1", len(creates), len(updates))
	}
	var first, second struct {
		Status, Conclusion string
	}
	json.Unmarshal(creates[0].Body, &first)
	json.Unmarshal(updates[0].Body, &second)
	if first.Conclusion != "" || first.Status != "in_progress" || second.Conclusion != "failure" {
		t.Errorf("the conclusion came too early: creation %+v, update %+v", first, second)
	}
	srv.Lock()
	defer srv.Unlock()
	cr := srv.CheckRuns[0]
	if cr.ID != id || fmt.Sprint(cr.AnnotationsPerRequest) != "[50 10]" {
		t.Fatalf("check run %d got annotations in requests of %v, want [50 10]", cr.ID, cr.AnnotationsPerRequest)
	}
	for i, raw := range cr.Annotations {
		var a struct{ Message string }
		json.Unmarshal(raw, &a)
		if want := fmt.Sprintf("finding %d", i+1); a.Message != want {
			t.Fatalf("annotation %d is %q, want %q", i, a.Message, want)
		}
	}
	if cr.Status != "completed" || cr.Conclusion != "failure" {
		t.Errorf("check run ends %s/%s", cr.Status, cr.Conclusion)
	}
}

// TestCheckRunFewAnnotations: up to 50 annotations take one request.
func TestCheckRunFewAnnotations(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	run := githubapi.CheckRun{Name: "nixops scan", HeadSHA: headSHA, Conclusion: "success", Title: "ok", Summary: "clean", Annotations: annotations(50)}
	if _, err := c.CreateCheckRun(context.Background(), repoOf(srv), run); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Calls("")); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestReportCheckFallsBackToStatus: a token that may not create check runs
// (a personal access token gets "You must authenticate via a GitHub App")
// still marks the commit, with a status.
func TestReportCheckFallsBackToStatus(t *testing.T) {
	srv := githubtest.New(t)
	srv.Fail("checks/create", githubtest.Response{Status: 403, Body: githubtest.ErrorBody(403, "You must authenticate via a GitHub App.")})
	c, _ := newClient(t, srv)
	run := githubapi.CheckRun{Name: "nixops scan", HeadSHA: headSHA, Conclusion: "failure", Title: "3 critical vulnerabilities", Summary: "..."}
	pub, err := c.ReportCheck(context.Background(), repoOf(srv), run)
	if err != nil {
		t.Fatal(err)
	}
	srv.Lock()
	defer srv.Unlock()
	if !pub.Status || len(srv.Statuses) != 1 {
		t.Fatalf("published %+v, statuses %+v", pub, srv.Statuses)
	}
	st := srv.Statuses[0]
	if st.SHA != headSHA || st.State != "failure" || st.Context != "nixops scan" || st.Description != run.Title {
		t.Errorf("status %+v", st)
	}
}
