// The one exit-code policy of every meshsim command (docs/ci.md):
//
//   0  success
//   1  findings or failed expectations
//   2  bad input or usage
//   3  a solver result that is unknown
//
// Commands compute their code here and nowhere else; `meshsim report` writes
// the same code into results.json.
#ifndef MESHSIM_APP_EXIT_CODE_H_
#define MESHSIM_APP_EXIT_CODE_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/check_result.h"
#include "verify/diff.h"
#include "verify/verifier.h"

namespace meshsim {

enum ExitCode : int {
  kExitOk = 0,
  kExitFindings = 1,
  kExitBadInput = 2,
  kExitUnknown = 3,
};

// `verify` and `report`: 3 if any property is unknown, else 1 if any finding
// is an error, else 0.
int VerifyExitCode(const VerifyResult& r);
// `diff`: 3 if the comparison is unknown, else 1 if any class of change (or
// a summarised count of them) has a rule in `fail_on`, else 0.
int DiffExitCode(const DiffResult& r, const std::set<std::string>& fail_on);
// The diff rules `--fail-on` names: rule ids without "diff-", or
// `path-changed` for the four path rules; every diff rule when `names` is
// empty. nullopt, with `error` set, on an unknown name.
std::optional<std::set<std::string>> FailOnRules(
    const std::vector<std::string>& names, std::string& error);
// `check`: 2 if a scenario failed to load, or if nothing was checked (no
// expectation at all) unless `allow_empty`; else 1 if an expectation fails,
// or, with `strict`, if any scenario has a warning; else 0.
struct CheckPolicy {
  bool strict = false;
  bool allow_empty = false;
};
int CheckExitCode(const std::vector<ScenarioCheck>& checks,
                  const CheckPolicy& policy = {});

}  // namespace meshsim

#endif  // MESHSIM_APP_EXIT_CODE_H_
