#include "sim/routing.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "model/networking.h"
#include "model/text.h"

namespace meshsim {

namespace {

std::string PathOnly(const std::string& path) {
  return path.substr(0, path.find('?'));
}

// RE2, as Envoy's safe_regex (§9): linear time in the input, whatever the
// expression. Compiled expressions are kept per thread. The loader refuses an
// expression RE2 does not accept; one that slips through matches nothing.
bool RegexFullMatch(const std::string& pattern, const std::string& value) {
  thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> compiled;
  auto [it, fresh] = compiled.emplace(pattern, nullptr);
  if (fresh) {
    RE2::Options o;
    o.set_log_errors(false);
    it->second = std::make_unique<RE2>(pattern, o);
  }
  return it->second->ok() && RE2::FullMatch(value, *it->second);
}

bool PathMatches(const HttpMatch& m, const std::string& path) {
  if (m.path_type.empty()) return true;
  const std::string p = PathOnly(path);
  // §16.2: ignoreUriCase compares exact and prefix paths without case.
  auto fold = [&](const std::string& x) {
    return m.ignore_uri_case ? AsciiLower(x) : x;
  };
  if (m.path_type == "Exact") return fold(p) == fold(m.path_value);
  // A VirtualService uri.prefix is a plain string prefix (§16.2).
  if (m.path_type == "Prefix")
    return fold(p).compare(0, m.path_value.size(), fold(m.path_value)) == 0;
  if (m.path_type == "RegularExpression")
    return RegexFullMatch(m.path_value, p);
  // PathPrefix matches whole segments: /foo matches /foo and /foo/bar only.
  std::string v = m.path_value;
  while (v.size() > 1 && v.back() == '/') v.pop_back();
  if (v == "/" || v.empty()) return true;
  return p == v || (p.size() > v.size() && p.compare(0, v.size(), v) == 0 &&
                    p[v.size()] == '/');
}

bool ValueMatches(const HttpMatch::Header& h, const std::string& v) {
  if (h.type == "RegularExpression") return RegexFullMatch(h.value, v);
  if (h.type == "Prefix") return v.compare(0, h.value.size(), h.value) == 0;
  return v == h.value;
}

std::map<std::string, std::string> QueryParams(const std::string& path) {
  std::map<std::string, std::string> out;
  size_t q = path.find('?');
  if (q == std::string::npos) return out;
  const std::string rest = path.substr(q + 1);
  size_t start = 0;
  while (start < rest.size()) {
    size_t amp = rest.find('&', start);
    std::string kv = rest.substr(
        start, amp == std::string::npos ? std::string::npos : amp - start);
    size_t eq = kv.find('=');
    // Envoy's QueryParameterMatcher reads a repeated name's first value.
    if (!kv.empty())
      out.emplace(kv.substr(0, eq),
                  eq == std::string::npos ? "" : kv.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

// `claims`: the token the proxy's RequestAuthentications validated, which
// a claim route reads (§16.2); nullptr: none, and no claim route matches.
bool MatchApplies(const HttpMatch& m, const HttpRequest& req,
                  const std::string& host, const JwtToken* claims) {
  if (!PathMatches(m, req.path)) return false;
  if (!m.method.empty() && m.method != req.method) return false;
  for (const auto& h : m.headers) {
    if (const auto claim = JwtClaimRoute(h.name)) {
      // Envoy's metadata matcher on jwt_authn's payload: a string claim,
      // or any element of a list claim (ListMatcher oneOf).
      if (!claims) return false;
      const std::vector<std::string> vs = claims->Claim(*claim);
      if (std::none_of(vs.begin(), vs.end(), [&](const std::string& v) {
            return ValueMatches(h, v);
          }))
        return false;
      continue;
    }
    const std::string name = AsciiLower(h.name);
    if (name == "host" || name == ":authority") {
      if (!ValueMatches(h, host)) return false;
      continue;
    }
    if (name == ":method") {
      if (!ValueMatches(h, req.method)) return false;
      continue;
    }
    auto it = req.headers.find(name);
    if (it == req.headers.end() || !ValueMatches(h, it->second)) return false;
  }
  // §16.2 withoutHeaders: inverted; an absent header is "" unless the
  // match only asks for presence.
  for (const auto& h : m.without_headers) {
    std::optional<std::string> value;
    if (h.name == "host" || h.name == ":authority") {
      value = host;
    } else if (h.name == ":method") {
      value = req.method;
    } else if (auto it = req.headers.find(h.name); it != req.headers.end()) {
      value = it->second;
    }
    if (h.type == "Present" ? value.has_value()
                            : ValueMatches(h, value.value_or("")))
      return false;
  }
  auto q = QueryParams(req.path);
  for (const auto& h : m.query_params) {
    auto it = q.find(h.name);
    if (it == q.end() || !ValueMatches(h, it->second)) return false;
  }
  return true;
}

}  // namespace

std::string Refusal(const RouteChoice& rc, const std::string& status) {
  const std::vector<HttpRouteRule>& t = rc.route->tcp_rules;
  const bool l4 =
      rc.route->kind == "TCPRoute" || rc.route->kind == "TLSRoute" ||
      (!t.empty() && rc.rule >= t.data() && rc.rule < t.data() + t.size());
  return l4 ? "the connection is closed" : status;
}

std::string RouteName(const RouteChoice& rc) {
  if (rc.route->IsVirtualService())
    return "VirtualService " + rc.route->Key() + " route " +
           (rc.rule->name.empty() ? std::to_string(rc.rule_index)
                                  : "'" + rc.rule->name + "'");
  return rc.route->kind + " " + rc.route->Key() + " rule " +
         std::to_string(rc.rule_index);
}

bool HostnameMatches(const std::string& pattern, const std::string& host) {
  const std::string h = AsciiLower(host.substr(0, host.find(':')));
  const std::string p = AsciiLower(pattern);
  if (p.size() > 1 && p[0] == '*') {
    const std::string suffix = p.substr(1);
    return h.size() > suffix.size() &&
           h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return p == h;
}

int SniRank(const std::string& sni, const std::string& host) {
  const std::string name = AsciiLower(host.substr(0, host.find(':')));
  const std::string pattern = AsciiLower(sni);
  if (!HostnameMatches(pattern, name)) return -1;
  return pattern.empty() || pattern[0] != '*'
             ? 1 << 20
             : static_cast<int>(pattern.size());
}

namespace {

// §16.2: whether the proxy keeps a VirtualService match (route.go
// sourceMatchHTTP): a waypoint drops one with sourceLabels; one naming
// gateways is kept where one of them is the proxy's ("mesh" at a sidecar or
// waypoint), its source conditions then unread; otherwise its sourceLabels
// are the client's and its sourceNamespace the proxy's namespace. Its port
// is the one asked.
bool Kept(const HttpMatch& m, const RouteContext& ctx) {
  if (ctx.waypoint)
    return WaypointKeepsMatch(m, ctx.port, ctx.proxy_ns, ctx.version);
  if (m.source_labels && !ctx.source_labels) return false;
  const bool port_ok = !m.port || !ctx.port || m.port == ctx.port;
  if (!m.gateways.empty()) {
    const std::vector<std::string> mesh = {"mesh"};
    const std::vector<std::string>& names =
        ctx.gateway_names.empty() ? mesh : ctx.gateway_names;
    return port_ok &&
           std::any_of(
               m.gateways.begin(), m.gateways.end(), [&](const std::string& g) {
                 return std::find(names.begin(), names.end(), g) != names.end();
               });
  }
  if (m.source_labels && !SelectorMatches(*m.source_labels, *ctx.source_labels))
    return false;
  if (!m.source_namespace.empty() && m.source_namespace != ctx.proxy_ns)
    return false;
  return port_ok;
}

// §16.2 (tls.go matchTCP, matchTLS): a tcp or tls match holds when its
// gateways name one of the proxy's ("mesh" at a sidecar or waypoint), its
// sourceLabels are the client's, its port is the one asked and its
// sourceNamespace the proxy's, all at once; a waypoint passes no labels and
// no namespace (getTCPRouteMatch), so there a match with either never
// holds.
bool TcpKept(const HttpMatch& m, const RouteContext& ctx) {
  const bool waypoint = !ctx.waypoint_tcp_host.empty();
  if (!m.gateways.empty()) {
    const std::vector<std::string> mesh = {"mesh"};
    const std::vector<std::string>& names =
        ctx.gateway_names.empty() || waypoint ? mesh : ctx.gateway_names;
    if (std::none_of(
            m.gateways.begin(), m.gateways.end(), [&](const std::string& g) {
              return std::find(names.begin(), names.end(), g) != names.end();
            }))
      return false;
  }
  if (m.source_labels && !m.source_labels->empty() &&
      (waypoint || !ctx.source_labels ||
       !SelectorMatches(*m.source_labels, *ctx.source_labels)))
    return false;
  if (!m.source_namespace.empty() &&
      (waypoint || m.source_namespace != ctx.proxy_ns))
    return false;
  return !m.port || !ctx.port || m.port == ctx.port;
}

// §16.2: a tcp/tls match's sniHosts (read as ":sni" entries).
bool SniMatch(const HttpMatch& m) {
  return std::any_of(
      m.headers.begin(), m.headers.end(),
      [](const HttpMatch::Header& h) { return h.name == ":sni"; });
}

// Whether the connection's server name (the Host, without a port) is one
// of the match's sniHosts (a leading "*." covers subdomains); true for a
// match without any.
bool SniCovers(const HttpMatch& m, const std::string& host, int rank) {
  if (!SniMatch(m)) return true;
  for (const HttpMatch::Header& h : m.headers) {
    if (h.name != ":sni") continue;
    const int r = SniRank(h.value, host);
    if (r >= 0 && (rank < 0 || r == rank)) return true;
  }
  return false;
}

// §16.2 at a waypoint (getTLSRouteMatch): a tls match counts only when its
// sniHosts is the service's own hostname alone, written in full (the
// waypoint reads no SNI; a wildcard, a short name or a second entry never
// match), on the port asked.
bool WaypointTlsMatch(const HttpMatch& m, const RouteContext& ctx) {
  if (!TcpKept(m, ctx)) return false;
  int n = 0;
  bool own = false;
  for (const HttpMatch::Header& h : m.headers)
    if (h.name == ":sni") {
      ++n;
      own = h.value == ctx.waypoint_tcp_host;
    }
  return n == 1 && own;
}

// §16.2 at a waypoint: a GAMMA TLSRoute is the tls rule of its
// VirtualService, whose sniHosts are its hostnames (none: the Service's
// own name, augmentTLSPortMatch; of several, those that cover that name,
// compatibleRoutesForHost), and getTLSRouteMatch takes it only when they
// are that name alone.
bool GammaTlsMatches(const HttpRoute& r, const RouteContext& ctx) {
  if (r.hostnames.empty()) return true;
  std::vector<std::string> sni;
  for (const std::string& h : r.hostnames)
    if (r.hostnames.size() == 1 || HostnameMatches(h, ctx.waypoint_tcp_host))
      sni.push_back(h);
  return sni.size() == 1 && sni[0] == ctx.waypoint_tcp_host;
}

// Which of a VirtualService's TCP rules a pass reads (SelectRoute).
enum class TcpSection { kAll, kTls, kTcp };

// §16.2: one VirtualService, first match. A match with sourceLabels is
// dropped at a waypoint and compared with the client's labels elsewhere; a
// match's port is the service port. TCP requests use the tcp/tls rules.
RouteChoice SelectVirtualService(const HttpRoute& vs, const RoutedRequest& req,
                                 const RouteContext& ctx,
                                 TcpSection section = TcpSection::kAll) {
  RouteChoice out;
  const std::vector<HttpRouteRule>& rules = req.http ? vs.rules : vs.tcp_rules;
  if (rules.empty()) return out;
  out.any_route = true;
  for (size_t i = 0; i < rules.size(); ++i) {
    const HttpRouteRule& rule = rules[i];
    if (!req.http && section != TcpSection::kAll &&
        rule.tls != (section == TcpSection::kTls))
      continue;
    // A tls section's rule matches on sniHosts (required there); at a
    // gateway server a TCP one takes tcp sections, a passthrough one tls.
    const bool tls_rule =
        std::any_of(rule.matches.begin(), rule.matches.end(), SniMatch);
    if (!req.http && ctx.l4_server && tls_rule != (ctx.l4_server == 2))
      continue;
    bool hit = rule.matches.empty();
    for (const HttpMatch& m : rule.matches) {
      if (section == TcpSection::kTls && !ctx.waypoint_tcp_host.empty()) {
        if (!WaypointTlsMatch(m, ctx)) continue;
        hit = true;
        break;
      }
      if (req.http ? !Kept(m, ctx) : !TcpKept(m, ctx)) continue;
      if (req.http && !MatchApplies(m, *req.http, req.host, ctx.jwt_claims))
        continue;
      if (!req.http && !SniCovers(m, req.host, ctx.sni_rank)) continue;
      hit = true;
      break;
    }
    if (!hit) continue;
    out.matched = true;
    out.route = &vs;
    out.rule_index = static_cast<int>(i);
    out.rule = &rule;
    return out;
  }
  return out;
}

RouteChoice SelectGatewayApi(const std::vector<const HttpRoute*>& routes,
                             const RoutedRequest& req,
                             const Service* mesh_service, int port,
                             const std::string& gateway_ns);

// §16.3: a gateway virtual host's VirtualServices as Envoy gets them: each
// VirtualService's routes (one per match the gateway keeps: sourceLabels
// and port against the gateway) up to its first catch-all
// (BuildHTTPRoutesForVirtualService), then the catch-alls moved after all
// the others (SortVHostRoutes); first match.
RouteChoice SelectGatewayVirtualHost(const std::vector<const HttpRoute*>& vss,
                                     const RoutedRequest& req,
                                     const RouteContext& ctx) {
  struct Entry {
    const HttpRoute* vs;
    size_t rule;
    const HttpMatch* match;  // nullptr: a rule without matches
  };
  std::vector<Entry> first, last;
  RouteChoice out;
  // §16.3: per VirtualService, the gateway and server port its routes were
  // built for (one copy of the context, its two fields set per entry).
  RouteContext built = ctx;
  for (size_t k = 0; k < vss.size(); ++k) {
    const HttpRoute* vs = vss[k];
    if (vs->rules.empty()) continue;
    out.any_route = true;
    if (ctx.vhost_origins && k < ctx.vhost_origins->size()) {
      built.gateway_names.assign(1, (*ctx.vhost_origins)[k].first);
      built.port = (*ctx.vhost_origins)[k].second;
    }
    bool done = false;
    for (size_t i = 0; i < vs->rules.size() && !done; ++i) {
      const HttpRouteRule& rule = vs->rules[i];
      std::vector<const HttpMatch*> ms;
      if (rule.matches.empty()) ms.push_back(nullptr);
      for (const HttpMatch& m : rule.matches)
        if (Kept(m, built)) ms.push_back(&m);
      for (const HttpMatch* m : ms) {
        if (IsCatchAllMatch(m)) {
          last.push_back({vs, i, m});
          done = true;
          break;
        }
        first.push_back({vs, i, m});
      }
    }
  }
  first.insert(first.end(), last.begin(), last.end());
  for (const Entry& e : first) {
    if (e.match && !MatchApplies(*e.match, *req.http, req.host, ctx.jwt_claims))
      continue;
    out.matched = true;
    out.route = e.vs;
    out.rule_index = static_cast<int>(e.rule);
    out.rule = &e.vs->rules[e.rule];
    return out;
  }
  return out;
}

}  // namespace

RouteChoice SelectRoute(const std::vector<const HttpRoute*>& routes,
                        const RoutedRequest& req, const RouteContext& ctx) {
  if (ctx.gateway_vhost && req.http)
    return SelectGatewayVirtualHost(routes, req, ctx);
  RouteChoice out;
  // §16.2 (getWaypointTCPRoutes, 1.26+): at a waypoint a TCP connection
  // takes the tls rules of every VirtualService before any tcp rule.
  const bool waypoint_tcp = !req.http && !ctx.waypoint_tcp_host.empty();
  // A GAMMA TLSRoute of this Service and port is such a tls rule.
  const auto gamma_tls = [&](const HttpRoute* r) {
    return waypoint_tcp && r->kind == "TLSRoute" && ctx.mesh_service &&
           GammaParentPort(*r, *ctx.mesh_service, ctx.port) >= 0;
  };
  // §16.2: a sidecar reads the tls rules alone on a TLS port (below: no tcp
  // chain there), the tcp rules alone on another.
  const bool sidecar_l4 = !req.http && ctx.sidecar_tcp;
  if (waypoint_tcp || (sidecar_l4 && ctx.sidecar_tcp == 2))
    for (const HttpRoute* r : routes) {
      if (gamma_tls(r)) {
        if (r->rules.empty() || !GammaTlsMatches(*r, ctx)) continue;
        RouteChoice rc;
        rc.any_route = rc.matched = true;
        rc.route = r;
        rc.rule_index = 0;
        rc.rule = &r->rules[0];
        return rc;
      }
      if (!r->IsVirtualService()) continue;
      RouteChoice rc = SelectVirtualService(*r, req, ctx, TcpSection::kTls);
      out.any_route = out.any_route || rc.any_route;
      if (rc.matched) return rc;
    }
  size_t i = 0;
  while (i < routes.size()) {
    RouteChoice rc;
    if (routes[i]->IsVirtualService()) {
      // §16.2 (tls.go buildSidecarOutboundTCPFilterChainOpts): a sidecar
      // builds no tcp chain on a TLS port.
      if (!(sidecar_l4 && ctx.sidecar_tcp == 2))
        rc = SelectVirtualService(
            *routes[i], req, ctx,
            waypoint_tcp || sidecar_l4 ? TcpSection::kTcp : TcpSection::kAll);
      ++i;
    } else {
      std::vector<const HttpRoute*> group;
      const HttpRoute* first = routes[i];
      auto same_group = [&](const HttpRoute* r) {
        return !ctx.mesh_service || !ctx.gamma_runs ||
               (r->ns == first->ns &&
                GammaKindGroup(r->kind, ctx.version) ==
                    GammaKindGroup(first->kind, ctx.version) &&
                GammaParentPort(*r, *ctx.mesh_service, ctx.port) ==
                    GammaParentPort(*first, *ctx.mesh_service, ctx.port));
      };
      while (i < routes.size() && !routes[i]->IsVirtualService() &&
             same_group(routes[i])) {
        if (!gamma_tls(routes[i])) group.push_back(routes[i]);  // done above
        ++i;
      }
      rc = SelectGatewayApi(group, req, ctx.mesh_service, ctx.port,
                            ctx.gateway_parent ? ctx.proxy_ns : "");
    }
    out.any_route = out.any_route || rc.any_route;
    if (rc.matched) {
      rc.any_route = true;
      return rc;
    }
  }
  return out;
}

namespace {

// §9: the path's length in istiod's order (getURILength): of the exact
// path, the regular expression or the prefix, an HTTPRoute's PathPrefix
// without its trailing '/' (createURIMatch); a GRPCRoute's service-only
// prefix "/<service>/" keeps it (createGRPCURIMatch); none for a match
// without a path.
int PathLength(const HttpMatch& m, int rank, bool grpc) {
  if (rank < 1) return 0;
  if (m.path_type.empty()) return 1;  // the API default PathPrefix "/"
  std::string_view v = m.path_value;
  if (!grpc && m.path_type == "PathPrefix" && v.size() > 1 && v.back() == '/')
    v.remove_suffix(1);
  return static_cast<int>(v.size());
}

RouteChoice SelectGatewayApi(const std::vector<const HttpRoute*>& routes,
                             const RoutedRequest& req,
                             const Service* mesh_service, int port,
                             const std::string& gateway_ns) {
  RouteChoice out;
  std::vector<const HttpRoute*> sorted = routes;
  // §9 (push_context.go VirtualServicesForGateway): a connection's routes
  // (TCPRoute, TLSRoute) of the gateway's namespace come first.
  std::sort(sorted.begin(), sorted.end(),
            [&](const HttpRoute* a, const HttpRoute* b) {
              if (!req.http && !gateway_ns.empty() &&
                  (a->ns == gateway_ns) != (b->ns == gateway_ns))
                return a->ns == gateway_ns;
              return RouteOlder(*a, *b);
            });
  using Score = std::tuple<int, int, int, int, int>;
  std::optional<Score> best;
  for (const HttpRoute* r : sorted) {
    const bool http_route = r->kind == "HTTPRoute" || r->kind == "GRPCRoute";
    if (http_route != req.http.has_value()) continue;
    // §9: a GAMMA route's hostnames do not apply to its Service parent.
    const bool gamma =
        mesh_service && GammaParentPort(*r, *mesh_service, port) >= 0;
    if (!req.host.empty() && !r->hostnames.empty() && !gamma) {
      bool ok = false;
      for (const std::string& h : r->hostnames)
        ok = ok || HostnameMatches(h, req.host);
      if (!ok) continue;
    }
    out.any_route = true;
    for (size_t i = 0; i < r->rules.size(); ++i) {
      const HttpRouteRule& rule = r->rules[i];
      std::vector<HttpMatch> matches = rule.matches;
      if (matches.empty() || !http_route) {
        HttpMatch all;
        all.path_type = "PathPrefix";
        all.path_value = "/";
        matches = {all};
      }
      for (const HttpMatch& m : matches) {
        if (http_route && !MatchApplies(m, *req.http, req.host, nullptr))
          continue;
        // A match without a path is PathPrefix "/" (the API default). A
        // GRPCRoute has no default: istiod ranks a match without a method
        // after every path, a rule without matches last (conversion.go
        // sortHTTPRoutes, getURIRank).
        const bool grpc = r->kind == "GRPCRoute";
        const int path_rank = grpc && rule.matches.empty()         ? -2
                              : grpc && m.path_type.empty()        ? -1
                              : m.path_type == "Exact"             ? 3
                              : m.path_type == "RegularExpression" ? 1
                                                                   : 2;
        const int prefix_len = PathLength(m, path_rank, grpc);
        Score s{path_rank, prefix_len, m.method.empty() ? 0 : 1,
                static_cast<int>(m.headers.size()),
                static_cast<int>(m.query_params.size())};
        if (!best || s > *best) {
          best = s;
          out.matched = true;
          out.route = r;
          out.rule_index = static_cast<int>(i);
          out.rule = &rule;
        }
      }
    }
  }
  return out;
}

}  // namespace

namespace {

// §9: `path` with the rule's matched prefix replaced by `value` (the
// rule's first PathPrefix match by whole segments; a VirtualService's
// Prefix literally, its Exact as a whole); unchanged when it does not
// start with it.
std::string ReplacePrefix(const HttpRouteRule& rule, const std::string& path,
                          const std::string& value) {
  std::string prefix = "/";
  bool literal = false;
  for (const HttpMatch& m : rule.matches)
    if (m.path_type == "PathPrefix" || m.path_type == "Prefix" ||
        m.path_type == "Exact") {
      prefix = m.path_value;
      literal = m.path_type != "PathPrefix";
      break;
    }
  if (path.compare(0, prefix.size(), prefix) != 0) return path;
  const std::string rest = path.substr(prefix.size());
  if (literal) return value + rest;
  std::string repl = value;
  if (!repl.empty() && repl.back() == '/' && !rest.empty() && rest[0] == '/')
    repl.pop_back();
  const std::string out = repl + rest;
  return out.empty() ? "/" : out;
}

}  // namespace

RoutedRequest ApplyFilters(const HttpRouteRule& rule,
                           const RoutedRequest& req) {
  RoutedRequest out = req;
  if (!out.http) return out;
  for (const HttpFilter& f : rule.filters) {
    if (f.type == "RequestHeaderModifier") {
      for (const auto& [k, v] : f.set_headers) out.http->headers[k] = v;
      for (const auto& [k, v] : f.add_headers) {
        auto it = out.http->headers.find(k);
        out.http->headers[k] =
            it == out.http->headers.end() ? v : it->second + "," + v;
      }
      for (const std::string& k : f.remove_headers) out.http->headers.erase(k);
    } else if (f.type == "URLRewrite") {
      if (!f.rewrite_hostname.empty()) out.host = f.rewrite_hostname;
      if (f.path_type == "ReplaceFullPath") {
        size_t q = out.http->path.find('?');
        out.http->path =
            f.path_value +
            (q == std::string::npos ? "" : out.http->path.substr(q));
      } else if (f.path_type == "ReplacePrefixMatch") {
        out.http->path = ReplacePrefix(rule, out.http->path, f.path_value);
      }
    }
  }
  return out;
}

std::string RedirectOf(const HttpRouteRule& rule, const RoutedRequest& req,
                       int port) {
  for (const HttpFilter& f : rule.filters) {
    if (f.type != "RequestRedirect") continue;
    std::string scheme = f.redirect_scheme.empty() ? "http" : f.redirect_scheme;
    std::string host = f.redirect_hostname.empty()
                           ? req.host.substr(0, req.host.find(':'))
                           : f.redirect_hostname;
    std::string path = req.http ? req.http->path : "/";
    if (f.path_type == "ReplaceFullPath") path = f.path_value;
    // %PREFIX()%: the matched prefix replaced (route.go ApplyRedirect).
    if (f.path_type == "ReplacePrefixMatch")
      path = ReplacePrefix(rule, path, f.path_value);
    // route.go: the request's port for FROM_REQUEST_PORT; never an
    // explicit 80 for http or 443 for https.
    int to_port = f.redirect_port;
    if (!to_port && f.redirect_port_from_request) to_port = port;
    if ((to_port == 80 && scheme == "http") ||
        (to_port == 443 && scheme == "https"))
      to_port = 0;
    const std::string port_text = to_port ? ":" + std::to_string(to_port) : "";
    return std::to_string(f.redirect_status) + " " + scheme + "://" + host +
           port_text + path;
  }
  return "";
}

}  // namespace meshsim
