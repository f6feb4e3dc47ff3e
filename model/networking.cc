#include "model/networking.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "model/policy.h"
#include "model/text.h"

namespace meshsim {

namespace {

// A host pattern (a full name, "*" or "*suffix") covering a host, as
// written.
bool PatternCovers(const std::string& p, const std::string& h) {
  if (p == "*") return true;
  if (p.size() > 1 && p[0] == '*')
    return h.size() >= p.size() &&
           h.compare(h.size() - (p.size() - 1), p.size() - 1, p, 1) == 0;
  return p == h;
}

}  // namespace

bool IstioHostMatches(const std::string& pattern, const std::string& host) {
  return PatternCovers(AsciiLower(pattern), AsciiLower(host));
}

bool HostNameMatches(const std::string& n, const std::string& o) {
  const bool nw = !n.empty() && n[0] == '*', ow = !o.empty() && o[0] == '*';
  if (nw && ow)
    return n.size() < o.size() ? EndsWith(o.substr(1), n.substr(1))
                               : EndsWith(n.substr(1), o.substr(1));
  if (nw) return EndsWith(o, n.substr(1));
  if (ow) return EndsWith(n, o.substr(1));
  return n == o;
}

namespace {

bool HostMatches(const std::string& pattern, const std::string& host) {
  return IstioHostMatches(pattern, host);
}

// How specific a host pattern is: an exact name over any wildcard, a
// longer wildcard over a shorter one.
size_t Specificity(const std::string& pattern) {
  return pattern.empty() || pattern[0] != '*' ? 1'000'000 : pattern.size();
}

void SortByAge(std::vector<const HttpRoute*>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const HttpRoute* a, const HttpRoute* b) {
                     return RouteOlder(*a, *b);
                   });
}

bool CoversAny(const HttpRoute& vs, const Service& s) {
  for (const std::string& h : vs.hostnames)
    if (HostCoversService(ExpandHost(h, vs.ns), s)) return true;
  return false;
}

// §16.2: whether a waypoint takes VirtualService `vs` for `s`
// (listener_waypoint.go getVirtualServiceForWaypoint): a host of it
// HostNameMatches one of the service's, as written, so `api.example.com`
// is a host of the ServiceEntry `*.example.com` there.
bool WaypointVsCovers(const HttpRoute& vs, const Service& s) {
  const std::string own = s.kind == "ServiceEntry" ? "" : s.Hostname();
  for (const std::string& h : vs.hostnames) {
    const std::string host = ExpandHost(h, vs.ns);
    if (s.kind != "ServiceEntry"
            ? HostNameMatches(host, own)
            : std::any_of(s.hosts.begin(), s.hosts.end(),
                          [&](const std::string& sh) {
                            return HostNameMatches(host, sh);
                          }))
      return true;
  }
  return false;
}

// Field groups of a TrafficPolicy: a subset's policy replaces each group it
// sets (Istio's mergeTrafficPolicy).
void Overlay(TrafficPolicy& base, const TrafficPolicy& o) {
  if (o.load_balancer) {
    base.load_balancer = true;
    base.lb_simple = o.lb_simple;
    base.locality_enabled = o.locality_enabled;
    base.failover_priority = o.failover_priority;
    base.failover = o.failover;
    base.distribute = o.distribute;
  }
  if (o.connection_pool) {
    base.connection_pool = true;
    base.max_connections = o.max_connections;
    base.http1_max_pending = o.http1_max_pending;
    base.http2_max_requests = o.http2_max_requests;
    base.max_retries = o.max_retries;
  }
  if (o.outlier_detection) {
    base.outlier_detection = true;
    base.consecutive_5xx = o.consecutive_5xx;
    base.interval_ns = o.interval_ns;
    base.base_ejection_ns = o.base_ejection_ns;
    base.max_ejection_percent = o.max_ejection_percent;
    base.min_health_percent = o.min_health_percent;
  }
  if (!o.tls_mode.empty()) base.tls_mode = o.tls_mode;
}

}  // namespace

