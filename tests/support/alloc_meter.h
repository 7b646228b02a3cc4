// How much heap a piece of code held at its peak, for tests that must show that hostile input
// allocates nothing much. Linking //tests/support:alloc_meter replaces the binary's global
// operator new/delete with counting ones (malloc/free underneath, so sanitizers still see every
// block):
//   concurry_test::AllocMeter meter;
//   decode(...);
//   EXPECT_LT(meter.peak_bytes(), 1 << 20);
// One meter at a time; counts every thread's allocations.
#ifndef CONCURRY_TESTS_SUPPORT_ALLOC_METER_H_
#define CONCURRY_TESTS_SUPPORT_ALLOC_METER_H_

#include <cstddef>

namespace concurry_test {

class AllocMeter {
 public:
  AllocMeter();  // the peak is measured from here
  // The highest heap held through operator new since construction, above what was held then.
  size_t peak_bytes() const;

 private:
  size_t base_;
};

}  // namespace concurry_test

#endif  // CONCURRY_TESTS_SUPPORT_ALLOC_METER_H_
