# The derivations of nix-2.8-show-derivation.json and aterm-*.drv, built with
# Nix 2.8 on the host; TestLiveNix instantiates them again in a throw-away store.
let
  sys = "x86_64-linux"; # fixed, so the .drv paths do not depend on the host
  dep = derivation { name = "nixops-dep-1.0"; system = sys; builder = "/bin/sh"; args = ["-c" "echo dep > $out"]; };
  fod = derivation { name = "nixops-fod"; system = sys; builder = "/bin/sh"; args = ["-c" "printf hi > $out"];
    outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = builtins.hashString "sha256" "hi"; };
  fodr = derivation { name = "nixops-fod-rec"; system = sys; builder = "/bin/sh"; args = ["-c" "printf hi > $out"];
    outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "sha256-IlLUt4yU6Mes5OMxe3i9/mS8jjlwpk620vfCpEPAw/w="; };
  src = builtins.toFile "nixops-src.txt" "source text";
in {
  inherit dep fod;
  fodr = fodr;
  top = derivation { name = "nixops-top-2.3.4"; system = sys; builder = "/bin/sh"; outputs = ["out" "dev"];
    args = ["-c" "echo ${dep} ${src} > $out; echo dev > $dev"]; };
  sa = derivation { name = "nixops-sa-0.1"; system = sys; builder = "/bin/bash"; __structuredAttrs = true;
    args = ["-c" ". .attrs.sh; echo sa > \${outputs[out]}"]; meta = { license = "MIT"; n = 3; }; pname = "nixops-sa"; };
}