std::string RouteOrderKey(const HttpRoute& r) {
  // '\x01' sorts before any character of a name: "a" before "a-b".
  if (r.IsVirtualService()) return r.name + '\x01' + r.ns;
  // §9: istiod makes each TCPRoute and TLSRoute a VirtualService of its own,
  // "<name>~tcp~N~…" (route_collections.go), ordered by name, then
  // namespace; HTTP and gRPC routes merge into one per hostname, ordered by
  // namespace, then "<name>~…" (sortRoutesByCreationTime).
  if (r.kind == "TCPRoute" || r.kind == "TLSRoute")
    return r.name + "~\x01" + r.ns;
  return r.ns + '\x01' + r.name + '~';
}

bool RouteOlder(const HttpRoute& a, const HttpRoute& b) {
  if (a.creation_timestamp != b.creation_timestamp)
    return a.creation_timestamp < b.creation_timestamp;
  return RouteOrderKey(a) < RouteOrderKey(b);
}

bool HttpRoute::ForMesh() const {
  return gateways.empty() ||
         std::find(gateways.begin(), gateways.end(), "mesh") != gateways.end();
}

const DestinationRuleSubset* DestinationRule::FindSubset(
    const std::string& subset) const {
  for (const DestinationRuleSubset& s : subsets)
    if (s.name == subset) return &s;
  return nullptr;
}

std::optional<TrafficPolicy> DestinationRule::PolicyFor(
    int port, const std::string& subset) const {
  std::optional<TrafficPolicy> out = policy;
  // §16.1 (util.go GetPortLevelTrafficPolicy): a port's settings replace
  // the rule's whole policy; what they leave out takes its default.
  auto pl = port_policies.find(port);
  if (pl != port_policies.end()) out = pl->second;
  const DestinationRuleSubset* sub =
      subset.empty() ? nullptr : FindSubset(subset);
  if (!sub || !sub->policy) return out;
  // util.go MergeSubsetTrafficPolicy: a subset's own port entry replaces
  // every group (those it leaves out take their defaults); otherwise the
  // subset's policy replaces the groups it sets.
  auto spl = sub->port_policies.find(port);
  if (spl != sub->port_policies.end()) return spl->second;
  if (!out) out = TrafficPolicy{};
  Overlay(*out, *sub->policy);
  return out;
}

std::string DestinationRule::EdsTlsMode(int port,
                                        const std::string& subset) const {
  const std::optional<TrafficPolicy>* tp = &policy;
  const std::map<int, TrafficPolicy>* ports = &port_policies;
  if (!subset.empty()) {
    const DestinationRuleSubset* sub = FindSubset(subset);
    if (!sub) return "";
    tp = &sub->policy;
    ports = &sub->port_policies;
  }
  std::string mode = *tp ? (*tp)->tls_mode : "";
  if (auto it = ports->find(port);
      it != ports->end() && !it->second.tls_mode.empty())
    mode = it->second.tls_mode;
  return mode;
}

bool ExportedTo(const std::vector<std::string>& export_to,
                const std::string& obj_ns, const std::string& ns) {
  if (export_to.empty()) return true;
  for (const std::string& e : export_to) {
    if (e == "*" || e == ns) return true;
    if (e == "." && obj_ns == ns) return true;
  }
  return false;
}

std::string ExpandHost(const std::string& host, const std::string& ns) {
  if (host.find('.') != std::string::npos || host == "*") return host;
  return host + "." + ns + ".svc.cluster.local";
}

// §16.1: as istiod looks a DestinationRule's host up (config.go
// MostSpecificHostMatch: a map of the hosts as written, then suffixes of
// the wildcards), case counts: `Cart.shop.svc.cluster.local` names no
// service.
bool HostCoversServiceAsWritten(const std::string& pattern, const Service& s) {
  if (s.kind != "ServiceEntry") return PatternCovers(pattern, s.Hostname());
  for (const std::string& h : s.hosts)
    if (PatternCovers(pattern, h)) return true;
  return false;
}

bool HostCoversService(const std::string& pattern, const Service& s) {
  if (s.kind == "ServiceEntry") {
    for (const std::string& h : s.hosts)
      if (HostMatches(pattern, h)) return true;
    return false;
  }
  return HostMatches(pattern, s.Hostname());
}

