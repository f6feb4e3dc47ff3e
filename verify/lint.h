// Internal to verify/: the lint findings, which need no solver
// (docs/verification.md lists each; docs/rules.md documents each rule).
#ifndef MESHSIM_VERIFY_LINT_H_
#define MESHSIM_VERIFY_LINT_H_

#include <cstddef>
#include <vector>

#include "model/scenario.h"
#include "verify/result.h"

namespace meshsim::verify {

struct LintResult {
  // Every lint finding of the scenario, cluster by cluster, in a fixed order.
  std::vector<Finding> findings;
  // How many (ingress route rule, backend) pairs reach a service through
  // its waypoint: the requests double-l7 is about (none: not applicable).
  size_t double_l7_concerned = 0;
};

LintResult Lint(const Scenario& sc);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_LINT_H_
