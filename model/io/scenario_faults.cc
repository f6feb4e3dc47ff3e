// `faults:`: nodes, pods, waypoints, gateways and network links that go down
// during a run. See scenario_sections.h.
#include "model/io/scenario_sections.h"

namespace meshsim::io {

void LoadFaults(Reader& r, const yaml::Node& n, Scenario& sc) {
  if (!r.IsList(n, "faults")) return;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string fw = "faults[" + std::to_string(i) + "]";
    const yaml::Node f = n[i];
    if (!r.IsMap(f, fw)) continue;
    CheckKeys(r, f,
              {"name", "kind", "cluster", "node", "pod", "waypoint", "gateway",
               "networks", "at", "until", "mode"},
              fw);
    FaultSpec fs;
    fs.location = r.Loc(f);
    fs.name = r.String(r.Child(f, "name"), fw + ".name").value_or("");
    if (fs.name == "none" || fs.name == "all") {
      r.Error(r.Child(f, "name"), fw + ".name '" + fs.name +
                                      "' is reserved for sweep.faults (no "
                                      "fault, every fault); choose another");
      continue;
    }
    const std::string kind =
        r.String(r.Child(f, "kind"), fw + ".kind").value_or("");
    const std::optional<FaultKind> parsed = ParseFaultKind(kind);
    if (!parsed) {
      r.Error(r.Child(f, "kind").IsDefined() ? r.Child(f, "kind") : f,
              fw +
                  ".kind must be one of node, pod, waypoint, gateway, "
                  "network-link, got '" +
                  kind + "'");
      continue;
    }
    fs.kind = *parsed;
    // The key naming what goes down: the kind itself, or `networks`.
    const std::string target_key =
        fs.kind == FaultKind::kNetworkLink ? "networks" : kind;
    if (fs.kind == FaultKind::kNetworkLink) {
      yaml::Node nets = r.Child(f, "networks");
      if (!nets.IsSequence() || nets.size() != 2) {
        r.Error(
            f,
            fw + ".networks must list the two networks whose link goes down");
        continue;
      }
      fs.target = nets[0].Scalar() + "," + nets[1].Scalar();
    } else {
      fs.cluster =
          r.String(r.Child(f, "cluster"), fw + ".cluster").value_or("");
      if (fs.cluster.empty() && sc.mesh.clusters.size() == 1)
        fs.cluster = sc.mesh.clusters[0].name;
      const Cluster* c = sc.mesh.FindCluster(fs.cluster);
      if (!c) {
        r.Error(f, fw + ".cluster '" + fs.cluster +
                       "' is not a cluster of this scenario");
        continue;
      }
      fs.target =
          r.String(r.Child(f, target_key.c_str()), fw + "." + target_key)
              .value_or("");
      bool found = false;
      if (fs.kind == FaultKind::kNode)
        found = c->FindNode(fs.target) != nullptr;
      if (fs.kind == FaultKind::kPod)
        found = c->FindWorkload(fs.target) != nullptr;
      if (fs.kind == FaultKind::kWaypoint || fs.kind == FaultKind::kGateway)
        found = c->FindGateway(fs.target) != nullptr;
      if (!found) {
        r.Error(r.Child(f, target_key.c_str()).IsDefined()
                    ? r.Child(f, target_key.c_str())
                    : f,
                fw + "." + target_key + " '" + fs.target + "' is not a " +
                    kind + " of cluster " + fs.cluster);
        continue;
      }
    }
    // `mode: errors` (§16.1): the pod stays ready, in every endpoint list,
    // and answers each request with a 503; outlier detection is what takes
    // it out of a proxy's load balancing.
    const yaml::Node mode = r.Child(f, "mode");
    const std::string m = r.String(mode, fw + ".mode").value_or("down");
    if (m != "down" && m != "errors") {
      r.Error(mode, fw +
                        ".mode must be down (not ready, out of the endpoints) "
                        "or errors (ready, answering 503), got '" +
                        m + "'" + DidYouMean(m, {"down", "errors"}));
      continue;
    }
    if (m == "errors" && fs.kind != FaultKind::kPod) {
      r.Error(mode, fw + ".mode errors applies to pod faults; a " + kind +
                        " fault takes its component down");
      continue;
    }
    fs.errors = m == "errors";
    yaml::Node at = r.Child(f, "at");
    if (at.IsScalar() && !IsZeroDuration(at.Scalar())) {
      auto d = ParseDuration(r, at, fw + ".at");
      if (!d) continue;
      fs.at_ns = *d;
    }
    if (r.Child(f, "until").IsDefined()) {
      auto d = ParseDuration(r, r.Child(f, "until"), fw + ".until");
      if (!d) continue;
      if (*d <= fs.at_ns) {
        r.Error(r.Child(f, "until"), fw + ".until must be later than at");
        continue;
      }
      fs.until_ns = *d;
    }
    sc.faults.push_back(fs);
  }
}

}  // namespace meshsim::io
