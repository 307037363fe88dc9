#!/usr/bin/env bash
# Builds the operator jar and CRDs of an earlier git revision of this repository, for the
# end-to-end upgrade and rollback test, into a per-revision cache outside the work tree:
#
#   ${PITSTOP_E2E_CACHE:-$HOME/.cache/pitstop-e2e}/operator-<revision>/{pitstop.jar,crds/}
#
# Usage: e2e/build-previous-operator.sh REVISION     (a commit, tag or branch of this repository)
# Prints the cache directory on stdout. The build is skipped when the jar is already there; it
# needs Java 17, Maven and the revision in the local git history (not a shallow clone).
set -euo pipefail

e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${PITSTOP_E2E_CACHE:-$HOME/.cache/pitstop-e2e}

die() { echo "build-previous-operator: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 REVISION"
repo=$(git -C "$e2e_dir" rev-parse --show-toplevel 2>/dev/null) ||
  die "$e2e_dir is not in a git work tree"
commit=$(git -C "$repo" rev-parse --verify --quiet "$1^{commit}") ||
  die "revision $1 is not in this clone's history (a shallow clone? fetch it with git fetch --unshallow)"
out=$cache_root/operator-${commit:0:12}

if [[ -f $out/pitstop.jar && -d $out/crds ]]; then
  echo "build-previous-operator: the operator of ${commit:0:12} is already built in $out" >&2
  echo "$out"
  exit 0
fi

src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git -C "$repo" archive "$commit" | tar -x -C "$src"
echo "build-previous-operator: building the operator of ${commit:0:12} (tests skipped)" >&2
start=$SECONDS
(cd "$src" && mvn -B -ntp -q -DskipTests -pl operator -am package) >&2 ||
  die "the build of ${commit:0:12} failed"
rm -rf "$out.partial"
mkdir -p "$out.partial"
cp "$src/operator/target/pitstop.jar" "$out.partial/"
cp -r "$src/crds" "$out.partial/crds"
rm -rf "$out"
mv "$out.partial" "$out"
echo "build-previous-operator: built ${commit:0:12} in $((SECONDS - start)) s: $out" >&2
echo "$out"
