#include "sim/dataplane.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include "model/binding.h"
#include "model/labels.h"
#include "model/policy.h"
#include "sim/routing.h"

namespace meshsim {

namespace {

// What the component at a vertex does with the request next.
enum class Act {
  kSourcePod,      // the client application
  kClientZtunnel,  // the client's node ztunnel, outbound (§3)
  kClientSidecar,  // a sidecar client's own Envoy (§6)
  kWaypoint,       // a waypoint replica (§3.7)
  kIngress,        // an ingress gateway replica (§5)
  kEastWest,       // an east-west gateway replica (§7.2)
  kDstZtunnel,     // the destination node's ztunnel, inbound (§4)
  kDstSidecar,     // the destination pod's own Envoy
  kDeliver,        // the destination workload (terminal)
  kExternal,       // outside the mesh (terminal)
};

// A request held by a component.
struct State {
  Act act = Act::kSourcePod;
  int cluster = -1;  // cluster of this component
  int wl = -1;       // this component's workload (pod) index, if any
  int svc_cluster = -1;
  int svc = -1;  // addressed service, in svc_cluster's list
  int target_cluster = -1;
  int target_wl = -1;  // addressed workload (pod-IP traffic)
  int port = 0;
  int req = 0;           // index of the request variant (after filters)
  std::string header;    // x-istio-source on a double-HBONE CONNECT
  std::string waypoint;  // ns/name when this component is a waypoint
  std::string external;  // kExternal: host:port or ip:port
  std::string client;    // the original client's identity ("" = none)
  std::string peer;      // identity of the HBONE peer reaching the next hop
  std::string peer_ip;   // its address
  std::string dst_ip;    // the address the client dialled
};

struct VertexData {
  Hop hop;
  bool pseudo =
      false;  // an outcome marker or the ingress root, not a component
  bool terminal = false;
  Outcome outcome = Outcome::kDelivered;
  std::string reason;
  std::string waypoint;
  std::string redirect;
  std::optional<DeniedBy> denied_by;
};

struct EdgeData {
  std::string why;
  double share =
      1.0;         // fraction of the requests at the source taking this edge
  int route = -1;  // index into Impl::routes when a route chose this edge
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS,
                                    VertexData, EdgeData>;
using Vertex = Graph::vertex_descriptor;

constexpr size_t kMaxPathsPerEntry = 20000;

bool IsGlobalLabel(const Labels& l) {
  const std::string* v = FindLabel(l, kLabelGlobal);
  return v && *v == "true";
}

}  // namespace

struct ForwardingGraph::Impl {
  Graph graph;
  Vertex source = 0;
  bool has_loop = false;
  std::vector<PathRoute> routes;
};

ForwardingGraph::ForwardingGraph() : impl(std::make_unique<Impl>()) {}
ForwardingGraph::~ForwardingGraph() = default;
ForwardingGraph::ForwardingGraph(ForwardingGraph&&) noexcept = default;
ForwardingGraph& ForwardingGraph::operator=(ForwardingGraph&&) noexcept =
    default;
size_t ForwardingGraph::vertex_count() const {
  return boost::num_vertices(impl->graph);
}
size_t ForwardingGraph::edge_count() const {
  return boost::num_edges(impl->graph);
}
bool ForwardingGraph::HasLoop() const { return impl->has_loop; }

namespace {

struct EpRef {
  int cluster;
  int wl;
};

struct Backend {
  int cluster;
  int svc;
  int port;
  double share;
};

class Builder {
 public:
  Builder(const Mesh& mesh, const TrafficEntry& t, ForwardingGraph::Impl& impl)
      : mesh_(mesh), t_(t), g_(impl.graph), impl_(impl) {
    std::set<std::string> networks;
    for (const Cluster& c : mesh_.clusters) networks.insert(c.network);
    multi_network_ = networks.size() > 1 &&
                     mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true);
    RoutedRequest first;
    first.http = t_.http;
    if (t_.http) {
      auto h = t_.http->headers.find("host");
      if (h != t_.http->headers.end()) first.host = h->second;
    }
    if (first.host.empty()) {
      first.host = !t_.to.host.empty() ? t_.to.host
                   : !t_.to.ip.empty() ? t_.to.ip
                                       : t_.to.pod;
      if (!t_.from.ingress.empty() || (t_.to.port != 80 && t_.to.port != 443))
        first.host += ":" + std::to_string(t_.to.port);
      if (!t_.from.ingress.empty()) first.host = t_.to.host;
    }
    requests_.push_back(first);
  }

  void Build() {
    const int ci = ClusterIndex(t_.from.cluster);
    const Cluster& c = mesh_.clusters[ci];
    if (!t_.from.ingress.empty()) {
      auto pods = ReadyPods(c, t_.from.ingress);
      if (pods.empty()) {
        Hop base{HopKind::kIngress, t_.from.ingress, c.name, "", {}};
        Vertex v = AddVertex(base);
        impl_.source = v;
        Finish(v, Outcome::kFailed,
               "ingress gateway " + t_.from.ingress + " has no ready pods", "");
        return Run();
      }
      // The outside client's load balancer may pick any ingress replica.
      Vertex root = AddPseudo();
      impl_.source = root;
      for (int wi : pods) {
        State s;
        s.act = Act::kIngress;
        s.cluster = ci;
        s.wl = wi;
        s.port = t_.to.port;
        Emit(root, s,
             "request enters through ingress gateway " + t_.from.ingress,
             1.0 / pods.size());
      }
      return Run();
    }
    const Workload* src = c.WorkloadsOf(t_.from.ns, t_.from.workload).front();
    State s;
    s.act = Act::kSourcePod;
    s.cluster = ci;
    s.wl = static_cast<int>(c.workload_by_key.at(src->Key()));
    Vertex v = AddVertex(HopFor(s));
    by_key_[KeyOf(s)] = v;
    impl_.source = v;
    queue_.push_back({v, s});
    Run();
  }

  std::string self_why_;

 private:
  // ---- graph plumbing -------------------------------------------------------
  Vertex AddPseudo() {
    VertexData d;
    d.pseudo = true;
    return boost::add_vertex(d, g_);
  }

  Vertex AddVertex(const Hop& hop) {
    VertexData d;
    d.hop = hop;
    return boost::add_vertex(d, g_);
  }

  std::string KeyOf(const State& s) const {
    std::string k;
    for (int x : {static_cast<int>(s.act), s.cluster, s.wl, s.svc_cluster,
                  s.svc, s.target_cluster, s.target_wl, s.port, s.req})
      k += std::to_string(x) + "|";
    for (const std::string* x : {&s.header, &s.waypoint, &s.external, &s.client,
                                 &s.peer, &s.peer_ip, &s.dst_ip})
      k += *x + "|";
    return k;
  }

