#!/usr/bin/env bash
# Builds promtool from the Prometheus Go module pinned in e2e/promtool/go.mod, into a
# per-version cache outside the work tree:
#
#   ${PITSTOP_E2E_CACHE:-$HOME/.cache/pitstop-e2e}/promtool-<version>/promtool
#
# Usage: e2e/build-promtool.sh   (prints the path of the promtool binary on stdout)
#
# The alert-rule tests run `promtool check rules` and `promtool test rules` with it; it is built
# without service discovery (`promtool check service-discovery` does not work with it). The build
# is skipped when the binary is already in the cache. It runs at the lowest CPU priority on
# PITSTOP_E2E_BUILD_JOBS cores (default 1, so it does not starve other work on the machine).
set -euo pipefail

e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
module_dir=$e2e_dir/promtool
cache_root=${PITSTOP_E2E_CACHE:-$HOME/.cache/pitstop-e2e}
jobs=${PITSTOP_E2E_BUILD_JOBS:-1}

die() { echo "build-promtool: $*" >&2; exit 1; }

version=$(awk '$1 == "github.com/prometheus/prometheus" { print $2 }' "$module_dir/go.mod")
[[ -n $version ]] || die "$module_dir/go.mod does not require github.com/prometheus/prometheus"

out_dir=$cache_root/promtool-$version
if [[ -x $out_dir/promtool ]]; then
  echo "build-promtool: promtool $version is already built in $out_dir" >&2
  echo "$out_dir/promtool"
  exit 0
fi

# shellcheck source=go-toolchain.sh
source "$e2e_dir/go-toolchain.sh"
if ! go_cmd=$(find_go build-promtool "$module_dir" "promtool (Prometheus module $version)"); then
  echo "build-promtool: or put a promtool of Prometheus 3 in $out_dir/promtool yourself." >&2
  exit 1
fi

# Module v0.MMmPP is Prometheus release M.Mm.PP (v0.316.0 is 3.16.0); promtool --version says so.
release=$(sed -E 's/^v0\.([0-9])([0-9]+)\.([0-9]+).*/\1.\2.\3/; s/\.0([0-9])/.\1/' <<<"$version")
ldflags="-s -w -X github.com/prometheus/common/version.Version=$release"
ldflags+=" -X github.com/prometheus/common/version.Branch=release"
ldflags+=" -X github.com/prometheus/common/version.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"

staging=$out_dir.partial
rm -rf "$staging"
mkdir -p "$staging"
echo "build-promtool: building promtool $release (module $version) with" \
  "$("$go_cmd" env GOVERSION) on $jobs core(s) into $out_dir; the first build takes a while" >&2
start=$SECONDS
(
  cd "$module_dir"
  # remove_all_sd: without the service-discovery plugins (the cloud SDKs are most of the build);
  # rule checks and rule tests do not use them.
  CGO_ENABLED=0 GOMAXPROCS=$jobs nice -n 19 "$go_cmd" build -p "$jobs" -trimpath \
    -tags remove_all_sd -ldflags "$ldflags" -o "$staging/promtool" \
    github.com/prometheus/prometheus/cmd/promtool
)
rm -rf "$out_dir"
mv "$staging" "$out_dir"
echo "build-promtool: built promtool $release in $((SECONDS - start)) s: $out_dir/promtool" >&2
echo "$out_dir/promtool"
