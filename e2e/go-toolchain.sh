# Sourced by the e2e build scripts: finds the Go toolchain that builds a pinned upstream module.
#
#   go_cmd=$(find_go <script name> <module dir> <what needs Go>) || exit 1
#
# Prints the path of `go` (from PATH, else /usr/local/go/bin/go). Without one, it tells on stderr
# which Go version the module's go.mod needs and how to install it, and fails.
find_go() {
  local script=$1 module_dir=$2 needs=$3 go_cmd go_needed
  go_cmd=$(command -v go || true)
  if [[ -z $go_cmd && -x /usr/local/go/bin/go ]]; then go_cmd=/usr/local/go/bin/go; fi
  if [[ -n $go_cmd ]]; then
    echo "$go_cmd"
    return 0
  fi
  go_needed=$(awk '$1 == "go" { print $2 }' "$module_dir/go.mod")
  [[ $go_needed == *.*.* ]] || go_needed=$go_needed.0
  cat >&2 <<MSG
$script: Go is not installed (or not on PATH).
$needs needs Go $go_needed or newer. Install it from https://go.dev/dl/, e.g. on Linux x86-64:
  curl -fsSL https://go.dev/dl/go${go_needed}.linux-amd64.tar.gz | sudo tar -C /usr/local -xz
  export PATH=\$PATH:/usr/local/go/bin
(or your package manager's golang package if it is recent enough), then run this again.
The build downloads the module and its dependencies from the Go module proxy
(GOPROXY, https://proxy.golang.org by default) into the Go module cache.
MSG
  return 1
}
