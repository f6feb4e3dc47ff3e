#include "app/review.h"

#include "app/exit_code.h"
#include "app/witness.h"
#include "sim/dataplane.h"
#include "sim/simulator.h"

namespace meshsim {

ScenarioReview ReviewScenario(const Scenario& sc, uint64_t seed) {
  ScenarioReview r;
  r.paths = ResolvePaths(sc);
  SimModel model = BuildSimModel(sc);
  RunOptions ro;
  ro.seed = seed;
  r.sim = RunSimulation(model, ro);
  r.seed = seed;
  r.verify = Verify(sc, VerifyOptions{});
  AttachWitnessPaths(sc, r.verify);
  r.exit_code = VerifyExitCode(r.verify);
  return r;
}

}  // namespace meshsim
