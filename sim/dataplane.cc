#include "sim/dataplane.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <deque>
#include <map>
#include <regex>
#include <set>

#include "model/binding.h"
#include "model/labels.h"

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
  kFail,           // the previous component failed the request (terminal)
};

struct State {
  Act act = Act::kSourcePod;
  int cluster = -1;  // cluster of this component
  int wl = -1;       // this component's workload (pod) index, if any
  int svc_cluster = -1;
  int svc = -1;        // addressed service, in svc_cluster's list
  int target_wl = -1;  // addressed workload (pod-IP traffic), in `cluster`
  int target_cluster = -1;
  int port = 0;
  std::string header;    // x-istio-source carried on a double-HBONE CONNECT
  std::string waypoint;  // ns/name when this component is a waypoint
  std::string reason;    // kFail
  std::string external;  // kExternal: host:port or ip:port
};

struct VertexData {
  Hop hop;
  bool pseudo = false;  // a failure marker, not a component
  bool terminal = false;
  Outcome outcome = Outcome::kDelivered;
  std::string reason;
  std::string waypoint;
};

struct EdgeData {
  std::string why;
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
  int weight;
};

// Gateway API route matching (HTTPRoute), used at ingress gateways, waypoints
// and sidecar clients (§9).
bool PathMatches(const HttpMatch& m, const std::string& path) {
  if (m.path_type.empty()) return true;
  std::string p = path.substr(0, path.find('?'));
  if (m.path_type == "Exact") return p == m.path_value;
  if (m.path_type == "RegularExpression") {
    try {
      return std::regex_match(p, std::regex(m.path_value));
    } catch (const std::regex_error&) {
      return false;
    }
  }
  // PathPrefix matches whole path elements: /foo matches /foo and /foo/bar.
  std::string v = m.path_value;
  while (v.size() > 1 && v.back() == '/') v.pop_back();
  if (v == "/") return true;
  return p == v || (p.size() > v.size() && p.compare(0, v.size(), v) == 0 &&
                    p[v.size()] == '/');
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

bool ValueMatches(const HttpMatch::Header& h, const std::string& v) {
  if (h.type == "RegularExpression") {
    try {
      return std::regex_match(v, std::regex(h.value));
    } catch (const std::regex_error&) {
      return false;
    }
  }
  return v == h.value;
}

std::map<std::string, std::string> QueryParams(const std::string& path) {
  std::map<std::string, std::string> out;
  size_t q = path.find('?');
  if (q == std::string::npos) return out;
  std::string rest = path.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t amp = rest.find('&', start);
    std::string kv = rest.substr(
        start, amp == std::string::npos ? std::string::npos : amp - start);
    size_t eq = kv.find('=');
    if (!kv.empty())
      out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

bool MatchApplies(const HttpMatch& m, const HttpRequest& req) {
  if (!PathMatches(m, req.path)) return false;
  if (!m.method.empty() && m.method != req.method) return false;
  for (const auto& h : m.headers) {
    auto it = req.headers.find(Lower(h.name));
    if (it == req.headers.end() || !ValueMatches(h, it->second)) return false;
  }
  auto q = QueryParams(req.path);
  for (const auto& h : m.query_params) {
    auto it = q.find(h.name);
    if (it == q.end() || !ValueMatches(h, it->second)) return false;
  }
  return true;
}

bool HostnameMatches(const std::string& pattern, const std::string& host) {
  std::string h = host.substr(0, host.find(':'));
  if (pattern.size() > 1 && pattern[0] == '*')
    return h.size() > pattern.size() - 1 &&
           h.compare(h.size() - (pattern.size() - 1), pattern.size() - 1,
                     pattern.substr(1)) == 0;
  return pattern == h;
}

struct RouteChoice {
  bool any_route = false;  // some route is attached
  bool matched = false;
  const HttpRoute* route = nullptr;
  size_t rule = 0;
  std::vector<BackendRef> backends;
};

// Picks the rule that Gateway API precedence selects: exact path, then the
// longest prefix, then method, then most header matches, then most query
// matches, then the oldest route, then ns/name, then rule order.
RouteChoice SelectRoute(const std::vector<const HttpRoute*>& routes,
                        const std::optional<HttpRequest>& req,
                        const std::string& host) {
  RouteChoice out;
  std::vector<const HttpRoute*> sorted = routes;
  std::sort(sorted.begin(), sorted.end(),
            [](const HttpRoute* a, const HttpRoute* b) {
              if (a->creation_timestamp != b->creation_timestamp)
                return a->creation_timestamp < b->creation_timestamp;
              return a->Key() < b->Key();
            });
  using Score = std::tuple<int, int, int, int, int>;
  std::optional<Score> best;
  for (const HttpRoute* r : sorted) {
    if (!host.empty() && !r->hostnames.empty()) {
      bool ok = false;
      for (const std::string& h : r->hostnames)
        ok = ok || HostnameMatches(h, host);
      if (!ok) continue;
    }
    out.any_route = true;
    for (size_t i = 0; i < r->rules.size(); ++i) {
      const HttpRouteRule& rule = r->rules[i];
      std::vector<HttpMatch> matches = rule.matches;
      if (matches.empty() || r->kind != "HTTPRoute") {
        HttpMatch all;
        all.path_type = "PathPrefix";
        all.path_value = "/";
        matches = {all};
      }
      for (const HttpMatch& m : matches) {
        if (r->kind == "HTTPRoute") {
          if (!req) {
            // An HTTPRoute does not apply to plain TCP; only its catch-all
            // is meaningful for TCP routing decisions.
            continue;
          }
          if (!MatchApplies(m, *req)) continue;
        }
        int path_rank = m.path_type == "Exact"               ? 3
                        : m.path_type == "PathPrefix"        ? 2
                        : m.path_type == "RegularExpression" ? 1
                                                             : 0;
        Score s{path_rank, static_cast<int>(m.path_value.size()),
                m.method.empty() ? 0 : 1, static_cast<int>(m.headers.size()),
                static_cast<int>(m.query_params.size())};
        if (!best || s > *best) {
          best = s;
          out.matched = true;
          out.route = r;
          out.rule = i;
          out.backends = rule.backends;
        }
      }
    }
  }
  return out;
}

class Builder {
 public:
  Builder(const Mesh& mesh, const TrafficEntry& t, ForwardingGraph::Impl& impl)
      : mesh_(mesh), t_(t), g_(impl.graph), impl_(impl) {
    std::set<std::string> networks;
    for (const Cluster& c : mesh_.clusters) networks.insert(c.network);
    multi_network_ = networks.size() > 1 &&
                     mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true);
  }

  void Build() {
    const int ci = ClusterIndex(t_.from.cluster);
    const Cluster& c = mesh_.clusters[ci];
    if (!t_.from.ingress.empty()) {
      auto pods = ReadyPods(c, t_.from.ingress);
      Hop base{HopKind::kIngress, t_.from.ingress, c.name, ""};
      if (pods.empty()) {
        Vertex v = Add(base, KeyOf(base, "src"));
        impl_.source = v;
        Fail(v, "ingress gateway " + t_.from.ingress + " has no ready pods",
             "");
        return Run();
      }
      // The outside client's load balancer may pick any ingress replica;
      // give each its own path. A virtual root ties them together.
      Vertex root = AddPseudoRoot();
      impl_.source = root;
      for (int wi : pods) {
        State s;
        s.act = Act::kIngress;
        s.cluster = ci;
        s.wl = wi;
        s.port = t_.to.port;
        Emit(root, s,
             "request enters through ingress gateway " + t_.from.ingress);
      }
      return Run();
    }
    const Workload* src = c.WorkloadsOf(t_.from.ns, t_.from.workload).front();
    State s;
    s.act = Act::kSourcePod;
    s.cluster = ci;
    s.wl = static_cast<int>(c.workload_by_key.at(src->Key()));
    Vertex v = Add(HopFor(s), KeyOf(s));
    impl_.source = v;
    queue_.push_back({v, s});
    Run();
  }

 private:
  // ---- graph plumbing -------------------------------------------------------
  Vertex AddPseudoRoot() {
    VertexData d;
    d.pseudo = true;
    return boost::add_vertex(d, g_);
  }

  Vertex Add(const Hop& hop, const std::string& key) {
    VertexData d;
    d.hop = hop;
    Vertex v = boost::add_vertex(d, g_);
    by_key_[key] = v;
    return v;
  }

  static std::string KeyOf(const Hop& h, const std::string& extra) {
    return std::string(HopKindName(h.kind)) + "|" + h.name + "|" + h.cluster +
           "|" + h.node + "|" + extra;
  }

  std::string KeyOf(const State& s) const {
    return std::to_string(static_cast<int>(s.act)) + "|" +
           std::to_string(s.cluster) + "|" + std::to_string(s.wl) + "|" +
           std::to_string(s.svc_cluster) + "|" + std::to_string(s.svc) + "|" +
           std::to_string(s.target_cluster) + "|" +
           std::to_string(s.target_wl) + "|" + std::to_string(s.port) + "|" +
           s.header + "|" + s.waypoint + "|" + s.reason + "|" + s.external;
  }

  Hop HopFor(const State& s) const {
    if (s.act == Act::kExternal)
      return Hop{HopKind::kExternal, s.external, "", ""};
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& w = c.workloads[s.wl];
    switch (s.act) {
      case Act::kSourcePod:
      case Act::kDeliver:
        return Hop{HopKind::kWorkload, w.Key(), c.name, w.node};
      case Act::kClientZtunnel:
      case Act::kDstZtunnel:
        return Hop{HopKind::kZtunnel, w.node, c.name, ""};
      case Act::kClientSidecar:
      case Act::kDstSidecar:
        return Hop{HopKind::kSidecar, w.Key(), c.name, w.node};
      case Act::kWaypoint:
        return Hop{HopKind::kWaypoint, s.waypoint, c.name, w.node};
      case Act::kIngress:
        return Hop{HopKind::kIngress, w.gateway, c.name, w.node};
      case Act::kEastWest:
        return Hop{HopKind::kEastWest, w.gateway, c.name, w.node};
      default:
        return Hop{};
    }
  }

  void Emit(Vertex from, const State& s, const std::string& why) {
    std::string key = KeyOf(s);
    auto it = by_key_.find(key);
    Vertex to;
    if (it != by_key_.end()) {
      to = it->second;
    } else {
      to = Add(HopFor(s), key);
      if (s.act == Act::kWaypoint) g_[to].waypoint = s.waypoint;
      queue_.push_back({to, s});
    }
    auto e = boost::add_edge(from, to, g_).first;
    g_[e].why = why;
  }

  void Fail(Vertex at, const std::string& reason, const std::string& why) {
    Vertex f = AddPseudoRoot();
    g_[f].terminal = true;
    g_[f].outcome = Outcome::kFailed;
    g_[f].reason = reason;
    auto e = boost::add_edge(at, f, g_).first;
    g_[e].why = why;
  }

  void Run() {
    while (!queue_.empty()) {
      auto [v, s] = queue_.front();
      queue_.pop_front();
      Expand(v, s);
    }
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

  const std::string& NetworkOf(int ci, int wi) const {
    return mesh_.clusters[ci].workloads[wi].network;
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

  // Replicas of waypoint `key` that a client in cluster ci can reach: its own
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

  // An east-west gateway replica serving `network`, preferring cluster `pref`.
  std::vector<EpRef> EastWestFor(const std::string& network, int pref) const {
    std::vector<EpRef> out;
    for (int pass = 0; pass < 2 && out.empty(); ++pass) {
      for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
        if ((pass == 0) != (static_cast<int>(oi) == pref)) continue;
        const Cluster& o = mesh_.clusters[oi];
        for (const auto& [key, gw] : o.gateways) {
          if (gw.role != GatewayRole::kEastWest || gw.network != network)
            continue;
          for (int wi : ReadyPods(o, key))
            out.push_back({static_cast<int>(oi), wi});
        }
      }
    }
    return out;
  }

  std::string SvcName(int ci, int si) const {
    const Service& s = mesh_.clusters[ci].services[si];
    return (s.kind == "Service" ? "service " : "ServiceEntry ") + s.Key();
  }

  // ---- emitting hand-offs ---------------------------------------------------
  // Deliver to a workload endpoint reached directly (HBONE to its node's
  // ztunnel when captured; its sidecar; or plain TCP).
  void ToEndpoint(Vertex from, const EpRef& ep, int port,
                  const std::string& why) {
    const Workload& w = mesh_.clusters[ep.cluster].workloads[ep.wl];
    State s;
    s.cluster = ep.cluster;
    s.wl = ep.wl;
    s.port = port;
    if (w.kind == "WorkloadEntry" || w.node.empty()) {
      s.act = Act::kDeliver;
    } else if (w.capture == Capture::kAmbient) {
      s.act = Act::kDstZtunnel;
    } else if (w.capture == Capture::kSidecar) {
      s.act = Act::kDstSidecar;
    } else {
      s.act = Act::kDeliver;
    }
    Emit(from, s, why);
  }

  void ToExternal(Vertex from, const std::string& where,
                  const std::string& why) {
    State s;
    s.act = Act::kExternal;
    s.external = where;
    Emit(from, s, why);
  }

  void ToEastWest(Vertex from, int svc_cluster, int svc, int port,
                  const std::string& network, const std::string& header,
                  const std::string& why) {
    std::vector<EpRef> ew = EastWestFor(network, -1);
    if (ew.empty()) {
      Fail(from,
           "no east-west gateway serves network " + network +
               ": cross-network traffic is never sent without one (§7.2)",
           why);
      return;
    }
    for (const EpRef& e : ew) {
      State s;
      s.act = Act::kEastWest;
      s.cluster = e.cluster;
      s.wl = e.wl;
      s.svc_cluster = svc_cluster;
      s.svc = svc;
      s.port = port;
      s.header = header;
      Emit(from, s,
           why + "; double HBONE through east-west gateway " +
               mesh_.clusters[e.cluster].workloads[e.wl].gateway +
               " of network " + network +
               (header.empty() ? "" : " with x-istio-source: " + header));
    }
  }

  void ToWaypoint(Vertex from, int ci, const EpRef& replica, const Gateway& wp,
                  int svc_cluster, int svc, int target_cluster, int target_wl,
                  int port, const std::string& header, const std::string& why) {
    const std::string& here = mesh_.clusters[ci].network;
    const Workload& rw = mesh_.clusters[replica.cluster].workloads[replica.wl];
    if (rw.network != here) {
      // §7.2: a remote waypoint replica is reached through that network's
      // east-west gateway, which routes by the inner service hostname.
      ToEastWest(from, svc_cluster, svc, port, rw.network, header,
                 why + "; no local replica of waypoint " + wp.Key() +
                     ", so a replica in network " + rw.network + " is used");
      return;
    }
    State s;
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
    Emit(from, s, why);
  }

  // Load-balance over a service's endpoints from a component in cluster ci;
  // remote networks are coalesced into one choice each (SplitHorizonWorkload,
  // §7.2) reached through their east-west gateway.
  void ToServiceEndpoints(Vertex from, int ci, int client_wl, int svc_cluster,
                          int svc, int port, bool allow_remote_network,
                          const std::string& header, const std::string& why,
                          bool local_cluster_only = false) {
    const Service& s = mesh_.clusters[svc_cluster].services[svc];
    std::vector<EpRef> eps = Endpoints(svc_cluster, svc, local_cluster_only);
    if (!s.traffic_distribution.empty() && s.traffic_distribution != "Any")
      eps = PreferClose(eps, ci, client_wl);
    const std::string& here = mesh_.clusters[ci].network;
    std::set<std::string> remote_networks;
    bool any = false;
    for (const EpRef& e : eps) {
      const std::string& net = NetworkOf(e.cluster, e.wl);
      if (net == here) {
        const Service& es = mesh_.clusters[e.cluster].services[0];
        (void)es;
        ToEndpoint(from, e, TargetPort(s, port, e), why);
        any = true;
      } else if (allow_remote_network && multi_network_) {
        remote_networks.insert(net);
      }
    }
    for (const std::string& net : remote_networks) {
      ToEastWest(from, svc_cluster, svc, port, net, header,
                 why + "; endpoints in network " + net +
                     " are reached through its gateway");
      any = true;
    }
    // ServiceEntry inline endpoints and DNS/passthrough resolution.
    if (s.kind == "ServiceEntry") {
      for (const Service::Endpoint& ep : s.inline_endpoints) {
        ToExternal(
            from, ep.address + ":" + std::to_string(port),
            why + "; ServiceEntry " + s.Key() + " endpoint " + ep.address);
        any = true;
      }
      if (!any && s.inline_endpoints.empty() && !s.selector) {
        std::string where = s.resolution == "NONE"
                                ? (t_.to.ip.empty() ? s.Hostname() : t_.to.ip)
                                : s.Hostname();
        ToExternal(from, where + ":" + std::to_string(port),
                   why + "; ServiceEntry " + s.Key() + " resolves " +
                       (s.resolution == "NONE"
                            ? "to the original destination (passthrough)"
                            : "by DNS to " + s.Hostname()));
        any = true;
      }
    }
    if (!any) {
      Fail(from,
           SvcName(svc_cluster, svc) +
               " has no healthy endpoints (NoHealthyUpstream)",
           why);
    }
  }

  int TargetPort(const Service& s, int port, const EpRef& e) const {
    const ServicePort* sp = s.FindPort(port);
    if (!sp) return port;
    if (sp->target_port) return sp->target_port;
    if (!sp->target_port_name.empty()) {
      for (const ContainerPort& cp :
           mesh_.clusters[e.cluster].workloads[e.wl].ports)
        if (cp.name == sp->target_port_name) return cp.port;
    }
    return port;
  }

  // ---- route application (§9) ----------------------------------------------
  std::vector<const HttpRoute*> RoutesFor(int ci,
                                          const std::string& parent_kind,
                                          const std::string& ns,
                                          const std::string& name,
                                          int port) const {
    std::vector<const HttpRoute*> out;
    for (const HttpRoute& r : mesh_.clusters[ci].routes) {
      for (const ParentRef& p : r.parents) {
        bool kind_ok = p.kind == parent_kind;
        if (kind_ok && p.ns == ns && p.name == name &&
            (p.port == 0 || p.port == port)) {
          out.push_back(&r);
          break;
        }
      }
    }
    return out;
  }

  // The backends a proxy in cluster ci picks for service (ci, si): attached
  // mesh routes (parent Service, or the waypoint Gateway), else the service.
  bool PickBackends(Vertex from, int ci, int si, int port,
                    const Gateway* waypoint, std::vector<Backend>* out,
                    std::string* why) {
    const Service& s = mesh_.clusters[ci].services[si];
    std::vector<const HttpRoute*> routes =
        RoutesFor(ci, s.kind == "ServiceEntry" ? "ServiceEntry" : "Service",
                  s.ns, s.name, port);
    if (routes.empty() && waypoint)
      routes = RoutesFor(ci, "Gateway", waypoint->ns, waypoint->name, 0);
    RouteChoice rc = SelectRoute(routes, t_.http, "");
    if (!rc.matched) {
      if (rc.any_route && t_.http) {
        Fail(from,
             "no rule of the HTTPRoutes attached to " + SvcName(ci, si) +
                 " matches " + t_.http->method + " " + t_.http->path + " (404)",
             *why);
        return false;
      }
      out->push_back({ci, si, port, 1});
      return true;
    }
    *why += "; HTTPRoute " + rc.route->Key() + " rule " +
            std::to_string(rc.rule) + " matches";
    for (const BackendRef& b : rc.backends) {
      if (b.weight == 0) continue;
      const Cluster& c = mesh_.clusters[ci];
      const Service* bs = c.FindService(b.ns + "/" + b.name);
      if (!bs) {
        Fail(from,
             "HTTPRoute " + rc.route->Key() + " backend " + b.ns + "/" +
                 b.name + " does not exist in cluster " + c.name + " (500)",
             *why);
        continue;
      }
      out->push_back({ci, static_cast<int>(c.service_by_key.at(bs->Key())),
                      b.port ? b.port : port, b.weight});
    }
    if (rc.backends.empty())
      Fail(from, "HTTPRoute " + rc.route->Key() + " rule has no backends (500)",
           *why);
    return true;
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
      case Act::kDstSidecar: {
        State d = s;
        d.act = Act::kDeliver;
        Emit(v, d, "");
        return;
      }
      case Act::kDeliver:
      case Act::kExternal:
        g_[v].terminal = true;
        g_[v].outcome = Outcome::kDelivered;
        return;
      case Act::kFail:
        return;
    }
  }

  // What the client dialled, in the client's cluster view.
  struct Dest {
    int svc_cluster = -1, svc = -1;  // service-addressed
    int wl_cluster = -1, wl = -1;    // workload-addressed
    std::string ip;                  // unknown address
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
          auto o = mesh_.clusters[oi].ServicesForHost(t_.to.host, src.ns);
          for (size_t k : o)
            if (IsGlobal(static_cast<int>(oi),
                         mesh_.clusters[oi].services[k])) {
              idx = {k};
              sci = static_cast<int>(oi);
              break;
            }
        }
      }
      if (idx.empty()) return out;
      const Service& s = mesh_.clusters[sci].services[idx[0]];
      if (s.headless) {
        // §3.3: DNS gives pod IPs, so the traffic is workload-addressed.
        for (size_t wi : mesh_.clusters[sci].service_endpoints[idx[0]]) {
          if (!mesh_.clusters[sci].workloads[wi].ready) continue;
          Dest d;
          d.wl_cluster = sci;
          d.wl = static_cast<int>(wi);
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
                " is an ExternalName service, which ambient does not "
                "represent (§2.3): the client dials the external name";
        out.push_back(d);
        return out;
      }
      if (s.vips.empty()) {
        Dest d;
        d.ip = s.Hostname();
        d.why = "ServiceEntry " + s.Key() +
                " has no address (wildcard host or resolution NONE): "
                "the client dials the real address, which ztunnel does not "
                "know (§3.4, K9)";
        out.push_back(d);
        return out;
      }
      Dest d;
      d.svc_cluster = sci;
      d.svc = static_cast<int>(idx[0]);
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
        out.push_back(d);
        return out;
      }
    }
    auto vit = c.service_by_vip.find(t_.to.ip);
    if (vit != c.service_by_vip.end()) {
      std::vector<size_t> idx = vit->second;
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        return (c.services[a].ns == src.ns) > (c.services[b].ns == src.ns);
      });
      Dest d;
      d.svc_cluster = ci;
      d.svc = static_cast<int>(idx[0]);
      out.push_back(d);
      return out;
    }
    for (size_t si = 0; si < c.services.size(); ++si) {
      for (const std::string& a : c.services[si].vips) {
        if (a.find('/') != std::string::npos && CidrContains(a, t_.to.ip)) {
          Dest d;
          d.svc_cluster = ci;
          d.svc = static_cast<int>(si);
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

  static bool CidrContains(const std::string& cidr, const std::string& ip) {
    auto parse = [](const std::string& s, uint32_t* out) {
      unsigned a, b, c, d;
      char tail;
      if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4)
        return false;
      if (a > 255 || b > 255 || c > 255 || d > 255) return false;
      *out = (a << 24) | (b << 16) | (c << 8) | d;
      return true;
    };
    size_t slash = cidr.find('/');
    uint32_t net, addr;
    int bits = std::atoi(cidr.c_str() + slash + 1);
    if (!parse(cidr.substr(0, slash), &net) || !parse(ip, &addr) || bits < 0 ||
        bits > 32)
      return false;
    uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    return (net & mask) == (addr & mask);
  }

  void SourcePod(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& src = c.workloads[s.wl];
    std::vector<Dest> dests = ResolveDest(s.cluster, src);
    for (const Dest& d : dests) {
      State n = s;
      n.svc_cluster = d.svc_cluster;
      n.svc = d.svc;
      n.target_cluster = d.wl_cluster;
      n.target_wl = d.wl;
      n.external = d.ip;
      n.port = t_.to.port;
      std::string why = d.why;
      auto join = [&](const std::string& more) {
        return why.empty() ? more : why + "; " + more;
      };
      if (d.wl >= 0 && d.wl_cluster == s.cluster && d.wl == s.wl) {
        // §3.2: calls to one's own pod IP are not captured.
        State del = n;
        del.act = Act::kDeliver;
        del.cluster = s.cluster;
        del.wl = s.wl;
        (void)del;
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
                                      "node's ztunnel (§1.1)"));
          break;
        case Capture::kSidecar:
          n.act = Act::kClientSidecar;
          Emit(v, n, join(src.capture_why));
          break;
        case Capture::kUncaptured:
          Uncaptured(
              v, s, n,
              join(src.capture_why + ": the client is not captured and never "
                                     "reaches a waypoint (§1.2, K1)"));
          break;
      }
    }
  }

  // An uncaptured client: kube-proxy to endpoints, plaintext (§1.2, §4.4).
  void Uncaptured(Vertex v, const State& src, const State& n,
                  const std::string& why) {
    if (n.svc >= 0) {
      const Service& svc = mesh_.clusters[n.svc_cluster].services[n.svc];
      if (svc.kind == "ServiceEntry" || n.svc_cluster != src.cluster) {
        ToExternal(v, svc.Hostname() + ":" + std::to_string(n.port),
                   why + "; " + SvcName(n.svc_cluster, n.svc) +
                       " is known only to ztunnel, so the uncaptured client "
                       "dials the real destination");
        return;
      }
      ToServiceEndpoints(v, src.cluster, src.wl, n.svc_cluster, n.svc, n.port,
                         false, "",
                         why + "; kube-proxy picks an endpoint of " +
                             SvcName(n.svc_cluster, n.svc),
                         true);
      return;
    }
    if (n.target_wl >= 0) {
      ToEndpoint(v, {n.target_cluster, n.target_wl}, n.port, why);
      return;
    }
    ToExternal(v, n.external + ":" + std::to_string(n.port),
               why + "; the address is outside the mesh");
  }

  void ClientZtunnel(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& src = c.workloads[s.wl];
    if (s.svc >= 0) {
      // §3 (A) / §3.1: service-addressed; the service waypoint wins.
      const Cluster& sc = mesh_.clusters[s.svc_cluster];
      const Service& svc = sc.services[s.svc];
      Binding b = ServiceWaypoint(mesh_, sc, svc);
      if (b.status == BindingStatus::kAccepted) {
        std::vector<std::pair<const Gateway*, std::string>> wps = {
            {b.waypoint, b.why}};
        if (b.canary) {
          if (b.canary_weight >= 100) wps.clear();
          if (b.canary_weight > 0)
            wps.push_back({b.canary, "connection sampled to canary waypoint " +
                                         b.canary->Key() + " (" +
                                         std::to_string(b.canary_weight) +
                                         "%, §2.6)"});
        }
        for (const auto& [wp, why] : wps) {
          std::vector<EpRef> reps = WaypointReplicas(
              s.svc_cluster, *wp, s.svc_cluster == s.cluster ? s.wl : -1);
          if (reps.empty()) {
            Fail(v,
                 "waypoint " + wp->Key() + " bound to " +
                     SvcName(s.svc_cluster, s.svc) +
                     " has no healthy pods: ztunnel rejects the connection "
                     "(fail closed, §3.6, K17)",
                 b.why);
            continue;
          }
          for (const EpRef& r : reps)
            ToWaypoint(v, s.cluster, r, *wp, s.svc_cluster, s.svc, -1, -1,
                       s.port, "", why);
        }
        return;
      }
      std::string why = b.status == BindingStatus::kNone
                            ? SvcName(s.svc_cluster, s.svc) + " has no waypoint"
                            : b.why;
      if (svc.kind == "Service") {
        // §3.1: service-addressed traffic never takes a workload waypoint (K6).
        why +=
            "; service-addressed traffic does not use the pods' workload "
            "waypoints (§3.1)";
      }
      ToServiceEndpoints(v, s.cluster, s.wl, s.svc_cluster, s.svc, s.port, true,
                         "",
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
        bool member = std::find(tc.service_endpoints[si].begin(),
                                tc.service_endpoints[si].end(),
                                static_cast<size_t>(s.target_wl)) !=
                      tc.service_endpoints[si].end();
        if (!member) continue;
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
          ToEndpoint(v, {s.target_cluster, s.target_wl}, s.port,
                     join("the source is an instance of " + b.waypoint->Key() +
                          ": not sent through it twice (§3.5)"));
          return;
        }
        std::vector<EpRef> reps =
            WaypointReplicas(s.target_cluster, *b.waypoint, -1);
        std::vector<EpRef> local;
        for (const EpRef& r : reps)
          if (NetworkOf(r.cluster, r.wl) == src.network) local.push_back(r);
        if (local.empty()) {
          Fail(v,
               "workload waypoint " + b.waypoint->Key() + " of pod " +
                   dst.Key() +
                   " has no healthy pods: ztunnel rejects the connection (fail "
                   "closed, §3.6)",
               join(b.why));
          return;
        }
        for (const EpRef& r : PreferClose(local, s.cluster, s.wl))
          ToWaypoint(v, s.cluster, r, *b.waypoint, -1, -1, s.target_cluster,
                     s.target_wl, s.port, "", join(b.why));
        return;
      }
      std::string bwhy = b.status == BindingStatus::kNone
                             ? "pod " + dst.Key() + " has no workload waypoint"
                             : b.why;
      ToEndpoint(v, {s.target_cluster, s.target_wl}, s.port, join(bwhy));
      return;
    }
    ToExternal(v, s.external + ":" + std::to_string(s.port),
               "the address matches no service or workload: ztunnel passes it "
               "through (§3, K9)");
  }

  void ClientSidecar(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    const Workload& src = c.workloads[s.wl];
    if (s.svc >= 0) {
      const Service& svc = mesh_.clusters[s.svc_cluster].services[s.svc];
      Binding b = ServiceWaypoint(mesh_, mesh_.clusters[s.svc_cluster], svc);
      const bool solo_interop =
          mesh_.istio.distribution == Distribution::kSolo &&
          mesh_.istio.Flag("ENABLE_WAYPOINT_INTEROP", true);
      const bool community_interop =
          mesh_.istio.distribution == Distribution::kCommunity &&
          mesh_.istio.Flag("ENABLE_WAYPOINT_INTEROP", false);
      if (b.status == BindingStatus::kAccepted && !svc.vips.empty() &&
          (solo_interop || community_interop)) {
        std::vector<EpRef> reps =
            WaypointReplicas(s.svc_cluster, *b.waypoint, s.wl);
        std::vector<EpRef> local;
        for (const EpRef& r : reps)
          if (NetworkOf(r.cluster, r.wl) == src.network) local.push_back(r);
        if (!local.empty()) {
          for (const EpRef& r : local)
            ToWaypoint(
                v, s.cluster, r, *b.waypoint, s.svc_cluster, s.svc, -1, -1,
                s.port, "",
                b.why +
                    "; sidecars send service traffic to the service waypoint "
                    "(ENABLE_WAYPOINT_INTEROP, §15.1)");
          return;
        }
      }
      std::string why =
          b.status == BindingStatus::kAccepted
              ? "sidecar clients never send to waypoints, so waypoint " +
                    b.waypoint->Key() + " of " + SvcName(s.svc_cluster, s.svc) +
                    " is bypassed (§6, K2)"
              : "the sidecar routes to the endpoints itself (§6)";
      std::vector<Backend> backends;
      if (!PickBackends(v, s.svc_cluster, s.svc, s.port, nullptr, &backends,
                        &why))
        return;
      for (const Backend& be : backends)
        ToServiceEndpoints(v, s.cluster, s.wl, be.cluster, be.svc, be.port,
                           false, "", why);
      return;
    }
    if (s.target_wl >= 0) {
      Binding b = WorkloadWaypoint(
          mesh_, mesh_.clusters[s.target_cluster],
          mesh_.clusters[s.target_cluster].workloads[s.target_wl]);
      ToEndpoint(
          v, {s.target_cluster, s.target_wl}, s.port,
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
    const Gateway* wp = mesh_.clusters[s.cluster].FindGateway(s.waypoint);
    if (s.target_wl >= 0) {
      ToEndpoint(
          v, {s.target_cluster, s.target_wl}, s.port,
          "waypoint " + s.waypoint +
              " applies L7 policy and forwards to the pod it serves (§3.7)");
      return;
    }
    // Service traffic: routes, then endpoints; never another waypoint (§3.7).
    int sci = s.svc_cluster, si = s.svc;
    if (sci != s.cluster) {
      // A waypoint works from its own cluster's view of the service.
      const Service& svc = mesh_.clusters[sci].services[si];
      const Service* local = mesh_.clusters[s.cluster].FindService(svc.Key());
      if (local) {
        sci = s.cluster;
        si = static_cast<int>(
            mesh_.clusters[s.cluster].service_by_key.at(svc.Key()));
      }
    }
    std::string why =
        "waypoint " + s.waypoint + " routes " + SvcName(sci, si) + " (§3.7)";
    std::vector<Backend> backends;
    if (!PickBackends(v, sci, si, s.port, wp, &backends, &why)) return;
    const bool cross_network =
        Version(s.cluster).AtLeast(1, 28) &&
        mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_WAYPOINT", true);
    for (const Backend& be : backends) {
      std::string bwhy = why;
      if (be.svc != si || be.cluster != sci) {
        Binding bb =
            ServiceWaypoint(mesh_, mesh_.clusters[be.cluster],
                            mesh_.clusters[be.cluster].services[be.svc]);
        if (bb.status == BindingStatus::kAccepted)
          bwhy += "; " + SvcName(be.cluster, be.svc) +
                  " has its own waypoint " + bb.waypoint->Key() +
                  ", which a waypoint never forwards to (§3.7, K11)";
      }
      ToServiceEndpoints(v, s.cluster, s.wl, be.cluster, be.svc, be.port,
                         cross_network, "waypoint", bwhy);
    }
  }

  void IngressHop(Vertex v, const State& s) {
    const Cluster& c = mesh_.clusters[s.cluster];
    const Gateway& gw = *c.FindGateway(c.workloads[s.wl].gateway);
    const Listener* listener = nullptr;
    for (const Listener& l : gw.listeners)
      if (l.port == t_.to.port) listener = &l;
    if (!listener) {
      Fail(v,
           "ingress gateway " + gw.Key() + " has no listener on port " +
               std::to_string(t_.to.port),
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
    if (!listener->hostname.empty() &&
        !HostnameMatches(listener->hostname, t_.to.host)) {
      Fail(v,
           "listener " + listener->name + " of " + gw.Key() + " serves host " +
               listener->hostname + ", not " + t_.to.host + " (404)",
           "");
      return;
    }
    RouteChoice rc = SelectRoute(routes, t_.http, t_.to.host);
    if (!rc.matched) {
      Fail(
          v,
          "no HTTPRoute attached to ingress gateway " + gw.Key() +
              " matches host " + t_.to.host +
              (t_.http ? " and " + t_.http->method + " " + t_.http->path : "") +
              " (404)",
          "");
      return;
    }
    std::string why = "HTTPRoute " + rc.route->Key() + " rule " +
                      std::to_string(rc.rule) + " at ingress " + gw.Key() +
                      " matches";
    for (const BackendRef& b : rc.backends) {
      if (b.weight == 0) continue;
      const Service* bs = c.FindService(b.ns + "/" + b.name);
      if (!bs) {
        Fail(v,
             "HTTPRoute " + rc.route->Key() + " backend " + b.ns + "/" +
                 b.name + " does not exist in cluster " + c.name + " (500)",
             why);
        continue;
      }
      int si = static_cast<int>(c.service_by_key.at(bs->Key()));
      int port = b.port ? b.port : t_.to.port;
      Binding bind = ServiceWaypoint(mesh_, c, *bs);
      std::string iwhy;
      bool use = IngressUsesWaypoint(mesh_, c, *bs, bind, &iwhy);
      std::string bwhy =
          why + "; backend " + SvcName(s.cluster, si) + "; " + iwhy;
      if (use && bind.waypoint->class_name == "gloo-waypoint")
        bwhy +=
            "; note: istio.io/ingress-use-waypoint is not supported with Gloo "
            "Gateway "
            "waypoints (§15)";
      const IstioVersion ver = Version(s.cluster);
      const std::string header = ver.AtLeast(1, 31) ? "gateway" : "waypoint";
      if (use) {
        std::vector<EpRef> reps =
            WaypointReplicas(s.cluster, *bind.waypoint, s.wl);
        if (reps.empty()) {
          Fail(v,
               "waypoint " + bind.waypoint->Key() +
                   " has no healthy pods: the ingress fails "
                   "closed (§3.6)",
               bwhy);
          continue;
        }
        for (const EpRef& r : reps)
          ToWaypoint(v, s.cluster, r, *bind.waypoint, s.cluster, si, -1, -1,
                     port, header, bwhy);
        continue;
      }
      if (bind.status == BindingStatus::kAccepted)
        bwhy += " (waypoint " + bind.waypoint->Key() + " is bypassed, K3)";
      const bool remote =
          multi_network_ && ver.AtLeast(1, 30) &&
          mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_INGRESS", false);
      ToServiceEndpoints(v, s.cluster, s.wl, s.cluster, si, port, remote,
                         header, bwhy);
    }
  }

  void EastWestHop(Vertex v, const State& s) {
    // §7.2: the E/W gateway routes by the inner hostname in its own cluster.
    const Cluster& b = mesh_.clusters[s.cluster];
    const Service& orig = mesh_.clusters[s.svc_cluster].services[s.svc];
    const Service* svc = b.FindService(orig.Key());
    if (!svc) {
      Fail(v,
           SvcName(s.svc_cluster, s.svc) + " does not exist in cluster " +
               b.name,
           "");
      return;
    }
    int si = static_cast<int>(b.service_by_key.at(svc->Key()));
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
        ToWaypoint(v, s.cluster, r, *bind.waypoint, s.cluster, si, -1, -1,
                   s.port, "", why);
      return;
    }
    ToServiceEndpoints(v, s.cluster, -1, s.cluster, si, s.port, false, "", why,
                       true);
  }

  const Mesh& mesh_;
  const TrafficEntry& t_;
  Graph& g_;
  ForwardingGraph::Impl& impl_;
  bool multi_network_ = false;
  std::map<std::string, Vertex> by_key_;
  std::deque<std::pair<Vertex, State>> queue_;

 public:
  std::string self_why_;
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
  if (!b.self_why_.empty()) {
    Graph& g = fg.impl->graph;
    g[fg.impl->source].reason =
        b.self_why_;  // kept as the why of the 1-hop path
  }
  bool loop = false;
  boost::depth_first_search(fg.impl->graph,
                            boost::visitor(BackEdgeFinder(&loop)));
  fg.impl->has_loop = loop;
  return fg;
}

namespace {

void Walk(const Graph& g, Vertex v, std::vector<Vertex>& stack,
          std::vector<std::string>& whys, std::vector<Path>& out,
          bool* truncated) {
  if (out.size() >= kMaxPathsPerEntry) {
    *truncated = true;
    return;
  }
  stack.push_back(v);
  auto [ei, ee] = boost::out_edges(v, g);
  if (ei == ee) {
    Path p;
    for (Vertex x : stack) {
      const VertexData& d = g[x];
      if (d.pseudo) continue;
      if (!p.hops.empty() && p.hops.back() == d.hop) continue;
      p.hops.push_back(d.hop);
      if (!d.waypoint.empty()) p.waypoints.push_back(d.waypoint);
    }
    const VertexData& last = g[v];
    p.outcome = last.terminal ? last.outcome : Outcome::kFailed;
    if (p.outcome == Outcome::kFailed)
      p.reason = last.reason.empty() ? "request dropped" : last.reason;
    for (const std::string& w : whys)
      if (!w.empty() && std::find(p.why.begin(), p.why.end(), w) == p.why.end())
        p.why.push_back(w);
    if (stack.size() == 1 && !g[v].reason.empty() &&
        p.outcome == Outcome::kDelivered) {
      p.why.push_back(g[v].reason);
    }
    out.push_back(std::move(p));
  }
  for (; ei != ee; ++ei) {
    Vertex t = boost::target(*ei, g);
    if (std::find(stack.begin(), stack.end(), t) != stack.end()) {
      Path p;
      for (Vertex x : stack)
        if (!g[x].pseudo) p.hops.push_back(g[x].hop);
      p.hops.push_back(g[t].hop);
      for (Vertex x : stack)
        if (!g[x].waypoint.empty()) p.waypoints.push_back(g[x].waypoint);
      p.outcome = Outcome::kFailed;
      p.reason = "loop: the request returns to " +
                 std::string(HopKindName(g[t].hop.kind)) + " " + g[t].hop.name +
                 " (§3.5, K18)";
      p.why = whys;
      out.push_back(std::move(p));
      continue;
    }
    whys.push_back(g[*ei].why);
    Walk(g, t, stack, whys, out, truncated);
    whys.pop_back();
  }
  stack.pop_back();
}

}  // namespace

std::vector<Path> EnumeratePaths(const ForwardingGraph& fg) {
  std::vector<Path> out;
  std::vector<Vertex> stack;
  std::vector<std::string> whys;
  bool truncated = false;
  if (boost::num_vertices(fg.impl->graph) == 0) return out;
  Walk(fg.impl->graph, fg.impl->source, stack, whys, out, &truncated);
  // Distinct paths only (different choices can end in the same hop list).
  std::vector<Path> unique;
  std::set<std::string> seen;
  for (Path& p : out) {
    std::string key;
    for (const Hop& h : p.hops)
      key +=
          std::string(HopKindName(h.kind)) + h.name + h.cluster + h.node + "|";
    key += OutcomeName(p.outcome) + p.reason;
    if (seen.insert(key).second) unique.push_back(std::move(p));
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
