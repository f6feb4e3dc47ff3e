#include "reports/verify_report.h"

#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "model/text.h"
#include "reports/finding_json.h"

namespace meshsim {

using Json = nlohmann::ordered_json;

void WriteVerifyJson(const std::string& scenario, const VerifyResult& r,
                     std::ostream& out,
                     const std::vector<Diagnostic>& warnings) {
  Json root;
  root["meshsim"] = MeshsimJson();
  root["scenario"] = scenario;
  root["properties"] = Json::array();
  for (const PropertyResult& p : r.properties) {
    Json j;
    j["name"] = p.name;
    j["result"] = ProofResultName(p.result);
    j["classes_checked"] = p.classes_checked;
    // Wall time, rounded to 0.1 s: the one field that may differ between
    // runs of the same inputs (docs/verification.md).
    j["seconds"] = std::round(p.seconds * 10) / 10;
    if (!p.reason.empty()) j["reason"] = p.reason;
    if (!p.core.empty()) j["proved_by"] = p.core;
    root["properties"].push_back(j);
  }
  root["findings"] = Json::array();
  for (const Finding& f : r.findings)
    root["findings"].push_back(FindingJson(f));
  // The findings by root cause: one fix per group.
  root["groups"] = GroupsJson(r.groups, r.findings);
  if (!warnings.empty()) root["warnings"] = WarningsJson(warnings);
  WriteJson(root, out);
}

void WriteVerifyText(const std::string& scenario, const VerifyResult& r,
                     std::ostream& out) {
  out << "scenario: " << scenario << "\n\n";
  for (const PropertyResult& p : r.properties) {
    out << "  " << std::left << std::setw(22) << p.name << " " << std::setw(9)
        << ProofResultName(p.result) << " ("
        << Counted(p.classes_checked, "request class", "request classes")
        << ", " << std::fixed << std::setprecision(2) << p.seconds << " s)";
    if (!p.reason.empty()) out << " reason: " << p.reason;
    if (!p.core.empty()) {
      out << " — holds because of:";
      for (const std::string& c : p.core) out << " " << c;
    }
    out << "\n";
  }
  if (!r.findings.empty()) out << "\n";
  for (const Finding& f : r.findings) {
    const SourceLocation* loc =
        f.objects.empty() ? nullptr : &f.objects.front().location;
    out << (loc && loc->Known() ? loc->ToString() + ": " : "")
        << SeverityName(f.severity) << ": [" << f.rule << "] " << f.message
        << "\n";
    if (!f.from.empty()) {
      out << "    request: from " << f.from << " (" << f.from_cluster << ") to "
          << f.to;
      if (!f.http.empty()) out << " " << f.http;
      out << "\n";
    }
    if (!f.path.empty()) {
      out << "    path:";
      for (size_t i = 0; i < f.path.size(); ++i)
        out << (i ? " ->" : "") << " " << HopKindName(f.path[i].kind) << " "
            << f.path[i].name;
      out << "\n";
    }
    for (size_t i = 1; i < f.objects.size(); ++i)
      out << "    see " << f.objects[i].kind << " " << f.objects[i].name
          << " at " << f.objects[i].location.ToString() << "\n";
    if (!f.fix.empty()) out << "    fix: " << f.fix << "\n";
  }
  if (r.findings.empty()) return;
  // One entry per root cause, with its count and one fix.
  out << "\n"
      << r.findings.size() << " finding" << (r.findings.size() == 1 ? "" : "s")
      << " from " << r.groups.size() << " root cause"
      << (r.groups.size() == 1 ? "" : "s") << ":\n";
  for (const FindingGroup& g : r.groups) {
    out << "  [" << g.rule << "] " << g.cause << "\n";
    out << "    " << g.count << " finding" << (g.count == 1 ? "" : "s");
    if (!g.destinations.empty())
      out << " over " << g.destinations.size() << " destination"
          << (g.destinations.size() == 1 ? "" : "s");
    if (!g.clients.empty()) {
      out << "; clients:";
      for (size_t i = 0; i < g.clients.size(); ++i)
        out << (i ? ", " : " ") << g.clients[i];
    }
    out << "\n";
    if (g.count > 1 && g.representative < r.findings.size())
      out << "    e.g. " << r.findings[g.representative].message << "\n";
    if (!g.fix.empty()) out << "    fix: " << g.fix << "\n";
    if (!g.fix_yaml.empty()) {
      out << "    apply:\n";
      std::string line;
      for (char c : g.fix_yaml) {
        if (c == '\n') {
          out << "      " << line << "\n";
          line.clear();
        } else {
          line += c;
        }
      }
    }
  }
}

}  // namespace meshsim
