#include "verify/route_signature.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "model/binding.h"
#include "model/networking.h"
#include "model/text.h"
#include "verify/mutation.h"

namespace meshsim::verify {

// §16.2: the VirtualServices for `mesh` that cover the service come
// first, each rule by first match (the waypoint's own list when the
// service has one, else the oldest, as a sidecar in the service's
// namespace sees it); a request none matches falls to the Gateway API
// routes. Each backend carries what the DestinationRule says of it
// (subset labels, traffic policy), so a change to either is a route
// change.
z3::expr RouteEncoder::Fold(
    const std::vector<std::pair<z3::expr, std::string>>& chain,
    z3::expr otherwise, const Cluster& cluster, const std::string& proxy_ns,
    const Service& svc) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    otherwise = z3::ite(it->first, c_.string_val(it->second), otherwise);
  // The DestinationRule of the addressed service itself (kept for an
  // agentgateway waypoint too, which reads none: its sidecar clients do).
  if (const DestinationRule* dr =
          DestinationRuleFor(mesh_, cluster, proxy_ns, nullptr, svc))
    otherwise = z3::concat(otherwise, c_.string_val("; " + PolicyText(*dr)));
  return otherwise;
}

std::vector<const HttpRoute*> RouteEncoder::ProxyVirtualServices(
    const Cluster& cluster, const Service& svc, std::string& proxy_ns,
    bool tcp) {
  Binding b = ServiceWaypoint(mesh_, cluster, svc);
  proxy_ns = svc.ns;
  if (b.status == BindingStatus::kAccepted) {
    proxy_ns = b.waypoint->ns;
    return VirtualServicesAtWaypoint(
        cluster, *b.waypoint, svc, {},
        cluster.version.value_or(mesh_.istio.version), 0, tcp);
  }
  if (const HttpRoute* vs = VirtualServiceForSidecar(cluster, svc.ns, svc))
    return {vs};
  return {};
}

z3::expr RouteEncoder::Signature(const Cluster& cluster, const Service& svc) {
  z3::expr sig = GatewayApiSignature(cluster, svc);
  std::string proxy_ns;
  const std::vector<const HttpRoute*> vss =
      ProxyVirtualServices(cluster, svc, proxy_ns);
  std::vector<std::pair<z3::expr, std::string>> chain;
  for (const HttpRoute* vs : vss)
    for (const HttpRouteRule& rule : vs->rules) {
      z3::expr any = c_.bool_val(rule.matches.empty());
      for (const HttpMatch& m : rule.matches) {
        z3::expr ok = Matches(m);
        if (m.source_labels || m.port)
          ok = ok && c_.bool_const(("vs-source-or-port:" + vs->Key()).c_str());
        any = any || ok;
      }
      chain.emplace_back(any, Backends(rule, cluster, proxy_ns));
    }
  return Fold(chain, sig, cluster, proxy_ns, svc);
}

