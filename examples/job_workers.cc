#include "job_workers.h"

#include <sstream>

int WordCounter::count(const std::string& line) {
  int n = word_count(line);
  total_ += n;
  return n;
}

int word_count(std::string text) {
  std::istringstream in(text);
  int n = 0;
  for (std::string word; in >> word;) ++n;
  return n;
}
CONCURRY_FUNCTION(word_count);
