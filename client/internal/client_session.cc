#include "concurry/client/internal/client_session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>

#include "concurry/cluster/common/auth.h"

namespace concurry::internal {

ClientSession::ClientSession(proto::Head::Stub* head, std::string token, std::string address)
    : head_(head), token_(std::move(token)), address_(std::move(address)) {}

ClientSession::~ClientSession() { end(); }

grpc::Status ClientSession::open(Duration wait) {
  auto context = std::make_unique<grpc::ClientContext>();
  add_token(context.get(), token_);
  context->set_wait_for_ready(true);
  proto::SessionRequest request;
  request.set_resume_id(id());
  // The hello bounds the wait (a deadline would end the stream itself later): the call is
  // cancelled after `wait` — while it starts (waiting for the head) or waits for the hello.
  std::atomic<bool> greeted{false};
  grpc::ClientContext* raw = context.get();
  std::thread watchdog([raw, &greeted, wait] {
    auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(wait);
    while (!greeted.load() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!greeted.load()) raw->TryCancel();
  });
  auto reader = head_->OpenSession(context.get(), request);
  proto::SessionEvent hello;
  bool ok = reader->Read(&hello);
  greeted.store(true);
  watchdog.join();
  if (!ok) return reader->Finish();
  std::lock_guard<std::mutex> lock(mu_);
  if (!id_.empty() && hello.session_id() != id_) {
    std::fprintf(stderr, "concurry: the head at %s had ended session %s (its unnamed actors and "
                         "pools were stopped); continuing as %s\n",
                 address_.c_str(), id_.c_str(), hello.session_id().c_str());
  }
  id_ = hello.session_id();
  context_ = std::move(context);
  stream_ = std::move(reader);
  return grpc::Status::OK;
}

void ClientSession::start() { reader_ = std::thread([this] { keep(); }); }

void ClientSession::keep() {
  while (true) {
    proto::SessionEvent event;
    while (stream_->Read(&event)) {
    }
    stream_->Finish();
    int backoff_ms = 50;
    while (true) {
      if (ending()) return;
      bool reopened = open(Duration(2.0)).ok();
      if (reopened && !ending()) break;
      if (ending()) {
        if (reopened) {  // end() came while this reopened: that session ends too
          end_at_head();
          stream_->Finish();
        }
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, 500);
    }
  }
}

bool ClientSession::ending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ending_;
}

std::string ClientSession::id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return id_;
}

void ClientSession::end_at_head() {
  proto::SessionRequest request;
  request.set_resume_id(id());
  grpc::ClientContext context;
  add_token(&context, token_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  proto::SessionEvent ignored;
  head_->EndSession(&context, request, &ignored);  // best effort: the grace ends it otherwise
  std::lock_guard<std::mutex> lock(mu_);
  if (context_) context_->TryCancel();
}

void ClientSession::end() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ending_) return;
    ending_ = true;
  }
  if (!reader_.joinable()) return;  // never started (open failed)
  end_at_head();
  reader_.join();
}

}  // namespace concurry::internal
