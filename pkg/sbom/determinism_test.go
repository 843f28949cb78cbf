package sbom

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"
)

// shuffle reorders everything in b whose order carries no meaning.
func shuffle(b *BOM, r *rand.Rand) {
	r.Shuffle(len(b.Components), func(i, j int) { b.Components[i], b.Components[j] = b.Components[j], b.Components[i] })
	r.Shuffle(len(b.Roots), func(i, j int) { b.Roots[i], b.Roots[j] = b.Roots[j], b.Roots[i] })
	for _, m := range []map[string][]string{b.Dependencies, b.BuildOnly} {
		for _, v := range m {
			r.Shuffle(len(v), func(i, j int) { v[i], v[j] = v[j], v[i] })
		}
	}
}

func TestDeterminism(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range fixtures(t) {
		for _, f := range Formats {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				want := encode(t, loadBOM(t, name), f)
				if again := encode(t, loadBOM(t, name), f); !bytes.Equal(again, want) {
					t.Fatalf("two encodings of the same BOM differ")
				}
				for i := 0; i < 5; i++ {
					b := loadBOM(t, name)
					shuffle(b, r)
					if got := encode(t, b, f); !bytes.Equal(got, want) {
						t.Fatalf("shuffled BOM encodes differently:\n%s\nwant\n%s", got, want)
					}
				}
			})
		}
	}
}

var (
	serialRE    = regexp.MustCompile(`urn:uuid:[0-9a-f-]+`)
	namespaceRE = regexp.MustCompile(`https://voidnxsec\.github\.io/nixops-actions/spdx/[^"\s]+`)
)

// TestIdentityFollowsContent checks that the serial number and namespace
// are derived from the document: another time or another component gives
// another identity, the same BOM the same one.
func TestIdentityFollowsContent(t *testing.T) {
	tests := []struct {
		f  Format
		re *regexp.Regexp
	}{{CycloneDXJSON, serialRE}, {CycloneDXXML, serialRE}, {SPDXJSON, namespaceRE}, {SPDXTagValue, namespaceRE}}
	for _, tt := range tests {
		t.Run(string(tt.f), func(t *testing.T) {
			id := func(mutate func(*BOM)) string {
				b := loadBOM(t, "runtime-deps")
				mutate(b)
				m := tt.re.Find(encode(t, b, tt.f))
				if m == nil {
					t.Fatalf("no identity in the %s output", tt.f)
				}
				return string(m)
			}
			base := id(func(*BOM) {})
			later := id(func(b *BOM) { b.Timestamp = b.Timestamp.Add(time.Second) })
			other := id(func(b *BOM) { b.Components[1].Version = "2.40" })
			if base == later || base == other || later == other {
				t.Errorf("identity does not follow content: base %s, later %s, other %s", base, later, other)
			}
			if again := id(func(*BOM) {}); again != base {
				t.Errorf("same BOM, other identity: %s vs %s", again, base)
			}
		})
	}
}
