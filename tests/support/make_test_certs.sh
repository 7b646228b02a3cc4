#!/usr/bin/env bash
# Writes a throwaway CA and certificates signed by it into DIR, for tests of TLS:
#   ca.pem ca.key          the cluster's CA
#   server.pem server.key  for 127.0.0.1 / localhost (head and nodes present it; also a client
#                          certificate, for mutual TLS)
#   client.pem client.key  a client certificate signed by the CA
#   other-ca.pem           an unrelated CA (a client that trusts it must fail)
#   rogue.pem rogue.key    a certificate for 127.0.0.1 signed by the unrelated CA
# Usage: make_test_certs.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077
q() { openssl "$@" >/dev/null 2>&1; }
ca() {  # name subject
  q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # name ca subject
  q req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$3" \
    -keyout "$1.key" -out "$1.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' > "$1.ext"
  q x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}
ca ca "concurry test CA"
ca other-ca "some other CA"
leaf server ca "concurry node"
leaf client ca "concurry client"
leaf rogue other-ca "rogue"
chmod 600 ./*.key
chmod 644 ./*.pem
