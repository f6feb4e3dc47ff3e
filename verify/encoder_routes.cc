// The GAMMA routes of a service slice (docs/semantics.md §9, §3.7, §6):
// which backend a routing proxy (the service's waypoint, or a sidecar
// client) sends a request to, stated for Z3 by route_signature.cc's
// first-match chain. See docs/verification.md "Routes in the encoding".
#include <set>
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/networking.h"
#include "verify/encoder.h"
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

}  // namespace

bool RoutesEncodable(const Mesh& mesh, const Cluster& c, const Service& s,
                     std::string* why) {
  auto no = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  std::vector<const HttpRoute*> attached;
  for (const HttpRoute& r : c.routes)
    for (const ParentRef& p : r.parents)
      if (p.kind == s.kind && p.ns == s.ns && p.name == s.name) {
        attached.push_back(&r);
        break;
      }
  if (attached.empty()) return no("no route is attached");
  if (mesh.clusters.size() != 1) return no("a multicluster mesh");
  if (s.kind != "Service" || s.peered || s.headless || s.external_name)
    return no("not a Kubernetes Service with a VIP");
  for (const HttpRoute& r : c.routes)
    if (r.IsVirtualService())
      for (const std::string& h : r.hostnames)
        if (HostCoversService(ExpandHost(h, r.ns), s))
          return no("a VirtualService covers it (§16.2)");
  // A waypoint applies the routes attached to it only to services with
  // none of their own (§9); with some of their own these never apply.
  for (const HttpRoute* r : attached) {
    if (r->kind != "HTTPRoute") return no(r->kind + " " + r->Key());
    if (!r->hostnames.empty()) return no("route hostnames");
    for (const HttpRouteRule& rule : r->rules) {
      for (const HttpMatch& m : rule.matches)
        if (!MatchEncodable(m)) return no("a regex or query match");
      if (!rule.filters.empty() || rule.fault || rule.mirror)
        return no("filters, faults or mirrors");
      int total = 0;
      for (const BackendRef& b : rule.backends) {
        total += b.weight;
        if (b.kind != "Service" || !b.subset.empty())
          return no("a backend other than a Service");
        const Service* t = c.FindService(b.ns + "/" + b.name);
        if (!t || t->headless || t->external_name || t->vips.empty())
          return no("a backend that is not a Service with a VIP");
        if (b.port && !HasPort(*t, b.port)) return no("a backend port");
      }
      if (total <= 0) return no("a rule with no weighted backend");
    }
  }
  return true;
}

// The endpoints of every backend join the slice, each with the condition
// under which the chain sends there.
std::optional<RoutePlan> Encoder::PlanRoutes(int ci, const Service& s,
                                             Encoded& e) {
  const Cluster& c = sc_.mesh.clusters[ci];
  if (!RoutesEncodable(sc_.mesh, c, s, nullptr)) return std::nullopt;
  RouteEncoder re(c_, e, sc_.mesh);
  const std::vector<RouteArm> arms = re.FirstMatchChain(c, s);
  RoutePlan rp;
  z3::expr any = c_.bool_val(false);
  for (const RouteArm& a : arms) any = any || a.first;
  rp.no_match = !any;
  rp.in_base.assign(e.eps.size(), 1);
  rp.routed_to.assign(e.eps.size(), c_.bool_val(false));
  rp.to_other.assign(e.eps.size(), c_.bool_val(false));
  e.ep_port.assign(e.eps.size(), 0);
  e.ep_svc.assign(e.eps.size(), nullptr);
  e.ep_intended.assign(e.eps.size(), "");
  for (const RouteArm& a : arms) {
    e.route_rules.push_back({a.first,
                             a.route->kind + " " + a.route->Key() + " rule " +
                                 std::to_string(a.rule - a.route->rules.data()),
                             a.route});
    for (const BackendRef& b : a.rule->backends) {
      if (b.weight <= 0) continue;
      const Service* t = c.FindService(b.ns + "/" + b.name);
      const size_t ti = c.service_by_key.at(t->Key());
      for (size_t wi : c.service_endpoints[ti]) {
        if (!c.workloads[wi].ready) continue;
        size_t i = 0;
        while (i < e.eps.size() &&
               !(e.eps[i].cluster == ci && e.eps[i].wi == wi))
          ++i;
        if (i == e.eps.size()) {  // a pod only the route reaches
          e.eps.push_back({ci, wi});
          rp.in_base.push_back(0);
          rp.routed_to.push_back(c_.bool_val(false));
          rp.to_other.push_back(c_.bool_val(false));
          e.ep_port.push_back(0);
          e.ep_svc.push_back(nullptr);
          e.ep_intended.push_back("");
        }
        rp.routed_to[i] = rp.routed_to[i] || a.first;
        // A pod of both the addressed service and another backend is that
        // backend's for K11 only when a rule sending to the backend chose
        // it (to_other); its port is still taken as the backend's.
        if (t != &s) rp.to_other[i] = rp.to_other[i] || a.first;
        if (t != &s && !e.ep_svc[i]) {  // reached as the backend's pod
          e.ep_port[i] = b.port;
          e.ep_svc[i] = t;
          std::string which;
          if (Intent(ci, t->labels, t->ns, &which)) e.ep_intended[i] = which;
        }
      }
    }
  }
  return rp;
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

z3::expr Encoder::TargetOf(const Service& svc, const Workload& w,
                           const z3::expr& asked) {
  z3::expr out = asked;
  for (const ServicePort& sp : svc.ports) {
    int target = sp.target_port ? sp.target_port : sp.port;
    if (!sp.target_port && !sp.target_port_name.empty()) {
      for (const ContainerPort& cp : w.ports)
        if (cp.name == sp.target_port_name) target = cp.port;
    }
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
  if (cls.router) {
    // §16.3: the VirtualService chain of an Istio Gateway is not stated;
    // every request of a way in IngressReaches found may take it.
    reach = c_.bool_val(true);
    refused = c_.bool_val(false);
    return;
  }
  const Cluster& c = sc_.mesh.clusters[cls.cluster];
  RouteEncoder re(c_, e, sc_.mesh);
  const std::optional<std::vector<RouteArm>> chain =
      re.GatewayChain(c, cls.gateway);
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
    for (const BackendRef& b : arm.rule->backends) {
      if (b.weight <= 0) continue;
      const bool named = ((b.kind == "Service" || b.kind == "ServiceEntry") &&
                          b.ns + "/" + b.name == key) ||
                         (b.kind == "Hostname" && s &&
                          std::find(s->hosts.begin(), s->hosts.end(), b.name) !=
                              s->hosts.end());
      if (!named) continue;
      // §9: into another namespace only with a ReferenceGrant there.
      const HttpRoute& r = *arm.route;
      if (b.kind == "Hostname" || b.ns == r.ns ||
          c.ReferenceGranted(r.kind, r.ns, b.kind, b.ns, b.name))
        reach = reach || arm.first;
      else
        refused = refused || arm.first;
    }
  }
  refused = refused && !reach;
}

}  // namespace meshsim::verify
