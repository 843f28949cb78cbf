package schematest

import "testing"

func TestCheckURITemplate(t *testing.T) {
	for _, s := range []string{
		"https://api.github.com/repos/o/r/commits{/sha}",
		"https://api.github.com/repos/o/r/{archive_format}{/ref}",
		"https://api.github.com/repos/o/r/notifications{?since,all,participating}",
		"https://api.github.com/repos/o/r/contents/{+path}",
		"https://api.github.com/repos/o/r/compare/{base}...{head}",
		"https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}",
		"https://api.github.com/users/o/starred{/owner}{/repo}",
		"{#frag:3}{;list*}{&a.b,c_d}{.x%41}",
		"https://example.com/a%20b",
		"no-expression-at-all",
	} {
		if err := checkURITemplate(s); err != nil {
			t.Errorf("%q rejected: %v", s, err)
		}
	}
	for _, s := range []string{
		"https://example.com/{sha", "https://example.com/sha}", "{a{b}}", "{}", "{/}",
		"{a,}", "{a:0}", "{a:10000}", "{a:3*}", "{a*:3}", "{=a}", "{|a}", "{.a.}", "{a..b}",
		"{a-b}", "https://example.com/%zz", "https://example.com/%4", "a b", "a\"b", "a|b",
	} {
		if err := checkURITemplate(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
