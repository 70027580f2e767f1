#!/usr/bin/env bash
# Test certificates with intermediate CAs and revocation at every level, under
# the development PKI's root (scripts/pki). FOR TESTS ONLY.
#
#   tests/integration/chain-pki.sh DIR PKI_DIR
#
# Writes into DIR (PKI_DIR holds ca.{crt,key} and oins.env of scripts/pki):
#   good-ca.crt, revoked-ca.crt     intermediate CAs under the root; revoked-ca is
#                                   listed in root.crl
#   root.crl                        the root's CRL: revoked-ca and revoked-server
#   good-ca.crl, revoked-ca.crl     the intermediates' CRLs (nothing revoked)
#   via-good.{crt,key}              client (clientAuth, PI_1's OIN) under good-ca;
#   via-revoked.{crt,key}           ... under revoked-ca; each .crt holds the
#                                   leaf and its intermediate
#   other-host.{crt,key}            server under the root for DNS:other.poort.test only
#   revoked-server.{crt,key}        server under the root for localhost and
#                                   127.0.0.1, revoked in root.crl
set -euo pipefail
dir=$1 pki=$2
mkdir -p "$dir"
# shellcheck disable=SC1091
source "$pki/oins.env"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key" 2>/dev/null; }

cat >"$dir/ext.cnf" <<'EOF'
[ca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[client]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid:always
[server]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[other_host]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:other.poort.test
EOF

# issue NAME ISSUER_CRT ISSUER_KEY SECTION SUBJECT
issue() {
  key "$1"
  openssl req -new -key "$dir/$1.key" -subj "$5" 2>/dev/null |
    openssl x509 -req -CA "$2" -CAkey "$3" -set_serial "0x$(openssl rand -hex 8)" -days 30 \
      -extfile "$dir/ext.cnf" -extensions "$4" -out "$dir/$1.crt" 2>/dev/null
}

# crl NAME ISSUER_CRT ISSUER_KEY [REVOKED_CRT...]: NAME.crl, signed by ISSUER.
crl() {
  local name=$1 crt=$2 key=$3 db="$dir/db-$1"
  shift 3
  mkdir -p "$db"
  : >"$db/index.txt"
  echo 01 >"$db/crlnumber"
  cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $db/index.txt
crlnumber = $db/crlnumber
certificate = $crt
private_key = $key
default_md = sha256
default_crl_days = 30
EOF
  for revoked in "$@"; do openssl ca -batch -config "$db/ca.cnf" -revoke "$revoked" 2>/dev/null; done
  openssl ca -batch -config "$db/ca.cnf" -gencrl -out "$dir/$name.crl" 2>/dev/null
}

root_crt=$pki/ca.crt root_key=$pki/ca.key
issue good-ca "$root_crt" "$root_key" ca "/C=NL/O=poort development/CN=poort TEST intermediate CA"
issue revoked-ca "$root_crt" "$root_key" ca "/C=NL/O=poort development/CN=poort TEST revoked intermediate CA"
issue via-good "$dir/good-ca.crt" "$dir/good-ca.key" client \
  "/C=NL/O=PI Zwolle/serialNumber=$PI_1_OIN/CN=via-good.poort.test"
issue via-revoked "$dir/revoked-ca.crt" "$dir/revoked-ca.key" client \
  "/C=NL/O=PI Zwolle/serialNumber=$PI_1_OIN/CN=via-revoked.poort.test"
cat "$dir/good-ca.crt" >>"$dir/via-good.crt"
cat "$dir/revoked-ca.crt" >>"$dir/via-revoked.crt"
issue other-host "$root_crt" "$root_key" other_host "/C=NL/O=Gemeente Zwolle/CN=other.poort.test"
issue revoked-server "$root_crt" "$root_key" server "/C=NL/O=Gemeente Zwolle/CN=localhost"

crl root "$root_crt" "$root_key" "$dir/revoked-ca.crt" "$dir/revoked-server.crt"
crl good-ca "$dir/good-ca.crt" "$dir/good-ca.key"
crl revoked-ca "$dir/revoked-ca.crt" "$dir/revoked-ca.key"
