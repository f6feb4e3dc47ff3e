// Rendering of `meshsim verify` results: text and JSON (keys are a contract,
// docs/verification.md).
#ifndef MESHSIM_REPORTS_VERIFY_REPORT_H_
#define MESHSIM_REPORTS_VERIFY_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "verify/verifier.h"

namespace meshsim {

// `warnings`: the scenario's, listed under "warnings" when there are any.
void WriteVerifyJson(const std::string& scenario, const VerifyResult& r,
                     std::ostream& out,
                     const std::vector<Diagnostic>& warnings = {});
void WriteVerifyText(const std::string& scenario, const VerifyResult& r,
                     std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_VERIFY_REPORT_H_
