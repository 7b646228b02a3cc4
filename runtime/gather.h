// gather, wait and as_completed over many futures.
//
//   std::vector<int> rs = concurry::gather(futures);                 // input order
//   auto outcomes = concurry::gather(futures, {.return_exceptions = true});  // Result<T> each
//   std::map<std::string, int> m = concurry::gather(map_of_futures);  // a map comes back a map
//   auto [a, b] = concurry::gather(std::tuple{fa, fb});               // different types
//   auto [done, not_done] = concurry::wait(futures, {.timeout = 1s,
//                                        .return_when = concurry::ReturnWhen::kFirstCompleted});
//   for (auto& [index, value] : concurry::as_completed(futures)) { ... }  // completion order
//
// gather without return_exceptions throws the first error in input order. A timeout that passes
// first throws TimeoutError (wait: only when waiting for all). Empty inputs give empty results.
// `progress` draws a bar (or calls a callback) as futures complete.
#ifndef CONCURRY_RUNTIME_GATHER_H_
#define CONCURRY_RUNTIME_GATHER_H_

#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "concurry/core/duration.h"
#include "concurry/core/future.h"
#include "concurry/core/option_values.h"
#include "concurry/core/options_text.h"
#include "concurry/core/result.h"
#include "concurry/runtime/internal/completion.h"
#include "concurry/runtime/progress_bar.h"

namespace concurry {

struct GatherOptions {
  std::optional<Duration> timeout;
  Progress progress;
};

// With return_exceptions: each element is a Result<T> holding a value or the error.
struct ReturnExceptions {
  ReturnExceptions(bool on) : on(on) {}
  bool on;
};
struct GatherResultsOptions {
  ReturnExceptions return_exceptions;  // required: selects this overload
  std::optional<Duration> timeout;
  Progress progress;
};

struct WaitOptions {
  std::optional<Duration> timeout;
  Text return_when = ReturnWhen::kAllCompleted;  // all_completed | first_completed | first_exception
  Progress progress;
};

template <class T>
struct WaitResult {
  std::vector<Future<T>> done;
  std::vector<Future<T>> not_done;
};

struct AsCompletedOptions {
  std::optional<Duration> timeout;
  Progress progress;
};

namespace internal {
template <class Futures>
States states_of(const Futures& futures) {
  States states;
  states.reserve(futures.size());
  for (const auto& f : futures) states.push_back(state_of(f));
  return states;
}
template <class T>
Result<T> result_of(const Future<T>& f) {
  if (auto error = f.exception()) return Result<T>::of_error(error);
  if constexpr (std::is_void_v<T>) {
    return Result<T>::of_value();
  } else {
    return Result<T>::of_value(f.result());
  }
}
}  // namespace internal

template <class T>
auto gather(const std::vector<Future<T>>& futures, const GatherOptions& options = {}) {
  internal::await_states(internal::states_of(futures), ReturnWhen::kAllCompleted,
                         options.timeout, options.progress);
  if constexpr (std::is_void_v<T>) {
    for (const auto& f : futures) f.result();
  } else {
    std::vector<T> values;
    values.reserve(futures.size());
    for (const auto& f : futures) values.push_back(f.result());
    return values;
  }
}

template <class T>
std::vector<Result<T>> gather(const std::vector<Future<T>>& futures,
                              const GatherResultsOptions& options) {
  internal::await_states(internal::states_of(futures), ReturnWhen::kAllCompleted,
                         options.timeout, options.progress);
  std::vector<Result<T>> results;
  results.reserve(futures.size());
  for (const auto& f : futures) {
    if (!options.return_exceptions.on) f.result();  // throws the first error in input order
    results.push_back(internal::result_of(f));
  }
  return results;
}

template <class K, class T>
std::map<K, T> gather(const std::map<K, Future<T>>& futures, const GatherOptions& options = {}) {
  std::vector<Future<T>> list;
  for (const auto& [key, f] : futures) list.push_back(f);
  std::vector<T> values = gather(list, options);
  std::map<K, T> out;
  size_t i = 0;
  for (const auto& [key, f] : futures) out.emplace(key, std::move(values[i++]));
  return out;
}

template <class K, class T>
std::map<K, Result<T>> gather(const std::map<K, Future<T>>& futures,
                              const GatherResultsOptions& options) {
  std::vector<Future<T>> list;
  for (const auto& [key, f] : futures) list.push_back(f);
  std::vector<Result<T>> values = gather(list, options);
  std::map<K, Result<T>> out;
  size_t i = 0;
  for (const auto& [key, f] : futures) out.emplace(key, std::move(values[i++]));
  return out;
}

template <class... T>
std::tuple<T...> gather(const std::tuple<Future<T>...>& futures, const GatherOptions& options = {}) {
  internal::States states =
      std::apply([](const auto&... f) { return internal::States{internal::state_of(f)...}; },
                 futures);
  internal::await_states(states, ReturnWhen::kAllCompleted, options.timeout, options.progress);
  return std::apply([](const auto&... f) { return std::tuple<T...>(f.result()...); }, futures);
}

template <class T>
WaitResult<T> wait(const std::vector<Future<T>>& futures, const WaitOptions& options = {}) {
  ReturnWhen when = parse_option<ReturnWhen>("return_when", options.return_when.str());
  internal::await_states(internal::states_of(futures), when, options.timeout, options.progress);
  WaitResult<T> out;
  for (const auto& f : futures) (f.done() ? out.done : out.not_done).push_back(f);
  return out;
}

// The range as_completed() returns: yields std::pair<Key, T> (Key = index, or the map's key).
template <class Key, class T>
class AsCompleted {
 public:
  AsCompleted(std::vector<Key> keys, std::vector<Future<T>> futures,
              const AsCompletedOptions& options)
      : keys_(std::move(keys)),
        futures_(std::move(futures)),
        queue_(internal::states_of(futures_), options.timeout, options.progress) {}

  class iterator {
   public:
    using value_type = std::pair<Key, T>;
    explicit iterator(AsCompleted* owner) : owner_(owner) { advance(); }
    iterator() = default;
    value_type& operator*() { return *current_; }
    value_type* operator->() { return &*current_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    bool operator==(const iterator& other) const { return owner_ == other.owner_; }

   private:
    void advance() {
      std::optional<size_t> index = owner_->queue_.next();
      if (!index) {
        owner_ = nullptr;
        return;
      }
      current_.emplace(owner_->keys_[*index], owner_->futures_[*index].result());
    }
    AsCompleted* owner_ = nullptr;
    std::optional<value_type> current_;
  };

  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  std::vector<Key> keys_;
  std::vector<Future<T>> futures_;
  internal::CompletionQueue queue_;
};

// Yields (index, value) as each future completes; a failed future throws its error there.
template <class T>
AsCompleted<size_t, T> as_completed(const std::vector<Future<T>>& futures,
                                    const AsCompletedOptions& options = {}) {
  std::vector<size_t> keys(futures.size());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = i;
  return AsCompleted<size_t, T>(std::move(keys), futures, options);
}

template <class K, class T>
AsCompleted<K, T> as_completed(const std::map<K, Future<T>>& futures,
                               const AsCompletedOptions& options = {}) {
  std::vector<K> keys;
  std::vector<Future<T>> list;
  for (const auto& [key, f] : futures) {
    keys.push_back(key);
    list.push_back(f);
  }
  return AsCompleted<K, T>(std::move(keys), std::move(list), options);
}

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_GATHER_H_
