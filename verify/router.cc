#include "verify/router.h"

#include <algorithm>
#include <vector>

#include "model/networking.h"

namespace meshsim::verify {
namespace {

// A Host header a host pattern of a VirtualService covers: the pattern
// itself, the service's own name for "*", a name under the suffix for
// "*.suffix".
std::string ConcreteHost(const std::string& pattern, const Service& s) {
  if (pattern == "*") return s.Hostname();
  if (pattern.rfind("*.", 0) == 0) return "www" + pattern.substr(1);
  return pattern;
}

// §16.2: a destination host names the service when, made a full name in
// the VirtualService's namespace, it is one of the service's hosts.
bool NamesService(const BackendRef& b, const Service& s) {
  if (b.kind != "Hostname" || b.weight <= 0) return false;
  const std::string host = ExpandHost(b.name, b.ns);
  return host == s.Hostname() ||
         std::find(s.hosts.begin(), s.hosts.end(), host) != s.hosts.end();
}

}  // namespace

std::optional<RouterEntry> RouterEntryTo(const Cluster& c,
                                         const SourceClass& cls,
                                         const Service& s) {
  const Workload* pod = c.FindWorkload(cls.workload);
  if (!pod || !pod->router) return std::nullopt;
  for (const IstioGateway* g : IstioGatewaysForPod(c, *pod))
    for (const IstioServer& srv : g->servers) {
      // §16.3: the port an outside client dials to reach the server's
      // listener: its own number, else the listener's, when kube-proxy
      // takes that to the listener; none (a Service opted out of the
      // server's translation): the server is out of reach.
      const int listen = IstioServerListenPort(c, *pod, srv.port);
      int dial = srv.port;
      if (RouterPodPort(c, *pod, dial) != listen) dial = listen;
      if (RouterPodPort(c, *pod, dial) != listen) continue;
      // §16.3: each virtual host the server builds, asked with a Host of
      // its domain; one that redirects (RequireTls) routes nothing.
      for (const IstioVirtualHost& vh :
           IstioVirtualHosts(c, {{g, &srv}}, pod->ns, &pod->labels)) {
        if (vh.require_tls) continue;
        const std::string host = ConcreteHost(vh.domain, s);
        for (const HttpRoute* vs : vh.routes)
          for (const HttpRouteRule& rule : vs->rules)
            for (const BackendRef& b : rule.backends)
              if (NamesService(b, s)) {
                RouterEntry in{g->Key(), host, dial, "", false};
                if (!rule.matches.empty()) {
                  const HttpMatch& m = rule.matches.front();
                  if (m.path_type == "Exact" || m.path_type == "Prefix" ||
                      m.path_type == "PathPrefix") {
                    in.path = m.path_value;
                    in.exact = m.path_type == "Exact";
                  }
                }
                return in;
              }
      }
    }
  return std::nullopt;
}

void EnterThrough(const RouterEntry& in, Finding& f) {
  f.from = in.gateway;
  f.req_from_ingress = in.gateway;
  f.req_from_workload.clear();
  f.req_to_host = in.host;
  f.req_to_pod.clear();
  f.req_port = in.port;
  f.to = in.host + ":" + std::to_string(in.port);
  if (f.req_method.empty()) {
    // An Istio Gateway speaks HTTP to its outside clients.
    f.req_method = "GET";
    f.req_path = in.path.empty() ? "/" : in.path;
    f.http = f.req_method + " " + f.req_path;
    return;
  }
  const bool takes =
      in.path.empty() ||
      (in.exact ? f.req_path == in.path : f.req_path.rfind(in.path, 0) == 0);
  if (takes) return;
  // f.http begins "METHOD PATH" (a token, if any, follows).
  const std::string was = f.req_method + " " + f.req_path;
  if (f.http.rfind(was, 0) == 0)
    f.http.replace(0, was.size(), f.req_method + " " + in.path);
  f.req_path = in.path;
}

int IngressListenerPort(const Cluster& c, const SourceClass& cls,
                        const std::string& host, int fallback) {
  const Gateway* gw = c.FindGateway(cls.gateway);
  if (!gw) return fallback;
  auto takes = [&](const std::string& pattern) {
    if (pattern.empty() || pattern == host) return true;
    return pattern.rfind("*.", 0) == 0 && host.size() > pattern.size() - 1 &&
           host.compare(host.size() - (pattern.size() - 1), pattern.size() - 1,
                        pattern, 1) == 0;
  };
  for (const Listener& l : gw->listeners)
    if ((l.protocol == "HTTP" || l.protocol == "HTTPS") && l.programmed &&
        takes(l.hostname))
      return l.port;
  return fallback;
}

}  // namespace meshsim::verify
