// The proxies between client and destination: waypoints (§3.7), ingress
// gateways (§5) and east-west gateways (§7.2), how a request reaches their
// replicas, and the routes they apply (§9).
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"
#include "model/policy.h"
#include "sim/dataplane_builder.h"
#include "sim/routing.h"

namespace meshsim {
namespace dataplane {

// ---- reaching a proxy -------------------------------------------------------
// Replicas of waypoint `wp` that a client in cluster ci can reach: its own
// cluster's ready pods, or the same-named waypoint's pods in other clusters
// when the waypoint's Service is global in ci (§7.2 failover, §16.6).
std::vector<EpRef> Builder::WaypointReplicas(int ci, const Gateway& wp,
                                             int client_wl) const {
  std::vector<EpRef> out;
  for (int wi : ReadyPods(mesh_.clusters[ci], wp.Key()))
    out.push_back({ci, wi});
  if (out.empty() && WaypointServiceGlobal(mesh_, mesh_.clusters[ci], wp)) {
    for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
      if (static_cast<int>(oi) == ci) continue;
      for (int wi : ReadyPods(mesh_.clusters[oi], wp.Key()))
        out.push_back({static_cast<int>(oi), wi});
    }
  }
  return PreferClose(out, ci, client_wl);
}

std::vector<EpRef> Builder::EastWestFor(const std::string& network) const {
  std::vector<EpRef> out;
  for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
    const Cluster& o = mesh_.clusters[oi];
    for (const auto& [key, gw] : o.gateways) {
      if (gw.role != GatewayRole::kEastWest || gw.network != network) continue;
      for (int wi : ReadyPods(o, key))
        out.push_back({static_cast<int>(oi), wi});
    }
  }
  return out;
}

void Builder::ToEastWest(Vertex from, const State& base, int svc_cluster,
                         int svc, int port, const std::string& network,
                         const std::string& header, const std::string& why,
                         double share, int route) {
  std::vector<EpRef> ew = EastWestFor(network);
  if (ew.empty()) {
    Fail(from,
         "no east-west gateway serves network " + network +
             ": cross-network traffic is never sent without one (§7.2)",
         why, share);
    return;
  }
  for (const EpRef& e : ew) {
    State s = base;
    s.act = Act::kEastWest;
    s.cluster = e.cluster;
    s.wl = e.wl;
    s.svc_cluster = svc_cluster;
    s.svc = svc;
    s.target_cluster = s.target_wl = -1;
    s.port = port;
    s.header = header;
    s.waypoint.clear();
    Emit(from, s,
         why + "; double HBONE through east-west gateway " +
             W(e.cluster, e.wl).gateway + " of network " + network +
             (header.empty() ? "" : " with x-istio-source: " + header),
         share / ew.size(), route);
  }
}

void Builder::ToWaypoint(Vertex from, const State& base, int ci,
                         const EpRef& replica, const Gateway& wp,
                         int svc_cluster, int svc, int target_cluster,
                         int target_wl, int port, const std::string& header,
                         const std::string& why, double share, int route) {
  const Workload& rw = W(replica.cluster, replica.wl);
  if (rw.network != mesh_.clusters[ci].network) {
    // §7.2: a remote replica is reached through that network's east-west
    // gateway, which routes by the inner service hostname.
    ToEastWest(from, base, svc_cluster, svc, port, rw.network, header,
               why + "; no local replica of waypoint " + wp.Key() +
                   ", so a replica in network " + rw.network + " is used",
               share, route);
    return;
  }
  State s = base;
  s.act = Act::kWaypoint;
  s.cluster = replica.cluster;
  s.wl = replica.wl;
  s.svc_cluster = svc_cluster;
  s.svc = svc;
  s.target_cluster = target_cluster;
  s.target_wl = target_wl;
  s.port = port;
  s.waypoint = wp.Key();
  s.header = header;
  Emit(from, s, why, share, route);
}

