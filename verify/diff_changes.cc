// `meshsim diff`'s view of what changed between two versions: the objects
// (by their digests) and the egress ServiceEntries a change may concern,
// which the encoding does not state (docs/diff.md).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/networking.h"
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
namespace {

// Whether changed object `ch` may concern egress entry `s` of cluster `c`
// (in the version `sc` that holds `ch`, if either): the entry itself; an
// object of its namespace or the root namespace; namespace labels and
// gateways (which decide who is captured and which waypoint serves it);
// a VirtualService or DestinationRule whose hosts cover it; a route naming
// it; a route or policy in the namespace of the waypoint the entry uses.
bool Concerns(const Scenario& sc, const Cluster& c, const Service& s,
              const ObjectChange& ch) {
  const std::string ns = ch.name.substr(0, ch.name.find('/'));
  if ((ch.kind == "ServiceEntry" && ch.name == s.Key()) || ns == s.ns ||
      ns == sc.mesh.istio.root_namespace || ch.kind == "Namespace" ||
      ch.kind == "Gateway")
    return true;
  for (const HttpRoute& r : c.routes) {
    if (r.Key() != ch.name || r.kind != ch.kind) continue;
    for (const std::string& h : r.hostnames)
      if (r.IsVirtualService() && HostCoversService(h, s)) return true;
    for (const ParentRef& p : r.parents)
      if (p.kind == s.kind && p.ns + "/" + p.name == s.Key()) return true;
  }
  if (ch.kind == "DestinationRule")
    for (const DestinationRule& d : c.destination_rules)
      if (d.Key() == ch.name && HostCoversService(d.host, s)) return true;
  static const std::set<std::string> kAtWaypoint = {
      "HTTPRoute", "GRPCRoute",           "TCPRoute",
      "TLSRoute",  "AuthorizationPolicy", "RequestAuthentication"};
  if (kAtWaypoint.count(ch.kind)) {
    const Binding b = ServiceWaypoint(sc.mesh, c, s);
    if (b.waypoint && b.waypoint->ns == ns) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> NotEncodedEntries(
    const Scenario& old_sc, const Scenario& new_sc,
    const std::vector<ObjectChange>& changes) {
  std::set<std::string> out;
  for (const Scenario* sc : {&old_sc, &new_sc})
    for (const Cluster& c : sc->mesh.clusters)
      for (size_t si = 0; si < c.services.size(); ++si) {
        const Service& s = c.services[si];
        if (s.kind != "ServiceEntry" || !c.service_endpoints[si].empty())
          continue;
        // The changed object is in either version: look in both.
        const Scenario& other = sc == &old_sc ? new_sc : old_sc;
        const int oi = ClusterIndex(other, c.name);
        for (const ObjectChange& ch : changes)
          if (Concerns(*sc, c, s, ch) ||
              (oi >= 0 && Concerns(other, other.mesh.clusters[oi], s, ch))) {
            out.insert("ServiceEntry " + s.Key() + " (" + c.name + ")");
            break;
          }
      }
  return {out.begin(), out.end()};
}

}  // namespace meshsim
