# Two /bin/sh derivations, no nixpkgs: e2e-app's output holds the path of
# e2e-lib, so the runtime closure is both, and each carries meta.license as
# nixpkgs packages do (attributes beside the derivation, not inside it).
{
  description = "nixops-actions e2e fixture";
  outputs = { self }:
    let
      forSystem = system:
        let
          lib = derivation {
            name = "e2e-lib-1.0";
            inherit system;
            builder = "/bin/sh";
            args = [ "-c" "echo 'shared library stand-in' > $out" ];
          } // { meta.license = { spdxId = "MIT"; }; };
          app = derivation {
            name = "e2e-app-2.3";
            inherit system;
            builder = "/bin/sh";
            args = [ "-c" "echo 'uses ${lib}' > $out" ];
          } // { meta.license = { spdxId = "Apache-2.0"; }; meta.description = "e2e app"; };
        in { inherit lib app; default = app; };
    in {
      packages.x86_64-linux = forSystem "x86_64-linux";
      packages.aarch64-linux = forSystem "aarch64-linux";
    };
}
