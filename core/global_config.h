// global_config(): the lowest-precedence option source, with per-mode defaults.
//   concurry::global_config().set_defaults({.blocking = true});
//   concurry::global_config().set_mode_defaults(concurry::Mode::kThread, {.max_queued_tasks = 50});
//   { auto scope = concurry::temp_config({.mode = "thread"}); ... }  // restored at scope exit
// Precedence inside it: the mode's defaults beat the general defaults. Thread-safe.
#ifndef CONCURRY_CORE_GLOBAL_CONFIG_H_
#define CONCURRY_CORE_GLOBAL_CONFIG_H_

#include <map>
#include <mutex>

#include "concurry/core/duration.h"
#include "concurry/core/options.h"

namespace concurry {

class GlobalConfig {
 public:
  GlobalConfig();

  // Fields set in `overrides` replace the current ones; unset fields are kept.
  void set_defaults(const Options& overrides);
  void set_mode_defaults(Mode mode, const Options& overrides);
  Options defaults() const;
  Options mode_defaults(Mode mode) const;
  // Back to the built-in values of REFERENCE.md.
  void reset();

  // The effective configuration for `mode`: mode defaults over general defaults.
  Options for_mode(Mode mode) const;

  // How long an on-demand call waits for a free worker slot before it fails with TimeoutError
  // (default 60 s).
  void set_on_demand_slot_wait(Duration wait);
  Duration on_demand_slot_wait() const;

 private:
  friend class TempConfig;
  mutable std::mutex mu_;
  Options defaults_;
  std::map<Mode, Options> modes_;
  Duration on_demand_slot_wait_{60.0};
};

GlobalConfig& global_config();

// Restores the global configuration it saw at construction when it goes out of scope.
class TempConfig {
 public:
  explicit TempConfig(const Options& overrides);
  TempConfig(Mode mode, const Options& overrides);
  TempConfig(const TempConfig&) = delete;
  TempConfig& operator=(const TempConfig&) = delete;
  ~TempConfig();

 private:
  Options saved_defaults_;
  std::map<Mode, Options> saved_modes_;
};

[[nodiscard]] inline TempConfig temp_config(const Options& overrides) {
  return TempConfig(overrides);
}
[[nodiscard]] inline TempConfig temp_config(Mode mode, const Options& overrides) {
  return TempConfig(mode, overrides);
}

}  // namespace concurry

#endif  // CONCURRY_CORE_GLOBAL_CONFIG_H_
