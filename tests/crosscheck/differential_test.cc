// Differential test: the Z3 encoding (verify/) and the simulator's path
// function (sim/dataplane) are independent implementations of the same rules.
// For every enumerated concrete request — each source class with a pod, each
// service by VIP and each pod by IP, GET / on each declared port — the set of
// (waypoint passes, outcome) the encoding allows must equal the set the path
// function computes. Two known approximations are checked as relations
// instead (docs/semantics.md#engine-differences): PreferNetwork (the path
// function's answers among the encoding's) and no reachable endpoint (the
// encoding states none, the path function delivers none). Runs on every
// bundled scenario and on 320 seeded random meshes of one to three clusters
// (community or Solo); prints the requests compared by client kind, cluster
// count and distribution. Ingress is compared from Gateway API gateways
// through their HTTPRoutes and from Istio Gateway Routers through their
// VirtualServices (§16.3). Disagreements print the request and both answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "model/io/loader.h"
#include "model/labels.h"
#include "model/networking.h"
#include "sim/dataplane.h"
#include "verify/mutation.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

using OutcomeSet = std::set<std::pair<int, Outcome>>;

std::string Show(const OutcomeSet& s) {
  std::string out = "{";
  for (const auto& [n, o] : s)
    out += " (" + std::to_string(n) + ", " + OutcomeName(o) + ")";
  return out + " }";
}

// Services and pods the comparison covers: the encoding does not model
// HTTPRoute backends, ServiceEntries (other than peering's) or headless
// services (docs/verification.md).
// Services whose routes the encoding states, compared so far (per source).
int g_routed_compared = 0;

// A VirtualService with no `gateways` or naming `mesh` routes mesh traffic
// (§16.2); one bound only to Istio Gateways routes their Routers alone.
bool AppliesToMesh(const HttpRoute& vs) {
  return vs.gateways.empty() ||
         std::find(vs.gateways.begin(), vs.gateways.end(), "mesh") !=
             vs.gateways.end();
}

// A VirtualService for `mesh` with a host naming `s` (§16.2).
bool RoutesForMesh(const HttpRoute& r, const Service& s) {
  if (!r.IsVirtualService() || !AppliesToMesh(r)) return false;
  for (const std::string& h : r.hostnames)
    if (HostCoversService(ExpandHost(h, r.ns), s)) return true;
  return false;
}

bool Comparable(const Mesh& mesh, const Cluster& c, const Service& s) {
  // Peering's generated entries (§15.2) are compared like Services.
  // So are ServiceEntries of mesh pods (§3.4: an address, STATIC, a
  // workloadSelector); the encoding states no destination outside the mesh.
  // An entry whose inline endpoints are all addresses is one of workloads
  // too (§3.4), wherever its location says they are.
  bool endpoint_workloads = !s.inline_endpoints.empty();
  for (const Service::Endpoint& ep : s.inline_endpoints)
    endpoint_workloads &= ep.workload;
  const bool mesh_entry = s.kind == "ServiceEntry" &&
                          s.resolution == "STATIC" &&
                          ((s.selector && s.location_kind != "MESH_EXTERNAL") ||
                           endpoint_workloads);
  if ((s.kind != "Service" && !mesh_entry && !s.peered) || s.vips.empty() ||
      s.external_name)
    return false;
  // GAMMA routes and VirtualServices for `mesh` are compared where the
  // encoding states them (§9, §16.2, verify::RoutesEncodable); other routed
  // services are left out.
  bool routed = false;
  for (const HttpRoute& r : c.routes) {
    for (const ParentRef& p : r.parents)
      routed |= p.kind == "Service" && p.ns == s.ns && p.name == s.name;
    routed |= RoutesForMesh(r, s);
  }
  return !routed || verify::RoutesEncodable(mesh, c, s, nullptr);
}

// Requests compared so far, by client kind, by the scenario's cluster count
// and by distribution: the summary each test prints.
std::map<std::string, int> g_compared;

// No endpoint the client can reach: the encoding has no request to state,
// and the path function fails every request (NoHealthyUpstream, no
// gateway) or denies it first (a waypoint's policy runs before its load
// balancer; docs/semantics.md#engine-differences). Counted, not compared.
// §4.6, §16.7: the encoding states neither NetworkPolicy nor an ingress
// entered from inside: a request with such a path is not compared. Counted.
bool StoppedByNetworkPolicy(const Path& p) {
  if (p.outcome == Outcome::kFailed &&
      p.reason.rfind("NetworkPolicy ", 0) == 0) {
    ++g_compared["requests a NetworkPolicy stops (paths only)"];
    return true;
  }
  // §16.7: nor one that enters an ingress from inside the cluster (its
  // Service or an external address), which the encoding ends at its pod.
  for (size_t i = 1; i < p.hops.size(); ++i)
    if (p.hops[i].kind == HopKind::kIngress) {
      ++g_compared["requests entering an ingress from inside (paths only)"];
      return true;
    }
  return false;
}

// §3.8: the encoding lets a client pick any endpoint of a node-local
// Service (a superset: proofs hold, docs/semantics.md#engine-differences);
// the path function keeps the proxy's node. Counted, not compared.
bool NodeLocal(const Service* s) {
  if (!s || !s->node_local) return false;
  ++g_compared["requests to a node-local Service (paths only)"];
  return true;
}

bool NothingReachable(const EncodedOutcomes& got, const OutcomeSet& expected) {
  if (!got.outcomes.empty() ||
      !std::all_of(expected.begin(), expected.end(), [](const auto& o) {
        return o.second != Outcome::kDelivered;
      }))
    return false;
  ++g_compared["no endpoint reachable (both: no delivery)"];
  return true;
}

// An ingress client (§5): for each HTTPRoute of the gateway that alone
// serves its hostname with one rule sending GET requests to one Service,
// the request through the gateway (its hostname, listener port and the
// rule's path) against the encoding's ingress class to that Service.
// One ingress request `t` (GET, its path) to service `svc` on `svc_port`:
// the path function's outcomes against the encoding's for class `src`.
void CompareIngressRequest(const Scenario& sc, const SourceClass& src,
                           OutcomeOracle& oracle, const TrafficEntry& t,
                           const Service& svc, int svc_port,
                           const std::string& what, int* mismatches) {
  const std::string& path = t.http->path;
  if (NodeLocal(&svc)) return;
  OutcomeSet expected;
  for (const Path& p : EnumeratePaths(BuildForwardingGraph(sc.mesh, t))) {
    if (StoppedByNetworkPolicy(p)) return;
    expected.insert({static_cast<int>(p.waypoints.size()), p.outcome});
  }
  EncodedOutcomes got = oracle.Outcomes(src, svc.Key(), "", svc_port, "GET",
                                        path, nullptr, t.to.host);
  if (NothingReachable(got, expected)) return;
  if (mismatches) {
    *mismatches += got.outcomes != expected;
    return;
  }
  EXPECT_FALSE(got.unknown);
  EXPECT_EQ(got.outcomes, expected)
      << what << " to " << t.to.host << ":" << t.to.port << " GET " << path
      << " (service " << svc.Key() << ")"
      << "\n  encoding: " << Show(got.outcomes)
      << "\n  paths:    " << Show(expected);
}

