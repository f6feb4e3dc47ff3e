// reference-not-found: a name that names nothing. HTTPRoute parentRefs and
// backendRefs, istio.io/use-waypoint(-namespace) labels, ServiceEntry
// workloadSelector, and `denied_by`/`via` in `expect:`. AuthorizationPolicy
// targetRefs are checked while loading (model/policy.h
// ValidatePolicyReferences) and surface here with the same rule id.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "lint/rules.h"
#include "model/labels.h"
#include "model/mesh_queries.h"
#include "model/networking.h"
#include "model/peering.h"
#include "model/text.h"

namespace meshsim::lint {

namespace {

std::vector<std::string> GatewayNames(const Cluster& c) {
  std::vector<std::string> out;
  for (const auto& [key, gw] : c.gateways) out.push_back(key);
  return out;
}

std::vector<std::string> ServiceNames(const Cluster& c) {
  std::vector<std::string> out;
  for (const Service& s : c.services) out.push_back(s.Key());
  return out;
}

// §9: an HTTPRoute's parents (a Gateway, or a Service/ServiceEntry for mesh
// routes) and backends (Services, ServiceEntries) must exist.
// §15.2: a name in a peering domain that no entry of cluster `c` has: no
// peer exports it there, so requests to it fail.
void PeeringHost(const Scenario& sc, const Cluster& c, const std::string& host,
                 const std::string& what, const SourceLocation& where,
                 const LintObject& obj, std::vector<LintFinding>& out) {
  if (!PeeringEnabled(sc.mesh.istio) || !IsPeeringHost(sc.mesh, host)) return;
  std::vector<std::string> hosts;
  for (const Service& s : c.services) {
    if (!s.peered) continue;
    for (const std::string& h : s.hosts) {
      if (h == host) return;
      hosts.push_back(h);
    }
  }
  out.push_back(Make("peering-host-not-exported",
                     what + " names " + host +
                         ", which no peer exports to "
                         "cluster " +
                         c.name +
                         " (no autogen ServiceEntry has "
                         "it): requests to it fail (§15.2)" +
                         DidYouMean(host, hosts),
                     where, obj,
                     "export the Service (solo.io/service-scope) from a "
                     "peered cluster, or correct the name"));
}

void RouteReferences(const Scenario& sc, const Cluster& c,
                     std::vector<LintFinding>& out) {
  for (const HttpRoute& r : c.routes) {
    const LintObject obj{r.kind, r.ns, r.name, c.name};
    for (const ParentRef& p : r.parents) {
      const std::string key = (p.ns.empty() ? r.ns : p.ns) + "/" + p.name;
      const bool gateway = p.kind == "Gateway";
      if (gateway ? c.FindGateway(key) != nullptr
                  : c.FindService(key) != nullptr)
        continue;
      out.push_back(Make(
          "reference-not-found",
          r.kind + " " + r.Key() + ": parentRefs names " + p.kind + " " + key +
              ", which does not exist in cluster " + c.name +
              DidYouMean(key, gateway ? GatewayNames(c) : ServiceNames(c)),
          p.location.Known() ? p.location : r.location, obj,
          "name an existing " + p.kind + "; the route attaches to nothing"));
    }
    for (const HttpRouteRule& rule : r.rules)
      for (const BackendRef& b : rule.backends) {
        if (b.kind == "Hostname") {
          PeeringHost(sc, c, b.name, r.kind + " " + r.Key() + ": backendRefs",
                      b.location.Known() ? b.location : rule.location, obj,
                      out);
          continue;
        }
        const std::string key = (b.ns.empty() ? r.ns : b.ns) + "/" + b.name;
        // §9: Istio's buildDestination takes no ServiceEntry by name.
        if (b.kind == "ServiceEntry") {
          const Service* se = c.FindService(key);
          out.push_back(
              Make("reference-not-found",
                   r.kind + " " + r.Key() +
                       ": backendRefs names ServiceEntry " + key +
                       ", a kind Istio does not route to (an unsupported "
                       "backendRef): requests routed there fail with 500",
                   b.location.Known() ? b.location : rule.location, obj,
                   "refer to it by host: group networking.istio.io, kind "
                   "Hostname, name " +
                       (se && !se->hosts.empty() ? se->hosts.front()
                                                 : std::string("<its host>"))));
          continue;
        }
        if (c.FindService(key)) {
          // §9: at a Gateway parent, another namespace needs a grant.
          bool at_gateway = false;
          for (const ParentRef& p : r.parents)
            at_gateway = at_gateway || p.kind == "Gateway";
          if (at_gateway && !r.IsVirtualService() && b.ns != r.ns &&
              !c.ReferenceGranted(r.kind, r.ns, b.kind, b.ns, b.name))
            out.push_back(
                Make("reference-not-permitted",
                     r.kind + " " + r.Key() + ": backendRefs names " + b.kind +
                         " " + key +
                         " in another namespace, and no "
                         "ReferenceGrant in " +
                         b.ns + " lets a " + r.kind + " of namespace " + r.ns +
                         " refer to it: requests the gateway routes there fail "
                         "with 500 (§9)",
                     b.location.Known() ? b.location : rule.location, obj,
                     "add a ReferenceGrant in namespace " + b.ns + " from " +
                         r.kind + " in " + r.ns + " to Service " + b.name +
                         ", or move the route to " + b.ns));
          continue;
        }
        out.push_back(
            Make("reference-not-found",
                 r.kind + " " + r.Key() + ": backendRefs names " + b.kind +
                     " " + key + ", which does not exist in cluster " + c.name +
                     DidYouMean(key, ServiceNames(c)),
                 b.location.Known() ? b.location : rule.location, obj,
                 "name an existing Service; requests routed there fail"));
      }
  }
}

// §2.3: istio.io/use-waypoint names a Gateway in the object's namespace, or
// in istio.io/use-waypoint-namespace; "none" opts out.
void UseWaypointReference(const Cluster& c, const std::string& kind,
                          const std::string& ns, const std::string& name,
                          const Labels& labels, const SourceLocation& where,
                          std::vector<LintFinding>& out) {
  const std::string* wp = FindLabel(labels, kLabelUseWaypoint);
  if (!wp || *wp == "none" || wp->empty()) return;
  const std::string* wns = FindLabel(labels, kLabelUseWaypointNamespace);
  const std::string key = (wns ? *wns : ns) + "/" + *wp;
  if (c.FindGateway(key)) return;
  out.push_back(Make(
      "reference-not-found",
      kind + " " + ns + (name.empty() ? "" : "/" + name) + ": " +
          kLabelUseWaypoint + "=" + *wp + " names Gateway " + key +
          ", which does not exist in cluster " + c.name +
          DidYouMean(key, GatewayNames(c)),
      where, {kind, ns, name, c.name},
      "create the waypoint or correct the label; until then the binding is "
      "dropped and traffic goes direct (fail open, §3.6)"));
}

void LabelReferences(const Cluster& c, std::vector<LintFinding>& out) {
  for (const auto& [name, ns] : c.namespaces)
    UseWaypointReference(c, "Namespace", name, "", ns.labels, ns.location, out);
  for (const Service& s : c.services) {
    auto it = s.label_locations.find(kLabelUseWaypoint);
    UseWaypointReference(
        c, s.kind, s.ns, s.name, s.labels,
        it != s.label_locations.end() ? it->second : s.location, out);
  }
  std::set<std::string> seen;  // one finding per controller, not per pod
  for (const Workload& w : c.workloads) {
    if (!seen.insert(w.ns + "/" + w.owner).second) continue;
    auto it = w.label_locations.find(kLabelUseWaypoint);
    // A ServiceEntry's endpoint is written in the entry (§3.4).
    const bool entry = !w.service_entry.empty();
    UseWaypointReference(
        c, entry ? "ServiceEntry" : w.kind, w.ns,
        entry ? w.service_entry : w.name, w.labels,
        it != w.label_locations.end() ? it->second : w.location, out);
  }
}

// §3.4: a ServiceEntry's workloadSelector selects workloads of its namespace.
void WorkloadSelectors(const Cluster& c, std::vector<LintFinding>& out) {
  for (size_t si = 0; si < c.services.size(); ++si) {
    const Service& s = c.services[si];
    if (s.kind != "ServiceEntry" || !s.selector || s.selector->empty() ||
        s.Shadowed())  // §3.4: selects nothing while out of WDS
      continue;
    if (si < c.service_endpoints.size() && !c.service_endpoints[si].empty())
      continue;
    std::string sel;
    for (const auto& [k, v] : *s.selector)
      sel += (sel.empty() ? "" : ",") + k + "=" + v;
    out.push_back(Make("reference-not-found",
                       "ServiceEntry " + s.Key() + ": workloadSelector " + sel +
                           " selects no workload in namespace " + s.ns,
                       s.location, {s.kind, s.ns, s.name, c.name},
                       "match the labels of the workloads it stands for"));
  }
}

// `expect:` names: `denied_by` a policy, `via` waypoints.
void ExpectationReferences(const Scenario& sc, std::vector<LintFinding>& out) {
  std::set<std::string> policies, gateways;
  for (const Cluster& c : sc.mesh.clusters) {
    for (const AuthorizationPolicy& p : c.authorization_policies)
      policies.insert(p.Key());
    for (const PeerAuthentication& p : c.peer_authentications)
      policies.insert(p.Key());
    // §16.4: a token the RequestAuthentication rejects is denied by it (401).
    for (const RequestAuthentication& p : c.request_authentications)
      policies.insert(p.Key());
    for (const auto& [key, gw] : c.gateways) gateways.insert(key);
  }
  const std::vector<std::string> policy_list(policies.begin(), policies.end());
  const std::vector<std::string> gateway_list(gateways.begin(), gateways.end());
  // §4.3: with PILOT_AUTO_ALLOW_WAYPOINT_POLICY istiod synthesizes
  // <workload ns>/istio_allow_waypoint_<waypoint ns>_<waypoint name>.
  const bool auto_allow =
      sc.mesh.istio.Flag("PILOT_AUTO_ALLOW_WAYPOINT_POLICY", false);
  auto synthesized = [&](const std::string& key) {
    const std::string prefix = "istio_allow_waypoint_";
    const size_t slash = key.find('/');
    if (!auto_allow || slash == std::string::npos ||
        key.compare(slash + 1, prefix.size(), prefix) != 0)
      return false;
    const std::string rest = key.substr(slash + 1 + prefix.size());
    for (const Cluster& c : sc.mesh.clusters)
      for (const auto& [gkey, gw] : c.gateways)
        if (rest == gw.ns + "_" + gw.name) return true;
    return false;
  };
  for (const Expectation& x : sc.expect) {
    const LintObject obj{"expect", "", x.name, ""};
    if (!x.denied_by.empty() && !policies.count(x.denied_by) &&
        !synthesized(x.denied_by))
      out.push_back(Make("reference-not-found",
                         "expect '" + x.name + "': denied_by " + x.denied_by +
                             " names no AuthorizationPolicy, "
                             "PeerAuthentication or RequestAuthentication" +
                             DidYouMean(x.denied_by, policy_list),
                         x.location, obj, "name the policy as namespace/name"));
    if (x.via)
      for (const std::string& w : *x.via)
        if (!gateways.count(w))
          out.push_back(
              Make("reference-not-found",
                   "expect '" + x.name + "': via names " + w +
                       ", which is no Gateway" + DidYouMean(w, gateway_list),
                   x.location, obj, "name the waypoint as namespace/name"));
  }
}

// §16.1–§16.3: a VirtualService's destination hosts and subsets and its
// gateways, and a DestinationRule's host, must name something.
void NetworkingReferences(const Mesh& mesh, const Cluster& c,
                          std::vector<LintFinding>& out) {
  std::vector<std::string> hosts, gateways;
  for (const auto& [h, idx] : c.service_by_host) hosts.push_back(h);
  for (const auto& [key, g] : c.istio_gateways) gateways.push_back(key);
  for (const HttpRoute& r : c.routes) {
    if (!r.IsVirtualService()) continue;
    const LintObject obj{r.kind, r.ns, r.name, c.name};
    for (const std::string& g : r.gateways) {
      if (g == "mesh" || c.istio_gateways.count(g)) continue;
      out.push_back(
          Make("reference-not-found",
               "VirtualService " + r.Key() + ": gateways names " + g +
                   ", which is not an Istio Gateway (networking.istio.io) in "
                   "cluster " +
                   c.name + DidYouMean(g, gateways),
               r.location, obj,
               "name an existing Istio Gateway, or mesh; the routes apply "
               "nowhere else"));
    }
    auto check = [&](const BackendRef& b, const SourceLocation& where) {
      // §2.4: the Envoy proxies that apply it see what applyToSidecars
      // leaves them.
      std::vector<size_t> idx = c.ServicesForHost(b.name, b.ns, true);
      if (idx.empty()) {
        const std::string full = ExpandHost(b.name, b.ns);
        const bool hidden = c.service_by_host.count(full) > 0;
        out.push_back(
            Make("reference-not-found",
                 "VirtualService " + r.Key() + ": destination host " + b.name +
                     (hidden ? " is a ServiceEntry that MeshConfig "
                               "serviceEntryVisibility hides from namespace " +
                                   b.ns + " in cluster " + c.name + " (§2.4)"
                             : " is not a Service or ServiceEntry in cluster " +
                                   c.name + DidYouMean(full, hosts)),
                 where, obj,
                 "name an existing host; requests routed there fail with 503"));
        return;
      }
      const Service& s = c.services[idx.front()];
      // §16.2: Envoy has no cluster for a port the service lacks.
      // (Entries of one host and namespace merge their ports at a
      // sidecar, sidecar.go canMergeServices: any of them declaring it
      // will do, a shadowed one too.)
      bool declared = false;
      for (const Service& o : c.services)
        if (o.ns == s.ns &&
            (&o == &s || std::find(o.hosts.begin(), o.hosts.end(),
                                   s.Hostname()) != o.hosts.end()))
          declared = declared || o.ports.empty() || o.FindPort(b.port);
      if (b.port > 0 && !declared) {
        std::string ports;
        for (const ServicePort& p : s.ports)
          ports += (ports.empty() ? "" : ", ") + std::to_string(p.port);
        out.push_back(
            Make("reference-not-found",
                 "VirtualService " + r.Key() + ": destination port " +
                     std::to_string(b.port) + " of " + b.name +
                     " is not a port of " + s.kind + " " + s.Key() +
                     " (its ports: " + ports + ")",
                 where, obj,
                 "name a port the service declares; requests routed there fail "
                 "with 503 (no cluster)"));
        return;
      }
      if (b.subset.empty()) return;
      const DestinationRule* dr = DestinationRuleFor(mesh, c, r.ns, nullptr, s);
      if (dr && dr->FindSubset(b.subset)) return;
      std::vector<std::string> names;
      if (dr)
        for (const DestinationRuleSubset& sub : dr->subsets)
          names.push_back(sub.name);
      out.push_back(Make(
          "reference-not-found",
          "VirtualService " + r.Key() + ": subset '" + b.subset + "' of " +
              b.name + " is not defined by " +
              (dr ? "DestinationRule " + dr->Key() + DidYouMean(b.subset, names)
                  : std::string("any DestinationRule visible in namespace ") +
                        r.ns),
          where, obj,
          "define the subset in a DestinationRule for the host; requests "
          "routed there fail with 503"));
    };
    for (const auto* rules : {&r.rules, &r.tcp_rules})
      for (const HttpRouteRule& rule : *rules) {
        for (const BackendRef& b : rule.backends)
          check(b, b.location.Known() ? b.location : rule.location);
        if (rule.mirror) check(*rule.mirror, rule.location);
      }
  }
  for (const DestinationRule& d : c.destination_rules) {
    const std::string host = ExpandHost(d.host, d.ns);
    bool any = false;
    for (const Service& s : c.services) any = any || HostCoversService(host, s);
    if (any) continue;
    out.push_back(Make("reference-not-found",
                       "DestinationRule " + d.Key() + ": host " + d.host +
                           " covers no Service or ServiceEntry in cluster " +
                           c.name + DidYouMean(host, hosts),
                       d.location, {"DestinationRule", d.ns, d.name, c.name},
                       "name an existing host; the rule applies nowhere"));
  }
}

}  // namespace

// §16.1: a DestinationRule subset that a VirtualService routes to and whose
// labels pick none of the endpoints of the services its host covers, in any
// cluster (istioctl analyze IST0173, which also names subsets nothing routes
// to): those requests find no healthy upstream (503).
void SubsetSelectsNothing(const Scenario& sc, std::vector<LintFinding>& out) {
  // (service, subset) pairs some route sends to.
  std::set<std::pair<const Service*, std::string>> routed;
  for (const Cluster& c : sc.mesh.clusters)
    for (const HttpRoute& r : c.routes)
      for (const auto* rules : {&r.rules, &r.tcp_rules})
        for (const HttpRouteRule& rule : *rules) {
          auto note = [&](const BackendRef& b) {
            if (b.subset.empty()) return;
            for (size_t si : c.ServicesForHost(b.name, b.ns, true))
              routed.insert({&c.services[si], b.subset});
          };
          for (const BackendRef& b : rule.backends) note(b);
          if (rule.mirror) note(*rule.mirror);
        }
  if (routed.empty()) return;
  for (const Cluster& c : sc.mesh.clusters)
    for (const DestinationRule& d : c.destination_rules) {
      if (d.subsets.empty()) continue;
      const std::string host = ExpandHost(d.host, d.ns);
      std::vector<std::pair<const Cluster*, const Workload*>> endpoints;
      bool covers = false;
      for (const Cluster& cc : sc.mesh.clusters)
        for (size_t si = 0; si < cc.services.size(); ++si) {
          if (!HostCoversService(host, cc.services[si])) continue;
          covers = true;
          for (size_t wi : cc.service_endpoints[si])
            endpoints.push_back({&cc, &cc.workloads[wi]});
        }
      if (!covers) continue;  // reference-not-found says so
      for (const DestinationRuleSubset& sub : d.subsets) {
        bool used = false;
        for (const auto& [svc, name] : routed)
          used = used || (name == sub.name && HostCoversService(host, *svc));
        if (sub.labels.empty() || !used) continue;
        bool any = false;
        for (const auto& [ec, w] : endpoints)
          any = any || SubsetMatches(sub.labels, *ec, *w);
        if (any) continue;
        std::string sel;
        for (const auto& [k, v] : sub.labels)
          sel += (sel.empty() ? "" : ",") + k + "=" + v;
        out.push_back(Make(
            "subset-selects-nothing",
            "DestinationRule " + d.Key() + ": subset '" + sub.name +
                "' (labels " + sel + ") selects none of the " +
                std::to_string(endpoints.size()) + " endpoint(s) of host " +
                d.host,
            sub.location.Known() ? sub.location : d.location,
            {"DestinationRule", d.ns, d.name, c.name},
            "match the endpoints' labels; requests routed to the subset fail "
            "with 503 (no healthy upstream)"));
      }
    }
}

// §16.2 (istioctl analyze IST0109): two VirtualServices of one namespace
// for mesh, both with http rules, of one exportTo, naming the same host. A
// sidecar applies only the older one's HTTP routes; a waypoint too before
// 1.28, and from 1.28 both, the older one's rules first. Reported at the
// newer one.
void ConflictingVirtualServices(const Scenario& sc,
                                std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters) {
    // By namespace, host and exportTo (a sidecar reads private, exported by
    // name and public VirtualServices in that order before age).
    std::map<std::tuple<std::string, std::string, std::string>,
             const HttpRoute*>
        first;
    // Those with http rules: a tcp- or tls-only one builds no HTTP route
    // (§16.2), and its tcp and tls rules are all read, in order.
    std::vector<const HttpRoute*> vss;
    for (const HttpRoute& r : c.routes)
      if (r.IsVirtualService() && r.ForMesh() && !r.rules.empty())
        vss.push_back(&r);
    std::stable_sort(vss.begin(), vss.end(),
                     [](const HttpRoute* a, const HttpRoute* b) {
                       return RouteOlder(*a, *b);
                     });
    const bool merges = c.VersionOr(sc.mesh.istio.version).AtLeast(1, 28);
    for (const HttpRoute* r : vss)
      for (const std::string& h : r->hostnames) {
        const std::string host = ExpandHost(h, r->ns);
        // exportTo by meaning: public ("*" or none), else the namespaces
        // ("." is its own), sorted.
        std::set<std::string> to;
        bool everyone = r->export_to.empty();
        for (const std::string& e : r->export_to) {
          everyone = everyone || e == "*";
          to.insert(e == "." ? r->ns : e);
        }
        std::string scope = "*";
        if (!everyone) {
          scope.clear();
          for (const std::string& e : to) scope += e + ",";
        }
        auto [it, fresh] = first.try_emplace({r->ns, host, scope}, r);
        if (fresh || it->second == r) continue;
        const std::string older = it->second->Key();
        out.push_back(Make(
            "conflicting-virtual-services",
            "VirtualService " + r->Key() + " names host " + h +
                " for mesh, as the older VirtualService " + older +
                " does: a sidecar applies only " + older +
                "'s HTTP routes (§16.2); " +
                (merges ? "a waypoint applies both, " + older + "'s rules first"
                        : "so does a waypoint before 1.28"),
            r->location, {r->kind, r->ns, r->name, c.name},
            "route the host from one VirtualService (merge the rules into " +
                older + ")"));
      }
  }
}

