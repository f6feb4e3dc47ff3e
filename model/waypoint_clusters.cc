// §16.2: which outbound clusters a waypoint has. A waypoint's routes point
// at inbound clusters for the services it serves and at outbound clusters
// for anything else, and istiod builds an outbound cluster only for a
// destination some mesh VirtualService references from a service the
// waypoint serves (push_context.go referencedDestinations, keyed by the
// VirtualService's hosts as written; waypoint.go
// filterWaypointOutboundServices, looked up by the served service's exact
// hostname).
#include <string>

#include "model/binding.h"
#include "model/mesh.h"
#include "model/networking.h"

namespace meshsim {

bool WaypointHasClusterFor(const Mesh& mesh, const Cluster& c,
                           const Gateway& wp, const Service& dest) {
  auto served = [&](const Service& s) {
    const Binding b = ServiceWaypoint(mesh, c, s);
    return b.status == BindingStatus::kAccepted && b.waypoint &&
           b.waypoint->Key() == wp.Key();
  };
  // Its inbound cluster.
  if (const Service* own = c.FindService(dest.Key()); own && served(*own))
    return true;
  const std::string want = dest.Hostname();
  for (const HttpRoute& r : c.routes) {
    if (!r.IsVirtualService() || !r.ForMesh()) continue;
    bool names = false;
    for (const auto* rules : {&r.rules, &r.tcp_rules})
      for (const HttpRouteRule& rule : *rules) {
        for (const BackendRef& b : rule.backends)
          names = names || ExpandHost(b.name, r.ns) == want;
        if (rule.mirror)
          names = names || ExpandHost(rule.mirror->name, r.ns) == want;
      }
    if (!names) continue;
    // A host written as a wildcard is the key of no served service.
    for (const std::string& h : r.hostnames) {
      auto it = c.service_by_host.find(ExpandHost(h, r.ns));
      if (it == c.service_by_host.end()) continue;
      for (size_t si : it->second)
        if (served(c.services[si])) return true;
    }
  }
  return false;
}

}  // namespace meshsim