int CompareIngress(const Scenario& sc, const SourceClass& src,
                   OutcomeOracle& oracle, const std::string& label,
                   int* mismatches) {
  const Cluster& c = sc.mesh.clusters[src.cluster];
  const Gateway* gw = c.FindGateway(src.gateway);
  if (!gw) return 0;
  const std::string gns = src.gateway.substr(0, src.gateway.find('/'));
  const std::string gname = src.gateway.substr(src.gateway.find('/') + 1);
  std::map<std::string, std::vector<const HttpRoute*>> by_host;
  for (const HttpRoute& r : c.routes) {
    if (r.kind != "HTTPRoute") continue;
    for (const ParentRef& p : r.parents)
      if (p.kind == "Gateway" && p.ns == gns && p.name == gname) {
        for (const std::string& h : r.hostnames) by_host[h].push_back(&r);
        break;
      }
  }
  int compared = 0;
  for (const auto& [host, routes] : by_host) {
    if (routes.size() != 1 || host.find('*') != std::string::npos) continue;
    const HttpRoute& r = *routes.front();
    if (r.rules.size() != 1 || r.rules[0].backends.size() != 1 ||
        !r.rules[0].filters.empty())
      continue;
    const HttpRouteRule& rule = r.rules[0];
    const BackendRef& b = rule.backends[0];
    if (b.kind != "Service" || b.weight <= 0 || b.port == 0) continue;
    std::string path = "/";
    if (!rule.matches.empty()) {
      const HttpMatch& m = rule.matches[0];
      if (!m.headers.empty() || !m.query_params.empty() ||
          (!m.method.empty() && m.method != "GET") ||
          m.path_type == "RegularExpression")
        continue;
      if (!m.path_value.empty()) path = m.path_value;
    }
    const Service* svc = c.FindService(b.ns + "/" + b.name);
    if (!svc || svc->kind != "Service" || !Comparable(sc.mesh, c, *svc))
      continue;
    int port = 0;
    for (const Listener& l : gw->listeners)
      if (l.protocol == "HTTP" && (l.hostname.empty() || l.hostname == host)) {
        port = l.port;
        break;
      }
    if (!port) continue;
    TrafficEntry t;
    t.name = "diff";
    t.from.cluster = c.name;
    t.from.ingress = src.gateway;
    // Every second request spells the Host in capitals: Envoy matches
    // domains case-insensitively (§9), and so must both engines.
    t.to.host = host;
    if (compared % 2)
      std::transform(t.to.host.begin(), t.to.host.end(), t.to.host.begin(),
                     [](unsigned char ch) { return std::toupper(ch); });
    t.to.port = port;
    t.http = HttpRequest{"GET", path, {}, std::nullopt};
    ++compared;
    CompareIngressRequest(sc, src, oracle, t, *svc, b.port,
                          label + ": from ingress " + src.gateway, mismatches);
  }
  return compared;
}

// §16.3: an Istio Gateway Router, through each VirtualService bound to one
// of its gateways alone for a host (one rule, one destination, a path match
// the comparison can send): the request an outside client sends to that
// server, against the encoding's Router class towards the service.
int CompareRouter(const Scenario& sc, const SourceClass& src,
                  OutcomeOracle& oracle, const std::string& label,
                  int* mismatches) {
  const Cluster& c = sc.mesh.clusters[src.cluster];
  const Workload* pod = c.FindWorkload(src.workload);
  if (!pod) return 0;
  int compared = 0;
  for (const IstioGateway* g : IstioGatewaysForPod(c, *pod))
    for (const IstioServer& srv : g->servers)
      for (const HttpRoute& r : c.routes) {
        if (!r.IsVirtualService() || r.rules.size() != 1 ||
            r.rules[0].backends.size() != 1 || !r.rules[0].filters.empty())
          continue;
        const HttpRouteRule& rule = r.rules[0];
        std::string path = "/";
        if (!rule.matches.empty()) {
          const HttpMatch& m = rule.matches[0];
          if (!m.headers.empty() || !m.query_params.empty() ||
              (!m.method.empty() && m.method != "GET") || m.port ||
              m.source_labels || m.path_type == "RegularExpression")
            continue;
          if (!m.path_value.empty()) path = m.path_value;
        }
        const BackendRef& b = rule.backends[0];
        const std::vector<size_t> idx = c.ServicesForHost(b.name, b.ns);
        if (idx.size() != 1) continue;
        const Service& svc = c.services[idx[0]];
        if (svc.kind != "Service" || !Comparable(sc.mesh, c, svc)) continue;
        // §16.2: a destination without a port takes its Service's only
        // port, else the request's (the server's).
        int port = b.port                  ? b.port
                   : svc.ports.size() == 1 ? svc.ports[0].port
                                           : 0;
        for (const ServicePort& sp : svc.ports)
          if (!port && sp.port == srv.port) port = sp.port;
        if (!port) continue;
        for (const std::string& pattern : r.hostnames) {
          // A wildcard host is asked as one concrete name it matches; the
          // binding check below still decides which route takes it.
          std::string host = pattern;
          if (host.rfind('*', 0) == 0) host = "any" + host.substr(1);
          if (host.find('*') != std::string::npos) continue;
          const std::vector<const HttpRoute*> bound =
              VirtualServicesAtIstioGateway(c, *g, srv, host);
          if (bound.size() != 1 || bound[0] != &r) continue;
          TrafficEntry t;
          t.name = "diff";
          t.from.cluster = c.name;
          t.from.ingress = g->Key();
          t.to.host = host;
          t.to.port = srv.port;
          t.http = HttpRequest{"GET", path, {}, std::nullopt};
          ++compared;
          CompareIngressRequest(
              sc, src, oracle, t, svc, port,
              label + ": from Router " + src.gateway + " through " + g->Key(),
              mismatches);
          // And one its rule may not take: the Router's chain (404 when no
          // rule matches) is stated in the encoding too.
          t.http->path = "/zz-unrouted";
          ++compared;
          CompareIngressRequest(
              sc, src, oracle, t, svc, port,
              label + ": from Router " + src.gateway + " through " + g->Key(),
              mismatches);
        }
      }
  return compared;
}

void Count(const Scenario& sc, const std::string& client, int n) {
  g_compared["client " + client] += n;
  g_compared[sc.mesh.clusters.size() == 1 ? "1 cluster" : "2+ clusters"] += n;
  g_compared[sc.mesh.istio.distribution == Distribution::kSolo ? "solo"
                                                               : "community"] +=
      n;
}

void PrintCompared(const char* what) {
  std::cerr << what << ": requests compared:";
  for (const auto& [k, n] : g_compared)
    std::cerr << " " << k << " " << n << ";";
  std::cerr << "\n";
}

// The pod that stands for "any pod outside the mesh" in a cluster: a ready
// pod of namespace `outside` that nothing captures and no policy names (the
// random meshes have one).
const Workload* OutsideStandIn(const Cluster& c) {
  for (const Workload& w : c.workloads)
    if (w.ns == "outside" && w.kind == "Pod" && w.ready &&
        w.role == WorkloadRole::kApplication &&
        w.capture == Capture::kUncaptured)
      return &w;
  return nullptr;
}

// Compares every request of a scenario; returns the number compared. With
// `mismatches`, disagreements are counted there instead of failing the test
// (the mutation check).
// Request shapes drawn from the random meshes' own policies and routes
// (methods GET and POST, paths / and /api).
const char* const kShapes[][2] = {
    {"GET", "/"}, {"POST", "/api"}, {"GET", "/api/v1"}};

