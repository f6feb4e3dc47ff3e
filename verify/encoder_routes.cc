// The GAMMA routes of a service slice (docs/semantics.md §9, §3.7, §6):
// which backend a routing proxy (the service's waypoint, or a sidecar
// client) sends a request to, stated for Z3 by route_signature.cc's
// first-match chain. See docs/verification.md "Routes in the encoding".
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/binding.h"
#include "model/networking.h"
#include "model/peering.h"
#include "verify/encoder.h"
#include "verify/encoder_plan.h"
#include "verify/mutation.h"
#include "verify/route_signature.h"
#include "verify/router.h"
#include "verify/verifier.h"

namespace meshsim::verify {

namespace {

// The ports `s` can be dialled on ({} for a service that declares none).
bool HasPort(const Service& s, int port) {
  for (const ServicePort& sp : s.ports)
    if (sp.port == port) return true;
  return false;
}

// §16.2: a VirtualService for `mesh` (no `gateways`, or `mesh` among them)
// with a host naming `s`.
bool MeshVirtualServiceFor(const HttpRoute& r, const Service& s) {
  if (!r.IsVirtualService() || !r.ForMesh()) return false;
  for (const std::string& h : r.hostnames)
    if (HostCoversService(ExpandHost(h, r.ns), s)) return true;
  return false;
}

// §7, §15.2: whether `t`'s endpoints in other clusters are reachable under
// its name: a global Service, or one Solo's peering exports (global-only
// takes its local name over).
bool CrossesClusters(const Mesh& mesh, const Cluster& c, const Service& t) {
  return GlobalService(mesh, c, t) ||
         (PeeringEnabled(mesh.istio) && ServicePeerScope(c, t).exported);
}

// RoutesEncodable's answer for a service without routes in a cluster.
const char* const kNoRouteAttached = "no route is attached";

// A route destination's Service: by name, or (a VirtualService's) by host,
// a short host naming a Service of the route's namespace.

const Service* BackendService(const Cluster& c, const BackendRef& b) {
  if (b.kind == "Hostname") {
    const std::vector<size_t> idx =
        c.ServicesForHost(b.name, b.ns, /*sidecar=*/true);
    return idx.empty() ? nullptr : &c.services[idx.front()];
  }
  if (b.kind != "Service") return nullptr;
  return c.FindService(b.ns + "/" + b.name);
}

// The port a destination asks for: its own, else a host's only port, else
// (0) the request's.
int BackendPort(const BackendRef& b, const Service& t) {
  if (b.port) return b.port;
  return b.kind == "Hostname" && t.ports.size() == 1 ? t.ports.front().port : 0;
}

// §16.1: whether every pod label of `subset` is on `w`.
// §16.1, stated for the encoding: istiod labels an endpoint with where it
// runs (AugmentLabels), over its own labels but for the network, which its
// own label keeps (docs/verification.md: independent of the simulator's
// SubsetMatches).
bool InSubset(const Labels& subset, const Cluster& c, const Workload& w) {
  const Node* node = c.FindNode(w.node);
  for (const auto& [k, v] : subset) {
    const std::string* have = FindLabel(w.labels, k);
    std::optional<std::string> where;
    if (node && k == "topology.kubernetes.io/region" && !node->region.empty())
      where = node->region;
    if (node && k == "topology.kubernetes.io/zone" && !node->zone.empty())
      where = node->zone;
    if (node && k == "topology.istio.io/subzone" && !node->subzone.empty())
      where = node->subzone;
    if (k == "topology.istio.io/cluster") where = c.name;
    if (k == "kubernetes.io/hostname" && !w.node.empty()) where = w.node;
    if (k == "topology.istio.io/network" && !have && !w.network.empty())
      where = w.network;
    const std::string* value = where ? &*where : have;
    if (!value || *value != v) return false;
  }
  return true;
}

// The GAMMA routes attached to `s` on service port `port` (§9).
std::vector<const HttpRoute*> GammaRoutes(const Cluster& c, const Service& s,
                                          int port) {
  std::vector<const HttpRoute*> out;
  for (const HttpRoute& r : c.routes)
    for (const ParentRef& p : r.parents)
      if (p.kind == s.kind && p.ns == s.ns && p.name == s.name &&
          (p.port == 0 || p.port == port)) {
        out.push_back(&r);
        break;
      }
  return out;
}

// §16.2, §9: whether a request rewritten on its way to `t` (the backend, or
// the addressed service) is read by no later proxy: none of t's pods has a
// sidecar (ztunnel reads no HTTP), and no sidecar client can take it to
// t's waypoint, whose policies would read the rewritten request. The
// routing proxy itself decided on the request as it came.
bool RewriteUnread(const Mesh& mesh, const Cluster& c, const Service& t) {
  const size_t ti = c.service_by_key.at(t.Key());
  for (size_t wi : c.service_endpoints[ti])
    if (c.workloads[wi].capture == Capture::kSidecar) return false;
  if (ServiceWaypoint(mesh, c, t).status != BindingStatus::kAccepted)
    return true;
  for (const Workload& w : c.workloads)
    if (w.capture == Capture::kSidecar) return false;
  return true;
}

// Why rule `rule` of `r` is outside the encoding, or "".
std::string RuleNotEncodable(const Mesh& mesh, const Cluster& c,
                             const Service& s, const HttpRoute& r,
                             const HttpRouteRule& rule) {
  for (const HttpMatch& m : rule.matches)
    if (!MatchEncodable(m)) return "a regex or query match";
  // A redirect (the proxy answers) and an abort are stated. A rewrite or a
  // request header filter changes only what later proxies read: stated
  // when none does (RewriteUnread). A mirror sends copies elsewhere.
  bool redirect = false, rewrites = false;
  for (const HttpFilter& f : rule.filters) {
    if (f.type == "RequestRedirect") {
      redirect = true;
    } else if (f.type == "URLRewrite" || f.type == "RequestHeaderModifier") {
      rewrites = true;
    } else if (f.type != "ResponseHeaderModifier") {
      return "a " + f.type + " filter";
    }
  }
  if (rule.mirror) return "mirrors";
  if (rule.direct_status) return "a direct response";
  if (redirect) return "";  // answered by the proxy: no backend
  int total = 0;
  for (const BackendRef& b : rule.backends) {
    total += b.weight;
    if (b.weight <= 0) continue;
    if (b.kind != (r.IsVirtualService() ? "Hostname" : "Service"))
      return "a backend other than a Service";
    const Service* t = BackendService(c, b);
    if (!t || t->kind != "Service" || t->headless || t->external_name ||
        t->vips.empty())
      return "a backend that is not a Service with a VIP";
    if (b.port && !HasPort(*t, b.port)) return "a backend port";
    // §16.2: a backend the service's waypoint has no cluster for (503 there;
    // WaypointHasClusterFor, shared with the simulator) is not stated.
    if (const Binding wb = ServiceWaypoint(mesh, c, s);
        r.IsVirtualService() && wb.status == BindingStatus::kAccepted &&
        wb.waypoint && !WaypointHasClusterFor(mesh, c, *wb.waypoint, *t))
      return "a backend its waypoint has no cluster for";
    // route.go: without a port, the route's port unless the host has one
    // port; whether the host has it depends on the request's port.
    if (!b.port && t->ports.size() > 1)
      return "a backend without port to a Service of several ports";
    // §3.4: which pods serve a backend without a port depends on the
    // request's port when the Service names a targetPort (not stated).
    if (!b.port)
      for (const ServicePort& sp : t->ports)
        if (!sp.target_port && !sp.target_port_name.empty())
          return "a backend without port to a named targetPort";
    if (mesh.clusters.size() > 1 && CrossesClusters(mesh, c, *t))
      return "a global or peered backend in a multicluster mesh";
    if (rewrites && (!RewriteUnread(mesh, c, *t) || !RewriteUnread(mesh, c, s)))
      return "a rewrite a later proxy reads";
    if (b.subset.empty()) continue;
    // §16.1: a subset is encoded when every proxy that may route sees a
    // DestinationRule defining it, and no DestinationRule picks proxies by
    // workloadSelector (a sidecar's lookup depends on its pod's labels).
    for (const DestinationRule& dr : c.destination_rules)
      if (dr.workload_selector &&
          HostCoversService(ExpandHost(dr.host, dr.ns), *t))
        return "a workloadSelector DestinationRule";
    std::set<std::string> proxy_ns;
    for (const auto& [n, ns] : c.namespaces) proxy_ns.insert(n);
    for (const auto& [key, g] : c.gateways) proxy_ns.insert(g.ns);
    for (const std::string& n : proxy_ns) {
      const DestinationRule* dr = DestinationRuleFor(mesh, c, n, nullptr, *t);
      if (!dr || !dr->FindSubset(b.subset))
        return "subset " + b.subset + " undefined in namespace " + n;
    }
  }
  if (total <= 0) return "a rule with no weighted backend";
  return "";
}

}  // namespace

bool Declares(const Service& svc, int port, const Workload& w) {
  if (svc.kind != "Service" || port == 0) return true;
  for (const ServicePort& sp : svc.ports) {
    if (sp.port != port || sp.target_port || sp.target_port_name.empty())
      continue;
    // An EndpointSlice endpoint's ports are named as the Service's ports.
    const std::string& name =
        w.kind == "EndpointSlice" ? sp.name : sp.target_port_name;
    return std::any_of(
        w.ports.begin(), w.ports.end(),
        [&](const ContainerPort& cp) { return cp.name == name; });
  }
  return true;
}

namespace {

// A backend's pod that takes the backend's requests: ready (§3.6) and
// serving its port (§3.4).
bool Serves(const Service& t, int port, const Workload& w) {
  return EndpointReady(t, w) && Declares(t, port, w);
}

// RoutesEncodable in one cluster.
bool RoutesEncodableIn(const Mesh& mesh, const Cluster& c, const Service& s,
                       std::string* why) {
  auto no = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  std::vector<const HttpRoute*> attached, vss;
  for (const HttpRoute& r : c.routes) {
    if (MeshVirtualServiceFor(r, s)) vss.push_back(&r);
    for (const ParentRef& p : r.parents)
      if (p.kind == s.kind && p.ns == s.ns && p.name == s.name) {
        attached.push_back(&r);
        break;
      }
  }
  if (attached.empty() && vss.empty()) return no(kNoRouteAttached);
  // §7, §9: in a multicluster mesh the routes are stated where they stay
  // in one cluster: the service, every backend and every waypoint of the
  // cluster local (not global), so a cluster's clients meet its own
  // waypoints and routes, and those send to its own pods.
  if (mesh.clusters.size() > 1) {
    if (CrossesClusters(mesh, c, s))
      return no("a global or peered service in a multicluster mesh");
    for (const auto& [key, g] : c.gateways)
      if (g.role == GatewayRole::kWaypoint && GlobalWaypoint(mesh, c, g))
        return no("global waypoint " + key + " in a multicluster mesh");
  }
  if (s.kind != "Service" || s.peered || s.headless || s.external_name)
    return no("not a Kubernetes Service with a VIP");
  // A request the proxy answers (a redirect, an abort, no route) stands on
  // one of the service's own endpoints in the encoding. In a multicluster
  // mesh a cluster's clients reach only that cluster's pods of a local
  // service: without a ready one there, such a request would have none.
  const auto own = c.service_by_key.find(s.Key());
  if (mesh.clusters.size() > 1 &&
      (own == c.service_by_key.end() ||
       std::none_of(c.service_endpoints[own->second].begin(),
                    c.service_endpoints[own->second].end(), [&](size_t wi) {
                      return EndpointReady(c.services[own->second],
                                           c.workloads[wi]);
                    })))
    return no("no ready pod of the service in cluster " + c.name);
  // §3.4: nor where no pod serves a port (a named targetPort none declares).
  if (own != c.service_by_key.end())
    for (const ServicePort& sp : s.ports)
      if (!sp.target_port && !sp.target_port_name.empty() &&
          std::none_of(c.service_endpoints[own->second].begin(),
                       c.service_endpoints[own->second].end(), [&](size_t wi) {
                         return Declares(s, sp.port, c.workloads[wi]);
                       }))
        return no("no pod of the service serves port " +
                  std::to_string(sp.port) + " in cluster " + c.name);
  // §9: a waypoint of another class than istio-waypoint (gloo-waypoint,
  // agentgateway) applies the routes attached to it, which the encoding
  // does not state.
  for (const HttpRoute& r : c.routes)
    for (const ParentRef& p : r.parents)
      if (p.kind == "Gateway" && !r.IsVirtualService()) {
        const Gateway* g = c.FindGateway(p.ns + "/" + p.name);
        if (g && g->role == GatewayRole::kWaypoint && WaypointTakesRoutes(*g))
          return no("a route attached to waypoint " + g->Key());
      }
  // §9: a GAMMA route's hostnames do not apply to its Service parent.
  for (const HttpRoute* r : attached)
    if (r->kind != "HTTPRoute") return no(r->kind + " " + r->Key());
  for (const HttpRoute* r : vss)
    if (r->rules.empty() || !r->tcp_rules.empty())
      return no("VirtualService " + r->Key() + " has tcp or tls routes");
  for (const auto* list : {&attached, &vss})
    for (const HttpRoute* r : *list)
      for (const HttpRouteRule& rule : r->rules) {
        const std::string reason = RuleNotEncodable(mesh, c, s, *r, rule);
        if (!reason.empty()) return no(reason);
      }
  return true;
}

}  // namespace

bool RoutesEncodable(const Mesh& mesh, const Cluster& c, const Service& s,
                     std::string* why) {
  if (mesh.clusters.size() == 1) return RoutesEncodableIn(mesh, c, s, why);
  // Every cluster that gives the service a VIP states its own routes (the
  // encoder's plan, encoder.cc); one that cannot be stated leaves them all
  // out, and none with a route is "no route is attached".
  bool any = false;
  std::string first_why = kNoRouteAttached;
  for (const Cluster& other : mesh.clusters) {
    const Service* t = other.FindService(s.Key());
    if (!t || t->vips.empty() || t->external_name) continue;
    std::string w;
    if (RoutesEncodableIn(mesh, other, *t, &w)) {
      any = true;
    } else if (w != kNoRouteAttached) {
      if (why) *why = w + " (cluster " + other.name + ")";
      return false;
    }
  }
  if (!any && why) *why = first_why;
  return any;
}

// The endpoints of every backend join the slice, each with the condition
// under which a proxy's chain sends there: one chain per waypoint that may
// serve the service (its VirtualServices and GAMMA routes, §16.2) and per
// namespace of its sidecar clients (the oldest VirtualService visible
// there, else the GAMMA routes, §6).
std::optional<RoutePlan> Encoder::PlanRoutes(const ServicePlan& plan,
                                             Encoded& e) {
  // Each cluster that gives the service a VIP states its own routes.
  if (!RoutesEncodable(sc_.mesh, sc_.mesh.clusters[plan.clusters.front()],
                       *plan.base, nullptr))
    return std::nullopt;
  RoutePlan rp;
  rp.in_base.assign(e.eps.size(), 1);
  e.ep_port.assign(e.eps.size(), 0);
  e.ep_svc.assign(e.eps.size(), nullptr);
  e.ep_intended.assign(e.eps.size(), "");
  using Lists = std::vector<std::pair<int, std::vector<const HttpRoute*>>>;
  // Proxies with the same lists, client labels (a waypoint: none) and
  // DestinationRule lookup (their namespace, §16.1) share a chain.
  // A cluster's chain reaches its own pods: the cluster is in the key.
  std::map<std::tuple<int, Lists, std::optional<Labels>, std::string>, size_t>
      seen;
  auto chain = [&](int ci, const Service& s, const Lists& lists,
                   const Labels* client_labels, const std::string& proxy_ns) {
    auto [it, fresh] = seen.emplace(
        std::tuple(ci, lists,
                   client_labels ? std::optional<Labels>(*client_labels)
                                 : std::nullopt,
                   proxy_ns),
        rp.chains.size());
    if (fresh)
      rp.chains.push_back(
          PlanChain(ci, s, lists, client_labels, proxy_ns, e, rp));
    return it->second;
  };
  static const Labels kNoLabels;
  for (int ci : plan.clusters) {
    const Cluster& c = sc_.mesh.clusters[ci];
    const Service& s = *plan.In(ci);
    const IstioVersion ver = c.VersionOr(sc_.mesh.istio.version);
    const ServiceView& v = plan.views.at(ci);
    std::vector<const Gateway*> waypoints;
    for (const auto& [gw, b] : v.per) waypoints.push_back(gw);
    if (v.canary) waypoints.push_back(v.canary->gw);
    for (const Gateway* gw : waypoints) {
      Lists lists;
      for (const ServicePort& sp : s.ports)
        lists.push_back(
            {sp.port,
             Mutated(Mutation::kWaypointSkipsVirtualServices)
                 ? GammaRoutes(c, s, sp.port)  // wrong on purpose
                 : VirtualServicesAtWaypoint(
                       c, *gw, s, GammaRoutes(c, s, sp.port), ver, sp.port)});
      rp.at_waypoint[gw] = chain(ci, s, lists, nullptr, gw->ns);
    }
    // §16.2: a Gateway API route of the service, on any port and in any
    // namespace, names its host exactly: no wildcard VirtualService then.
    const bool any_gamma =
        std::any_of(c.routes.begin(), c.routes.end(), [&](const HttpRoute& r) {
          return !r.IsVirtualService() && GammaParentPort(r, s, 0) >= 0;
        });
    for (const SourceClass& cls : classes()) {
      if (cls.kind != ClientKind::kSidecar || cls.cluster != ci) continue;
      // The class's pods share their owner's labels: its representative's.
      const Workload* pod = c.FindWorkload(cls.workload);
      Lists lists;
      for (const ServicePort& sp : s.ports) {
        bool by_wildcard = false;
        const HttpRoute* vs = VirtualServiceForSidecar(
            c, cls.ns, s, sp.port, pod ? &pod->labels : &kNoLabels, "",
            &by_wildcard);
        // §9 (route.go): a sidecar takes a Gateway API route of its own
        // namespace or the service's only; §16.2: one names the host
        // exactly, so it beats a wildcard VirtualService.
        std::vector<const HttpRoute*> own;
        for (const HttpRoute* r : GammaRoutes(c, s, sp.port))
          if (r->ns == cls.ns || r->ns == s.ns) own.push_back(r);
        if (vs && !(by_wildcard && any_gamma)) own = {vs};
        lists.push_back({sp.port, own});
      }
      rp.at_sidecar[cls.id] =
          chain(ci, s, lists, pod ? &pod->labels : &kNoLabels, cls.ns);
    }
  }
  // Endpoints added by a later chain are no earlier chain's.
  for (RouteChain& ch : rp.chains) {
    ch.routed_to.resize(e.eps.size(), c_.bool_val(false));
    ch.to_other.resize(e.eps.size(), c_.bool_val(false));
  }
  return rp;
}

RouteChain Encoder::PlanChain(
    int ci, const Service& s,
    const std::vector<std::pair<int, std::vector<const HttpRoute*>>>& lists,
    const Labels* client_labels, const std::string& proxy_ns, Encoded& e,
    RoutePlan& rp) {
  const Cluster& c = sc_.mesh.clusters[ci];
  RouteEncoder re(c_, e, sc_.mesh);
  std::vector<RouteArm> arms;
  z3::expr earlier = c_.bool_val(false);
  RouteChain ch{c_.bool_val(false), c_.bool_val(true), {}, {},
                c_.bool_val(false), c_.bool_val(false)};
  for (const auto& [port, list] : lists) {
    if (list.empty()) continue;
    ch.applies = ch.applies || e.port == c_.int_val(port);
    re.AppendChain(c, s, port, list, client_labels, arms, earlier);
  }
  ch.none = !earlier;
  auto slot = [&](size_t wi) {
    size_t i = 0;
    while (i < e.eps.size() && !(e.eps[i].cluster == ci && e.eps[i].wi == wi))
      ++i;
    if (i == e.eps.size()) {  // a pod only a route reaches
      e.eps.push_back({ci, wi});
      rp.in_base.push_back(0);
      e.ep_port.push_back(0);
      e.ep_svc.push_back(nullptr);
      e.ep_intended.push_back("");
    }
    ch.routed_to.resize(e.eps.size(), c_.bool_val(false));
    ch.to_other.resize(e.eps.size(), c_.bool_val(false));
    return i;
  };
  for (const RouteArm& a : arms) {
    const std::string name =
        a.route->IsVirtualService()
            ? "VirtualService " + a.route->Key() + " route " +
                  (a.rule->name.empty()
                       ? std::to_string(a.rule - a.route->rules.data())
                       : "'" + a.rule->name + "'")
            : a.route->kind + " " + a.route->Key() + " rule " +
                  std::to_string(a.rule - a.route->rules.data());
    e.route_rules.push_back({a.first, name, a.route});
    // The headers its matches read (RouteEncoder::Matches; a claim route
    // reads none): a request without them is stated as such (OutcomeOracle).
    for (const HttpMatch& m : a.rule->matches)
      for (const HttpMatch::Header& h : m.headers) {
        std::string n = h.name;
        std::transform(n.begin(), n.end(), n.begin(), ::tolower);
        if (n != "host" && n != ":authority" && n != ":method" && n[0] != '@')
          header_names_.insert(n);
      }
    bool redirect = false;
    for (const HttpFilter& f : a.rule->filters)
      redirect = redirect || f.type == "RequestRedirect";
    if (redirect) {  // §9, §16.2: the proxy answers, no backend
      ch.redirected = ch.redirected || a.first;
      continue;
    }
    // §16.2 fault.abort: the proxy answers the aborted share; which requests
    // fall in it is a free choice (one per rule of each chain).
    z3::expr chosen = a.first;
    const double abort = a.rule->fault ? a.rule->fault->abort_percent : 0.0;
    if (abort >= 100) {
      ch.aborted = ch.aborted || a.first;
      continue;
    }
    if (abort > 0) {
      const z3::expr coin =
          c_.bool_const(("abort!" + std::to_string(rp.chains.size()) + "!" +
                         std::to_string(e.route_rules.size()))
                            .c_str());
      ch.aborted = ch.aborted || (a.first && coin);
      chosen = a.first && !coin;
    }
    // Each weighted backend's ready pods in the proxy's cluster: for a
    // subset, those with its labels in the proxy's DestinationRule (§16.1);
    // RoutesEncodable admits only subsets every proxy sees defined, and one
    // that slipped through would have none (Envoy: no cluster).
    struct Target {
      const BackendRef* b;
      const Service* t;
      std::vector<size_t> pods;
    };
    std::vector<Target> targets;
    for (const BackendRef& b : a.rule->backends) {
      if (b.weight <= 0) continue;
      Target tg{&b, BackendService(c, b), {}};
      const Labels* subset = nullptr;
      if (!b.subset.empty() &&
          !Mutated(Mutation::kSubsetIgnored)) {  // wrong on purpose
        const DestinationRule* dr =
            DestinationRuleFor(sc_.mesh, c, proxy_ns, nullptr, *tg.t);
        const DestinationRuleSubset* sub =
            dr ? dr->FindSubset(b.subset) : nullptr;
        if (!sub) {
          targets.push_back(std::move(tg));
          continue;
        }
        subset = &sub->labels;
      }
      for (size_t wi : c.service_endpoints[c.service_by_key.at(tg.t->Key())])
        if (Serves(*tg.t, b.port, c.workloads[wi]) &&
            (!subset || InSubset(*subset, c, c.workloads[wi])))
          tg.pods.push_back(wi);
      targets.push_back(std::move(tg));
    }
    // §9: the share sent to a backend without such a pod fails there
    // (NoHealthyUpstream); whether a request falls in it is a free choice,
    // one per backend, and certain when every backend is empty.
    size_t empty = 0;
    z3::expr empty_share = c_.bool_val(false);
    for (const Target& tg : targets) {
      if (!tg.pods.empty()) continue;
      ++empty;
      empty_share =
          empty_share ||
          c_.bool_const(("empty!" + std::to_string(rp.chains.size()) + "!" +
                         std::to_string(e.route_rules.size()) + "!" +
                         std::to_string(tg.b - a.rule->backends.data()))
                            .c_str());
    }
    if (empty && empty == targets.size()) {
      ch.aborted = ch.aborted || chosen;
      continue;
    }
    if (empty) {
      ch.aborted = ch.aborted || (chosen && empty_share);
      chosen = chosen && !empty_share;
    }
    for (const Target& tg : targets) {
      const BackendRef& b = *tg.b;
      const Service* t = tg.t;
      for (size_t wi : tg.pods) {
        const size_t i = slot(wi);
        ch.routed_to[i] = ch.routed_to[i] || chosen;
        // A pod of both the addressed service and another backend is that
        // backend's for K11 only when a rule sending to the backend chose
        // it (to_other); its port is still taken as the backend's.
        if (t != &s) ch.to_other[i] = ch.to_other[i] || chosen;
        if (t != &s && !e.ep_svc[i]) {  // reached as the backend's pod
          e.ep_port[i] = BackendPort(b, *t);
          e.ep_svc[i] = t;
          std::string which;
          if (Intent(ci, t->labels, t->ns, &which)) e.ep_intended[i] = which;
        }
      }
    }
  }
  return ch;
}

std::string Encoder::NsOfPrincipal(const std::string& p) {
  size_t i = p.find("/ns/");
  if (i == std::string::npos) return "";
  size_t j = p.find('/', i + 4);
  return p.substr(i + 4,
                  j == std::string::npos ? std::string::npos : j - i - 4);
}

z3::expr Encoder::HttpMethod(const z3::expr& method) {
  AnyOf out(c_);
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                        "OPTIONS", "TRACE", "PATCH"})
    out.Add(method == c_.string_val(m));
  return out.Build();
}

