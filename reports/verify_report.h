// Rendering of `meshsim verify` results: text and JSON (keys are a contract,
// docs/verification.md).
#ifndef MESHSIM_REPORTS_VERIFY_REPORT_H_
#define MESHSIM_REPORTS_VERIFY_REPORT_H_

#include <ostream>
#include <string>

#include "verify/verifier.h"

namespace meshsim {

void WriteVerifyJson(const std::string& scenario, const VerifyResult& r,
                     std::ostream& out);
void WriteVerifyText(const std::string& scenario, const VerifyResult& r,
                     std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_VERIFY_REPORT_H_
