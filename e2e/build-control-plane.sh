#!/usr/bin/env bash
# Builds a local Kubernetes control plane (kube-apiserver, kubectl, etcd) from the upstream Go
# modules pinned in e2e/k8s-<minor>/go.mod, into a per-version cache outside the work tree:
#
#   ${PITSTOP_E2E_CACHE:-$HOME/.cache/pitstop-e2e}/<version>/bin/{kube-apiserver,kubectl,etcd}
#
# Usage: e2e/build-control-plane.sh [VERSION]
#   VERSION  a Kubernetes minor with a module here (1.37, v1.28) or its exact release
#            (v1.28.15); default: the newest one. Prints the bin directory on stdout.
#
# The build is skipped when the three binaries are already in the cache. It runs at the lowest
# CPU priority on PITSTOP_E2E_BUILD_JOBS cores (default 1, so it does not starve other work on
# the machine; set it to $(nproc) for a faster first build).
set -euo pipefail

e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${PITSTOP_E2E_CACHE:-$HOME/.cache/pitstop-e2e}
jobs=${PITSTOP_E2E_BUILD_JOBS:-1}

die() { echo "build-control-plane: $*" >&2; exit 1; }

supported() {
  (cd "$e2e_dir" && ls -d k8s-*/ 2>/dev/null | sed 's|^k8s-||; s|/$||' | sort -V)
}

# VERSION -> module directory and exact Kubernetes release.
requested=${1:-$(supported | tail -n 1)}
[[ -n $requested ]] || die "no e2e/k8s-*/go.mod module found in $e2e_dir"
minor=$(sed -E 's/^v//; s/^([0-9]+\.[0-9]+).*/\1/' <<<"$requested")
module_dir=$e2e_dir/k8s-$minor
[[ -f $module_dir/go.mod ]] ||
  die "no module for Kubernetes $requested; supported: $(supported | tr '\n' ' ')"
version=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$module_dir/go.mod")
[[ -n $version ]] || die "$module_dir/go.mod does not require k8s.io/kubernetes"
if [[ $requested =~ ^v?[0-9]+\.[0-9]+\.[0-9]+ && v${requested#v} != "$version" ]]; then
  die "Kubernetes $requested is not pinned here; e2e/k8s-$minor builds $version"
fi

bin_dir=$cache_root/$version/bin
binaries=(kube-apiserver kubectl etcd)
built=true
for b in "${binaries[@]}"; do [[ -x $bin_dir/$b ]] || built=false; done
if $built; then
  echo "build-control-plane: Kubernetes $version is already built in $bin_dir" >&2
  echo "$bin_dir"
  exit 0
fi

# shellcheck source=go-toolchain.sh
source "$e2e_dir/go-toolchain.sh"
go_cmd=$(find_go build-control-plane "$module_dir" "Kubernetes $version") || exit 1

# The release identifies itself as such (kubectl version, /version) rather than v0.0.0-master.
major=${version#v}; major=${major%%.*}
minor_num=${version#v*.}; minor_num=${minor_num%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor_num"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done

module=$(awk '$1 == "module" { print $2 }' "$module_dir/go.mod")
staging=$cache_root/$version/bin.partial
rm -rf "$staging"
mkdir -p "$staging"
echo "build-control-plane: building Kubernetes $version (kube-apiserver, kubectl, etcd)" \
  "with $("$go_cmd" env GOVERSION) on $jobs core(s) into $bin_dir; the first build takes" \
  "a while" >&2
start=$SECONDS
(
  cd "$module_dir"
  CGO_ENABLED=0 GOMAXPROCS=$jobs nice -n 19 "$go_cmd" build -p "$jobs" -trimpath \
    -ldflags "$ldflags" -o "$staging/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl "$module/cmd/etcd"
)
rm -rf "$bin_dir"
mv "$staging" "$bin_dir"
echo "build-control-plane: built Kubernetes $version in $((SECONDS - start)) s: $bin_dir" >&2
echo "$bin_dir"