z3::expr Encoder::ToReservedPort(const Encoded& e) {
  AnyOf out(c_);
  for (size_t i = 0; i < e.eps.size(); ++i) {
    const z3::expr port = PodPort(
        e, sc_.mesh.clusters[e.eps[i].cluster].workloads[e.eps[i].wi], i);
    for (const int own : {15000, 15001, 15006, 15008})
      out.Add(e.ep == c_.int_val(static_cast<int>(i)) && port == own);
  }
  return out.Build();
}

// The pod port a request to endpoint `i` arrives on: the targetPort of the
// backend a route chose, else of the addressed service.
z3::expr Encoder::PodPort(const Encoded& e, const Workload& w, size_t i) {
  // A route's backend (encoder_routes.cc): its port, or the request's.
  if (i < e.ep_svc.size() && e.ep_svc[i] && e.routed)
    return z3::ite(*e.routed, TargetOf(*e.ep_svc[i], w, RequestPort(e, i)),
                   TargetOf(*e.svc, w, e.port));
  return e.svc ? TargetOf(*e.svc, w, e.port) : e.port;
}

z3::expr Encoder::RequestPort(const Encoded& e, size_t i) {
  if (i < e.ep_port.size() && e.ep_port[i] && e.routed)
    return z3::ite(*e.routed, c_.int_val(e.ep_port[i]), e.port);
  return e.port;
}

