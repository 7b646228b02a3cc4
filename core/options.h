// Options: how a worker runs. An aggregate of optional fields set with designated initializers,
// in this order:
//   concurry::options<Counter>({.mode = "thread", .blocking = true}).init(5);
// A field left unset falls back to the class's `static concurry::Options default_options()`,
// then to global_config() (per-mode defaults of REFERENCE.md). String-valued fields accept the
// original's aliases case-insensitively; bad values throw InvalidOptionError at init().
#ifndef CONCURRY_CORE_OPTIONS_H_
#define CONCURRY_CORE_OPTIONS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "concurry/core/limit_set.h"
#include "concurry/core/option_values.h"
#include "concurry/core/options_text.h"
#include "concurry/core/per_method.h"
#include "concurry/core/retry_options.h"

namespace concurry {

using RetryFilters = std::vector<RetryFilter>;
using RetryValidators = std::vector<RetryValidator>;
using Resources = std::map<std::string, double>;

struct Options {
  std::optional<Text> mode;                 // sync | thread | asyncio | process | cluster
  std::optional<bool> blocking;             // calls return values instead of futures
  std::optional<int> max_workers;           // > 1 makes a pool; 0 = unlimited (on-demand)
  std::optional<Text> load_balancing;       // round_robin | least_active | least_total | random
  std::optional<bool> on_demand;            // a worker per call
  std::optional<int> max_queued_tasks;      // in flight per worker; 0 = no limit
  PerMethod<int> num_retries;               // attempts = num_retries + 1
  PerMethod<RetryFilters> retry_on;         // which exceptions retry (default: any)
  PerMethod<Text> retry_algorithm;          // linear | exponential | fibonacci
  PerMethod<double> retry_wait;             // base wait, seconds
  PerMethod<double> retry_jitter;           // 0..1
  PerMethod<RetryValidators> retry_until;   // result validators, all must pass
  std::optional<bool> unwrap_futures;       // resolve Future arguments before the call
  Limits limits;                            // call / rate / resource limits
  std::optional<double> stop_timeout;       // seconds stop() waits before forcing
  std::optional<Text> mp_context;           // process mode: forkserver | spawn | fork
  Resources resources;                      // cluster mode: {"cpu", 1}, {"gpu", 1}, ...
  std::optional<std::string> name;          // cluster mode: a named actor
  std::optional<int> max_restarts;          // cluster mode: restarts after a node loss
  std::optional<Text> placement;            // cluster mode: spread | pack

  // Options from strings, e.g. {{"mode", "thread"}, {"blocking", "true"}, {"max_workers", "4"}}.
  // Unknown keys and values that do not parse throw InvalidOptionError naming the key.
  static Options from_map(const std::map<std::string, std::string>& values);

  // Every field set in `high` wins; the rest come from `low`.
  static Options merge(const Options& high, const Options& low);

  // The option names, in declaration order.
  static const std::vector<std::string>& field_names();
};

// Options after precedence and parsing, with the per-mode defaults applied.
struct ResolvedOptions {
  Mode mode = Mode::kSync;
  bool blocking = false;
  int max_workers = 1;
  LoadBalancing load_balancing = LoadBalancing::kRoundRobin;
  bool on_demand = false;
  std::optional<int> max_queued_tasks;  // nullopt: the submission queue is bypassed
  bool unwrap_futures = true;
  double stop_timeout = 30.0;
  Options merged;  // every field, merged, for the parts that read per-method values

  // True when init() must build a pool rather than a single worker.
  bool is_pool() const { return on_demand || max_workers > 1; }
};

// Applies precedence (call > class defaults > global config), parses and checks every field.
// `methods` are the worker's method names, for per-method maps. Throws InvalidOptionError.
ResolvedOptions resolve_options(const Options& call, const Options& class_defaults,
                                const std::vector<std::string>& methods);

}  // namespace concurry

#endif  // CONCURRY_CORE_OPTIONS_H_
