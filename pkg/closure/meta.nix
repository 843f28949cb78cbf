# The meta walk of target.nix, applied to the target: walks the target's
# dependency attributes in the Nix language and returns, keyed by .drv path,
# the metadata that never reaches the .drv file (meta.*, source URLs,
# patches). tryEval keeps one broken attribute from losing the rest.
target:
let
  inherit (builtins) tryEval deepSeq isAttrs isList isString filter concatMap map;

  safe = v: let r = tryEval (deepSeq v v); in if r.success then r.value else null;
  isDrv = x: isAttrs x && (x.type or null) == "derivation";
  drvPathOf = d: let r = tryEval d.drvPath; in if r.success then builtins.unsafeDiscardStringContext r.value else null;

  # The attributes that went into the .drv are exactly the build inputs
  # (a NixOS toplevel's kernel, systemd, etc. included); a value that is
  # not a derivation or a list of them is skipped.
  asList = v: if isList v then v else [ v ];
  depsOf = d:
    let attrs = d.drvAttrs or { }; in
    concatMap (a:
      let r = tryEval (filter isDrv (asList attrs.${a})); in if r.success then r.value else [ ])
      (builtins.attrNames attrs);

  items = builtins.genericClosure {
    startSet = filter (i: i.key != null) (map (d: { key = drvPathOf d; drv = d; }) (filter isDrv (asList target)));
    operator = i: filter (x: x.key != null) (map (d: { key = drvPathOf d; drv = d; }) (depsOf i.drv));
  };

  license = l:
    if isString l then { name = l; }
    else if isAttrs l then { spdxId = l.spdxId or null; name = l.fullName or l.shortName or null; }
    else null;
  person = m: if isString m then m else m.github or m.name or m.email or null;
  patchName = p: if isDrv p then p.name else baseNameOf (toString p);
  urlsOf = s: if !(isDrv s) then [ ] else s.urls or (if s ? url then [ s.url ] else [ ]);

  info = d: let m = d.meta or { }; in {
    pname = safe (d.pname or null);
    version = safe (d.version or null);
    licenses = safe (filter (x: x != null) (map license (asList (m.license or [ ]))));
    homepage = safe (let h = m.homepage or null; in if isList h then builtins.head h else h);
    description = safe (m.description or null);
    maintainers = safe (filter (x: x != null) (map person (m.maintainers or [ ])));
    cpe = safe (m.identifiers.cpe or null);
    # A fixed-output derivation is itself a source: its own URLs count.
    sources = safe (concatMap urlsOf (asList (d.src or d.srcs or [ ])) ++ (if d ? outputHash then urlsOf d else [ ]));
    patches = safe (map patchName (d.patches or [ ]));
  };
in
builtins.listToAttrs (map (i: { name = i.key; value = info i.drv; }) items)
