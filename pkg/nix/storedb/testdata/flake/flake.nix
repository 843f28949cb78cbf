{
  description = "storedb test derivations";
  outputs = { self }:
    let systems = [ "x86_64-linux" "aarch64-linux" ];
    in {
      packages = builtins.listToAttrs (map (system: {
        name = system;
        value = import ./drvs.nix { inherit system; } // {
          default = (import ./drvs.nix { inherit system; }).top;
        };
      }) systems);
    };
}
