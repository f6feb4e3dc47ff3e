// Which services and endpoints the ambient index (what istiod sends
// ztunnel) holds: one service per namespace and host, no entry with an
// address block before 1.30, and no endpoint of an entry it prunes (§3.4).
// Steps of Mesh::Finalize (mesh.cc).
#include "model/ambient_index.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "model/mesh_queries.h"

namespace meshsim {

// §3.4: before 1.30 an entry with an address block is no ambient service
// at all (parseCidrOrIP refuses the block, and constructServiceEntries
// drops the whole entry).
bool OutOfAmbientIndex(const Service& s, IstioVersion version) {
  return s.kind == "ServiceEntry" && !version.AtLeast(1, 30) &&
         std::any_of(s.vips.begin(), s.vips.end(), [](const std::string& v) {
           return v.find('/') != std::string::npos;
         });
}

// §3.4 (selectWorkloadServices): per namespace and host, one service is in
// WDS: a Kubernetes Service of that name, else the oldest ServiceEntry
// (creationTimestamp, then name); the others' hosts are shadowed. Peering's
// generated entries take no part (§15.2).
void ShadowDuplicateHosts(Cluster& c) {
  // Only a ServiceEntry's host can be held by another service: the
  // entries' hosts first (few), then the Kubernetes Services named so.
  std::map<std::pair<std::string, std::string>, size_t> holder;
  auto older = [&](const Service& a, const Service& b) {
    if (a.creation_timestamp != b.creation_timestamp)
      return a.creation_timestamp < b.creation_timestamp;
    return a.name < b.name;
  };
  for (size_t si = 0; si < c.services.size(); ++si) {
    Service& s = c.services[si];
    s.shadowed_hosts.clear();
    // §3.4: an entry left out of the ambient index takes no part.
    if (s.kind != "ServiceEntry" || s.peered || s.out_of_ambient_index)
      continue;
    for (const std::string& h : s.hosts) {
      auto [it, fresh] = holder.try_emplace({s.ns, h}, si);
      if (!fresh && older(s, c.services[it->second])) it->second = si;
    }
  }
  if (holder.empty()) return;
  // An ExternalName Service is no WDS service (serviceServiceBuilder).
  for (size_t si = 0; si < c.services.size(); ++si) {
    const Service& s = c.services[si];
    if (s.kind != "Service" || s.external_name || s.peered) continue;
    auto it = holder.find({s.ns, s.Hostname()});
    if (it != holder.end()) it->second = si;  // a Service always holds
  }
  for (size_t si = 0; si < c.services.size(); ++si) {
    Service& s = c.services[si];
    if (s.peered || s.kind != "ServiceEntry" || s.out_of_ambient_index)
      continue;
    for (const std::string& h : s.hosts) {
      const size_t w = holder.at({s.ns, h});
      if (w != si && !s.ShadowedHost(h))
        s.shadowed_hosts.emplace_back(h, c.services[w].Key());
    }
  }
}

// §3.4: the inline endpoints istiod leaves out of the ambient index with
// their entry (PrunesEntryEndpoints).
void MarkPrunedEndpoints(Cluster& c, const IstioVersion& version) {
  std::set<std::pair<std::string, std::string>> pruned;  // ns, entry
  for (const Service& s : c.services)
    if (s.kind == "ServiceEntry" &&
        ((s.Shadowed() && PrunesEntryEndpoints(version, false)) ||
         (s.out_of_ambient_index && PrunesEntryEndpoints(version, true))))
      pruned.emplace(s.ns, s.name);
  for (Workload& w : c.workloads)
    w.out_of_ambient_index =
        !w.service_entry.empty() && pruned.count({w.ns, w.service_entry});
}

}  // namespace meshsim
