{
  description = "A small closure for nixops-sbom: /bin/sh builders, no nixpkgs, nixpkgs-shaped metadata";

  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);

      packagesFor = system:
        let
          mk = args: derivation ({ inherit system; builder = "/bin/sh"; PATH = "/usr/bin:/bin"; } // args);
          # As nixpkgs' mkDerivation does, every output carries the meta.
          withMeta = meta: drv: drv // { inherit meta; }
            // builtins.listToAttrs (map (o: { name = o; value = drv.${o} // { inherit meta; }; }) drv.outputs);
          licenses = {
            mit = { spdxId = "MIT"; fullName = "MIT License"; free = true; };
            asl20 = { spdxId = "Apache-2.0"; fullName = "Apache License 2.0"; free = true; };
            zlib = { spdxId = "Zlib"; fullName = "zlib License"; free = true; };
          };
        in
        rec {
          # A fixed-output source, as fetchurl makes one; built offline here.
          greeting-src = mk {
            name = "greeting-1.2.tar";
            urls = [ "https://example.org/greeting/greeting-1.2.tar" ];
            outputHashMode = "flat";
            outputHashAlgo = "sha256";
            outputHash = "d9b4464c95ff5cba1a6e63045c898948d30d86dc33e9c1eed0f41e619e539929";
            args = [ "-c" "echo 'greeting 1.2' > $out" ];
          };

          # Three outputs; greeting keeps a reference to lib only.
          libgreet = withMeta { license = licenses.zlib; homepage = "https://example.org/libgreet"; description = "Greeting library"; } (mk {
            pname = "libgreet";
            version = "2.0.1";
            name = "libgreet-2.0.1";
            outputs = [ "out" "dev" "lib" ];
            args = [ "-c" "echo libgreet > $lib; echo \"headers for $lib\" > $dev; echo \"libgreet docs\" > $out" ];
          });

          # Needed to build greeting, absent from its output.
          greet-tool = mk {
            pname = "greet-tool";
            version = "0.5";
            name = "greet-tool-0.5";
            args = [ "-c" "echo 'tool' > $out" ];
          } // { meta.license = licenses.mit; };

          greeting = mk {
            pname = "greeting";
            version = "1.2";
            name = "greeting-1.2";
            src = greeting-src;
            nativeBuildInputs = [ greet-tool ];
            buildInputs = [ libgreet.lib libgreet.dev ];
            patches = [ ./CVE-2024-12345.patch ];
            args = [ "-c" "read -r g < $src; echo \"$g, linked to ${libgreet.lib}\" > $out" ];
          } // {
            meta = {
              license = [ licenses.mit licenses.asl20 ];
              homepage = "https://example.org/greeting";
              description = "Prints a greeting";
              maintainers = [ { name = "Ada Lovelace"; github = "ada"; } ];
              identifiers.cpe = "cpe:2.3:a:example:greeting:1.2:*:*:*:*:*:*:*";
            };
          };

          # Metadata that fails in parts, as tryEval catches it: a throwing
          # description, and a dependency whose drvPath throws. The rest of
          # the metadata is still found.
          brittle = mk {
            pname = "brittle";
            version = "0.1";
            name = "brittle-0.1";
            buildInputs = [ greet-tool { type = "derivation"; name = "no-drv"; outPath = greet-tool.outPath; drvPath = throw "no drvPath"; } ];
            args = [ "-c" "echo brittle > $out" ];
          } // {
            meta = {
              license = [ licenses.asl20 { shortName = "vendor-eula"; fullName = "Vendor EULA"; free = false; } ];
              homepage = "https://example.org/brittle";
              description = throw "no description";
              knownVulnerabilities = [ "CVE-2020-0001" "Unmaintained upstream\n  since 2020." ];
            };
          };

          # Metadata beyond tryEval (abort): the target still resolves,
          # without any metadata.
          aborting = mk {
            pname = "aborting";
            version = "0.1";
            name = "aborting-0.1";
            args = [ "-c" "echo aborting > $out" ];
          } // { meta = { license = licenses.mit; description = abort "no metadata here"; }; };

          # Evaluates, and is never built by the tests.
          greeting-docs = mk {
            pname = "greeting-docs";
            version = "1.2";
            name = "greeting-docs-1.2";
            args = [ "-c" "echo 'docs' > $out" ];
          };

          # Structured attributes: pname and version live in __json, not in
          # the environment. bash, since the attributes come as a bash file.
          structured = derivation {
            inherit system;
            name = "structured-pkg"; # unlike pname and version, so the test sees where they come from
            pname = "structured";
            version = "0.3";
            builder = "/bin/bash";
            __structuredAttrs = true;
            args = [ "-c" "source \"\${NIX_ATTRS_SH_FILE:-.attrs.sh}\"; echo structured > \"\${outputs[out]}\"" ];
          };

          # Import from derivation: ifd's version is read from a file that
          # ifd-gen builds, so evaluating ifd means building ifd-gen first.
          ifd-gen = mk {
            name = "ifd-gen";
            args = [ "-c" "echo '{ version = \"9.9\"; }' > $out" ];
          };
          ifd = mk {
            pname = "ifd";
            version = (import ifd-gen).version;
            name = "ifd-${(import ifd-gen).version}";
            args = [ "-c" "echo ifd > $out" ];
          };

          # Sources holding an npm lock file and a Python package, as the
          # embedded scan finds them; the app references them and greeting.
          webapp = mk {
            pname = "webapp";
            version = "1.0.0";
            name = "webapp-1.0.0";
            site = ./webapp;
            args = [ "-c" "echo \"serves ${greeting} from $site\" > $out" ];
          };

          default = greeting;
        };
    in
    {
      packages = forAllSystems packagesFor;
    };
}
