// The proxies between client and destination: waypoints (§3.7), ingress
// gateways (§5) and east-west gateways (§7.2), how a request reaches their
// replicas, and the routes they apply (§9).
#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"
#include "model/network_policy.h"
#include "model/peering.h"
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
                                             int client_wl, const Service* svc,
                                             bool closest) const {
  std::vector<EpRef> out;
  if (svc && svc->peered && svc->peered->global_waypoint == wp.Key()) {
    // §15.2: the peered copy of a global waypoint: its pods in this
    // cluster and in flat peers where a peered service uses it.
    for (int wc : svc->peered->waypoint_clusters)
      for (int wi : ReadyPods(mesh_.clusters[wc], wp.Key()))
        out.push_back({wc, wi});
    // Solo's peered copy keeps the closest for every client: its code is
    // not public, so the community endpoint builder's reading is not
    // assumed for it.
    return PreferClose(out, ci, client_wl);
  }
  for (int wi : ReadyPods(mesh_.clusters[ci], wp.Key()))
    out.push_back({ci, wi});
  if (out.empty() && multicluster_ && !peering_ &&
      WaypointServiceGlobal(mesh_, mesh_.clusters[ci], wp)) {
    for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
      if (static_cast<int>(oi) == ci) continue;
      for (int wi : ReadyPods(mesh_.clusters[oi], wp.Key()))
        out.push_back({static_cast<int>(oi), wi});
    }
  }
  if (!closest) return out;
  const std::string td = WaypointDistribution(ci, wp);
  return td == "Any" ? out : PreferClose(out, ci, client_wl, td);
}

std::vector<EpRef> Builder::EastWestFor(const std::string& network, int owner,
                                        int from) const {
  // §7.1: the sending proxy's istiod decides (its cluster's release).
  const IstioVersion reader =
      from >= 0 ? mesh_.clusters[from].VersionOr(mesh_.istio.version)
                : mesh_.istio.version;
  for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
    if (peering_ && static_cast<int>(oi) != owner) continue;
    const Cluster& o = mesh_.clusters[oi];
    std::vector<EpRef> out;
    for (const auto& [key, gw] : o.gateways) {
      // §7.1: only a Gateway istiod takes as its network's gateway.
      if (!IsNetworkGateway(mesh_.istio, gw, reader) || gw.network != network)
        continue;
      for (int wi : ReadyPods(o, key))
        out.push_back({static_cast<int>(oi), wi});
    }
    if (!out.empty()) return out;
  }
  return {};
}

