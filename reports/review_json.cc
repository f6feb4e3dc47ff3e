// results.json of `meshsim report`; every key is documented in docs/report.md.
#include <nlohmann/json.hpp>

#include "reports/finding_json.h"
#include "reports/review_data.h"
#include "reports/review_report.h"

namespace meshsim {

namespace {

using Json = nlohmann::ordered_json;
using review::Round;

Json PolicyHitJson(const review::PolicyHit& h) {
  Json j;
  j["policy"] = h.policy;
  j["rule"] = h.rule ? Json(*h.rule) : Json(nullptr);
  j["effect"] = h.effect;
  j["requests"] = h.requests;
  return j;
}

Json LatencyJson(const review::LatencySummary& l) {
  Json j;
  j["count"] = l.count;
  if (!l.count) {
    // No delivered request, no latency: null rather than a made-up 0.
    for (const char* k : {"mean", "p50", "p90", "p99", "p999", "max"})
      j[k] = nullptr;
    return j;
  }
  j["mean"] = Round(l.mean, 4);
  j["p50"] = Round(l.p50, 4);
  j["p90"] = Round(l.p90, 4);
  j["p99"] = Round(l.p99, 4);
  j["p999"] = Round(l.p999, 4);
  j["max"] = Round(l.max, 4);
  return j;
}

Json PathJson(const review::PathView& v) {
  Json j;
  j["outcome"] = OutcomeName(v.outcome);
  j["waypoints"] = v.waypoints;
  j["predicted"] = v.path != nullptr;
  j["predicted_share"] = Round(v.predicted_share, 6);
  j["simulated_requests"] = v.simulated;
  j["simulated_share"] = Round(v.simulated_share, 4);
  j["summary"] = v.summary;
  j["hop_latency"] = Json::array();
  for (const review::HopLatency& h : v.hop_latency)
    // The shape of `run --format json`'s hop_latency.
    j["hop_latency"].push_back({{"kind", h.kind},
                                {"name", h.name.substr(h.name.find(' ') + 1)},
                                {"samples", h.samples},
                                {"network_ms", Round(h.network_ms, 4)},
                                {"queue_ms",
                                 {{"mean", Round(h.queue_mean, 4)},
                                  {"p50", Round(h.queue_p50, 4)},
                                  {"p99", Round(h.queue_p99, 4)}}},
                                {"service_ms",
                                 {{"mean", Round(h.service_mean, 4)},
                                  {"p50", Round(h.service_p50, 4)},
                                  {"p99", Round(h.service_p99, 4)}}}});
  if (!v.path) return j;
  const Path& p = *v.path;
  j["hops"] = Json::array();
  for (const Hop& h : p.hops) {
    Json jh = HopJson(h);
    if (!h.policies.empty()) {
      jh["policies"] = Json::array();
      for (const PolicyEvaluation& hp : h.policies) {
        Json jp;
        jp["policy"] = hp.policy;
        jp["action"] = hp.action;
        jp["matched_rule"] =
            hp.matched_rule ? Json(*hp.matched_rule) : Json(nullptr);
        jp["effect"] = hp.effect;
        if (!hp.note.empty()) jp["note"] = hp.note;
        jh["policies"].push_back(jp);
      }
    }
    j["hops"].push_back(jh);
  }
  if (!p.reason.empty()) j["reason"] = p.reason;
  if (p.denied_by) {
    Json dj;
    dj["policy"] = p.denied_by->policy;
    dj["rule"] = p.denied_by->rule ? Json(*p.denied_by->rule) : Json(nullptr);
    dj["action"] = p.denied_by->action;
    dj["hop"] = p.denied_by->hop;
    dj["principal"] =
        p.denied_by->principal ? Json(*p.denied_by->principal) : Json(nullptr);
    j["denied_by"] = dj;
  }
  j["routes"] = Json::array();
  for (const PathRoute& r : p.routes) {
    Json jr;
    jr["name"] = r.name;
    jr["rule"] = r.rule;
    if (!r.timeout.empty()) jr["timeout"] = r.timeout;
    if (r.retries) jr["retries"] = *r.retries;
    j["routes"].push_back(jr);
  }
  if (!p.redirect.empty()) j["redirect"] = p.redirect;
  j["why"] = p.why;
  return j;
}

Json MeshJson(const Mesh& mesh) {
  Json j;
  j["networks"] = Json::array();
  std::vector<std::string> networks;
  for (const Cluster& c : mesh.clusters)
    if (std::find(networks.begin(), networks.end(), c.network) ==
        networks.end())
      networks.push_back(c.network);
  j["networks"] = networks;
  j["clusters"] = Json::array();
  for (const Cluster& c : mesh.clusters) {
    Json jc;
    jc["name"] = c.name;
    jc["network"] = c.network;
    jc["nodes"] = Json::array();
    for (const Node& n : c.nodes) {
      Json jn;
      jn["name"] = n.name;
      if (!n.zone.empty()) jn["zone"] = n.zone;
      if (!n.region.empty()) jn["region"] = n.region;
      if (!n.subzone.empty()) jn["subzone"] = n.subzone;
      jc["nodes"].push_back(jn);
    }
    jc["workloads"] = c.workloads.size();
    jc["services"] = c.services.size();
    jc["gateways"] = Json::array();
    for (const auto& [key, g] : c.gateways) {
      Json jg;
      jg["name"] = key;
      static const char* kRoles[] = {"waypoint", "ingress", "eastwest",
                                     "remote"};
      jg["role"] = kRoles[static_cast<int>(g.role)];
      jg["class"] = g.class_name;
      jg["location"] = LocationJson(g.location);
      jc["gateways"].push_back(jg);
    }
    j["clusters"].push_back(jc);
  }
  return j;
}

// A sweep's points: the slowest entry's p99 and the busiest proxy.
Json SweepJson(const SweepResult& r) {
  Json sw;
  sw["replications"] = r.replications;
  sw["points"] = Json::array();
  for (const SweepPoint& p : r.points) {
    Json j;
    j["rate"] = p.rate;
    j["replicas"] = Json::object();
    for (const auto& [gw, n] : p.replicas) j["replicas"][gw] = n;
    if (!p.version.empty()) j["version"] = p.version;
    if (!p.faults.empty()) j["faults"] = p.faults;
    Interval worst;
    for (const EntryIntervals& e : p.entries)
      if (e.p99_ms.mean >= worst.mean) worst = e.p99_ms;
    j["slowest_p99_ms"] = {{"mean", Round(worst.mean, 4)},
                           {"half_width", Round(worst.half_width, 4)}};
    j["busiest"] = p.busiest;
    const auto u = p.utilization.find(p.busiest);
    j["utilization"] =
        Round(u == p.utilization.end() ? 0.0 : u->second.mean, 4);
    sw["points"].push_back(j);
  }
  return sw;
}

// An entry's destination, request and load.
void AddRequestJson(const TrafficEntry& t, Json& jt) {
  Json to;
  if (!t.to.host.empty()) to["host"] = t.to.host;
  if (!t.to.pod.empty()) to["pod"] = t.to.pod;
  if (!t.to.ip.empty()) to["ip"] = t.to.ip;
  to["port"] = t.to.port;
  jt["to"] = to;
  jt["http"] = t.http ? Json{{"method", t.http->method}, {"path", t.http->path}}
                      : Json(nullptr);
  // A closed loop has no rate: its clients send as answers come back.
  jt["rate"] = t.concurrency ? Json(nullptr) : Json(t.rate);
  jt["concurrency"] = t.concurrency ? Json(t.concurrency) : Json(nullptr);
  jt["requests"] = t.requests ? Json(t.requests) : Json(nullptr);
}

}  // namespace

void WriteReviewJson(const ReviewInput& in, std::ostream& out) {
  const review::ReviewData d = review::BuildReviewData(in);
  const Scenario& sc = in.scenario;
  Json root;
  root["schema"] = "meshsim.report/v2";
  root["meshsim"] = MeshsimJson();
  Json js;
  js["name"] = sc.mesh.name;
  js["file"] = sc.file;
  js["istio"] = {
      {"version", sc.mesh.istio.version.ToString()},
      {"distribution", sc.mesh.istio.distribution == Distribution::kSolo
                           ? "solo"
                           : "community"}};
  js["seed"] = in.seed;
  root["scenario"] = js;

  Json sum;
  sum["verdict"] = review::VerdictWord(d);
  sum["exit_code"] = in.exit_code;
  sum["properties"] = {{"proved", d.proved},
                       {"violated", d.violated},
                       {"unknown", d.unknown},
                       {"not_applicable", d.not_applicable}};
  sum["findings"] = {{"error", d.errors}, {"warning", d.warnings}};
  sum["requests"] = d.requests;
  sum["delivered"] = d.delivered;
  sum["denied"] = d.denied;
  sum["failed"] = d.failed;
  if (d.slowest) {
    const review::EntryView& e = d.entries[*d.slowest];
    sum["slowest_p99"] = {{"traffic", e.entry->name},
                          {"ms", Round(e.latency.p99, 4)}};
  } else {
    sum["slowest_p99"] = nullptr;
  }
  root["summary"] = sum;

  root["mesh"] = MeshJson(sc.mesh);

  Json sim;
  sim["simulated_seconds"] = Round(d.simulated_seconds, 6);
  sim["events"] = d.events;
  sim["connections_opened"] = in.sim.connections_opened;
  root["simulation"] = sim;

  root["traffic"] = Json::array();
  for (const review::EntryView& e : d.entries) {
    const TrafficEntry& t = *e.entry;
    Json jt;
    jt["name"] = t.name;
    jt["location"] = LocationJson(t.location);
    Json from;
    from["cluster"] = t.from.cluster;
    if (!t.from.ingress.empty()) {
      from["ingress"] = t.from.ingress;
    } else {
      from["namespace"] = t.from.ns;
      from["workload"] = t.from.workload;
    }
    jt["from"] = from;
    AddRequestJson(t, jt);
    jt["paths"] = Json::array();
    for (const review::PathView& v : e.paths)
      jt["paths"].push_back(PathJson(v));
    Json js2;
    js2["requests"] = e.requests;
    js2["delivered"] = e.delivered;
    js2["denied"] = e.denied;
    js2["failed"] = e.failed;
    js2["retries"] = e.retries;
    js2["failed_by_reason"] = Json::object();
    for (const auto& [r, n] : e.failed_by_reason)
      js2["failed_by_reason"][r] = n;
    js2["latency_ms"] = LatencyJson(e.latency);
    js2["cdf_ms"] = Json::array();
    for (const auto& [q, ms] : e.cdf)
      js2["cdf_ms"].push_back(Json::array({q, Round(ms, 4)}));
    // The latency split by path shape (waypoints, clusters crossed); only
    // when two or more shapes delivered.
    js2["path_groups"] = Json::array();
    for (const review::PathGroup& g : e.path_groups)
      js2["path_groups"].push_back({{"shape", g.label},
                                    {"delivered", g.delivered},
                                    {"share", Round(g.share, 4)},
                                    {"p50_ms", Round(g.p50, 4)},
                                    {"p99_ms", Round(g.p99, 4)},
                                    {"max_ms", Round(g.max, 4)}});
    jt["simulation"] = js2;
    jt["policy_hits"] = Json::array();
    for (const review::PolicyHit& h : e.policy_hits)
      jt["policy_hits"].push_back(PolicyHitJson(h));
    root["traffic"].push_back(jt);
  }

  root["proxies"] = Json::array();
  for (const review::ProxyView& p : d.proxies) {
    Json j;
    j["kind"] = p.kind;
    j["name"] = p.name;
    j["cluster"] = p.cluster;
    j["workers"] = p.workers;
    j["requests"] = p.requests;
    j["utilization"] = Round(p.utilization, 4);
    j["cores"] = Round(p.cores, 4);
    j["mean_queue"] = Round(p.mean_queue, 4);
    j["max_queue"] = p.max_queue;
    root["proxies"].push_back(j);
  }
  root["policy_hits"] = Json::array();
  for (const review::PolicyHit& h : d.policy_hits)
    root["policy_hits"].push_back(PolicyHitJson(h));
  // The scenario's sweep, when it has one (docs/capacity.md).
  if (in.sweep) root["sweep"] = SweepJson(*in.sweep);

  Json ver;
  ver["properties"] = Json::array();
  for (const PropertyResult& p : in.verify.properties) {
    Json j;
    j["name"] = p.name;
    j["result"] = ProofResultName(p.result);
    j["classes_checked"] = p.classes_checked;
    if (!p.reason.empty()) j["reason"] = p.reason;
    j["proved_by"] = p.core;
    ver["properties"].push_back(j);
  }
  ver["findings"] = Json::array();
  int id = 0;
  for (const Finding& f : in.verify.findings) {
    Json j;
    j["id"] = "F" + std::to_string(++id);
    j.update(FindingJson(f));
    ver["findings"].push_back(j);
  }
  ver["groups"] = GroupsJson(in.verify.groups, in.verify.findings);
  root["verification"] = ver;
  root["warnings"] = Json::array();
  for (const Diagnostic& w : in.warnings)
    root["warnings"].push_back(w.ToString());
  WriteJson(root, out);
}

}  // namespace meshsim
