// Credentials: what a party of a cluster presents on the links it opens and checks on the links
// it serves. Every channel (make_channel) and server (start_server) of the cluster takes one.
//
//   token  a shared secret every RPC carries (`authorization: Bearer ...`); a server with one
//          refuses RPCs without it (auth.h).
//   TLS    cert + key: this party's certificate chain and private key — a server presents them,
//          a client presents them for mutual TLS. ca: the CA that signs the cluster's
//          certificates — a client verifies the server against it; a server given a CA requires
//          and verifies its clients' certificates (mutual TLS). A client with TLS and no CA
//          verifies against the system's roots.
//
// Files are read once, at start (load_credentials); the paths are kept for the jobs a head
// starts (their environment names the same files). No gRPC here.
#ifndef CONCURRY_CLUSTER_COMMON_CREDENTIALS_H_
#define CONCURRY_CLUSTER_COMMON_CREDENTIALS_H_

#include <string>
#include <vector>

namespace concurry::internal {

struct TlsFiles {
  std::string ca, cert, key;  // PEM file paths; "" = not given
  bool any() const { return !ca.empty() || !cert.empty() || !key.empty(); }
};

struct Credentials {
  std::string token;
  TlsFiles files;
  std::string ca_pem, cert_pem, key_pem;

  // Links this party opens use TLS.
  bool tls() const { return !ca_pem.empty() || !cert_pem.empty(); }
  // Servers of this party serve TLS (they have a certificate).
  bool serves_tls() const { return !cert_pem.empty(); }
  // Servers of this party require client certificates signed by the CA.
  bool mutual_tls() const { return !ca_pem.empty() && !cert_pem.empty(); }
};

// Reads the PEM files named in `files`. Throws InvalidOptionError naming the file and the fault:
// unreadable, not PEM of the expected kind, a certificate without its key (or the reverse), a
// private key readable by group or others.
Credentials load_credentials(std::string token, const TlsFiles& files);

// $CONCURRY_TLS_CA, $CONCURRY_TLS_CERT, $CONCURRY_TLS_KEY (each "" when unset).
TlsFiles tls_files_from_env();
// Appends NAME=VALUE entries for the files given (the environment of a job the head starts).
void append_tls_env(const TlsFiles& files, std::vector<std::string>* env);

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_CREDENTIALS_H_
