// SubmissionQueue<Item>: at most `limit` items in flight; the rest wait in FIFO order.
//
//   admit(item)   -> nullopt when the item may go now (it took a slot), else a ticket: the item
//                    waits, and the caller's future stays pending
//   complete()    -> frees a slot; returns the next waiting item, which takes the slot at once
//   withdraw(t)   -> takes a waiting item out (a deadline passed, a cancel), if still waiting
//   drain()       -> every waiting item, oldest first (stop() cancels them)
// No limit (nullopt) admits everything. Not thread-safe: the owner (a pool, an on-demand
// launcher, the cluster head) serializes calls. Only original submissions go through it; a retry
// runs where the call runs and never takes a second slot.
#ifndef CONCURRY_CORE_SUBMISSION_QUEUE_H_
#define CONCURRY_CORE_SUBMISSION_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace concurry {

template <class Item>
class SubmissionQueue {
 public:
  using Ticket = uint64_t;

  explicit SubmissionQueue(std::optional<size_t> limit = std::nullopt) : limit_(limit) {}

  // Moves from `item` only when it has to wait.
  std::optional<Ticket> admit(Item& item) {
    if (!limit_ || in_flight_ < *limit_) {
      ++in_flight_;
      return std::nullopt;
    }
    Ticket ticket = next_ticket_++;
    waiting_.emplace_back(ticket, std::move(item));
    ++waiting_count_;
    return ticket;
  }

  std::optional<Item> complete() {
    if (in_flight_ > 0) --in_flight_;
    if (limit_ && in_flight_ >= *limit_) return std::nullopt;
    while (!waiting_.empty()) {
      std::optional<Item> next = std::move(waiting_.front().second);
      waiting_.pop_front();
      if (!next) continue;  // withdrawn earlier
      --waiting_count_;
      ++in_flight_;
      return next;
    }
    return std::nullopt;
  }

  std::optional<Item> withdraw(Ticket ticket) {
    // Tickets are increasing along the deque: binary search, then leave a hole.
    auto it = std::lower_bound(waiting_.begin(), waiting_.end(), ticket,
                               [](const auto& entry, Ticket t) { return entry.first < t; });
    if (it == waiting_.end() || it->first != ticket || !it->second) return std::nullopt;
    std::optional<Item> item = std::move(it->second);
    it->second.reset();
    --waiting_count_;
    return item;
  }

  std::vector<Item> drain() {
    std::vector<Item> out;
    out.reserve(waiting_count_);
    for (auto& [ticket, item] : waiting_) {
      if (item) out.push_back(std::move(*item));
    }
    waiting_.clear();
    waiting_count_ = 0;
    return out;
  }

  std::optional<size_t> limit() const { return limit_; }
  size_t in_flight() const { return in_flight_; }
  size_t waiting() const { return waiting_count_; }

 private:
  std::optional<size_t> limit_;
  size_t in_flight_ = 0;
  Ticket next_ticket_ = 0;
  // FIFO by ticket; a withdrawn entry stays as an empty hole until it reaches the front.
  std::deque<std::pair<Ticket, std::optional<Item>>> waiting_;
  size_t waiting_count_ = 0;
};

}  // namespace concurry

#endif  // CONCURRY_CORE_SUBMISSION_QUEUE_H_
