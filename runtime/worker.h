// concurry::Worker: an optional base class for worker classes. Any class can be a worker;
// deriving from Worker marks it as one and, from Step 3 on, gives its methods limits().
#ifndef CONCURRY_RUNTIME_WORKER_H_
#define CONCURRY_RUNTIME_WORKER_H_

namespace concurry {

class Worker {
 public:
  virtual ~Worker() = default;
};

}  // namespace concurry

#endif  // CONCURRY_RUNTIME_WORKER_H_
