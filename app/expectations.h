// `expect:` lists (docs/scenario-format.md): each entry is evaluated against
// the engine that answers it — the path function for `via`, `outcome` and
// `denied_by`, the simulator (at the scenario's seed) for `latency_ms`, the
// verifier for `verify`, `findings` and `no_findings`. Each engine runs at
// most once per scenario.
#ifndef MESHSIM_APP_EXPECTATIONS_H_
#define MESHSIM_APP_EXPECTATIONS_H_

#include <ostream>
#include <string>

#include "app/check_result.h"
#include "model/scenario.h"

namespace meshsim {

// Loads `file` and evaluates its `expect:` list. Load diagnostics go to
// `err`; a file that does not load is a ScenarioCheck with `error` set.
ScenarioCheck CheckScenario(const std::string& file, std::ostream& err);

// Evaluates the `expect:` list of a loaded scenario.
std::vector<ExpectationResult> EvaluateExpectations(const Scenario& sc);

}  // namespace meshsim

#endif  // MESHSIM_APP_EXPECTATIONS_H_