// `rotate` >= 0: source class k sends kShapes[(rotate + k) % 3] instead of
// `method` and `path`, so that one mesh is asked every shape.
int CompareAll(const Scenario& sc, const std::string& label,
               int* mismatches = nullptr, const std::string& method = "GET",
               const std::string& path = "/", int rotate = -1) {
  int compared = 0;
  OutcomeOracle oracle(sc);
  const std::vector<SourceClass> classes = SourceClasses(sc);
  for (size_t ki = 0; ki < classes.size(); ++ki) {
    const SourceClass& src = classes[ki];
    const int before = compared;
    const size_t shape = (static_cast<size_t>(rotate) + ki) % 3;
    const std::string cm = rotate >= 0 ? kShapes[shape][0] : method;
    const std::string cp = rotate >= 0 ? kShapes[shape][1] : path;
    const std::string clabel =
        rotate >= 0 ? label + " (" + cm + " " + cp + ")" : label;
    if (src.kind == ClientKind::kIngress) {
      if (src.router) {
        compared += CompareRouter(sc, src, oracle, clabel, mismatches);
        Count(sc, "ingress", compared - before);
        g_compared["ingress through an Istio Gateway"] += compared - before;
        continue;
      }
      compared += CompareIngress(sc, src, oracle, clabel, mismatches);
      Count(sc, "ingress", compared - before);
      continue;
    }
    const Cluster& c = sc.mesh.clusters[src.cluster];
    // The synthetic class is compared where a concrete pod stands for it.
    const Workload* w =
        src.workload.empty() ? OutsideStandIn(c) : c.FindWorkload(src.workload);
    if (!w) continue;
    auto check = [&](const std::string& svc, const std::string& pod, int port) {
      TrafficEntry t;
      t.name = "diff";
      t.from.cluster = c.name;
      t.from.ns = w->ns;
      t.from.workload = w->name;
      if (!svc.empty()) t.to.host = c.FindService(svc)->Hostname();
      t.to.pod = pod;
      t.to.port = port;
      t.http = HttpRequest{cm, cp, {}, std::nullopt};
      OutcomeSet expected;
      std::set<std::tuple<int, std::string, Outcome>> expected_via;
      bool stopped = false;
      bool pod_reached = false;  // a delivered path ends at a backend's pod
      for (const Path& p : EnumeratePaths(BuildForwardingGraph(sc.mesh, t))) {
        stopped = stopped || StoppedByNetworkPolicy(p);
        pod_reached = pod_reached ||
                      (p.outcome == Outcome::kDelivered && !p.backend.empty());
        // §3.4: ztunnel picks a ServiceEntry endpoint of a gateway-less
        // network and refuses the connection; the encoding leaves the
        // endpoint out (docs/semantics.md#engine-differences). Counted.
        if (p.outcome == Outcome::kFailed &&
            p.reason.find("NoValidDestination") != std::string::npos) {
          ++g_compared["ServiceEntry endpoints ztunnel refuses (paths only)"];
          continue;
        }
        expected.insert({static_cast<int>(p.waypoints.size()), p.outcome});
        expected_via.insert({static_cast<int>(p.waypoints.size()),
                             p.waypoints.empty() ? "" : p.waypoints.back(),
                             p.outcome});
      }
      if (stopped || NodeLocal(svc.empty() ? nullptr : c.FindService(svc)))
        return;
      // A client outside the mesh dials a ServiceEntry's host itself: the
      // path function sends it outside (§3.4), the encoding states no
      // destination outside the mesh. Not compared.
      if (src.kind == ClientKind::kUncaptured && !svc.empty() &&
          c.FindService(svc)->kind == "ServiceEntry")
        return;
      // §2.4: a NAMESPACE entry of another namespace is in the client's
      // view neither by name nor by address (the path function: the host
      // resolves to another service, if any; the encoding: no request to
      // the entry). Counted.
      if (!svc.empty() && !Cluster::Visible(*c.FindService(svc), w->ns,
                                            src.kind == ClientKind::kSidecar)) {
        ++g_compared
            ["requests to a ServiceEntry the client does not see "
             "(paths only)"];
        return;
      }
      // §3.4: nor does an ambient client without ztunnel's DNS proxy to an
      // allocated or peered entry (the path function: it dials the real
      // address, or the name does not resolve; the encoding: no request to
      // the entry). Counted.
      if (src.kind == ClientKind::kAmbient && !src.dns_capture &&
          !svc.empty() && c.FindService(svc)->kind == "ServiceEntry" &&
          (c.FindService(svc)->auto_allocated || c.FindService(svc)->peered)) {
        ++g_compared
            ["ambient clients without DNS capture to a ServiceEntry "
             "(paths only)"];
        return;
      }
      EncodedOutcomes got = oracle.Outcomes(src, svc, pod, port, cm, cp);
      ++compared;
      if (!svc.empty() && c.FindService(svc)->kind == "ServiceEntry")
        ++g_compared["requests to a ServiceEntry of mesh pods"];
      if (src.kind == ClientKind::kSidecar && !svc.empty()) {
        const DestinationRule* dr = DestinationRuleFor(
            sc.mesh, c, w->ns, &w->labels, *c.FindService(svc));
        const std::optional<TrafficPolicy> tp =
            dr ? dr->PolicyFor(port, "") : std::nullopt;
        if (tp && tp->tls_mode == "DISABLE")
          ++g_compared["sidecar requests a DestinationRule makes plaintext"];
      }
      // No endpoint this client can reach: the path function fails every
      // request (NoHealthyUpstream, or no gateway), the encoding has no
      // request to state (docs/semantics.md#engine-differences).
      if (NothingReachable(got, expected)) return;
      // A Service with no endpoint at all where no path reaches a pod: a
      // proxy may still answer (a waypoint route's redirect); the encoding
      // states requests to endpoints only
      // (docs/semantics.md#engine-differences). Counted.
      if (got.outcomes.empty() && !svc.empty() && !pod_reached) {
        const auto own = c.service_by_key.find(svc);
        if (own != c.service_by_key.end() &&
            c.service_endpoints[own->second].empty()) {
          ++g_compared["a Service without endpoints (paths only)"];
          return;
        }
      }
      // Peering's PreferNetwork keeps the client's network's endpoints,
      // where the encoding allows any ready one (docs/semantics.md,
      // "Where the engines differ"): there the path function's answers must
      // be among the encoding's.
      const Service* target = svc.empty() ? nullptr : c.FindService(svc);
      if (target && target->peered && target->traffic_distribution != "Any") {
        ++g_compared["peered, PreferNetwork (paths within the encoding)"];
        const bool within =
            std::includes(got.outcomes.begin(), got.outcomes.end(),
                          expected.begin(), expected.end());
        if (mismatches) {
          *mismatches += !within;
          return;
        }
        EXPECT_TRUE(within)
            << clabel << ": from " << src.id << " to service " << svc << ":"
            << port << "\n  encoding: " << Show(got.outcomes)
            << "\n  paths:    " << Show(expected);
        return;
      }
      if (mismatches) {
        std::set<std::tuple<int, std::string, Outcome>> have(
            got.detailed.begin(), got.detailed.end());
        *mismatches += have != expected_via || got.outcomes != expected;
        return;
      }
      EXPECT_FALSE(got.unknown);
      // Which waypoint, not only how many: the last one passed.
      if (got.outcomes == expected) {
        std::string want, have;
        for (const auto& [n, w, o] : expected_via)
          want +=
              "(" + std::to_string(n) + " " + w + " " + OutcomeName(o) + ")";
        for (const auto& [n, w, o] : got.detailed)
          have +=
              "(" + std::to_string(n) + " " + w + " " + OutcomeName(o) + ")";
        EXPECT_EQ(have, want)
            << clabel << ": from " << src.id << " to "
            << (svc.empty() ? "pod " + pod : "service " + svc) << ":" << port;
      }
      EXPECT_EQ(got.outcomes, expected)
          << clabel << ": from " << src.id << " to "
          << (svc.empty() ? "pod " + pod : "service " + svc) << ":" << port
          << "\n  encoding: " << Show(got.outcomes)
          << "\n  paths:    " << Show(expected);
    };
    for (const Service& s : c.services) {
      if (!Comparable(sc.mesh, c, s)) continue;
      if (verify::RoutesEncodable(sc.mesh, c, s, nullptr)) {
        ++g_routed_compared;
        // §9 in a multicluster mesh: each cluster's own routes and pods.
        if (sc.mesh.clusters.size() > 1)
          ++g_compared["routed services in a multicluster mesh (per source)"];
        for (const HttpRoute& r : c.routes)
          if (RoutesForMesh(r, s)) {
            ++g_compared["services routed by a VirtualService (per source)"];
            break;
          }
        bool rewrites = false;  // §16.2: a rewrite no later proxy reads
        for (const HttpRoute& r : c.routes)
          if (RoutesForMesh(r, s))
            for (const HttpRouteRule& rule : r.rules)
              for (const HttpFilter& f : rule.filters)
                rewrites = rewrites || f.type == "URLRewrite" ||
                           f.type == "RequestHeaderModifier";
        if (rewrites)
          ++g_compared["services whose route rewrites (per source)"];
        bool answers = false;  // §16.2, §9: a redirect or an abort
        for (const HttpRoute& r : c.routes)
          if (RoutesForMesh(r, s))
            for (const HttpRouteRule& rule : r.rules) {
              answers =
                  answers || (rule.fault && rule.fault->abort_percent > 0);
              for (const HttpFilter& f : rule.filters)
                answers = answers || f.type == "RequestRedirect";
            }
        if (answers)
          ++g_compared
              ["services whose route redirects or aborts (per "
               "source)"];
      }
      // §3.4: an entry another holds every host of is in no one's view.
      if (s.Shadowed()) continue;
      for (const ServicePort& sp : s.ports) check(s.Key(), "", sp.port);
    }
    for (const Workload& p : c.workloads) {
      // Pods, and WorkloadEntries and inline endpoints of ServiceEntries
      // (§3.2, §3.4), dialled by address.
      if (p.role != WorkloadRole::kApplication || !p.ready ||
          (p.kind != "Pod" && p.kind != "WorkloadEntry"))
        continue;
      if (p.Key() == w->Key()) continue;  // self-calls never leave the pod
      int port = p.ports.empty() ? 80 : p.ports.front().port;
      bool targeted = false;
      for (size_t si = 0; si < c.services.size(); ++si) {
        const auto& eps = c.service_endpoints[si];
        if (std::find(eps.begin(), eps.end(), c.workload_by_key.at(p.Key())) ==
            eps.end())
          continue;
        for (const ServicePort& sp : c.services[si].ports) {
          const int tp = sp.target_port
                             ? sp.target_port
                             : (sp.target_port_name.empty() ? sp.port : 0);
          if (!targeted && tp > 0) {
            port = tp;
            targeted = true;
          }
        }
      }
      const int before_entry = compared;
      check("", p.Key(), port);
      if (p.kind == "WorkloadEntry")
        g_compared
            ["requests to a WorkloadEntry or ServiceEntry endpoint by "
             "address"] += compared - before_entry;
    }
    Count(sc,
          src.workload.empty() ? "outside the mesh" : ClientKindName(src.kind),
          compared - before);
  }
  return compared;
}

