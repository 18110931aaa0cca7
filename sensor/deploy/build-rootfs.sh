#!/bin/sh
# Assembles the root filesystem of the Vigil image from a built checkout:
# the node binary, the shared libraries it and the two addons load (found
# with ldd), /usr/bin/env for the `vigil` shebang, and /opt/vigil with
# dist/ (tests left out), the .proto files the loader reads at run time,
# the addon (the BPF programs are embedded in it by the libbpf skeleton)
# and the production node_modules. Nothing else: no shell, no compiler.
#
# The Dockerfile's runtime stage is this directory and nothing more, and the
# container tests import the same directory into containerd, so the two
# cannot drift.
#
#   sh sensor/deploy/build-rootfs.sh SRC DEST
# SRC: a checkout after `npm ci` (dist/ and build/Release/ built).
# DEST: created; must not exist.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 SRC DEST" >&2; exit 2; }
src=$(cd "$1" && pwd)
dest=$2
[ ! -e "$dest" ] || { echo "build-rootfs: $dest exists; give a new directory" >&2; exit 2; }
for f in dist/vigil.js build/Release/vigil.node node_modules package-lock.json; do
  [ -e "$src/$f" ] || { echo "build-rootfs: $src/$f is missing; run npm ci (or npm run build) in $src first" >&2; exit 1; }
done

app="$dest/opt/vigil"
mkdir -p "$app/build/Release" "$dest/usr/local/bin" "$dest/usr/bin" "$dest/tmp" "$dest/proc" "$dest/sys" "$dest/dev" "$dest/etc"
chmod 1777 "$dest/tmp"

cp "$src/package.json" "$src/package-lock.json" "$app/"
cp "$src/build/Release/vigil.node" "$app/build/Release/"
cp -a "$src/dist" "$app/dist"
rm -rf "$app/dist/test"
(cd "$src" && find proto -name '*.proto' -exec cp --parents {} "$app/" \;)

# The installed tree, pruned to the production dependencies without asking
# the registry: the addons are already built for this node binary.
cp -a "$src/node_modules" "$app/node_modules"
(cd "$app" && npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
# better-sqlite3 ships SQLite's sources and the build's objects; only the .node runs.
sqlite="$app/node_modules/better-sqlite3"
rm -rf "$sqlite/deps" "$sqlite/src" "$sqlite/build/Release/obj.target" "$sqlite/build/Release/.deps" "$sqlite/build/Release/obj" "$sqlite/build/deps" "$sqlite/build/Release/test_extension.node"
# node-addon-api is headers for building the addon, never loaded.
rm -rf "$app/node_modules/node-addon-api"
# Pruning leaves the scope directories of what it removed.
find "$app/node_modules" -type d -empty -delete

cp -L "$(command -v node)" "$dest/usr/local/bin/node"
cp -L /usr/bin/env "$dest/usr/bin/env"
ln -s /opt/vigil/dist/vigil.js "$dest/usr/local/bin/vigil"

# Every shared library the binaries load, at the path the loader looks for it.
for bin in "$dest/usr/local/bin/node" "$dest/usr/bin/env" "$app/build/Release/vigil.node" $(find "$app/node_modules" -name '*.node'); do
  ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
done | sort -u | while read -r lib; do
  mkdir -p "$dest$(dirname "$lib")"
  cp -L "$lib" "$dest$lib"
done

