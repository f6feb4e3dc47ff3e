// Internal to verify/: the lint findings, which need no solver
// (docs/verification.md lists each; docs/rules.md documents each rule).
#ifndef MESHSIM_VERIFY_LINT_H_
#define MESHSIM_VERIFY_LINT_H_

#include <vector>

#include "model/scenario.h"
#include "verify/result.h"

namespace meshsim::verify {

// Every lint finding of the scenario, cluster by cluster, in a fixed order.
std::vector<Finding> Lint(const Scenario& sc);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_LINT_H_