// Every scenario file: the bundled ones, the diff pairs, and the verify
// cases' flagged and fixed twins, sorted. The sanitizer build takes every
// MESHSIM_DIFF_SCENARIOS_EVERY-th file (scripts/test.sh; the normal build
// has already compared them all); `every` says which.
std::vector<std::string> BundledScenarioFiles(size_t* every) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator("scenarios")) {
    const std::string name = e.path().filename().string();
    if (name == "scenario.yaml" || name == "flagged.yaml" ||
        name == "fixed.yaml")
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  *every = 1;
  if (const char* env = std::getenv("MESHSIM_DIFF_SCENARIOS_EVERY"))
    *every = std::max(1, std::atoi(env));
  std::vector<std::string> taken;
  for (size_t i = 0; i < files.size(); i += *every) taken.push_back(files[i]);
  return taken;
}

TEST(DifferentialTest, BundledScenarios) {
  size_t every = 1;
  int total = 0;
  for (const std::string& file : BundledScenarioFiles(&every)) {
    Diagnostics d;
    auto sc = LoadScenarioFile(file, d);
    ASSERT_TRUE(sc && !d.HasErrors()) << file;
    total += CompareAll(*sc, file);
  }
  EXPECT_GT(total, 100 / static_cast<int>(every));
  std::cerr << "routed services compared (per source class): "
            << g_routed_compared << "\n";
  PrintCompared("bundled scenarios");
}

// The mutation check (docs/verification.md#mutation-check): each
// deliberately wrong rule, switched on in the encoding only, makes it
// disagree with the path function on the scenario listed for it, so the
// cross-check above would catch that bug. The listed scenario was found by
// running every mutant over every bundled scenario.
TEST(DifferentialTest, EveryMutationOfTheEncodingIsCaught) {
  const std::map<verify::Mutation, std::string> killers = {
      {verify::Mutation::kNamespaceOverObject,
       "scenarios/verify/k08-no-fallback/flagged.yaml"},
      {verify::Mutation::kNoneFallsThrough,
       "scenarios/conformance/index-update-waypoint-for-workload/"
       "scenario.yaml"},
      {verify::Mutation::kWaypointForIgnored,
       "scenarios/conformance/index-waypoint-for-service-traffic/"
       "scenario.yaml"},
      {verify::Mutation::kEastWestAlwaysToWaypoint,
       "scenarios/multicluster-waypoints/scenario.yaml"},
      {verify::Mutation::kFailOpen,
       "scenarios/verify/k17-waypoint-down/flagged.yaml"},
      {verify::Mutation::kIngressOptInAnyRelease,
       "scenarios/ingress-use-waypoint-1.24/scenario.yaml"},
      {verify::Mutation::kSidecarSkipsRoutes,
       "scenarios/gamma-routes/scenario.yaml"},
      {verify::Mutation::kRuleOrder, "scenarios/gamma-routes/scenario.yaml"},
      {verify::Mutation::kAllowedRoutesIgnored,
       "scenarios/conformance/services-cross-namespace-waypoint-denied/"
       "scenario.yaml"},
      {verify::Mutation::kWaypointSkipsVirtualServices,
       "scenarios/verify/k11-virtual-service-across-waypoints/flagged.yaml"},
      {verify::Mutation::kSubsetIgnored,
       "scenarios/verify/k11-virtual-service-across-waypoints/flagged.yaml"},
      {verify::Mutation::kCanaryIgnored,
       "scenarios/conformance/agentgateway-canary-weight-100-all-agentgateway-"
       "waypoint-admit-agentgateway/scenario.yaml"},
  };
  for (const auto& [mutation, name] : verify::kMutations) {
    const auto it = killers.find(mutation);
    ASSERT_NE(it, killers.end()) << name;
    Diagnostics d;
    auto sc = LoadScenarioFile(it->second, d);
    ASSERT_TRUE(sc && !d.HasErrors()) << it->second;
    // Correct, the encoding agrees; mutated, it must not.
    int clean = 0, mutated = 0;
    CompareAll(*sc, it->second, &clean);
    EXPECT_EQ(clean, 0) << it->second;
    verify::ActiveMutation() = mutation;
    CompareAll(*sc, it->second, &mutated);
    verify::ActiveMutation() = verify::Mutation::kNone;
    EXPECT_GT(mutated, 0) << "mutation " << name << " went unnoticed";
  }
}

// The shape of a random mesh: how many clusters, on which networks, and
// which multicluster model joins them.
struct MeshShape {
  int clusters = 1;
  bool solo = false;       // Solo peering (§15.2), else community (§7)
  bool multi_net = false;  // AMBIENT_ENABLE_MULTI_NETWORK (community)
};

