#!/usr/bin/env bash
# Runs a local Kubernetes control plane (etcd + kube-apiserver) on loopback only, for trying
# Pitstop against a real API server: real validation, structural schemas, CEL rules,
# server-side apply and RBAC.
#
# Usage: e2e/control-plane.sh start [VERSION]   build if needed, start, wait for /readyz
#        e2e/control-plane.sh env               print the export lines for a running one
#        e2e/control-plane.sh status            say whether it runs, and where
#        e2e/control-plane.sh stop              stop both processes
#
#   eval "$(e2e/control-plane.sh start)"        one line: start it and point this shell at it
#
# VERSION is as for build-control-plane.sh (1.37, 1.28, v1.28.15; default: the newest).
# start and env print `export ...` lines on stdout (everything else goes to stderr), so they
# can be eval'd. One control plane at a time; its state (etcd data, certificates, kubeconfig,
# logs) lives in PITSTOP_E2E_RUN_DIR (default ${TMPDIR:-/tmp}/pitstop-e2e-<uid>), which start
# recreates and stop leaves in place for the logs.
#
# Only etcd and kube-apiserver run: no controller manager, scheduler or kubelet. Objects are
# validated, admitted and stored, but nothing acts on them (Deployments make no Pods, deleted
# namespaces stay Terminating, no ServiceAccount is created automatically).
set -euo pipefail

e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_dir=${PITSTOP_E2E_RUN_DIR:-${TMPDIR:-/tmp}/pitstop-e2e-$(id -u)}
ready_timeout=${PITSTOP_E2E_READY_TIMEOUT:-180}

log() { echo "control-plane: $*" >&2; }
die() { log "$*"; exit 1; }

alive() { [[ -f $run_dir/$1.pid ]] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

print_env() {
  echo "export KUBECONFIG=$run_dir/kubeconfig"
  echo "export PATH=$(cat "$run_dir/bin-dir"):\$PATH"
}

# A loopback port nothing listens on, below the usual ephemeral range.
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
       ! grep -qx "$port" "$run_dir/ports" 2>/dev/null; then
      echo "$port" >>"$run_dir/ports"
      echo "$port"
      return
    fi
  done
  die "found no free port on 127.0.0.1"
}

# Runs "$@" in its own session with its output in $run_dir/<name>.log; records its pid.
launch() {
  local name=$1; shift
  setsid "$@" >"$run_dir/$name.log" 2>&1 </dev/null &
  echo $! >"$run_dir/$name.pid"
}

stop_one() {
  local name=$1 pid
  alive "$name" || { rm -f "$run_dir/$name.pid"; return 0; }
  pid=$(cat "$run_dir/$name.pid")
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$run_dir/$name.pid"; log "stopped $name ($pid)"; return 0; }
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$run_dir/$name.pid"
  log "killed $name ($pid): it did not stop within 20 s"
}

make_pki() {
  local pki=$run_dir/pki
  mkdir -p "$pki"
  (
    cd "$pki"
    umask 077
    openssl_quiet() { openssl "$@" 2>/dev/null; }
    # Certificate authority for the serving certificate and the admin client certificate.
    openssl_quiet genrsa -traditional -out ca.key 2048
    openssl_quiet req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=pitstop-e2e-ca" -out ca.crt
    # Serving certificate for 127.0.0.1 (and the in-cluster names, for completeness).
    cat >server.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl_quiet genrsa -traditional -out server.key 2048
    openssl_quiet req -new -key server.key -subj "/CN=kube-apiserver" -out server.csr
    openssl_quiet x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
      -days 30 -extfile server.ext -out server.crt
    # Admin client certificate: user pitstop-admin in group system:masters (cluster-admin).
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    openssl_quiet genrsa -traditional -out admin.key 2048
    openssl_quiet req -new -key admin.key -subj "/O=system:masters/CN=pitstop-admin" -out admin.csr
    openssl_quiet x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
      -days 30 -extfile client.ext -out admin.crt
    # Service-account token signing key pair (kubectl create token, TokenRequest).
    openssl_quiet genrsa -traditional -out sa.key 2048
    openssl_quiet rsa -in sa.key -pubout -out sa.pub
  ) || die "could not generate certificates with openssl in $pki"
}

