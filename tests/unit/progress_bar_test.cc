// ProgressBar: drawing when forced, quiet when not a terminal, rendering.
#include "concurry/runtime/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace concurry {
namespace {

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressBarTest, ForcedBarDrawsCountRateAndEta) {
  std::FILE* out = std::tmpfile();
  {
    ProgressBar bar(Progress(ProgressOptions{.desc = "files", .force = true, .out = out}), 4);
    for (int i = 0; i < 4; ++i) bar.tick();
    EXPECT_EQ(bar.done(), 4u);
  }
  std::string text = read_all(out);
  EXPECT_NE(text.find("files: 100% |"), std::string::npos) << text;
  EXPECT_NE(text.find("4/4 ["), std::string::npos) << text;
  EXPECT_NE(text.find("/s]"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  std::fclose(out);
}

TEST(ProgressBarTest, QuietWhenNotATerminal) {
  std::FILE* out = std::tmpfile();  // a file is not a TTY
  {
    ProgressBar bar(Progress(ProgressOptions{.out = out}), 3);
    bar.tick(3);
  }
  EXPECT_EQ(read_all(out), "");
  std::fclose(out);
}

TEST(ProgressBarTest, RenderShowsPartialProgress) {
  ProgressBar bar(Progress(ProgressOptions{.width = 10}), 4);
  bar.tick();
  std::string line = bar.render();
  EXPECT_NE(line.find(" 25% |##        | 1/4"), std::string::npos) << line;
}

TEST(ProgressBarTest, OffDoesNothing) {
  ProgressBar bar(Progress(false), 2);
  bar.tick();
  EXPECT_EQ(bar.done(), 0u);
}

}  // namespace
}  // namespace concurry