// §16.3 (istioctl analyze IST0132): a VirtualService bound to an Istio
// Gateway none of whose servers takes any of its hosts (a server host's
// namespace part, "*", "." for the Gateway's or a name, must admit the
// VirtualService's namespace): that gateway serves none of its routes, and
// a request for the hosts finds no virtual host (404).
void VirtualServiceHostNotInGateway(const Scenario& sc,
                                    std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (const HttpRoute& r : c.routes) {
      if (!r.IsVirtualService() || r.hostnames.empty()) continue;
      for (const std::string& g : r.gateways) {
        auto gw = c.istio_gateways.find(g);
        if (gw == c.istio_gateways.end()) continue;  // reference-not-found
        bool taken = false;
        std::string server_hosts;
        for (const IstioServer& server : gw->second.servers)
          for (const std::string& pattern : server.hosts) {
            server_hosts += (server_hosts.empty() ? "" : ", ") + pattern;
            const std::optional<std::string> sh =
                ServerHostFor(pattern, gw->second.ns, r.ns);
            if (!sh) continue;
            for (const std::string& written : r.hostnames) {
              const std::string vh = AsciiLower(ExpandHost(written, r.ns));
              taken = taken || IstioHostMatches(*sh, vh) ||
                      IstioHostMatches(vh, *sh);
            }
          }
        if (taken) continue;
        std::string hosts;
        for (const std::string& h : r.hostnames)
          hosts += (hosts.empty() ? "" : ", ") + h;
        out.push_back(
            Make("virtual-service-host-not-in-gateway",
                 "VirtualService " + r.Key() + " is bound to Istio Gateway " +
                     g + ", but none of its hosts (" + hosts +
                     ") is a host of that Gateway's servers for namespace " +
                     r.ns + " (" + server_hosts +
                     "): the gateway serves none of its routes "
                     "(404, §16.3)",
                 r.location, {r.kind, r.ns, r.name, c.name},
                 "add the host to a server of the Gateway (as " + r.ns +
                     "/<host> or */<host>), or bind the VirtualService to the "
                     "Gateway that serves it"));
      }
    }
}

