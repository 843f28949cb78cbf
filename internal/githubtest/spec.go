package githubtest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// DescriptionPath is GitHub's REST API description (from @octokit/openapi)
// under the shared directory.
const DescriptionPath = "schemas/github/api.github.com.json"

// served lists the operations the fake repository answers, by the
// operationId GitHub's description gives them. Only these operations,
// and the components they refer to, are loaded: kin-openapi takes about
// ten seconds of CPU to decode all 811 paths, and a request to any other
// operation fails the test anyway, since nothing here could answer it.
var served = []string{
	"issues/list-comments", "issues/create-comment", "issues/update-comment",
	"checks/create", "checks/update",
	"repos/create-commit-status",
	"dependency-graph/create-repository-snapshot",
	"repos/get-release-by-tag", "repos/create-release",
	"repos/list-release-assets", "repos/delete-release-asset", "repos/upload-release-asset",
	"repos/get-release-asset",
	"git/update-ref", "git/create-ref",
	"repos/list-deployments", "repos/list-deployment-statuses", "issues/list-for-repo",
	"repos/list-pull-requests-associated-with-commit", "pulls/list-commits",
}

// errorSchemas are the shapes of GitHub's error answers. Many operations
// declare no error status at all (checks/create declares only 201), yet
// GitHub answers any of them with a 403, 422 or 5xx in these shapes; a
// response with an undeclared status is checked against them.
var errorSchemas = []string{"basic-error", "validation-error"}

// spec is the loaded description, shared by every server of a test binary.
type spec struct {
	doc    *openapi3.T
	router routers.Router
	raw    map[string]any // the pruned document, for its examples
}

var (
	specOnce sync.Once
	loaded   *spec
	loadErr  error
)

// load reads the description once per test binary.
func load(t testing.TB) *spec {
	t.Helper()
	path := testenv.Shared(t, DescriptionPath)
	specOnce.Do(func() { loaded, loadErr = loadSpec(path) })
	if loadErr != nil {
		t.Fatalf("loading GitHub's API description: %v", loadErr)
	}
	return loaded
}

func loadSpec(path string) (*spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var full map[string]any
	if err := json.Unmarshal(data, &full); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pruned, err := prune(full, served)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	small, err := json.Marshal(pruned)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(small)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: routes: %w", path, err)
	}
	return &spec{doc: doc, router: router, raw: pruned}, nil
}

// prune keeps the operations named in ops and every component they
// refer to, directly or through other components. Nothing is changed
// inside what is kept.
func prune(full map[string]any, ops []string) (map[string]any, error) {
	paths, err := keepOperations(full, ops)
	if err != nil {
		return nil, err
	}
	var roots []string
	for _, name := range errorSchemas {
		roots = append(roots, "#/components/schemas/"+name)
	}
	components, err := keepComponents(full, collectRefs(paths, roots))
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, v := range full {
		out[k] = v
	}
	out["paths"] = paths
	out["components"] = components
	return out, nil
}

// keepOperations returns the paths object holding only the operations ops.
func keepOperations(full map[string]any, ops []string) (map[string]any, error) {
	paths, _ := full["paths"].(map[string]any)
	want := map[string]bool{}
	for _, id := range ops {
		want[id] = true
	}
	kept := map[string]any{}
	for p, item := range paths {
		methods := map[string]any{}
		for method, op := range item.(map[string]any) {
			if o, ok := op.(map[string]any); ok && want[fmt.Sprint(o["operationId"])] {
				methods[method] = op
				delete(want, fmt.Sprint(o["operationId"]))
			}
		}
		if len(methods) > 0 {
			kept[p] = methods
		}
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("no operations %v in the description", keys(want))
	}
	return kept, nil
}

// keepComponents returns the components object holding the components
// that refs name and all that they refer to in turn.
func keepComponents(full map[string]any, refs []string) (map[string]any, error) {
	components, _ := full["components"].(map[string]any)
	kept := map[string]any{}
	seen := map[string]bool{}
	for len(refs) > 0 {
		ref := refs[len(refs)-1]
		refs = refs[:len(refs)-1]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		if !ok || !strings.HasPrefix(ref, "#/components/") {
			return nil, fmt.Errorf("reference %q is not to a component", ref)
		}
		byKind, _ := components[kind].(map[string]any)
		v, ok := byKind[name]
		if !ok {
			return nil, fmt.Errorf("reference %q leads nowhere", ref)
		}
		if kept[kind] == nil {
			kept[kind] = map[string]any{}
		}
		kept[kind].(map[string]any)[name] = v
		refs = collectRefs(v, refs)
	}
	return kept, nil
}

// collectRefs appends every "$ref" found in v to refs.
func collectRefs(v any, refs []string) []string {
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok {
			refs = append(refs, r)
		}
		for _, e := range v {
			refs = collectRefs(e, refs)
		}
	case []any:
		for _, e := range v {
			refs = collectRefs(e, refs)
		}
	}
	return refs
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
