// `meshsim report`'s three answers for one scenario, computed together: the
// path function's paths, one simulation run and the verifier's verdict with
// each counterexample's path.
#ifndef MESHSIM_APP_REVIEW_H_
#define MESHSIM_APP_REVIEW_H_

#include <cstdint>

#include "model/path.h"
#include "model/scenario.h"
#include "sim/result.h"
#include "verify/verifier.h"

namespace meshsim {

struct ScenarioReview {
  PathsResult paths;
  SimResult sim;
  uint64_t seed = 1;
  VerifyResult verify;
  int exit_code = 0;  // app/exit_code.h VerifyExitCode(verify)
};

ScenarioReview ReviewScenario(const Scenario& sc, uint64_t seed);

}  // namespace meshsim

#endif  // MESHSIM_APP_REVIEW_H_
