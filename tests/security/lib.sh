# shellcheck shell=bash disable=SC2154
# Shared by scripts/tls-scan and scripts/slow-clients: a generated PKI, a
# poortd config on 127.0.0.1 (ports 0), and the daemon as a background process.
# Source it; it needs $src (the repository) and $work (a scratch directory).

# poort_pki: the development PKI of scripts/pki in $work/pki.
poort_pki() {
  bash "$src/scripts/pki" "$work/pki" >/dev/null
  # shellcheck disable=SC1091
  source "$work/pki/oins.env"
}

# poort_config FILE PORTAL_LIMITS SYSTEM_LIMITS: a config like the integration
# harness's (tests/integration/harness.cpp), with both an ECDSA and an RSA
# certificate on the portal so that the scans see both key types.
poort_config() {
  local file=$1 p=$work/pki
  cat >"$file" <<TOML
allow_test_oins = true

[daemon]
threads = 2
worker_threads = 8
web_root = "$src/web"

[logging]
level = "info"

[store]
database = "$work/poort.db"

[[listener.portal]]
addresses = ["127.0.0.1:0"]
[[listener.portal.certificate]]
certificate = "$p/portal.crt"
private_key = "$p/portal.key"
[[listener.portal.certificate]]
certificate = "$p/portal-rsa.crt"
private_key = "$p/portal-rsa.key"
[listener.portal.limits]
$2

[[listener.system]]
addresses = ["127.0.0.1:0"]
client_ca_bundle = "$p/ca.crt"
crl_files = ["$p/crl.pem"]
[[listener.system.certificate]]
certificate = "$p/system.crt"
private_key = "$p/system.key"
[listener.system.limits]
$3

[[party]]
oin = "$PI_1_OIN"
name = "$PI_1_NAME"
kind = "institution"

[[party]]
oin = "$GEMEENTE_1_OIN"
name = "$GEMEENTE_1_NAME"
kind = "municipal_system"
gemeentecode = "$GEMEENTE_1_CODE"
TOML
}

# poort_start POORTD CONFIG: starts poortd in the background (log in
# $work/poortd.log), waits for server.ready and sets POORTD_PID, PORTAL_PORT
# and SYSTEM_PORT.
poort_start() {
  local exe=$1 config=$2 i
  "$exe" --config "$config" 2>"$work/poortd.log" </dev/null >/dev/null &
  POORTD_PID=$!
  for ((i = 0; i < 300; i++)); do
    grep -q '"server.ready"' "$work/poortd.log" 2>/dev/null && break
    kill -0 "$POORTD_PID" 2>/dev/null || { cat "$work/poortd.log" >&2; echo "poortd exited" >&2; return 1; }
    sleep 0.1
  done
  grep -q '"server.ready"' "$work/poortd.log" || { echo "poortd did not get ready" >&2; return 1; }
  PORTAL_PORT=$(grep '"listener.listening"' "$work/poortd.log" | grep '"portal"' | head -1 |
    sed -E 's/.*"address":"127\.0\.0\.1:([0-9]+)".*/\1/')
  SYSTEM_PORT=$(grep '"listener.listening"' "$work/poortd.log" | grep '"system"' | head -1 |
    sed -E 's/.*"address":"127\.0\.0\.1:([0-9]+)".*/\1/')
  [[ "$PORTAL_PORT" =~ ^[0-9]+$ && "$SYSTEM_PORT" =~ ^[0-9]+$ ]] ||
    { echo "cannot read the listener ports from the log" >&2; return 1; }
}

# poort_stop: SIGTERM, and the exit status must be 0.
poort_stop() {
  [[ -n "${POORTD_PID:-}" ]] || return 0
  kill -TERM "$POORTD_PID" 2>/dev/null || true
  local rc=0
  wait "$POORTD_PID" || rc=$?
  POORTD_PID=""
  return "$rc"
}

# poort_rss_kib: the daemon's VmRSS in KiB.
poort_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$POORTD_PID/status"; }
