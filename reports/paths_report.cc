#include "reports/paths_report.h"

#include <nlohmann/json.hpp>

namespace meshsim {

void WritePathsJson(const PathsResult& result,
                    const std::vector<Diagnostic>& warnings,
                    std::ostream& out) {
  nlohmann::ordered_json root;
  root["scenario"] = result.scenario;
  root["traffic"] = nlohmann::ordered_json::array();
  for (const TrafficPaths& t : result.traffic) {
    nlohmann::ordered_json jt;
    jt["name"] = t.name;
    jt["paths"] = nlohmann::ordered_json::array();
    for (const Path& p : t.paths) {
      nlohmann::ordered_json jp;
      jp["hops"] = nlohmann::ordered_json::array();
      for (const Hop& h : p.hops) {
        nlohmann::ordered_json jh;
        jh["kind"] = HopKindName(h.kind);
        jh["name"] = h.name;
        if (!h.cluster.empty()) jh["cluster"] = h.cluster;
        if (!h.node.empty()) jh["node"] = h.node;
        jp["hops"].push_back(jh);
      }
      jp["waypoints"] = p.waypoints;
      jp["outcome"] = OutcomeName(p.outcome);
      if (!p.reason.empty()) jp["reason"] = p.reason;
      jp["why"] = p.why;
      jt["paths"].push_back(jp);
    }
    root["traffic"].push_back(jt);
  }
  if (!warnings.empty()) {
    root["warnings"] = nlohmann::ordered_json::array();
    for (const Diagnostic& d : warnings)
      root["warnings"].push_back(d.ToString());
  }
  out << root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << "\n";
}

void WritePathsText(const PathsResult& result,
                    const std::vector<Diagnostic>& warnings,
                    std::ostream& out) {
  out << "scenario: " << result.scenario << "\n";
  for (const TrafficPaths& t : result.traffic) {
    out << "\n"
        << t.name << ": " << t.paths.size() << " path"
        << (t.paths.size() == 1 ? "" : "s") << "\n";
    int i = 0;
    for (const Path& p : t.paths) {
      out << "  [" << ++i << "] " << OutcomeName(p.outcome);
      out << "  waypoints: ";
      if (p.waypoints.empty()) out << "none";
      for (size_t k = 0; k < p.waypoints.size(); ++k)
        out << (k ? ", " : "") << p.waypoints[k];
      out << "\n      ";
      for (size_t k = 0; k < p.hops.size(); ++k) {
        const Hop& h = p.hops[k];
        if (k) out << " -> ";
        out << HopKindName(h.kind) << " " << h.name;
        if (!h.node.empty() && h.kind != HopKind::kZtunnel)
          out << "@" << h.node;
        else if (h.kind == HopKind::kZtunnel)
          out << "@" << h.cluster;
      }
      out << "\n";
      if (!p.reason.empty()) out << "      reason: " << p.reason << "\n";
      for (const std::string& w : p.why) out << "      why: " << w << "\n";
    }
  }
  if (!warnings.empty()) {
    out << "\nwarnings:\n";
    for (const Diagnostic& d : warnings) out << "  " << d.ToString() << "\n";
  }
}

}  // namespace meshsim
