#!/usr/bin/env bash
# Builds /widget.js exactly as crates/autocrm-server/build.rs does (type-check,
# then Vite with web/widget/vite.config.ts) into a scratch directory and
# prints its raw and gzipped size (gzip -9, as a CDN or reverse proxy would
# serve it) in bytes.
#
#   bench/widget/size.sh            # from the repository root
#   OUT=/tmp/w bench/widget/size.sh # keep the built file somewhere
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
web="$root/web"
out="${OUT:-$(mktemp -d)}"

cd "$web"
node node_modules/typescript/bin/tsc -p widget/tsconfig.json
node node_modules/vite/bin/vite.js build --config widget/vite.config.ts --logLevel warn --outDir "$out" >/dev/null

file="$out/widget.js"
raw=$(wc -c <"$file")
gz=$(gzip -9 -c "$file" | wc -c)
echo "widget.js raw: $raw bytes"
echo "widget.js gzip -9: $gz bytes"
