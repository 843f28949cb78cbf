# The two commands of the README: `make sbom` runs the main job locally on
# the example flake, `make test` runs every test.
GO ?= go
EXAMPLE := path:$(CURDIR)/pkg/closure/testdata/flake\#default

.PHONY: sbom test

sbom:
	@command -v nix >/dev/null || { echo "nix is not installed: get it from https://nixos.org/download (or 'apt-get install nix-bin' on Debian), with 'experimental-features = nix-command flakes' in nix.conf; in a workflow use the setup-nix action" >&2; exit 1; }
	nix build --no-link '$(EXAMPLE)'
	$(GO) run ./cmd/nixops-sbom --target '$(EXAMPLE)' --format cyclonedx-json,cyclonedx-xml,spdx-json,spdx-tag-value --output-dir out

# -count=1: the tests run real Nix, git, act and Prometheus, whose state
# go test's result cache cannot see.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...
