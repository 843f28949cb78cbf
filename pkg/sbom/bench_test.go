package sbom

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// bigBOM is a closure the size of a NixOS system: n store paths, each
// depending on the five before it.
func bigBOM(n int) *BOM {
	b := &BOM{Target: "big", Timestamp: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Dependencies: map[string][]string{}}
	for i := range n {
		ref := fmt.Sprintf("%032d-pkg-%d", i, i)
		b.Components = append(b.Components, Component{
			Ref: ref, Type: "library", Name: fmt.Sprintf("pkg-%d", i), Version: "1.0",
			PURL: fmt.Sprintf("pkg:nix/pkg-%d@1.0", i), Licenses: []License{{ID: "MIT"}},
			StorePath: "/nix/store/" + ref, NarSize: int64(i), Scope: Runtime,
		})
		for j := max(0, i-5); j < i; j++ {
			b.Dependencies[ref] = append(b.Dependencies[ref], b.Components[j].Ref)
		}
	}
	b.Roots = []string{b.Components[n-1].Ref}
	return b
}

func BenchmarkEncode(b *testing.B) {
	bom := bigBOM(10000)
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if err := Encode(io.Discard, bom, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
