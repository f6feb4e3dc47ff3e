// Lint findings (no solver): docs/verification.md lists each, docs/rules.md
// documents each rule. One function per rule; `Lint` calls them in a fixed
// order, which is the order of the findings.
#include "verify/lint.h"

#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>

#include "model/binding.h"
#include "model/labels.h"
#include "model/networking.h"
#include "model/parallel.h"
#include "model/policy.h"
#include "model/rules.h"
#include "verify/encoding.h"
#include "verify/verifier.h"

namespace meshsim::verify {

namespace {

// A finding of `rule`, with the rule's severity from the catalogue.
Finding MakeFinding(const std::string& rule, std::string message,
                    std::string cluster, std::vector<FindingObject> objects,
                    std::string fix) {
  Finding f;
  f.rule = rule;
  f.severity = RuleSeverity(f.rule);
  f.message = std::move(message);
  f.cluster = std::move(cluster);
  f.objects = std::move(objects);
  f.fix = std::move(fix);
  return f;
}

// A finding about service `s` explained by its binding: the binding's reason,
// at the use-waypoint label when it has a location.
Finding BindingFinding(const Cluster& c, const Service& s, const Binding& b,
                       const std::string& rule, std::string fix) {
  return MakeFinding(
      rule, b.why, c.name,
      {{s.kind, s.Key(),
        b.label_location.Known() ? b.label_location : s.location}},
      std::move(fix));
}

// §2.3, §2.7: a Service or ServiceEntry whose use-waypoint label does not
// bind (the WaypointBound reasons WaypointIsNotReady, UnsupportedTrafficType,
// AttachmentDenied, CrossNamespaceWaypointForbidden).
void ServiceBindingRules(const Cluster& c, const Service& s, const Binding& b,
                         std::vector<Finding>& out) {
  if (b.status == BindingStatus::kNotReady)
    out.push_back(BindingFinding(
        c, s, b, "dangling-use-waypoint",
        "create the waypoint Gateway " + b.requested + " or fix the label"));
  if (b.status == BindingStatus::kUnsupportedTrafficType)
    out.push_back(BindingFinding(
        c, s, b, "waypoint-for-mismatch",
        "set istio.io/waypoint-for: service (or all) on the waypoint"));
  if (b.status == BindingStatus::kAttachmentDenied)
    out.push_back(BindingFinding(
        c, s, b, "waypoint-attachment-denied",
        "allow namespace " + s.ns + " in the waypoint's allowedRoutes"));
  // §2.4 (1.31): a NAMESPACE-visibility ServiceEntry keeps to its own
  // namespace's waypoints (CrossNamespaceWaypointForbidden).
  if (b.status == BindingStatus::kCrossNamespaceForbidden)
    out.push_back(BindingFinding(
        c, s, b, "waypoint-attachment-denied",
        "use a waypoint in namespace " + s.ns +
            ", or give the ServiceEntry wider visibility (MeshConfig "
            "serviceEntryVisibility)"));
}

// §3.6, K17: bound and valid, but no ready replica anywhere it may use.
void WaypointUnavailable(const Mesh& mesh, const Cluster& c, const Service& s,
                         const Binding& b, std::vector<Finding>& out) {
  if (!b.waypoint) return;
  bool ready = HasReadyPod(c, b.waypoint->Key());
  bool hbone = ready && HasHbonePod(c, *b.waypoint);
  // §15.2: a peered entry bound to the peered copy of its global waypoint
  // uses that waypoint's replicas in every cluster of the copy (its own
  // and flat peers').
  if (s.peered && s.peered->global_waypoint == b.waypoint->Key())
    for (int cj : s.peered->waypoint_clusters) {
      const Cluster& o = mesh.clusters[static_cast<size_t>(cj)];
      const Gateway* g = o.FindGateway(b.waypoint->Key());
      if (!g || !HasReadyPod(o, g->Key())) continue;
      ready = true;
      hbone = hbone || HasHbonePod(o, *g);
    }
  // An ingress named as a waypoint whose pods are captured (a sandwich)
  // needs the listener too.
  if (!b.waypoint->ListensOn15008() &&
      (b.waypoint->role == GatewayRole::kWaypoint ||
       (ready && HasHbonePod(c, *b.waypoint, false)))) {
    // §2.1: no 15008 listener, no port ztunnel can reach it on.
    Finding f = BindingFinding(
        c, s, b, "waypoint-unavailable",
        "give waypoint " + b.waypoint->Key() +
            " its HBONE listener: {name: mesh, port: 15008, protocol: HBONE}");
    f.message = "waypoint " + b.waypoint->Key() +
                " has no listener on port 15008, so its Service has no such "
                "port and ztunnel cannot reach it: every request to " +
                s.Key() + " through it fails (§2.1); " + b.why;
    out.push_back(std::move(f));
    return;
  }
  if (ready && !hbone) {
    // §2.1: an ingress named as a waypoint, its pods not captured.
    Finding f = BindingFinding(
        c, s, b, "waypoint-unavailable",
        "name a Gateway of class istio-waypoint, or enrol the gateway's pods "
        "in ambient (a sandwich)");
    f.message = "waypoint " + b.waypoint->Key() + " is a Gateway of class " +
                b.waypoint->class_name +
                " whose pods ambient does not capture: an ingress has no HBONE "
                "listener (15008) of its own, so every request to " +
                s.Key() + " through it fails (§2.1); " + b.why;
    out.push_back(std::move(f));
    return;
  }
  if (ready || GlobalWaypoint(mesh, c, *b.waypoint)) return;
  // The message says what happens; the fix, what to do (K17).
  Finding f = BindingFinding(
      c, s, b, "waypoint-unavailable",
      "scale waypoint " + b.waypoint->Key() +
          " up (kubectl scale deployment), or check its pods' readiness and "
          "placement");
  f.message = "waypoint " + b.waypoint->Key() +
              " has no ready replica: every request to " + s.Key() +
              " fails closed (§3.6, K17); " + b.why;
  out.push_back(std::move(f));
}

// §3.4, K9: a ServiceEntry bound to an (egress) waypoint that has no address
// ztunnel can match: clients dial the real address, which ztunnel passes
// through, so the waypoint never sees the request.
void ServiceEntryWithoutAddress(const Mesh& mesh, const Cluster& c,
                                const Service& s, const Binding& b,
                                std::vector<Finding>& out) {
  if (s.kind != "ServiceEntry" || b.requested.empty()) return;
  // §3.4: addresses are per host; an allocated one is no wildcard host's.
  std::string bare;
  for (const std::string& h : s.hosts)
    if (!s.HostHasAddress(h)) bare += (bare.empty() ? "" : ", ") + h;
  if (bare.empty()) return;
  if (!s.vips.empty()) {
    out.push_back(MakeFinding(
        "waypoint-bypass",
        "clients of " + bare + " (ServiceEntry " + s.Key() +
            ") reach it without waypoint " + b.requested +
            ": istiod allocates no address for a wildcard host unless the "
            "entry resolves DYNAMIC_DNS, so clients dial the real address "
            "and ztunnel passes it through (§3.4, K9)",
        c.name, {{s.kind, s.Key(), s.location}},
        "list the hosts without a wildcard, give the entry spec.addresses, "
        "or resolve it DYNAMIC_DNS (1.28+)"));
    return;
  }
  const bool wildcard = !s.hosts.empty() && s.hosts.front().rfind("*", 0) == 0;
  const bool new_release = c.VersionOr(mesh.istio.version).AtLeast(1, 25);
  const std::string cause =
      s.resolution == "NONE" ? "resolution NONE"
      : wildcard && s.resolution != "DYNAMIC_DNS"
          ? "a wildcard host without resolution DYNAMIC_DNS"
      : mesh.istio.Flag("PILOT_ENABLE_IP_AUTOALLOCATE", new_release)
          ? "no spec.addresses and the label "
            "networking.istio.io/enable-autoallocate-ip=false"
      : new_release || mesh.istio.flags.count("PILOT_ENABLE_IP_AUTOALLOCATE")
          ? "no spec.addresses and PILOT_ENABLE_IP_AUTOALLOCATE off"
          : "no spec.addresses, and Istio before 1.25 allocates none "
            "(PILOT_ENABLE_IP_AUTOALLOCATE defaults to false)";
  out.push_back(MakeFinding(
      "waypoint-bypass",
      "every client of ServiceEntry " + s.Key() +
          " reaches it without waypoint " + b.requested +
          ": the entry has no address ztunnel can match (" + cause +
          "), so clients dial the real address and ztunnel passes it through "
          "(§3.4, K9)",
      c.name, {{s.kind, s.Key(), s.location}},
      "give the ServiceEntry an address: spec.addresses, or its hosts with "
      "resolution DNS so Istio allocates one and clients resolve it through "
      "ztunnel's DNS proxy"));
}

// §3.4, K9: an egress ServiceEntry whose address istiod allocated, which
// only ztunnel's DNS proxy tells clients: ambient pods without DNS capture
// (`no_dns`: their owners) dial the real address and skip the waypoint.
void ServiceEntryUnknownWithoutDns(const Cluster& c, const Service& s,
                                   const Binding& b,
                                   const std::vector<std::string>& no_dns,
                                   std::vector<Finding>& out) {
  if (s.kind != "ServiceEntry" || !s.auto_allocated || s.peered ||
      b.requested.empty() || no_dns.empty())
    return;
  std::string who;
  for (size_t i = 0; i < no_dns.size() && i < 3; ++i)
    who += (i ? ", " : "") + no_dns[i];
  if (no_dns.size() > 3)
    who += " and " + std::to_string(no_dns.size() - 3) + " more";
  out.push_back(MakeFinding(
      "waypoint-bypass",
      "ambient clients without ztunnel's DNS proxy (" + who +
          ") reach ServiceEntry " + s.Key() + " without waypoint " +
          b.requested + ": its address " + s.vips.front() +
          " was allocated by istiod and only the DNS proxy answers with it, "
          "so they dial the real address of " +
          (s.hosts.empty() ? s.name : s.hosts.front()) +
          " and ztunnel passes it through (§3.4, K9)",
      c.name, {{s.kind, s.Key(), s.location}},
      "capture their DNS (remove the annotation ambient.istio.io/"
      "dns-capture=false, or set istio-cni's ambient.dnsCapture=true, the "
      "default from 1.25), or give the ServiceEntry spec.addresses they "
      "resolve to"));
}

// The owners (ns/owner) of cluster `c`'s ambient application pods whose
// lookups ztunnel's DNS proxy does not answer (§3.4), sorted.
std::vector<std::string> OwnersWithoutDnsCapture(const Mesh& mesh,
                                                 const Cluster& c) {
  std::set<std::string> owners;
  for (const Workload& w : c.workloads)
    if (w.kind == "Pod" && w.role == WorkloadRole::kApplication &&
        w.capture == Capture::kAmbient && !DnsCaptured(mesh.istio, c, w))
      owners.insert(w.ns + "/" + w.owner);
  return {owners.begin(), owners.end()};
}

// §3.5, K18: a ServiceEntry passed through to its original address
// (resolution NONE, no endpoints) by a captured ("sandwich") waypoint: the
// waypoint dials the address itself, its ztunnel captures it, and nothing
// keeps service-addressed traffic from returning to the waypoint bound to
// that address.
void SandwichLoop(const Cluster& c, const Service& s, const Binding& b,
                  std::vector<Finding>& out) {
  if (!(b.waypoint && s.kind == "ServiceEntry" && s.resolution == "NONE" &&
        !s.vips.empty() && s.inline_endpoints.empty() && !s.selector))
    return;
  bool captured = false;
  auto it = c.gateway_pods.find(b.waypoint->Key());
  if (it != c.gateway_pods.end())
    for (size_t wi : it->second)
      captured |= c.workloads[wi].capture == Capture::kAmbient;
  if (!captured) return;
  out.push_back(MakeFinding(
      "waypoint-double-pass",
      "requests to ServiceEntry " + s.Key() + " loop through waypoint " +
          b.waypoint->Key() +
          ": the waypoint is captured (a sandwich) and passes them through to "
          "their original address, which its own ztunnel sends back to the "
          "waypoint bound to it (§3.5, K18)",
      c.name,
      {{s.kind, s.Key(), s.location},
       {"Gateway", b.waypoint->Key(), b.waypoint->location}},
      "use a waypoint that is not captured (gatewayClassName istio-waypoint, "
      "or no istio.io/dataplane-mode=ambient on the gateway's pods), or give "
      "the ServiceEntry endpoints"));
}

// §15: Gloo Gateway waypoints serve single-cluster meshes only, and not
// ingress-use-waypoint.
void GlooWaypointUnsupported(const Scenario& sc, const Cluster& c,
                             const Service& s, const Binding& b,
                             std::vector<Finding>& out) {
  if (!b.waypoint || b.waypoint->class_name != "gloo-waypoint") return;
  std::string iwhy;
  if (sc.mesh.clusters.size() > 1)
    out.push_back(BindingFinding(c, s, b, "gloo-waypoint-unsupported",
                                 "Gloo Gateway waypoints are supported only in "
                                 "single-cluster meshes (§15)"));
  if (IngressUsesWaypoint(sc.mesh, c, s, b, &iwhy))
    out.push_back(
        BindingFinding(c, s, b, "gloo-waypoint-unsupported",
                       "istio.io/ingress-use-waypoint is not supported with "
                       "Gloo Gateway waypoints (§15)"));
}

// §7.2, K13: a global service whose waypoint is missing in another cluster;
// each (cluster, service) once, in `reported`.
// `bindings`: every service's, by cluster and service index.
void WaypointMissingInCluster(const Scenario& sc, const Cluster& c,
                              const Service& s, const Binding& b,
                              const std::vector<std::vector<Binding>>& bindings,
                              std::set<std::string>& reported,
                              std::vector<Finding>& out) {
  if (PeeringOn(sc.mesh)) {
    // §15.2: a peered entry that binds no waypoint although an exporter's
    // Service uses one: requests from this cluster skip it.
    if (!s.peered || b.waypoint) return;
    for (const PeeredService::Exporter& x : s.peered->exporters) {
      if (x.waypoint.empty() || !reported.insert(c.name + s.Key()).second)
        continue;
      out.push_back(MakeFinding(
          "waypoint-missing-in-cluster",
          "ServiceEntry " + s.Key() + " (peering name " + s.hosts.front() +
              ") binds no waypoint in cluster " + c.name + ", though " +
              s.peered->service + " uses waypoint " + x.waypoint +
              " in cluster " + sc.mesh.clusters[x.cluster].name +
              ": requests from " + c.name +
              " that land on endpoints it "
              "reaches directly skip it (§15.2)",
          c.name, {{s.kind, s.Key(), s.location}},
          "deploy the waypoint and bind the service in every cluster that "
          "runs it (Solo's multicluster guidance)"));
    }
    return;
  }
  if (!b.waypoint || !GlobalService(sc.mesh, c, s)) return;
  const std::string key = s.Key();
  const std::string subj =
      (s.kind == "Service" ? "service " : "ServiceEntry ") + key;
  for (size_t oi = 0; oi < sc.mesh.clusters.size(); ++oi) {
    const Cluster& o = sc.mesh.clusters[oi];
    if (&o == &c) continue;
    const Service* os = o.FindService(key);
    if (!os) continue;
    const Binding& ob =
        bindings[oi][static_cast<size_t>(os - o.services.data())];
    if (ob.waypoint || !reported.insert(o.name + key).second) continue;
    out.push_back(MakeFinding(
        "waypoint-missing-in-cluster",
        subj + " is bound to waypoint " + b.waypoint->Key() + " in cluster " +
            c.name + " but to none in cluster " + o.name +
            ": requests that land there skip it (§7.2, K13)",
        o.name, {{os->kind, os->Key(), os->location}},
        "deploy the waypoint and the use-waypoint label in every cluster "
        "that runs the service"));
  }
}

// §7.2: a network that more than one ready east-west gateway serves
// (community only; Solo peering names each peer's own gateway, §15.2).
void EastWestGatewaysShareNetwork(const Scenario& sc,
                                  std::vector<Finding>& out) {
  if (PeeringOn(sc.mesh) || sc.mesh.clusters.size() < 2) return;
  std::map<std::string, std::vector<std::pair<const Cluster*, const Gateway*>>>
      by_network;
  for (const Cluster& c : sc.mesh.clusters)
    for (const auto& [key, gw] : c.gateways)
      if (IsNetworkGateway(sc.mesh.istio, gw) && HasReadyPod(c, key))
        by_network[gw.network].push_back({&c, &gw});
  for (const auto& [network, gws] : by_network) {
    if (gws.size() < 2) continue;
    std::string names;
    std::vector<FindingObject> objects;
    for (const auto& [c, gw] : gws) {
      names += (names.empty() ? "" : ", ") + gw->Key() + " in " + c->name;
      objects.push_back({"Gateway", gw->Key(), gw->location});
    }
    out.push_back(MakeFinding(
        "east-west-gateways-share-network",
        "network " + network + " has " + std::to_string(gws.size()) +
            " east-west gateways (" + names +
            "): istiod sends its cross-network traffic through one of them, "
            "whichever it finds first, and that gateway routes with its own "
            "cluster's view; meshsim assumes " +
            gws.front().second->Key() + " in " + gws.front().first->name +
            " (§7.2, istio/istio#56960)",
        gws[1].first->name, std::move(objects),
        "keep one east-west gateway per network (remove the others, or put "
        "their clusters on networks of their own)"));
  }
}

// §7.2: a network that no ready east-west gateway serves, while a global
// service has ready endpoints on it and also lives on another network:
// istiod builds no cross-network endpoint for them, so clients there never
// reach them (community only; a peered cluster's own gateway is §15.2).
// One finding per network.
void NetworkWithoutEastWestGateway(const Scenario& sc,
                                   std::vector<Finding>& out) {
  if (PeeringOn(sc.mesh) || sc.mesh.clusters.size() < 2 ||
      !sc.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true))
    return;
  std::set<std::string> served;
  for (const Cluster& c : sc.mesh.clusters)
    for (const auto& [key, gw] : c.gateways)
      if (IsNetworkGateway(sc.mesh.istio, gw) && HasReadyPod(c, key))
        served.insert(gw.network);  // §7.1: one istiod takes
  std::set<std::string> reported;
  for (const Cluster& c : sc.mesh.clusters)
    for (size_t si = 0; si < c.services.size(); ++si) {
      const Service& s = c.services[si];
      if (!GlobalService(sc.mesh, c, s)) continue;
      for (size_t wi : c.service_endpoints[si]) {
        const Workload& pod = c.workloads[wi];
        if (!EndpointReady(s, pod) || served.count(pod.network) ||
            reported.count(pod.network))
          continue;
        // A cluster on another network whose copy of the service is global
        // too: its clients would reach this pod through the gateway.
        const Cluster* other = nullptr;
        for (const Cluster& o : sc.mesh.clusters) {
          const Service* os =
              o.network != pod.network ? o.FindService(s.Key()) : nullptr;
          if (os && GlobalService(sc.mesh, o, *os)) {
            other = &o;
            break;
          }
        }
        if (!other) continue;
        reported.insert(pod.network);
        out.push_back(MakeFinding(
            "network-without-east-west-gateway",
            "network " + pod.network + " has no ready east-west gateway, " +
                "but global service " + s.Key() + " has ready endpoints " +
                "on it in cluster " + c.name + " and also lives in cluster " +
                other->name + " on network " + other->network +
                ": istiod builds no cross-network endpoint without the " +
                "network's east-west gateway, so clients on other networks " +
                "never reach these pods, and their requests fail where no " +
                "other endpoint remains (§7.2)",
            c.name, {{s.kind, s.Key(), s.location}},
            "declare a Gateway of class istio-east-west in istio-system "
            "labelled topology.istio.io/network=" +
                pod.network +
                " with a ready replica in one cluster of that network"));
      }
    }
}

// §2.3, §2.7: a workload whose own use-waypoint label does not bind.
void WorkloadBindingRules(const Scenario& sc, const Cluster& c,
                          std::vector<Finding>& out) {
  for (const Workload& w : c.workloads) {
    if (w.role != WorkloadRole::kApplication ||
        !FindLabel(w.labels, kLabelUseWaypoint))
      continue;
    Binding b = WorkloadWaypoint(sc.mesh, c, w);
    if (b.status != BindingStatus::kNotReady &&
        b.status != BindingStatus::kUnsupportedTrafficType &&
        b.status != BindingStatus::kAttachmentDenied)
      continue;
    const std::string rule =
        b.status == BindingStatus::kNotReady ? "dangling-use-waypoint"
        : b.status == BindingStatus::kUnsupportedTrafficType
            ? "waypoint-for-mismatch"
            : "waypoint-attachment-denied";
    const bool entry = !w.service_entry.empty();  // §3.4: in the entry
    out.push_back(MakeFinding(
        rule, b.why, c.name,
        {{entry ? "ServiceEntry" : w.kind,
          entry ? w.ns + "/" + w.service_entry : w.Key(),
          b.label_location.Known() ? b.label_location : w.location}},
        ""));
  }
}

// §3.7, K11: a route at a service's waypoint to another service with its own
// waypoint, which a waypoint never forwards to. A backend names a Service
// (a Gateway API backendRef) or a host (a VirtualService destination, a
// Hostname backendRef: any service by host, short names in the route's
// namespace).
void RouteAcrossWaypoints(const Scenario& sc, const Cluster& c,
                          const HttpRoute& r, const Service& s,
                          const Binding& b, std::vector<Finding>& out) {
  std::set<std::string> said;
  for (const HttpRouteRule& rule : r.rules)
    for (const BackendRef& be : rule.backends) {
      const Service* bs = nullptr;
      if (be.kind == "Hostname") {
        const std::vector<size_t> idx = c.ServicesForHost(
            ExpandHost(be.name, be.ns.empty() ? r.ns : be.ns), be.ns, true);
        if (!idx.empty()) bs = &c.services[idx.front()];
      } else {
        bs = c.FindService(be.ns + "/" + be.name);
      }
      if (!bs || bs == &s || !said.insert(bs->Key()).second) continue;
      Binding bb = ServiceWaypoint(sc.mesh, c, *bs);
      if (!bb.waypoint || bb.waypoint == b.waypoint) continue;
      out.push_back(MakeFinding(
          "waypoint-bypass",
          r.kind + " " + r.Key() + " at waypoint " + b.waypoint->Key() +
              " sends " + s.Key() + "'s requests to " + bs->Key() +
              ", whose waypoint " + bb.waypoint->Key() +
              " a waypoint never forwards to: those requests skip it (§3.7, "
              "K11)",
          c.name,
          {{r.kind, r.Key(), be.location}, {bs->kind, bs->Key(), bs->location}},
          "route to a service served by the same waypoint, or apply " +
              bb.waypoint->Key() + "'s policies at " + b.waypoint->Key() +
              " too"));
    }
}

// §9, §2.7: a route attached to a service without a waypoint, which ambient
// clients ignore.
void RouteNotRespected(const Cluster& c, const HttpRoute& r, const ParentRef& p,
                       const Service& s, std::vector<Finding>& out) {
  out.push_back(MakeFinding(
      "route-not-respected",
      "HTTPRoute " + r.Key() + " is attached to " + s.Key() +
          ", which has no waypoint: ambient clients ignore it (§9)",
      c.name, {{"HTTPRoute", r.Key(), p.location}},
      "bind " + s.Key() + " to a waypoint (istio.io/use-waypoint)"));
}

// K11 for every route a service's accepted waypoint applies (its GAMMA
// routes and VirtualServices, §16.2) when the encoding does not state them
// (where it does, the solver decides K11 in Prove); route-not-respected for
// a route attached to a service without one.
void ServiceRoutes(const Scenario& sc, const Cluster& c,
                   std::vector<Finding>& out) {
  const IstioVersion ver = c.VersionOr(sc.mesh.istio.version);
  for (const Service& s : c.services) {
    Binding b = ServiceWaypoint(sc.mesh, c, s);
    if (b.status != BindingStatus::kAccepted || !b.waypoint) continue;
    std::vector<const HttpRoute*> attached;
    for (const HttpRoute& r : c.routes)
      if (GammaParentPort(r, s, 0) >= 0) attached.push_back(&r);
    const std::vector<const HttpRoute*> routes =
        VirtualServicesAtWaypoint(c, *b.waypoint, s, attached, ver);
    if (routes.empty() || RoutesEncodable(sc.mesh, c, s, nullptr)) continue;
    std::set<const HttpRoute*> seen;
    for (const HttpRoute* r : routes)
      if (seen.insert(r).second) RouteAcrossWaypoints(sc, c, *r, s, b, out);
  }
  for (const HttpRoute& r : c.routes)
    for (const ParentRef& p : r.parents) {
      if (p.kind != "Service" && p.kind != "ServiceEntry") continue;
      const Service* s = c.FindService(p.ns + "/" + p.name);
      if (!s) continue;
      if (ServiceWaypoint(sc.mesh, c, *s).status != BindingStatus::kAccepted)
        RouteNotRespected(c, r, p, *s, out);
    }
}

// Whether `p`'s selector (none: every pod) picks an ambient application pod,
// whose policies ztunnel enforces (§8.2): a policy in the root namespace
// looks at every namespace, any other at its own. Pods with an Envoy of
// their own (sidecars, ingress gateways) enforce HTTP attributes themselves.
bool SelectsAmbientPod(const Mesh& mesh, const Cluster& c,
                       const AuthorizationPolicy& p) {
  const bool root = p.ns == mesh.istio.root_namespace;
  for (const Workload& w : c.workloads)
    if ((root || w.ns == p.ns) && w.capture == Capture::kAmbient &&
        w.role == WorkloadRole::kApplication &&
        (!p.selector || SelectorMatches(*p.selector, w.SelectorLabels())))
      return true;
  return false;
}

// §8.2, K19: a policy that applies to ambient workloads by label, or to a
// whole namespace (no selector; the root namespace's to the mesh), and has
// HTTP attributes, which ztunnel enforces at L4 only (istiod converts
// every scope alike, authorization.go).
void L7PolicyWithoutWaypoint(const Mesh& mesh, const Cluster& c,
                             std::vector<Finding>& out) {
  for (const AuthorizationPolicy& p : c.authorization_policies) {
    if (p.target_refs.size()) continue;
    if (!SelectsAmbientPod(mesh, c, p)) continue;
    if (p.action == PolicyAction::kCustom || p.action == PolicyAction::kAudit)
      continue;
    // What istiod's status says of the policy's conversion for ztunnel.
    std::set<std::string> found;
    bool enforced = false;  // some rule is left that ztunnel evaluates
    bool widened = false;   // a DENY rule matching more without them
    bool emptied = false;   // a DENY rule left with an empty clause
    for (const PolicyRule& r : p.rules) {
      std::set<std::string> here = ZtunnelHttpAttributes(r);
      const bool dropped = ZtunnelDropsRule(r, p.action);
      enforced |= !dropped;
      // An entry keeping L4 fields matches more; one of HTTP fields only
      // is dropped from its clause, and the rule matches less.
      const DenyRuleChange change = ZtunnelDenyRuleChange(r);
      widened |= !here.empty() && !dropped && change.widened;
      emptied |= !here.empty() && (dropped || change.narrowed);
      found.merge(here);
    }
    if (found.empty()) continue;
    std::string names;
    for (const std::string& f : found) names += (names.empty() ? "" : ", ") + f;
    const std::string effect =
        p.action == PolicyAction::kAllow
            ? "its rules with them are left out and never match, so it "
              "allows less than written"
        : !enforced ? "once they are left out no rule remains that ztunnel can "
                      "enforce: the policy has no effect there"
        : widened && emptied
            ? "ztunnel enforces it without them, which denies more than "
              "written where an entry keeps L4 fields and less where an "
              "entry or a whole rule is left out"
        : widened ? "ztunnel enforces it without them, which denies more than "
                    "written"
                  : "its entries or rules with them are left out and never "
                    "match at ztunnel, so it denies less than written";
    out.push_back(MakeFinding(
        "l7-policy-without-waypoint",
        "AuthorizationPolicy " + p.Key() + " (" + PolicyActionName(p.action) +
            ") " +
            (p.selector ? std::string("selects ambient workloads by label")
             : p.ns == mesh.istio.root_namespace
                 ? std::string("applies to every ambient workload of the "
                               "mesh (root namespace, no selector)")
                 : "applies to every ambient workload of namespace " + p.ns +
                       " (no selector)") +
            " and has HTTP attributes ztunnel does not support (found: " +
            names + "): " + effect + " (§8.2, K19)",
        c.name, {{"AuthorizationPolicy", p.Key(), p.location}},
        "attach it to the waypoint with targetRefs (Gateway or Service) and "
        "bind the workloads"));
  }
}

// §2.5, §15.1: Solo's use-waypoint=auto on a namespace and on its services
// (Mesh::Finalize's note).
void AutoWaypointCollision(const Scenario& sc, std::vector<Finding>& out) {
  for (const Diagnostic& d : sc.mesh.notes) {
    if (d.message.find("use-waypoint=auto") == std::string::npos) continue;
    // The note names its Service or ServiceEntry and cluster.
    const DiagnosticObject& o = d.object;
    out.push_back(
        MakeFinding("auto-waypoint-collision", d.message, o.cluster,
                    {{o.kind.empty() ? "Service" : o.kind,
                      o.name.empty() ? "" : o.ns + "/" + o.name, d.location}},
                    "label either the namespace or its services "
                    "with istio.io/use-waypoint=auto, not both"));
  }
}

// §16.9: objects and ambient pods in namespaces outside
// meshConfig.discoverySelectors (Mesh::Finalize's notes).
void UndiscoveredNamespace(const Scenario& sc, std::vector<Finding>& out) {
  for (const Diagnostic& d : sc.mesh.notes) {
    if (d.rule != "undiscovered-namespace") continue;
    const std::string name =
        d.object.ns.empty() ? d.object.name : d.object.ns + "/" + d.object.name;
    out.push_back(MakeFinding(
        "undiscovered-namespace", d.message, d.object.cluster,
        {{d.object.kind, name, d.location}},
        "label the namespace so that a discovery selector matches it, or "
        "move the objects to a discovered namespace"));
  }
}

// §9, §16.2: whether service `s`'s waypoint `wp` routes it at L7 itself:
// GAMMA routes on the service, or VirtualServices the waypoint applies.
bool WaypointRoutes(const Scenario& sc, const Cluster& c, const Service& s,
                    const Gateway& wp) {
  for (const HttpRoute& mr : c.routes)
    for (const ParentRef& p : mr.parents)
      if (p.kind == "Service" && p.ns == s.ns && p.name == s.name) return true;
  return !VirtualServicesAtWaypoint(c, wp, s, {},
                                    c.VersionOr(sc.mesh.istio.version))
              .empty();
}

// Whether a route rule does L7 work beyond picking one backend: a split,
// filters (header changes, rewrites, redirects), a fault or a mirror.
bool RuleDoesL7(const HttpRouteRule& rule) {
  return rule.backends.size() > 1 || !rule.filters.empty() || rule.fault ||
         rule.mirror;
}

// K15, §15: L7 of the same kind at both tiers: an ingress route that splits
// or filters, to a service whose waypoint (used by the ingress) has routes
// of its own. `route` is the ingress's (an HTTPRoute on a Gateway API
// ingress, or a VirtualService bound to an Istio Gateway, §16.3); `target`
// the service one of its backends names.
// `concerned` counts the (ingress route rule, backend) pairs the property is
// about, violated or not: a service the ingress reaches through its
// waypoint.
void DoubleL7(const Scenario& sc, const Cluster& c, const std::string& ingress,
              const HttpRoute& r, const HttpRouteRule& rule,
              const Service& target, size_t& concerned,
              std::vector<Finding>& out) {
  Binding b = ServiceWaypoint(sc.mesh, c, target);
  std::string iwhy;
  if (!IngressUsesWaypoint(sc.mesh, c, target, b, &iwhy)) return;
  ++concerned;
  if (!RuleDoesL7(rule) || !b.waypoint ||
      !WaypointRoutes(sc, c, target, *b.waypoint))
    return;
  const std::string kind = r.IsVirtualService() ? "VirtualService" : r.kind;
  out.push_back(MakeFinding(
      "double-l7",
      "requests from ingress " + ingress + " to " + target.Key() +
          " get routing at both tiers: " + kind + " " + r.Key() +
          " at the ingress and the service's routes at waypoint " +
          b.waypoint->Key() +
          (r.IsVirtualService() && r.ForMesh()
               ? ", where the same VirtualService (bound to `mesh` too) "
                 "applies again"
               : "") +
          " (K15, §15, §16.3)",
      c.name, {{kind, r.Key(), rule.location}},
      "keep only backend selection at the gateway and the rest at the "
      "waypoint"));
}

// The routes of each ingress of the cluster (DoubleL7): the HTTPRoutes
// attached to a Gateway API ingress, and the VirtualServices bound to an
// Istio Gateway (§16.3), each backend as the service it names.
void IngressRoutes(const Scenario& sc, const Cluster& c, size_t& concerned,
                   std::vector<Finding>& out) {
  for (const auto& [gk, gw] : c.gateways) {
    if (gw.role != GatewayRole::kIngress) continue;
    for (const HttpRoute& r : c.routes) {
      bool attached = false;
      for (const ParentRef& p : r.parents)
        attached |= p.kind == "Gateway" && p.ns == gw.ns && p.name == gw.name;
      if (!attached) continue;
      for (const HttpRouteRule& rule : r.rules)
        for (const BackendRef& be : rule.backends)
          if (const Service* s = c.FindService(be.ns + "/" + be.name))
            DoubleL7(sc, c, gw.Key(), r, rule, *s, concerned, out);
    }
  }
  for (const HttpRoute& r : c.routes) {
    if (!r.IsVirtualService()) continue;
    std::string gateway;  // the first Istio Gateway it is bound to
    for (const std::string& g : r.gateways) {
      if (g == "mesh") continue;
      const std::string key =
          g.find('/') == std::string::npos ? r.ns + "/" + g : g;
      if (c.istio_gateways.count(key)) {
        gateway = key;
        break;
      }
    }
    if (gateway.empty()) continue;
    for (const HttpRouteRule& rule : r.rules)
      for (const BackendRef& be : rule.backends) {
        const std::vector<size_t> idx =
            c.ServicesForHost(be.name, be.ns, /*sidecar=*/true);
        if (!idx.empty())
          DoubleL7(sc, c, "Istio Gateway " + gateway, r, rule,
                   c.services[idx.front()], concerned, out);
      }
  }
}

}  // namespace

