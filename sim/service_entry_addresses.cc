// The data-plane graph builder (sim/dataplane_builder.h): a ServiceEntry's
// own addresses, its inline endpoints named by a hostname and, with no
// endpoint at all, the original destination or the name DNS resolves
// (§3.4).
#include <algorithm>
#include <string>

#include "model/binding.h"
#include "model/text.h"
#include "sim/dataplane_builder.h"

namespace meshsim {
namespace dataplane {

// A ServiceEntry's own addresses: its inline endpoints and, with no endpoint
// at all, the original destination or a DNS name (§3.4). Returns true when
// that ends the choice (no "no healthy endpoints" failure follows).
namespace {
// §3.4: the port an Envoy's ORIGINAL_DST cluster dials for a passthrough
// (NONE) entry's port: its targetPort, else the port itself.
int PassthroughPort(const Service& s, int port) {
  const ServicePort* sp = s.FindPort(port);
  return sp && sp->target_port ? sp->target_port : port;
}
}  // namespace

bool Builder::ToServiceEntryAddresses(Vertex from, const State& base,
                                      const Service& s, int svc_cluster,
                                      int svc, int port, double total,
                                      const std::string& why, double share,
                                      int route) {
  for (const Service::Endpoint& ep : s.inline_endpoints) {
    if (ep.workload) continue;  // an IP address: a workload, sent to above
    const ServicePort* sp = s.FindPort(port);
    int to = sp && sp->target_port ? sp->target_port : port;
    if (sp && ep.ports.count(sp->name)) to = ep.ports.at(sp->name);
    const std::string ewhy =
        why + "; ServiceEntry " + s.Key() + " endpoint " + ep.address;
    // §16.7: a name that resolves to a Service of the cluster (istiod
    // gives it a hostname workload, the proxy resolves it) is no external.
    if (AddressThroughKubeProxy(from, base, svc_cluster, ep.address, true, to,
                                ewhy, share / total, route))
      continue;
    ToExternal(from, ep.address + ":" + std::to_string(to), ewhy, share / total,
               route);
  }
  if (total == 0 && !s.selector && s.resolution == "NONE" &&
      base.act == Act::kWaypoint && !base.dst_ip.empty() &&
      W(base.cluster, base.wl).capture == Capture::kAmbient) {
    // §3.5, K18: a captured ("sandwich") waypoint passing the request
    // through dials the original address itself; its own ztunnel captures
    // that, and no check keeps service-addressed traffic from going back
    // to the waypoint bound to the address: a loop.
    State n = base;
    n.act = Act::kClientZtunnel;
    n.waypoint.clear();
    n.header.clear();
    n.svc_cluster = svc_cluster;
    n.svc = svc;
    n.port = port;
    Emit(from, n,
         why + "; ServiceEntry " + s.Key() +
             " passes through to the original destination, which the "
             "captured waypoint dials itself: its ztunnel captures the "
             "connection (§3.5, K18)",
         share, route);
    return true;
  }
  if (total == 0 && !s.selector && s.resolution == "NONE" &&
      base.act == Act::kWaypoint && !base.dst_ip.empty() &&
      PassThroughToClusterIp(from, base, s, PassthroughPort(s, port), why,
                             share, route))
    return true;
  if (total == 0 && !s.selector && s.resolution == "STATIC") {
    // §3.4 (serviceEntryWorkloadBuilder): a STATIC entry has only the
    // endpoints it lists or selects.
    Fail(from,
         "ServiceEntry " + s.Key() +
             " is STATIC with no endpoints and no workloadSelector: there is "
             "no address to send to (NoHealthyUpstream, §3.4)",
         why, share, route);
    return true;
  }
  if (total == 0 && !s.selector && s.resolution == "NONE" &&
      base.act == Act::kClientZtunnel &&
      std::find(s.vips.begin(), s.vips.end(), base.dst_ip) != s.vips.end()) {
    // §3.4: ztunnel 1.23-1.27 has no upstream for a service address with
    // no endpoints (outbound.rs build_request: NoHealthyUpstream); 1.22
    // passed it through, 1.28 gives a NONE entry a passthrough balancer.
    const IstioVersion v = Version(base.cluster);
    if (v.AtLeast(1, 23) && !v.AtLeast(1, 28)) {
      Fail(from,
           "ServiceEntry " + s.Key() +
               " resolves NONE with no endpoints: " + "ztunnel " +
               std::to_string(v.major) + "." + std::to_string(v.minor) +
               " has no upstream for its address " + base.dst_ip +
               " (NoHealthyUpstream; the passthrough came in 1.28, §3.4)",
           why, share, route);
      return true;
    }
  }
  if (total == 0 && !s.selector) {
    // §3.4: no endpoints: passthrough to the original destination, or (DNS
    // resolutions) one endpoint per host, named by the host asked for.
    std::string host = s.Hostname();
    std::string asked = requests_[base.req].host;
    asked = asked.substr(0, asked.find(':'));
    for (const std::string& h : s.hosts)
      if (h == asked) host = h;
    // The host whose address was dialled owns the cluster (istiod makes a
    // service per host), whatever the Host header says.
    const std::string dialled = MatchedHost(s);
    if (dialled.rfind('*', 0) != 0 &&
        AsciiLower(dialled) == AsciiLower(t_.to.host))
      host = dialled;
    // §3.4: a DNS entry's endpoint is the host on the port's targetPort.
    const ServicePort* sp = s.FindPort(port);
    const int target = sp && sp->target_port ? sp->target_port : port;
    if (s.resolution == "DYNAMIC_DNS") {
      if (base.act != Act::kClientZtunnel) {
        // §3.4: an Envoy's dynamic forward proxy resolves the name the
        // request asks for (its Host header), not the entry's wildcard.
        ToExternal(from, asked + ":" + std::to_string(target),
                   why + "; ServiceEntry " + s.Key() +
                       " is DYNAMIC_DNS: the proxy resolves " + asked +
                       ", the host asked for",
                   share, route);
        return true;
      }
      if (host.rfind('*', 0) == 0) {
        // §3.4: ztunnel resolves the endpoint istiod made of the entry's
        // host itself, and a wildcard is no name DNS answers.
        Fail(from,
             "ServiceEntry " + s.Key() + " is DYNAMIC_DNS with no waypoint: " +
                 "ztunnel resolves its endpoint " + host +
                 " by DNS, which has no address for a wildcard (istiod "
                 "warns: no valid waypoint; §3.4)",
             why, share, route);
        return true;
      }
    }
    // An address block is no address: its host was dialled by name.
    const bool dialled_ip =
        !base.dst_ip.empty() && base.dst_ip.find('/') == std::string::npos;
    const std::string where =
        s.resolution == "NONE" && dialled_ip ? base.dst_ip : host;
    // §3.4: NONE keeps the dialled port at ztunnel; an Envoy's ORIGINAL_DST
    // cluster takes the targetPort (PassthroughTargetPorts).
    const int to = s.resolution != "NONE" || base.act != Act::kClientZtunnel
                       ? target
                       : port;
    std::string how = s.resolution == "NONE"
                          ? "to the original destination (passthrough)"
                          : "by DNS to " + host;
    if (s.resolution == "NONE" && to != port)
      how += ", on its targetPort " + std::to_string(to);
    ToExternal(from, where + ":" + std::to_string(to),
               why + "; ServiceEntry " + s.Key() + " resolves " + how, share,
               route);
    return true;
  }
  return false;
}

// §3.4, §7.2: a host with no DNS record at all for the client (ztunnel's
// DNS proxy has none for a Service whose VIPs are all on other networks).
void Builder::NoDnsRecord(Vertex v, int ci, const Workload& src) {
  const Cluster& c = mesh_.clusters[ci];
  // Only ztunnel's DNS proxy answers for another cluster's (global)
  // Service, and only with the VIPs on the client's network; kube-dns,
  // which the others ask, knows its own cluster's Services only.
  const bool proxy =
      src.capture == Capture::kAmbient && DnsCaptured(mesh_.istio, c, src);
  std::string where;
  for (size_t oi = 0; proxy && oi < mesh_.clusters.size(); ++oi) {
    const Cluster& o = mesh_.clusters[oi];
    if (o.network == c.network) continue;
    for (size_t k : o.ServicesForHost(t_.to.host, src.ns, false))
      if (IsGlobal(static_cast<int>(oi), o.services[k])) {
        where += (where.empty() ? "" : ", ") + o.name;
        break;
      }
  }
  // §3.3, §3.6: kube-dns (and ztunnel's proxy, from the same endpoints)
  // publishes a headless Service's ready endpoints only, unless
  // publishNotReadyAddresses: a name with none has no address.
  std::string headless;
  if (std::optional<size_t> pod = c.PodForDnsName(t_.to.host, src.ns, false))
    headless = ": pod " + c.workloads[*pod].Key() +
               ", whose DNS name it is, is not a ready endpoint of its "
               "headless Service, and kube-dns publishes ready endpoints "
               "only (§3.3, §3.6)";
  for (size_t k :
       c.ServicesForHost(t_.to.host, src.ns, src.capture == Capture::kSidecar))
    if (headless.empty() && c.services[k].headless)
      headless = ": headless Service " + c.services[k].Key() +
                 " has no ready endpoint, and kube-dns publishes ready "
                 "endpoints only (§3.3, §3.6)";
  Fail(v,
       "no DNS record for " + t_.to.host + " in cluster " + c.name +
           (!headless.empty() ? headless
            : !where.empty()
                ? ": its global Service is in cluster(s) " + where +
                      " on other networks, and ztunnel's DNS proxy answers "
                      "with the VIPs on the client's network only (§3.4, §7.2)"
            : proxy ? ": no Service, ServiceEntry or pod of this cluster, "
                      "nor a global Service on its network, has the name "
                      "(§3.4, §7.1)"
                    : ": kube-dns, which this client asks, knows only "
                      "cluster " +
                          c.name + "'s Services (§3.4)"),
       "");
}

// §3.1: a Service's VIP answers only on its declared ports: kube-proxy has
// no rule for another one; ztunnel sends any port of a bound VIP to its
// waypoint, which has a filter chain for the declared ports only, and has
// no upstream for it otherwise (NoHealthyUpstream; 1.22 passed it through).
std::string Builder::UndeclaredPortReason(const Workload& src,
                                          int client_cluster, int ci,
                                          const Service& svc) const {
  const std::string undeclared =
      "service " + svc.Key() + " has no port " + std::to_string(t_.to.port);
  if (src.capture != Capture::kAmbient)
    return undeclared + ": nothing listens there and the connection is refused";
  const Binding b = ServiceWaypoint(mesh_, mesh_.clusters[ci], svc);
  if (b.waypoint)
    return undeclared + ": its waypoint " + b.waypoint->Key() +
           " has no filter chain for it and closes the connection (§3.1)";
  if (!mesh_.clusters[client_cluster]
           .VersionOr(mesh_.istio.version)
           .AtLeast(1, 23))
    return undeclared +
           ": ztunnel 1.22 passes it through, and nothing "
           "listens there: the connection is refused (§3.1)";
  return undeclared +
         ": ztunnel has no upstream for it (NoHealthyUpstream, "
         "§3.1)";
}

// §16.7, §16.9: a waypoint passing a NONE entry's request through to an
// in-cluster ClusterIP (a discovered Service's, or one istiod does not
// discover): true when it sent it there.
bool Builder::PassThroughToClusterIp(Vertex from, const State& base,
                                     const Service& s, int port,
                                     const std::string& why, double share,
                                     int route) {
  // §16.7: passing through to an in-cluster ClusterIP: the waypoint dials
  // it in plain TCP, and kube-proxy on its node sends the connection to an
  // endpoint of the Service that owns the address.
  const Cluster& wc = mesh_.clusters[base.cluster];
  auto vip = wc.service_by_vip.find(base.dst_ip);
  if (vip != wc.service_by_vip.end()) {
    for (size_t si : vip->second) {
      if (wc.services[si].kind != "Service") continue;
      State n = base;
      n.peer.clear();  // plaintext: no identity
      n.peer_ip = W(base.cluster, base.wl).ip;
      n.svc_cluster = base.cluster;
      n.svc = static_cast<int>(si);
      ToServiceEndpoints(
          from, n, base.cluster, base.wl, base.cluster, static_cast<int>(si),
          port, false, "",
          why + "; ServiceEntry " + s.Key() + " passes through to " +
              base.dst_ip + ", the ClusterIP of " +
              SvcName(base.cluster, static_cast<int>(si)) +
              ": kube-proxy on the waypoint's node picks one of its "
              "endpoints (§16.7)",
          true, share, route);
      return true;
    }
  }
  // §16.9: the same for a Service istiod does not discover.
  if (const Service* u = wc.UndiscoveredServiceForVip(base.dst_ip)) {
    const std::vector<size_t> eps = wc.KubeProxyEndpoints(*u, port);
    State n = base;
    n.peer.clear();
    n.peer_ip = W(base.cluster, base.wl).ip;
    for (size_t wi : eps) {
      const EpRef e{base.cluster, static_cast<int>(wi)};
      ToEndpoint(from, n, e, TargetPort(*u, port, e),
                 why + "; ServiceEntry " + s.Key() + " passes through to " +
                     base.dst_ip + ", the ClusterIP of service " + u->Key() +
                     " (outside istio.meshConfig.discoverySelectors): "
                     "kube-proxy on the waypoint's node picks one of its "
                     "pods (§16.7, §16.9)",
                 share / static_cast<double>(eps.size()), route);
    }
    if (!eps.empty()) return true;
  }
  return false;
}

// §16.7: an endpoint at a Service's external address (a WorkloadEntry or
// inline endpoint naming, say, an ingress's LoadBalancer IP) is reached in
// plain TCP; kube-proxy sends the connection to one of that Service's pods,
// an ingress pod then routing it as its own (§5, §16.3). So is a
// WorkloadEntry named by a host name (istiod sends it as the workload's
// hostname, which ztunnel resolves when it connects, with its own pod's
// search path, istio-system's; an Envoy with its pod's): a Service's name
// resolves (kube-dns) to its
// ClusterIP, which kube-proxy forwards on its declared ports only, or, for a
// headless Service, to its ready pods themselves. False when `ep` is neither.
bool Builder::ThroughKubeProxy(Vertex from, const State& base, const EpRef& ep,
                               int port, const std::string& why, double share,
                               int route) {
  const Workload& w = W(ep.cluster, ep.wl);
  return AddressThroughKubeProxy(from, base, ep.cluster, w.ip,
                                 w.kind == "WorkloadEntry", port, why, share,
                                 route);
}

bool Builder::AddressThroughKubeProxy(Vertex from, const State& base, int ci,
                                      const std::string& address,
                                      bool may_be_name, int port,
                                      const std::string& why, double share,
                                      int route) {
  const Cluster& c = mesh_.clusters[ci];
  auto e = c.service_by_external_address.find(address);
  std::optional<size_t> named;
  const Hop& by = g_[from].hop;
  if (e == c.service_by_external_address.end() && may_be_name) {
    std::string host = AsciiLower(address);
    if (!host.empty() && host.back() == '.') host.pop_back();  // absolute
    // The resolving proxy's search path: ztunnel's pod's (istio-system),
    // an Envoy's own pod's.
    const std::string resolver_ns =
        by.kind == HopKind::kZtunnel || by.name.find('/') == std::string::npos
            ? "istio-system"
            : by.name.substr(0, by.name.find('/'));
    for (size_t si : c.ServicesForHost(host, resolver_ns))
      if (c.services[si].kind == "Service" && !c.services[si].external_name &&
          !named)
        named = si;
  }
  if (e == c.service_by_external_address.end() && !named) return false;
  const Service& lb = c.services[named ? *named : e->second];
  const bool headless = named && lb.headless;
  const std::string kwhy =
      why + "; " + address +
      (!named ? " is an external address of service " + lb.Key() +
                    ": kube-proxy sends the connection to one of its pods"
       : headless
           ? " resolves (kube-dns) to the ready pods of headless "
             "service " +
                 lb.Key()
           : " resolves (kube-dns) to the ClusterIP of service " + lb.Key() +
                 ": kube-proxy sends the connection to one of its "
                 "pods") +
      " (§16.7)";
  const std::vector<size_t> pods = c.KubeProxyEndpoints(lb);
  if (pods.empty() || (!headless && !lb.FindPort(port))) {
    Fail(from,
         "service " + lb.Key() +
             (pods.empty() ? " has no ready pod: the connection is refused"
                           : " has no port " + std::to_string(port) +
                                 ": kube-proxy forwards none there"),
         kwhy, share, route);
    return true;
  }
  // Plain TCP, no identity reaching the pod; but a sidecar or ingress told
  // ISTIO_MUTUAL by a DestinationRule sends Istio mTLS to the address,
  // which the pod's sidecar accepts (§16.1).
  State plain = base;
  if (!(base.tls_mutual &&
        (by.kind == HopKind::kSidecar || by.kind == HopKind::kIngress)))
    plain.peer.clear();
  for (size_t pi : pods) {
    const EpRef to{ci, static_cast<int>(pi)};
    // kube-proxy's DNAT: the pod's targetPort (an ingress pod's hop
    // translates it back to its servers, IstioServerListenPort); a headless
    // Service's pod is dialled on the port itself.
    ToEndpoint(from, plain, to, headless ? port : TargetPort(lb, port, to),
               kwhy, share / pods.size(), route);
  }
  return true;
}

// §2.4: the NAMESPACE- or NONE-visibility ServiceEntry that `src` does not
// see whose host `host` is (exactly, or under a wildcard host), if any.
const Service* Builder::HiddenEntryHost(const Workload& src,
                                        const std::string& host) const {
  const bool sidecar = src.capture == Capture::kSidecar;
  for (const Cluster& c : mesh_.clusters)
    for (const Service& e : c.services) {
      if (!e.namespace_only || Cluster::Visible(e, src.ns, sidecar)) continue;
      for (const std::string& h : e.hosts)
        if (EntryHostMatches(h, host)) return &e;
    }
  return nullptr;
}

// §2.4: a request to the host of an entry `src` does not see: the entry is
// absent for it, not blocked, so the name goes to the cluster's upstream
// DNS. That has an external host (MESH_EXTERNAL), whose real address the
// client's proxy passes through; an internal one (MESH_INTERNAL) it does
// not know.
std::optional<Builder::Dest> Builder::HiddenEntryDest(Vertex v,
                                                      const Workload& src,
                                                      const Service& hidden) {
  const std::string what =
      "ServiceEntry " + hidden.Key() + " of " +
      (hidden.visibility_none ? "NONE visibility shows to no namespace"
                              : "NAMESPACE visibility shows only to its "
                                "own namespace") +
      ", so for " + src.Key() + " it is absent";
  if (hidden.location_kind == "MESH_EXTERNAL") {
    Dest d;
    d.ip = t_.to.host;  // the real address, which no proxy knows
    d.why = what +
            ": the name resolves through the upstream DNS to the external "
            "host's own address (§2.4)";
    return d;
  }
  Fail(v,
       what +
           ", and the upstream DNS has no MESH_INTERNAL host: the "
           "name does not resolve (§2.4)",
       "");
  return std::nullopt;
}

}  // namespace dataplane

}  // namespace meshsim
