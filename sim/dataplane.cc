// The forwarding graph of one traffic entry (sim/dataplane.h): its vertices
// and edges, the builder's worklist, the lookups every component shares, and
// the enumeration of paths on the finished graph. The components themselves
// are in client_side.cc, proxies.cc and destination.cc.
#include "sim/dataplane.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <map>
#include <set>

#include "model/labels.h"
#include "model/parallel.h"
#include "model/peering.h"
#include "model/policy.h"
#include "sim/dataplane_builder.h"

namespace meshsim {

using dataplane::Builder;
using dataplane::Graph;
using dataplane::Vertex;
using dataplane::VertexData;

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

namespace dataplane {

namespace {

// What one traffic entry may cost (docs/robustness.md#limits): hand-offs in
// its forwarding graph, and distinct paths. Past either, the command stops
// with LimitExceeded naming the entry, before more memory is taken; a
// waypoint with 3,000 replicas in front of 3,000 endpoints used to exhaust
// memory instead, and a 20,001st path was dropped without a word.
constexpr size_t kMaxEdgesPerEntry = 500'000;
constexpr size_t kMaxPathsPerEntry = 100'000;

std::string Count(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// "997,001 ztunnel, 3,000 waypoint and 1 workload": the hops in `g` by kind,
// most first, for the limit's message.
std::string Census(const Graph& g) {
  std::map<std::string, size_t> by_kind;
  for (auto [vi, ve] = boost::vertices(g); vi != ve; ++vi)
    if (!g[*vi].pseudo) ++by_kind[HopKindName(g[*vi].hop.kind)];
  std::vector<std::pair<size_t, std::string>> order;
  for (const auto& [kind, n] : by_kind) order.push_back({n, kind});
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (size_t i = 0; i < order.size(); ++i)
    out += (i == 0                  ? ""
            : i + 1 == order.size() ? " and "
                                    : ", ") +
           Count(order[i].first) + " " + order[i].second;
  return out + " hops";
}

[[noreturn]] void EntryOverLimit(const std::string& entry,
                                 const SourceLocation& where,
                                 const std::string& what) {
  Diagnostic d;
  d.location = where;
  d.message = "traffic entry '" + entry + "': " + what +
              " (docs/robustness.md#limits); address fewer endpoints or "
              "waypoint replicas per entry";
  throw LimitExceeded(std::move(d));
}

}  // namespace

void Builder::CheckEdgeBudget() {
  // Counted here: boost::num_edges of this graph walks every vertex.
  if (++edges_ <= kMaxEdgesPerEntry) return;
  EntryOverLimit(t_.name, t_.location,
                 "its request fans out to more than " +
                     Count(kMaxEdgesPerEntry) +
                     " hand-offs between components, meshsim's limit per "
                     "entry (so far: " +
                     Census(g_) + ")");
}

Builder::Builder(const Mesh& mesh, const TrafficEntry& t,
                 ForwardingGraph::Impl& impl)
    : mesh_(mesh), t_(t), g_(impl.graph), impl_(impl) {
  std::set<std::string> networks;
  for (const Cluster& c : mesh_.clusters) networks.insert(c.network);
  // §15.2: peering sends double HBONE to other networks itself.
  peering_ = PeeringEnabled(mesh_.istio);
  flat_ = !peering_ || mesh_.istio.Flag("PEERING_ENABLE_FLAT_NETWORKS", true);
  // Peering sends double HBONE itself, also between clusters of one network
  // that is not flat.
  multi_network_ =
      (networks.size() > 1 || !flat_) &&
      (peering_ || mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true));
  // §7.1: without the flag istiod builds no multicluster view (default:
  // on when the clusters span several networks, [Choices]).
  multicluster_ =
      mesh_.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", networks.size() > 1);
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

void Builder::Build() {
  const int ci = ClusterIndex(t_.from.cluster);
  // A request built outside a scenario's traffic (a diff's witness, replayed
  // on the version that lacks its source) has no source to start from.
  const bool no_source =
      ci < 0 ||
      (t_.from.ingress.empty() &&
       mesh_.clusters[ci].WorkloadsOf(t_.from.ns, t_.from.workload).empty());
  if (no_source) {
    Hop base{HopKind::kWorkload,
             t_.from.ingress.empty() ? t_.from.ns + "/" + t_.from.workload
                                     : t_.from.ingress,
             t_.from.cluster,
             "",
             {},
             {}};
    Vertex v = AddVertex(base);
    impl_.source = v;
    Finish(v, Outcome::kFailed,
           "the source is not in cluster " + t_.from.cluster +
               " in this configuration",
           "");
    return Run();
  }
  const Cluster& c = mesh_.clusters[ci];
  if (!t_.from.ingress.empty()) {
    std::vector<int> pods = ReadyPods(c, t_.from.ingress);
    auto router = c.istio_gateway_pods.find(t_.from.ingress);
    if (!c.FindGateway(t_.from.ingress) &&
        router != c.istio_gateway_pods.end()) {
      // §16.3: an Istio Gateway's Router pods.
      pods.clear();
      for (size_t wi : router->second)
        if (c.workloads[wi].ready) pods.push_back(static_cast<int>(wi));
    }
    if (pods.empty()) {
      Hop base{HopKind::kIngress, t_.from.ingress, c.name, "", {}, {}};
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
      Emit(root, s, "request enters through ingress gateway " + t_.from.ingress,
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

// ---- graph plumbing ---------------------------------------------------------
Vertex Builder::AddPseudo() {
  VertexData d;
  d.pseudo = true;
  return boost::add_vertex(d, g_);
}

Vertex Builder::AddVertex(const Hop& hop) {
  VertexData d;
  d.hop = hop;
  return boost::add_vertex(d, g_);
}

std::string Builder::KeyOf(const State& s) const {
  std::string k;
  for (int x : {static_cast<int>(s.act), s.cluster, s.wl, s.svc_cluster, s.svc,
                s.target_cluster, s.target_wl, s.port, s.req, s.kube_port})
    k += std::to_string(x) + "|";
  k += s.forwarded_network ? "f|" : "|";
  k += s.tls_disabled ? "d|" : "|";
  k += s.tls_mutual ? "m|" : "|";
  k += s.tls_user ? "u|" : "|";
  k += s.pod_ip ? "p|" : "|";
  for (const std::string* x : {&s.header, &s.waypoint, &s.external, &s.client,
                               &s.peer, &s.peer_ip, &s.dst_ip})
    k += *x + "|";
  return k;
}

Hop Builder::HopFor(const State& s) const {
  if (s.act == Act::kExternal)
    return Hop{HopKind::kExternal, s.external, "", "", {}, {}};
  const Cluster& c = mesh_.clusters[s.cluster];
  const Workload& w = c.workloads[s.wl];
  // A gateway's hop points at its Gateway object; a Router's (no Gateway
  // API object) at its Deployment.
  const auto gateway_at = [&](const std::string& key) {
    const Gateway* g = c.FindGateway(key);
    return g ? g->location : w.location;
  };
  switch (s.act) {
    case Act::kSourcePod:
    case Act::kDeliver:
      return Hop{HopKind::kWorkload, w.Key(), c.name, w.node, {}, w.location};
    case Act::kClientZtunnel:
    case Act::kDstZtunnel:
      // A WorkloadEntry's own ztunnel (a VM) is named after it.
      return Hop{
          HopKind::kZtunnel, w.node.empty() ? w.Key() : w.node, c.name, "", {},
          w.location};
    case Act::kClientSidecar:
    case Act::kDstSidecar:
      return Hop{HopKind::kSidecar, w.Key(), c.name, w.node, {}, w.location};
    case Act::kWaypoint:
      return Hop{HopKind::kWaypoint,    s.waypoint, c.name, w.node, {},
                 gateway_at(s.waypoint)};
    case Act::kIngress:
      return Hop{HopKind::kIngress,    w.gateway, c.name, w.node, {},
                 gateway_at(w.gateway)};
    case Act::kEastWest:
      return Hop{HopKind::kEastWest,   w.gateway, c.name, w.node, {},
                 gateway_at(w.gateway)};
    default:
      return Hop{};
  }
}

void Builder::Emit(Vertex from, const State& s, const std::string& why,
                   double share, int route) {
  const std::string key = KeyOf(s);
  auto it = by_key_.find(key);
  Vertex to;
  if (it != by_key_.end()) {
    to = it->second;
  } else {
    to = AddVertex(HopFor(s));
    by_key_[key] = to;
    if (s.act == Act::kWaypoint) g_[to].waypoint = s.waypoint;
    if (g_[to].hop.kind == HopKind::kWorkload && s.backend_svc >= 0)
      g_[to].service = S(s.backend_cluster, s.backend_svc).Key();
    queue_.push_back({to, s});
  }
  CheckEdgeBudget();
  auto e = boost::add_edge(from, to, g_).first;
  g_[e].why = why;
  g_[e].share = share;
  g_[e].route = route;
  g_[e].breaker = breaker_;
}

// Ends the request at the component of `at` (a pseudo vertex carries the
// outcome, so the component is the last hop of the path).
Vertex Builder::Finish(Vertex at, Outcome outcome, const std::string& reason,
                       const std::string& why, double share, int route) {
  CheckEdgeBudget();
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

void Builder::Fail(Vertex at, const std::string& reason, const std::string& why,
                   double share, int route) {
  Finish(at, Outcome::kFailed, reason, why, share, route);
}

void Builder::Run() {
  while (!queue_.empty()) {
    auto [v, s] = queue_.front();
    queue_.pop_front();
    Expand(v, s);
  }
}

int Builder::AddRoute(const RouteChoice& rc) {
  PathRoute r;
  r.kind = rc.route->kind;
  r.name = rc.route->Key();
  r.rule = rc.rule_index;
  r.timeout = rc.rule->timeout;
  r.retries = rc.rule->retry_attempts;
  r.retry_codes = rc.rule->retry_codes;
  if (rc.rule->mirror) {
    r.mirror_host = rc.rule->mirror->name;
    r.mirror_ns = rc.rule->mirror->ns;
    r.mirror_subset = rc.rule->mirror->subset;
    r.mirror_percent = rc.rule->mirror_percent;
  }
  if (rc.rule->fault && rc.rule->fault->delay_ns > 0) {
    r.delay_ns = rc.rule->fault->delay_ns;
    r.delay_percent = rc.rule->fault->delay_percent;
  }
  impl_.routes.push_back(r);
  return static_cast<int>(impl_.routes.size()) - 1;
}

int Builder::AddRequest(const RoutedRequest& r) {
  requests_.push_back(r);
  return static_cast<int>(requests_.size()) - 1;
}

// ---- the components ---------------------------------------------------------
// Each handler lives with its family: client_side.cc, proxies.cc,
// destination.cc.
void Builder::Expand(Vertex v, const State& s) {
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

// ---- lookups ----------------------------------------------------------------
int Builder::ClusterIndex(const std::string& name) const {
  for (size_t i = 0; i < mesh_.clusters.size(); ++i)
    if (mesh_.clusters[i].name == name) return static_cast<int>(i);
  return 0;
}

IstioVersion Builder::Version(int ci) const {
  return mesh_.clusters[ci].VersionOr(mesh_.istio.version);
}

std::vector<int> Builder::ReadyPods(const Cluster& c,
                                    const std::string& gateway_key) const {
  std::vector<int> out;
  auto it = c.gateway_pods.find(gateway_key);
  if (it == c.gateway_pods.end()) return out;
  for (size_t wi : it->second)
    if (c.workloads[wi].ready) out.push_back(static_cast<int>(wi));
  return out;
}

std::string Builder::Identity(int ci, int wi) const {
  const Workload& w = W(ci, wi);
  return SpiffePrincipal(w.ns, w.service_account);
}

std::string Builder::SvcName(int ci, int si) const {
  const Service& s = S(ci, si);
  return (s.kind == "Service" ? "service " : "ServiceEntry ") + s.Key();
}

}  // namespace dataplane

namespace {

struct BackEdgeFinder : boost::default_dfs_visitor {
  bool* found;
  explicit BackEdgeFinder(bool* f) : found(f) {}
  void back_edge(Graph::edge_descriptor, const Graph&) const { *found = true; }
};

}  // namespace

ForwardingGraph BuildForwardingGraph(const Mesh& mesh,
                                     const TrafficEntry& entry) {
  ForwardingGraph fg;
  fg.impl->entry = entry.name;
  fg.impl->entry_location = entry.location;
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

  Path Current() const {
    Path p;
    std::vector<int> hop_of;  // stack position -> index into p.hops
    for (Vertex x : stack) {
      const VertexData& d = g[x];
      if (d.pseudo) {
        hop_of.push_back(static_cast<int>(p.hops.size()) - 1);
        continue;
      }
      if (!p.hops.empty() && p.hops.back() == d.hop) {
        // One ztunnel handling both sides on a node: merge its policies.
        for (const PolicyEvaluation& hp : d.hop.policies)
          p.hops.back().policies.push_back(hp);
        hop_of.push_back(static_cast<int>(p.hops.size()) - 1);
        continue;
      }
      p.hops.push_back(d.hop);
      hop_of.push_back(static_cast<int>(p.hops.size()) - 1);
      if (!d.waypoint.empty()) p.waypoints.push_back(d.waypoint);
      if (!d.service.empty()) p.backend = d.service;
    }
    for (size_t k = 0; k < edges.size(); ++k) {
      if (g[edges[k]].breaker < 0) continue;
      PathBreaker b = impl.breakers[g[edges[k]].breaker];
      b.hop = std::max(0, hop_of[k]);
      p.breakers.push_back(b);
    }
    for (size_t k = 0; k < edges.size(); ++k) {
      const auto& e = edges[k];
      p.weight *= g[e].share;
      const std::string& w = g[e].why;
      if (!w.empty() && std::find(p.why.begin(), p.why.end(), w) == p.why.end())
        p.why.push_back(w);
      if (g[e].route >= 0) {
        // The route leaves the proxy that applied it (stack[k]).
        PathRoute r = impl.routes[g[e].route];
        r.hop = std::max(0, hop_of[k]);
        p.routes.push_back(r);
        p.route = std::move(r);
      }
    }
    return p;
  }

  void Walk(Vertex v) {
    if (out.size() >= dataplane::kMaxPathsPerEntry)
      dataplane::EntryOverLimit(
          impl.entry, impl.entry_location,
          "its request can take more than " +
              dataplane::Count(dataplane::kMaxPathsPerEntry) +
              " distinct paths, meshsim's limit per entry (on them: " +
              dataplane::Census(g) + ")");
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
        p.denied_by =
            PathDenial{*last.denied_by, static_cast<int>(p.hops.size()) - 1};
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
  // Every route applied (an ingress's and a waypoint's on one path are
  // two paths when the ingress's rule differs: its timeout, retries and
  // faults differ).
  for (const PathRoute& r : p.routes)
    key += "|" + r.kind + " " + r.name + "#" + std::to_string(r.rule);
  return key;
}

}  // namespace

std::vector<Path> EnumeratePaths(const ForwardingGraph& fg) {
  if (boost::num_vertices(fg.impl->graph) == 0) return {};
  Walker w{*fg.impl, fg.impl->graph, {}, {}, {}};
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

PathsResult ResolvePaths(const Scenario& scenario, int jobs) {
  PathsResult r;
  r.scenario = scenario.mesh.name;
  const std::vector<TrafficEntry>& traffic = scenario.traffic;
  r.traffic.resize(traffic.size());
  // Each entry's graph reads the mesh only; results land in entry order.
  ParallelFor(traffic.size(), jobs, [&](size_t i) {
    ForwardingGraph g = BuildForwardingGraph(scenario.mesh, traffic[i]);
    r.traffic[i] = {traffic[i].name, EnumeratePaths(g)};
  });
  return r;
}

}  // namespace meshsim
