#include "app/exit_code.h"

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

int CheckExitCode(const std::vector<ScenarioCheck>& checks) {
  for (const ScenarioCheck& c : checks)
    if (!c.error.empty()) return kExitBadInput;
  return FailureCount(checks) ? kExitFindings : kExitOk;
}

}  // namespace meshsim
