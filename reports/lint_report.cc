#include "reports/lint_report.h"

#include <nlohmann/json.hpp>

#include "model/rules.h"
#include "reports/check_report.h"
#include "reports/finding_json.h"

namespace meshsim {

using Json = nlohmann::ordered_json;

void WriteLintText(const std::string& scenario, const LintResult& r,
                   std::ostream& out) {
  for (const LintFinding& f : r.findings) {
    out << f.location.ToString() << ": " << SeverityName(f.severity) << ": "
        << f.message << " [" << f.rule << "]\n";
    if (!f.fix.empty()) out << "  fix: " << f.fix << "\n";
  }
  out << scenario << ": " << r.errors() << " error"
      << (r.errors() == 1 ? "" : "s") << ", " << r.warnings() << " warning"
      << (r.warnings() == 1 ? "" : "s") << "\n";
}

void WriteLintJson(const std::string& scenario, const LintResult& r,
                   std::ostream& out) {
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = scenario;
  root["findings"] = Json::array();
  for (const LintFinding& f : r.findings) {
    Json j;
    j["rule"] = f.rule;
    j["severity"] = SeverityName(f.severity);
    j["message"] = f.message;
    j["file"] = f.location.file;
    j["line"] = f.location.line;
    j["col"] = f.location.column;
    j["object"] = {{"kind", f.object.kind},
                   {"namespace", f.object.ns},
                   {"name", f.object.name},
                   {"cluster", f.object.cluster}};
    j["fix"] = f.fix;
    root["findings"].push_back(j);
  }
  WriteJson(root, out);
}

void WriteLintSarif(const std::string& scenario, const LintResult& r,
                    std::ostream& out) {
  SarifInput in;
  in.lint.push_back({scenario, r});
  WriteSarif(in, out);
}

void WriteLintCatalogue(std::ostream& out) {
  for (const Rule& r : RuleCatalogue()) {
    if (r.kind != RuleKind::kLint) continue;
    out << r.id << " (" << SeverityName(r.severity) << "): " << r.title
        << "\n  " << r.help << "\n  " << r.anchor << "\n";
  }
}

}  // namespace meshsim