void Builder::ToEastWest(Vertex from, const State& base, int svc_cluster,
                         int svc, int port, const std::string& network,
                         int owner, const std::string& header,
                         const std::string& why, double share, int route) {
  std::vector<EpRef> ew = EastWestFor(network, owner, base.cluster);
  if (ew.empty()) {
    Fail(from,
         peering_ ? "cluster " + mesh_.clusters[owner].name +
                        " has no ready east-west gateway: its endpoints are "
                        "not reachable from network " +
                        mesh_.clusters[base.cluster].network + " (§15.2)"
                  : "no east-west gateway serves network " + network +
                        ": cross-network traffic is never sent without one "
                        "(§7.2); declare a Gateway of class istio-east-west "
                        "in istio-system labelled topology.istio.io/network=" +
                        network + " (docs/scenario-format.md)",
         why, share);
    return;
  }
  for (const EpRef& e : ew) {
    // §4.6: double HBONE reaches the gateway pod on 15008.
    if (!NetworkPolicyPasses(from, base, e, kHboneInboundPort, why,
                             share / ew.size(), route))
      continue;
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
    s.forwarded_network = peering_;
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
  if (rw.network != mesh_.clusters[ci].network ||
      (!flat_ && replica.cluster != ci)) {
    // §7.2: a remote replica is reached through that network's east-west
    // gateway, which routes by the inner service hostname.
    ToEastWest(from, base, svc_cluster, svc, port, rw.network, replica.cluster,
               header,
               why + "; no local replica of waypoint " + wp.Key() +
                   ", so a replica in network " + rw.network + " is used",
               share, route);
    return;
  }
  // §4.6: HBONE reaches the waypoint pod on 15008.
  if (!NetworkPolicyPasses(from, base, replica, kHboneInboundPort, why, share,
                           route))
    return;
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

// §2.1: whether ingress pod `r` is captured so that its ztunnel takes HBONE
// for it: its Gateway asks for ambient, or, as istio-cni's enablement
// selector reads it, its namespace is ambient and it does not opt out (the
// ingress template sets no dataplane-mode).
bool Builder::SandwichCaptured(const EpRef& r) const {
  const Workload& p = W(r.cluster, r.wl);
  if (p.capture == Capture::kAmbient) return true;
  const std::string* pod_mode = FindLabel(p.labels, kLabelDataplaneMode);
  const std::string* ns_mode = FindLabel(
      mesh_.clusters[r.cluster].NamespaceLabels(p.ns), kLabelDataplaneMode);
  return ns_mode && *ns_mode == "ambient" && !(pod_mode && *pod_mode == "none");
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
  std::vector<EpRef> hbone = replicas;
  if (wp.role == GatewayRole::kIngress) {
    // §2.1: an ingress named as a waypoint takes HBONE only through the
    // ztunnel of an ambient-captured pod (a sandwich); it has no 15008
    // listener of its own.
    hbone.clear();
    for (const EpRef& r : replicas)
      if (SandwichCaptured(r)) hbone.push_back(r);
    if (hbone.empty() && !replicas.empty()) {
      Fail(from,
           "waypoint " + wp.Key() + " is a Gateway of class " + wp.class_name +
               " whose pods ambient does not capture: an ingress has no HBONE "
               "listener (15008) of its own, so the connection fails (§2.1)",
           why, share);
      return;
    }
  }
  // §2.1 (ztunnel state.rs fetch_waypoint): a waypoint whose Gateway has
  // no listener on 15008 has no such port on its Service: ztunnel finds no
  // waypoint endpoint (UnknownWaypoint) and the connection fails. So too
  // for a captured ingress Gateway used as a waypoint (Istio's sandwich
  // test gives it a "fake-hbone-port" 15008 for this).
  if (!wp.ListensOn15008() && !hbone.empty()) {
    Fail(from,
         "waypoint " + wp.Key() +
             " has no listener on port 15008, so its Service has no such "
             "port: ztunnel finds no waypoint endpoint (UnknownWaypoint) and "
             "the connection fails (§2.1)",
         why, share);
    return;
  }
  if (hbone.empty()) {
    Fail(from, no_replica, why, share);
    return;
  }
  const std::vector<EpRef>& replicas_ok = hbone;
  for (const EpRef& r : replicas_ok)
    ToWaypoint(from, base, ci, r, wp, svc_cluster, svc, target_cluster,
               target_wl, port, header, why, share / replicas_ok.size(), route);
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

// Mesh routes attached to service (ci, si): parent Service/ServiceEntry.
// §9: a route parented to an istio-waypoint Gateway attaches to nothing
// (supportedKinds []; gateway_collection.go); other waypoint classes
// (gloo-waypoint, agentgateway) take them when the Service has none.
std::vector<const HttpRoute*> Builder::MeshRoutes(
    int ci, int si, int port, const Gateway* waypoint) const {
  const Service& s = S(ci, si);
  std::vector<const HttpRoute*> routes =
      RoutesFor(ci, s.kind, s.ns, s.name, port);
  if (routes.empty() && waypoint && WaypointTakesRoutes(*waypoint))
    routes = RoutesFor(ci, "Gateway", waypoint->ns, waypoint->name, 0);
  return routes;
}

// The routes a waypoint applies to service (ci, si): its VirtualServices
// and GAMMA HTTPRoutes, in the order of §16.2.
std::vector<const HttpRoute*> Builder::WaypointRoutes(int ci, int si, int port,
                                                      const Gateway* wp,
                                                      bool tcp) const {
  std::vector<const HttpRoute*> gamma = MeshRoutes(ci, si, port, wp);
  if (!wp) return gamma;
  return VirtualServicesAtWaypoint(mesh_.clusters[ci], *wp, S(ci, si), gamma,
                                   Version(ci), port, tcp);
}

namespace {

std::string FormatLabels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels)
    out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

std::string Percent(double p) {
  std::string t = std::to_string(p);
  t.erase(t.find_last_not_of('0') + 1);
  if (!t.empty() && t.back() == '.') t.pop_back();
  return t;
}

}  // namespace

// Applies `routes` for the request in state `s`. On success fills the
// backends (with their shares), the route index and the request after
// filters; otherwise ends the path (404, redirect, missing backend) and
// returns false. With no route attached, the default backend is `dflt`.
bool Builder::Route(Vertex from, const State& s,
                    const std::vector<const HttpRoute*>& routes,
                    int dflt_cluster, int dflt_svc, int port,
                    const std::string& where, std::vector<Backend>* backends,
                    int* route_id, int* req_id, std::string* why,
                    const RouteContext& ctx) {
  *route_id = -1;
  *req_id = s.req;
  const RoutedRequest& req = requests_[s.req];
  RouteContext rctx = ctx;
  if (!rctx.port) rctx.port = port;
  RouteChoice rc = SelectRoute(routes, req, rctx);
  if (!rc.matched) {
    if (rc.any_route && req.http) {
      std::set<std::string> kinds;  // of the routes here, named in order
      for (const HttpRoute* r : routes) kinds.insert(r->kind);
      std::string named;
      for (const char* k : {"VirtualService", "HTTPRoute", "GRPCRoute"})
        if (kinds.count(k))
          named += (named.empty() ? "" : " and ") + std::string(k) + "s";
      if (named.empty()) named = "routes";
      Fail(from,
           "no rule of the " + named + " at " + where + " matches " +
               req.http->method + " " + req.http->path + " (404)",
           *why);
      return false;
    }
    if (dflt_svc < 0 && !req.http) {
      Fail(from,
           "no route at " + where + " takes the TCP connection to " + req.host +
               " (TCPRoute, TLSRoute, a VirtualService's tcp or "
               "tls section): the listener's proxy closes it (§9, §16.3)",
           *why);
      return false;
    }
    if (dflt_svc < 0) {
      Fail(from,
           "no route at " + where + " matches host " + req.host + " (404)",
           *why);
      return false;
    }
    backends->push_back({dflt_cluster, dflt_svc, port, 1.0, ""});
    return true;
  }
  *route_id = AddRoute(rc);
  *why += (why->empty() ? "" : "; ") + RouteName(rc) + " at " + where +
          " matches" + (rc.route->IsVirtualService() ? " (§16.2)" : "");
  std::string redirect = RedirectOf(*rc.rule, req, rctx.port);
  if (!redirect.empty()) {
    // The proxy answers the client itself (Gateway API RequestRedirect).
    Vertex f = Finish(from, Outcome::kDelivered, "", *why, 1.0, *route_id);
    g_[f].redirect = redirect;
    return false;
  }
  // §16.2 (route.go ApplyDirectResponse): the proxy answers itself; an
  // error status is a failed request, any other one is delivered.
  if (rc.rule->direct_status) {
    const int st = *rc.rule->direct_status;
    const std::string answer = RouteName(rc) + " answers " +
                               std::to_string(st) +
                               " itself (directResponse, §16.2)";
    if (st >= 400) {
      Fail(from, answer, *why, 1.0, *route_id);
    } else {
      *why += "; " + answer;
      Finish(from, Outcome::kDelivered, "", *why, 1.0, *route_id);
    }
    return false;
  }
  // §16.2: an injected abort is answered by the proxy, before any backend.
  double pass = 1.0;
  if (rc.rule->fault && rc.rule->fault->abort_percent > 0) {
    const FaultInjection& fi = *rc.rule->fault;
    pass = 1.0 - fi.abort_percent / 100.0;
    Fail(from,
         RouteName(rc) + " injects a fault: the proxy answers HTTP " +
             std::to_string(fi.abort_status) + " to " +
             Percent(fi.abort_percent) + "% of requests (fault.abort, §16.2)",
         *why, 1.0 - pass, *route_id);
    if (pass <= 0) return false;
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
    // §9: Istio enforces ReferenceGrants for Gateway parents only
    // (route_collections.go: enforceRefGrant = !mesh).
    if (rctx.gateway_parent && !rc.route->IsVirtualService() &&
        b.ns != rc.route->ns &&
        !c.ReferenceGranted(rc.route->kind, rc.route->ns, b.kind, b.ns,
                            b.name)) {
      Fail(from,
           RouteName(rc) + " sends to backend " + b.ns + "/" + b.name +
               " in another namespace, and no ReferenceGrant in " + b.ns +
               " lets a " + rc.route->kind + " of namespace " + rc.route->ns +
               " refer to it (" + Refusal(rc, "500") + ", §9)",
           *why, pass * static_cast<double>(b.weight) / total);
      continue;
    }
    ResolveBackend(from, rc, b, c, ci, port,
                   pass * static_cast<double>(b.weight) / total, *why,
                   backends);
  }
  // §9: Istio 1.30 answered a rule with no backendRefs at all with 404
  // (conversion.go #59445; 1.31 went back to 500, #60787).
  if (rc.rule->backends.empty() && rc.route->kind == "HTTPRoute" &&
      Version(s.cluster).AtLeast(1, 30) && !Version(s.cluster).AtLeast(1, 31))
    Fail(from, RouteName(rc) + " has no backendRefs (404)", *why, pass);
  else if (rc.rule->backends.empty() || total == 0)
    Fail(from,
         RouteName(rc) + " has no backend with weight (" + Refusal(rc, "500") +
             ")",
         *why, pass);
  return true;
}

// §16.1: the DestinationRule a proxy in `proxy_ns` (with `proxy_labels`;
// nullptr for a waypoint) applies to backend `be`: its subset's endpoints
// and the merged traffic policy. A subset no DestinationRule defines ends
// the backend's share with 503 (Envoy has no such cluster).
std::optional<EndpointPolicy> Builder::PolicyFor(Vertex from, int proxy_cluster,
                                                 const std::string& proxy_ns,
                                                 const Labels* proxy_labels,
                                                 const Backend& be,
                                                 std::string* why, int route) {
  const Service& bs = S(be.cluster, be.svc);
  const DestinationRule* dr = DestinationRuleFor(
      mesh_, mesh_.clusters[proxy_cluster], proxy_ns, proxy_labels, bs);
  EndpointPolicy out;
  if (!dr) {
    if (be.subset.empty()) return out;
    Fail(from,
         "subset '" + be.subset + "' of " + SvcName(be.cluster, be.svc) +
             " is not defined: no DestinationRule for its host is visible "
             "in namespace " +
             proxy_ns + " (503, no cluster; §16.1)",
         *why, be.share, route);
    return std::nullopt;
  }
  out.dr = dr->Key();
  out.policy = dr->PolicyFor(be.port, be.subset);
  std::string what = "DestinationRule " + dr->Key();
  if (!be.subset.empty()) {
    const DestinationRuleSubset* sub = dr->FindSubset(be.subset);
    if (!sub) {
      Fail(from,
           what + " has no subset '" + be.subset + "' (503, no cluster; §16.1)",
           *why, be.share, route);
      return std::nullopt;
    }
    out.subset = sub->name;
    out.subset_labels = sub->labels;
    what += " subset " + sub->name + " (" + FormatLabels(sub->labels) + ")";
  }
  *why += "; " + what + " applies at this proxy (§16.1)";
  return out;
}

// ---- waypoint ---------------------------------------------------------------
void Builder::WaypointHop(Vertex v, const State& in) {
  State s = in;
  const Cluster& c = mesh_.clusters[s.cluster];
  const Gateway* wp = c.FindGateway(s.waypoint);
  // A waypoint works from its own cluster's view of the service.
  int sci = s.svc_cluster, si = s.svc;
  if (si >= 0 && sci != s.cluster) {
    if (const Service* local = PeerView(s.cluster, S(sci, si))) {
      sci = s.cluster;
      si = static_cast<int>(c.service_by_key.at(local->Key()));
    }
  }
  // §8.1, §8.3: targetRef policies, full L7, with the client's identity.
  const Service* target_svc = si >= 0 ? &S(sci, si) : nullptr;
  const bool dynamic_dns = target_svc && s.target_wl < 0 &&
                           target_svc->kind == "ServiceEntry" &&
                           target_svc->resolution == "DYNAMIC_DNS";
  // §3.4, §8.6: the filter chain the waypoint has for the service's port.
  std::string chain_note;
  if (target_svc && s.target_wl < 0 &&
      !WaypointChain(v, *target_svc, dynamic_dns, s, &chain_note))
    return;
  auto policies = wp ? PoliciesAtWaypoint(mesh_, c, *wp, target_svc)
                     : std::vector<const AuthorizationPolicy*>{};
  RequestAttributes attrs = Attributes(s, s.client, s.peer_ip);
  // §16.4: only targetRef RequestAuthentications apply at a waypoint.
  if (wp && !Authenticate(
                v, RequestAuthenticationsAtWaypoint(mesh_, c, *wp, target_svc),
                attrs, &s.token_removed))
    return;
  PolicyDecision d = Evaluate(mesh_, Version(s.cluster),
                              EnforcementPoint::kWaypoint, policies, attrs);
  if (!Enforce(v, d)) return;
  if (dynamic_dns && requests_[s.req].http) {
    // §3.4: the entry's virtual host takes only its own hosts, so that no
    // Host header steers the dynamic forward proxy elsewhere.
    // One service per host: the vhost takes only the host dialled.
    const std::string& host = requests_[s.req].host;
    if (!HostnameMatches(MatchedHost(*target_svc), host)) {
      Fail(v,
           "waypoint " + s.waypoint + " answers 404: Host " + host +
               " is not under " + MatchedHost(*target_svc) +
               ", the host of DYNAMIC_DNS ServiceEntry " + target_svc->Key() +
               " whose address was dialled: its virtual host takes only "
               "that host (§3.4)",
           "");
      return;
    }
  }
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
  std::string why = "waypoint " + s.waypoint + " routes " + SvcName(sci, si) +
                    " (§3.7)" + chain_note;
  std::vector<Backend> backends;
  int route = -1, req = s.req;
  RouteContext ctx;
  ctx.mesh_service = &S(sci, si);
  ctx.gamma_runs = true, ctx.version = Version(sci), ctx.waypoint = true;
  ctx.proxy_ns = wp ? wp->ns : "";
  if (attrs.request_principal) ctx.jwt_claims = &*attrs.jwt;  // §16.2
  // §16.2: TCP routes at a waypoint from 1.26 (#55198; before, to the service).
  const bool tcp = !requests_[s.req].http;
  if (tcp) ctx.waypoint_tcp_host = MatchedHost(S(sci, si));
  // §8.6: an HTTP port has only the HTTP chain: no TCP route there.
  if (!Route(v, s,
             tcp && (!Version(s.cluster).AtLeast(1, 26) ||
                     DeclaresHttp(S(sci, si), s.port))
                 ? std::vector<const HttpRoute*>{}
                 : WaypointRoutes(sci, si, s.port, wp, tcp),
             sci, si, s.port, "waypoint " + s.waypoint, &backends, &route, &req,
             &why, ctx))
    return;
  out.req = req;
  // §15.2: with peering, ENABLE_AMBIENT_ENVOY_MULTI_NETWORK decides, and a
  // waypoint reached with x-forwarded-network keeps to its own network.
  const bool cross_network =
      peering_
          ? !s.forwarded_network &&
                mesh_.istio.Flag("ENABLE_AMBIENT_ENVOY_MULTI_NETWORK", true)
          : Version(s.cluster).AtLeast(1, 28) &&
                mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_WAYPOINT", true);
  if (peering_ && s.forwarded_network)
    why +=
        "; it was reached with x-forwarded-network, so it sends only to "
        "endpoints on its own network (§15.2)";
  for (const Backend& be : backends) {
    if (WaypointLacksCluster(v, s, wp, route, be)) continue;
    std::string bwhy = why;
    if (be.svc != si || be.cluster != sci) {
      Binding bb = ServiceWaypoint(mesh_, mesh_.clusters[be.cluster],
                                   S(be.cluster, be.svc));
      if (bb.status == BindingStatus::kAccepted)
        bwhy += "; " + SvcName(be.cluster, be.svc) + " has its own waypoint " +
                bb.waypoint->Key() +
                ", which a waypoint never forwards to (§3.7, K11)";
    }
    // §16.1: a waypoint's inbound lookup never uses a selector DR; §16:
    // an agentgateway waypoint none at all.
    auto pol = wp && wp->agentgateway
                   ? std::optional<EndpointPolicy>(EndpointPolicy{})
                   : PolicyFor(v, s.cluster, wp ? wp->ns : "", nullptr, be,
                               &bwhy, route);
    if (!pol) continue;
    ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                       cross_network, "waypoint", bwhy, false, be.share, route,
                       &*pol);
  }
}

// ---- ingress gateway --------------------------------------------------------
void Builder::IngressHop(Vertex v, State s) {
  const Cluster& c = mesh_.clusters[s.cluster];
  const Workload& pod = c.workloads[s.wl];
  const Gateway* gwp = c.FindGateway(pod.gateway);
  // §4.6: the outside client's connection (no peer address: it came from
  // outside the cluster) meets the ingress pod's NetworkPolicies on the
  // port the pod listens on; one from inside was checked on its way in.
  if (s.peer_ip.empty() && !c.network_policies.empty()) {
    const int pod_port =
        pod.router || !gwp ? RouterPodPort(c, pod, s.port) : s.port;
    const NetworkPolicyVerdict nv =
        NetworkPolicyAllows(c, nullptr, "", pod, pod_port);
    if (!nv.allowed) {
      Fail(v, nv.Reason("outside the cluster", "pod " + pod.Key()), "");
      return;
    }
  }
  if (pod.router || !gwp) return RouterHop(v, s);
  const Gateway& gw = *gwp;
  // Envoy gateway policies: selector/namespace/global and targetRef (§8.1),
  // after its RequestAuthentications (§16.4).
  RequestAttributes attrs = Attributes(s, "", "");
  if (!Authenticate(v, RequestAuthenticationsAtProxy(mesh_, c, pod, &gw), attrs,
                    &s.token_removed))
    return;
  if (!Enforce(v,
               Evaluate(mesh_, Version(s.cluster), EnforcementPoint::kGateway,
                        PoliciesAtProxy(mesh_, c, pod, &gw), attrs)))
    return;
  const std::vector<const Listener*> listeners = IngressListeners(v, s, gw);
  if (listeners.empty()) return;
  // §9: on a port whose listeners are all TCP or TLS the ingress proxies
  // the connection (Envoy tcp_proxy, no HTTP connection manager): only
  // TCPRoutes and TLSRoutes pick the backend, a TLSRoute by the SNI (the
  // Host here), and what the client sends is not read as HTTP.
  State in = s;
  if (std::none_of(listeners.begin(), listeners.end(), [](const Listener* l) {
        return l->protocol == "HTTP" || l->protocol == "HTTPS";
      }))
    in.req = AsConnection(s.req);
  std::string why;
  std::vector<Backend> backends;
  int route = -1, req = s.req;
  RouteContext ctx;
  ctx.gateway_parent = true;
  ctx.proxy_ns = gw.ns;
  // §16.3: the port's listeners make one virtual host per domain (a route
  // hostname narrowed by the listener's); Envoy takes the most specific
  // domain matching the Host, and only its routes, ranked by the Gateway
  // API's precedence (§9).
  std::vector<IstioVirtualHost> vhosts;
  for (const Listener* listener : listeners)
    for (const HttpRoute* r : IngressRoutes(c, gw, *listener))
      for (const std::string& d : GatewayRouteDomains(*r, gw, *listener)) {
        auto it = std::find_if(vhosts.begin(), vhosts.end(),
                               [&](const auto& vh) { return vh.domain == d; });
        if (it == vhosts.end()) {
          vhosts.push_back({d, {}, {}, false});
          it = vhosts.end() - 1;
        }
        if (std::find(it->routes.begin(), it->routes.end(), r) ==
            it->routes.end())
          it->routes.push_back(r);
      }
  const IstioVirtualHost* vhost =
      VirtualHostFor(vhosts, requests_[in.req].host);
  if (!Route(v, in, vhost ? vhost->routes : std::vector<const HttpRoute*>{},
             s.cluster, -1, s.port, "ingress " + gw.Key(), &backends, &route,
             &req, &why, ctx))
    return;
  State out = s;
  out.req = Forwarded(s.req, in.req, req);
  out.client =
      Identity(s.cluster, s.wl);  // the waypoint sees the gateway (§8.1)
  out.peer = out.client;
  out.peer_ip = pod.ip;
  // K16, §7.2: `gateway` from 1.29 (1.29.4 and 1.30.1, read as their minors'
  // latest patches); §15.2: Solo's Envoy stamps it in any release.
  const std::string header = GatewaySourceHeader(Version(s.cluster)) || peering_
                                 ? "gateway"
                                 : "waypoint";
  for (const Backend& be : backends)
    IngressBackend(v, s, out, be, why, route, header);
}

// The listeners of `gw` on the request's port that serve its host; with
// none, ends the path and returns none.
std::vector<const Listener*> Builder::IngressListeners(Vertex v, const State& s,
                                                       const Gateway& gw) {
  std::vector<const Listener*> on_port, serving;
  bool unprogrammed = false;
  for (const Listener& l : gw.listeners)
    if (l.port == s.port) {
      if (l.programmed) on_port.push_back(&l);
      unprogrammed = unprogrammed || !l.programmed;
    }
  if (on_port.empty()) {
    Fail(v,
         "ingress gateway " + gw.Key() + " has no listener on port " +
             std::to_string(s.port) +
             (unprogrammed ? " that istiod programs (a certificate it may "
                             "not read, §9)"
                           : ""),
         "");
    return {};
  }
  const std::string& host = requests_[s.req].host;
  for (const Listener* l : on_port)
    if (l->hostname.empty() || HostnameMatches(l->hostname, host))
      serving.push_back(l);
  // §9: each HTTPS or TLS listener is a filter chain of its own, matched by
  // the server name (the Host): the connection takes the most specific
  // listener's chain, and only that listener's routes.
  const auto by_name = [](const Listener* l) {
    return l->protocol == "HTTPS" || l->protocol == "TLS";
  };
  size_t best = 0;
  for (const Listener* l : serving)
    if (by_name(l))
      best = std::max(best,
                      HostSpecificity(l->hostname.empty() ? "*" : l->hostname));
  serving.erase(std::remove_if(serving.begin(), serving.end(),
                               [&](const Listener* l) {
                                 return by_name(l) &&
                                        HostSpecificity(l->hostname.empty()
                                                            ? "*"
                                                            : l->hostname) <
                                            best;
                               }),
                serving.end());
  if (serving.empty()) {
    std::string names;
    for (const Listener* l : on_port)
      names += (names.empty() ? "" : ", ") + l->hostname;
    Fail(v,
         "no listener of " + gw.Key() + " on port " + std::to_string(s.port) +
             " serves host " + host + " (they serve " + names + "; 404)",
         "");
  }
  return serving;
}

// The HTTPRoutes attached to `listener` of `gw` that the listener admits.
std::vector<const HttpRoute*> Builder::IngressRoutes(
    const Cluster& c, const Gateway& gw, const Listener& listener) const {
  std::vector<const HttpRoute*> routes;
  for (const HttpRoute& r : c.routes)
    if (ListenerTakesRoute(c, gw, listener, r)) routes.push_back(&r);
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
  if (use && !be.subset.empty())
    bwhy += "; the ingress sends to the waypoint's pods, so subset '" +
            be.subset + "' is lost and the waypoint routes again (§16.2)";
  if (use) {
    // §2.6: with a canary the ingress splits requests by weight over the
    // waypoints that have pods (endpoint_builder.go
    // weightedWaypointEndpoints); with none left it fails closed.
    std::vector<std::tuple<const Gateway*, std::vector<EpRef>, double>> wps;
    const double canary = bind.canary ? bind.canary_weight / 100.0 : 0.0;
    double total = 0;
    for (const auto& [wp, weight] : {std::pair{bind.waypoint, 1.0 - canary},
                                     std::pair{bind.canary, canary}}) {
      if (!wp || weight <= 0) continue;
      // §2.1, §5: istiod builds an ingress's endpoints of a waypoint with
      // no locality load balancing (endpoint_builder.go returns them before
      // ApplyLocalityLoadBalancer): every ready replica, evenly.
      std::vector<EpRef> reps =
          WaypointReplicas(s.cluster, *wp, s.wl, &bs, /*closest=*/false);
      if (bind.canary && reps.empty()) continue;  // dropped, not failed
      wps.emplace_back(wp, std::move(reps), weight);
      total += weight;
    }
    if (wps.empty()) {
      Fail(v,
           "the weighted waypoints of " + SvcName(be.cluster, be.svc) +
               " have no healthy pods: the ingress fails closed (§2.6, §3.6)",
           bwhy, be.share);
      return;
    }
    for (const auto& [wp, reps, weight] : wps)
      ToWaypointReplicas(
          v, out, s.cluster, reps, *wp, be.cluster, be.svc, -1, -1, be.port,
          header,
          "waypoint " + wp->Key() +
              " has no healthy pods: the ingress fails closed (§3.6)",
          bwhy + (wp == bind.canary ? "; the request is sent to the canary "
                                      "waypoint by weight (§2.6)"
                                    : ""),
          be.share * weight / total, route);
    return;
  }
  if (bind.status == BindingStatus::kAccepted)
    bwhy += " (waypoint " + bind.waypoint->Key() + " is bypassed, K3)";
  const bool remote =
      multi_network_ &&
      (peering_ ? mesh_.istio.Flag("ENABLE_AMBIENT_ENVOY_MULTI_NETWORK", true)
                : Version(s.cluster).AtLeast(1, 29) &&
                      mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_INGRESS",
                                       false));
  const Workload& pod = c.workloads[s.wl];
  // §16: an agentgateway ingress reads no DestinationRule.
  const Gateway* gw = c.FindGateway(pod.gateway);
  auto pol =
      gw && gw->agentgateway
          ? std::optional<EndpointPolicy>(EndpointPolicy{})
          : PolicyFor(v, s.cluster, pod.ns, &pod.labels, be, &bwhy, route);
  if (!pol) return;
  ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                     remote, header, bwhy, false, be.share, route, &*pol);
}