int GammaParentPort(const HttpRoute& r, const Service& s, int port) {
  for (const ParentRef& p : r.parents)
    if (p.kind == s.kind && p.ns == s.ns && p.name == s.name &&
        (p.port == 0 || port == 0 || p.port == port))
      return p.port;
  return -1;
}

namespace {

// §16.2 (push_context.go): a VirtualService's bucket for a proxy of
// namespace `ns`: 0 private to it ("." or its own name, living there),
// 1 exported to it by name, 2 public (no exportTo, or "*").
int ExportBucket(const HttpRoute& r, const std::string& ns) {
  const auto& e = r.export_to;
  auto has = [&](const std::string& x) {
    return std::find(e.begin(), e.end(), x) != e.end();
  };
  if (e.empty() || has("*")) return 2;
  if (r.ns == ns && (has(".") || has(ns))) return 0;
  return has(ns) ? 1 : 2;
}

}  // namespace

int VirtualServiceBucket(const HttpRoute& r, const std::string& ns) {
  return ExportBucket(r, ns);
}

bool WaypointKeepsMatch(const HttpMatch& m, int port, const std::string& wp_ns,
                        const IstioVersion& v) {
  if (port && m.port && m.port != port) return false;
  if (v.AtLeast(1, 25) && m.source_labels) return false;
  if (!v.AtLeast(1, 26)) return true;
  if (!m.gateways.empty())
    return std::find(m.gateways.begin(), m.gateways.end(), "mesh") !=
           m.gateways.end();
  return m.source_namespace.empty() || m.source_namespace == wp_ns;
}

std::vector<const HttpRoute*> VirtualServicesAtWaypoint(
    const Cluster& c, const Gateway& wp, const Service& s,
    const std::vector<const HttpRoute*>& attached, IstioVersion version,
    int port, bool tcp) {
  // listener_waypoint.go getVirtualServiceForWaypoint: those of the
  // waypoint's or the service's namespace (1.24+); before, of the
  // waypoint's only (tls.go getConfigsForHost).
  auto in_scope = [&](const std::string& ns) {
    return ns == wp.ns || (version.AtLeast(1, 24) && ns == s.ns);
  };
  // One VirtualService as the waypoint's sidecar scope orders them
  // (virtualservice.go SelectVirtualServices): by bucket; within one, from
  // 1.24 (PILOT_UNIFIED_SIDECAR_SCOPE) the Gateway API ones of the
  // waypoint's namespace first; then by creation time, name, namespace.
  struct Vs {
    std::vector<const HttpRoute*> routes;  // one VirtualService, or a run
    int bucket = 2;
    bool gw_exact = false;
    std::string created, name, ns;
  };
  std::vector<Vs> all;
  // §9 (route_collections.go, mergeHTTPRoutes): the GAMMA routes of one
  // namespace and kind attached to the Service with one parentRef port (or
  // none) are one VirtualService, public, its rules by the Gateway API's
  // precedence, created when its oldest route was, named
  // "<ns>~[<port>~]<host>".
  std::vector<const HttpRoute*> gamma = attached;
  SortByAge(gamma);
  for (const HttpRoute* r : gamma) {
    if (!in_scope(r->ns)) continue;
    const int pp = std::max(0, GammaParentPort(*r, s, port));
    const std::string name =
        r->ns + "~" + (pp ? std::to_string(pp) + "~" : "") + s.Hostname() +
        "~" + GammaKindGroup(r->kind, version);
    auto g = std::find_if(all.begin(), all.end(),
                          [&](const Vs& x) { return x.name == name; });
    if (g == all.end()) {
      g = all.insert(all.end(), Vs{});
      g->name = name;
      g->ns = r->ns;
      g->created = r->creation_timestamp;
      g->gw_exact = r->ns == wp.ns;
    }
    g->routes.push_back(r);
  }
  // listener_waypoint.go waypointInboundRoute: matches with sourceLabels
  // are dropped, and a match on another port translates to nothing.
  auto no_route_here = [&](const HttpRoute& r) {
    if (r.rules.empty()) return false;
    for (const HttpRouteRule& rule : r.rules) {
      if (rule.matches.empty()) return false;
      for (const HttpMatch& m : rule.matches)
        if (WaypointKeepsMatch(m, port, wp.ns, version)) return false;
    }
    return true;
  };
  const bool merges = tcp || WaypointMergesVirtualServices(version);
  for (const HttpRoute& r : c.routes) {
    // §16: an agentgateway waypoint takes the Gateway API routes alone.
    if (!r.IsVirtualService() || !r.ForMesh() || wp.agentgateway) continue;
    // Merging, one that keeps no route here adds none; from 1.26 one
    // without HTTP rules is passed over (FindFunc ... Http != nil).
    if (!tcp && merges && no_route_here(r)) continue;
    if (!tcp && version.AtLeast(1, 26) && r.rules.empty()) continue;
    if (!ExportedTo(r.export_to, r.ns, wp.ns)) continue;
    if (!in_scope(r.ns)) continue;
    if (!WaypointVsCovers(r, s)) continue;
    all.push_back({{&r},
                   ExportBucket(r, wp.ns),
                   false,
                   r.creation_timestamp,
                   r.name,
                   r.ns});
  }
  std::stable_sort(all.begin(), all.end(), [](const Vs& a, const Vs& b) {
    if (a.bucket != b.bucket) return a.bucket < b.bucket;
    if (a.gw_exact != b.gw_exact) return a.gw_exact;
    if (a.created != b.created) return a.created < b.created;
    if (a.name != b.name) return a.name < b.name;
    return a.ns < b.ns;
  });
  // Before the merge (WaypointMergesVirtualServices) only the first
  // VirtualService applies, and when it keeps no route on the port the
  // waypoint routes to the service itself (waypointInboundRoute's error),
  // whatever the later ones say.
  if (!merges && all.size() > 1) all.resize(1);
  if (!merges && !all.empty() && all[0].routes.size() == 1 &&
      all[0].routes[0]->IsVirtualService() && no_route_here(*all[0].routes[0]))
    all.clear();
  std::vector<const HttpRoute*> out;
  for (const Vs& v : all)
    out.insert(out.end(), v.routes.begin(), v.routes.end());
  return out;
}

