// PoolCore<Item>: the dispatch state of one pool — which member takes the next call, how many
// calls each member may hold, and which members are down — shared by local pools (runtime)
// and the head's cluster pools. A LoadBalancer picks among the members that are up; each member
// has its own SubmissionQueue.
//
//   submit(item)     -> kSend: the item took a slot on `member` (send it now); kWaiting: it waits
//                       for a slot (or, while every member is down but one is coming back, for a
//                       member); kNoMember: no member is up or coming back (the item is untouched:
//                       the owner fails it)
//   complete(m)      -> frees a slot of m; the item waiting for it, which took the slot
//   member_down(m, returns) -> m takes nothing more (its worker died; `returns`: a replacement is
//                       coming); hands back the items waiting for m — and, when now no member is
//                       up or coming back, the held ones — for the owner to submit() again
//   member_up(m)     -> m takes calls again; hands back the items held meanwhile to submit() again
//   drain()          -> every waiting and held item, oldest first per member (stop cancels them)
// Not thread-safe: the owner serializes calls (a pool's lock). No threads, no I/O.
#ifndef CONCURRY_CORE_POOL_CORE_H_
#define CONCURRY_CORE_POOL_CORE_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "concurry/core/load_balancer.h"
#include "concurry/core/submission_queue.h"

namespace concurry {

template <class Item>
class PoolCore {
 public:
  enum class Outcome { kSend, kWaiting, kNoMember };
  struct Placed {
    Outcome outcome;
    size_t member = 0;
  };

  PoolCore(LoadBalancing algorithm, size_t members, std::optional<size_t> limit)
      : balancer_(algorithm, members), returning_(members, false) {
    for (size_t i = 0; i < members; ++i) queues_.emplace_back(limit);
  }

  // Moves from `item` only when the outcome is kWaiting.
  Placed submit(Item& item) {
    if (balancer_.available_count() == 0) {
      if (returning_count_ == 0) return {Outcome::kNoMember};
      held_.push_back(std::move(item));
      return {Outcome::kWaiting};
    }
    size_t member = balancer_.pick();
    if (queues_[member].admit(item)) return {Outcome::kWaiting, member};
    return {Outcome::kSend, member};
  }

  std::optional<Item> complete(size_t member) {
    balancer_.completed(member);
    return queues_[member].complete();
  }

  std::vector<Item> member_down(size_t member, bool returns) {
    if (balancer_.available(member)) balancer_.set_available(member, false);
    set_returning(member, returns);
    std::vector<Item> out = queues_[member].drain();
    if (balancer_.available_count() == 0 && returning_count_ == 0) {
      for (auto& item : held_) out.push_back(std::move(item));
      held_.clear();
    }
    return out;
  }

  std::vector<Item> member_up(size_t member) {
    balancer_.set_available(member, true);
    set_returning(member, false);
    std::vector<Item> out;
    for (auto& item : held_) out.push_back(std::move(item));
    held_.clear();
    return out;
  }

  std::vector<Item> drain() {
    std::vector<Item> out;
    for (auto& item : held_) out.push_back(std::move(item));
    held_.clear();
    for (auto& queue : queues_) {
      for (auto& item : queue.drain()) out.push_back(std::move(item));
    }
    return out;
  }

  size_t size() const { return queues_.size(); }
  bool up(size_t member) const { return balancer_.available(member); }
  const LoadBalancer& balancer() const { return balancer_; }
  const SubmissionQueue<Item>& queue(size_t member) const { return queues_[member]; }
  std::optional<size_t> limit() const { return queues_.empty() ? std::nullopt : queues_[0].limit(); }
  size_t in_flight() const {
    size_t n = 0;
    for (const auto& q : queues_) n += q.in_flight();
    return n;
  }
  size_t waiting() const {
    size_t n = held_.size();
    for (const auto& q : queues_) n += q.waiting();
    return n;
  }

 private:
  void set_returning(size_t member, bool returns) {
    if (returning_[member] == returns) return;
    returning_[member] = returns;
    returns ? ++returning_count_ : --returning_count_;
  }

  LoadBalancer balancer_;
  std::deque<SubmissionQueue<Item>> queues_;  // a deque: never relocated
  std::vector<bool> returning_;               // down, with a replacement coming
  size_t returning_count_ = 0;
  std::deque<Item> held_;  // submitted while every member was down
};

}  // namespace concurry

#endif  // CONCURRY_CORE_POOL_CORE_H_