z3::expr RouteEncoder::TcpSignature(const Cluster& cluster,
                                    const Service& svc) {
  std::string proxy_ns;
  const std::vector<const HttpRoute*> vss =
      ProxyVirtualServices(cluster, svc, proxy_ns, /*tcp=*/true);
  const bool waypoint =
      ServiceWaypoint(mesh_, cluster, svc).status == BindingStatus::kAccepted;
  // A match's sniHosts: at a waypoint (getTLSRouteMatch) it holds when it is
  // the service's own hostname alone; at a sidecar it is the connection's
  // server name, an opaque condition named by the hosts it lists.
  auto sni = [&](const HttpMatch& m) {
    std::string hosts;
    int n = 0;
    bool own = false;
    for (const HttpMatch::Header& h : m.headers)
      if (h.name == ":sni") {
        hosts += h.value + ",";
        ++n;
        own = h.value == svc.Hostname();
      }
    if (waypoint) return c_.bool_val(n == 1 && own);
    return c_.bool_const(("vs-sni:" + hosts).c_str());
  };
  std::vector<std::pair<z3::expr, std::string>> chain;
  // A waypoint reads every VirtualService's tls rules before any tcp rule
  // (getWaypointTCPRoutes); a sidecar the tls rules on a port declared TLS
  // or HTTPS and the tcp rules on any other
  // (buildSidecarOutboundTLSFilterChainOpts, ...TCPFilterChainOpts).
  z3::expr tls_port = c_.bool_val(waypoint);
  if (!waypoint)
    for (const ServicePort& p : svc.ports)
      if (PortDeclaresTls(p)) tls_port = tls_port || e_.port == p.port;
  for (const int pass : {1, 0})
    for (const HttpRoute* vs : vss)
      for (const HttpRouteRule& rule : vs->tcp_rules) {
        if (rule.tls != (pass == 1)) continue;
        z3::expr any = c_.bool_val(rule.matches.empty());
        for (const HttpMatch& m : rule.matches) {
          z3::expr ok =
              m.port ? e_.port == c_.int_val(m.port) : c_.bool_val(true);
          if (!m.headers.empty()) ok = ok && sni(m);
          // tls.go matchTCP: every condition at once; a waypoint passes no
          // labels or namespace, and is a "mesh" proxy; at a sidecar the
          // client's labels and namespace are an opaque condition.
          const bool source = (m.source_labels && !m.source_labels->empty()) ||
                              !m.source_namespace.empty();
          const bool mesh = m.gateways.empty() ||
                            std::find(m.gateways.begin(), m.gateways.end(),
                                      "mesh") != m.gateways.end();
          if (!mesh || (waypoint && source)) ok = c_.bool_val(false);
          if (!waypoint && source)
            ok = ok && c_.bool_const(("vs-tcp-source:" + vs->Key()).c_str());
          any = any || ok;
        }
        // A sidecar: tls rules on a TLS port only, tcp rules elsewhere only
        // (no tcp chain on a TLS port).
        if (pass == 1) any = any && tls_port;
        if (pass == 0 && !waypoint) any = any && !tls_port;
        chain.emplace_back(any, Backends(rule, cluster, proxy_ns));
      }
  // §9: the producer TCPRoutes and TLSRoutes attached to the Service (any
  // port, or the one named), oldest first; a TLSRoute by its hostnames.
  std::vector<const HttpRoute*> l4;
  for (const HttpRoute& r : cluster.routes)
    if ((r.kind == "TCPRoute" || r.kind == "TLSRoute") && r.ns == svc.ns)
      l4.push_back(&r);
  std::sort(l4.begin(), l4.end(), [](const HttpRoute* a, const HttpRoute* b) {
    return RouteOlder(*a, *b);
  });
  for (const HttpRoute* r : l4)
    for (const ParentRef& p : r->parents) {
      if (p.kind != "Service" || p.ns != svc.ns || p.name != svc.name ||
          r->rules.empty())
        continue;
      z3::expr on = p.port ? e_.port == c_.int_val(p.port) : c_.bool_val(true);
      if (r->kind == "TLSRoute") {
        std::string hosts;
        for (const std::string& h : r->hostnames) hosts += h + ",";
        on = on && c_.bool_const(("tlsroute-sni:" + hosts).c_str());
      }
      chain.emplace_back(on, Backends(r->rules.front()));
    }
  return Fold(chain, c_.string_val(""), cluster, proxy_ns, svc);
}

// §9: every match of the Gateway API routes attached to `svc` (parentRef
// kind Service by name, any port), highest precedence first.
std::vector<RouteEncoder::Candidate> RouteEncoder::Candidates(
    const Cluster& cluster, const Service& svc) {
  return Candidates(cluster, [&](const ParentRef& p) {
    return p.kind == "Service" && p.ns == svc.ns && p.name == svc.name;
  });
}

std::vector<RouteEncoder::Candidate> RouteEncoder::Candidates(
    const Cluster& cluster,
    const std::function<bool(const ParentRef&)>& attached_to) {
  static const HttpMatch kAll = [] {
    HttpMatch m;
    m.path_type = "PathPrefix";
    m.path_value = "/";
    return m;
  }();
  std::vector<Candidate> cands;
  for (const HttpRoute& r : cluster.routes) {
    if (r.kind != "HTTPRoute" && r.kind != "GRPCRoute") continue;
    bool attached = false;
    for (const ParentRef& p : r.parents) attached |= attached_to(p);
    if (!attached) continue;
    for (size_t i = 0; i < r.rules.size(); ++i) {
      const auto& ms = r.rules[i].matches;
      for (size_t j = 0; j < std::max<size_t>(1, ms.size()); ++j) {
        const HttpMatch& m = ms.empty() ? kAll : ms[j];
        // §9: a GRPCRoute's rule without matches comes last, a match
        // without a method after every path (no API default there).
        const bool grpc = r.kind == "GRPCRoute";
        const int rank = grpc && ms.empty()                   ? -2
                         : grpc && m.path_type.empty()        ? -1
                         : m.path_type == "Exact"             ? 3
                         : m.path_type == "RegularExpression" ? 1
                                                              : 2;
        // istiod's getURILength: every path's length, a PathPrefix's
        // without its trailing '/'.
        int len = 0;
        if (rank >= 1 && m.path_type.empty()) {
          len = 1;
        } else if (rank >= 1) {
          len = static_cast<int>(m.path_value.size());
          if (m.path_type == "PathPrefix" && len > 1 &&
              m.path_value.back() == '/')
            --len;
        }
        cands.push_back({{rank, len, m.method.empty() ? 0 : 1,
                          static_cast<int>(m.headers.size()),
                          static_cast<int>(m.query_params.size())},
                         r.creation_timestamp,
                         RouteOrderKey(r),
                         i,
                         j,
                         &r,
                         &m});
      }
    }
  }
  // Highest precedence first; ties to the oldest route, then ns/name, then
  // rule and match order.
  std::stable_sort(
      cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
        if (a.score != b.score) return a.score > b.score;
        if (a.created != b.created) return a.created < b.created;
        if (a.key != b.key) return a.key < b.key;
        return std::tie(a.rule, a.match) < std::tie(b.rule, b.match);
      });
  return cands;
}

