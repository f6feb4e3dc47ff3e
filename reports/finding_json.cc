#include "reports/finding_json.h"

#include "model/version.h"

namespace meshsim {

using Json = nlohmann::ordered_json;

Json HopJson(const Hop& h) {
  Json j;
  j["kind"] = HopKindName(h.kind);
  j["name"] = h.name;
  if (!h.cluster.empty()) j["cluster"] = h.cluster;
  if (!h.node.empty()) j["node"] = h.node;
  return j;
}

Json PathHopsJson(const std::vector<Hop>& path) {
  Json hops = Json::array();
  for (const Hop& h : path) hops.push_back(HopJson(h));
  return {{"hops", hops}};
}

Json MeshsimJson() {
  return {{"version", kMeshsimVersion},
          {"istio",
           {{"oldest", kOldestModelledVersion.ToString()},
            {"newest", kNewestModelledVersion.ToString()}}},
          {"distributions", {"community", "solo"}}};
}

Json LocationJson(const SourceLocation& l) {
  if (!l.Known()) return nullptr;
  return {{"file", l.file}, {"line", l.line}};
}

Json FindingJson(const Finding& f) {
  Json j;
  j["rule"] = f.rule;
  j["severity"] = SeverityName(f.severity);
  j["message"] = f.message;
  if (!f.from.empty()) {
    // The request as objects (issue 5's contract), with the keys of a
    // scenario's traffic entry where the counterexample is concrete, and
    // `text` as the message says it.
    Json req;
    req["from"] = {{"cluster", f.from_cluster}, {"source", f.from}};
    if (!f.client_kind.empty()) req["from"]["kind"] = f.client_kind;
    if (const size_t slash = f.req_from_workload.find('/');
        slash != std::string::npos) {
      req["from"]["namespace"] = f.req_from_workload.substr(0, slash);
      req["from"]["pod"] = f.req_from_workload.substr(slash + 1);
    }
    if (!f.req_from_ingress.empty())
      req["from"]["ingress"] = f.req_from_ingress;
    Json to = Json::object();
    if (!f.req_to_host.empty()) to["host"] = f.req_to_host;
    if (!f.req_to_pod.empty()) to["pod"] = f.req_to_pod;
    if (f.req_port) to["port"] = f.req_port;
    to["text"] = f.to;
    req["to"] = to;
    req["http"] = f.http.empty() ? Json(nullptr)
                                 : Json{{"method", f.req_method},
                                        {"path", f.req_path},
                                        {"text", f.http}};
    req["cluster"] = f.cluster;
    j["request"] = req;
  }
  if (!f.path.empty()) j["path"] = PathHopsJson(f.path);
  j["objects"] = Json::array();
  for (const FindingObject& o : f.objects)
    j["objects"].push_back({{"kind", o.kind},
                            {"name", o.name},
                            {"file", o.location.file},
                            {"line", o.location.line}});
  if (!f.fix.empty()) j["fix"] = f.fix;
  return j;
}

Json GroupsJson(const std::vector<FindingGroup>& groups,
                const std::vector<Finding>& findings) {
  Json out = Json::array();
  for (const FindingGroup& g : groups) {
    Json j;
    j["rule"] = g.rule;
    j["cause"] = g.cause;
    j["count"] = g.count;
    j["destinations"] = g.destinations;
    j["clients"] = g.clients;
    if (g.representative < findings.size())
      j["example"] = findings[g.representative].message;
    if (!g.fix.empty()) j["fix"] = g.fix;
    if (!g.fix_yaml.empty()) j["fix_yaml"] = g.fix_yaml;
    out.push_back(j);
  }
  return out;
}

Json WarningsJson(const std::vector<Diagnostic>& warnings) {
  Json out = Json::array();
  for (const Diagnostic& d : warnings) out.push_back(d.ToString());
  return out;
}

}  // namespace meshsim
