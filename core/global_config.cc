#include "concurry/core/global_config.h"

namespace concurry {
namespace {

Options builtin_defaults() {
  Options o;
  o.mode = "sync";
  o.blocking = false;
  o.on_demand = false;
  o.unwrap_futures = true;
  o.stop_timeout = 30.0;
  o.num_retries = 0;
  o.retry_algorithm = "exponential";
  o.retry_wait = 1.0;
  o.retry_jitter = 0.3;
  o.mp_context = "forkserver";
  o.max_restarts = 0;
  o.placement = "spread";
  // load_balancing stays unset: round_robin, or random for on-demand pools (resolve_options).
  return o;
}

std::map<Mode, Options> builtin_modes() {
  std::map<Mode, Options> modes;
  for (Mode m : {Mode::kSync, Mode::kThread, Mode::kAsyncio, Mode::kProcess, Mode::kCluster}) {
    modes[m].max_workers = 1;
  }
  // sync and asyncio: no submission queue (max_queued_tasks unset).
  modes[Mode::kThread].max_queued_tasks = 100;
  modes[Mode::kProcess].max_queued_tasks = 5;
  modes[Mode::kCluster].max_queued_tasks = 2;
  return modes;
}

}  // namespace

GlobalConfig::GlobalConfig() : defaults_(builtin_defaults()), modes_(builtin_modes()) {}

void GlobalConfig::set_defaults(const Options& overrides) {
  std::lock_guard<std::mutex> lock(mu_);
  defaults_ = Options::merge(overrides, defaults_);
}

void GlobalConfig::set_mode_defaults(Mode mode, const Options& overrides) {
  std::lock_guard<std::mutex> lock(mu_);
  modes_[mode] = Options::merge(overrides, modes_[mode]);
}

Options GlobalConfig::defaults() const {
  std::lock_guard<std::mutex> lock(mu_);
  return defaults_;
}

Options GlobalConfig::mode_defaults(Mode mode) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = modes_.find(mode);
  return it == modes_.end() ? Options{} : it->second;
}

void GlobalConfig::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  defaults_ = builtin_defaults();
  modes_ = builtin_modes();
  on_demand_slot_wait_ = Duration(60.0);
}

Options GlobalConfig::for_mode(Mode mode) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = modes_.find(mode);
  return it == modes_.end() ? defaults_ : Options::merge(it->second, defaults_);
}

void GlobalConfig::set_on_demand_slot_wait(Duration wait) {
  std::lock_guard<std::mutex> lock(mu_);
  on_demand_slot_wait_ = wait;
}

Duration GlobalConfig::on_demand_slot_wait() const {
  std::lock_guard<std::mutex> lock(mu_);
  return on_demand_slot_wait_;
}

GlobalConfig& global_config() {
  static GlobalConfig* config = new GlobalConfig();  // never destroyed: usable at exit
  return *config;
}

TempConfig::TempConfig(const Options& overrides) {
  GlobalConfig& g = global_config();
  {
    std::lock_guard<std::mutex> lock(g.mu_);
    saved_defaults_ = g.defaults_;
    saved_modes_ = g.modes_;
  }
  g.set_defaults(overrides);
}

TempConfig::TempConfig(Mode mode, const Options& overrides) {
  GlobalConfig& g = global_config();
  {
    std::lock_guard<std::mutex> lock(g.mu_);
    saved_defaults_ = g.defaults_;
    saved_modes_ = g.modes_;
  }
  g.set_mode_defaults(mode, overrides);
}

TempConfig::~TempConfig() {
  GlobalConfig& g = global_config();
  std::lock_guard<std::mutex> lock(g.mu_);
  g.defaults_ = std::move(saved_defaults_);
  g.modes_ = std::move(saved_modes_);
}

}  // namespace concurry