z3::expr RouteEncoder::GatewayApiSignature(const Cluster& cluster,
                                           const Service& svc) {
  const std::vector<Candidate> cands = Candidates(cluster, svc);
  z3::expr sig = c_.string_val("");
  for (auto it = cands.rbegin(); it != cands.rend(); ++it)
    sig = z3::ite(Matches(*it->m),
                  c_.string_val(Backends(it->route->rules[it->rule])), sig);
  return sig;
}

void RouteEncoder::AppendChain(const Cluster& cluster, const Service& svc,
                               int port,
                               const std::vector<const HttpRoute*>& routes,
                               const Labels* client_labels,
                               std::vector<RouteArm>& arms, z3::expr& earlier) {
  const z3::expr on = e_.port == c_.int_val(port);
  auto add = [&](const z3::expr& m, const HttpRoute* r,
                 const HttpRouteRule* rule) {
    arms.push_back({on && m && !earlier, r, rule});
    earlier = earlier || (on && m);
  };
  // §16.2: each run of GAMMA routes of one namespace, kind group and
  // parentRef port is one VirtualService istiod made of them
  // (VirtualServicesAtWaypoint's order); `run` holds the current run's
  // routes.
  const IstioVersion version = cluster.version.value_or(mesh_.istio.version);
  std::set<const HttpRoute*> run;
  for (size_t i = 0; i < routes.size(); ++i) {
    const HttpRoute* r = routes[i];
    if (r->IsVirtualService()) {
      // §16.2: rule by rule; a rule matches when any of its matches does
      // (none: every request).
      for (const HttpRouteRule& rule : r->rules) {
        z3::expr any = c_.bool_val(rule.matches.empty());
        for (const HttpMatch& m : rule.matches) {
          z3::expr ok = Matches(m);
          if (m.port) ok = ok && e_.port == c_.int_val(m.port);
          if (m.source_labels && !client_labels) {
            // §16.2 at a waypoint: from 1.25 a match with sourceLabels is
            // dropped; before, its labels were not read (only its port).
            ok = ok && c_.bool_val(!version.AtLeast(1, 25));
          } else if (m.source_labels) {
            // The client pod carries every label of the match.
            bool carries = client_labels != nullptr;
            for (const auto& [k, v] : *m.source_labels) {
              if (!carries) break;
              const auto it = client_labels->find(k);
              carries = it != client_labels->end() && it->second == v;
            }
            ok = ok && c_.bool_val(carries);
          }
          any = any || ok;
        }
        add(any, r, &rule);
      }
      continue;
    }
    // §9: a run of the service's GAMMA routes (a parentRef with a port
    // attaches on that port only), highest precedence first.
    if (run.count(r)) continue;
    run.clear();
    // A sidecar (client_labels given) takes them as one group.
    const int pp = GammaParentPort(*r, svc, port);
    for (size_t j = i;
         j < routes.size() && !routes[j]->IsVirtualService() &&
         (client_labels || (routes[j]->ns == r->ns &&
                            GammaKindGroup(routes[j]->kind, version) ==
                                GammaKindGroup(r->kind, version) &&
                            GammaParentPort(*routes[j], svc, port) == pp));
         ++j)
      run.insert(routes[j]);
    std::vector<Candidate> cands = Candidates(cluster, [&](const ParentRef& p) {
      return p.kind == "Service" && p.ns == svc.ns && p.name == svc.name &&
             (p.port == 0 || p.port == port);
    });
    std::erase_if(cands,
                  [&](const Candidate& c) { return !run.count(c.route); });
    if (Mutated(Mutation::kRuleOrder))  // wrong on purpose
      std::stable_sort(cands.begin(), cands.end(),
                       [](const Candidate& a, const Candidate& b) {
                         return std::tie(a.key, a.rule, a.match) <
                                std::tie(b.key, b.rule, b.match);
                       });
    for (const Candidate& cand : cands)
      add(Matches(*cand.m), cand.route, &cand.route->rules[cand.rule]);
  }
}

