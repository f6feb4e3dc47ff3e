// The data-plane graph builder (sim/dataplane_builder.h): an Istio
// Gateway's router (§16.3), the ingress pod that serves `networking.istio.io`
// Gateways and their VirtualServices.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "model/networking.h"
#include "model/policy.h"
#include "model/text.h"
#include "sim/dataplane_builder.h"
#include "sim/routing.h"

namespace meshsim {
namespace dataplane {

// ---- Istio Gateway Router (§16.3) -------------------------------------------
// A pod that Istio Gateways select: its servers on the port the outside
// client's Service port maps to, the VirtualServices bound to them for the
// Host, then each backend as for any ingress.
void Builder::RouterHop(Vertex v, State s) {
  const Cluster& c = mesh_.clusters[s.cluster];
  const Workload& pod = c.workloads[s.wl];
  const int listen = RouterPodPort(c, pod, s.port);
  // §8.1: the Router's policies see the port its Envoy listens on (the
  // gateway Service's targetPort), not the Service port the client dialled.
  RequestAttributes attrs = Attributes(s, "", "");
  attrs.destination_port = listen;
  if (!Authenticate(v, RequestAuthenticationsAtProxy(mesh_, c, pod, nullptr),
                    attrs, &s.token_removed))
    return;
  PolicyDecision d =
      Evaluate(mesh_, Version(s.cluster), EnforcementPoint::kGateway,
               PoliciesAtProxy(mesh_, c, pod, nullptr), attrs);
  if (!Enforce(v, d)) return;
  const std::string host =
      requests_[s.req].host.substr(0, requests_[s.req].host.find(':'));
  std::vector<std::pair<const IstioGateway*, const IstioServer*>> at_port;
  for (const IstioGateway* g : IstioGatewaysForPod(c, pod))
    for (const IstioServer& srv : g->servers)
      if (IstioServerListenPort(c, pod, srv.port) == listen)
        at_port.emplace_back(g, &srv);
  const std::string where = "ingress " + pod.gateway;
  if (at_port.empty()) {
    Fail(v,
         "no server of an Istio Gateway selecting " + pod.gateway +
             " listens on port " + std::to_string(listen) +
             (listen != s.port ? " (the gateway Service maps port " +
                                     std::to_string(s.port) + " to it)"
                               : "") +
             ": the connection is refused (§16.3)",
         "");
    return;
  }
  // §16.3: the filter chain that takes the connection: by SNI (here the
  // Host) on a TLS port, each HTTPS server with a route configuration of
  // its own; every plaintext HTTP server of the port together.
  const std::vector<IstioChain> chains = IstioChains(at_port);
  const IstioChain* chain = IstioChainFor(chains, host);
  if (!chain) {
    Fail(v,
         "no server of the Istio Gateways of " + pod.gateway + " on port " +
             std::to_string(listen) + " has a host matching server name " +
             host + ": no filter chain takes the connection (§16.3)",
         "");
    return;
  }
  const auto& [first_gw, first] = chain->servers.front();
  if (!chain->http) {
    if (first->tls_mode == "AUTO_PASSTHROUGH") {
      Fail(v,
           "Istio Gateway server " + first_gw->Key() + " port " +
               std::to_string(first->port) +
               (host.rfind("outbound_", 0) == 0
                    ? " is AUTO_PASSTHROUGH: it forwards Istio mTLS by the "
                      "server name to the service's endpoints, which meshsim "
                      "does not model (§16.3)"
                    : " is AUTO_PASSTHROUGH: it routes only Istio mTLS "
                      "server names (outbound_.<port>_.<subset>_.<host>), "
                      "never by VirtualServices; " +
                          host +
                          " is none, so the connection is closed "
                          "(§16.3)"),
           "");
      return;
    }
    RouterTcp(v, s, chain->servers,
              IstioVirtualHosts(c, chain->servers, pod.ns, &pod.labels), where);
    return;
  }
  // §16.3: the chain's virtual hosts; Envoy takes the most specific
  // domain that matches the Host, and only that one's routes.
  const std::vector<IstioVirtualHost> vhosts =
      IstioVirtualHosts(c, chain->servers, pod.ns, &pod.labels);
  const IstioVirtualHost* vhost = VirtualHostFor(vhosts, host);
  std::vector<const HttpRoute*> routes;
  if (vhost) routes = vhost->routes;
  // §16.3 (gateway.go: RequireTls on a virtual host): the virtual host
  // the Host takes redirects when a server with tls.httpsRedirect built it
  // or names its domain: plain HTTP gets a 301 to https, whatever
  // VirtualServices are bound (a Router speaks HTTP: a request without
  // `http` is GET /).
  if (vhost && vhost->require_tls) {
    const RoutedRequest& rq = requests_[s.req];
    Vertex f = Finish(v, Outcome::kDelivered, "",
                      "virtual host " + vhost->domain + " of port " +
                          std::to_string(listen) +
                          " comes from a server with tls.httpsRedirect: the "
                          "Router answers plain HTTP with a redirect to https "
                          "(§16.3)",
                      1.0, -1);
    g_[f].redirect =
        "301 https://" + AsciiLower(host) + (rq.http ? rq.http->path : "/");
    return;
  }
  std::string why = "Istio Gateway server " + first_gw->Key() + " port " +
                    std::to_string(first->port) +
                    (first->Terminates() ? " (HTTPS, its own routes)" : "") +
                    " accepts the request on port " + std::to_string(listen) +
                    (vhost ? ", virtual host " + vhost->domain : "") +
                    " (§16.3)";
  if (routes.empty()) {
    Fail(v,
         "no VirtualService bound to the Istio Gateways of " + pod.gateway +
             " serves host " + host + " (404, §16.3)",
         why);
    return;
  }
  std::vector<Backend> backends;
  int route = -1, req = s.req;
  RouteContext ctx;
  ctx.source_labels = &pod.labels;
  ctx.proxy_ns = pod.ns;
  for (const auto& [g, srv] : chain->servers)
    ctx.gateway_names.push_back(g->Key());
  // route.go: a match's port is compared with the server's port (not the
  // port Envoy listens on, which the gateway Service maps it to).
  ctx.port = first->port;
  ctx.gateway_vhost = true;
  if (vhost) ctx.vhost_origins = &vhost->origins;
  // §16.2: a claim route reads the token the Router validated.
  if (attrs.request_principal) ctx.jwt_claims = &*attrs.jwt;
  if (!Route(v, s, routes, s.cluster, -1, ctx.port, where, &backends, &route,
             &req, &why, ctx))
    return;
  RouterForward(v, s, req, backends, why, route);
}

int Builder::AsConnection(int req) {
  if (!requests_[req].http) return req;
  RoutedRequest tcp = requests_[req];
  tcp.http.reset();
  return AddRequest(tcp);
}

int Builder::Forwarded(int sent, int read, int routed) const {
  // The bytes pass unread: an explicit HTTP request stays one downstream.
  return read != sent && !t_.http_implied ? sent : routed;
}

// The Router sends request `req` to each of `backends`, as any ingress.
void Builder::RouterForward(Vertex v, const State& s, int req,
                            const std::vector<Backend>& backends,
                            const std::string& why, int route) {
  State out = s;
  out.req = req;
  out.client = Identity(s.cluster, s.wl);
  out.peer = out.client;
  out.peer_ip = mesh_.clusters[s.cluster].workloads[s.wl].ip;
  // K16, §7.2: `gateway` from 1.29 (1.29.4 and 1.30.1, read as their minors'
  // latest patches); §15.2: Solo's Envoy stamps it in any release.
  const std::string header = GatewaySourceHeader(Version(s.cluster)) || peering_
                                 ? "gateway"
                                 : "waypoint";
  for (const Backend& be : backends)
    IngressBackend(v, s, out, be, why, route, header);
}

// §16.3 (gateway.go buildGatewayTCPBasedFilterChains): servers that proxy
// the connection (TCP, TLS passthrough) read no HTTP. A TCP server takes
// the first tcp route, in its VirtualServices' order, whose match keeps
// the server (port, gateways: buildGatewayNetworkFiltersFromTCPRoutes); a
// passthrough one the first tls route whose sniHosts cover the server
// name (the Host here; ...FromTLSRoutes). With none the listener closes
// the connection.
void Builder::RouterTcp(
    Vertex v, const State& s,
    const std::vector<std::pair<const IstioGateway*, const IstioServer*>>&
        at_port,
    const std::vector<IstioVirtualHost>& vhosts, const std::string& where) {
  const Workload& pod = mesh_.clusters[s.cluster].workloads[s.wl];
  State in = s;
  in.req = AsConnection(s.req);
  // push_context.go VirtualServicesForGateway: private to the pod's
  // namespace, exported to it, public; each oldest first.
  std::vector<const HttpRoute*> vss;
  for (const IstioVirtualHost& vh : vhosts)
    for (const HttpRoute* r : vh.routes)
      if (std::find(vss.begin(), vss.end(), r) == vss.end()) vss.push_back(r);
  std::stable_sort(vss.begin(), vss.end(),
                   [&](const HttpRoute* a, const HttpRoute* b) {
                     const int ba = VirtualServiceBucket(*a, pod.ns);
                     const int bb = VirtualServiceBucket(*b, pod.ns);
                     if (ba != bb) return ba < bb;
                     return RouteOlder(*a, *b);
                   });
  const IstioServer& first = *at_port.front().second;
  RouteContext ctx;
  ctx.source_labels = &pod.labels;
  ctx.proxy_ns = pod.ns;
  for (const auto& [g, srv] : at_port) ctx.gateway_names.push_back(g->Key());
  ctx.port = first.port;
  ctx.l4_server = first.PassesTls() ? 2 : 1;
  // gateway.go: a passthrough server's filter chains are keyed by server
  // name; Envoy takes the most specific one that matches.
  if (ctx.l4_server == 2)
    for (const HttpRoute* vs : vss)
      for (const HttpRouteRule& rule : vs->tcp_rules)
        for (const HttpMatch& m : rule.matches)
          for (const HttpMatch::Header& h : m.headers)
            if (h.name == ":sni")
              ctx.sni_rank = std::max(ctx.sni_rank,
                                      SniRank(h.value, requests_[s.req].host));
  std::string why = "Istio Gateway server " + at_port.front().first->Key() +
                    " port " + std::to_string(first.port) + " (" +
                    first.protocol +
                    (first.PassesTls() ? " " + first.tls_mode : "") +
                    ") proxies the connection without reading HTTP (§16.3)";
  std::vector<Backend> backends;
  int route = -1, req = in.req;
  if (!Route(v, in, vss, s.cluster, -1, ctx.port, where, &backends, &route,
             &req, &why, ctx))
    return;
  RouterForward(v, s, Forwarded(s.req, in.req, req), backends, why, route);
}

}  // namespace dataplane
}  // namespace meshsim
