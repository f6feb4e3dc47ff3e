// `meshsim diff`'s view of what changed between two versions: the objects
// (by their digests) and the egress ServiceEntries a change may concern,
// which the encoding does not state (docs/diff.md).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "verify/diff.h"
#include "verify/slice_plan.h"

namespace meshsim {

using verify::ClusterIndex;

std::vector<ObjectChange> ChangedObjects(const Scenario& old_sc,
                                         const Scenario& new_sc) {
  std::vector<ObjectChange> out;
  std::set<std::string> clusters;
  for (const Cluster& c : old_sc.mesh.clusters) clusters.insert(c.name);
  for (const Cluster& c : new_sc.mesh.clusters) clusters.insert(c.name);
  static const std::map<std::string, ObjectDigest> kNone;
  for (const std::string& name : clusters) {
    const int oi = ClusterIndex(old_sc, name), ni = ClusterIndex(new_sc, name);
    const auto& a = oi >= 0 ? old_sc.mesh.clusters[oi].objects : kNone;
    const auto& b = ni >= 0 ? new_sc.mesh.clusters[ni].objects : kNone;
    auto split = [](const std::string& key, ObjectChange& ch) {
      size_t sp = key.find(' ');
      ch.kind = key.substr(0, sp);
      ch.name = key.substr(sp + 1);
    };
    for (const auto& [key, d] : a) {
      ObjectChange ch;
      ch.cluster = name;
      split(key, ch);
      ch.old_location = d.location;
      auto it = b.find(key);
      if (it == b.end()) {
        ch.change = "removed";
      } else if (it->second.digest != d.digest) {
        ch.change = "modified";
        ch.new_location = it->second.location;
      } else {
        continue;
      }
      out.push_back(ch);
    }
    for (const auto& [key, d] : b) {
      if (a.count(key)) continue;
      ObjectChange ch;
      ch.cluster = name;
      split(key, ch);
      ch.change = "added";
      ch.new_location = d.location;
      out.push_back(ch);
    }
  }
  return out;
}

// The ServiceEntries of either version with no endpoint in the mesh (egress:
// the encoding states no request to them, docs/diff.md) that a change may
// concern: the entry itself, an object of its namespace or the root
// namespace, or a kind that reaches across namespaces (namespace labels,
// gateways and waypoints, routes, DestinationRules, policies).
std::vector<std::string> NotEncodedEntries(
    const Scenario& old_sc, const Scenario& new_sc,
    const std::vector<ObjectChange>& changes) {
  static const std::set<std::string> kAcross = {"Namespace",
                                                "Gateway",
                                                "VirtualService",
                                                "DestinationRule",
                                                "HTTPRoute",
                                                "GRPCRoute",
                                                "TCPRoute",
                                                "TLSRoute",
                                                "AuthorizationPolicy",
                                                "PeerAuthentication",
                                                "RequestAuthentication"};
  std::set<std::string> out;
  for (const Scenario* sc : {&old_sc, &new_sc})
    for (const Cluster& c : sc->mesh.clusters)
      for (size_t si = 0; si < c.services.size(); ++si) {
        const Service& s = c.services[si];
        if (s.kind != "ServiceEntry" || !c.service_endpoints[si].empty())
          continue;
        for (const ObjectChange& ch : changes) {
          const std::string ns = ch.name.substr(0, ch.name.find('/'));
          if ((ch.kind == "ServiceEntry" && ch.name == s.Key()) ||
              kAcross.count(ch.kind) || ns == s.ns ||
              ns == sc->mesh.istio.root_namespace) {
            out.insert("ServiceEntry " + s.Key() + " (" + c.name + ")");
            break;
          }
        }
      }
  return {out.begin(), out.end()};
}

}  // namespace meshsim
