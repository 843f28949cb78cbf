# Applied with `nix eval --json <installable> --apply '(<this file>) WALK'`,
# WALK being meta.nix or null: the one evaluation of a flake target, which
# answers everything the SBOM needs from the Nix language. The derivation
# graph is read from the .drv files afterwards, so only the target's own
# paths are asked for here, and the meta walk when WALK is given.
walk: target:
let
  path = builtins.unsafeDiscardStringContext;
  names = target.outputs or [ "out" ];
in
{
  drvPath = path target.drvPath;
  # A floating content-addressed output evaluates to a placeholder, not a
  # store path; the caller drops those, as the .drv file leaves them empty.
  outputs = builtins.listToAttrs (map (o: { name = o; value = path target.${o}.outPath; }) names);
  meta = if walk == null then null else walk target;
}
