// What `meshsim check` found for each scenario file: one result per `expect:`
// entry, or the error that kept the file from loading. Value types only;
// reports/check_report.h renders them.
#ifndef MESHSIM_APP_CHECK_RESULT_H_
#define MESHSIM_APP_CHECK_RESULT_H_

#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/path.h"
#include "verify/verifier.h"

namespace meshsim {

// One expectation, evaluated.
struct ExpectationResult {
  std::string name;
  bool passed = false;
  std::string expected, actual;  // human-readable, for failures
  SourceLocation location;       // the `expect:` entry
  std::vector<Hop> path;         // the actual path, for traffic checks
  // Verify findings behind a failed verify/no_findings expectation.
  std::vector<Finding> findings;
  // Failed only because the verifier answered unknown (its --rlimit or
  // --timeout ran out): `check` exits 3 when no other expectation failed.
  bool undecided = false;
};

struct ScenarioCheck {
  std::string file;  // as given
  std::string name;  // the scenario's name
  std::vector<ExpectationResult> results;
  // The scenario could not be loaded (bad input): the first error, as
  // "file:line:col: message", and where it is.
  std::string error;
  SourceLocation error_location;
  // Every warning of the scenario, its manifests and its mesh (also when it
  // loaded): `check` shows them next to the results, `--strict` fails on
  // them.
  std::vector<Diagnostic> warnings;
  // Wall-clock seconds loading and checking the file took: its cost, shown
  // by `check --timings` only (output is otherwise deterministic).
  double seconds = 0;
};

// Failed expectations plus scenarios that failed to load.
inline size_t FailureCount(const std::vector<ScenarioCheck>& checks) {
  size_t n = 0;
  for (const ScenarioCheck& c : checks) {
    if (!c.error.empty()) ++n;
    for (const ExpectationResult& r : c.results) n += !r.passed;
  }
  return n;
}

inline size_t ExpectationCount(const std::vector<ScenarioCheck>& checks) {
  size_t n = 0;
  for (const ScenarioCheck& c : checks) n += c.results.size();
  return n;
}

inline size_t WarningCount(const std::vector<ScenarioCheck>& checks) {
  size_t n = 0;
  for (const ScenarioCheck& c : checks) n += c.warnings.size();
  return n;
}

}  // namespace meshsim

#endif  // MESHSIM_APP_CHECK_RESULT_H_
