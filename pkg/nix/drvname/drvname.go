// Package drvname splits Nix derivation names into package name and version
// the way Nix's builtins.parseDrvName does, so that SBOM components carry the
// same name/version pair a Nix user would see.
package drvname

import "strings"

// hashLen is the length of the nixbase32 digest that prefixes every store
// path basename (20 bytes, 160 bits, 32 characters).
const hashLen = 32

// nixbase32 is Nix's base-32 alphabet: digits and lowercase letters without
// e, o, u and t.
const nixbase32 = "0123456789abcdfghijklmnpqrsvwxyz"

// Parse splits name at the first '-' that is followed by a character that is
// not an ASCII letter, as DrvName::DrvName in Nix's libstore/names.cc does:
// "apache-httpd-2.0.48" gives ("apache-httpd", "2.0.48") and a name without
// such a dash is all pname with an empty version.
func Parse(name string) (pname, version string) {
	for i := 0; i+1 < len(name); i++ {
		if name[i] == '-' && !isASCIILetter(name[i+1]) {
			return name[:i], name[i+1:]
		}
	}
	return name, ""
}

// isASCIILetter mirrors isalpha in the C locale Nix runs under: bytes of
// multi-byte UTF-8 sequences are not letters.
func isASCIILetter(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// FromStorePath returns the name part of a store path or store path
// basename: "/nix/store/<hash>-hello-1.0" gives "hello-1.0". Anything without
// the "<hash>-" prefix is returned as its basename, unchanged, so callers can
// pass names they are unsure about.
func FromStorePath(p string) (name string) {
	base := p[strings.LastIndexByte(p, '/')+1:]
	if len(base) > hashLen && base[hashLen] == '-' && isHash(base[:hashLen]) {
		return base[hashLen+1:]
	}
	return base
}

func isHash(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(nixbase32, s[i]) < 0 {
			return false
		}
	}
	return true
}
