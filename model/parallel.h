// The one worker pool of meshsim: `body(i)` for every i in [0, n) on up to
// `jobs` threads (the caller's among them), each index exactly once. Callers
// write results by index, so what they produce does not depend on `jobs`.
//
//   std::vector<Result> out(n);
//   ParallelFor(n, jobs, [&](size_t i) { out[i] = Work(i); });
#ifndef MESHSIM_MODEL_PARALLEL_H_
#define MESHSIM_MODEL_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace meshsim {

template <typename Body>
void ParallelFor(size_t n, int jobs, const Body& body) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) body(i);
  };
  std::vector<std::thread> pool;
  const size_t threads = std::min(static_cast<size_t>(std::max(jobs, 1)), n);
  for (size_t j = 1; j < threads; ++j) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
}

}  // namespace meshsim

#endif  // MESHSIM_MODEL_PARALLEL_H_