// Sends the request to each of `replicas` of waypoint `wp`, sharing `share`
// between them; with none, ends the path with `no_replica` (fail closed).
void Builder::ToWaypointReplicas(Vertex from, const State& base, int ci,
                                 const std::vector<EpRef>& replicas,
                                 const Gateway& wp, int svc_cluster, int svc,
                                 int target_cluster, int target_wl, int port,
                                 const std::string& header,
                                 const std::string& no_replica,
                                 const std::string& why, double share,
                                 int route) {
  if (replicas.empty()) {
    Fail(from, no_replica, why, share);
    return;
  }
  for (const EpRef& r : replicas)
    ToWaypoint(from, base, ci, r, wp, svc_cluster, svc, target_cluster,
               target_wl, port, header, why, share / replicas.size(), route);
}

// ---- routes (§9) ------------------------------------------------------------
std::vector<const HttpRoute*> Builder::RoutesFor(int ci,
                                                 const std::string& parent_kind,
                                                 const std::string& ns,
                                                 const std::string& name,
                                                 int port) const {
  std::vector<const HttpRoute*> out;
  for (const HttpRoute& r : mesh_.clusters[ci].routes) {
    for (const ParentRef& p : r.parents) {
      if (p.kind == parent_kind && p.ns == ns && p.name == name &&
          (p.port == 0 || p.port == port)) {
        out.push_back(&r);
        break;
      }
    }
  }
  return out;
}

// Mesh routes attached to service (ci, si): parent Service/ServiceEntry, or
// (at a waypoint) the waypoint Gateway.
std::vector<const HttpRoute*> Builder::MeshRoutes(
    int ci, int si, int port, const Gateway* waypoint) const {
  const Service& s = S(ci, si);
  std::vector<const HttpRoute*> routes =
      RoutesFor(ci, s.kind, s.ns, s.name, port);
  if (routes.empty() && waypoint)
    routes = RoutesFor(ci, "Gateway", waypoint->ns, waypoint->name, 0);
  return routes;
}

// Applies `routes` for the request in state `s`. On success fills the
// backends (with their shares), the route index and the request after
// filters; otherwise ends the path (404, redirect, missing backend) and
// returns false. With no route attached, the default backend is `dflt`.
bool Builder::Route(Vertex from, const State& s,
                    const std::vector<const HttpRoute*>& routes,
                    int dflt_cluster, int dflt_svc, int port,
                    const std::string& where, std::vector<Backend>* backends,
                    int* route_id, int* req_id, std::string* why) {
  *route_id = -1;
  *req_id = s.req;
  const RoutedRequest& req = requests_[s.req];
  RouteChoice rc = SelectRoute(routes, req);
  if (!rc.matched) {
    if (rc.any_route && req.http) {
      Fail(from,
           "no rule of the HTTPRoutes at " + where + " matches " +
               req.http->method + " " + req.http->path + " (404)",
           *why);
      return false;
    }
    if (dflt_svc < 0) {
      Fail(from,
           "no HTTPRoute at " + where + " matches host " + req.host + " (404)",
           *why);
      return false;
    }
    backends->push_back({dflt_cluster, dflt_svc, port, 1.0});
    return true;
  }
  *route_id = AddRoute(rc);
  *why += (why->empty() ? "" : "; ") + std::string("HTTPRoute ") +
          rc.route->Key() + " rule " + std::to_string(rc.rule_index) + " at " +
          where + " matches";
  std::string redirect = RedirectOf(*rc.rule, req);
  if (!redirect.empty()) {
    // The proxy answers the client itself (Gateway API RequestRedirect).
    Vertex f = Finish(from, Outcome::kDelivered, "", *why, 1.0, *route_id);
    g_[f].redirect = redirect;
    return false;
  }
  RoutedRequest next = ApplyFilters(*rc.rule, req);
  if (next.http != req.http || next.host != req.host)
    *req_id = AddRequest(next);
  int total = 0;
  for (const BackendRef& b : rc.rule->backends) total += b.weight;
  const int ci = dflt_cluster >= 0 ? dflt_cluster : s.cluster;
  const Cluster& c = mesh_.clusters[ci];
  for (const BackendRef& b : rc.rule->backends) {
    if (b.weight == 0) continue;
    const Service* bs = c.FindService(b.ns + "/" + b.name);
    if (!bs) {
      Fail(from,
           "HTTPRoute " + rc.route->Key() + " backend " + b.ns + "/" + b.name +
               " does not exist in cluster " + c.name + " (500)",
           *why, static_cast<double>(b.weight) / total);
      continue;
    }
    backends->push_back({ci, static_cast<int>(c.service_by_key.at(bs->Key())),
                         b.port ? b.port : port,
                         static_cast<double>(b.weight) / total});
  }
  if (rc.rule->backends.empty() || total == 0)
    Fail(from,
         "HTTPRoute " + rc.route->Key() + " rule " +
             std::to_string(rc.rule_index) +
             " has no backend with weight (500)",
         *why);
  return true;
}

