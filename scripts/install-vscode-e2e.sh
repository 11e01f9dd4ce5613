#!/usr/bin/env bash
# usage: install-vscode-e2e.sh [DIR]
#
# Installs what the real-VS-Code test (tests/editors/test_vscode.py) needs, from package
# registries only: code-server (a real VS Code, 1.100.3), Debian's Chromium and ripgrep, and
# playwright-core to drive the browser. Everything but the apt packages goes under DIR
# (default: $SSOT_LS_E2E_CACHE or ~/.cache/ssot-ls-e2e). Idempotent: a finished install leaves
# a stamp, and a rerun with the same versions only checks it and exits (about a second).
#
# Why the detours (see the vscode-e2e recipe): code-server's postinstall refuses root and
# downloads ripgrep from GitHub, which is unreachable here; so scripts are skipped, Debian's
# `rg` is copied in, native modules are rebuilt against Debian's node headers, and the
# symlinks that the postinstall would make are made by hand.
set -euo pipefail

CS_VERSION=4.100.3          # VS Code 1.100.3: the newest code-server whose engines.node is 20
PLAYWRIGHT_VERSION=1.65.1
STAMP_CONTENT="code-server=$CS_VERSION playwright-core=$PLAYWRIGHT_VERSION"

D=${1:-${SSOT_LS_E2E_CACHE:-$HOME/.cache/ssot-ls-e2e}}
mkdir -p "$D" && D=$(cd "$D" && pwd)
STAMP="$D/.installed"
CODE_SERVER="$D/cs/node_modules/.bin/code-server"
export XDG_CONFIG_HOME="$D/xdg-config" XDG_DATA_HOME="$D/xdg-data"

# chromium and rg are used at run time; make and g++ rebuild code-server's native modules.
have_system_tools() {
  command -v chromium >/dev/null && command -v rg >/dev/null && command -v make >/dev/null \
    && command -v g++ >/dev/null
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ] && have_system_tools \
   && [ -x "$CODE_SERVER" ] && [ -d "$D/tools/node_modules/playwright-core" ]; then
  echo "vscode-e2e: already installed in $D ($STAMP_CONTENT)"
  exit 0
fi
rm -f "$STAMP"

if ! have_system_tools; then
  # build-essential and libkrb5-dev: code-server's native modules (node-pty, kerberos) are rebuilt below.
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q chromium ripgrep libkrb5-dev build-essential python3
fi

export npm_config_nodedir=/usr npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
NPM_INSTALL=(npm install --no-audit --no-fund --loglevel=error)

mkdir -p "$D/cs" && cd "$D/cs"
[ -f package.json ] || echo '{"name":"ssot-ls-e2e-code-server","private":true}' > package.json
"${NPM_INSTALL[@]}" --ignore-scripts "code-server@$CS_VERSION"
npm rebuild argon2 --foreground-scripts --loglevel=error

cd "$D/cs/node_modules/code-server/lib/vscode"
"${NPM_INSTALL[@]}" --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# node-pty is the one module VS Code cannot start without; other rebuild failures are harmless here.
npm rebuild --foreground-scripts --loglevel=error || test -f node_modules/node-pty/build/Release/pty.node
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && "${NPM_INSTALL[@]}" --omit=dev --ignore-scripts && node postinstall.mjs >/dev/null)

mkdir -p "$D/tools" && cd "$D/tools"
[ -f package.json ] || echo '{"name":"ssot-ls-e2e-tools","private":true}' > package.json
"${NPM_INSTALL[@]}" "playwright-core@$PLAYWRIGHT_VERSION"

"$CODE_SERVER" --version
chromium --version
echo "$STAMP_CONTENT" > "$STAMP"
echo "vscode-e2e: installed in $D"
