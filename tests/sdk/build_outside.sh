#!/bin/sh
# Copies a plugin's folder out of the tree, builds it with only pkg-config's
# accord-plugin flags, signs it with a key made for the test (`accord plugins
# keygen` and `sign`, as a working group would), then loads it into the real
# server, which trusts that key, and checks that `accord init` accepts it
# (signature and loader ABI checks pass) and that it serves.
# usage: build_outside.sh PLUGIN_DIR ACCORD_BIN SOURCE_DIR
set -eu
src=$1 bin=$2 root=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/plugin"
pkg-config --exists accord-plugin
make -s -C "$work/plugin"
mkdir "$work/plugins"
cp "$work/plugin/hello.so" "$work/plugins/"
pub=$("$bin" plugins keygen --out "$work/wg.key" --name "Sample WG" | sed -n 's/^public key: \([^ ]*\) .*/\1/p')
"$bin" plugins sign --key "$work/wg.key" "$work/plugins/hello.so"
cat > "$work/accord.json" <<JSON
{"database": {"path": "$work/db/accord.db"},
 "plugins": {"dir": "$work/plugins", "enabled": {"hello": {}},
             "trusted_keys": [{"name": "Sample WG", "key": "$pub"}]},
 "web_root": "$root/web"}
JSON
"$bin" plugins verify --config "$work/accord.json" "$work/plugins/hello.so"
"$bin" init --config "$work/accord.json"
# The plugin must appear in a running server's sys.info; checked with a tiny
# node client when node is present, else loading alone is the check.
if command -v node >/dev/null && [ -d "$root/tests/integration/node_modules" ]; then
  ACCORD_DEMO_PASSWORD=sample-pass "$bin" init --config "$work/accord.json" --demo >/dev/null
  NODE_PATH="$root/tests/integration/node_modules" node "$root/tests/sdk/check_hello.mjs" "$bin" "$work/accord.json"
fi
echo "out-of-tree plugin: 1 passed, 0 failed"
