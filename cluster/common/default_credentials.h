// Where a party's token comes from when none is given, and the rule that keeps a daemon from
// serving the network unauthenticated. No gRPC here.
//
// `concurry start --head` writes a fresh random token to <state dir>/auth_token (0600) and
// starts the head with it; the CLI, `concurry start` (nodes) and connect() then find it there,
// so a local cluster needs no flags and is closed to other users of the machine.
#ifndef CONCURRY_CLUSTER_COMMON_DEFAULT_CREDENTIALS_H_
#define CONCURRY_CLUSTER_COMMON_DEFAULT_CREDENTIALS_H_

#include <string>

#include "concurry/cluster/common/credentials.h"

namespace concurry::internal {

inline constexpr const char* kTokenFileName = "auth_token";
inline constexpr const char* kHeadAddressFileName = "head.address";

// $CONCURRY_STATE_DIR, else /tmp/concurry-<uid>.
std::string default_state_dir();

// The token for the head at `address` when none is given: $CONCURRY_AUTH_TOKEN; else the file
// named by $CONCURRY_AUTH_TOKEN_FILE; else <state dir>/auth_token when the state directory is
// private and records `address` as the head it started (a token is never sent to another
// head); else "". Throws InvalidOptionError when a named token file cannot be used.
std::string default_token(const std::string& address);

// 32 bytes from the kernel's random source, as 64 hex digits.
std::string random_token();

// True for 127.0.0.0/8, ::1 and "localhost" (with or without brackets).
bool is_loopback_host(const std::string& host);

// A daemon (`who`: "concurry-head", "concurry-node") bound to a host other parties can reach
// runs their code: it must check a token or client certificates. Throws InvalidOptionError
// saying so when `host` is not loopback and `credentials` have neither, unless `insecure`
// (then it warns on stderr).
void check_exposure(const std::string& who, const std::string& host,
                    const Credentials& credentials, bool insecure);

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_DEFAULT_CREDENTIALS_H_