namespace {
const std::string kNoName;
}  // namespace

z3::expr Encoder::TargetOf(const Service& svc, const Workload& w,
                           const z3::expr& asked) {
  z3::expr out = asked;
  for (const ServicePort& sp : svc.ports) {
    int target = sp.target_port ? sp.target_port : sp.port;
    // §3.4: the name the workload's own ports are looked up by: a
    // Service's named targetPort (a peered entry keeps its Service's);
    // else, for a WorkloadEntry (any service) or a pod a ServiceEntry
    // selects, the port's own name.
    const bool named = !sp.target_port && !sp.target_port_name.empty();
    // An EndpointSlice endpoint: its slice's port of the Service port's
    // name, else the Service's targetPort (its name then serves nothing).
    const bool slice = w.kind == "EndpointSlice";
    const std::string& name = slice   ? sp.name
                              : named ? sp.target_port_name
                              : (w.kind == "WorkloadEntry" ||
                                 (svc.kind == "ServiceEntry" && !svc.peered))
                                  ? sp.name
                                  : kNoName;
    for (const ContainerPort& cp : w.ports)
      if (cp.name == name && (!name.empty() || slice)) target = cp.port;
    if (target != sp.port)
      out = z3::ite(asked == c_.int_val(sp.port), c_.int_val(target), out);
  }
  return out;
}

