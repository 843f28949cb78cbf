# The meta walk of target.nix, applied to the target: walks the target's
# dependency attributes in the Nix language and returns, keyed by .drv path,
# the metadata that never reaches the .drv file (meta.*, source URLs,
# patches). tryEval keeps one broken attribute from losing the rest.
target:
let
  inherit (builtins) tryEval deepSeq isAttrs isList isString filter concatMap map;

  safe = v: let r = tryEval (deepSeq v v); in if r.success then r.value else null;
  isDrv = x: isAttrs x && (x.type or null) == "derivation";
  # genericClosure compares keys by their characters, so the string
  # context is only dropped from the 10,000 results, not from every edge.
  drvPathOf = d: let r = tryEval d.drvPath; in if r.success then r.value else null;

  # The attributes that went into the .drv are exactly the build inputs
  # (a NixOS toplevel's kernel, systemd, etc. included); a value that is
  # not a derivation or a list of them is skipped.
  asList = v: if isList v then v else [ v ];
  depsOneByOne = attrs:
    concatMap (a: let r = tryEval (filter isDrv (asList attrs.${a})); in if r.success then r.value else [ ])
      (builtins.attrNames attrs);
  # The derivation's drvPath evaluated, so its attributes were forced on
  # the way and all of them at once rarely fail: one tryEval per
  # derivation, and primops (filter isList, filter isAttrs) sift the
  # strings out before a Nix function is called. Each tryEval and each
  # call allocates, and 10,000 derivations have 50,000 edges.
  depsOf = d:
    let
      attrs = d.drvAttrs or { };
      values = builtins.attrValues attrs;
      all = tryEval (filter isDrv (filter isAttrs (values ++ builtins.concatLists (filter isList values))));
    in
    if all.success then all.value else depsOneByOne attrs;

  # Items for genericClosure, whose key must not fail: the drvPaths of all
  # of ds are checked at once (catAttrs is a primop), one by one only when
  # that fails.
  itemsOf = ds:
    let
      keys = builtins.catAttrs "drvPath" ds;
      ok = tryEval (deepSeq keys (builtins.length keys == builtins.length ds));
    in
    if ok.success && ok.value then map (d: { key = d.drvPath; drv = d; }) ds
    else filter (i: i.key != null) (map (d: { key = drvPathOf d; drv = d; }) ds);

  items = builtins.genericClosure {
    startSet = itemsOf (filter isDrv (asList target));
    operator = i: itemsOf (depsOf i.drv);
  };

  license = l:
    if isString l then { name = l; }
    else if isAttrs l then { spdxId = l.spdxId or null; name = l.fullName or l.shortName or null; }
    else null;
  person = m: if isString m then m else m.github or m.name or m.email or null;
  patchName = p: if isDrv p then p.name else baseNameOf (toString p);
  urlsOf = s: if !(isDrv s) then [ ] else s.urls or (if s ? url then [ s.url ] else [ ]);

  fields = d: let m = d.meta or { }; in {
    pname = d.pname or null;
    version = d.version or null;
    licenses = filter (x: x != null) (map license (asList (m.license or [ ])));
    homepage = let h = m.homepage or null; in if isList h then builtins.head h else h;
    description = m.description or null;
    maintainers = filter (x: x != null) (map person (m.maintainers or [ ]));
    cpe = m.identifiers.cpe or null;
    # A fixed-output derivation is itself a source: its own URLs count.
    sources = concatMap urlsOf (asList (d.src or d.srcs or [ ])) ++ (if d ? outputHash then urlsOf d else [ ]);
    patches = map patchName (d.patches or [ ]);
    # As nixpkgs' check-meta decides: unfree when any license says
    # free = false; a license without the attribute is free.
    unfree = builtins.any (l: isAttrs l && !(l.free or true)) (asList (m.license or [ ]));
    knownVulnerabilities = filter isString (m.knownVulnerabilities or [ ]);
  };
  # As with depsOf: the whole record at once, field by field only when one
  # of them fails, which then alone is null.
  info = d:
    let f = fields d; all = safe f; in
    if all != null then all else builtins.mapAttrs (_: safe) f;
in
builtins.listToAttrs (map (i: { name = builtins.unsafeDiscardStringContext i.key; value = info i.drv; }) items)
