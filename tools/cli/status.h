// `concurry status`: the cluster as the head sees it — nodes (alive or dead, resources offered
// and held by actors, heartbeat age), actors (class, name, node, state, restarts), pools
// (members, algorithm, dispatched, in flight and queued per member) and jobs — as text for
// people or JSON for scripts.
#ifndef CONCURRY_TOOLS_CLI_STATUS_H_
#define CONCURRY_TOOLS_CLI_STATUS_H_

#include <string>

namespace concurry::cli {

struct HeadRpc;

// Asks the head; returns the report. Throws std::runtime_error naming the head and the cause
// when it does not answer or refuses the token.
std::string cluster_status(const HeadRpc& head, bool json);

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_STATUS_H_
