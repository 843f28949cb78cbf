package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/nixcache"
)

func summary(s *nixcache.Saved, key, secs string) string {
	var b strings.Builder
	b.WriteString("### Nix binary cache\n\n")
	tb := markdown.NewTable(markdown.Column{Name: "Store paths"}, markdown.Column{Name: "Count", Align: markdown.Right})
	for _, row := range []struct {
		what string
		n    int
	}{
		{"restored", len(s.Before)}, {"in the closures", s.Closure}, {"left to the upstreams", s.Served},
		{"added", s.Added}, {"pruned", s.Removed}, {"in the cache now", len(s.After)},
	} {
		tb.Row(row.what, strconv.Itoa(row.n))
	}
	b.WriteString(tb.String())
	fmt.Fprintf(&b, "\n%.1f MiB of NARs, %ss. ", float64(s.Bytes)/(1<<20), secs)
	if s.Changed {
		fmt.Fprintf(&b, "Saved under %s.\n", markdown.Code(key))
	} else {
		b.WriteString("Unchanged since the restore: not saved again.\n")
	}
	return b.String()
}