LintResult Lint(const Scenario& sc) {
  LintResult result;
  std::vector<Finding>& out = result.findings;
  std::set<std::string> missing_reported;  // waypoint-missing-in-cluster
  // Every service's binding, found once: K13 compares each service's with
  // its namesakes' in the other clusters.
  // A thread per cluster: each writes only its own.
  const size_t n = sc.mesh.clusters.size();
  std::vector<std::vector<Binding>> bindings(n);
  ParallelFor(n, HardwareJobs(n), [&](size_t ci) {
    const Cluster& c = sc.mesh.clusters[ci];
    bindings[ci].reserve(c.services.size());
    for (const Service& s : c.services)
      bindings[ci].push_back(ServiceWaypoint(sc.mesh, c, s));
  });
  // The services some cluster binds to no waypoint: K13 looks for a
  // namesake elsewhere only for these.
  std::unordered_set<std::string> unbound;
  for (size_t ci = 0; ci < n; ++ci)
    for (size_t si = 0; si < bindings[ci].size(); ++si)
      if (!bindings[ci][si].waypoint)
        unbound.insert(sc.mesh.clusters[ci].services[si].Key());
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci) {
    const Cluster& c = sc.mesh.clusters[ci];
    const std::vector<std::string> no_dns = OwnersWithoutDnsCapture(sc.mesh, c);
    for (size_t si = 0; si < c.services.size(); ++si) {
      const Service& s = c.services[si];
      if (s.Shadowed()) continue;  // out of WDS: lint service-entry-shadowed
      const Binding& b = bindings[ci][si];
      ServiceBindingRules(c, s, b, out);
      WaypointUnavailable(sc.mesh, c, s, b, out);
      ServiceEntryWithoutAddress(sc.mesh, c, s, b, out);
      ServiceEntryUnknownWithoutDns(c, s, b, no_dns, out);
      SandwichLoop(c, s, b, out);
      GlooWaypointUnsupported(sc, c, s, b, out);
      if (PeeringOn(sc.mesh) || unbound.count(s.Key()))
        WaypointMissingInCluster(sc, c, s, b, bindings, missing_reported, out);
    }
    WorkloadBindingRules(sc, c, out);
    ServiceRoutes(sc, c, out);
    L7PolicyWithoutWaypoint(sc.mesh, c, out);
    AutoWaypointCollision(sc, out);  // the mesh's notes, with each cluster
    IngressRoutes(sc, c, result.double_l7_concerned, out);
  }
  UndiscoveredNamespace(sc, out);
  EastWestGatewaysShareNetwork(sc, out);
  NetworkWithoutEastWestGateway(sc, out);
  return result;
}

}  // namespace meshsim::verify