// Whether `m` is stated exactly by RouteEncoder::Matches: no regular
// expressions, no query parameters, no pseudo-header matches, no
// ignoreUriCase, no match `gateways` or `sourceNamespace`.
bool MatchEncodable(const HttpMatch& m) {
  if (m.path_type == "RegularExpression" || !m.query_params.empty() ||
      !m.without_headers.empty() || m.ignore_uri_case || !m.gateways.empty() ||
      !m.source_namespace.empty())
    return false;
  for (const HttpMatch::Header& h : m.headers) {
    if (h.type == "RegularExpression" || h.name.empty() || h.name[0] == ':' ||
        JwtClaimRoute(h.name))
      return false;
  }
  return true;
}

namespace {

// §16.3: Envoy's order among the domains that match a Host: an exact name
// first, then the longest suffix wildcard, "*" last.
size_t DomainRank(const std::string& domain) {
  return domain.empty() || domain[0] != '*' ? SIZE_MAX : domain.size();
}

}  // namespace

std::optional<std::vector<RouteArm>> RouteEncoder::GatewayChain(
    const Cluster& cluster, const std::string& gw_key) {
  const auto to_gateway = [&](const ParentRef& p) {
    return p.kind == "Gateway" && p.ns + "/" + p.name == gw_key;
  };
  for (const HttpRoute& r : cluster.routes) {
    bool attached = false;
    for (const ParentRef& p : r.parents) attached |= to_gateway(p);
    if (!attached) continue;
    // Regex and query matches are not in the encoding: the request then
    // stays unconstrained.
    const bool l4 = r.kind == "TCPRoute" || r.kind == "TLSRoute";
    if (r.kind != "HTTPRoute" && !l4) return std::nullopt;
    if (l4 && !cluster.FindGateway(gw_key)) return std::nullopt;
    for (const HttpRouteRule& rule : r.rules)
      for (const HttpMatch& m : rule.matches)
        if (!MatchEncodable(m)) return std::nullopt;
  }
  const Gateway* gw = cluster.FindGateway(gw_key);
  const std::vector<Candidate> cands = Candidates(cluster, to_gateway);
  std::vector<RouteArm> arms;
  if (!gw) {
    // Without the Gateway object: the routes' own hostnames, one chain.
    z3::expr earlier = c_.bool_val(false);
    for (const Candidate& cand : cands) {
      z3::expr host = c_.bool_val(cand.route->hostnames.empty());
      for (const std::string& h : cand.route->hostnames)
        host = host || HostIs(h);
      const z3::expr m = e_.http && Matches(*cand.m) && host;
      arms.push_back(
          {m && !earlier, cand.route, &cand.route->rules[cand.rule]});
      earlier = earlier || m;
    }
    return arms;
  }
  // §9, §16.3: per listener port (the outside client picks one), the
  // virtual hosts of the routes its listeners take (model/networking.h's
  // ListenerTakesRoute and GatewayRouteDomains, shared): a route is a
  // candidate for the request's Host when one of its domains there is the
  // one the Host takes: it matches the domain and no domain of a higher
  // rank on that port does. Rule by rule in the Gateway API's precedence.
  // §9: on a port, each HTTPS or TLS listener is a filter chain of its own,
  // taken when the server name (the Host) matches its hostname and no more
  // specific such listener's there; the other listeners share one chain.
  // A TLS chain reads no HTTP: a request is the bytes its TLSRoute or
  // TCPRoute forwards.
  std::set<std::pair<int, const Listener*>> chains;
  const auto by_name = [](const Listener& l) {
    return l.protocol == "HTTPS" || l.protocol == "TLS";
  };
  for (const Listener& l : gw->listeners)
    if (l.programmed) chains.emplace(l.port, by_name(l) ? &l : nullptr);
  const auto chain_name = [](const Listener& l) {
    return l.hostname.empty() ? std::string("*") : l.hostname;
  };
  for (const auto& [port, https] : chains) {
    z3::expr on_chain = c_.bool_val(true);
    if (https) {
      on_chain = HostIs(chain_name(*https));
      for (const Listener& o : gw->listeners)
        if (o.port == port && by_name(o) && o.programmed &&
            DomainRank(chain_name(o)) > DomainRank(chain_name(*https)))
          on_chain = on_chain && !HostIs(chain_name(o));
    }
    std::map<const HttpRoute*, std::vector<std::string>> domains;
    std::set<std::string> all_domains;
    for (const Listener& l : gw->listeners) {
      if (l.port != port || !l.programmed || by_name(l) != (https != nullptr) ||
          (https && &l != https))
        continue;
      for (const HttpRoute& r : cluster.routes) {
        if (!ListenerTakesRoute(cluster, *gw, l, r)) continue;
        for (const std::string& d : GatewayRouteDomains(r, *gw, l)) {
          domains[&r].push_back(d);
          all_domains.insert(d);
        }
      }
    }
    std::map<std::string, z3::expr> takes;
    for (const std::string& d : all_domains) {
      z3::expr t = HostIs(d);
      for (const std::string& other : all_domains)
        if (DomainRank(other) > DomainRank(d)) t = t && !HostIs(other);
      takes.emplace(d, t);
    }
    // HTTPRoutes route HTTP requests only: a TCP connection to an HTTP
    // listener reaches no backend.
    z3::expr earlier = c_.bool_val(false);
    for (const Candidate& cand : cands) {
      auto it = domains.find(cand.route);
      if (it == domains.end()) continue;
      AnyOf host(c_);
      for (const std::string& d : it->second) host.Add(takes.at(d));
      const z3::expr m =
          e_.http && on_chain && Matches(*cand.m) && host.Build();
      arms.push_back(
          {m && !earlier, cand.route, &cand.route->rules[cand.rule]});
      earlier = earlier || m;
    }
    // §9: a TCP connection (a port of TCP and TLS listeners, where the
    // ingress reads no HTTP) takes the first rule of the oldest TCPRoute
    // or TLSRoute of its virtual host (sim/routing.cc SelectGatewayApi).
    std::vector<const HttpRoute*> l4;
    for (const auto& [r, ds] : domains)
      if (r->kind == "TCPRoute" || r->kind == "TLSRoute") l4.push_back(r);
    std::sort(l4.begin(), l4.end(),
              [&](const HttpRoute* a, const HttpRoute* b) {
                // The gateway's namespace first (VirtualServicesForGateway).
                if ((a->ns == gw->ns) != (b->ns == gw->ns))
                  return a->ns == gw->ns;
                return RouteOlder(*a, *b);
              });
    z3::expr earlier_l4 = c_.bool_val(false);
    for (const HttpRoute* r : l4) {
      if (r->rules.empty()) continue;
      AnyOf host(c_);
      for (const std::string& d : domains.at(r)) host.Add(takes.at(d));
      const z3::expr m = (!e_.http || (https && https->protocol == "TLS")) &&
                         on_chain && host.Build();
      arms.push_back({m && !earlier_l4, r, &r->rules.front()});
      earlier_l4 = earlier_l4 || m;
    }
  }
  return arms;
}