// §5, §9: whether an ingress route names `key` (IngressTerms states which
// requests it sends there).
bool Encoder::IngressReaches(const SourceClass& cls, const std::string& key,
                             bool* refused) const {
  const Cluster& c = sc_.mesh.clusters[cls.cluster];
  if (cls.router) {
    // §16.3: a Router reaches what the VirtualServices bound to its Istio
    // Gateways name.
    const Service* s = c.FindService(key);
    return s && RouterEntryTo(c, cls, *s);
  }
  const std::string gns = cls.gateway.substr(0, cls.gateway.find('/'));
  const std::string gname = cls.gateway.substr(cls.gateway.find('/') + 1);
  for (const HttpRoute& r : c.routes) {
    bool attached = false;
    for (const ParentRef& p : r.parents)
      attached |= p.kind == "Gateway" && p.ns == gns && p.name == gname;
    if (!attached) continue;
    const Service* s = c.FindService(key);
    for (const HttpRouteRule& rule : r.rules)
      for (const BackendRef& b : rule.backends) {
        if (b.weight <= 0) continue;
        if ((b.kind == "Service" || b.kind == "ServiceEntry") &&
            b.ns + "/" + b.name == key) {
          // §9: into another namespace only with a ReferenceGrant there.
          if (b.ns == r.ns ||
              c.ReferenceGranted(r.kind, r.ns, b.kind, b.ns, b.name))
            return true;
          *refused = true;
          continue;
        }
        // A backendRef of kind Hostname (e.g. a peering name, §15.2).
        if (b.kind == "Hostname" && s &&
            std::find(s->hosts.begin(), s->hosts.end(), b.name) !=
                s->hosts.end())
          return true;
      }
  }
  return false;
}

