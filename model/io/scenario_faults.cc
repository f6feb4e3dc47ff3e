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
               "networks", "at", "until"},
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
    fs.kind = r.String(r.Child(f, "kind"), fw + ".kind").value_or("");
    static const std::map<std::string, std::string> kTarget = {
        {"node", "node"},
        {"pod", "pod"},
        {"waypoint", "waypoint"},
        {"gateway", "gateway"},
        {"network-link", "networks"}};
    auto kt = kTarget.find(fs.kind);
    if (kt == kTarget.end()) {
      r.Error(r.Child(f, "kind").IsDefined() ? r.Child(f, "kind") : f,
              fw +
                  ".kind must be one of node, pod, waypoint, gateway, "
                  "network-link, got '" +
                  fs.kind + "'");
      continue;
    }
    if (fs.kind == "network-link") {
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
          r.String(r.Child(f, kt->second.c_str()), fw + "." + kt->second)
              .value_or("");
      bool found = false;
      if (fs.kind == "node") found = c->FindNode(fs.target) != nullptr;
      if (fs.kind == "pod") found = c->FindWorkload(fs.target) != nullptr;
      if (fs.kind == "waypoint" || fs.kind == "gateway")
        found = c->FindGateway(fs.target) != nullptr;
      if (!found) {
        r.Error(r.Child(f, kt->second.c_str()).IsDefined()
                    ? r.Child(f, kt->second.c_str())
                    : f,
                fw + "." + kt->second + " '" + fs.target + "' is not a " +
                    fs.kind + " of cluster " + fs.cluster);
        continue;
      }
    }
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
