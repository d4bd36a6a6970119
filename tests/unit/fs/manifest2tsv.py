#!/usr/bin/env python3
"""Turn ../shared/fat-images/manifest.json into lines the C tests read:
   image <TAB> path <TAB> size <TAB> sha256 <TAB> first_cluster <TAB> extents
(one line per file; paths are UTF-8 and contain no tabs)."""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    manifest = json.load(f)
for image, info in sorted(manifest.items()):
    if not isinstance(info, dict) or "files" not in info:
        continue
    for path, meta in sorted(info["files"].items()):
        assert "\t" not in path and "\n" not in path
        sys.stdout.write("%s\t%s\t%d\t%s\t%d\t%d\n" % (
            image, path, meta["size"], meta["sha256"], meta["first_cluster"], meta["extents"]))
