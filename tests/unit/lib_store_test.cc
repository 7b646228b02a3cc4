// LibStore keeps uploaded libraries on disk, not in memory: put() holds no copy of the bytes
// (they once stayed in the head's memory forever), the file is private and content-addressed,
// get() reads it back; wrong digests and names are refused; a temporary directory it made is
// removed with it.
#include "concurry/cluster/head/lib_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "concurry/cluster/common/digest.h"
#include "concurry/core/errors.h"
#include "tests/support/alloc_meter.h"

namespace concurry::internal {
namespace {

std::string fresh_dir() {
  std::string d = std::string(std::getenv("TEST_TMPDIR")) + "/libs-" + std::to_string(::getpid());
  std::filesystem::remove_all(d);
  return d;
}

TEST(LibStoreTest, AnUploadGoesToAPrivateFileAndHoldsNoCopyInMemory) {
  std::string dir = fresh_dir();
  LibStore store(dir);
  std::string content(16 << 20, 'x');
  std::string digest = content_digest(content);
  concurry_test::AllocMeter meter;
  store.put(digest, "libbig.so", content);
  EXPECT_LT(meter.peak_bytes(), 1u << 20) << "put() copied the library into memory";
  EXPECT_TRUE(store.has(digest));
  EXPECT_TRUE(store.missing({digest}).empty());

  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    struct stat st;
    ASSERT_EQ(::lstat(entry.path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(static_cast<size_t>(st.st_size), content.size());
  }
  EXPECT_EQ(files, 1);
  auto lib = store.get(digest);
  ASSERT_TRUE(lib.has_value());
  EXPECT_EQ(lib->name, "libbig.so");
  EXPECT_TRUE(*lib->content == content);
  store.put(digest, "libbig.so", content);  // the same bytes again: nothing new
  EXPECT_FALSE(store.get("sha256:00").has_value());
}

TEST(LibStoreTest, WrongDigestsAndNamesAreRefused) {
  LibStore store(fresh_dir());
  EXPECT_THROW(store.put(content_digest("a"), "liba.so", "b"), InvalidOptionError);
  EXPECT_THROW(store.put(content_digest("a"), "../../x.so", "a"), InvalidOptionError);
  EXPECT_FALSE(store.has(content_digest("a")));
}

TEST(LibStoreTest, ATemporaryDirectoryItMadeGoesWithIt) {
  ::setenv("TMPDIR", std::getenv("TEST_TMPDIR"), 1);
  std::string made;
  {
    LibStore store;
    store.put(content_digest("a"), "liba.so", "a");
    auto lib = store.get(content_digest("a"));
    ASSERT_TRUE(lib.has_value());
    EXPECT_EQ(*lib->content, "a");
    for (const auto& e : std::filesystem::directory_iterator(std::getenv("TEST_TMPDIR"))) {
      if (e.path().filename().string().rfind("concurry-head-libs-", 0) == 0) made = e.path();
    }
  }
  ASSERT_FALSE(made.empty());
  EXPECT_FALSE(std::filesystem::exists(made));
}

}  // namespace
}  // namespace concurry::internal
