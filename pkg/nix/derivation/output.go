package derivation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nix-community/go-nix/pkg/nixbase32"
	"github.com/nix-community/go-nix/pkg/nixhash"
)

// methodPrefix maps the content-addressing methods of Nix 2.31+ JSON to the
// hashAlgo prefixes of older Nix and of the ATerm format.
var methodPrefix = map[string]string{"flat": "", "nar": "r:", "text": "text:", "git": "git:"}

// parseOutput normalises the output forms of all Nix versions:
// {"path", "hashAlgo": "r:sha256", "hash": "<hex>"} (Nix < 2.31),
// {"path", "method": "nar", "hashAlgo": "sha256", "hash": "<hex>"} (2.31, 2.32) and
// {"method": "nar", "hash": "sha256-<base64>"} (version 4).
func parseOutput(fields map[string]json.RawMessage, where string) (Output, error) {
	var o Output
	var method, rawHash string
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"path", &o.Path}, {"method", &method}, {"hashAlgo", &o.HashAlgo}, {"hash", &rawHash}} {
		if *f.dst, err = drvJSON.Str(fields, f.name, where); err != nil {
			return Output{}, err
		}
	}
	prefix, algo := splitHashAlgo(o.HashAlgo)
	if _, ok := fields["method"]; ok {
		p, known := methodPrefix[method]
		if !known {
			return Output{}, fmt.Errorf("derivation JSON: field \"method\" of %s: unknown method %q, want nar, flat, text or git", where, method)
		}
		prefix = p
	}
	if rawHash != "" {
		h, err := parseOutputHash(rawHash, algo)
		if err != nil {
			return Output{}, fmt.Errorf("derivation JSON: field \"hash\" of %s: %w", where, err)
		}
		o.Hash = strings.ToLower(h.hex)
		if algo == "" {
			algo = h.algo
		}
	}
	if algo != "" {
		o.HashAlgo = prefix + algo
	}
	return o, nil
}

// splitHashAlgo splits "r:sha256" into "r:" and "sha256".
func splitHashAlgo(s string) (prefix, algo string) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[:i+1], s[i+1:]
	}
	return "", s
}

type outputHash struct{ algo, hex string }

// parseOutputHash accepts the bare hex digest of older Nix (whose algorithm
// is in hashAlgo) and the SRI hash of version 4.
func parseOutputHash(s, algo string) (outputHash, error) {
	if strings.ContainsAny(s, ":-") {
		h, err := nixhash.ParseAny(s, nil)
		if err != nil {
			return outputHash{}, fmt.Errorf("%q: %w", s, err)
		}
		return outputHash{h.Algo().String(), hex.EncodeToString(h.Digest())}, nil
	}
	if algo == "" {
		return outputHash{}, fmt.Errorf("%q has no algorithm and the output no \"hashAlgo\"", s)
	}
	if a, err := nixhash.ParseAlgorithm(algo); err == nil {
		h, err := nixhash.ParseAny(s, &a)
		if err != nil {
			return outputHash{}, fmt.Errorf("%q: %w", s, err)
		}
		return outputHash{algo, hex.EncodeToString(h.Digest())}, nil
	}
	// An algorithm go-nix does not know (blake3): keep the digest if hex.
	if _, err := hex.DecodeString(s); err != nil {
		return outputHash{}, fmt.Errorf("%q: want hex digest for algorithm %q", s, algo)
	}
	return outputHash{algo, s}, nil
}

// fixedOutputPath computes the store path of a fixed-output derivation's
// output, which version 4 JSON leaves out, as makeFixedOutputPath in Nix's
// libstore/store-dir-config.cc does. Text-hashed outputs depend on
// references the JSON does not give, so they get no path.
func fixedOutputPath(storeDir, name string, o Output) string {
	prefix, algo := splitHashAlgo(o.HashAlgo)
	if prefix == "text:" || o.Hash == "" {
		return ""
	}
	hashStr := algo + ":" + o.Hash
	if prefix == "r:" && algo == "sha256" {
		return makeStorePath(storeDir, "source", hashStr, name)
	}
	inner := sha256.Sum256([]byte("fixed:out:" + prefix + hashStr + ":"))
	return makeStorePath(storeDir, "output:out", "sha256:"+hex.EncodeToString(inner[:]), name)
}

func makeStorePath(storeDir, typ, hashStr, name string) string {
	h := sha256.Sum256([]byte(typ + ":" + hashStr + ":" + storeDir + ":" + name))
	return storeDir + "/" + nixbase32.EncodeToString(nixhash.CompressHash(h[:], 20)) + "-" + name
}
