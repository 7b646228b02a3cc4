#include "concurry/core/option_values.h"

#include <cmath>
#include <sstream>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <utility>

#include "concurry/core/errors.h"

namespace concurry {
namespace {

template <class E>
struct Spelling {
  E value;
  std::string_view canonical;
  std::vector<std::string_view> aliases;
};

template <class E>
struct Table;

template <>
struct Table<Mode> {
  static inline const std::vector<Spelling<Mode>> kRows = {
      {Mode::kSync, "sync", {"synchronous"}},
      {Mode::kThread, "thread", {"threads"}},
      {Mode::kAsyncio, "asyncio", {"async", "asynchronous"}},
      {Mode::kProcess, "process", {"proc", "procs", "processes"}},
      {Mode::kCluster, "cluster", {"ray"}},
  };
};
template <>
struct Table<LoadBalancing> {
  static inline const std::vector<Spelling<LoadBalancing>> kRows = {
      {LoadBalancing::kRoundRobin, "round_robin", {"rr", "roundrobin"}},
      {LoadBalancing::kLeastActive, "least_active", {"active", "leastactiveload"}},
      {LoadBalancing::kLeastTotal, "least_total", {"total", "leasttotalload"}},
      {LoadBalancing::kRandom, "random", {"rand"}},
  };
};
template <>
struct Table<RetryAlgorithm> {
  static inline const std::vector<Spelling<RetryAlgorithm>> kRows = {
      {RetryAlgorithm::kLinear, "linear", {}},
      {RetryAlgorithm::kExponential, "exponential", {}},
      {RetryAlgorithm::kFibonacci, "fibonacci", {}},
  };
};
template <>
struct Table<RateLimitAlgorithm> {
  static inline const std::vector<Spelling<RateLimitAlgorithm>> kRows = {
      {RateLimitAlgorithm::kTokenBucket, "token_bucket", {"token", "tokenbucket"}},
      {RateLimitAlgorithm::kLeakyBucket, "leaky_bucket", {"leaky", "leakybucket"}},
      {RateLimitAlgorithm::kSlidingWindow, "sliding_window", {"sliding", "slidingwindow"}},
      {RateLimitAlgorithm::kFixedWindow, "fixed_window", {"fixed", "fixedwindow"}},
      {RateLimitAlgorithm::kGcra, "gcra", {}},
  };
};
template <>
struct Table<ReturnWhen> {
  static inline const std::vector<Spelling<ReturnWhen>> kRows = {
      {ReturnWhen::kAllCompleted, "all_completed", {"all"}},
      {ReturnWhen::kFirstCompleted, "first_completed", {"first"}},
      {ReturnWhen::kFirstException, "first_exception", {"exception"}},
  };
};
template <>
struct Table<MpContext> {
  static inline const std::vector<Spelling<MpContext>> kRows = {
      {MpContext::kForkserver, "forkserver", {}},
      {MpContext::kSpawn, "spawn", {}},
      {MpContext::kFork, "fork", {}},
  };
};
template <>
struct Table<Placement> {
  static inline const std::vector<Spelling<Placement>> kRows = {
      {Placement::kSpread, "spread", {}},
      {Placement::kPack, "pack", {}},
  };
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

template <class E>
std::string_view canonical(E v) {
  for (const auto& row : Table<E>::kRows) {
    if (row.value == v) return row.canonical;
  }
  return "?";
}

}  // namespace

namespace internal {

std::string bad_resource(const std::map<std::string, double>& resources) {
  if (resources.size() > kMaxResourceKinds) {
    return "kinds: at most " + std::to_string(kMaxResourceKinds) + ", got " +
           std::to_string(resources.size());
  }
  for (const auto& [name, amount] : resources) {
    if (name.empty() || name.size() > kMaxResourceNameBytes) {
      return "names are 1 to " + std::to_string(kMaxResourceNameBytes) + " bytes, got one of " +
             std::to_string(name.size());
    }
    if (!std::isfinite(amount) || amount < 0) {
      std::ostringstream shown;
      shown << amount;
      return "'" + name + "' must be a finite number >= 0, got " + shown.str();
    }
  }
  return "";
}

std::string bad_name(const std::string& what, const std::string& name) {
  if (name.size() <= kMaxNameBytes) return "";
  return what + " of " + std::to_string(name.size()) + " bytes is too long (at most " +
         std::to_string(kMaxNameBytes) + ")";
}

}  // namespace internal

namespace internal {
std::string nearest_spelling(std::string_view text, const std::vector<std::string>& allowed) {
  std::string needle = lower(text);
  std::string best;
  size_t best_distance = needle.size() / 2 + 2;  // farther than this is not a typo
  for (const auto& candidate : allowed) {
    size_t d = edit_distance(needle, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}
}  // namespace internal

template <class E>
E parse_option(std::string_view option, std::string_view text) {
  std::string needle = lower(text);
  std::vector<std::string> spellings;
  for (const auto& row : Table<E>::kRows) {
    if (needle == row.canonical) return row.value;
    for (auto alias : row.aliases) {
      if (needle == alias) return row.value;
    }
  }
  std::string allowed;
  for (const auto& row : Table<E>::kRows) {
    spellings.emplace_back(row.canonical);
    for (auto alias : row.aliases) spellings.emplace_back(alias);
    if (!allowed.empty()) allowed += ", ";
    allowed += "'" + std::string(row.canonical) + "'";
  }
  std::string message = "invalid value '" + std::string(text) + "' for option '" +
                        std::string(option) + "'; allowed: " + allowed;
  std::string near = internal::nearest_spelling(text, spellings);
  if (!near.empty()) {
    // Suggest the canonical spelling of whatever the nearest alias stands for.
    for (const auto& row : Table<E>::kRows) {
      bool hit = near == row.canonical;
      for (auto alias : row.aliases) hit = hit || near == alias;
      if (hit) message += "; did you mean '" + std::string(row.canonical) + "'?";
      if (hit) break;
    }
  }
  throw InvalidOptionError(message);
}

template Mode parse_option<Mode>(std::string_view, std::string_view);
template LoadBalancing parse_option<LoadBalancing>(std::string_view, std::string_view);
template RetryAlgorithm parse_option<RetryAlgorithm>(std::string_view, std::string_view);
template RateLimitAlgorithm parse_option<RateLimitAlgorithm>(std::string_view, std::string_view);
template ReturnWhen parse_option<ReturnWhen>(std::string_view, std::string_view);
template MpContext parse_option<MpContext>(std::string_view, std::string_view);
template Placement parse_option<Placement>(std::string_view, std::string_view);

std::string_view to_string(Mode v) { return canonical(v); }
std::string_view to_string(LoadBalancing v) { return canonical(v); }
std::string_view to_string(RetryAlgorithm v) { return canonical(v); }
std::string_view to_string(RateLimitAlgorithm v) { return canonical(v); }
std::string_view to_string(ReturnWhen v) { return canonical(v); }
std::string_view to_string(MpContext v) { return canonical(v); }
std::string_view to_string(Placement v) { return canonical(v); }

std::string_view stats_name(LoadBalancing v) {
  switch (v) {
    case LoadBalancing::kRoundRobin:
      return "RoundRobin";
    case LoadBalancing::kLeastActive:
      return "LeastActiveLoad";
    case LoadBalancing::kLeastTotal:
      return "LeastTotalLoad";
    case LoadBalancing::kRandom:
      return "Random";
  }
  return "?";
}

}  // namespace concurry
