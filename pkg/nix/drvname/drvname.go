// Package drvname splits Nix derivation names into package name and version
// the way Nix's builtins.parseDrvName does, so that SBOM components carry the
// same name/version pair a Nix user would see.
package drvname

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