// ---- waypoint ---------------------------------------------------------------
void Builder::WaypointHop(Vertex v, const State& s) {
  const Cluster& c = mesh_.clusters[s.cluster];
  const Gateway* wp = c.FindGateway(s.waypoint);
  // A waypoint works from its own cluster's view of the service.
  int sci = s.svc_cluster, si = s.svc;
  if (si >= 0 && sci != s.cluster) {
    if (const Service* local = c.FindService(S(sci, si).Key())) {
      sci = s.cluster;
      si = static_cast<int>(c.service_by_key.at(local->Key()));
    }
  }
  // §8.1, §8.3: targetRef policies, full L7, with the client's identity.
  const Service* target_svc = si >= 0 ? &S(sci, si) : nullptr;
  auto policies = wp ? PoliciesAtWaypoint(mesh_, c, *wp, target_svc)
                     : std::vector<const AuthorizationPolicy*>{};
  RequestAttributes attrs = Attributes(s, s.client, s.peer_ip);
  // §16.4: only targetRef RequestAuthentications apply at a waypoint.
  if (wp && !Authenticate(
                v, RequestAuthenticationsAtWaypoint(mesh_, c, *wp, target_svc),
                attrs))
    return;
  PolicyDecision d =
      Evaluate(mesh_, EnforcementPoint::kWaypoint, policies, attrs);
  if (!Enforce(v, d)) return;
  State out = s;
  out.peer =
      Identity(s.cluster, s.wl);  // the destination sees the waypoint (§3.7)
  out.peer_ip = W(s.cluster, s.wl).ip;
  if (s.target_wl >= 0) {
    ToEndpoint(
        v, out, {s.target_cluster, s.target_wl}, s.port,
        "waypoint " + s.waypoint +
            " applies L7 policy and forwards to the pod it serves (§3.7)");
    return;
  }
  // Service traffic: routes, then endpoints; never another waypoint (§3.7).
  std::string why =
      "waypoint " + s.waypoint + " routes " + SvcName(sci, si) + " (§3.7)";
  std::vector<Backend> backends;
  int route = -1, req = s.req;
  if (!Route(v, s, MeshRoutes(sci, si, s.port, wp), sci, si, s.port,
             "waypoint " + s.waypoint, &backends, &route, &req, &why))
    return;
  out.req = req;
  const bool cross_network =
      Version(s.cluster).AtLeast(1, 28) &&
      mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_WAYPOINT", true);
  for (const Backend& be : backends) {
    std::string bwhy = why;
    if (be.svc != si || be.cluster != sci) {
      Binding bb = ServiceWaypoint(mesh_, mesh_.clusters[be.cluster],
                                   S(be.cluster, be.svc));
      if (bb.status == BindingStatus::kAccepted)
        bwhy += "; " + SvcName(be.cluster, be.svc) + " has its own waypoint " +
                bb.waypoint->Key() +
                ", which a waypoint never forwards to (§3.7, K11)";
    }
    ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                       cross_network, "waypoint", bwhy, false, be.share, route);
  }
}