// One cluster's resources of a random mesh (2-space list items under
// `resources:`): namespaces with random enrolment and bindings, waypoints of
// random types and allowedRoutes, services and pods with random labels,
// random L4 and L7 policies and PeerAuthentication, an ingress gateway with
// hostname routes, a pod outside the mesh, and, with several clusters, the
// system namespace's network, an east-west gateway and random export labels
// (istio.io/global, or Solo's solo.io/service-scope).
void RandomCluster(std::mt19937 rng, std::mt19937& local,
                   const MeshShape& shape, const std::string& network,
                   std::ostringstream& y) {
  // `rng` draws the configuration, the same in every cluster (namespace
  // sameness, which Istio's and Solo's multicluster both assume); `local`
  // draws what differs: which workloads run here, their replicas, the
  // east-west gateway.
  auto here = [&](int percent) {
    return static_cast<int>(local() % 100) < percent;
  };
  auto pick = [&](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  auto coin = [&](int percent) {
    return static_cast<int>(rng() % 100) < percent;
  };
  int opaque = 0;  // the last opaque EndpointSlice address, 192.0.2.<n>
  if (shape.clusters > 1) {
    y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: istio-system, "
         "labels: {topology.istio.io/network: "
      << network << "}}}\n";
    if (here(90)) {
      y << "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: Gateway\n"
           "    metadata: {name: "
        << (shape.solo ? "istio-eastwest" : "istio-eastwestgateway")
        << ", namespace: istio-system, labels: {topology.istio.io/network: "
        << network << "}}\n    spec: {gatewayClassName: "
        << (shape.solo ? "istio-eastwest" : "istio-east-west")
        << ", listeners: [{name: mesh, port: 15008, protocol: HBONE"
        // §7.1: istiod takes it only terminating TLS (now and then not).
        << (shape.solo || here(95)
                ? ", tls: {mode: Terminate, options: "
                  "{gateway.istio.io/tls-terminate-mode: ISTIO_MUTUAL}}"
                : "")
        << "}]}\n";
    }
  }
  // The export label of a Service or Namespace, or "" (§7.1, §15.2).
  auto scope = [&](int percent) -> std::string {
    if (shape.clusters == 1 || !coin(percent)) return "";
    return shape.solo
               ? "solo.io/service-scope: " +
                     pick({"global", "global", "global-only", "cluster"}) + ", "
               : std::string("istio.io/global: \"true\", ");
  };
  const std::vector<std::string> nss = {"a", "b", "c"};
  const std::vector<std::string> wps = {"wp", "wp2", "missing", "none"};
  for (const std::string& ns : nss) {
    y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: " << ns
      << ", labels: {";
    std::string mode =
        pick({"ambient", "ambient", "ambient", "none-ns", "inject"});
    if (mode == "ambient") y << "istio.io/dataplane-mode: ambient, ";
    if (mode == "inject") y << "istio-injection: enabled, ";
    if (coin(60)) y << "istio.io/use-waypoint: " << pick(wps) << ", ";
    if (coin(20)) y << "istio.io/ingress-use-waypoint: \"true\", ";
    if (shape.solo) y << scope(30);
    y << "team: " << ns << "}}}\n";
    if (coin(70)) {
      y << "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: Gateway\n  "
           "  metadata: {name: wp, namespace: "
        << ns << ", labels: {istio.io/waypoint-for: "
        << pick({"service", "workload", "all", "service"}) << "}}\n"
        << "    spec: {gatewayClassName: istio-waypoint, "
        << (!shape.solo && coin(50)
                ? "infrastructure: {labels: {istio.io/global: \"true\"}}, "
                : "")
        << "listeners: [{name: mesh, port: 15008, protocol: HBONE"
        << (coin(40) ? pick({", allowedRoutes: {namespaces: {from: All}}",
                             ", allowedRoutes: {namespaces: {from: All}}",
                             ", allowedRoutes: {namespaces: {from: Selector, "
                             "selector: {matchLabels: {team: a}}}}",
                             ", allowedRoutes: {namespaces: {from: Selector, "
                             "selector: {matchExpressions: [{key: team, "
                             "operator: In, values: [b, c]}]}}}",
                             ", allowedRoutes: {namespaces: {from: Selector}}"})
                     : "")
        << "}]}\n";
    }
    if (coin(30)) {
      y << "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: Gateway\n  "
           "  metadata: {name: wp2, namespace: "
        << ns
        << "}\n    spec: {gatewayClassName: istio-waypoint, listeners: [{name: "
           "mesh, port: 15008, protocol: HBONE}]}"
        << (coin(30) ? "\n    status: {addresses: []}" : "") << "\n";
    }
    for (int a = 0; a < 2; ++a) {
      const std::string app = "app" + std::to_string(a);
      // With several clusters a service runs in some of them only.
      const bool runs = shape.clusters == 1 || here(75);
      const int replicas = 1 + static_cast<int>(rng() % 2);
      y << "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: "
           "{name: "
        << app << ", namespace: " << ns
        << "}\n    spec:\n      replicas: " << (runs ? replicas : 0)
        << "\n      selector: {matchLabels: {app: " << app
        << "}}\n      template:\n        metadata: {labels: {app: " << app;
      if (coin(25)) y << ", istio.io/use-waypoint: " << pick(wps);
      if (coin(10))
        y << ", istio.io/dataplane-mode: " << pick({"ambient", "none"});
      y << "}";
      // §4.4: istio-cni's ingress mode, sometimes with a value it ignores;
      // §3.4: or no DNS capture.
      if (coin(8))
        y << ", annotations: {ambient.istio.io/"
          << pick({"bypass-inbound-capture: \"true",
                   "bypass-inbound-capture: "
                   "\"false",
                   "bypass-inbound-capture: \"yes",
                   "dns-capture: "
                   "\"false"})
          << "\"}";
      // §3.4: the Service may name its targetPort (below), which only the
      // Deployments declaring it here serve.
      const bool named_target = coin(15);
      y << "}\n        spec: {serviceAccountName: " << app
        << ", containers: [{name: c, image: c, ports: [{containerPort: "
           "8080"
        << (here(60) ? ", name: web" : "") << "}]}]}\n";
      y << "  - {apiVersion: v1, kind: Service, metadata: {name: " << app
        << ", namespace: " << ns << ", labels: {";
      // One key per label: Kubernetes rejects a map with a key set twice.
      std::string use = coin(40) ? pick(wps) : "";
      if (coin(15)) {
        use = "wp, istio.io/use-waypoint-namespace: ";
        use += pick(nss);
      }
      if (!use.empty()) y << "istio.io/use-waypoint: " << use << ", ";
      y << scope(50);
      std::string annotations;
      // §2.6: a canary (1.31+), its weight on the Service, sometimes bad.
      if (coin(20)) {
        y << "istio.io/use-waypoint-canary: " << pick({"wp2", "wp", "missing"})
          << ", ";
        annotations += "istio.io/use-waypoint-canary-weight: \"" +
                       pick({"0", "30", "100", "50", "+7", "x"}) + "\", ";
      }
      // Peering's default PreferNetwork is approximated by the encoding;
      // Any compares exactly (CompareAll).
      if (shape.solo && coin(70))
        annotations += "networking.istio.io/traffic-distribution: Any, ";
      y << "x: y}, annotations: {" << annotations << "x: y}}";
      // §3.4: sometimes without a selector, its endpoints listed by an
      // EndpointSlice or a mirrored Endpoints (below).
      const bool sliced = coin(10);
      // §3.6: sometimes its not-ready pods stay endpoints.
      y << ", spec: {"
        << (sliced ? std::string() : "selector: {app: " + app + "}, ")
        << "ports: [{port: 80, targetPort: "
        << (named_target ? "web" : "8080")
        // §8.6: the port's declared protocol (a sidecar's and a waypoint's
        // chains follow it); from the app's name, so no draw shifts.
        << (app.back() % 3 == 0   ? ", name: tcp-web"
            : app.back() % 3 == 1 ? ", name: http"
                                  : "")
        << "}]" << (coin(30) ? ", publishNotReadyAddresses: true" : "")
        << "}}\n";
      // The app's first pod by targetRef, and sometimes an opaque address
      // (a host-network workload), ready or not.
      if (sliced && coin(70)) {
        y << "  - {apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, "
             "metadata: {name: "
          << app << "-s, namespace: " << ns
          << ", labels: {kubernetes.io/service-name: " << app
          << "}}, addressType: IPv4, ports: [{name: \"\", port: 8080}], "
             "endpoints: [{addresses: [10.99.0.1], targetRef: {kind: Pod, "
             "namespace: "
          << ns << ", name: " << app << "-0}}";
        if (coin(50))
          y << ", {addresses: [192.0.2." << ++opaque << "]"
            << (coin(30) ? ", conditions: {ready: false}" : "") << "}";
        y << "]}\n";
      } else if (sliced) {
        y << "  - {apiVersion: v1, kind: Endpoints, metadata: {name: " << app
          << ", namespace: " << ns
          << "}, subsets: [{addresses: [{ip: 10.99.0.1, targetRef: {kind: "
             "Pod, namespace: "
          << ns << ", name: " << app << "-0}}";
        if (coin(50)) y << ", {ip: 192.0.2." << ++opaque << "}";
        y << "], ports: [{port: 8080}]}]}\n";
      }
      // §3.6: a pod of the app that is starting (not ready) here.
      if (here(15))
        y << "  - {apiVersion: v1, kind: Pod, metadata: {name: " << app
          << "-starting, namespace: " << ns << ", labels: {app: " << app
          << "}}, spec: {serviceAccountName: " << app
          << ", containers: [{name: c, image: c, ports: [{containerPort: "
             "8080}]}]}, status: {phase: Running, conditions: [{type: Ready, "
             "status: \"False\"}]}}\n";
    }
    if (coin(40)) {
      y << "  - apiVersion: security.istio.io/v1\n    kind: "
           "AuthorizationPolicy\n    metadata: {name: guard, namespace: "
        << ns
        << "}\n    spec:\n      selector: {matchLabels: {app: app0}}\n      "
           "action: ALLOW\n      rules:\n"
        << "      - from: [{source: {principals: [cluster.local/ns/" << ns
        << "/sa/wp, cluster.local/ns/" << ns << "/sa/wp2]}}]\n";
    }
    if (coin(25)) {
      // A port rule at the destination: the pod's port (8080), not the
      // Service's (80), is what the destination's proxy sees (§8.1).
      y << "  - apiVersion: security.istio.io/v1\n    kind: "
           "AuthorizationPolicy\n    metadata: {name: ports, namespace: "
        << ns << "}\n    spec:\n      selector: {matchLabels: {app: "
        << pick({"app0", "app1"})
        << "}}\n      action: " << pick({"ALLOW", "DENY"})
        << "\n      rules:\n      - to: "
        << "[{operation: {ports: [\"" << pick({"8080", "80"}) << "\"]}}]\n";
    }
    if (coin(25)) {
      y << "  - apiVersion: security.istio.io/v1\n    kind: "
           "AuthorizationPolicy\n    metadata: {name: deny-ns, namespace: "
        << ns
        << "}\n    spec:\n      action: DENY\n      rules:\n      - from: "
           "[{source: {namespaces: ["
        << pick(nss) << "]}}]\n";
    }
    if (coin(20)) {
      y << "  - apiVersion: security.istio.io/v1\n    kind: "
           "AuthorizationPolicy\n    metadata: {name: l7, namespace: "
        << ns << "}\n    spec:\n      "
        << (coin(50) ? "selector: {matchLabels: {app: app1}}"
                     : "targetRefs: [{kind: Gateway, group: "
                       "gateway.networking.k8s.io, name: wp}]")
        << "\n      action: " << pick({"ALLOW", "DENY"})
        << "\n      rules:\n      - to: [{operation: {methods: ["
        << pick({"GET", "POST"}) << "]}}]\n";
    }
    if (coin(35)) {
      // A GAMMA HTTPRoute on app0 (§9): at its waypoint, or at a sidecar
      // client, requests go where the first matching rule sends them; a
      // rule that matches nothing for GET / makes a 404.
      y << "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: "
           "HTTPRoute\n    metadata: {name: r, namespace: "
        << ns
        << "}\n    spec:\n      parentRefs: [{group: \"\", kind: Service, "
           "name: app0"
        << (coin(20) ? ", port: 80" : "") << "}]\n      rules:\n";
      const int rules = 1 + static_cast<int>(rng() % 2);
      for (int r = 0; r < rules; ++r) {
        y << "      - matches: [{path: {type: " << pick({"PathPrefix", "Exact"})
          << ", value: " << pick({"/", "/", "/api"}) << "}"
          << (coin(15) ? ", method: POST" : "") << "}]\n        backendRefs: ["
          << pick({"{name: app1, port: 80}",
                   "{name: app0, port: 80, weight: 1}, {name: app1, port: 80, "
                   "weight: 1}",
                   "{name: app1, port: 80, weight: 3}, {name: app0, port: 80, "
                   "weight: 0}"})
          << "]\n";
      }
    }
    if (coin(20)) {
      y << "  - {apiVersion: security.istio.io/v1, kind: PeerAuthentication, "
           "metadata: {name: pa, namespace: "
        << ns << "}, spec: {mtls: {mode: STRICT}}}\n";
    }
    if (coin(15)) {
      // §16.1: a DestinationRule's tls mode for app1, which sidecar clients
      // apply: DISABLE (for the port) sends plaintext, which a STRICT
      // destination refuses.
      y << "  - apiVersion: networking.istio.io/v1\n    kind: "
           "DestinationRule\n    metadata: {name: tls, namespace: "
        << ns
        << "}\n    spec:\n      host: app1\n      trafficPolicy:\n        "
           "tls: {mode: "
        << pick({"DISABLE", "ISTIO_MUTUAL"}) << "}\n";
      if (coin(30))
        y << "        portLevelSettings: [{port: {number: 80}, tls: {mode: "
          << pick({"DISABLE", "ISTIO_MUTUAL"}) << "}}]\n";
    }
  }
  if (coin(60)) {
    // An ingress gateway (§5) with a hostname route to app0 of some
    // namespaces; the namespaces' ingress-use-waypoint labels decide.
    y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: "
         "istio-ingress}}\n"
         "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: Gateway\n"
         "    metadata: {name: ingress, namespace: istio-ingress}\n"
         "    spec: {gatewayClassName: istio, listeners: [{name: http, port: "
         "80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}\n";
    for (const std::string& ns : nss)
      if (coin(60))
        y << "  - apiVersion: gateway.networking.k8s.io/v1\n    kind: "
             "HTTPRoute\n    metadata: {name: in, namespace: "
          << ns
          << "}\n    spec:\n      parentRefs: [{name: ingress, "
             "namespace: istio-ingress}]\n      hostnames: [app0."
          << ns
          << ".example]\n      rules:\n      - backendRefs: [{name: "
             "app0, port: 80}]\n";
  }
  // A pod outside the mesh: the stand-in of the "any pod outside the mesh"
  // class (CompareAll).
  y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: outside}}\n"
       "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: "
       "stray, namespace: outside}\n    spec:\n      selector: "
       "{matchLabels: {app: stray}}\n      template:\n        metadata: "
       "{labels: {app: stray}}\n        spec: {containers: [{name: c, "
       "image: c}]}\n";
  // Drawn last, so the meshes above stay as they were.
  if (coin(35)) {
    // An Istio Gateway Router (§16.3): istio-ingressgateway with its
    // Service (80 -> 8080), an Istio Gateway on port 80, and in some
    // namespaces a VirtualService bound to it for app0, some only for
    // paths under /api; the namespaces' ingress-use-waypoint labels decide.
    y << "  - {apiVersion: v1, kind: Namespace, metadata: {name: istio-gw}}\n"
         "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: "
         "istio-ingressgateway, namespace: istio-gw}\n    spec:\n      "
         "selector: {matchLabels: {istio: ingressgateway}}\n      "
         "template:\n        metadata: {labels: {istio: ingressgateway}}\n"
         "        spec: {containers: [{name: istio-proxy, image: proxy}]}\n"
         "  - apiVersion: v1\n    kind: Service\n    metadata: {name: "
         "istio-ingressgateway, namespace: istio-gw}\n    spec: {selector: "
         "{istio: ingressgateway}, ports: [{name: http2, port: 80, "
         "targetPort: 8080}]}\n"
         "  - apiVersion: networking.istio.io/v1\n    kind: Gateway\n"
         "    metadata: {name: gw, namespace: istio-gw}\n    spec: {selector: "
         "{istio: ingressgateway}, servers: [{port: {number: 80, name: http, "
         "protocol: HTTP}, hosts: [\"*\"]}]}\n";
    for (const std::string& ns : nss)
      if (coin(60))
        y << "  - apiVersion: networking.istio.io/v1\n    kind: "
             "VirtualService\n    metadata: {name: public, namespace: "
          << ns << "}\n    spec:\n      hosts: [app0." << ns
          << ".istio.example]\n      gateways: [istio-gw/gw]\n      http:\n"
          << (coin(50)
                  ? "      - match: [{uri: {prefix: /api}}]\n        route:"
                  : "      - route:")
          << " [{destination: {host: app0, port: {number: 80}}}]\n";
  }
  // Drawn last too: VirtualServices for `mesh` on app1 (§16.2), applied by
  // its waypoint (1.24+: one in the waypoint's or the service's namespace)
  // and by sidecar clients (the oldest visible in their namespace), some
  // exported to their own namespace only, some matching the client's pod
  // labels (sourceLabels: a waypoint drops the match), some sending to a
  // DestinationRule subset (§16.1), which a DestinationRule may not define.
  for (const std::string& ns : nss) {
    if (!coin(30)) continue;
    const bool subsets = coin(40);
    if (subsets && coin(80))
      y << "  - apiVersion: networking.istio.io/v1\n    kind: "
           "DestinationRule\n    metadata: {name: dr, namespace: "
        << ns
        << "}\n    spec: {host: app0, subsets: [{name: all, labels: {app: "
           "app0}}]}\n";
    y << "  - apiVersion: networking.istio.io/v1\n    kind: "
         "VirtualService\n    metadata: {name: vs, namespace: "
      << ns << "}\n    spec:\n      hosts: ["
      << pick({"app1", "app1." + ns + ".svc.cluster.local"}) << "]\n"
      << pick({"", "      gateways: [mesh]\n"})
      << (coin(25) ? "      exportTo: [\".\"]\n" : "") << "      http:\n";
    const int rules = 1 + static_cast<int>(rng() % 2);
    for (int r = 0; r < rules; ++r) {
      y << "      - "
        << pick({"", "match: [{uri: {prefix: /api}}]\n        ",
                 "match: [{uri: {exact: /}}, {method: {exact: POST}}]\n"
                 "        ",
                 "match: [{uri: {prefix: /api/v}, port: 80}]\n        ",
                 "match: [{sourceLabels: {app: app0}}]\n        "});
      // §16.2: a rule the proxy answers itself: a redirect, or an abort of
      // every request or of half of them.
      if (coin(10)) {
        y << "redirect: {uri: /moved}\n";
        continue;
      }
      y << "route: ["
        << pick({"{destination: {host: app0}}",
                 "{destination: {host: app0, port: {number: 80}}, weight: 50}, "
                 "{destination: {host: app1}, weight: 50}",
                 "{destination: {host: app1, port: {number: 80}}}"});
      y << "]\n";
      // A rewrite the backend's ztunnel never reads (stated), or a sidecar
      // or a waypoint would (left out).
      if (coin(15)) y << "        rewrite: {uri: /v2}\n";
      if (coin(10)) y << "        headers: {request: {set: {x-b: c}}}\n";
      if (coin(15))
        y << "        fault: {abort: {percentage: {value: "
          << pick({"100", "50"}) << "}, httpStatus: 503}}\n";
      if (subsets && coin(50))
        y << "        "
          << "timeout: 2s\n";
    }
    if (subsets)
      y << "      - route: [{destination: {host: app0, subset: all}}]\n";
  }
  // Drawn last too: a ServiceEntry with an address for some namespaces'
  // app0 pods (§3.4: MESH_INTERNAL, STATIC, workloadSelector), sometimes
  // bound to a waypoint by its own label, and a headless Service for app1,
  // whose clients address its pods (§3.5).
  for (size_t n = 0; n < nss.size(); ++n) {
    const std::string& ns = nss[n];
    if (coin(25)) {
      y << "  - apiVersion: networking.istio.io/v1\n    kind: ServiceEntry\n"
           "    metadata: {name: se, namespace: "
        << ns;
      if (coin(50))
        y << ", labels: {istio.io/use-waypoint: " << pick(wps) << "}";
      y << "}\n    spec: {hosts: [se." << ns
        << ".internal], addresses: [240.240.0." << n + 1
        << "], ports: [{number: 80, name: http, protocol: HTTP, targetPort: "
           "8080}], location: MESH_INTERNAL, resolution: STATIC, "
           "workloadSelector: {labels: {app: app0}}}\n";
    }
    if (coin(20))
      y << "  - {apiVersion: v1, kind: Service, metadata: {name: headless, "
           "namespace: "
        << ns
        << "}, spec: {clusterIP: None, selector: {app: app1}, ports: [{port: "
           "80, targetPort: 8080}]}}\n";
  }
}

