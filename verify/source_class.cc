#include "verify/source_class.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/binding.h"
#include "model/parallel.h"

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

namespace {

// One cluster's classes in the order of its pods' keys, each id once.
std::vector<SourceClass> ClusterSourceClasses(const IstioSettings& istio,
                                              const Cluster& c, int ci) {
  std::vector<SourceClass> out;
  std::unordered_set<std::string> seen;
  // By key, each key built once (not twice per comparison).
  std::vector<std::pair<std::string, const Workload*>> by_key;
  by_key.reserve(c.workloads.size());
  for (const Workload& w : c.workloads) by_key.emplace_back(w.Key(), &w);
  std::sort(by_key.begin(), by_key.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [key, w] : by_key) {
    // §3.6: a pod that is not ready still sends; an ended one does not.
    if (w->kind != "Pod" || w->terminal) continue;
    SourceClass k;
    k.cluster = ci;
    k.ns = w->ns;
    k.service_account = w->service_account;
    if (w->role == WorkloadRole::kIngress) {
      k.kind = ClientKind::kIngress;
      k.gateway = w->gateway;
      k.router = w->router;
      k.id = c.name + "/ingress/" + w->gateway;
    } else if (w->role == WorkloadRole::kApplication) {
      k.kind = w->capture == Capture::kAmbient   ? ClientKind::kAmbient
               : w->capture == Capture::kSidecar ? ClientKind::kSidecar
                                                 : ClientKind::kUncaptured;
      // The owner's pods share their template's annotations (§3.4).
      k.dns_capture =
          k.kind != ClientKind::kAmbient || DnsCaptured(istio, c, *w);
      // One class per workload: identity, capture and labels decide.
      k.id =
          c.name + "/" + ClientKindName(k.kind) + "/" + w->ns + "/" + w->owner;
    } else {
      continue;
    }
    if (!seen.insert(k.id).second) continue;
    k.workload = std::move(key);
    out.push_back(std::move(k));
  }
  // Any pod the cluster could run outside the mesh (K1): plaintext, no
  // identity.
  SourceClass any;
  any.cluster = ci;
  any.kind = ClientKind::kUncaptured;
  any.id = c.name + "/uncaptured/(any pod outside the mesh)";
  if (seen.insert(any.id).second) out.push_back(std::move(any));
  return out;
}

}  // namespace

std::vector<SourceClass> SourceClasses(const Scenario& sc) {
  // A thread per cluster; joined in cluster order, each id once in the
  // whole mesh (as one pass over the clusters would keep them).
  const std::vector<Cluster>& clusters = sc.mesh.clusters;
  std::vector<std::vector<SourceClass>> per(clusters.size());
  ParallelFor(clusters.size(), HardwareJobs(clusters.size()), [&](size_t ci) {
    per[ci] =
        ClusterSourceClasses(sc.mesh.istio, clusters[ci], static_cast<int>(ci));
  });
  size_t total = 0;
  for (const std::vector<SourceClass>& cluster : per) total += cluster.size();
  std::vector<SourceClass> out;
  out.reserve(total);  // never relocated: `seen` views the ids in place
  std::unordered_set<std::string_view> seen;
  seen.reserve(total);
  for (std::vector<SourceClass>& cluster : per)
    for (SourceClass& k : cluster) {
      out.push_back(std::move(k));
      if (!seen.insert(out.back().id).second) out.pop_back();
    }
  return out;
}

}  // namespace meshsim