namespace {

// §16.2 (route.go BuildHTTPRoutesForVirtualService): whether a sidecar in
// `client_ns` with `labels` keeps some HTTP route of `vs` on `port`: a
// match on another port, for other source labels or namespace, or for
// gateways without "mesh" translates to nothing there. With none kept the
// VirtualService makes no virtual host and the service keeps its default
// route (buildSidecarVirtualHostsForVirtualService).
bool SidecarKeepsARoute(const HttpRoute& vs, int port,
                        const std::string& client_ns, const Labels& labels) {
  // One without http rules (tcp or tls only) keeps none (until 2026-12-07
  // meshsim let it take the host from a newer one with http rules).
  if (vs.rules.empty()) return false;
  for (const HttpRouteRule& rule : vs.rules) {
    if (rule.matches.empty()) return true;
    for (const HttpMatch& m : rule.matches) {
      if (m.port && m.port != port) continue;
      // route.go sourceMatchHTTP: a match's gateways, when given, decide
      // alone (its source conditions are not read then).
      if (!m.gateways.empty()) {
        if (std::find(m.gateways.begin(), m.gateways.end(), "mesh") !=
            m.gateways.end())
          return true;
        continue;
      }
      if (m.source_labels && !SelectorMatches(*m.source_labels, labels))
        continue;
      if (!m.source_namespace.empty() && m.source_namespace != client_ns)
        continue;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<const HttpRoute*> VirtualServicesForSidecar(
    const Cluster& c, const std::string& client_ns, const Service& s,
    const std::string& host) {
  auto covers = [&](const HttpRoute& r) {
    if (host.empty()) return CoversAny(r, s);
    for (const std::string& h : r.hostnames)
      if (HostMatches(ExpandHost(h, r.ns), host)) return true;
    return false;
  };
  std::vector<const HttpRoute*> vss;
  for (const HttpRoute& r : c.routes)
    if (r.IsVirtualService() && r.ForMesh() &&
        ExportedTo(r.export_to, r.ns, client_ns) && covers(r))
      vss.push_back(&r);
  SortByAge(vss);
  // §16.2 (virtualservice.go SelectVirtualServices): those private to the
  // client's namespace (exportTo "."), then those exported to it by name,
  // then public ones, each group oldest first.
  // (push_context.go: "*" or no exportTo is public; "." or the rule's own
  // namespace by name, private).
  std::stable_sort(
      vss.begin(), vss.end(), [&](const HttpRoute* a, const HttpRoute* b) {
        return ExportBucket(*a, client_ns) < ExportBucket(*b, client_ns);
      });
  return vss;
}

const HttpRoute* VirtualServiceForSidecar(
    const Cluster& c, const std::string& client_ns, const Service& s, int port,
    const Labels* client_labels, const std::string& host, bool* by_wildcard) {
  const std::vector<const HttpRoute*> vss =
      VirtualServicesForSidecar(c, client_ns, s);
  // §16.2 (sidecar.go computeWildcardHostVirtualServiceIndex,
  // route.go separateVSHostsAndServices): a VirtualService of an exact host
  // of the service always serves it; one of a wildcard host only when no
  // exact host names the service and its wildcard is the most specific one
  // matching (the first VirtualService, in the order above, of that
  // wildcard; config.go MostSpecificHostMatch). A ServiceEntry's hosts are
  // services of their own: the one asked for. `by_wildcard`: the one
  // returned serves through the index's wildcard only.
  std::vector<std::string> hosts = {s.Hostname()};
  if (s.kind == "ServiceEntry") hosts = s.hosts;
  if (!host.empty()) hosts = {host};
  std::set<const HttpRoute*> serves, lowered, wild_picks;
  for (const std::string& h : hosts) {
    // The index is keyed by the hosts as written (an exact host in
    // capitals is no exact match there), while separateVSHostsAndServices
    // lowers them: such a VirtualService serves the host beside the
    // index's choice, the earlier one winning.
    bool exact_here = false;
    const HttpRoute* wild = nullptr;
    size_t wild_len = 0;
    for (const HttpRoute* r : vss)
      for (const std::string& raw : r->hostnames) {
        const std::string vh = ExpandHost(raw, r->ns);
        if (vh.rfind('*', 0) != 0) {
          if (AsciiLower(vh) == AsciiLower(h))
            serves.insert(r), lowered.insert(r);
          exact_here |= vh == h;
        } else if ((vh == "*" ||
                    (h.size() >= vh.size() && EndsWith(h, vh.substr(1)))) &&
                   vh.size() > wild_len) {
          // A suffix as written (mostSpecificHostWildcardMatch).
          wild = r, wild_len = vh.size();
        }
      }
    if (!exact_here && wild) serves.insert(wild), wild_picks.insert(wild);
  }
  // The first that keeps a route on `port` for the client (a duplicate
  // virtual host is dropped, the earlier one kept).
  for (const HttpRoute* r : vss)
    if (serves.count(r) &&
        (!port || !client_labels ||
         SidecarKeepsARoute(*r, port, client_ns, *client_labels))) {
      if (by_wildcard) *by_wildcard = wild_picks.count(r) && !lowered.count(r);
      return r;
    }
  return nullptr;
}

std::vector<const IstioGateway*> IstioGatewaysForPod(const Cluster& c,
                                                     const Workload& pod) {
  std::vector<const IstioGateway*> out;
  for (const auto& [key, gw] : c.istio_gateways) {
    (void)key;
    if (!gw.selector || SelectorMatches(*gw.selector, pod.labels))
      out.push_back(&gw);
  }
  // push_context.go sortConfigByCreationTime: oldest first, then by name,
  // then namespace (MergeGateways reads them in that order).
  std::stable_sort(out.begin(), out.end(),
                   [](const IstioGateway* a, const IstioGateway* b) {
                     return std::tie(a->creation_timestamp, a->name, a->ns) <
                            std::tie(b->creation_timestamp, b->name, b->ns);
                   });
  return out;
}

namespace {
// The targetPort of Service port `number` of the first Service of the
// pod's namespace selecting Router pod `pod`, else `number`; `servers`:
// for a server's port, where a Service labelled
// experimental.istio.io/disable-gateway-port-translation (any value: istiod
// tests the key, gateway.go resolvePorts) opted out (§16.3).
int RouterTargetPort(const Cluster& c, const Workload& pod, int number,
                     bool servers) {
  for (size_t si = 0; si < c.services.size(); ++si) {
    const Service& s = c.services[si];
    if (s.kind != "Service" || s.ns != pod.ns || !s.selector ||
        s.selector->empty() || !SelectorMatches(*s.selector, pod.labels))
      continue;
    if (servers && FindLabel(s.labels,
                             "experimental.istio.io/disable-gateway-port-"
                             "translation"))
      continue;
    for (const ServicePort& p : s.ports) {
      if (p.port != number) continue;
      if (p.target_port) return p.target_port;
      if (!p.target_port_name.empty())
        for (const ContainerPort& cp : pod.ports)
          if (cp.name == p.target_port_name) return cp.port;
      return number;
    }
  }
  return number;
}
}  // namespace

int IstioServerListenPort(const Cluster& c, const Workload& pod, int number) {
  return RouterTargetPort(c, pod, number, /*servers=*/true);
}

int RouterPodPort(const Cluster& c, const Workload& pod, int number) {
  return RouterTargetPort(c, pod, number, /*servers=*/false);
}

std::set<int> SidecarMtlsPodPorts(const Mesh& mesh, const Cluster& c,
                                  const Workload& pod) {
  std::set<int> out;
  auto istio_mtls = [](const Workload& w) {
    const std::string* mode = FindLabel(w.labels, "security.istio.io/tlsMode");
    return w.capture == Capture::kSidecar || (mode && *mode == "istio");
  };
  // The services that select the pod (Finalize's reverse index), else all.
  std::vector<size_t> all;
  const std::vector<size_t>* candidates = &all;
  const size_t wi = static_cast<size_t>(&pod - c.workloads.data());
  if (wi < c.workloads.size() &&
      c.workload_services.size() == c.workloads.size()) {
    candidates = &c.workload_services[wi];
  } else {
    for (size_t si = 0; si < c.services.size(); ++si) all.push_back(si);
  }
  for (size_t si : *candidates) {
    const Service& s = c.services[si];
    if (!s.headless || si >= c.service_endpoints.size()) continue;
    const std::vector<size_t>& eps = c.service_endpoints[si];
    bool lists = false, all = true;
    for (size_t wi : eps) {
      lists = lists || &c.workloads[wi] == &pod;
      all = all && istio_mtls(c.workloads[wi]);
    }
    // Then the namespace's mode, else the mesh's: DISABLE gives no TLS.
    if (lists && all && NamespaceMtlsMode(mesh, c, s.ns, nullptr) != "DISABLE")
      for (const ServicePort& p : s.ports) out.insert(p.port);
  }
  return out;
}

std::string GammaKindGroup(const std::string& kind, IstioVersion version) {
  return version.AtLeast(1, 30) && kind == "GRPCRoute" ? "HTTPRoute" : kind;
}

// protocol.go IsHTTP.
bool IstioServer::PlainHttp() const {
  return protocol == "HTTP" || protocol == "HTTP2" || protocol == "GRPC" ||
         protocol == "GRPC-WEB" || protocol == "HTTP_PROXY";
}

// gateway.go IsHTTPSServerWithTLSTermination.
bool IstioServer::Terminates() const {
  return protocol == "HTTPS" && tls && !PassesTls();
}

// gateway.go IsPassThroughServer.
bool IstioServer::PassesTls() const {
  return tls && (tls_mode == "PASSTHROUGH" || tls_mode == "AUTO_PASSTHROUGH");
}

// gateway.go buildGatewayTCPBasedFilterChains: routed by the
// VirtualServices' tcp or tls sections.
bool IstioServer::ProxiesTcp() const { return !PlainHttp() && !Terminates(); }

std::vector<IstioChain> IstioChains(
    const std::vector<std::pair<const IstioGateway*, const IstioServer*>>&
        at_port) {
  std::vector<IstioChain> out;
  if (at_port.empty()) return out;
  // gateway.go MergeGateways (one bind): a server with tls settings whose
  // host (as written) an earlier such server of the port has is skipped
  // whole (CheckDuplicates: Envoy refuses two filter chains alike).
  std::set<std::string> tls_hosts;
  auto duplicate = [&](const IstioServer& srv) {
    if (!srv.tls) return false;
    for (const std::string& h : srv.hosts)
      if (tls_hosts.count(h)) return true;
    tls_hosts.insert(srv.hosts.begin(), srv.hosts.end());
    return false;
  };
  const IstioServer& first = *at_port.front().second;
  if (first.PlainHttp() || !first.tls) {
    // The first server is plaintext: only HTTP servers join an HTTP one
    // (canMergeProtocols), nothing joins a TCP one.
    IstioChain plain;
    plain.http = first.PlainHttp();
    for (const auto& gs : at_port) {
      if (&gs != &at_port.front() && (!plain.http || !gs.second->PlainHttp()))
        continue;
      if (!duplicate(*gs.second)) plain.servers.push_back(gs);
    }
    out.push_back(std::move(plain));
    return out;
  }
  // A TLS port: each server with tls settings a chain of its own; a
  // plaintext non-HTTP server takes any other connection only when it is
  // the first after the port's first server to reach mergeGateways' bind
  // set (nonPlainTextGatewayPortsBindMap: a new bind); any later one is
  // skipped ("TLS server without TLS options"). An HTTP one is not
  // modelled there, but reaches the bind set all the same.
  IstioChain tcp;
  bool bound = false;
  for (size_t i = 0; i < at_port.size(); ++i) {
    const auto& gs = at_port[i];
    const IstioServer& srv = *gs.second;
    if (duplicate(srv)) continue;
    const bool new_bind = i > 0 && !bound;
    bound = bound || i > 0;
    if (srv.PlainHttp()) continue;
    if (!srv.tls) {
      if (new_bind) tcp.servers.push_back(gs);
      continue;
    }
    IstioChain c;
    c.servers.push_back(gs);
    c.http = srv.Terminates();
    for (const std::string& h : srv.hosts)
      c.sni.push_back(AsciiLower(h.substr(h.find('/') + 1)));
    out.push_back(std::move(c));
  }
  if (!tcp.servers.empty()) out.push_back(std::move(tcp));
  return out;
}

const IstioChain* IstioChainFor(const std::vector<IstioChain>& chains,
                                const std::string& host) {
  const std::string name = AsciiLower(host.substr(0, host.find(':')));
  const IstioChain* best = nullptr;
  const IstioChain* any = nullptr;
  size_t best_rank = 0;
  for (const IstioChain& c : chains) {
    if (c.sni.empty() && !any) any = &c;
    for (const std::string& p : c.sni)
      if (HostMatches(p, name) && (!best || Specificity(p) > best_rank)) {
        best = &c;
        best_rank = Specificity(p);
      }
  }
  return best ? best : any;
}

size_t HostSpecificity(const std::string& pattern) {
  return Specificity(pattern);
}

bool IsCatchAllMatch(const HttpMatch* m) {
  if (!m) return true;
  const bool any_path =
      m->path_type.empty() ||
      ((m->path_type == "Prefix" || m->path_type == "PathPrefix") &&
       m->path_value == "/") ||
      (m->path_type == "RegularExpression" && m->path_value == ".*");
  return any_path && m->method.empty() && m->headers.empty() &&
         m->without_headers.empty() && m->query_params.empty();
}

std::vector<std::string> ListenerKinds(const Listener& l) {
  std::vector<std::string> kinds;
  if (l.protocol == "HTTP" || l.protocol == "HTTPS")
    kinds = {"HTTPRoute", "GRPCRoute"};
  else if (l.protocol == "TCP")
    kinds = {"TCPRoute"};
  else if (l.protocol == "TLS")
    kinds = l.tls_mode == "Terminate"
                ? std::vector<std::string>{"TLSRoute", "TCPRoute"}
                : std::vector<std::string>{"TLSRoute"};
  else
    return {};  // HBONE and others: no kind is refused here
  if (!l.allowed_kinds.empty())
    std::erase_if(kinds, [&](const std::string& k) {
      return std::find(l.allowed_kinds.begin(), l.allowed_kinds.end(), k) ==
             l.allowed_kinds.end();
    });
  return kinds;
}

bool ListenerTakesRoute(const Cluster& c, const Gateway& gw,
                        const Listener& listener, const HttpRoute& r) {
  // §9 (conversion.go referenceAllowed): "kind ... is not allowed".
  const std::string& proto = listener.protocol;
  const bool typed =
      proto == "HTTP" || proto == "HTTPS" || proto == "TCP" || proto == "TLS";
  const std::vector<std::string> kinds = ListenerKinds(listener);
  if (typed && std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end())
    return false;
  for (const ParentRef& p : r.parents) {
    if (p.kind != "Gateway" || p.ns != gw.ns || p.name != gw.name) continue;
    if (!p.section_name.empty() && p.section_name != listener.name) continue;
    if (p.port != 0 && p.port != listener.port) continue;
    if (listener.allowed_from == "All") return true;
    if (listener.allowed_from == "Selector") {
      // conversion.go namespacesFromSelector: no selector (which the CRD
      // lets through) allows every namespace ("*").
      return !listener.allowed_selector ||
             listener.allowed_selector->Matches(c.SelectorLabels(r.ns));
    }
    return r.ns == gw.ns;
  }
  return false;
}

namespace {

// pkg/config/host Name.SubsetOf: every host `n` matches, `o` matches too.
bool HostSubsetOf(const std::string& n, const std::string& o) {
  const bool nw = !n.empty() && n[0] == '*', ow = !o.empty() && o[0] == '*';
  auto ends_with = [](const std::string& a, const std::string& b) {
    return a.size() >= b.size() &&
           a.compare(a.size() - b.size(), b.size(), b) == 0;
  };
  if (nw && ow) return ends_with(n.substr(1), o.substr(1));
  if (!nw && !ow) return n == o;
  if (nw) return false;
  return ends_with(n, o.substr(1));
}

// §9 (conversion.go hostnameAllowedByIsolation): a route host bound to a
// wildcard (or hostname-less) listener is dropped where another listener
// of the Gateway on the same port and protocol, with a hostname at least
// as long, covers it: that listener's routes alone serve it.
bool AllowedByIsolation(const std::string& route_host, const Gateway& gw,
                        const Listener& ours) {
  const std::string mine = AsciiLower(ours.hostname);
  if (!mine.empty() && mine[0] != '*') return true;
  if (!mine.empty() && !HostMatches(mine, route_host) &&
      !HostMatches(route_host, mine))
    return false;
  for (const Listener& other : gw.listeners) {
    const std::string theirs = AsciiLower(other.hostname);
    if (&other == &ours || other.port != ours.port ||
        other.protocol != ours.protocol || theirs == mine)
      continue;
    if (mine.size() > theirs.size()) continue;
    if (HostSubsetOf(route_host, theirs)) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> GatewayRouteDomains(const HttpRoute& r,
                                             const Gateway& gw,
                                             const Listener& listener) {
  const std::string& listener_host = listener.hostname;
  const std::string l = listener_host.empty() ? "*" : AsciiLower(listener_host);
  std::vector<std::string> out;
  auto add = [&](const std::string& d) {
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  };
  const std::vector<std::string> hosts =
      r.hostnames.empty() ? std::vector<std::string>{"*"} : r.hostnames;
  for (const std::string& written : hosts) {
    const std::string h = AsciiLower(written);
    if (!AllowedByIsolation(h, gw, listener)) continue;
    if (HostMatches(l, h))
      add(h);
    else if (HostMatches(h, l))
      add(l);
  }
  return out;
}

bool RouteHostnamesMeetListener(const HttpRoute& r, const Listener& listener) {
  if (r.hostnames.empty() || listener.hostname.empty()) return true;
  for (const std::string& h : r.hostnames)
    if (HostMatches(listener.hostname, h) || HostMatches(h, listener.hostname))
      return true;
  return false;
}

std::vector<const HttpRoute*> VirtualServicesAtIstioGateway(
    const Cluster& c, const IstioGateway& gw, const IstioServer& server,
    const std::string& host) {
  const std::vector<IstioVirtualHost> vhosts =
      IstioVirtualHosts(c, {{&gw, &server}});
  const IstioVirtualHost* v = VirtualHostFor(vhosts, host);
  return v ? v->routes : std::vector<const HttpRoute*>{};
}

}  // namespace meshsim
