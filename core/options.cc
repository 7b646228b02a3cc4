#include "concurry/core/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "concurry/core/errors.h"
#include "concurry/core/global_config.h"

namespace concurry {
namespace internal {

void validate_method_keys(std::string_view option, const std::vector<std::string>& keys,
                          const std::vector<std::string>& methods) {
  if (std::find(keys.begin(), keys.end(), "*") == keys.end()) {
    throw InvalidOptionError("per-method map for '" + std::string(option) +
                             "' must contain a \"*\" entry (the default for other methods)");
  }
  for (const auto& key : keys) {
    if (key == "*" || std::find(methods.begin(), methods.end(), key) != methods.end()) continue;
    std::string known;
    for (const auto& m : methods) known += (known.empty() ? "" : ", ") + m;
    std::string message = "per-method map for '" + std::string(option) + "' names method '" +
                          key + "', which the worker does not have; its methods: " + known;
    std::string near = nearest_spelling(key, methods);
    if (!near.empty()) message += "; did you mean '" + near + "'?";
    throw InvalidOptionError(message);
  }
}

}  // namespace internal

namespace {

template <class T>
const T& pick(const std::optional<T>& high, const std::optional<T>& low, const T& fallback) {
  return high ? *high : (low ? *low : fallback);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_bool(const std::string& key, const std::string& value) {
  std::string v = lower(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw InvalidOptionError("option '" + key + "' expects a boolean (true/false/1/0/yes/no), got '" +
                           value + "'");
}

int parse_int(const std::string& key, const std::string& value) {
  int out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size()) {
    throw InvalidOptionError("option '" + key + "' expects an integer, got '" + value + "'");
  }
  return out;
}

double parse_double(const std::string& key, const std::string& value) {
  try {
    size_t used = 0;
    double out = std::stod(value, &used);
    if (used == value.size()) return out;
  } catch (const std::exception&) {
  }
  throw InvalidOptionError("option '" + key + "' expects a number, got '" + value + "'");
}

void check_non_negative(const char* option, const std::optional<int>& v) {
  if (v && *v < 0) {
    throw InvalidOptionError(std::string("option '") + option + "' must be >= 0, got " +
                             std::to_string(*v));
  }
}

}  // namespace

const std::vector<std::string>& Options::field_names() {
  static const std::vector<std::string> names = {
      "mode",        "blocking",       "max_workers",     "load_balancing", "on_demand",
      "max_queued_tasks", "num_retries", "retry_on",      "retry_algorithm", "retry_wait",
      "retry_jitter", "retry_until",   "unwrap_futures",  "limits",         "stop_timeout",
      "mp_context",  "resources",      "name",            "max_restarts",   "placement"};
  return names;
}

Options Options::from_map(const std::map<std::string, std::string>& values) {
  Options o;
  for (const auto& [key, value] : values) {
    if (key == "mode") o.mode = value;
    else if (key == "blocking") o.blocking = parse_bool(key, value);
    else if (key == "max_workers") o.max_workers = parse_int(key, value);
    else if (key == "load_balancing") o.load_balancing = value;
    else if (key == "on_demand") o.on_demand = parse_bool(key, value);
    else if (key == "max_queued_tasks") o.max_queued_tasks = parse_int(key, value);
    else if (key == "num_retries") o.num_retries = parse_int(key, value);
    else if (key == "retry_algorithm") o.retry_algorithm = Text(value);
    else if (key == "retry_wait") o.retry_wait = parse_double(key, value);
    else if (key == "retry_jitter") o.retry_jitter = parse_double(key, value);
    else if (key == "unwrap_futures") o.unwrap_futures = parse_bool(key, value);
    else if (key == "stop_timeout") o.stop_timeout = parse_double(key, value);
    else if (key == "mp_context") o.mp_context = value;
    else if (key == "name") o.name = value;
    else if (key == "max_restarts") o.max_restarts = parse_int(key, value);
    else if (key == "placement") o.placement = value;
    else {
      const auto& names = field_names();
      bool known = std::find(names.begin(), names.end(), key) != names.end();
      std::string message =
          known ? "option '" + key + "' cannot be given as a string; set it in Options directly"
                : "unknown option '" + key + "'";
      if (!known) {
        std::string all;
        for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
        message += "; options are: " + all;
        std::string near = internal::nearest_spelling(key, names);
        if (!near.empty()) message += "; did you mean '" + near + "'?";
      }
      throw InvalidOptionError(message);
    }
  }
  return o;
}

Options Options::merge(const Options& high, const Options& low) {
  Options o;
  auto opt = [](const auto& h, const auto& l) { return h ? h : l; };
  auto per = [](const auto& h, const auto& l) { return h.is_set() ? h : l; };
  o.mode = opt(high.mode, low.mode);
  o.blocking = opt(high.blocking, low.blocking);
  o.max_workers = opt(high.max_workers, low.max_workers);
  o.load_balancing = opt(high.load_balancing, low.load_balancing);
  o.on_demand = opt(high.on_demand, low.on_demand);
  o.max_queued_tasks = opt(high.max_queued_tasks, low.max_queued_tasks);
  o.num_retries = per(high.num_retries, low.num_retries);
  o.retry_on = per(high.retry_on, low.retry_on);
  o.retry_algorithm = per(high.retry_algorithm, low.retry_algorithm);
  o.retry_wait = per(high.retry_wait, low.retry_wait);
  o.retry_jitter = per(high.retry_jitter, low.retry_jitter);
  o.retry_until = per(high.retry_until, low.retry_until);
  o.unwrap_futures = opt(high.unwrap_futures, low.unwrap_futures);
  o.limits = high.limits.empty() ? low.limits : high.limits;
  o.stop_timeout = opt(high.stop_timeout, low.stop_timeout);
  o.mp_context = opt(high.mp_context, low.mp_context);
  o.resources = high.resources.empty() ? low.resources : high.resources;
  o.name = opt(high.name, low.name);
  o.max_restarts = opt(high.max_restarts, low.max_restarts);
  o.placement = opt(high.placement, low.placement);
  return o;
}

ResolvedOptions resolve_options(const Options& call, const Options& class_defaults,
                                const std::vector<std::string>& methods) {
  Options user = Options::merge(call, class_defaults);
  Options base = global_config().defaults();
  Mode mode = parse_option<Mode>("mode", pick(user.mode, base.mode, Text("sync")).str());
  Options merged = Options::merge(user, global_config().for_mode(mode));

  ResolvedOptions r;
  r.mode = mode;
  r.blocking = merged.blocking.value_or(false);
  check_non_negative("max_workers", merged.max_workers);
  check_non_negative("max_queued_tasks", merged.max_queued_tasks);
  r.max_workers = merged.max_workers.value_or(1);
  r.on_demand = merged.on_demand.value_or(false);
  r.load_balancing =
      merged.load_balancing
          ? parse_option<LoadBalancing>("load_balancing", merged.load_balancing->str())
          : (r.on_demand ? LoadBalancing::kRandom : LoadBalancing::kRoundRobin);
  // The submission queue is bypassed for sync and asyncio modes and for on-demand workers.
  bool queue_applies = mode != Mode::kSync && mode != Mode::kAsyncio && !r.on_demand;
  if (queue_applies && merged.max_queued_tasks && *merged.max_queued_tasks > 0) {
    r.max_queued_tasks = merged.max_queued_tasks;
  }
  r.unwrap_futures = merged.unwrap_futures.value_or(true);
  r.stop_timeout = merged.stop_timeout.value_or(30.0);
  if (r.stop_timeout < 0) throw InvalidOptionError("option 'stop_timeout' must be >= 0 seconds");

  if (r.max_workers == 0 && !r.on_demand) {
    throw InvalidOptionError("max_workers = 0 means unlimited on-demand workers and needs "
                             "on_demand = true; a pool needs max_workers >= 1");
  }
  if ((mode == Mode::kSync || mode == Mode::kAsyncio)) {
    std::string name(to_string(mode));
    if (r.max_workers != 1) {
      throw InvalidOptionError("max_workers must be 1 for " + name + " mode (got " +
                               std::to_string(r.max_workers) + ")");
    }
    if (r.on_demand) throw InvalidOptionError("on_demand is not supported for " + name + " mode");
  }

  // Per-method maps: a "*" entry and only real method names; values in range.
  merged.num_retries.validate("num_retries", methods);
  merged.retry_on.validate("retry_on", methods);
  merged.retry_algorithm.validate("retry_algorithm", methods);
  merged.retry_wait.validate("retry_wait", methods);
  merged.retry_jitter.validate("retry_jitter", methods);
  merged.retry_until.validate("retry_until", methods);
  for (const auto& [m, n] : merged.num_retries.entries()) {
    if (n < 0) throw InvalidOptionError("option 'num_retries' must be >= 0 (method '" + m + "')");
  }
  for (const auto& [m, a] : merged.retry_algorithm.entries()) {
    parse_option<RetryAlgorithm>("retry_algorithm", a.str());
  }
  for (const auto& [m, w] : merged.retry_wait.entries()) {
    if (w < 0) throw InvalidOptionError("option 'retry_wait' must be >= 0 (method '" + m + "')");
  }
  for (const auto& [m, j] : merged.retry_jitter.entries()) {
    if (j < 0 || j > 1) {
      throw InvalidOptionError("option 'retry_jitter' must be between 0 and 1 (method '" + m +
                               "')");
    }
  }
  if (merged.mp_context) parse_option<MpContext>("mp_context", merged.mp_context->str());
  if (merged.placement) parse_option<Placement>("placement", merged.placement->str());
  for (const auto& [key, amount] : merged.resources) {
    if (amount < 0) throw InvalidOptionError("resource '" + key + "' must be >= 0");
  }
  r.merged = std::move(merged);
  return r;
}

}  // namespace concurry