std::optional<std::vector<RouteArm>> RouteEncoder::RouterChain(
    const Cluster& cluster, const Workload& pod) {
  const std::vector<const IstioGateway*> gateways =
      IstioGatewaysForPod(cluster, pod);
  for (const HttpRoute& r : cluster.routes) {
    if (!r.IsVirtualService()) continue;
    bool bound = false;
    for (const IstioGateway* g : gateways)
      bound |= std::find(r.gateways.begin(), r.gateways.end(), g->Key()) !=
               r.gateways.end();
    if (!bound) continue;
    if (!r.tcp_rules.empty()) return std::nullopt;
    for (const HttpRouteRule& rule : r.rules)
      for (const HttpMatch& m : rule.matches)
        if (!MatchEncodable(m)) return std::nullopt;
  }
  std::set<int> ports;
  for (const IstioGateway* g : gateways)
    for (const IstioServer& srv : g->servers)
      ports.insert(IstioServerListenPort(cluster, pod, srv.port));
  std::vector<RouteArm> arms;
  for (const int listen : ports) {
    // The servers listening there.
    std::vector<std::pair<const IstioGateway*, const IstioServer*>> at_port;
    for (const IstioGateway* g : gateways)
      for (const IstioServer& srv : g->servers)
        if (IstioServerListenPort(cluster, pod, srv.port) == listen)
          at_port.emplace_back(g, &srv);
    // The port's filter chains (model/networking.h's IstioChains, shared);
    // which one a server name takes is stated here: a name of the chain
    // matches and no more specific name of another chain does (the first
    // chain on a tie). Only chains that route HTTP have arms.
    const std::vector<IstioChain> chains = IstioChains(at_port);
    for (size_t ci = 0; ci < chains.size(); ++ci) {
      if (!chains[ci].http) continue;
      AnyOf sni(c_);
      for (const std::string& p : chains[ci].sni) {
        z3::expr t = HostIs(p);
        for (size_t oi = 0; oi < chains.size(); ++oi)
          for (const std::string& q : chains[oi].sni)
            if (oi != ci && (DomainRank(q) > DomainRank(p) ||
                             (DomainRank(q) == DomainRank(p) && oi < ci)))
              t = t && !HostIs(q);
        sni.Add(t);
      }
      const z3::expr on_chain =
          chains[ci].sni.empty() ? c_.bool_val(true) : sni.Build();
      RouterChainArms(
          pod, on_chain,
          IstioVirtualHosts(cluster, chains[ci].servers, pod.ns, &pod.labels),
          arms);
    }
  }
  return arms;
}

