// ParallelFor (model/parallel.h): every index once, and a failure on a
// worker thread reaches the caller instead of ending the process.
#include "model/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace meshsim {
namespace {

TEST(ParallelForTest, EveryIndexRunsOnce) {
  for (int jobs : {1, 2, 8}) {
    std::vector<std::atomic<int>> hits(1000);
    ParallelFor(hits.size(), jobs, [&](size_t i) { ++hits[i]; });
    for (const auto& h : hits) EXPECT_EQ(h.load(), 1) << jobs;
  }
}

// An exception thrown on any thread is rethrown to the caller, and it is
// the lowest failing index's whatever the thread count, so a command that
// stops on it prints the same error every time.
TEST(ParallelForTest, RethrowsTheLowestFailingIndexOnTheCaller) {
  for (int jobs : {1, 2, 8}) {
    std::string what;
    try {
      ParallelFor(500, jobs, [](size_t i) {
        if (i % 97 == 41) throw std::runtime_error(std::to_string(i));
      });
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    EXPECT_EQ(what, "41") << jobs;
  }
}

}  // namespace
}  // namespace meshsim
