// `meshsim check` results and the CI formats: a terminal table, JUnit XML
// (Surefire's junit-10.xsd shape), SARIF 2.1.0 (verify, diff and check
// findings) and GitHub workflow annotations (docs/ci.md).
#ifndef MESHSIM_REPORTS_CHECK_REPORT_H_
#define MESHSIM_REPORTS_CHECK_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "app/check_result.h"
#include "lint/lint.h"
#include "model/path.h"
#include "verify/diff.h"
#include "verify/verifier.h"

namespace meshsim {

void WriteCheckText(const std::vector<ScenarioCheck>& checks,
                    std::ostream& out);
// With `timings`, each testsuite carries its file's seconds (`time`).
void WriteJUnit(const std::vector<ScenarioCheck>& checks, std::ostream& out,
                bool timings = false);
// `check --timings`: every file's seconds, slowest first, and the total.
void WriteCheckTimings(const std::vector<ScenarioCheck>& checks,
                       std::ostream& out);

// A SARIF result source: findings of verify (per scenario), diff, check.
struct SarifInput {
  std::vector<std::pair<std::string, VerifyResult>> verify;  // file, result
  std::vector<DiffFinding> diff;
  std::vector<ScenarioCheck> check;
  std::vector<std::pair<std::string, LintResult>> lint;  // file, result
  // Errors that stopped the run before any result (a scenario that does not
  // load): each a `load-error` result at its line and an invocation
  // notification.
  std::vector<Diagnostic> load_errors;
};
// Every SARIF file has one invocation: `executionSuccessful` false when a
// scenario did not load or a verdict is unknown, each said in
// `toolExecutionNotifications` (with its location and, for unknown, how to
// decide it).
void WriteSarif(const SarifInput& in, std::ostream& out);
// The folder SARIF, JUnit and annotation paths are written relative to
// (`--sarif-root`); "" for the default, the git top level of the working
// directory (else the working directory itself).
void SetSarifRoot(const std::string& dir);

// `::error file=…,line=…::` lines (at most `limit`, then one summary line)
// and a Markdown summary for $GITHUB_STEP_SUMMARY.
void WriteGitHubAnnotations(const std::vector<ScenarioCheck>& checks,
                            size_t limit, std::ostream& out);
void WriteGitHubSummary(const std::vector<ScenarioCheck>& checks,
                        std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_CHECK_REPORT_H_
