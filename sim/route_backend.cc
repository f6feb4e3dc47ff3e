// The data-plane graph builder (sim/dataplane_builder.h): the backend a
// matched route rule names (§9, §16.2).
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "model/labels.h"
#include "model/mesh_queries.h"
#include "sim/dataplane_builder.h"
#include "sim/routing.h"

namespace meshsim {
namespace dataplane {

// One backend of a matched rule: a Service by name, or by host (a
// VirtualService destination, a Hostname backendRef), short names in the
// route's namespace. A destination without a port takes the service's only
// port. Istio routes to no other kind (buildDestination: a ServiceEntry by
// name is an unsupported backendRef, 500; reach it by Hostname).
bool Builder::ResolveBackend(Vertex from, const RouteChoice& rc,
                             const BackendRef& b, const Cluster& c, int ci,
                             int port, double share, const std::string& why,
                             std::vector<Backend>* backends) {
  const Service* bs = nullptr;
  if (b.kind == "Hostname") {
    // An Envoy's view of NAMESPACE entries follows applyToSidecars (§2.4).
    std::vector<size_t> idx = c.ServicesForHost(b.name, b.ns, true);
    if (!idx.empty()) bs = &c.services[idx.front()];
  } else if (b.kind == "Service") {
    bs = c.FindService(b.ns + "/" + b.name);
    // §9: a kind names its own objects only.
    if (bs && bs->kind != "Service") bs = nullptr;
  }
  if (!bs && b.kind != "Hostname" && b.kind != "Service") {
    Fail(from,
         RouteName(rc) + " sends to backend " + b.ns + "/" + b.name +
             " of kind " + b.kind + ", which Istio does not route to (" +
             Refusal(rc, "500") + ", §16.10)",
         why, share);
    return false;
  }
  if (!bs) {
    Fail(from,
         RouteName(rc) + " sends to " +
             (b.kind == "Hostname" ? "host " + b.name
                                   : "backend " + b.ns + "/" + b.name) +
             ", which is not a Service or ServiceEntry in cluster " + c.name +
             " (" + Refusal(rc, b.kind == "Hostname" ? "503" : "500") +
             (b.kind == "Hostname" ? ", no cluster)" : ")"),
         why, share);
    return false;
  }
  // §9, §16.2: a port the service does not have names a cluster Envoy was
  // never given: 500 for a Gateway API route (route.go sets
  // ClusterNotFoundResponseCode), Envoy's 503 for a VirtualService.
  if (b.port &&
      std::none_of(bs->ports.begin(), bs->ports.end(),
                   [&](const ServicePort& sp) { return sp.port == b.port; })) {
    Fail(from,
         RouteName(rc) + " sends to port " + std::to_string(b.port) + " of " +
             bs->kind + " " + bs->Key() + ", which has no such port (" +
             Refusal(rc, rc.route->IsVirtualService() ? "503" : "500") +
             ", no cluster)",
         why, share);
    return false;
  }
  int bport = b.port;
  if (!bport)
    bport = bs->ports.size() == 1 && b.kind == "Hostname"
                ? bs->ports.front().port
                : port;
  // route.go: a destination without port takes the port the route serves
  // (the listener's, the service's), or the host's only port; a host of
  // several ports without that one has no such cluster (503).
  if (!b.port && b.kind == "Hostname" && !bs->ports.empty() &&
      std::none_of(bs->ports.begin(), bs->ports.end(),
                   [&](const ServicePort& sp) { return sp.port == bport; })) {
    Fail(from,
         RouteName(rc) + " sends to " + bs->Key() +
             " without a port: on port " + std::to_string(bport) +
             ", which it does not have, there is no "
             "such cluster (503)",
         why, share);
    return false;
  }
  backends->push_back({ci, static_cast<int>(c.service_by_key.at(bs->Key())),
                       bport, share, b.subset});
  return true;
}

// §16.1: a DestinationRule subset keeps the pods with its labels (with
// istiod's topology labels, SubsetMatches); its
// name for the explanation ("" without one).
std::string Builder::KeepSubset(std::vector<EpRef>& eps,
                                const EndpointPolicy* policy) const {
  if (!policy || policy->subset.empty()) return "";
  std::vector<EpRef> kept;
  for (const EpRef& e : eps)
    if (SubsetMatches(policy->subset_labels, mesh_.clusters[e.cluster],
                      W(e.cluster, e.wl)))
      kept.push_back(e);
  eps = kept;
  return " subset " + policy->subset;
}

// §3.4: why a waypoint has no filter chain or cluster for port `port` of
// DYNAMIC_DNS ServiceEntry `se` in release `v` ("" when it serves it):
// the resolution is new in 1.28, served through Envoy's dynamic forward
// proxy on HTTP ports (1.29+: TLS too, with `tls_on`), and from 1.30 only
// for MESH_EXTERNAL entries (`cluster_waypoint.go`, `waypoint.go`).
namespace {
std::string DynamicDnsRefusal(const Service& se, int port, IstioVersion v,
                              bool tls_on) {
  const std::string what = "has no filter chain for DYNAMIC_DNS ServiceEntry " +
                           se.Key() + " and closes the connection: ";
  if (!v.AtLeast(1, 28))
    return what + "Istio " + v.ToString() +
           " has no DYNAMIC_DNS resolution (new in 1.28; §3.4)";
  if (v.AtLeast(1, 30) && se.location_kind != "MESH_EXTERNAL")
    return what +
           "from 1.30 a waypoint serves DYNAMIC_DNS only for "
           "MESH_EXTERNAL entries (§3.4)";
  const ServicePort* sp = se.FindPort(port);
  std::string protocol = sp ? sp->protocol : "";
  for (char& ch : protocol)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  if (protocol == "HTTP") return "";
  if (protocol == "TLS" && v.AtLeast(1, 29) && tls_on) return "";
  return what + "its dynamic forward proxy takes HTTP ports" +
         (v.AtLeast(1, 29) ? std::string(" and, with "
                                         "ENABLE_WILDCARD_HOST_SERVICE_ENTRIES_"
                                         "FOR_TLS, TLS ones")
                           : std::string()) +
         ", and port " + std::to_string(port) + " is " +
         (protocol.empty() ? "not declared" : protocol) + " (§3.4)";
}

// §3.4: a pod declares a named targetPort when one of its ports has that
// name; a numbered (or defaulted) one it always does.
bool DeclaresTarget(const Workload& w, const ServicePort& sp) {
  if (sp.target_port || sp.target_port_name.empty()) return true;
  return std::any_of(
      w.ports.begin(), w.ports.end(),
      [&](const ContainerPort& cp) { return cp.name == sp.target_port_name; });
}

}  // namespace

bool Builder::WaypointLacksCluster(Vertex v, const State& s, const Gateway* wp,
                                   int route, const Backend& be) {
  if (!wp || wp->agentgateway || route < 0 ||
      impl_.routes[static_cast<size_t>(route)].kind != "VirtualService")
    return false;
  const Service& dest = S(be.cluster, be.svc);
  if (WaypointHasClusterFor(mesh_, mesh_.clusters[s.cluster], *wp, dest))
    return false;
  Fail(v,
       "waypoint " + wp->Key() + " has no cluster for " +
           SvcName(be.cluster, be.svc) +
           ": istiod builds one only for a destination a VirtualService "
           "names from a service the waypoint serves, by that service's "
           "exact hostname among its hosts (a wildcard host names none), so "
           "the route's cluster does not exist (503, §16.2)",
       "", be.share, route);
  return true;
}

// §3.4, §8.6: the filter chain waypoint s.waypoint has for port s.port of
// service `svc` (listener_waypoint.go): a DYNAMIC_DNS entry's only where
// its forward proxy serves the port; else by the port's declared protocol
// (DeclaredProtocol). HTTP: the HTTP chain alone. TCP (tcp, tls, https,
// mongo, ...):
// the TCP chain alone, which reads no HTTP, so the request is plain TCP
// there (no HTTP route, policies as on TCP, no token; `s.req` becomes its
// TCP view). Undeclared: both chains, by protocol detection. False when the
// connection is closed (the path failed at `v`).
bool Builder::WaypointChain(Vertex v, const Service& svc, bool dynamic_dns,
                            State& s, std::string* note) {
  if (dynamic_dns) {
    const std::string refused = DynamicDnsRefusal(
        svc, s.port, Version(s.cluster),
        mesh_.istio.Flag("ENABLE_WILDCARD_HOST_SERVICE_ENTRIES_FOR_TLS",
                         false));
    if (!refused.empty()) {
      Fail(v, "waypoint " + s.waypoint + " " + refused, "");
      return false;
    }
  }
  const ServicePort* sp = svc.FindPort(s.port);
  const PortProtocol proto =
      sp ? DeclaredProtocol(*sp) : PortProtocol::kSniffed;
  // An HTTP port's chain closes a connection that does not speak HTTP; a
  // traffic entry without `http` there is followed as the connection it
  // describes, and lint warns (tcp-to-http-port, §8.6).
  const RoutedRequest& r = requests_[s.req];
  if (proto == PortProtocol::kTcp && r.http) {
    RoutedRequest tcp = r;
    tcp.http.reset();
    s.req = AddRequest(tcp);
    *note = "; port " + std::to_string(s.port) + " of " + svc.Key() +
            " is TCP by its declared protocol: its TCP chain takes the "
            "request as plain TCP, so no HTTP route or HTTP-only rule applies "
            "there (§8.6)";
  }
  return true;
}

// §8.6: whether `s`'s port `port` is declared HTTP (its proxies' HTTP
// chain; listener_waypoint.go gives a TCP route to the TCP chain only).
bool Builder::DeclaresHttp(const Service& s, int port) const {
  for (const ServicePort& sp : s.ports)
    if (sp.port == port && PortDeclaresHttp(sp)) return true;
  return false;
}

// §8.6 (listener_inbound.go getFilterChainsByServicePort): a sidecar's
// inbound chain for a pod port takes the protocol of the oldest Service
// port whose target it is (a named targetPort the pod declares no port for
// targets none: controller.go GetProxyServiceTargetsByPod); nullptr when no
// Service port targets it (the chain then sniffs).
const ServicePort* Builder::InboundServicePort(int ci, int wl, int port,
                                               const Service** owner) const {
  const Cluster& c = mesh_.clusters[ci];
  const Service* best = nullptr;
  const ServicePort* out = nullptr;
  for (size_t si : c.workload_services[wl]) {
    const Service& svc = c.services[si];
    if (svc.kind != "Service") continue;
    // Oldest first, then by hostname (model/context.go sort of targets).
    if (best && std::make_pair(best->creation_timestamp, best->Hostname()) <
                    std::make_pair(svc.creation_timestamp, svc.Hostname()))
      continue;
    for (const ServicePort& sp : svc.ports)
      if (DeclaresTarget(W(ci, wl), sp) &&
          TargetPort(svc, sp.port, {ci, wl}) == port) {
        best = &svc;
        out = &sp;
        break;
      }
  }
  if (owner) *owner = best;
  return out;
}

// The service `s` (of some cluster) as cluster ci knows it: the same
// namespace/name, or for a peered entry the one with the same host (§15.2:
// another Segment's entry has another name).
const Service* Builder::PeerView(int ci, const Service& s) const {
  const Cluster& c = mesh_.clusters[ci];
  if (!s.peered) return c.FindService(s.Key());
  for (const Service& o : c.services)
    if (o.peered && o.hosts.front() == s.hosts.front()) return &o;
  return nullptr;
}

// §3.8: the traffic distribution of waypoint `wp`'s Service in cluster ci:
// the generated one's annotation is PreferClose unless the Gateway's own
// annotations (copied to it, waypoint.yaml: the later map wins) say
// otherwise; a Service of the waypoint's name the user wrote decides
// itself (PreferClose when it says nothing).
std::string Builder::WaypointDistribution(int ci, const Gateway& wp) const {
  const Cluster& c = mesh_.clusters[ci];
  const IstioVersion v = Version(ci);
  const Service* own = c.FindService(wp.Key());
  Service generated;
  if (!own || own->kind != "Service") {
    generated.kind = "Service";
    generated.ns = wp.ns;
    generated.name = wp.name;
    generated.annotations[kAnnotationTrafficDistribution] = "PreferClose";
    if (const std::string* a =
            FindLabel(wp.annotations, kAnnotationTrafficDistribution))
      generated.annotations[kAnnotationTrafficDistribution] = *a;
    own = &generated;
  }
  const std::string td = EffectiveTrafficDistribution(c, *own, v);
  return td.empty() ? "PreferClose" : td;
}

}  // namespace dataplane
}  // namespace meshsim
