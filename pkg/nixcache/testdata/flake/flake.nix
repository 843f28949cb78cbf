{
  description = "Three paths for the cache tests: app refers to lib; other stands alone. /bin/sh builders, no nixpkgs.";

  outputs = { self }:
    let
      system = builtins.currentSystem or "x86_64-linux";
      mk = name: script: derivation { inherit name system; builder = "/bin/sh"; args = [ "-c" script ]; };
    in
    rec {
      lib = mk "cache-test-lib-1.0" "echo lib > $out";
      app = mk "cache-test-app-1.0" "echo 'uses ${lib}' > $out";
      other = mk "cache-test-other-1.0" "echo other > $out";
    };
}
