package scan

import (
	"fmt"
	"strings"
)

// licenseExpr is a parsed SPDX license expression (SPDX 2.3 annex D):
// a license id, "X WITH exception", or AND / OR of two expressions.
type licenseExpr struct {
	op          string // "", "AND", "OR"
	id          string // for a leaf: the license id, "+" kept
	exception   string // for a leaf with WITH
	left, right *licenseExpr
}

// ExpressionError is a license expression that is not SPDX syntax.
type ExpressionError struct {
	Expression string
	Problem    string
}

func (e *ExpressionError) Error() string {
	return fmt.Sprintf("license expression %q: %s", e.Expression, e.Problem)
}

func tokenizeLicense(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s)
	return strings.Fields(s)
}

// parseLicense parses with SPDX precedence: WITH binds tightest, then AND,
// then OR; operators are matched in any case.
func parseLicense(s string) (*licenseExpr, error) {
	p := &licenseParser{toks: tokenizeLicense(s), src: s}
	if len(p.toks) == 0 {
		return nil, &ExpressionError{s, "empty"}
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, &ExpressionError{s, fmt.Sprintf("unexpected %q", p.toks[p.pos])}
	}
	return e, nil
}

type licenseParser struct {
	toks []string
	pos  int
	src  string
}

func (p *licenseParser) peekOp(op string) bool {
	return p.pos < len(p.toks) && strings.EqualFold(p.toks[p.pos], op)
}

func (p *licenseParser) or() (*licenseExpr, error) {
	return p.binary("OR", p.and)
}

func (p *licenseParser) and() (*licenseExpr, error) {
	return p.binary("AND", p.with)
}

func (p *licenseParser) binary(op string, next func() (*licenseExpr, error)) (*licenseExpr, error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	for p.peekOp(op) {
		p.pos++
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = &licenseExpr{op: op, left: l, right: r}
	}
	return l, nil
}

func (p *licenseParser) with() (*licenseExpr, error) {
	e, err := p.atom()
	if err != nil || !p.peekOp("WITH") {
		return e, err
	}
	p.pos++
	if p.pos == len(p.toks) || e.op != "" {
		return nil, &ExpressionError{p.src, "WITH needs a license on its left and an exception on its right"}
	}
	e.exception = p.toks[p.pos]
	p.pos++
	return e, nil
}

func (p *licenseParser) atom() (*licenseExpr, error) {
	if p.pos == len(p.toks) {
		return nil, &ExpressionError{p.src, "ends where a license was expected"}
	}
	t := p.toks[p.pos]
	p.pos++
	switch {
	case t == "(":
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos == len(p.toks) || p.toks[p.pos] != ")" {
			return nil, &ExpressionError{p.src, "unclosed parenthesis"}
		}
		p.pos++
		return e, nil
	case t == ")" || strings.EqualFold(t, "AND") || strings.EqualFold(t, "OR") || strings.EqualFold(t, "WITH"):
		return nil, &ExpressionError{p.src, fmt.Sprintf("unexpected %q", t)}
	}
	return &licenseExpr{id: t}, nil
}

// satisfied reports whether the user can take the component under some
// choice the expression offers with every license it then needs passing
// ok; when not, it returns the licenses that stood in the way.
func (e *licenseExpr) satisfied(ok func(id string) bool) (bool, []string) {
	switch e.op {
	case "OR":
		l, lb := e.left.satisfied(ok)
		if l {
			return true, nil
		}
		r, rb := e.right.satisfied(ok)
		if r {
			return true, nil
		}
		return false, append(lb, rb...)
	case "AND":
		l, lb := e.left.satisfied(ok)
		r, rb := e.right.satisfied(ok)
		return l && r, append(lb, rb...)
	}
	if ok(e.id) {
		return true, nil
	}
	return false, []string{e.id}
}
