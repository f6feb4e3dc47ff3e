#include "verify/source_class.h"

#include <algorithm>
#include <set>

namespace meshsim {

const char* ClientKindName(ClientKind k) {
  switch (k) {
    case ClientKind::kAmbient:
      return "ambient";
    case ClientKind::kSidecar:
      return "sidecar";
    case ClientKind::kUncaptured:
      return "uncaptured";
    case ClientKind::kIngress:
      return "ingress";
  }
  return "?";
}

std::vector<SourceClass> SourceClasses(const Scenario& sc) {
  std::vector<SourceClass> out;
  std::set<std::string> seen;
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci) {
    const Cluster& c = sc.mesh.clusters[ci];
    // By key, each key built once (not twice per comparison).
    std::vector<std::pair<std::string, const Workload*>> by_key;
    by_key.reserve(c.workloads.size());
    for (const Workload& w : c.workloads) by_key.emplace_back(w.Key(), &w);
    std::sort(by_key.begin(), by_key.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, w] : by_key) {
      if (w->kind != "Pod" || !w->ready) continue;
      SourceClass k;
      k.cluster = static_cast<int>(ci);
      k.ns = w->ns;
      k.service_account = w->service_account;
      k.workload = key;
      if (w->role == WorkloadRole::kIngress) {
        k.kind = ClientKind::kIngress;
        k.gateway = w->gateway;
        k.router = w->router;
        k.id = c.name + "/ingress/" + w->gateway;
      } else if (w->role == WorkloadRole::kApplication) {
        k.kind = w->capture == Capture::kAmbient   ? ClientKind::kAmbient
                 : w->capture == Capture::kSidecar ? ClientKind::kSidecar
                                                   : ClientKind::kUncaptured;
        // One class per workload: identity, capture and labels decide.
        k.id = c.name + "/" + ClientKindName(k.kind) + "/" + w->ns + "/" +
               w->owner;
      } else {
        continue;
      }
      if (seen.insert(k.id).second) out.push_back(k);
    }
    // Any pod the cluster could run outside the mesh (K1): plaintext, no
    // identity.
    SourceClass any;
    any.cluster = static_cast<int>(ci);
    any.kind = ClientKind::kUncaptured;
    any.id = c.name + "/uncaptured/(any pod outside the mesh)";
    if (seen.insert(any.id).second) out.push_back(any);
  }
  return out;
}

}  // namespace meshsim
