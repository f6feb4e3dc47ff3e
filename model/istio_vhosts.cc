// §16.3: the virtual hosts of an Istio Gateway's filter chain.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/networking.h"
#include "model/text.h"

namespace meshsim {

namespace {

// route.go BuildHTTPRoutesForVirtualService at `gateway` and server port
// `port`: whether some rule keeps a route (no match, or a match whose port
// admits it and, sourceMatchHTTP, whose gateways name `gateway` or, naming
// none, whose sourceLabels the gateway pod's `labels` (nullptr: not asked)
// and sourceNamespace its namespace `ns` admit).
bool KeepsARoute(const HttpRoute& r, const std::string& gateway, int port,
                 const Labels* labels, const std::string& ns) {
  for (const HttpRouteRule& rule : r.rules) {
    if (rule.matches.empty()) return true;
    for (const HttpMatch& m : rule.matches) {
      if (m.port && m.port != port) continue;
      if (!m.gateways.empty()) {
        if (std::find(m.gateways.begin(), m.gateways.end(), gateway) !=
            m.gateways.end())
          return true;
        continue;
      }
      if (m.source_labels && labels &&
          !SelectorMatches(*m.source_labels, *labels))
        continue;
      if (!m.source_namespace.empty() && !ns.empty() &&
          m.source_namespace != ns)
        continue;
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> ServerHostFor(const std::string& pattern,
                                         const std::string& gw_ns,
                                         const std::string& vs_ns) {
  const size_t slash = pattern.find('/');
  if (slash == std::string::npos) return AsciiLower(pattern);
  std::string ns = pattern.substr(0, slash);
  if (ns == ".") ns = gw_ns;
  if (ns != "*" && ns != vs_ns) return std::nullopt;
  return AsciiLower(pattern.substr(slash + 1));
}

std::vector<IstioVirtualHost> IstioVirtualHosts(
    const Cluster& c,
    const std::vector<std::pair<const IstioGateway*, const IstioServer*>>&
        servers,
    const std::string& proxy_ns, const Labels* proxy_labels) {
  std::vector<IstioVirtualHost> out;
  auto vhost = [&](const std::string& domain) -> IstioVirtualHost& {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const auto& v) { return v.domain == domain; });
    if (it != out.end()) return *it;
    out.push_back({domain, {}, {}, false});
    return out.back();
  };
  // gateway.go: a VirtualService's routes are built once per gateway (at
  // the port of the first server that takes it) and appended to a domain
  // once per server; a repeat of the same routes changes no first match.
  std::map<std::pair<std::string, const HttpRoute*>, int> built_at;
  for (const auto& [gw, server] : servers) {
    std::vector<const HttpRoute*> bound;
    for (const HttpRoute& r : c.routes) {
      if (!r.IsVirtualService() ||
          std::find(r.gateways.begin(), r.gateways.end(), gw->Key()) ==
              r.gateways.end())
        continue;
      // push_context.go: a gateway proxy sees the VirtualServices exported
      // to its own namespace (the pod's, not the Gateway object's).
      if (!proxy_ns.empty() && !ExportedTo(r.export_to, r.ns, proxy_ns))
        continue;
      bound.push_back(&r);
    }
    // push_context.go VirtualServicesForGateway's order.
    std::stable_sort(bound.begin(), bound.end(),
                     [&](const HttpRoute* a, const HttpRoute* b) {
                       if (!proxy_ns.empty()) {
                         const int ba = VirtualServiceBucket(*a, proxy_ns);
                         const int bb = VirtualServiceBucket(*b, proxy_ns);
                         if (ba != bb) return ba < bb;
                       }
                       return RouteOlder(*a, *b);
                     });
    for (const HttpRoute* r : bound) {
      // host.Names.Intersection: of two hosts one of which covers the
      // other, the narrower. virtualservice.go: a short host is a name in
      // the VirtualService's namespace.
      std::vector<std::string> domains;
      for (const std::string& written : r->hostnames) {
        const std::string vh = AsciiLower(ExpandHost(written, r->ns));
        for (const std::string& pattern : server->hosts) {
          const std::optional<std::string> sh =
              ServerHostFor(pattern, gw->ns, r->ns);
          if (!sh) continue;
          if (IstioHostMatches(*sh, vh))
            domains.push_back(vh);
          else if (IstioHostMatches(vh, *sh))
            domains.push_back(*sh);
        }
      }
      if (domains.empty()) continue;
      // route.go: a build that keeps no route is an error istiod skips
      // (uncached): a later server of the gateway builds it again.
      auto at = built_at.find({gw->Key(), r});
      if (at == built_at.end()) {
        // (HTTP servers only: a TCP server reads the tcp and tls sections.)
        if (!server->ProxiesTcp() &&
            !KeepsARoute(*r, gw->Key(), server->port, proxy_labels, proxy_ns))
          continue;
        at = built_at.emplace(std::make_pair(gw->Key(), r), server->port).first;
      }
      const int port = at->second;
      for (const std::string& d : domains) {
        IstioVirtualHost& v = vhost(d);
        v.require_tls = v.require_tls || server->https_redirect;
        bool seen = false;
        for (size_t k = 0; k < v.routes.size(); ++k)
          seen = seen || (v.routes[k] == r && v.origins[k].first == gw->Key());
        if (seen) continue;
        v.routes.push_back(r);
        v.origins.emplace_back(gw->Key(), port);
      }
    }
  }
  // gateway.go: a redirecting server's own hosts are virtual hosts that
  // redirect, whether or not a VirtualService made them. A host written
  // `ns/host` (or `./host`) stays that literal domain, which no Host
  // matches (sanitizeServerHostNamespace keeps the namespace); `*/host` is
  // `host`.
  for (const auto& [gw, server] : servers)
    if (server->https_redirect)
      for (const std::string& h : server->hosts) {
        const size_t slash = h.find('/');
        std::string domain = h;
        if (slash != std::string::npos && h.compare(0, slash, "*") == 0)
          domain = h.substr(slash + 1);
        else if (slash != std::string::npos && h.compare(0, slash, ".") == 0)
          domain = gw->ns + h.substr(slash);
        vhost(AsciiLower(domain)).require_tls = true;
      }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return out;
}

const IstioVirtualHost* VirtualHostFor(
    const std::vector<IstioVirtualHost>& vhosts, const std::string& host) {
  const std::string name = AsciiLower(host.substr(0, host.find(':')));
  const IstioVirtualHost* best = nullptr;
  for (const IstioVirtualHost& v : vhosts)
    if (IstioHostMatches(v.domain, name) &&
        (!best || HostSpecificity(v.domain) > HostSpecificity(best->domain)))
      best = &v;
  return best;
}

}  // namespace meshsim
