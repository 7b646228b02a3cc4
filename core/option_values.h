// The enum-like option values and their spellings. Strings are matched case-insensitively
// against the canonical name and the original's aliases (REFERENCE.md), e.g. "procs" ->
// Mode::kProcess, "RR" -> LoadBalancing::kRoundRobin. Anything else throws InvalidOptionError
// naming the option, the allowed values and the nearest one ("did you mean 'thread'?").
#ifndef CONCURRY_CORE_OPTION_VALUES_H_
#define CONCURRY_CORE_OPTION_VALUES_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace concurry {

enum class Mode { kSync, kThread, kAsyncio, kProcess, kCluster };
enum class LoadBalancing { kRoundRobin, kLeastActive, kLeastTotal, kRandom };
enum class RetryAlgorithm { kLinear, kExponential, kFibonacci };
enum class RateLimitAlgorithm { kTokenBucket, kLeakyBucket, kSlidingWindow, kFixedWindow, kGcra };
enum class ReturnWhen { kAllCompleted, kFirstCompleted, kFirstException };
enum class MpContext { kForkserver, kSpawn, kFork };
enum class Placement { kSpread, kPack };

// Parses `text` as a value of `E`; `option` names the option in the error message.
template <class E>
E parse_option(std::string_view option, std::string_view text);

// The canonical spelling: "round_robin", "thread", ...
std::string_view to_string(Mode v);
std::string_view to_string(LoadBalancing v);
std::string_view to_string(RetryAlgorithm v);
std::string_view to_string(RateLimitAlgorithm v);
std::string_view to_string(ReturnWhen v);
std::string_view to_string(MpContext v);
std::string_view to_string(Placement v);

// The name pool stats use for an algorithm: "RoundRobin", "LeastActiveLoad", ...
std::string_view stats_name(LoadBalancing v);

namespace internal {
// Why a resource amount is unacceptable — "" when every amount is a finite number >= 0 (NaN,
// infinities and negatives are refused everywhere resources are taken: options, node
// registration, actor placement). Names the first bad entry: "'cpu' must be a finite number
// >= 0, got nan".
// Also refused: more than kMaxResourceKinds kinds, names empty or over kMaxResourceNameBytes.
inline constexpr size_t kMaxResourceKinds = 64;
inline constexpr size_t kMaxResourceNameBytes = 128;
std::string bad_resource(const std::map<std::string, double>& resources);

// Names of actors, pools and classes the cluster keeps and reports (every status reply lists
// them): "" when `name` is at most kMaxNameBytes, else why not, starting with `what`.
inline constexpr size_t kMaxNameBytes = 1024;
std::string bad_name(const std::string& what, const std::string& name);

// The allowed spelling in `allowed` nearest to `text` (edit distance), "" when none is close.
std::string nearest_spelling(std::string_view text, const std::vector<std::string>& allowed);
}  // namespace internal

}  // namespace concurry

#endif  // CONCURRY_CORE_OPTION_VALUES_H_