// The arms of one filter chain's virtual hosts `vhosts` (taken when
// `on_chain`) at Router pod `pod`, appended to `arms`; a match's port is
// compared with the server port its VirtualService's routes were built for
// as written (route.go), not the port the Router listens on.
void RouteEncoder::RouterChainArms(const Workload& pod,
                                   const z3::expr& on_chain,
                                   const std::vector<IstioVirtualHost>& vhosts,
                                   std::vector<RouteArm>& arms) {
  {
    for (const IstioVirtualHost& vh : vhosts) {
      // §16.3: a virtual host with RequireTls answers 301 (no backend).
      if (vh.require_tls) continue;
      z3::expr on = e_.http && on_chain && HostIs(vh.domain);
      for (const IstioVirtualHost& other : vhosts)
        if (DomainRank(other.domain) > DomainRank(vh.domain))
          on = on && !HostIs(other.domain);
      // Envoy's routes of the virtual host: per VirtualService one per
      // match the gateway keeps (sourceLabels against the Router's labels,
      // a match's port against the server's), up to its first
      // catch-all; the catch-alls after all the others (§16.3).
      struct Entry {
        const HttpRoute* r;
        const HttpRouteRule* rule;
        const HttpMatch* m;  // nullptr: a rule without matches
      };
      std::vector<Entry> entries, catch_alls;
      for (size_t k = 0; k < vh.routes.size(); ++k) {
        const HttpRoute* r = vh.routes[k];
        // gateway.go: each VirtualService's routes are built for one
        // gateway and one server port; a match naming other gateways, or
        // another port, is dropped.
        const std::string& gateway = vh.origins[k].first;
        const int built_port = vh.origins[k].second;
        bool done = false;
        for (size_t i = 0; i < r->rules.size() && !done; ++i) {
          const HttpRouteRule& rule = r->rules[i];
          std::vector<const HttpMatch*> kept;
          if (rule.matches.empty()) kept.push_back(nullptr);
          for (const HttpMatch& m : rule.matches) {
            bool fixed = (!m.port || m.port == built_port) &&
                         (m.gateways.empty() ||
                          std::find(m.gateways.begin(), m.gateways.end(),
                                    gateway) != m.gateways.end());
            if (m.source_labels)
              for (const auto& [k, v] : *m.source_labels) {
                const auto it = pod.labels.find(k);
                fixed = fixed && it != pod.labels.end() && it->second == v;
              }
            if (fixed) kept.push_back(&m);
          }
          for (const HttpMatch* m : kept) {
            if (IsCatchAllMatch(m)) {
              catch_alls.push_back({r, &rule, m});
              done = true;
              break;
            }
            entries.push_back({r, &rule, m});
          }
        }
      }
      entries.insert(entries.end(), catch_alls.begin(), catch_alls.end());
      z3::expr earlier = c_.bool_val(false);
      for (const Entry& en : entries) {
        const z3::expr m = en.m ? Matches(*en.m) : c_.bool_val(true);
        arms.push_back({on && m && !earlier, en.r, en.rule});
        earlier = earlier || m;
      }
    }
  }
}

