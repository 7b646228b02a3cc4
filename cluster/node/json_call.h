// JSON calls on a node (`concurry call`): a registered function, or a hosted actor's method, with
// its arguments from a JSON array and its result as JSON (core/json_values.h). An actor's call
// goes through its executor like any other, in order with its stream calls, and is waited for
// until it finished or `cancelled()` says the caller gave up (checked every 100 ms); a function
// runs on the calling thread (the RPC's) to its end. Returns the reply
// envelope, its value the result's JSON text; never throws: JSON that does not fit the signature
// is a BAD_ARGUMENTS error, unknown names METHOD_NOT_FOUND (naming what there is). Internal.
#ifndef CONCURRY_CLUSTER_NODE_JSON_CALL_H_
#define CONCURRY_CLUSTER_NODE_JSON_CALL_H_

#include <cstdint>
#include <functional>
#include <string>

#include "concurry/cluster/node/actor_host.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {

struct JsonCall {
  uint64_t actor_ref = 0;  // 0: the registered function `function`
  std::string function;
  std::string method;
  std::string json_args;
};

// `context` is appended to "not registered" errors (the libraries searched).
Bytes run_json_call(ActorHost& host, const JsonCall& call, const std::string& context,
                    const std::function<bool()>& cancelled);

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_JSON_CALL_H_
