# Derivations for the store tests: no nixpkgs, builder /bin/sh only.
#   top   -> multi.dev -> multi.out -> lib      (runtime references)
#   top   -> fixed                              (fixed-output, referenced)
#   multi -> tool                               (build-only: read, not kept)
#   unbuilt                                     (never built: DrvPath must not build it)
#   ifd   -> ifd-gen                            (import from derivation: must not evaluate)
{ system }:
let
  mk = attrs: derivation ({
    inherit system;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
  } // attrs);
in
rec {
  fixed = mk {
    name = "fixed";
    args = [ "-c" "printf hello > $out" ];
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  };
  tool = mk { name = "tool-1.0"; args = [ "-c" "echo tool > $out" ]; };
  lib = mk { name = "lib-2.3"; args = [ "-c" "echo lib > $out" ]; };
  multi = mk {
    name = "multi-0.1";
    outputs = [ "out" "dev" ];
    args = [ "-c" "read t < ${tool}; mkdir $out $dev; echo ${lib} > $out/lib; echo $out > $dev/out; cat ${fixed} > $out/copy" ];
  };
  top = mk { name = "top"; args = [ "-c" "echo ${multi.dev} ${fixed} > $out" ]; };
  unbuilt = mk { name = "unbuilt"; args = [ "-c" "echo ${lib} > $out" ]; };
  ifd-gen = mk { name = "ifd-gen"; args = [ "-c" "echo '\"ifd-1.0\"' > $out" ]; };
  ifd = mk { name = import ifd-gen; args = [ "-c" "echo ifd > $out" ]; };
}