// ---- ingress gateway --------------------------------------------------------
void Builder::IngressHop(Vertex v, const State& s) {
  const Cluster& c = mesh_.clusters[s.cluster];
  const Workload& pod = c.workloads[s.wl];
  const Gateway& gw = *c.FindGateway(pod.gateway);
  // Envoy gateway policies: selector/namespace/global and targetRef (§8.1),
  // after its RequestAuthentications (§16.4).
  RequestAttributes attrs = Attributes(s, "", "");
  if (!Authenticate(v, RequestAuthenticationsAtProxy(mesh_, c, pod, &gw),
                    attrs))
    return;
  PolicyDecision d = Evaluate(mesh_, EnforcementPoint::kGateway,
                              PoliciesAtProxy(mesh_, c, pod, &gw), attrs);
  if (!Enforce(v, d)) return;
  const Listener* listener = IngressListener(v, s, gw);
  if (!listener) return;
  std::string why;
  std::vector<Backend> backends;
  int route = -1, req = s.req;
  if (!Route(v, s, IngressRoutes(c, gw, *listener), s.cluster, -1, t_.to.port,
             "ingress " + gw.Key(), &backends, &route, &req, &why))
    return;
  State out = s;
  out.req = req;
  out.client =
      Identity(s.cluster, s.wl);  // the waypoint sees the gateway (§8.1)
  out.peer = out.client;
  out.peer_ip = pod.ip;
  const std::string header =
      Version(s.cluster).AtLeast(1, 31) ? "gateway" : "waypoint";
  for (const Backend& be : backends)
    IngressBackend(v, s, out, be, why, route, header);
}

// The listener of `gw` for the request's port and host; with none, ends the
// path and returns nullptr.
const Listener* Builder::IngressListener(Vertex v, const State& s,
                                         const Gateway& gw) {
  const Listener* listener = nullptr;
  for (const Listener& l : gw.listeners)
    if (l.port == t_.to.port && !listener) listener = &l;
  if (!listener) {
    Fail(v,
         "ingress gateway " + gw.Key() + " has no listener on port " +
             std::to_string(t_.to.port),
         "");
    return nullptr;
  }
  if (!listener->hostname.empty() &&
      !HostnameMatches(listener->hostname, requests_[s.req].host)) {
    Fail(v,
         "listener " + listener->name + " of " + gw.Key() + " serves host " +
             listener->hostname + ", not " + requests_[s.req].host + " (404)",
         "");
    return nullptr;
  }
  return listener;
}

// The HTTPRoutes attached to `listener` of `gw` that the listener admits.
std::vector<const HttpRoute*> Builder::IngressRoutes(
    const Cluster& c, const Gateway& gw, const Listener& listener) const {
  std::vector<const HttpRoute*> routes;
  for (const HttpRoute& r : c.routes) {
    for (const ParentRef& p : r.parents) {
      if (p.kind != "Gateway" || p.ns != gw.ns || p.name != gw.name) continue;
      if (!p.section_name.empty() && p.section_name != listener.name) continue;
      if (p.port != 0 && p.port != listener.port) continue;
      bool admitted = r.ns == gw.ns || listener.allowed_from == "All";
      if (listener.allowed_from == "Selector") {
        Labels nl = c.NamespaceLabels(r.ns);
        nl["kubernetes.io/metadata.name"] = r.ns;
        admitted = SelectorMatches(listener.allowed_selector, nl);
      }
      if (admitted) routes.push_back(&r);
      break;
    }
  }
  return routes;
}