  Hop HopFor(const State& s) const {
    if (s.act == Act::kExternal)
      return Hop{HopKind::kExternal, s.external, "", "", {}};
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& w = c.workloads[s.wl];
    switch (s.act) {
      case Act::kSourcePod:
      case Act::kDeliver:
        return Hop{HopKind::kWorkload, w.Key(), c.name, w.node, {}};
      case Act::kClientZtunnel:
      case Act::kDstZtunnel:
        return Hop{HopKind::kZtunnel, w.node, c.name, "", {}};
      case Act::kClientSidecar:
      case Act::kDstSidecar:
        return Hop{HopKind::kSidecar, w.Key(), c.name, w.node, {}};
      case Act::kWaypoint:
        return Hop{HopKind::kWaypoint, s.waypoint, c.name, w.node, {}};
      case Act::kIngress:
        return Hop{HopKind::kIngress, w.gateway, c.name, w.node, {}};
      case Act::kEastWest:
        return Hop{HopKind::kEastWest, w.gateway, c.name, w.node, {}};
      default:
        return Hop{};
    }
  }

  void Emit(Vertex from, const State& s, const std::string& why,
            double share = 1.0, int route = -1) {
    const std::string key = KeyOf(s);
    auto it = by_key_.find(key);
    Vertex to;
    if (it != by_key_.end()) {
      to = it->second;
    } else {
      to = AddVertex(HopFor(s));
      by_key_[key] = to;
      if (s.act == Act::kWaypoint) g_[to].waypoint = s.waypoint;
      queue_.push_back({to, s});
    }
    auto e = boost::add_edge(from, to, g_).first;
    g_[e].why = why;
    g_[e].share = share;
    g_[e].route = route;
  }

  // Ends the request at the component of `at` (a pseudo vertex carries the
  // outcome, so the component is the last hop of the path).
  Vertex Finish(Vertex at, Outcome outcome, const std::string& reason,
                const std::string& why, double share = 1.0, int route = -1) {
    Vertex f = AddPseudo();
    g_[f].terminal = true;
    g_[f].outcome = outcome;
    g_[f].reason = reason;
    auto e = boost::add_edge(at, f, g_).first;
    g_[e].why = why;
    g_[e].share = share;
    g_[e].route = route;
    return f;
  }

  void Fail(Vertex at, const std::string& reason, const std::string& why,
            double share = 1.0, int route = -1) {
    Finish(at, Outcome::kFailed, reason, why, share, route);
  }

  void Run() {
    while (!queue_.empty()) {
      auto [v, s] = queue_.front();
      queue_.pop_front();
      Expand(v, s);
    }
  }

  int AddRoute(const RouteChoice& rc) {
    PathRoute r;
    r.name = rc.route->Key();
    r.rule = rc.rule_index;
    r.timeout = rc.rule->timeout;
    r.retries = rc.rule->retry_attempts;
    impl_.routes.push_back(r);
    return static_cast<int>(impl_.routes.size()) - 1;
  }

  int AddRequest(const RoutedRequest& r) {
    requests_.push_back(r);
    return static_cast<int>(requests_.size()) - 1;
  }

  // ---- lookups --------------------------------------------------------------
  int ClusterIndex(const std::string& name) const {
    for (size_t i = 0; i < mesh_.clusters.size(); ++i)
      if (mesh_.clusters[i].name == name) return static_cast<int>(i);
    return 0;
  }

  IstioVersion Version(int ci) const {
    return mesh_.clusters[ci].VersionOr(mesh_.istio.version);
  }

  std::vector<int> ReadyPods(const Cluster& c,
                             const std::string& gateway_key) const {
    std::vector<int> out;
    auto it = c.gateway_pods.find(gateway_key);
    if (it == c.gateway_pods.end()) return out;
    for (size_t wi : it->second)
      if (c.workloads[wi].ready) out.push_back(static_cast<int>(wi));
    return out;
  }

  const Workload& W(int ci, int wi) const {
    return mesh_.clusters[ci].workloads[wi];
  }
  const Service& S(int ci, int si) const {
    return mesh_.clusters[ci].services[si];
  }

  std::string Identity(int ci, int wi) const {
    const Workload& w = W(ci, wi);
    return SpiffePrincipal(w.ns, w.service_account);
  }

  // §7.1: a service is global through the conventional serviceScopeConfigs
  // selector (label istio.io/global=true), or when its waypoint is global.
  bool IsGlobal(int ci, const Service& s) const {
    if (IsGlobalLabel(s.labels)) return true;
    Binding b = ServiceWaypoint(mesh_, mesh_.clusters[ci], s);
    return b.waypoint && (IsGlobalLabel(b.waypoint->labels) ||
                          IsGlobalLabel(b.waypoint->infrastructure_labels));
  }

  // Endpoints of service (ci, si) as seen from cluster ci: its own pods, and
  // with multicluster the same global service's pods elsewhere (§7.2).
  std::vector<EpRef> Endpoints(int ci, int si, bool local_only) const {
    std::vector<EpRef> out;
    const Cluster& c = mesh_.clusters[ci];
    const Service& s = c.services[si];
    for (size_t wi : c.service_endpoints[si])
      if (c.workloads[wi].ready) out.push_back({ci, static_cast<int>(wi)});
    if (local_only || mesh_.clusters.size() < 2 || !IsGlobal(ci, s)) return out;
    for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
      if (static_cast<int>(oi) == ci) continue;
      const Cluster& o = mesh_.clusters[oi];
      const Service* os = o.FindService(s.Key());
      if (!os || os->kind != s.kind || !IsGlobal(static_cast<int>(oi), *os))
        continue;
      size_t osi = o.service_by_key.at(s.Key());
      for (size_t wi : o.service_endpoints[osi])
        if (o.workloads[wi].ready)
          out.push_back({static_cast<int>(oi), static_cast<int>(wi)});
    }
    return out;
  }

  // PreferClose (§2.1): keep the endpoints closest to the client node: same
  // network, then region, then zone.
  std::vector<EpRef> PreferClose(const std::vector<EpRef>& eps, int ci,
                                 int client_wl) const {
    if (eps.empty() || client_wl < 0) return eps;
    const Cluster& c = mesh_.clusters[ci];
    const Workload& cw = c.workloads[client_wl];
    const Node* cn = c.FindNode(cw.node);
    auto score = [&](const EpRef& e) {
      const Cluster& ec = mesh_.clusters[e.cluster];
      const Workload& w = ec.workloads[e.wl];
      const Node* n = ec.FindNode(w.node);
      int s = 0;
      if (w.network == cw.network) s += 4;
      if (cn && n && !cn->region.empty() && cn->region == n->region) s += 2;
      if (cn && n && !cn->zone.empty() && cn->zone == n->zone) s += 1;
      return s;
    };
    int best = -1;
    for (const EpRef& e : eps) best = std::max(best, score(e));
    std::vector<EpRef> out;
    for (const EpRef& e : eps)
      if (score(e) == best) out.push_back(e);
    return out;
  }

