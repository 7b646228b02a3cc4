// check_address: a HOST:PORT someone typed (`--address`, `--head`, $CONCURRY_ADDRESS,
// ConnectOptions::address) is refused before any connection is tried when it has no port, or a
// port that is not a number from 1 to 65535 (gRPC would otherwise take 99999 as 34463). IPv6
// hosts go in brackets: [::1]:7070. No gRPC here.
#ifndef CONCURRY_CLUSTER_COMMON_ADDRESS_H_
#define CONCURRY_CLUSTER_COMMON_ADDRESS_H_

#include <string>

#include "concurry/core/errors.h"

namespace concurry::internal {

// Throws InvalidOptionError naming `what` (e.g. "--address") and the address.
inline void check_address(const std::string& address, const std::string& what) {
  size_t colon = address.rfind(':');
  bool bracketed = !address.empty() && address[0] == '[';
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  std::string why;
  if (host.empty() || port.empty()) {
    why = "expected HOST:PORT, e.g. 127.0.0.1:7070 or [::1]:7070";
  } else if (bracketed ? host.back() != ']' : host.find(':') != std::string::npos) {
    why = "an IPv6 host goes in brackets, e.g. [::1]:7070";
  } else {
    long value = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9' || value > 65535) {
        value = -1;
        break;
      }
      value = value * 10 + (ch - '0');
    }
    if (value < 1 || value > 65535) why = "the port must be a number from 1 to 65535";
  }
  if (!why.empty()) throw InvalidOptionError(what + " '" + address + "': " + why);
}

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_COMMON_ADDRESS_H_
