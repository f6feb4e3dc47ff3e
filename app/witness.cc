#include "app/witness.h"

#include <exception>
#include <vector>

#include "sim/dataplane.h"

namespace meshsim {

TrafficEntry WitnessRequest(const Finding& f, const std::string& ingress_host,
                            const std::map<std::string, std::string>& headers,
                            const std::optional<JwtToken>& jwt) {
  TrafficEntry t;
  t.name = "witness";
  t.from.cluster = f.from_cluster;
  if (!f.req_from_ingress.empty()) {
    t.from.ingress = f.req_from_ingress;
    t.to.host = ingress_host;
  } else {
    const size_t slash = f.req_from_workload.find('/');
    t.from.ns = f.req_from_workload.substr(0, slash);
    t.from.workload = f.req_from_workload.substr(slash + 1);
    t.to.host = f.req_to_host;
    t.to.pod = f.req_to_pod;
  }
  t.to.port = f.req_port;
  if (!f.req_method.empty())
    t.http = HttpRequest{f.req_method, f.req_path, headers, jwt};
  return t;
}

void AttachWitnessPaths(const Scenario& sc, VerifyResult& r) {
  for (Finding& f : r.findings) {
    if (f.req_from_workload.empty() && f.req_from_ingress.empty()) continue;
    // An ingress routes by the Host (§9, §16.3): the verifier chose one
    // its routes and listeners admit.
    const TrafficEntry t = WitnessRequest(f, f.req_to_host, {});
    // The first path that shows the finding, one that lands on the
    // counterexample's pod first (a service's request may take any of its
    // endpoints, and the message names that pod).
    const std::vector<Path> paths =
        EnumeratePaths(BuildForwardingGraph(sc.mesh, t));
    const Path* chosen = nullptr;
    bool on_pod = false;
    for (const Path& p : paths) {
      const bool landed = p.outcome == Outcome::kDelivered && !p.hops.empty() &&
                          p.hops.back().name == f.landing_pod;
      const bool bypass =
          f.past_backend_waypoint
              ? landed && !p.waypoints.empty()
              : p.waypoints.empty() && p.outcome == Outcome::kDelivered;
      const bool twice = p.waypoints.size() >= 2;
      if (!((f.rule == "waypoint-bypass" && bypass) ||
            (f.rule == "fail-open-exposure" && bypass) ||
            (f.rule == "waypoint-double-pass" && twice)))
        continue;
      const bool here = !p.hops.empty() && p.hops.back().name == f.landing_pod;
      if (!chosen || (here && !on_pod)) {
        chosen = &p;
        on_pod = here;
      }
      if (on_pod) break;
    }
    if (chosen) f.path = chosen->hops;
  }
}

void FillDiffSide(const Scenario& sc, const DiffFinding& df, DiffSide& side) {
  const Finding& f = df.finding;
  // The class of any pod outside the mesh has no workload to replay from.
  if (f.req_from_workload.empty() && f.req_from_ingress.empty()) return;
  const TrafficEntry t = WitnessRequest(f, f.req_to_host, df.headers, df.jwt);
  std::string pod;
  for (const FindingObject& o : f.objects)
    if (o.kind == "Pod") pod = o.name;
  std::vector<Path> paths;
  try {
    paths = EnumeratePaths(BuildForwardingGraph(sc.mesh, t));
  } catch (const std::exception&) {
    return;  // the witness is not expressible as a traffic entry
  }
  const Path* best = nullptr;
  int best_score = -1;
  for (const Path& p : paths) {
    int score = 0;
    if (p.outcome == side.outcome) score += 2;
    if (!p.hops.empty() && p.hops.back().name == pod) score += 1;
    if (score > best_score) {
      best = &p;
      best_score = score;
    }
  }
  if (!best) return;
  side.path = best->hops;
  side.why = best->why;
  if (best->denied_by) {
    side.decision = "denied by " + best->denied_by->policy +
                    (best->denied_by->rule
                         ? " rule " + std::to_string(*best->denied_by->rule)
                         : "") +
                    " (" + best->denied_by->action + ")";
  } else if (best->outcome == Outcome::kFailed) {
    side.decision = best->reason;
  } else if (best->route) {
    side.decision = "route " + best->route->name + " rule " +
                    std::to_string(best->route->rule);
  }
}

void ExplainDiff(const Scenario& old_sc, const Scenario& new_sc,
                 const std::set<std::string>& fail_on, DiffResult& r) {
  for (DiffFinding& df : r.findings) {
    df.finding.severity =
        fail_on.count(df.finding.rule) ? Severity::kError : Severity::kNote;
    FillDiffSide(old_sc, df, df.old_side);
    FillDiffSide(new_sc, df, df.new_side);
  }
}

}  // namespace meshsim
