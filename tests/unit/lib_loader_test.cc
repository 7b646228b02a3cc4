// LibLoader: a node loads only the bytes a digest names — a file planted in its cache under
// that digest is fetched afresh, and a cache directory others could write to is refused.
#include "concurry/cluster/node/lib_loader.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include "concurry/cluster/common/digest.h"
#include "concurry/cluster/common/private_dir.h"
#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

std::string runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

std::string fresh_dir(const std::string& name, mode_t mode) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  ::mkdir(dir.c_str(), 0700);
  ::chmod(dir.c_str(), mode);
  return dir;
}

TEST(LibLoaderTest, APlantedFileUnderTheDigestIsFetchedAfreshNotLoaded) {
  std::string bytes = read_file_bytes(runfile("tests/unit/libplain_lib.so"));
  std::string digest = content_digest(bytes);
  std::string hex = digest.substr(digest.find(':') + 1);
  std::string dir = fresh_dir("cache", 0700);
  std::ofstream(dir + "/" + hex + ".so") << "planted: any code at all";
  LibLoader loader(dir);
  int fetched = 0;
  loader.ensure({digest}, [&](const std::string& d) {
    ++fetched;
    EXPECT_EQ(d, digest);
    return std::make_pair(std::string("libplain_lib.so"), bytes);
  });
  EXPECT_EQ(fetched, 1) << "the planted file was trusted";
  EXPECT_EQ(read_file_bytes(dir + "/" + hex + ".so"), bytes);  // replaced by the real bytes
  EXPECT_NE(::dlsym(RTLD_DEFAULT, "concurry_plain_lib_marker"), nullptr);  // and loaded
  loader.ensure({digest}, [&](const std::string&) -> std::pair<std::string, std::string> {
    ADD_FAILURE() << "a loaded library is not fetched again";
    return {};
  });
}

TEST(LibLoaderTest, ACacheDirectoryOthersCanWriteIsRefused) {
  std::string dir = fresh_dir("open-cache", 0777);
  LibLoader loader(dir);
  try {
    loader.ensure({"sha256:00ff"}, [](const std::string&) -> std::pair<std::string, std::string> {
      ADD_FAILURE() << "nothing is fetched into a cache others can write";
      return {};
    });
    FAIL() << "expected ClusterError";
  } catch (const ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("is writable by its group or others"), std::string::npos)
        << e.what();
  }
  std::string link = std::string(std::getenv("TEST_TMPDIR")) + "/link-cache";
  ::symlink(fresh_dir("real-cache", 0700).c_str(), link.c_str());
  LibLoader through_link(link);
  EXPECT_THROW(through_link.ensure({"sha256:00ff"},
                                   [](const std::string&) -> std::pair<std::string, std::string> {
                                     return {};
                                   }),
               ClusterError);
}

}  // namespace
}  // namespace concurry::internal

namespace concurry::internal {
namespace {

// The directories daemons load or run files from (the node's library cache, the head's jobs
// directory) are this user's own and closed to everyone else.
TEST(PrivateDirTest, OnlyADirectoryOfOurOwnClosedToOthersIsUsed) {
  std::string base = std::string(std::getenv("TEST_TMPDIR")) + "/private";
  ensure_private_dir(base, "test directory");  // created
  struct stat st;
  ASSERT_EQ(::lstat(base.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ::chmod(base.c_str(), 0775);
  EXPECT_THROW(ensure_private_dir(base, "test directory"), ClusterError);
  ::chmod(base.c_str(), 0700);
  EXPECT_NO_THROW(ensure_private_dir(base, "test directory"));

  std::string a = make_private_temp_dir("concurry-test-");
  std::string b = make_private_temp_dir("concurry-test-");
  EXPECT_NE(a, b) << "names nobody can predict";
  ASSERT_EQ(::lstat(a.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ::rmdir(a.c_str());
  ::rmdir(b.c_str());
}

}  // namespace
}  // namespace concurry::internal
