package derivation

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ReadFile reads a .drv file in Nix's ATerm format. Path is set to path as
// given, made absolute, so that a .drv read through a chroot store keeps
// the location it was read from.
func ReadFile(path string) (*Derivation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read derivation: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read derivation %s: %w", path, err)
	}
	d, err := ParseATerm(data, abs)
	if err != nil {
		return nil, fmt.Errorf("read derivation %s: %w", path, err)
	}
	return d, nil
}

// ParseATerm reads the ATerm text of a .drv file,
//
//	Derive([outputs],[input drvs],[input srcs],"system","builder",[args],[env])
//
// as Nix writes it (src/libstore/derivations.cc); drvPath is the store
// path the result is known by (the file may have been read from another
// place, such as the directory of a chroot store). No validation beyond
// the syntax is applied (such as go-nix's, which assumes /nix/store and
// rejects floating content-addressed outputs): the file was written by
// Nix. The experimental DrvWithVersion form is refused; Nix's JSON covers it.
func ParseATerm(data []byte, drvPath string) (*Derivation, error) {
	p := atermParser{s: string(data)}
	d := p.derivation(drvPath)
	if p.err != nil {
		return nil, fmt.Errorf("not a valid ATerm .drv file: %w", p.err)
	}
	if err := d.takeEnvJSON(); err != nil {
		return nil, err
	}
	d.fillName()
	return d, nil
}

// atermParser walks the text; the first error stops everything after it.
type atermParser struct {
	s   string
	i   int
	err error
}

func (p *atermParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
	}
}

func (p *atermParser) lit(s string) {
	if p.err != nil {
		return
	}
	if !strings.HasPrefix(p.s[p.i:], s) {
		p.fail("want %q", s)
		return
	}
	p.i += len(s)
}

func (p *atermParser) peek(c byte) bool { return p.err == nil && p.i < len(p.s) && p.s[p.i] == c }

// str reads a quoted string. Nix escapes only ", \, newline, CR and tab,
// and reads any other escaped character as itself.
func (p *atermParser) str() string {
	p.lit(`"`)
	if p.err != nil {
		return ""
	}
	start := p.i
	// Two IndexByte scans (vectorised) beat one IndexAny (a byte at a
	// time) on the long strings of a derivation's environment.
	end := strings.IndexByte(p.s[start:], '"')
	if end < 0 {
		p.fail("unterminated string")
		return ""
	}
	if strings.IndexByte(p.s[start:start+end], '\\') < 0 {
		p.i = start + end + 1
		return p.s[start : start+end]
	}
	var b strings.Builder
	for i := start; i < len(p.s); i++ {
		switch c := p.s[i]; c {
		case '"':
			p.i = i + 1
			return b.String()
		case '\\':
			if i+1 >= len(p.s) {
				p.fail("unterminated string")
				return ""
			}
			i++
			switch e := p.s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	p.fail("unterminated string")
	return ""
}

// list reads [item,item,...], calling item for each.
func (p *atermParser) list(item func()) {
	p.lit("[")
	if p.peek(']') {
		p.i++
		return
	}
	for p.err == nil {
		item()
		if p.peek(',') {
			p.i++
			continue
		}
		p.lit("]")
		return
	}
}

func (p *atermParser) strList() []string {
	l := []string{}
	p.list(func() { l = append(l, p.str()) })
	return l
}

func (p *atermParser) derivation(drvPath string) *Derivation {
	d := &Derivation{Path: drvPath, Outputs: map[string]Output{}, InputDrvs: map[string][]string{}, Env: map[string]string{}}
	p.lit("Derive(")
	p.list(func() {
		p.lit("(")
		id := p.str()
		p.lit(",")
		var o Output
		o.Path = p.str()
		p.lit(",")
		o.HashAlgo = p.str()
		p.lit(",")
		o.Hash = p.str()
		p.lit(")")
		d.Outputs[id] = o
	})
	p.lit(",")
	p.list(func() {
		p.lit("(")
		in := p.str()
		p.lit(",")
		outs := p.strList()
		p.lit(")")
		slices.Sort(outs)
		d.InputDrvs[in] = outs
	})
	p.lit(",")
	d.InputSrcs = p.strList()
	slices.Sort(d.InputSrcs)
	p.lit(",")
	d.System = p.str()
	p.lit(",")
	d.Builder = p.str()
	p.lit(",")
	d.Args = p.strList()
	p.lit(",")
	p.list(func() {
		p.lit("(")
		k := p.str()
		p.lit(",")
		v := p.str()
		p.lit(")")
		d.Env[k] = v
	})
	p.lit(")")
	if p.err == nil && p.i != len(p.s) && strings.TrimSpace(p.s[p.i:]) != "" {
		p.fail("trailing data after the derivation")
	}
	return d
}
