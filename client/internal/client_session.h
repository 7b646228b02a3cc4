// ClientSession: this client's session with the head — a server stream held open while we are
// connected, by which the head knows we are here. When it breaks (the head was paused, the
// network blinked) it is opened again under the same id, within the head's grace, so the
// session's actors and pools stay; end() (shutdown) asks the head to end it at once
// (EndSession), and the head stops our unnamed actors and pools. Thread-safe. Internal
// (includes gRPC).
#ifndef CONCURRY_CLIENT_INTERNAL_CLIENT_SESSION_H_
#define CONCURRY_CLIENT_INTERNAL_CLIENT_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "concurry/core/duration.h"
#include "concurry/proto/concurry.grpc.pb.h"

namespace concurry::internal {

class ClientSession {
 public:
  ClientSession(proto::Head::Stub* head, std::string token, std::string address);
  ~ClientSession();

  // Opens (or resumes) the stream and reads the head's hello, waiting at most `wait`.
  grpc::Status open(Duration wait);
  // Keeps the stream open (and reopens it) on a thread of its own, until end().
  void start();
  // Ends the session at the head now and stops the thread. Idempotent.
  void end();
  std::string id() const;

 private:
  void keep();
  void end_at_head();
  bool ending() const;

  proto::Head::Stub* head_;
  const std::string token_;
  const std::string address_;
  mutable std::mutex mu_;
  std::unique_ptr<grpc::ClientContext> context_;  // guarded by mu_: the stream open now
  std::unique_ptr<grpc::ClientReader<proto::SessionEvent>> stream_;  // the reader thread's
  std::string id_;                                // guarded by mu_
  bool ending_ = false;                           // guarded by mu_
  std::thread reader_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLIENT_INTERNAL_CLIENT_SESSION_H_
