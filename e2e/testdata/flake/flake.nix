# /bin/sh derivations, no nixpkgs. e2e-app's output names the paths of the
# others, so the runtime closure is all five; it takes them as a list
# attribute, as nixpkgs' buildInputs, so the meta walk finds them too. Each
# carries meta.license as nixpkgs packages do (attributes beside the
# derivation, not inside it).
#
# Three of them hold what syft recognises, for the embedded scan:
#   - gohello: a real Go binary with module build info. The test builds
#     pkg/embedded/testdata/gohello into payload/bin/gohello before any
#     evaluation; it is not checked in.
#   - python3.12-requests: an installed dist-info (METADATA, RECORD).
#   - webapp-1.0.0-source: an npm lock file v3, which syft's lock cataloger
#     reads in a *-source store path only.
{
  description = "nixops-actions e2e fixture";
  outputs = { self }:
    let
      forSystem = system:
        let
          # The sandbox maps the host's /bin and /usr in: their coreutils
          # stand in for stdenv's.
          sh = name: script: attrs: derivation ({
            inherit name system;
            builder = "/bin/sh";
            args = [ "-c" script ];
            PATH = "/usr/bin:/bin";
          } // attrs);

          lib = sh "e2e-lib-1.0" "echo 'shared library stand-in' > $out" { }
            // { meta.license = { spdxId = "MIT"; }; };

          gohello = sh "gohello-0.1.0" ''
            mkdir -p $out/bin
            cp $src $out/bin/gohello
          '' { src = ./payload/bin/gohello; }
            // { meta.license = { spdxId = "BSD-3-Clause"; }; };

          requests = sh "python3.12-requests-2.31.0" ''
            d=$out/lib/python3.12/site-packages/requests-2.31.0.dist-info
            mkdir -p $d
            cp $src/METADATA $src/RECORD $d/
          '' { src = ./payload/requests-2.31.0.dist-info; }
            // { meta.license = { spdxId = "Apache-2.0"; }; };

          # A license list means all of them apply (SPDX: MIT AND ISC).
          webappSrc = sh "webapp-1.0.0-source" ''
            mkdir -p $out
            cp $src/package-lock.json $out/
          '' { src = ./payload/webapp; }
            // { meta.license = [ { spdxId = "MIT"; } { spdxId = "ISC"; } ]; };

          app = sh "e2e-app-2.3" ''echo "uses $deps" > $out''
            { deps = [ lib gohello requests webappSrc ]; }
            // { meta.license = { spdxId = "Apache-2.0"; }; meta.description = "e2e app"; };
        in { inherit lib gohello requests webappSrc app; default = app; };
    in {
      packages.x86_64-linux = forSystem "x86_64-linux";
      packages.aarch64-linux = forSystem "aarch64-linux";
    };
}
