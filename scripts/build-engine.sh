#!/usr/bin/env bash
# Builds the Pulumi engine binaries pinned by tools/go.mod into a per-user cache, links .engine/bin (ignored by git)
# to them and prints that folder. Idempotent: the cache folder is named by a hash of what the binaries are built
# from (both go.mod/go.sum, the front's sources, this script, the Go version); when it exists, nothing is rebuilt,
# so a fresh clone on the same machine reuses it in a fraction of a second. A user with a Pulumi CLI on PATH needs none of this (see docs/engine.md).
#
# Usage: scripts/build-engine.sh [--force]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/tools"
engine_link="$repo_root/.engine/bin"
# ENGINE_CACHE: where built engines are kept, one folder per build input hash.
engine_cache="${ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libsql-stack/engine}"

command -v go >/dev/null || { echo "build-engine: 'go' not found on PATH; install Go >= 1.24 (tool directives)" >&2; exit 1; }

# The CLI must be the version of the Node.js SDK the program runs with (package-lock.json), else the engine and
# the SDK disagree on protocol features. tools/go.mod pins it; this check catches an SDK bump without a tools bump.
module_version() { # $1 = module path; prints the version tools/go.mod requires
  (cd "$tools_dir" && go list -m -f '{{.Version}}' "$1")
}
npm_version() { # $1 = npm package; prints the installed version (needs `npm ci` first)
  node -p "require('$repo_root/node_modules/$1/package.json').version"
}
cli_version="$(module_version github.com/pulumi/pulumi/pkg/v3)"
sdk_version="v$(npm_version @pulumi/pulumi)"
if [[ "$cli_version" != "$sdk_version" ]]; then
  echo "build-engine: tools/go.mod pins pulumi/pkg $cli_version but node_modules/@pulumi/pulumi is $sdk_version;" \
    "run: (cd tools && GONOSUMDB=github.com/pulumi/pulumi/pkg/v3 go get -tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$sdk_version)" >&2
  exit 1
fi

host_dir="$tools_dir/nodejs-host"
stamp="$(cat "$tools_dir/go.mod" "$tools_dir/go.sum" "$host_dir/go.mod" "$host_dir/go.sum" "$host_dir"/langhost/*.go "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1) $(go env GOVERSION)"
build_dir="$engine_cache/$(echo "$stamp" | sha256sum | cut -c1-16)"
bin_dir="$build_dir/bin"
link_engine() {
  mkdir -p "$repo_root/.engine"
  ln -sfn "$bin_dir" "$engine_link"
  echo "$engine_link"
}
if [[ "${1:-}" != "--force" && -x "$bin_dir/pulumi" && -x "$bin_dir/pulumi-language-nodejs" ]]; then
  echo "build-engine: up to date (pulumi $cli_version, $build_dir)" >&2
  link_engine
  exit 0
fi

# Build next to the final folder and rename at the end, so an interrupted build never looks complete.
final_bin="$bin_dir"
bin_dir="$build_dir.partial.$$/bin"
rm -rf "$build_dir.partial.$$"
mkdir -p "$bin_dir"
# The proxy's checksum database has no entry for pulumi/pkg/v3 releases; go.sum (committed) pins its hash instead.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/pkg/v3"
# Module downloads only through the proxy; no toolchain switch (tools/nodejs-host says go 1.24, any newer Go builds it).
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"
export CGO_ENABLED=0
echo "build-engine: building pulumi $cli_version into $bin_dir (takes minutes on a cold Go cache)" >&2
# nice: the build is long and CPU-bound; other work on the machine stays responsive.
(cd "$tools_dir" && nice -n 19 go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$cli_version" \
  -o "$bin_dir/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
# The Node.js language host (tools/nodejs-host/go.mod explains v3.68.0) and the front that adds RunPlugin for
# policy packs (tools/nodejs-host/langhost/main.go explains why); the engine finds both next to `pulumi`.
(cd "$host_dir" && nice -n 19 go build -ldflags "-s -w" -o "$bin_dir/pulumi-language-nodejs-v3.68.0" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
(cd "$host_dir" && nice -n 19 go build -ldflags "-s -w" -o "$bin_dir/pulumi-language-nodejs" ./langhost)

echo "$stamp" >"$build_dir.partial.$$/stamp"
rm -rf "$build_dir"
mv "$build_dir.partial.$$" "$build_dir"
bin_dir="$final_bin"
link_engine
