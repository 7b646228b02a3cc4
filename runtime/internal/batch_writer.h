// BatchWriter<Batch>: the one "one writer at a time, batch under load" discipline of every
// stream — a client's calls to a node or the head (CallStream), a node's replies (ReplyStream),
// a parent's frames to a process worker (ProcessExecutor).
//
// Producers push items. A producer that finds the stream idle — nothing being written, nothing
// waiting, and nothing else outstanding (the owner says how many calls are in flight besides
// this item) — writes a batch of one itself, at once: no thread hop on the one-call-at-a-time
// path. Otherwise the item waits, and the writer thread (run()) sends everything waiting as one
// batch; while more calls are outstanding than items wait (a pipelining producer, many calls
// running) it first lets the batch gather for up to 20 µs or 64 items — while the batch keeps
// growing (kWhileGrowing: calls keep coming), or while calls are still outstanding
// (kWhileOutstanding: their replies will come). At most one thread writes
// at any time, so items go out in the order they were pushed. A failed write breaks the writer:
// later pushes are refused and the owner fails their calls. Thread-safe. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_BATCH_WRITER_H_
#define CONCURRY_RUNTIME_INTERNAL_BATCH_WRITER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace concurry::internal {

template <class Batch>
class BatchWriter {
 public:
  using WriteFn = std::function<bool(Batch&)>;         // false: the stream is over
  using SizeFn = std::function<size_t(const Batch&)>;  // items in a batch
  using CountFn = std::function<size_t()>;             // calls outstanding, for gathering
  enum class Gather { kWhileGrowing, kWhileOutstanding };

  // `mu`: the owner's mutex, when the owner keeps its own state (pending calls) under the same
  // lock as the outbox — one lock per item; nullptr: the writer's own. `producer_writes`: false
  // sends every item through the writer thread (process workers: with the caller spinning on
  // its future, a second core is better spent on the child than on the caller's own write —
  // measured in process_bench).
  BatchWriter(WriteFn write, SizeFn size, CountFn outstanding, Gather gather,
              std::mutex* mu = nullptr, bool producer_writes = true)
      : write_(std::move(write)), size_(std::move(size)), outstanding_(std::move(outstanding)),
        gather_(gather), producer_writes_(producer_writes), mu_(mu ? *mu : own_mu_) {}

  // Appends one item with add(batch). `others`: calls outstanding besides this one (0 lets this
  // thread write it now when the stream is idle). False when broken: nothing was added.
  template <class Add>
  bool push(Add&& add, size_t others) {
    std::unique_lock<std::mutex> lock(mu_);
    return push_locked(lock, std::forward<Add>(add), others);
  }
  // The same, with the writer's mutex already held by `lock` (the owner's, see above); the lock
  // is released on return.
  template <class Add>
  bool push_locked(std::unique_lock<std::mutex>& lock, Add&& add, size_t others) {
    if (broken_) {
      lock.unlock();
      return false;
    }
    if (producer_writes_ && others == 0 && !writing_ && size_(outbox_) == 0) {
      writing_ = true;  // idle: written from this thread, now
      lock.unlock();
      Batch one;
      add(one);
      bool ok = write_(one);
      lock.lock();
      writing_ = false;
      if (!ok) broken_ = true;
      lock.unlock();
      cv_.notify_all();
      return true;
    }
    add(outbox_);
    bool wake = writer_waiting_;
    lock.unlock();
    if (wake) cv_.notify_all();
    return true;
  }

  // The writer thread. Returns once broken, or closed with nothing waiting — and, when closed
  // with `linger`, with nothing outstanding either (every call answered).
  void run() {
    Batch batch;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      writer_waiting_ = true;
      cv_.wait(lock, [&] { return broken_ || (!writing_ && (size_(outbox_) > 0 || can_end())); });
      writer_waiting_ = false;
      if (broken_ || size_(outbox_) == 0) break;
      if (outstanding_() > size_(outbox_)) {
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
        size_t seen = size_(outbox_);
        while (seen < 64 && std::chrono::steady_clock::now() < until) {
          lock.unlock();
          std::this_thread::yield();
          lock.lock();
          size_t now = size_(outbox_);
          bool more = gather_ == Gather::kWhileGrowing ? now != seen : outstanding_() > 0;
          if (!more) break;  // send what is there
          seen = now;
        }
      }
      // Swapped, then cleared: a cleared batch keeps its storage (protobuf keeps the strings of
      // a cleared repeated field), so the outbox refills without allocating.
      if constexpr (requires { batch.Swap(&outbox_); }) {
        batch.Swap(&outbox_);
      } else {
        batch.swap(outbox_);
      }
      writing_ = true;
      lock.unlock();
      bool ok = write_(batch);
      if constexpr (requires { batch.Clear(); }) {
        batch.Clear();
      } else {
        batch.clear();
      }
      lock.lock();
      writing_ = false;
      if (!ok) broken_ = true;
    }
    broken_ = true;  // no direct writes after this
    cv_.wait(lock, [&] { return !writing_; });
    done_ = true;
    cv_.notify_all();
  }

  // No more items will come (with `linger`: but replies to calls outstanding will).
  void close(bool linger) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      linger_ = linger;
    }
    cv_.notify_all();
  }
  // The outstanding count changed: a closing writer may end now.
  void wake() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closing_) return;
    }
    cv_.notify_all();
  }
  // The stream is gone: what waits is dropped, and run() ends.
  void abandon() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      broken_ = true;
    }
    cv_.notify_all();
  }
  bool broken() const {
    std::lock_guard<std::mutex> lock(mu_);
    return broken_;
  }
  // The same, with the writer's mutex held.
  bool broken_locked() const { return broken_; }
  // True once run() returned; waits at most `timeout`.
  bool wait_done(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }

 private:
  bool can_end() const { return closing_ && (!linger_ || outstanding_() == 0); }

  WriteFn write_;
  SizeFn size_;
  CountFn outstanding_;
  Gather gather_;
  bool producer_writes_;
  std::mutex own_mu_;
  std::mutex& mu_;
  std::condition_variable cv_;
  Batch outbox_;                 // guarded by mu_
  bool writing_ = false;         // guarded by mu_: a write is in progress
  bool writer_waiting_ = false;  // guarded by mu_
  bool closing_ = false;         // guarded by mu_
  bool linger_ = false;          // guarded by mu_
  bool broken_ = false;          // guarded by mu_
  bool done_ = false;            // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_BATCH_WRITER_H_