// §9: whether the request's host is `pattern`: the name itself, or for
// "*.example.com" any name with that suffix and one label more at least.
// Envoy matches domains case-insensitively: the pattern is lowered, and a
// request stands for every spelling of its Host by its lower-case one
// (docs/verification.md#hosts).
z3::expr RouteEncoder::HostIs(const std::string& written) {
  const std::string pattern = AsciiLower(written);
  const z3::expr& host = e_.host;
  if (pattern == "*") return c_.bool_val(true);
  if (pattern.size() > 1 && pattern[0] == '*') {
    const std::string suffix = pattern.substr(1);
    return z3::suffixof(c_.string_val(suffix), host) &&
           host.length() > c_.int_val(static_cast<int>(suffix.size()));
  }
  return host == c_.string_val(pattern);
}

// What a DestinationRule says, as text: subsets and their labels, and the
// policy fields the simulator reads.
std::string RouteEncoder::PolicyText(const DestinationRule& dr) {
  std::string out = "DestinationRule " + dr.Key();
  auto policy = [](const TrafficPolicy& tp) {
    std::string t = " lb " + tp.lb_simple;
    if (tp.locality_enabled)
      t += *tp.locality_enabled ? " locality" : " no-locality";
    for (const std::string& f : tp.failover_priority) t += " prio " + f;
    for (const auto& [from, to] : tp.failover)
      t += " failover " + from + ">" + to;
    for (const TrafficPolicy::Distribute& d : tp.distribute) {
      t += " distribute " + d.from + ">";
      for (const auto& [to, w] : d.to) t += to + "=" + std::to_string(w) + ",";
    }
    for (const auto* v : {&tp.max_connections, &tp.http1_max_pending,
                          &tp.http2_max_requests, &tp.max_retries})
      t += " " + (*v ? std::to_string(**v) : std::string("-"));
    if (tp.outlier_detection)
      t += " outlier " + std::to_string(tp.consecutive_5xx) + "/" +
           std::to_string(tp.interval_ns) + "/" +
           std::to_string(tp.base_ejection_ns) + "/" +
           std::to_string(tp.max_ejection_percent);
    return t + " tls " + tp.tls_mode;
  };
  if (dr.policy) out += policy(*dr.policy);
  for (const auto& [port, tp] : dr.port_policies)
    out += "; port " + std::to_string(port) + policy(tp);
  for (const DestinationRuleSubset& sub : dr.subsets) {
    out += "; subset " + sub.name;
    for (const auto& [k, v] : sub.labels) out += " " + k + "=" + v;
    if (sub.policy) out += policy(*sub.policy);
  }
  return out;
}

// A VirtualService rule's destinations with their subsets' labels.
std::string RouteEncoder::Backends(const HttpRouteRule& rule, const Cluster& c,
                                   const std::string& proxy_ns) const {
  std::string out = Backends(rule);
  for (const BackendRef& b : rule.backends) {
    if (b.subset.empty()) continue;
    std::vector<size_t> idx = c.ServicesForHost(b.name, b.ns, /*sidecar=*/true);
    const DestinationRule* dr =
        idx.empty() ? nullptr
                    : DestinationRuleFor(mesh_, c, proxy_ns, nullptr,
                                         c.services[idx.front()]);
    const DestinationRuleSubset* sub = dr ? dr->FindSubset(b.subset) : nullptr;
    out += "; " + b.name + " subset " + b.subset + " =";
    if (!sub)
      out += " (undefined)";
    else
      for (const auto& [k, v] : sub->labels) out += " " + k + "=" + v;
  }
  if (rule.fault)
    out += "; fault abort " + std::to_string(rule.fault->abort_status) + " " +
           std::to_string(rule.fault->abort_percent) + "% delay " +
           std::to_string(rule.fault->delay_ns) + " " +
           std::to_string(rule.fault->delay_percent) + "%";
  if (!rule.timeout.empty()) out += "; timeout " + rule.timeout;
  if (rule.retry_attempts)
    out += "; retries " + std::to_string(*rule.retry_attempts);
  if (rule.mirror) out += "; mirror " + rule.mirror->name;
  return out;
}