void Encoder::IngressTerms(const std::string& key, bool refused_fallback,
                           size_t k, const Encoded& e, z3::expr& reach,
                           z3::expr& refused) {
  const SourceClass& cls = classes()[k];
  const Cluster& c = sc_.mesh.clusters[cls.cluster];
  RouteEncoder re(c_, e, sc_.mesh);
  std::optional<std::vector<RouteArm>> chain;
  if (cls.router) {
    // §16.3: the VirtualServices bound to the Router's Istio Gateways.
    const Workload* pod = c.FindWorkload(cls.workload);
    if (pod) chain = re.RouterChain(c, *pod);
  } else {
    chain = re.GatewayChain(c, cls.gateway);
  }
  if (!chain) {
    reach = c_.bool_val(!refused_fallback);
    refused = c_.bool_val(refused_fallback);
    return;
  }
  const Service* s = c.FindService(key);
  reach = refused = c_.bool_val(false);
  for (const RouteArm& arm : *chain) {
    bool redirect = false;
    for (const HttpFilter& f : arm.rule->filters)
      redirect = redirect || f.type == "RequestRedirect";
    if (redirect) continue;  // answered by the ingress itself
    const HttpRoute& r = *arm.route;
    for (const BackendRef& b : arm.rule->backends) {
      if (b.weight <= 0) continue;
      bool named = (b.kind == "Service" || b.kind == "ServiceEntry") &&
                   b.ns + "/" + b.name == key;
      if (b.kind == "Hostname" && s) {
        // A VirtualService destination: a host, short names in the route's
        // namespace (§16.2); an HTTPRoute's Hostname backend as written.
        if (r.IsVirtualService()) {
          const std::vector<size_t> idx =
              c.ServicesForHost(b.name, b.ns, /*sidecar=*/true);
          named = !idx.empty() && &c.services[idx.front()] == s;
        } else {
          named = std::find(s->hosts.begin(), s->hosts.end(), b.name) !=
                  s->hosts.end();
        }
      }
      if (!named) continue;
      // §9: into another namespace only with a ReferenceGrant there.
      if (b.kind == "Hostname" || b.ns == r.ns ||
          c.ReferenceGranted(r.kind, r.ns, b.kind, b.ns, b.name))
        reach = reach || arm.first;
      else
        refused = refused || arm.first;
    }
  }
  // A Router's TCP connections are not stated (its chain reads HTTP).
  if (cls.router) reach = reach || !e.http;
  refused = refused && !reach;
}

}  // namespace meshsim::verify