// A random mesh of one to three clusters: community or Solo, one network
// or several, each cluster's resources drawn on their own (so bindings,
// waypoints and exports may differ between clusters, as they do in life).
std::string RandomMesh(uint32_t seed) {
  std::mt19937 rng(seed), local(seed ^ 0x9e3779b9u);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  MeshShape shape;
  const int kind =
      static_cast<int>(rng() % 4);  // 0-1 single, 2 community, 3 Solo
  shape.clusters = kind < 2 ? 1 : 2 + static_cast<int>(rng() % 2);
  shape.solo = kind == 3;
  shape.multi_net = kind == 2 && rng() % 2;
  std::ostringstream y;
  y << "name: random " << seed << "\nistio: {version: \"";
  if (shape.solo) {
    y << pick({"1.28", "1.29", "1.31"})
      << "\", distribution: solo, flags: {ENABLE_PEERING_DISCOVERY: true"
      << (rng() % 4 == 0 ? ", PEERING_ENABLE_FLAT_NETWORKS: false" : "")
      << "}}\n";
  } else if (shape.clusters > 1) {
    y << pick({"1.28", "1.31"}) << "\", flags: {AMBIENT_ENABLE_MULTI_NETWORK: "
      << (shape.multi_net ? "true" : "false") << "}}\n";
  } else {
    y << pick({"1.24", "1.28", "1.31"}) << "\"}\n";
  }
  y << "clusters:\n";
  // Solo peers share networks at random (flat peers, §15.2). Community
  // clusters are all on one network or each on its own: with two east-west
  // gateways on one network Istio uses either (istio/istio#56960).
  const bool one_network = !shape.solo && rng() % 10 < 3;
  for (int c = 0; c < shape.clusters; ++c) {
    const std::string network =
        "net-" + std::to_string(c == 0 || one_network ? 0
                                : shape.solo ? static_cast<int>(local() % 2)
                                             : c);
    y << "- name: c" << c << "\n  network: " << network
      << "\n  nodes: 2\n  resources:\n";
    RandomCluster(rng, local, shape, network, y);
  }
  y << "traffic: []\n";
  return y.str();
}