std::string RouteEncoder::Backends(const HttpRouteRule& rule) {
  std::vector<std::string> parts;
  for (const BackendRef& b : rule.backends)
    parts.push_back(b.kind + " " + b.ns + "/" + b.name + ":" +
                    std::to_string(b.port) + " weight " +
                    std::to_string(b.weight) +
                    (b.subset.empty() ? "" : " subset " + b.subset));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  if (out.empty()) out = "(no backends)";
  for (const HttpFilter& f : rule.filters) {
    out += "; " + f.type;
    if (!f.path_value.empty()) out += " " + f.path_type + " " + f.path_value;
    if (!f.redirect_path.empty()) out += " " + f.redirect_path;
    if (!f.redirect_hostname.empty()) out += " " + f.redirect_hostname;
    for (const auto& [k, v] : f.set_headers) out += " " + k + "=" + v;
    for (const auto& [k, v] : f.add_headers) out += " +" + k + "=" + v;
    for (const std::string& k : f.remove_headers) out += " -" + k;
  }
  return out;
}

z3::expr RouteEncoder::Matches(const HttpMatch& m) {
  z3::expr ok = c_.bool_val(true);
  if (m.path_type == "Exact") {
    ok = ok && e_.path == c_.string_val(m.path_value);
  } else if (m.path_type == "RegularExpression") {
    // Regular expressions are not encoded: an opaque condition, so a
    // witness may need another path (docs/diff.md).
    ok = ok && c_.bool_const(("route-regex:" + m.path_value).c_str());
  } else if (m.path_type == "Prefix") {
    // A VirtualService uri.prefix: a plain string prefix (§16.2).
    ok = ok && z3::prefixof(c_.string_val(m.path_value), e_.path);
  } else if (!m.path_type.empty()) {
    // PathPrefix matches whole segments.
    std::string v = m.path_value;
    while (v.size() > 1 && v.back() == '/') v.pop_back();
    if (!(v.empty() || v == "/"))
      ok = ok && (e_.path == c_.string_val(v) ||
                  z3::prefixof(c_.string_val(v + "/"), e_.path));
  }
  if (!m.method.empty()) ok = ok && e_.method == c_.string_val(m.method);
  for (const HttpMatch::Header& h : m.headers) {
    if (const auto claim = JwtClaimRoute(h.name)) {
      // §16.2: a claim of the token the proxy validated (a VirtualService
      // bound to "mesh" and a gateway): not encoded, an opaque condition.
      ok =
          ok &&
          c_.bool_const(
              ("route-claim:" + *claim + ":" + h.type + ":" + h.value).c_str());
      continue;
    }
    std::string name = h.name;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (name == "host" || name == ":authority") {
      ok = ok &&
           (h.type == "Prefix" ? z3::prefixof(c_.string_val(h.value), e_.host)
                               : e_.host == c_.string_val(h.value));
      continue;
    }
    if (name == ":method") {
      ok = ok &&
           (h.type == "Prefix" ? z3::prefixof(c_.string_val(h.value), e_.method)
            : h.type == "RegularExpression"
                ? c_.bool_const(("method-regex:" + h.value).c_str())
                : e_.method == c_.string_val(h.value));
      continue;
    }
    z3::expr has = c_.bool_const(("has-header:" + name).c_str());
    z3::expr val = c_.string_const(("header:" + name).c_str());
    ok = ok && has &&
         (h.type == "RegularExpression"
              ? c_.bool_const(("header-regex:" + name + ":" + h.value).c_str())
          : h.type == "Prefix" ? z3::prefixof(c_.string_val(h.value), val)
                               : val == c_.string_val(h.value));
  }
  // §16.2 withoutHeaders: inverted, an absent header read as "" unless
  // only its presence is asked; pseudo-headers and regexes opaque.
  for (const HttpMatch::Header& h : m.without_headers) {
    const std::string opaque =
        "without-header:" + h.name + ":" + h.type + ":" + h.value;
    if (h.name == "host" || h.name[0] == ':' || h.type == "RegularExpression") {
      ok = ok && !c_.bool_const(opaque.c_str());
      continue;
    }
    const z3::expr has = c_.bool_const(("has-header:" + h.name).c_str());
    const z3::expr v = z3::ite(
        has, c_.string_const(("header:" + h.name).c_str()), c_.string_val(""));
    ok = ok && (h.type == "Present"  ? !has
                : h.type == "Prefix" ? !z3::prefixof(c_.string_val(h.value), v)
                                     : v != c_.string_val(h.value));
  }
  for (const HttpMatch::Header& q : m.query_params)
    ok = ok && c_.bool_const(("query:" + q.name + "=" + q.value).c_str());
  return ok;
}

}  // namespace meshsim::verify