// ---- east-west gateway ------------------------------------------------------
void Builder::EastWestHop(Vertex v, const State& s) {
  // §7.2: the E/W gateway routes by the inner hostname in its own cluster.
  const Cluster& b = mesh_.clusters[s.cluster];
  const Service& orig = S(s.svc_cluster, s.svc);
  const Service* svc = PeerView(s.cluster, orig);
  // §7.2 (community): the gateway's istiod merges every cluster's global
  // Services (SplitHorizonServices); without a copy of its own it serves
  // the record of a cluster on its network (the first such).
  int vc = s.cluster;
  if (!svc && !peering_)
    for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
      const Cluster& o = mesh_.clusters[oi];
      const Service* os = o.FindService(orig.Key());
      if (o.network != b.network || !os || os->kind != orig.kind ||
          !IsGlobal(static_cast<int>(oi), *os))
        continue;
      vc = static_cast<int>(oi);
      svc = os;
      break;
    }
  if (!svc) {
    Fail(v,
         SvcName(s.svc_cluster, s.svc) + " does not exist in cluster " +
             b.name +
             (peering_ ? ""
                       : " nor, as a global Service, in "
                         "another cluster of network " +
                             b.network),
         "");
    return;
  }
  const Cluster& vcl = mesh_.clusters[vc];
  const int si = static_cast<int>(vcl.service_by_key.at(svc->Key()));
  Binding bind = ServiceWaypoint(mesh_, vcl, *svc);
  const IstioVersion ver = Version(s.cluster);
  bool to_waypoint = false;
  std::string why;
  if (bind.status == BindingStatus::kAccepted) {
    if (!ver.AtLeast(1, 28) && !peering_) {
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
      // §15.2: Solo's E/W gateway reads the service's ingress opt-in
      // (SoloServiceExtension) in any release.
      to_waypoint = (GatewaySourceHeader(ver) || peering_) &&
                    IngressUsesWaypoint(mesh_, vcl, *svc, bind, &iwhy);
      why = "x-istio-source: gateway: " + iwhy;
    } else {
      to_waypoint = true;
      why = "in cluster " + vcl.name + ", " + bind.why;
    }
  } else {
    why = "in cluster " + vcl.name + ", " +
          (bind.status == BindingStatus::kNone
               ? SvcName(vc, si) + " has no waypoint"
               : bind.why);
  }
  if (vc != s.cluster)
    why = "cluster " + b.name + " has no " + SvcName(vc, si) +
          ": its gateway serves cluster " + vcl.name +
          "'s global record (§7.2); " + why;
  State out = s;
  out.svc_cluster = vc;
  out.svc = si;
  if (to_waypoint) {
    std::vector<EpRef> reps;
    if (peering_) {
      reps = SameNetwork(WaypointReplicas(s.cluster, *bind.waypoint, -1, svc),
                         b.network);
    } else {
      for (int wi : ReadyPods(vcl, bind.waypoint->Key()))
        reps.push_back({vc, wi});
    }
    ToWaypointReplicas(
        v, out, s.cluster, reps, *bind.waypoint, vc, si, -1, -1, s.port, "",
        "waypoint " + bind.waypoint->Key() + " in cluster " + vcl.name +
            " has no healthy pods (fail closed, §3.6)",
        why);
    return;
  }
  // §7.2: the endpoints on the gateway's network (its requested network
  // view), of every cluster holding a global copy; §15.2: a peered entry's
  // exporters' on this network (flat peers too).
  ToServiceEndpoints(v, out, s.cluster, -1, vc, si, s.port, false, "", why,
                     false);
}

}  // namespace dataplane
}  // namespace meshsim
