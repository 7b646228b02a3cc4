// ThreadSanitizer suppressions linked into every test (read by TSan only under --config=tsan).
//
// libstdc++ counts std::exception_ptr references with atomics inside libstdc++.so, which is not
// built with -fsanitize=thread, so TSan cannot see that synchronization: when a future's error
// crosses threads and the last reference is dropped on another thread than the one that read
// the exception, TSan reports the exception's destruction as a race. The pattern matches only
// frames of std::__exception_ptr, so real races elsewhere still fail the tests.
extern "C" const char* __tsan_default_suppressions() {
  return "race:__exception_ptr\n";
}
