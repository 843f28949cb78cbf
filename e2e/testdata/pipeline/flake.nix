# The project the pipeline test runs the reusable workflow on: two
# packages (two matrix builds), a check that builds, and a check that
# needs KVM, as NixOS VM tests do. /bin/sh builders, no nixpkgs.
{
  description = "nixops-actions pipeline e2e project";
  outputs = { self }:
    let
      system = "x86_64-linux";
      sh = name: script: attrs: derivation ({
        inherit name system;
        builder = "/bin/sh";
        args = [ "-c" script ];
        PATH = "/usr/bin:/bin";
      } // attrs);
      greeting = sh "greeting-1.0" "echo hello > $out" { } // { meta.license = { spdxId = "MIT"; }; };
      app = sh "pipeline-app-2.0" "echo 'uses ${greeting}' > $out" { } // { meta.license = { spdxId = "Apache-2.0"; }; };
    in
    {
      packages.${system} = { inherit greeting app; default = app; };
      checks.${system} = {
        unit = sh "pipeline-unit-test" "grep -q hello ${greeting} && touch $out" { };
        vm = sh "pipeline-vm-test" "touch $out" { requiredSystemFeatures = [ "kvm" "nixos-test" ]; };
      };
    };
}