write_kubeconfig() {
  local kubectl=$1 port=$2 kc=$run_dir/kubeconfig
  "$kubectl" --kubeconfig "$kc" config set-cluster pitstop-e2e --server "https://127.0.0.1:$port" \
    --certificate-authority "$run_dir/pki/ca.crt" --embed-certs >/dev/null
  "$kubectl" --kubeconfig "$kc" config set-credentials pitstop-admin \
    --client-certificate "$run_dir/pki/admin.crt" --client-key "$run_dir/pki/admin.key" \
    --embed-certs >/dev/null
  "$kubectl" --kubeconfig "$kc" config set-context pitstop-e2e --cluster pitstop-e2e \
    --user pitstop-admin --namespace default >/dev/null
  "$kubectl" --kubeconfig "$kc" config use-context pitstop-e2e >/dev/null
  chmod 600 "$kc"
}

start() {
  local bin_dir
  if alive kube-apiserver || alive etcd; then
    log "already running ($(cat "$run_dir/version")); stop it first to start another"
    print_env
    return 0
  fi
  command -v openssl >/dev/null || die "openssl is needed to generate the certificates"
  bin_dir=$("$e2e_dir/build-control-plane.sh" "$@")

  # Recreate the run directory, but never empty one this script did not make.
  if [[ -d $run_dir && -n $(ls -A "$run_dir") && ! -f $run_dir/bin-dir ]]; then
    die "$run_dir exists and is not a control plane's run directory; set PITSTOP_E2E_RUN_DIR"
  fi
  rm -rf "$run_dir"
  mkdir -p "$run_dir"
  chmod 700 "$run_dir"
  echo "$bin_dir" >"$run_dir/bin-dir"
  basename "$(dirname "$bin_dir")" >"$run_dir/version"
  make_pki

  local etcd_port peer_port api_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)

  launch etcd "$bin_dir/etcd" \
    --name pitstop-e2e --data-dir "$run_dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "pitstop-e2e=http://127.0.0.1:$peer_port" \
    --quota-backend-bytes 1073741824

  launch kube-apiserver "$bin_dir/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --endpoint-reconciler-type none \
    --tls-cert-file "$run_dir/pki/server.crt" --tls-private-key-file "$run_dir/pki/server.key" \
    --client-ca-file "$run_dir/pki/ca.crt" \
    --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$run_dir/pki/sa.pub" \
    --service-account-signing-key-file "$run_dir/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24

  write_kubeconfig "$bin_dir/kubectl" "$api_port"

  log "waiting for https://127.0.0.1:$api_port/readyz (Kubernetes $(cat "$run_dir/version"))"
  local deadline=$((SECONDS + ready_timeout))
  until "$bin_dir/kubectl" --kubeconfig "$run_dir/kubeconfig" --request-timeout 5s \
      get --raw /readyz >/dev/null 2>&1; do
    local name
    for name in etcd kube-apiserver; do
      if ! alive "$name"; then
        tail -n 20 "$run_dir/$name.log" >&2
        stop_one etcd; stop_one kube-apiserver
        die "$name exited during start-up; its log: $run_dir/$name.log"
      fi
    done
    if ((SECONDS > deadline)); then
      tail -n 20 "$run_dir/kube-apiserver.log" >&2
      stop_one kube-apiserver; stop_one etcd
      die "/readyz did not answer ok within $ready_timeout s; logs in $run_dir"
    fi
    sleep 1
  done

  log "ready: Kubernetes $(cat "$run_dir/version") at https://127.0.0.1:$api_port" \
    "(etcd at 127.0.0.1:$etcd_port)"
  log "kubeconfig (admin, cluster-admin): $run_dir/kubeconfig"
  log "logs: $run_dir/etcd.log, $run_dir/kube-apiserver.log; stop: $e2e_dir/control-plane.sh stop"
  print_env
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop)
    stop_one kube-apiserver
    stop_one etcd
    ;;
  env)
    alive kube-apiserver || die "not running (no kube-apiserver for $run_dir)"
    print_env
    ;;
  status)
    if alive kube-apiserver; then
      log "running: Kubernetes $(cat "$run_dir/version"), kubeconfig $run_dir/kubeconfig"
    else
      log "not running"; exit 1
    fi
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