// One backend of the ingress route: through the service's waypoint when the
// ingress uses it, else straight to the endpoints (§5).
void Builder::IngressBackend(Vertex v, const State& s, State out,
                             const Backend& be, const std::string& why,
                             int route, const std::string& header) {
  const Cluster& c = mesh_.clusters[s.cluster];
  const Service& bs = S(be.cluster, be.svc);
  out.dst_ip = bs.vips.empty() ? "" : bs.vips.front();
  out.svc_cluster = be.cluster;
  out.svc = be.svc;
  Binding bind = ServiceWaypoint(mesh_, c, bs);
  std::string iwhy;
  const bool use = IngressUsesWaypoint(mesh_, c, bs, bind, &iwhy);
  std::string bwhy =
      why + "; backend " + SvcName(be.cluster, be.svc) + "; " + iwhy;
  if (use && bind.waypoint->class_name == "gloo-waypoint")
    bwhy +=
        "; note: istio.io/ingress-use-waypoint is not supported with Gloo "
        "Gateway "
        "waypoints (§15)";
  if (use) {
    ToWaypointReplicas(
        v, out, s.cluster, WaypointReplicas(s.cluster, *bind.waypoint, s.wl),
        *bind.waypoint, be.cluster, be.svc, -1, -1, be.port, header,
        "waypoint " + bind.waypoint->Key() +
            " has no healthy pods: the ingress fails closed (§3.6)",
        bwhy, be.share, route);
    return;
  }
  if (bind.status == BindingStatus::kAccepted)
    bwhy += " (waypoint " + bind.waypoint->Key() + " is bypassed, K3)";
  const bool remote =
      multi_network_ && Version(s.cluster).AtLeast(1, 30) &&
      mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_INGRESS", false);
  ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                     remote, header, bwhy, false, be.share, route);
}

// ---- east-west gateway ------------------------------------------------------
void Builder::EastWestHop(Vertex v, const State& s) {
  // §7.2: the E/W gateway routes by the inner hostname in its own cluster.
  const Cluster& b = mesh_.clusters[s.cluster];
  const Service& orig = S(s.svc_cluster, s.svc);
  const Service* svc = b.FindService(orig.Key());
  if (!svc) {
    Fail(v,
         SvcName(s.svc_cluster, s.svc) + " does not exist in cluster " + b.name,
         "");
    return;
  }
  const int si = static_cast<int>(b.service_by_key.at(svc->Key()));
  Binding bind = ServiceWaypoint(mesh_, b, *svc);
  const IstioVersion ver = Version(s.cluster);
  bool to_waypoint = false;
  std::string why;
  if (bind.status == BindingStatus::kAccepted) {
    if (!ver.AtLeast(1, 28)) {
      to_waypoint = true;
      why =
          "before 1.28 the east-west gateway always routes to the service's "
          "waypoint in its "
          "cluster (§7.2)";
    } else if (s.header == "waypoint") {
      why =
          "x-istio-source: waypoint: the request already passed a waypoint, "
          "so " +
          b.name + "'s waypoint " + bind.waypoint->Key() + " is skipped (§7.2)";
    } else if (s.header == "gateway") {
      std::string iwhy;
      to_waypoint = ver.AtLeast(1, 31) &&
                    IngressUsesWaypoint(mesh_, b, *svc, bind, &iwhy);
      why = "x-istio-source: gateway: " + iwhy;
    } else {
      to_waypoint = true;
      why = "in cluster " + b.name + ", " + bind.why;
    }
  } else {
    why = "in cluster " + b.name + ", " +
          (bind.status == BindingStatus::kNone
               ? SvcName(s.cluster, si) + " has no waypoint"
               : bind.why);
  }
  State out = s;
  out.svc_cluster = s.cluster;
  out.svc = si;
  if (to_waypoint) {
    std::vector<EpRef> reps;
    for (int wi : ReadyPods(b, bind.waypoint->Key()))
      reps.push_back({s.cluster, wi});
    ToWaypointReplicas(v, out, s.cluster, reps, *bind.waypoint, s.cluster, si,
                       -1, -1, s.port, "",
                       "waypoint " + bind.waypoint->Key() + " in cluster " +
                           b.name + " has no healthy pods (fail closed, §3.6)",
                       why);
    return;
  }
  ToServiceEndpoints(v, out, s.cluster, -1, s.cluster, si, s.port, false, "",
                     why, true);
}

}  // namespace dataplane
}  // namespace meshsim
