package schematest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// uriTemplate replaces the library's "uri-template" format, which splits
// the template at every "/" before matching braces and so rejects the
// path-segment expansions of RFC 6570 ("{/sha}") that every GitHub
// payload carries in its *_url fields.
var uriTemplate = &jsonschema.Format{Name: "uri-template", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return checkURITemplate(s)
}}

// checkURITemplate checks s against the grammar of RFC 6570, section 2:
// literals, and expressions of an optional operator and a list of
// variables, each with an optional prefix length or explode modifier.
func checkURITemplate(s string) error {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return fmt.Errorf("expression at offset %d is not closed", i)
			}
			if err := checkExpression(s[i+1 : i+end]); err != nil {
				return fmt.Errorf("expression at offset %d: %w", i, err)
			}
			i += end
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("%% at offset %d does not start a percent-encoding", i)
			}
			i += 2
		case c <= ' ' || c == 0x7f || strings.IndexByte("\"'<>\\^`|}", c) >= 0:
			return fmt.Errorf("character %q at offset %d may not appear outside an expression", c, i)
		}
	}
	return nil
}

// checkExpression checks what is between the braces of an expression.
// The operators "=,!@|" are reserved by the RFC, so they are refused.
func checkExpression(e string) error {
	if e != "" && strings.IndexByte("+#./;?&", e[0]) >= 0 {
		e = e[1:]
	}
	if e == "" {
		return errors.New("no variable")
	}
	for _, spec := range strings.Split(e, ",") {
		name, length, prefixed := strings.Cut(strings.TrimSuffix(spec, "*"), ":")
		if err := checkVarName(name); err != nil {
			return err
		}
		if prefixed && (len(spec) != len(name)+1+len(length) || !isMaxLength(length)) {
			return fmt.Errorf("variable %q: prefix length must be 1 to 9999, without an explode", name)
		}
	}
	return nil
}

func checkVarName(name string) error {
	if name == "" || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return fmt.Errorf("variable name %q is empty or has a misplaced dot", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '%' && i+2 < len(name) && isHex(name[i+1]) && isHex(name[i+2]):
			i += 2
		case c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z':
		default:
			return fmt.Errorf("variable name %q has the character %q", name, c)
		}
	}
	return nil
}

func isMaxLength(s string) bool {
	if s == "" || len(s) > 4 || s[0] == '0' {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}
