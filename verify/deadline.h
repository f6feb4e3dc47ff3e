// A whole run's time budget (`verify --timeout`, `diff --timeout`): Z3's
// rlimit bounds each query deterministically, and this bounds their sum in
// wall-clock time. An expired run ends with the properties it has not proved
// unknown (exit 3), never with a guess (docs/verification.md).
#ifndef MESHSIM_VERIFY_DEADLINE_H_
#define MESHSIM_VERIFY_DEADLINE_H_

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace meshsim {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `seconds` <= 0: no deadline.
  explicit Deadline(double seconds)
      : seconds_(seconds),
        end_(Clock::now() +
             std::chrono::duration_cast<Clock::duration>(
                 std::chrono::duration<double>(std::max(0.0, seconds)))) {}

  bool Set() const { return seconds_ > 0; }
  bool Expired() const { return Set() && Clock::now() >= end_; }

  // Gives the solver what is left of the budget as its own timeout.
  void Arm(z3::solver& s) const {
    if (!Set()) return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          end_ - Clock::now())
                          .count();
    z3::params p(s.ctx());
    p.set("timeout", static_cast<unsigned>(
                         std::clamp<long long>(left, 1, 4'000'000'000LL)));
    s.set(p);
  }

  std::string Reason() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", seconds_);
    return std::string("the run's --timeout of ") + buf +
           "s expired before this was decided (raise --timeout)";
  }

 private:
  double seconds_;
  Clock::time_point end_;
};

// Why Z3 answered unknown, in the user's words: its resource limit is
// `--rlimit`, and Z3 calls running out of it "canceled".
inline std::string SolverUnknownReason(const std::string& z3_reason,
                                       unsigned rlimit) {
  if (z3_reason == "canceled" ||
      z3_reason.find("resource limit") != std::string::npos ||
      z3_reason.find("rlimit") != std::string::npos)
    return "the solver ran out of its resource limit (--rlimit " +
           std::to_string(rlimit) + "); raise --rlimit to decide it";
  return "the solver could not decide it (" + z3_reason + ")";
}

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_DEADLINE_H_
