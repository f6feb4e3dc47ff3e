#include "app/exit_code.h"

#include <algorithm>

namespace meshsim {

int VerifyExitCode(const VerifyResult& r) {
  for (const PropertyResult& p : r.properties)
    if (p.result == ProofResult::kUnknown) return kExitUnknown;
  for (const Finding& f : r.findings)
    if (f.severity == Severity::kError) return kExitFindings;
  return kExitOk;
}

int DiffExitCode(const DiffResult& r, const std::set<std::string>& fail_on) {
  if (r.result == ProofResult::kUnknown) return kExitUnknown;
  for (const DiffFinding& df : r.findings)
    if (fail_on.count(df.finding.rule)) return kExitFindings;
  for (const auto& [rule, n] : r.more)
    if (fail_on.count(rule)) return kExitFindings;
  return kExitOk;
}

std::optional<std::set<std::string>> FailOnRules(
    const std::vector<std::string>& names, std::string& error) {
  const std::vector<std::string>& all = DiffRules();
  if (names.empty()) return std::set<std::string>(all.begin(), all.end());
  std::set<std::string> out;
  for (const std::string& name : names) {
    if (name == "path-changed") {
      for (const char* r : {"diff-new-bypass", "diff-waypoint-changed",
                            "diff-double-pass", "diff-route-changed"})
        out.insert(r);
      continue;
    }
    const std::string rule = "diff-" + name;
    if (std::find(all.begin(), all.end(), rule) == all.end()) {
      std::string ids;
      for (const std::string& r : all) ids += r.substr(5) + ", ";
      error = "--fail-on takes " + ids +
              "or path-changed (the four path rules); got '" + name + "'";
      return std::nullopt;
    }
    out.insert(rule);
  }
  return out;
}

int CheckExitCode(const std::vector<ScenarioCheck>& checks,
                  const CheckPolicy& policy) {
  for (const ScenarioCheck& c : checks)
    if (!c.error.empty()) return kExitBadInput;
  if (!policy.allow_empty && ExpectationCount(checks) == 0)
    return kExitBadInput;
  // Failures that are all the verifier's unknown answers: undecided, not
  // failed (exit 3, as `verify` gives for unknown).
  size_t undecided = 0;
  for (const ScenarioCheck& c : checks)
    for (const ExpectationResult& r : c.results) undecided += r.undecided;
  if (FailureCount(checks) > undecided) return kExitFindings;
  if (undecided) return kExitUnknown;
  if (policy.strict && WarningCount(checks)) return kExitFindings;
  return kExitOk;
}

}  // namespace meshsim
