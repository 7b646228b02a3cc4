// SessionTable: the clients' sessions with the head. A session lives while one of its streams
// is open and for `grace` after the last one closed, so that a client whose connection broke
// (the head was paused, the network blinked) resumes it with its actors and pools intact; a
// clean shutdown ends it at once (EndSession), and a client that never comes back (killed) is
// ended by sweep() after the grace. Time comes from the caller. Thread-safe. No gRPC here.
#ifndef CONCURRY_CLUSTER_HEAD_SESSION_TABLE_H_
#define CONCURRY_CLUSTER_HEAD_SESSION_TABLE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "concurry/core/duration.h"

namespace concurry::internal {

class SessionTable {
 public:
  explicit SessionTable(Duration grace) : grace_(grace) {}

  // A stream opens: resumes `resume_id` while it is alive, else starts a new session. Its id.
  std::string attach(const std::string& resume_id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = resume_id.empty() ? sessions_.end() : sessions_.find(resume_id);
    if (it == sessions_.end()) {
      std::string id = "session-" + std::to_string(next_++);
      it = sessions_.emplace(id, Entry{}).first;
    }
    ++it->second.streams;
    return it->first;
  }
  // A stream of `id` closed at `now`; with no stream left the grace starts.
  void detach(const std::string& id, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.streams == 0) return;
    if (--it->second.streams == 0) it->second.detached = now;
  }
  // True while `id` is a session (open, or within its grace).
  bool alive(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return !id.empty() && sessions_.count(id) > 0;
  }
  // Ends `id` now; true when it was alive (its actors are then to be stopped).
  bool end(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return sessions_.erase(id) > 0;
  }
  // The sessions without a stream for longer than the grace: ended, and returned.
  std::vector<std::string> sweep(Clock::time_point now) {
    std::vector<std::string> ended;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.streams == 0 && now - it->second.detached > grace_) {
        ended.push_back(it->first);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    return ended;
  }
  Duration grace() const { return grace_; }

 private:
  struct Entry {
    int streams = 0;
    Clock::time_point detached{};
  };
  Duration grace_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;  // guarded by mu_
  uint64_t next_ = 1;                      // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_HEAD_SESSION_TABLE_H_