// §16.4, §16.2 (istioctl analyze IST0149): a VirtualService bound to an
// Istio Gateway that routes on a JWT claim (@request.auth.claims...) where
// no RequestAuthentication applies to a pod of that gateway (one in the
// root namespace or the pod's, without targetRefs, whose selector is
// absent or matches the pod): no token is validated there, so no claim is
// ever set and the rule never matches.
void JwtClaimRouteWithoutAuthentication(const Scenario& sc,
                                        std::vector<LintFinding>& out) {
  const std::string& root = sc.mesh.istio.root_namespace;
  for (const Cluster& c : sc.mesh.clusters)
    for (const HttpRoute& r : c.routes) {
      if (!r.IsVirtualService()) continue;
      std::string claim;
      for (const HttpRouteRule& rule : r.rules)
        for (const HttpMatch& m : rule.matches)
          for (const auto* hs : {&m.headers, &m.without_headers})
            for (const HttpMatch::Header& h : *hs)
              if (claim.empty() && JwtClaimRoute(h.name)) claim = h.name;
      if (claim.empty()) continue;
      for (const std::string& g : r.gateways) {
        auto gw = c.istio_gateways.find(g);
        if (gw == c.istio_gateways.end()) continue;
        for (const Workload& pod : c.workloads) {
          if (pod.kind != "Pod" || !gw->second.selector ||
              !SelectorMatches(*gw->second.selector, pod.labels))
            continue;
          bool authenticated = false;
          for (const RequestAuthentication& ra : c.request_authentications)
            authenticated =
                authenticated ||
                ((ra.ns == root || ra.ns == pod.ns) && ra.target_refs.empty() &&
                 (!ra.selector || SelectorMatches(*ra.selector, pod.labels)));
          if (authenticated) continue;
          out.push_back(Make(
              "jwt-claim-route-without-authentication",
              "VirtualService " + r.Key() + " routes on " + claim +
                  " at Istio Gateway " + g +
                  ", but no RequestAuthentication "
                  "applies to its pod " +
                  pod.Key() +
                  ": no token is validated there, so the claim is never set "
                  "and the rule never matches (§16.4)",
              r.location, {r.kind, r.ns, r.name, c.name},
              "add a RequestAuthentication selecting the gateway's pods (in "
              "their namespace or the root namespace)"));
          break;  // one finding per gateway
        }
      }
    }
}

