// Rendering of `meshsim diff` results: text and JSON. The JSON uses verify's
// finding shape with `old` and `new` sides; its keys are a contract
// (docs/diff.md).
#ifndef MESHSIM_REPORTS_DIFF_REPORT_H_
#define MESHSIM_REPORTS_DIFF_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "verify/diff.h"

namespace meshsim {

// `warnings`: both versions', listed under "warnings" when there are any.
void WriteDiffJson(const std::string& old_name, const std::string& new_name,
                   const DiffResult& r, std::ostream& out,
                   const std::vector<Diagnostic>& warnings = {});
void WriteDiffText(const std::string& old_name, const std::string& new_name,
                   const DiffResult& r, std::ostream& out);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_DIFF_REPORT_H_
