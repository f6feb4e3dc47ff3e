#include "reports/paths_report.h"

#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/finding_json.h"

namespace meshsim {

namespace {

nlohmann::ordered_json RouteJson(const PathRoute& r) {
  nlohmann::ordered_json j;
  j["kind"] = r.kind;
  j["name"] = r.name;
  j["rule"] = r.rule;
  if (!r.timeout.empty()) j["timeout"] = r.timeout;
  if (r.retries) j["retries"] = *r.retries;
  if (r.delay_ns > 0) {
    j["fault_delay_ms"] = static_cast<double>(r.delay_ns) / 1e6;
    j["fault_delay_percent"] = r.delay_percent;
  }
  return j;
}

}  // namespace

double RoundWeight(double w) { return std::round(w * 1e6) / 1e6; }

void WritePathsJson(const PathsResult& result,
                    const std::vector<Diagnostic>& warnings,
                    std::ostream& out) {
  nlohmann::ordered_json root;
  root["meshsim"] = MeshsimJson();
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
        if (!h.policies.empty()) {
          jh["policies"] = nlohmann::ordered_json::array();
          for (const PolicyEvaluation& hp : h.policies) {
            nlohmann::ordered_json j;
            j["policy"] = hp.policy;
            j["action"] = hp.action;
            j["matched_rule"] = hp.matched_rule
                                    ? nlohmann::ordered_json(*hp.matched_rule)
                                    : nlohmann::ordered_json(nullptr);
            j["effect"] = hp.effect;
            if (!hp.note.empty()) j["note"] = hp.note;
            jh["policies"].push_back(j);
          }
        }
        jp["hops"].push_back(jh);
      }
      jp["waypoints"] = p.waypoints;
      jp["outcome"] = OutcomeName(p.outcome);
      if (!p.reason.empty()) jp["reason"] = p.reason;
      if (p.denied_by) {
        nlohmann::ordered_json d;
        d["policy"] = p.denied_by->policy;
        d["rule"] = p.denied_by->rule
                        ? nlohmann::ordered_json(*p.denied_by->rule)
                        : nlohmann::ordered_json(nullptr);
        d["action"] = p.denied_by->action;
        d["hop"] = p.denied_by->hop;
        d["principal"] = p.denied_by->principal
                             ? nlohmann::ordered_json(*p.denied_by->principal)
                             : nlohmann::ordered_json(nullptr);
        jp["denied_by"] = d;
      }
      jp["route"] =
          p.route ? RouteJson(*p.route) : nlohmann::ordered_json(nullptr);
      if (p.routes.size() > 1) {
        jp["routes"] = nlohmann::ordered_json::array();
        for (const PathRoute& r : p.routes)
          jp["routes"].push_back(RouteJson(r));
      }
      jp["weight"] = RoundWeight(p.weight);
      if (!p.redirect.empty()) jp["redirect"] = p.redirect;
      jp["why"] = p.why;
      jt["paths"].push_back(jp);
    }
    root["traffic"].push_back(jt);
  }
  if (!result.generated.empty()) {
    root["generated"] = nlohmann::ordered_json::array();
    for (const GeneratedObject& g : result.generated) {
      nlohmann::ordered_json j;
      j["cluster"] = g.cluster;
      j["kind"] = g.kind;
      j["name"] = g.name;
      j["hosts"] = g.hosts;
      j["exporters"] = g.exporters;
      j["labels"] = g.labels;
      j["traffic_distribution"] = g.traffic_distribution;
      if (!g.global_waypoint.empty()) {
        j["global_waypoint"] = g.global_waypoint;
        j["waypoint_clusters"] = g.waypoint_clusters;
      }
      root["generated"].push_back(j);
    }
  }
  if (!warnings.empty()) {
    root["warnings"] = nlohmann::ordered_json::array();
    for (const Diagnostic& d : warnings)
      root["warnings"].push_back(d.ToString());
  }
  WriteJson(root, out);
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
      if (p.weight < 0.9999995) {
        std::ostringstream w;
        w << std::fixed << std::setprecision(1) << RoundWeight(p.weight) * 100;
        out << " (" << w.str() << "% of requests)";
      }
      out << "  waypoints: ";
      if (p.waypoints.empty()) out << "none";
      for (size_t k = 0; k < p.waypoints.size(); ++k)
        out << (k ? ", " : "") << p.waypoints[k];
      out << "\n      ";
      for (size_t k = 0; k < p.hops.size(); ++k) {
        const Hop& h = p.hops[k];
        if (k) out << " -> ";
        out << HopLabel(h);
      }
      out << "\n";
      if (!p.reason.empty()) out << "      reason: " << p.reason << "\n";
      if (p.denied_by)
        out << "      denied at hop " << p.denied_by->hop + 1 << " ("
            << HopKindName(p.hops[p.denied_by->hop].kind) << " "
            << p.hops[p.denied_by->hop].name << ") seeing principal "
            << p.denied_by->principal.value_or("(none: plaintext)") << "\n";
      for (const PathRoute& r : p.routes) {
        out << "      route: " << r.kind << " " << r.name << " rule " << r.rule;
        if (!r.timeout.empty()) out << ", timeout " << r.timeout;
        if (r.retries) out << ", " << *r.retries << " retries";
        if (r.delay_ns > 0)
          out << ", fault delay " << static_cast<double>(r.delay_ns) / 1e6
              << " ms for " << r.delay_percent << "% of requests";
        out << "\n";
      }
      if (!p.redirect.empty()) out << "      redirect: " << p.redirect << "\n";
      for (const Hop& h : p.hops)
        for (const PolicyEvaluation& hp : h.policies)
          out << "      policy at " << HopKindName(h.kind) << " " << h.name
              << ": " << hp.policy << " (" << hp.action << ") -> " << hp.effect
              << (hp.matched_rule
                      ? " by rule " + std::to_string(*hp.matched_rule)
                      : "")
              << (hp.note.empty() ? "" : "; " + hp.note) << "\n";
      for (const std::string& w : p.why) out << "      why: " << w << "\n";
    }
  }
  if (!result.generated.empty()) {
    out << "\ngenerated by istiod (§15.2):\n";
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    for (const GeneratedObject& g : result.generated) {
      out << "  " << g.kind << " " << g.name << " in cluster " << g.cluster
          << ": hosts " << join(g.hosts) << "; endpoints from "
          << join(g.exporters) << "; traffic distribution "
          << g.traffic_distribution << "\n";
      std::vector<std::string> labels;
      for (const auto& [k, v] : g.labels) labels.push_back(k + "=" + v);
      if (!labels.empty()) out << "    labels: " << join(labels) << "\n";
      if (!g.global_waypoint.empty())
        out << "    global waypoint " << g.global_waypoint
            << (g.waypoint_clusters.empty()
                    ? ": no copy on this network, so none is bound"
                    : ", its copy in " + join(g.waypoint_clusters))
            << "\n";
    }
  }
  if (!warnings.empty()) {
    out << "\nwarnings:\n";
    for (const Diagnostic& d : warnings) out << "  " << d.ToString() << "\n";
  }
}

}  // namespace meshsim
