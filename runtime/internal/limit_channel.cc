#include "concurry/runtime/internal/limit_channel.h"

#include <cmath>
#include <limits>
#include <vector>

#include "concurry/core/error_codec.h"
#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

constexpr uint8_t kAcquire = 1;
constexpr uint8_t kRelease = 2;

// acquire: (op, raw request, timeout seconds or -1, wait); release: (op, grant id, used).
using AcquireRequest = std::tuple<uint8_t, LimitRequest, double, bool>;
using ReleaseRequest = std::tuple<uint8_t, uint64_t, std::vector<double>>;
// (acquired, error type, error message, grant id, indices, amounts, keys, needs_update)
using AcquireReply = std::tuple<bool, std::string, std::string, uint64_t, std::vector<uint32_t>,
                                std::vector<double>, std::vector<std::string>, std::vector<bool>>;

class ChildLimitService final : public LimitService {
 public:
  ChildLimitService(std::function<Bytes(const Bytes&)> exchange,
                    std::function<void(const Bytes&)> send)
      : exchange_(std::move(exchange)), send_(std::move(send)) {}

  Grant normalize(const LimitRequest& request) const override {
    Grant g;
    g.raw = request;  // the parent normalizes, against the real definitions
    return g;
  }

  // The wait happens in the parent, which sees this process leave; `cancelled` is not needed.
  bool acquire(Grant& request, std::optional<Duration> timeout, bool wait,
               const CancelCheck&) override {
    Bytes reply = exchange_(encode(kAcquire, request.raw, timeout ? timeout->count() : -1.0, wait));
    auto [acquired, type, message, id, indices, amounts, keys, flags] =
        decode_tuple<AcquireReply>(reply);
    if (!type.empty()) raise_error(ErrorRecord{ErrorCode::kUser, type, message, "parent limits"});
    if (!acquired) return false;
    request.id = id;
    request.amounts.clear();
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < indices.size(); ++i) {
      request.amounts.emplace_back(indices[i], amounts[i]);
      keys_[indices[i]] = {keys[i], static_cast<bool>(flags[i])};
    }
    return true;
  }

  void release(const Grant& grant, const std::vector<double>& used) override {
    try {
      send_(encode(kRelease, grant.id, used));
    } catch (...) {
      // The parent is gone: so is everything this process could release.
    }
  }

  const std::string& key(uint32_t index) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_.at(index).first;
  }
  std::optional<uint32_t> index_of(const std::string& key) const override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [index, entry] : keys_) {
      if (entry.first == key) return index;
    }
    return std::nullopt;
  }
  bool needs_update(uint32_t index) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_.at(index).second;
  }

 private:
  std::function<Bytes(const Bytes&)> exchange_;
  std::function<void(const Bytes&)> send_;
  mutable std::mutex mu_;
  std::map<uint32_t, std::pair<std::string, bool>> keys_;  // learned from grants
};

}  // namespace

std::shared_ptr<LimitService> make_child_limit_service(
    std::function<Bytes(const Bytes&)> exchange, std::function<void(const Bytes&)> send) {
  return std::make_shared<ChildLimitService>(std::move(exchange), std::move(send));
}

Bytes LimitHost::handle(const Bytes& request, const CancelCheck& cancelled) {
  uint8_t op = request.empty() ? 0 : static_cast<uint8_t>(request[1]);  // after the endianness byte
  if (op == kRelease) {
    auto [unused, id, used] = decode_tuple<ReleaseRequest>(request);
    Grant grant;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = grants_.find(id);
      if (it == grants_.end()) return Bytes();
      grant = std::move(it->second);
      grants_.erase(it);
    }
    limits_.service()->release(grant, used);
    return Bytes();
  }
  AcquireReply reply{};
  try {
    auto [unused, raw, timeout, wait] = decode_tuple<AcquireRequest>(request);
    const auto& service = limits_.service();
    if (!service) {
      std::get<0>(reply) = true;  // an empty set: everything succeeds, nothing to give back
      return encode(reply);
    }
    Grant grant = service->normalize(raw);
    std::optional<Duration> limit;
    if (timeout >= 0) limit = Duration(timeout);
    if (service->acquire(grant, limit, wait, cancelled)) {
      if (cancelled && cancelled()) {  // granted as its caller left: nobody would release it
        service->release(grant, std::vector<double>(grant.amounts.size(), 0.0));  // unused
        throw CancelledError("the limit acquisition was cancelled: its caller left");
      }
      std::lock_guard<std::mutex> lock(mu_);
      uint64_t id = next_id_++;
      std::get<0>(reply) = true;
      std::get<3>(reply) = id;
      for (const auto& [index, amount] : grant.amounts) {
        std::get<4>(reply).push_back(index);
        std::get<5>(reply).push_back(amount);
        std::get<6>(reply).push_back(service->key(index));
        std::get<7>(reply).push_back(service->needs_update(index));
      }
      grants_.emplace(id, std::move(grant));
    }
  } catch (...) {
    ErrorRecord e = describe_exception(std::current_exception(), "limits");
    std::get<1>(reply) = e.type;
    std::get<2>(reply) = e.message;
  }
  return encode(reply);
}

void LimitHost::release_all() {
  std::map<uint64_t, Grant> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held.swap(grants_);
  }
  std::vector<double> as_requested;  // empty: every amount counts as used
  for (auto& [id, grant] : held) limits_.service()->release(grant, as_requested);
}

}  // namespace concurry::internal
