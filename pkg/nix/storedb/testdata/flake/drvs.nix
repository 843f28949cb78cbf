# Store objects of every kind the database records, for comparing it with
# what `nix path-info` prints. No nixpkgs; builder /bin/sh only.
#   top   -> multi.dev -> multi.out -> lib -> note       (runtime references)
#   multi.out -> flat, tree                               (fixed-output, flat and recursive)
#   lib   -> lib                                          (self-reference)
#   multi -> tool                                         (build-only: read, not kept)
#   multi.doc                                             (an output nothing refers to)
#   note                                                  (builtins.toFile: text CA, no deriver)
{ system }:
let
  mk = attrs: derivation ({
    inherit system;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
  } // attrs);
  note = builtins.toFile "note.txt" "a text file in the store\n";
in
rec {
  flat = mk {
    name = "flat";
    args = [ "-c" "printf hello > $out" ];
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  };
  tree = mk {
    name = "tree";
    args = [ "-c" "mkdir $out; printf x > $out/x" ];
    outputHashMode = "recursive";
    outputHashAlgo = "sha256";
    outputHash = "7baf0e161def7e4aa0bf041c113cdde40607eb59a570d6537235039ce8b2423f";
  };
  tool = mk { name = "tool-1.0"; args = [ "-c" "echo tool > $out" ]; };
  lib = mk { name = "lib-2.3"; args = [ "-c" "mkdir $out; echo $out > $out/self; echo ${note} > $out/note" ]; };
  multi = mk {
    name = "multi-0.1";
    outputs = [ "out" "dev" "doc" ];
    args = [ "-c" "read t < ${tool}; mkdir $out $dev $doc; echo ${lib} ${flat} ${tree} > $out/deps; echo $out > $dev/out; echo doc > $doc/readme" ];
  };
  top = mk { name = "top"; args = [ "-c" "echo ${multi.dev} > $out" ]; };
  unbuilt = mk { name = "unbuilt"; args = [ "-c" "echo ${lib} > $out" ]; };
}