  // Replicas of waypoint `wp` that a client in cluster ci can reach: its own
  // cluster's ready pods, or the same-named waypoint's pods in other clusters
  // when that waypoint is global (§7.2 failover).
  std::vector<EpRef> WaypointReplicas(int ci, const Gateway& wp,
                                      int client_wl) const {
    std::vector<EpRef> out;
    for (int wi : ReadyPods(mesh_.clusters[ci], wp.Key()))
      out.push_back({ci, wi});
    if (out.empty() &&
        (IsGlobalLabel(wp.labels) || IsGlobalLabel(wp.infrastructure_labels))) {
      for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
        if (static_cast<int>(oi) == ci) continue;
        for (int wi : ReadyPods(mesh_.clusters[oi], wp.Key()))
          out.push_back({static_cast<int>(oi), wi});
      }
    }
    return PreferClose(out, ci, client_wl);
  }

  std::vector<EpRef> EastWestFor(const std::string& network) const {
    std::vector<EpRef> out;
    for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
      const Cluster& o = mesh_.clusters[oi];
      for (const auto& [key, gw] : o.gateways) {
        if (gw.role != GatewayRole::kEastWest || gw.network != network)
          continue;
        for (int wi : ReadyPods(o, key))
          out.push_back({static_cast<int>(oi), wi});
      }
    }
    return out;
  }

  std::string SvcName(int ci, int si) const {
    const Service& s = S(ci, si);
    return (s.kind == "Service" ? "service " : "ServiceEntry ") + s.Key();
  }

  // ---- hand-offs ------------------------------------------------------------
  // Deliver to a workload endpoint reached directly (HBONE to its node's
  // ztunnel when captured; its sidecar; or plain TCP).
  void ToEndpoint(Vertex from, const State& base, const EpRef& ep, int port,
                  const std::string& why, double share = 1.0, int route = -1) {
    const Workload& w = W(ep.cluster, ep.wl);
    State s = base;
    s.cluster = ep.cluster;
    s.wl = ep.wl;
    s.port = port;
    s.waypoint.clear();
    s.header.clear();
    if (w.kind == "WorkloadEntry" || w.node.empty()) {
      s.act = Act::kDeliver;
    } else if (w.capture == Capture::kAmbient) {
      s.act = Act::kDstZtunnel;
    } else if (w.capture == Capture::kSidecar) {
      s.act = Act::kDstSidecar;
    } else {
      s.act = Act::kDeliver;
    }
    Emit(from, s, why, share, route);
  }

  void ToExternal(Vertex from, const std::string& where, const std::string& why,
                  double share = 1.0, int route = -1) {
    State s;
    s.act = Act::kExternal;
    s.external = where;
    Emit(from, s, why, share, route);
  }

  void ToEastWest(Vertex from, const State& base, int svc_cluster, int svc,
                  int port, const std::string& network,
                  const std::string& header, const std::string& why,
                  double share = 1.0, int route = -1) {
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

  void ToWaypoint(Vertex from, const State& base, int ci, const EpRef& replica,
                  const Gateway& wp, int svc_cluster, int svc,
                  int target_cluster, int target_wl, int port,
                  const std::string& header, const std::string& why,
                  double share, int route = -1) {
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

  // Load-balances over a service's endpoints from a component in cluster ci;
  // remote networks are one choice each (SplitHorizonWorkload, §7.2), reached
  // through their east-west gateway. Each choice gets its share of requests.
  void ToServiceEndpoints(Vertex from, const State& base, int ci, int client_wl,
                          int svc_cluster, int svc, int port,
                          bool allow_remote_network, const std::string& header,
                          const std::string& why,
                          bool local_cluster_only = false, double share = 1.0,
                          int route = -1) {
    const Service& s = S(svc_cluster, svc);
    std::vector<EpRef> eps = Endpoints(svc_cluster, svc, local_cluster_only);
    if (!s.traffic_distribution.empty() && s.traffic_distribution != "Any")
      eps = PreferClose(eps, ci, client_wl);
    const std::string& here = mesh_.clusters[ci].network;
    std::vector<EpRef> local;
    std::map<std::string, int> remote;  // network -> endpoint count
    for (const EpRef& e : eps) {
      const std::string& net = W(e.cluster, e.wl).network;
      if (net == here) {
        local.push_back(e);
      } else if (allow_remote_network && multi_network_) {
        ++remote[net];
      }
    }
    size_t total = local.size();
    for (const auto& [net, n] : remote) total += n;
    const size_t inline_eps =
        s.kind == "ServiceEntry" ? s.inline_endpoints.size() : 0;
    total += inline_eps;
    for (const EpRef& e : local)
      ToEndpoint(from, base, e, TargetPort(s, port, e), why, share / total,
                 route);
    for (const auto& [net, n] : remote)
      ToEastWest(from, base, svc_cluster, svc, port, net, header,
                 why + "; endpoints in network " + net +
                     " are reached through its gateway",
                 share * n / total, route);
    if (s.kind == "ServiceEntry") {
      for (const Service::Endpoint& ep : s.inline_endpoints)
        ToExternal(
            from, ep.address + ":" + std::to_string(port),
            why + "; ServiceEntry " + s.Key() + " endpoint " + ep.address,
            share / total, route);
      if (total == 0 && !s.selector && s.resolution == "NONE" &&
          base.act == Act::kWaypoint && !base.dst_ip.empty() &&
          W(base.cluster, base.wl).capture == Capture::kAmbient) {
        // §3.5, K18: a captured ("sandwich") waypoint passing the request
        // through dials the original address itself; its own ztunnel captures
        // that, and no check keeps service-addressed traffic from going back
        // to the waypoint bound to the address: a loop.
        State n = base;
        n.act = Act::kClientZtunnel;
        n.waypoint.clear();
        n.header.clear();
        n.svc_cluster = svc_cluster;
        n.svc = svc;
        n.port = port;
        Emit(from, n,
             why + "; ServiceEntry " + s.Key() +
                 " passes through to the original destination, which the "
                 "captured waypoint dials itself: its ztunnel captures the "
                 "connection (§3.5, K18)",
             share, route);
        return;
      }
      if (total == 0 && !s.selector) {
        // §3.4: no endpoints: DNS resolution or passthrough to the original
        // destination.
        const std::string where =
            s.resolution == "NONE"
                ? (base.dst_ip.empty() ? s.Hostname() : base.dst_ip)
                : s.Hostname();
        ToExternal(from, where + ":" + std::to_string(port),
                   why + "; ServiceEntry " + s.Key() + " resolves " +
                       (s.resolution == "NONE"
                            ? "to the original destination (passthrough)"
                            : "by DNS to " + s.Hostname()),
                   share, route);
        return;
      }
    }
    if (total == 0)
      Fail(from,
           SvcName(svc_cluster, svc) +
               " has no healthy endpoints (NoHealthyUpstream)",
           why, share, route);
  }

  int TargetPort(const Service& s, int port, const EpRef& e) const {
    const ServicePort* sp = s.FindPort(port);
    if (!sp) return port;
    if (sp->target_port) return sp->target_port;
    if (!sp->target_port_name.empty()) {
      for (const ContainerPort& cp : W(e.cluster, e.wl).ports)
        if (cp.name == sp->target_port_name) return cp.port;
    }
    return port;
  }

  // ---- routes (§9) ----------------------------------------------------------
  std::vector<const HttpRoute*> RoutesFor(int ci,
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
  std::vector<const HttpRoute*> MeshRoutes(int ci, int si, int port,
                                           const Gateway* waypoint) const {
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
  bool Route(Vertex from, const State& s,
             const std::vector<const HttpRoute*>& routes, int dflt_cluster,
             int dflt_svc, int port, const std::string& where,
             std::vector<Backend>* backends, int* route_id, int* req_id,
             std::string* why) {
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
        Fail(
            from,
            "no HTTPRoute at " + where + " matches host " + req.host + " (404)",
            *why);
        return false;
      }
      backends->push_back({dflt_cluster, dflt_svc, port, 1.0});
      return true;
    }
    *route_id = AddRoute(rc);
    *why += (why->empty() ? "" : "; ") + std::string("HTTPRoute ") +
            rc.route->Key() + " rule " + std::to_string(rc.rule_index) +
            " at " + where + " matches";
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
             "HTTPRoute " + rc.route->Key() + " backend " + b.ns + "/" +
                 b.name + " does not exist in cluster " + c.name + " (500)",
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

  // ---- policies (§4, §8) ----------------------------------------------------
  RequestAttributes Attributes(const State& s, const std::string& principal,
                               const std::string& source_ip) const {
    RequestAttributes a;
    if (!principal.empty()) a.principal = principal;
    a.source_ip = source_ip;
    a.destination_ip = s.dst_ip;
    a.destination_port = s.port;
    const RoutedRequest& r = requests_[s.req];
    a.http = r.http.has_value();
    if (r.http) {
      a.method = r.http->method;
      a.path = r.http->path;
      a.headers = r.http->headers;
    }
    a.host = r.host;
    return a;
  }

  // Records the decision on the vertex's hop; returns false (and ends the
  // path as denied) when the request is refused.
  bool Enforce(Vertex v, const PolicyDecision& d) {
    for (const PolicyEvaluation& e : d.evaluated)
      g_[v].hop.policies.push_back(
          {e.policy, e.action, e.matched_rule, e.effect, e.note});
    if (d.allowed) return true;
    Vertex f = Finish(v, Outcome::kDenied, d.reason, "");
    g_[f].denied_by = d.denied_by;
    return false;
  }

  // ---- the components -------------------------------------------------------
  void Expand(Vertex v, const State& s) {
    switch (s.act) {
      case Act::kSourcePod:
        return SourcePod(v, s);
      case Act::kClientZtunnel:
        return ClientZtunnel(v, s);
      case Act::kClientSidecar:
        return ClientSidecar(v, s);
      case Act::kWaypoint:
        return WaypointHop(v, s);
      case Act::kIngress:
        return IngressHop(v, s);
      case Act::kEastWest:
        return EastWestHop(v, s);
      case Act::kDstZtunnel:
        return DstZtunnel(v, s);
      case Act::kDstSidecar:
        return DstSidecar(v, s);
      case Act::kDeliver:
      case Act::kExternal:
        g_[v].terminal = true;
        g_[v].outcome = Outcome::kDelivered;
        return;
    }
  }

  void Deliver(Vertex v, const State& s, const std::string& why) {
    State d = s;
    d.act = Act::kDeliver;
    Emit(v, d, why);
  }

  // §4.1, §4.4, §8.1: the destination ztunnel enforces L4 policy with the
  // identity of its HBONE peer; plaintext has none, and STRICT refuses it.
  void DstZtunnel(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& w = c.workloads[s.wl];
    if (s.peer.empty()) {
      std::string pa;
      if (PeerAuthenticationMode(mesh_, c, w, &pa) == "STRICT") {
        PolicyDecision d;
        d.allowed = false;
        d.denied_by = DeniedBy{pa, std::nullopt, "PeerAuthentication STRICT",
                               std::nullopt};
        d.reason =
            "PeerAuthentication " + pa +
            " is STRICT: the destination ztunnel refuses plaintext from an "
            "uncaptured client (§4.4)";
        Enforce(v, d);
        return;
      }
    }
    std::vector<AuthorizationPolicy> synthesized;
    auto policies = PoliciesAtZtunnel(mesh_, c, w, &synthesized);
    PolicyDecision d = Evaluate(mesh_, EnforcementPoint::kZtunnel, policies,
                                Attributes(s, s.peer, s.peer_ip));
    if (!Enforce(v, d)) return;
    Deliver(v, s, "");
  }

  void DstSidecar(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    auto policies = PoliciesAtProxy(mesh_, c, c.workloads[s.wl], nullptr);
    PolicyDecision d = Evaluate(mesh_, EnforcementPoint::kSidecar, policies,
                                Attributes(s, s.peer, s.peer_ip));
    if (!Enforce(v, d)) return;
    Deliver(v, s, "");
  }

  // What the client dialled, in the client's cluster view.
  struct Dest {
    int svc_cluster = -1, svc = -1;  // service-addressed
    int wl_cluster = -1, wl = -1;    // workload-addressed
    std::string ip;                  // unknown address, or the dialled one
    std::string why;
  };

  std::vector<Dest> ResolveDest(int ci, const Workload& src) const {
    const Cluster& c = mesh_.clusters[ci];
    std::vector<Dest> out;
    if (!t_.to.host.empty()) {
      std::vector<size_t> idx = c.ServicesForHost(t_.to.host, src.ns);
      int sci = ci;
      if (idx.empty()) {
        for (size_t oi = 0; oi < mesh_.clusters.size() && idx.empty(); ++oi) {
          for (size_t k :
               mesh_.clusters[oi].ServicesForHost(t_.to.host, src.ns)) {
            if (IsGlobal(static_cast<int>(oi),
                         mesh_.clusters[oi].services[k])) {
              idx = {k};
              sci = static_cast<int>(oi);
              break;
            }
          }
        }
      }
      if (idx.empty()) return out;
      const Service& s = S(sci, static_cast<int>(idx[0]));
      if (s.headless) {
        // §3.3: DNS gives pod IPs, so the traffic is workload-addressed.
        for (size_t wi : mesh_.clusters[sci].service_endpoints[idx[0]]) {
          if (!W(sci, static_cast<int>(wi)).ready) continue;
          Dest d;
          d.wl_cluster = sci;
          d.wl = static_cast<int>(wi);
          d.ip = W(sci, d.wl).ip;
          d.why = "service " + s.Key() +
                  " is headless: DNS returns pod IPs, so the request is "
                  "workload-addressed (§3.3)";
          out.push_back(d);
        }
        return out;
      }
      if (s.external_name) {
        Dest d;
        d.ip = t_.to.host;
        d.why = "service " + s.Key() +
                " is an ExternalName service, which ambient does not represent "
                "(§2.3): the "
                "client dials the external name";
        out.push_back(d);
        return out;
      }
      if (s.vips.empty()) {
        Dest d;
        d.ip = s.Hostname();
        d.why = "ServiceEntry " + s.Key() +
                " has no address (wildcard host or resolution NONE): the "
                "client dials the real "
                "address, which ztunnel does not know (§3.4, K9)";
        out.push_back(d);
        return out;
      }
      Dest d;
      d.svc_cluster = sci;
      d.svc = static_cast<int>(idx[0]);
      d.ip = s.vips.front();
      out.push_back(d);
      return out;
    }
    if (!t_.to.pod.empty()) {
      size_t slash = t_.to.pod.find('/');
      auto pods = c.WorkloadsOf(t_.to.pod.substr(0, slash),
                                t_.to.pod.substr(slash + 1));
      Dest d;
      d.wl_cluster = ci;
      d.wl = static_cast<int>(c.workload_by_key.at(pods.front()->Key()));
      d.ip = pods.front()->ip;
      out.push_back(d);
      return out;
    }
    // to.ip: a pod, a VIP, a ServiceEntry address, or unknown.
    for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
      const Cluster& o = mesh_.clusters[oi];
      if (o.network != c.network) continue;
      auto it = o.workload_by_ip.find(t_.to.ip);
      if (it != o.workload_by_ip.end()) {
        Dest d;
        d.wl_cluster = static_cast<int>(oi);
        d.wl = static_cast<int>(it->second);
        d.ip = t_.to.ip;
        out.push_back(d);
        return out;
      }
    }
    auto vit = c.service_by_vip.find(t_.to.ip);
    if (vit != c.service_by_vip.end()) {
      std::vector<size_t> idx = vit->second;
      // §3.4: a VIP shared by several services prefers the client's namespace.
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        return (c.services[a].ns == src.ns) > (c.services[b].ns == src.ns);
      });
      Dest d;
      d.svc_cluster = ci;
      d.svc = static_cast<int>(idx[0]);
      d.ip = t_.to.ip;
      out.push_back(d);
      return out;
    }
    for (size_t si = 0; si < c.services.size(); ++si) {
      for (const std::string& a : c.services[si].vips) {
        if (a.find('/') != std::string::npos && IpInBlock(a, t_.to.ip)) {
          Dest d;
          d.svc_cluster = ci;
          d.svc = static_cast<int>(si);
          d.ip = t_.to.ip;
          out.push_back(d);
          return out;
        }
      }
    }
    Dest d;
    d.ip = t_.to.ip;
    out.push_back(d);
    return out;
  }

  void SourcePod(Vertex v, const State& s) {
    const Workload& src = W(s.cluster, s.wl);
    std::vector<Dest> dests = ResolveDest(s.cluster, src);
    for (const Dest& d : dests) {
      State n = s;
      n.svc_cluster = d.svc_cluster;
      n.svc = d.svc;
      n.target_cluster = d.wl_cluster;
      n.target_wl = d.wl;
      n.dst_ip = d.ip;
      n.external = d.svc < 0 && d.wl < 0 ? d.ip : "";
      n.port = t_.to.port;
      n.client =
          src.capture == Capture::kUncaptured ? "" : Identity(s.cluster, s.wl);
      n.peer = n.client;
      n.peer_ip = src.ip;
      const double share = 1.0 / dests.size();
      std::string why = d.why;
      auto join = [&](const std::string& more) {
        return why.empty() ? more : why + "; " + more;
      };
      if (d.wl >= 0 && d.wl_cluster == s.cluster && d.wl == s.wl) {
        // §3.2: calls to one's own pod IP are not captured.
        g_[v].terminal = true;
        g_[v].outcome = Outcome::kDelivered;
        self_why_ = join("a pod calling its own pod IP is not captured (§3.2)");
        continue;
      }
      switch (src.capture) {
        case Capture::kAmbient:
          n.act = Act::kClientZtunnel;
          Emit(v, n,
               join(src.capture_why + ": outbound traffic is redirected to the "
                                      "node's ztunnel (§1.1)"),
               share);
          break;
        case Capture::kSidecar:
          n.act = Act::kClientSidecar;
          Emit(v, n, join(src.capture_why), share);
          break;
        case Capture::kUncaptured:
          Uncaptured(
              v, s, n,
              join(src.capture_why + ": the client is not captured and never "
                                     "reaches a waypoint (§1.2, K1)"),
              share);
          break;
      }
    }
  }

  // An uncaptured client: kube-proxy to endpoints, plaintext (§1.2, §4.4).
  void Uncaptured(Vertex v, const State& src, const State& n,
                  const std::string& why, double share) {
    if (n.svc >= 0) {
      const Service& svc = S(n.svc_cluster, n.svc);
      if (svc.kind == "ServiceEntry" || n.svc_cluster != src.cluster) {
        ToExternal(v, svc.Hostname() + ":" + std::to_string(n.port),
                   why + "; " + SvcName(n.svc_cluster, n.svc) +
                       " is known only to ztunnel, so the uncaptured client "
                       "dials the real "
                       "destination",
                   share);
        return;
      }
      ToServiceEndpoints(v, n, src.cluster, src.wl, n.svc_cluster, n.svc,
                         n.port, false, "",
                         why + "; kube-proxy picks an endpoint of " +
                             SvcName(n.svc_cluster, n.svc),
                         true, share);
      return;
    }
    if (n.target_wl >= 0) {
      ToEndpoint(v, n, {n.target_cluster, n.target_wl}, n.port, why, share);
      return;
    }
    ToExternal(v, n.external + ":" + std::to_string(n.port),
               why + "; the address is outside the mesh", share);
  }

  // §9: GAMMA routes on a service without a waypoint are not respected by
  // ambient clients.
  std::string IgnoredRoutesNote(int ci, int si) const {
    auto routes = MeshRoutes(ci, si, 0, nullptr);
    std::vector<const HttpRoute*> all;
    const Service& s = S(ci, si);
    for (const HttpRoute& r : mesh_.clusters[ci].routes)
      for (const ParentRef& p : r.parents)
        if (p.kind == s.kind && p.ns == s.ns && p.name == s.name) {
          all.push_back(&r);
          break;
        }
    if (all.empty()) return "";
    std::string names;
    for (const HttpRoute* r : all)
      names += (names.empty() ? "" : ", ") + r->Key();
    return "HTTPRoute " + names + " on " + SvcName(ci, si) +
           " is not respected: the service has no waypoint (§9)";
  }

  void ClientZtunnel(Vertex v, const State& s) {
    const Workload& src = W(s.cluster, s.wl);
    if (s.svc >= 0) {
      // §3 (A) / §3.1: service-addressed; the service waypoint wins.
      const Cluster& sc = mesh_.clusters[s.svc_cluster];
      const Service& svc = sc.services[s.svc];
      Binding b = ServiceWaypoint(mesh_, sc, svc);
      if (b.status == BindingStatus::kAccepted) {
        // §2.6: with a canary, each connection samples one of the two.
        std::vector<std::tuple<const Gateway*, std::string, double>> wps;
        const double canary = b.canary ? b.canary_weight / 100.0 : 0.0;
        if (canary < 1.0) wps.push_back({b.waypoint, b.why, 1.0 - canary});
        if (canary > 0.0)
          wps.push_back({b.canary,
                         b.why + "; the connection is sampled to the canary",
                         canary});
        for (const auto& [wp, why, share] : wps) {
          std::vector<EpRef> reps = WaypointReplicas(
              s.svc_cluster, *wp, s.svc_cluster == s.cluster ? s.wl : -1);
          if (reps.empty()) {
            Fail(v,
                 "waypoint " + wp->Key() + " bound to " +
                     SvcName(s.svc_cluster, s.svc) +
                     " has no healthy pods: ztunnel rejects the connection "
                     "(fail closed, §3.6, K17)",
                 why, share);
            continue;
          }
          for (const EpRef& r : reps)
            ToWaypoint(v, s, s.cluster, r, *wp, s.svc_cluster, s.svc, -1, -1,
                       s.port, "", why, share / reps.size());
        }
        return;
      }
      std::string why = b.status == BindingStatus::kNone
                            ? SvcName(s.svc_cluster, s.svc) + " has no waypoint"
                            : b.why;
      if (std::string note = IgnoredRoutesNote(s.svc_cluster, s.svc);
          !note.empty())
        why += "; " + note;
      // §3.1: service-addressed traffic never takes a workload waypoint (K6).
      if (svc.kind == "Service")
        why +=
            "; service-addressed traffic does not use the pods' workload "
            "waypoints (§3.1)";
      ToServiceEndpoints(v, s, s.cluster, s.wl, s.svc_cluster, s.svc, s.port,
                         true, "",
                         why + "; ztunnel load-balances over the endpoints");
      return;
    }
    if (s.target_wl >= 0) {
      const Cluster& tc = mesh_.clusters[s.target_cluster];
      const Workload& dst = tc.workloads[s.target_wl];
      if (dst.network != src.network) {
        Fail(v,
             "pod " + dst.Key() + " is on network " + dst.network +
                 ": pod IPs of other networks are not reachable (§7.2)",
             "");
        return;
      }
      // §3 (B) / §3.2: the workload waypoint, for workload-addressed traffic.
      Binding b = WorkloadWaypoint(mesh_, tc, dst);
      std::string why;
      for (size_t si = 0; si < tc.services.size(); ++si) {
        const auto& eps = tc.service_endpoints[si];
        if (std::find(eps.begin(), eps.end(),
                      static_cast<size_t>(s.target_wl)) == eps.end())
          continue;
        Binding sb = ServiceWaypoint(mesh_, tc, tc.services[si]);
        if (sb.status == BindingStatus::kAccepted) {
          why = "pod-IP traffic does not use the service waypoint " +
                sb.waypoint->Key() + " of " +
                SvcName(s.target_cluster, static_cast<int>(si)) + " (§3.2, K5)";
          break;
        }
      }
      auto join = [&](const std::string& more) {
        return why.empty() ? more : why + "; " + more;
      };
      if (b.status == BindingStatus::kAccepted) {
        if (src.gateway == b.waypoint->Key()) {
          ToEndpoint(v, s, {s.target_cluster, s.target_wl}, s.port,
                     join("the source is an instance of " + b.waypoint->Key() +
                          ": not sent through it twice (§3.5)"));
          return;
        }
        std::vector<EpRef> local;
        for (const EpRef& r :
             WaypointReplicas(s.target_cluster, *b.waypoint, -1))
          if (W(r.cluster, r.wl).network == src.network) local.push_back(r);
        local = PreferClose(local, s.cluster, s.wl);
        if (local.empty()) {
          Fail(v,
               "workload waypoint " + b.waypoint->Key() + " of pod " +
                   dst.Key() +
                   " has no healthy pods: ztunnel rejects the connection (fail "
                   "closed, §3.6)",
               join(b.why));
          return;
        }
        for (const EpRef& r : local)
          ToWaypoint(v, s, s.cluster, r, *b.waypoint, -1, -1, s.target_cluster,
                     s.target_wl, s.port, "", join(b.why), 1.0 / local.size());
        return;
      }
      ToEndpoint(v, s, {s.target_cluster, s.target_wl}, s.port,
                 join(b.status == BindingStatus::kNone
                          ? "pod " + dst.Key() + " has no workload waypoint"
                          : b.why));
      return;
    }
    ToExternal(v, s.external + ":" + std::to_string(s.port),
               "the address matches no service or workload: ztunnel passes it "
               "through (§3, K9)");
  }

  void ClientSidecar(Vertex v, const State& s) {
    const Workload& src = W(s.cluster, s.wl);
    if (s.svc >= 0) {
      const Service& svc = S(s.svc_cluster, s.svc);
      Binding b = ServiceWaypoint(mesh_, mesh_.clusters[s.svc_cluster], svc);
      const bool interop =
          mesh_.istio.Flag("ENABLE_WAYPOINT_INTEROP",
                           mesh_.istio.distribution == Distribution::kSolo);
      if (b.status == BindingStatus::kAccepted && !svc.vips.empty() &&
          interop) {
        // §15.1: the sidecar's EDS for the service is the waypoint's; with no
        // local waypoint endpoints it goes straight to the service.
        std::vector<EpRef> local;
        for (const EpRef& r :
             WaypointReplicas(s.svc_cluster, *b.waypoint, s.wl))
          if (W(r.cluster, r.wl).network == src.network) local.push_back(r);
        if (!local.empty()) {
          for (const EpRef& r : local)
            ToWaypoint(
                v, s, s.cluster, r, *b.waypoint, s.svc_cluster, s.svc, -1, -1,
                s.port, "",
                b.why +
                    "; sidecars send service traffic to the service waypoint "
                    "(ENABLE_WAYPOINT_INTEROP, §15.1)",
                1.0 / local.size());
          return;
        }
      }
      std::string why =
          b.status == BindingStatus::kAccepted
              ? "sidecar clients never send to waypoints, so waypoint " +
                    b.waypoint->Key() + " of " + SvcName(s.svc_cluster, s.svc) +
                    " is bypassed (§6, K2)"
              : "the sidecar routes to the endpoints itself (§6)";
      // §6: a sidecar applies the service's mesh routes client-side.
      std::vector<Backend> backends;
      int route = -1, req = s.req;
      if (!Route(v, s, MeshRoutes(s.svc_cluster, s.svc, s.port, nullptr),
                 s.svc_cluster, s.svc, s.port, "the client sidecar", &backends,
                 &route, &req, &why))
        return;
      State n = s;
      n.req = req;
      for (const Backend& be : backends)
        ToServiceEndpoints(v, n, s.cluster, s.wl, be.cluster, be.svc, be.port,
                           false, "", why, false, be.share, route);
      return;
    }
    if (s.target_wl >= 0) {
      Binding b = WorkloadWaypoint(mesh_, mesh_.clusters[s.target_cluster],
                                   W(s.target_cluster, s.target_wl));
      ToEndpoint(
          v, s, {s.target_cluster, s.target_wl}, s.port,
          b.status == BindingStatus::kAccepted
              ? "sidecar clients never send to waypoints: workload waypoint " +
                    b.waypoint->Key() + " is bypassed (§6, K2)"
              : "the sidecar connects to the pod directly (§6)");
      return;
    }
    ToExternal(v, s.external + ":" + std::to_string(s.port),
               "the sidecar passes the unknown address through");
  }

  void WaypointHop(Vertex v, const State& s) {
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
    PolicyDecision d = Evaluate(mesh_, EnforcementPoint::kWaypoint, policies,
                                Attributes(s, s.client, s.peer_ip));
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
          bwhy += "; " + SvcName(be.cluster, be.svc) +
                  " has its own waypoint " + bb.waypoint->Key() +
                  ", which a waypoint never forwards to (§3.7, K11)";
      }
      ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                         cross_network, "waypoint", bwhy, false, be.share,
                         route);
    }
  }

  void IngressHop(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& pod = c.workloads[s.wl];
    const Gateway& gw = *c.FindGateway(pod.gateway);
    // Envoy gateway policies: selector/namespace/global and targetRef (§8.1).
    PolicyDecision d =
        Evaluate(mesh_, EnforcementPoint::kGateway,
                 PoliciesAtProxy(mesh_, c, pod, &gw), Attributes(s, "", ""));
    if (!Enforce(v, d)) return;
    const Listener* listener = nullptr;
    for (const Listener& l : gw.listeners)
      if (l.port == t_.to.port && !listener) listener = &l;
    if (!listener) {
      Fail(v,
           "ingress gateway " + gw.Key() + " has no listener on port " +
               std::to_string(t_.to.port),
           "");
      return;
    }
    if (!listener->hostname.empty() &&
        !HostnameMatches(listener->hostname, requests_[s.req].host)) {
      Fail(v,
           "listener " + listener->name + " of " + gw.Key() + " serves host " +
               listener->hostname + ", not " + requests_[s.req].host + " (404)",
           "");
      return;
    }
    std::vector<const HttpRoute*> routes;
    for (const HttpRoute& r : c.routes) {
      for (const ParentRef& p : r.parents) {
        if (p.kind != "Gateway" || p.ns != gw.ns || p.name != gw.name) continue;
        if (!p.section_name.empty() && p.section_name != listener->name)
          continue;
        if (p.port != 0 && p.port != listener->port) continue;
        bool admitted = r.ns == gw.ns || listener->allowed_from == "All";
        if (listener->allowed_from == "Selector") {
          Labels nl = c.NamespaceLabels(r.ns);
          nl["kubernetes.io/metadata.name"] = r.ns;
          admitted = SelectorMatches(listener->allowed_selector, nl);
        }
        if (admitted) routes.push_back(&r);
        break;
      }
    }
    std::string why;
    std::vector<Backend> backends;
    int route = -1, req = s.req;
    if (!Route(v, s, routes, s.cluster, -1, t_.to.port, "ingress " + gw.Key(),
               &backends, &route, &req, &why))
      return;
    State out = s;
    out.req = req;
    out.client =
        Identity(s.cluster, s.wl);  // the waypoint sees the gateway (§8.1)
    out.peer = out.client;
    out.peer_ip = pod.ip;
    const IstioVersion ver = Version(s.cluster);
    const std::string header = ver.AtLeast(1, 31) ? "gateway" : "waypoint";
    for (const Backend& be : backends) {
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
        std::vector<EpRef> reps =
            WaypointReplicas(s.cluster, *bind.waypoint, s.wl);
        if (reps.empty()) {
          Fail(v,
               "waypoint " + bind.waypoint->Key() +
                   " has no healthy pods: the ingress fails closed (§3.6)",
               bwhy, be.share);
          continue;
        }
        for (const EpRef& r : reps)
          ToWaypoint(v, out, s.cluster, r, *bind.waypoint, be.cluster, be.svc,
                     -1, -1, be.port, header, bwhy, be.share / reps.size(),
                     route);
        continue;
      }
      if (bind.status == BindingStatus::kAccepted)
        bwhy += " (waypoint " + bind.waypoint->Key() + " is bypassed, K3)";
      const bool remote =
          multi_network_ && ver.AtLeast(1, 30) &&
          mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_INGRESS", false);
      ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                         remote, header, bwhy, false, be.share, route);
    }
  }

  void EastWestHop(Vertex v, const State& s) {
    // §7.2: the E/W gateway routes by the inner hostname in its own cluster.
    const Cluster& b = mesh_.clusters[s.cluster];
    const Service& orig = S(s.svc_cluster, s.svc);
    const Service* svc = b.FindService(orig.Key());
    if (!svc) {
      Fail(v,
           SvcName(s.svc_cluster, s.svc) + " does not exist in cluster " +
               b.name,
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
            b.name + "'s waypoint " + bind.waypoint->Key() +
            " is skipped (§7.2)";
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
      if (reps.empty()) {
        Fail(v,
             "waypoint " + bind.waypoint->Key() + " in cluster " + b.name +
                 " has no healthy pods (fail closed, §3.6)",
             why);
        return;
      }
      for (const EpRef& r : reps)
        ToWaypoint(v, out, s.cluster, r, *bind.waypoint, s.cluster, si, -1, -1,
                   s.port, "", why, 1.0 / reps.size());
      return;
    }
    ToServiceEndpoints(v, out, s.cluster, -1, s.cluster, si, s.port, false, "",
                       why, true);
  }

  const Mesh& mesh_;
  const TrafficEntry& t_;
  Graph& g_;
  ForwardingGraph::Impl& impl_;
  bool multi_network_ = false;
  std::map<std::string, Vertex> by_key_;
  std::deque<std::pair<Vertex, State>> queue_;
  std::vector<RoutedRequest> requests_;
};