// §16.2: a VirtualService for mesh and a GAMMA HTTPRoute for one service.
void MixedRouteApis(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters)
    for (const HttpRoute& gamma : c.routes)
      for (const ParentRef& p : gamma.parents) {
        if (p.kind != "Service" && p.kind != "ServiceEntry") continue;
        const Service* s = c.FindService(p.ns + "/" + p.name);
        if (!s) continue;
        for (const HttpRoute& vs : c.routes) {
          if (!vs.IsVirtualService() || !vs.ForMesh()) continue;
          bool covers = false;
          for (const std::string& h : vs.hostnames)
            covers = covers || HostCoversService(ExpandHost(h, vs.ns), *s);
          if (!covers) continue;
          out.push_back(Make(
              "mixed-route-apis",
              "VirtualService " + vs.Key() + " and " + gamma.kind + " " +
                  gamma.Key() + " both route " + s->Key() + " in cluster " +
                  c.name +
                  ": Istio leaves mixing the two APIs for one service "
                  "undefined; istiod concatenates their routes and the first "
                  "match wins (§16.2)",
              vs.location, {vs.kind, vs.ns, vs.name, c.name},
              "route " + s->Key() +
                  " with one API (HTTPRoute is the "
                  "recommended one in ambient)"));
        }
      }
}

void ReferenceNotFound(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters) {
    NetworkingReferences(sc.mesh, c, out);
    RouteReferences(sc, c, out);
    LabelReferences(c, out);
    WorkloadSelectors(c, out);
  }
  // §15.2: traffic to a peering name its client's cluster has no entry for
  // (an ingress routes by host; its backends are checked above).
  for (const TrafficEntry& t : sc.traffic) {
    const Cluster* c = sc.mesh.FindCluster(t.from.cluster);
    if (!c || t.to.host.empty() || !t.from.ingress.empty()) continue;
    PeeringHost(sc, *c, t.to.host, "traffic '" + t.name + "': to.host",
                t.to.location.Known() ? t.to.location : t.location,
                {"Traffic", "", t.name, c->name}, out);
  }
  ExpectationReferences(sc, out);
}

}  // namespace meshsim::lint