// Random meshes with seeds first..last (the run is split in two halves,
// one test each, so that ctest runs them on two cores).
// The random meshes of seeds first..last compared; returns the number of
// concrete requests compared.
int CompareMeshSeeds(uint32_t first, uint32_t last) {
  int total = 0;
  for (uint32_t seed = first; seed <= last; ++seed) {
    std::string text = RandomMesh(seed);
    Diagnostics d;
    auto sc = LoadScenarioText(text, "random-" + std::to_string(seed) + ".yaml",
                               ".", d);
    if (!sc || d.HasErrors()) {
      ADD_FAILURE() << "random mesh does not load:\n" << text;
      return total;
    }
    const int before = ::testing::Test::HasFailure() ? 1 : 0;
    // Every request shape in every mesh, rotating over the source classes
    // (kShapes).
    total += CompareAll(*sc, "random mesh seed " + std::to_string(seed),
                        nullptr, "GET", "/", static_cast<int>(seed % 3));
    if (!before && ::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failing mesh (MESHSIM_DIFF_SEED=" << seed
                    << " compares it alone):\n"
                    << text;
      break;
    }
  }
  return total;
}

void CompareRandomMeshes(uint32_t first, uint32_t last) {
  const uint32_t meshes = last + 1 - first;
  const int total = CompareMeshSeeds(first, last);
  EXPECT_GT(total, static_cast<int>(meshes) * 10);
  // Routed services are among those compared (about one mesh in four).
  EXPECT_GT(g_routed_compared, static_cast<int>(meshes) / 10);
  EXPECT_GT(g_compared["services routed by a VirtualService (per source)"],
            static_cast<int>(meshes) / 10);
  PrintCompared("random meshes");
  // Every client kind, cluster count and distribution is compared.
  for (const char* k : {"client ingress", "client sidecar", "client ambient",
                        "client uncaptured", "client outside the mesh",
                        "ingress through an Istio Gateway",
                        "requests to a ServiceEntry of mesh pods", "1 cluster",
                        "2+ clusters", "community", "solo"})
    EXPECT_GT(g_compared[k], 0) << k;
  // Rarer shapes: present in every half of the full run (200 meshes each),
  // not necessarily in the sanitized build's 25.
  if (meshes >= 100) {
    for (const char* k :
         {"sidecar requests a DestinationRule makes plaintext",
          "routed services in a multicluster mesh (per source)",
          "services whose route redirects or aborts (per source)",
          "services whose route rewrites (per source)"})
      EXPECT_GT(g_compared[k], 0) << k;
  }
}

uint32_t RandomMeshCount() {
  const char* env = std::getenv("MESHSIM_DIFF_MESHES");
  return env ? static_cast<uint32_t>(std::atoi(env)) : 320;
}

// MESHSIM_DIFF_SEED=N: the random mesh of seed N alone, to debug a mismatch
// the full run reported; with MESHSIM_DIFF_DUMP=FILE, its scenario is
// written there too (for `meshsim paths`).
TEST(DifferentialTest, RandomMeshes) {
  if (const char* one = std::getenv("MESHSIM_DIFF_SEED")) {
    const uint32_t seed = static_cast<uint32_t>(std::atoi(one));
    if (const char* dump = std::getenv("MESHSIM_DIFF_DUMP"))
      std::ofstream(dump) << RandomMesh(seed);
    CompareMeshSeeds(seed, seed);
    PrintCompared(("random mesh " + std::to_string(seed)).c_str());
    return;
  }
  CompareRandomMeshes(1, RandomMeshCount() / 2);
}

TEST(DifferentialTest, RandomMeshesSecondHalf) {
  CompareRandomMeshes(RandomMeshCount() / 2 + 1, RandomMeshCount());
}

// Source classes keyed by the policies of each destination's namespaces
// (verify's default) give the verdicts, and flag the destinations, that
// keys over every policy of the mesh give: merging sources that only other
// namespaces' policies tell apart loses nothing (docs/verification.md,
// "slicing"). So do slice-local names against objects' keys
// (docs/verification.md#sharing): renaming changes no answer. On every
// bundled scenario and on random meshes with random L4 and L7 policies in
// random namespaces.
std::set<std::string> VerdictsAndFlagged(const Scenario& sc, bool by_ns,
                                         bool local_names = true) {
  VerifyOptions o;
  o.keys_by_namespace = by_ns;
  o.local_names = local_names;
  o.max_findings = 1000000;
  const VerifyResult r = Verify(sc, o);
  std::set<std::string> out;
  // A slice-local name ("#3") never leaks into what is reported.
  const std::regex local_name("(^|[^&])#[0-9]");
  for (const PropertyResult& p : r.properties) {
    out.insert(p.name + "=" + ProofResultName(p.result));
    for (const std::string& c : p.core)
      if (std::regex_search(c, local_name)) out.insert("leaked name: " + c);
  }
  for (const Finding& f : r.findings)
    if (std::regex_search(f.message, local_name))
      out.insert("leaked name: " + f.message);
  // A service by name (which cluster a counterexample lands in is the
  // solver's pick when several run it, and so is the client, whose Host may
  // be an Istio Gateway's), a pod with its cluster.
  for (const Finding& f : r.findings) {
    std::string service = f.req_to_host;
    for (const FindingObject& o : f.objects)
      if (o.kind == "Service" || o.kind == "ServiceEntry") {
        service = o.name;
        break;
      }
    out.insert(
        f.rule + " " +
        (f.req_to_pod.empty() ? service : f.req_to_pod + " in " + f.cluster));
  }
  return out;
}

// MESHSIM_DIFF_KEYS_EVERY=N: every Nth of the scenarios and random meshes
// alone; each is verified three times, the longest test of the sanitizer
// build, which takes a quarter (scripts/test.sh).
TEST(DifferentialTest, NamespaceClassKeysGiveTheVerdictsOfMeshKeys) {
  size_t every = 1;
  const char* stride_env = std::getenv("MESHSIM_DIFF_KEYS_EVERY");
  const size_t stride = stride_env ? std::max(1, std::atoi(stride_env)) : 1;
  int flagged = 0;
  std::vector<std::string> scenarios = BundledScenarioFiles(&every);
  for (size_t i = 0; i < scenarios.size(); i += stride) {
    const std::string& name = scenarios[i];
    Diagnostics d;
    auto sc = LoadScenarioFile(name, d);
    ASSERT_TRUE(sc && !d.HasErrors()) << name;
    const std::set<std::string> by_ns = VerdictsAndFlagged(*sc, true);
    EXPECT_EQ(by_ns, VerdictsAndFlagged(*sc, false)) << name;
    EXPECT_EQ(by_ns, VerdictsAndFlagged(*sc, true, false)) << name;
    flagged += static_cast<int>(by_ns.size());
  }
  const char* env = std::getenv("MESHSIM_DIFF_MESHES");
  const uint32_t meshes = env ? static_cast<uint32_t>(std::atoi(env)) : 160;
  for (uint32_t seed = 1; seed <= meshes; seed += stride) {
    const std::string text = RandomMesh(seed);
    Diagnostics d;
    auto sc = LoadScenarioText(text, "random-" + std::to_string(seed) + ".yaml",
                               ".", d);
    ASSERT_TRUE(sc && !d.HasErrors()) << text;
    const std::set<std::string> by_ns = VerdictsAndFlagged(*sc, true);
    ASSERT_EQ(by_ns, VerdictsAndFlagged(*sc, false)) << text;
    ASSERT_EQ(by_ns, VerdictsAndFlagged(*sc, true, false)) << text;
    flagged += static_cast<int>(by_ns.size());
  }
  // Verdicts and flagged destinations compared.
  EXPECT_GT(flagged, 1000 / static_cast<int>(stride * every));
}

}  // namespace
}  // namespace meshsim