struct BackEdgeFinder : boost::default_dfs_visitor {
  bool* found;
  explicit BackEdgeFinder(bool* f) : found(f) {}
  void back_edge(Graph::edge_descriptor, const Graph&) const { *found = true; }
};

}  // namespace

ForwardingGraph BuildForwardingGraph(const Mesh& mesh,
                                     const TrafficEntry& entry) {
  ForwardingGraph fg;
  Builder b(mesh, entry, *fg.impl);
  b.Build();
  if (!b.self_why_.empty())
    fg.impl->graph[fg.impl->source].reason = b.self_why_;
  bool loop = false;
  boost::depth_first_search(fg.impl->graph,
                            boost::visitor(BackEdgeFinder(&loop)));
  fg.impl->has_loop = loop;
  return fg;
}

namespace {

struct Walker {
  const ForwardingGraph::Impl& impl;
  const Graph& g;
  std::vector<Path> out;
  std::vector<Vertex> stack;
  std::vector<Graph::edge_descriptor> edges;
  bool truncated = false;

  Path Current() const {
    Path p;
    for (Vertex x : stack) {
      const VertexData& d = g[x];
      if (d.pseudo) continue;
      if (!p.hops.empty() && p.hops.back() == d.hop) {
        // One ztunnel handling both sides on a node: merge its policies.
        for (const HopPolicy& hp : d.hop.policies)
          p.hops.back().policies.push_back(hp);
        continue;
      }
      p.hops.push_back(d.hop);
      if (!d.waypoint.empty()) p.waypoints.push_back(d.waypoint);
    }
    for (const auto& e : edges) {
      p.weight *= g[e].share;
      const std::string& w = g[e].why;
      if (!w.empty() && std::find(p.why.begin(), p.why.end(), w) == p.why.end())
        p.why.push_back(w);
      if (g[e].route >= 0) {
        p.routes.push_back(impl.routes[g[e].route]);
        p.route = impl.routes[g[e].route];
      }
    }
    return p;
  }

