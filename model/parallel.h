// The one worker pool of meshsim: `body(i)` for every i in [0, n) on up to
// `jobs` threads (the caller's among them), each index exactly once. Callers
// write results by index, so what they produce does not depend on `jobs`.
// An exception from `body` is rethrown on the caller's thread once every
// worker has stopped: the one of the lowest index, whatever `jobs` is
// (indexes above a failed one are not started).
//
//   std::vector<Result> out(n);
//   ParallelFor(n, jobs, [&](size_t i) { out[i] = Work(i); });
#ifndef MESHSIM_MODEL_PARALLEL_H_
#define MESHSIM_MODEL_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace meshsim {

template <typename Body>
void ParallelFor(size_t n, int jobs, const Body& body) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> failed_at{n};  // lowest index that threw, or n
  std::mutex mu;
  std::exception_ptr failure;
  auto worker = [&] {
    for (size_t i = next++; i < n && i < failed_at; i = next++) {
      try {
        body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < failed_at) {
          failed_at = i;
          failure = std::current_exception();
        }
      }
    }
  };
  std::vector<std::thread> pool;
  const size_t threads = std::min(static_cast<size_t>(std::max(jobs, 1)), n);
  for (size_t j = 1; j < threads; ++j) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

// Threads for `n` independent tasks: one per core, at most one per task.
inline int HardwareJobs(size_t n) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::max<size_t>(1, std::min(cores, n)));
}

}  // namespace meshsim

#endif  // MESHSIM_MODEL_PARALLEL_H_