  void Walk(Vertex v) {
    if (out.size() >= kMaxPathsPerEntry) {
      truncated = true;
      return;
    }
    stack.push_back(v);
    auto [ei, ee] = boost::out_edges(v, g);
    if (ei == ee) {
      Path p = Current();
      const VertexData& last = g[v];
      p.outcome = last.terminal ? last.outcome : Outcome::kFailed;
      p.redirect = last.redirect;
      if (p.outcome != Outcome::kDelivered)
        p.reason = last.reason.empty() ? "request dropped" : last.reason;
      if (last.denied_by) {
        p.denied_by = PathDenial{last.denied_by->policy, last.denied_by->rule,
                                 last.denied_by->action,
                                 static_cast<int>(p.hops.size()) - 1,
                                 last.denied_by->principal};
      }
      if (stack.size() == 1 && !last.reason.empty() &&
          p.outcome == Outcome::kDelivered) {
        p.why.push_back(last.reason);
        p.reason.clear();
      }
      out.push_back(std::move(p));
    }
    for (; ei != ee; ++ei) {
      Vertex t = boost::target(*ei, g);
      if (std::find(stack.begin(), stack.end(), t) != stack.end()) {
        edges.push_back(*ei);
        Path p = Current();
        edges.pop_back();
        p.hops.push_back(g[t].hop);
        p.outcome = Outcome::kFailed;
        p.reason = "loop: the request returns to " +
                   std::string(HopKindName(g[t].hop.kind)) + " " +
                   g[t].hop.name + " (§3.5, K18)";
        out.push_back(std::move(p));
        continue;
      }
      edges.push_back(*ei);
      Walk(t);
      edges.pop_back();
    }
    stack.pop_back();
  }
};

std::string PathKey(const Path& p) {
  std::string key;
  for (const Hop& h : p.hops)
    key += std::string(HopKindName(h.kind)) + "|" + h.name + "|" + h.cluster +
           "|" + h.node + ";";
  key +=
      std::string(OutcomeName(p.outcome)) + "|" + p.reason + "|" + p.redirect;
  if (p.route) key += "|" + p.route->name + "#" + std::to_string(p.route->rule);
  return key;
}

}  // namespace

std::vector<Path> EnumeratePaths(const ForwardingGraph& fg) {
  if (boost::num_vertices(fg.impl->graph) == 0) return {};
  Walker w{*fg.impl, fg.impl->graph, {}, {}, {}, false};
  w.Walk(fg.impl->source);
  // Distinct paths only: different choices can end in the same hop list;
  // their shares add up.
  std::vector<Path> unique;
  std::map<std::string, size_t> seen;
  for (Path& p : w.out) {
    auto [it, fresh] = seen.emplace(PathKey(p), unique.size());
    if (fresh) {
      unique.push_back(std::move(p));
    } else {
      unique[it->second].weight += p.weight;
    }
  }
  return unique;
}

PathsResult ResolvePaths(const Scenario& scenario) {
  PathsResult r;
  r.scenario = scenario.mesh.name;
  for (const TrafficEntry& t : scenario.traffic) {
    ForwardingGraph g = BuildForwardingGraph(scenario.mesh, t);
    r.traffic.push_back({t.name, EnumeratePaths(g)});
  }
  return r;
}

}  // namespace meshsim
