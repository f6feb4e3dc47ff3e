// The client side of a request: what the client dialled (by name:
// name_resolution.cc), and the component
// that sends it into the mesh: its node's ztunnel (§3), its own sidecar (§6),
// or nothing at all (an uncaptured client, §1.2).
#include <algorithm>
#include <tuple>

#include "model/binding.h"
#include "model/labels.h"
#include "model/peering.h"
#include "model/policy.h"
#include "model/text.h"
#include "sim/dataplane_builder.h"
#include "sim/routing.h"

namespace meshsim {
namespace dataplane {

namespace {

// `why`, then `more`, as one explanation.
std::string JoinWhy(const std::string& why, const std::string& more) {
  return why.empty() ? more : why + "; " + more;
}

}  // namespace

std::vector<Builder::Dest> Builder::KubeProxyDests(
    int ci, const Workload& src, const Service& s, const std::string& ip,
    const std::string& reason) const {
  const Cluster& c = mesh_.clusters[ci];
  const std::string why =
      !reason.empty()
          ? reason
          : ip + " is the ClusterIP of service " + s.Key() +
                ", whose namespace istio.meshConfig.discoverySelectors leave "
                "out: no proxy knows the address, so the connection passes "
                "through and kube-proxy sends it to one of the service's pods "
                "(§16.9)";
  std::vector<Dest> out;
  if (!s.ports.empty() && !s.FindPort(t_.to.port)) {
    Dest d;
    d.ip = ip;
    d.why = why;
    d.fail = "service " + s.Key() + " has no port " +
             std::to_string(t_.to.port) +
             ": nothing listens there and the connection is refused";
    return {d};
  }
  // §3.8: internalTrafficPolicy Local: kube-proxy on the client's node
  // keeps that node's pods only.
  for (size_t wi : c.KubeProxyEndpoints(s, t_.to.port)) {
    if (s.node_local && c.workloads[wi].node != src.node) continue;
    Dest d;
    d.wl_cluster = ci;
    d.wl = static_cast<int>(wi);
    d.ip = ip;
    d.why = why;
    d.kube_port = TargetPort(s, t_.to.port, {ci, static_cast<int>(wi)});
    out.push_back(d);
  }
  if (out.empty()) {
    Dest d;
    d.ip = ip;
    d.why = why;
    d.fail = "service " + s.Key() +
             (s.node_local ? " has no ready pod on node " + src.node +
                                 " (internalTrafficPolicy Local, §3.8)"
                           : " has no ready pod serving port " +
                                 std::to_string(t_.to.port) + " (§3.4, §3.6)") +
             ": kube-proxy refuses the connection";
    out.push_back(d);
  }
  return out;
}

// §3.6: a pod that has ended (or that a fault window of `run` takes down)
// holds its address no more: istiod makes no workload of it and nothing
// answers there.
void Builder::FailIfEnded(Dest& d) const {
  const Workload& w = W(d.wl_cluster, d.wl);
  if (!w.terminal) return;
  d.fail = "pod " + w.Key() + " at " + w.ip +
           " is not running (it has ended, or a fault window took it down): "
           "nothing answers at its address (§3.6)";
}

// to.pod: ns/name of a workload in the client's cluster.
std::vector<Builder::Dest> Builder::ResolvePod(int ci) const {
  const Cluster& c = mesh_.clusters[ci];
  size_t slash = t_.to.pod.find('/');
  auto pods =
      c.WorkloadsOf(t_.to.pod.substr(0, slash), t_.to.pod.substr(slash + 1));
  if (pods.empty()) return {};  // a pod of another cluster (a witness)
  // A replica that has not ended, when there is one (§3.6).
  const Workload* pod = pods.front();
  for (const Workload* p : pods)
    if (!p->terminal) {
      pod = p;
      break;
    }
  Dest d;
  d.wl_cluster = ci;
  d.wl = static_cast<int>(c.workload_by_key.at(pod->Key()));
  d.ip = pod->ip;
  FailIfEnded(d);
  return {d};
}

// to.ip: a pod, a VIP, a ServiceEntry address, or unknown.
std::vector<Builder::Dest> Builder::ResolveIp(int ci,
                                              const Workload& src) const {
  const Cluster& c = mesh_.clusters[ci];
  Dest d;
  d.ip = t_.to.ip;
  for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
    const Cluster& o = mesh_.clusters[oi];
    if (o.network != c.network) continue;
    auto it = o.workload_by_ip.find(t_.to.ip);
    if (it != o.workload_by_ip.end()) {
      d.wl_cluster = static_cast<int>(oi);
      d.wl = static_cast<int>(it->second);
      FailIfEnded(d);
      return {d};
    }
  }
  auto vit = c.service_by_vip.find(t_.to.ip);
  std::vector<size_t> idx;
  if (vit != c.service_by_vip.end())
    for (size_t si : vit->second)  // §2.4: the ones the client sees
      if (Cluster::Visible(c.services[si], src.ns,
                           src.capture == Capture::kSidecar) &&
          // §3.4: ztunnel has no entry the ambient index leaves out.
          !(src.capture == Capture::kAmbient &&
            c.services[si].out_of_ambient_index))
        idx.push_back(si);
  // §3.4 (ztunnel find_best_match): the client's namespace, then a
  // canonical service (a Kubernetes Service, else the oldest entry).
  auto canonical = [&](size_t a, size_t b) {
    const Service &x = c.services[a], &y = c.services[b];
    if ((x.kind == "Service") != (y.kind == "Service"))
      return x.kind == "Service";
    return x.creation_timestamp < y.creation_timestamp;
  };
  if (!idx.empty()) {
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      const bool na = c.services[a].ns == src.ns,
                 nb = c.services[b].ns == src.ns;
      return na != nb ? na : canonical(a, b);
    });
    d.svc_cluster = ci;
    d.svc = static_cast<int>(idx[0]);
    return {d};
  }
  // §3.4 (get_best_by_cidr_vip): of the blocks holding the address, the
  // client's namespace's, then the longest prefix, then a canonical one; a
  // sidecar's listener picks the longest prefix whatever the namespace.
  // (ztunnel 1.30+: before, istiod sends no entry with a wider block.)
  const int best =
      src.capture == Capture::kSidecar || Version(ci).AtLeast(1, 30)
          ? c.CidrServiceFor(t_.to.ip, src.ns, src.capture == Capture::kSidecar)
          : -1;
  if (best >= 0) {
    d.svc_cluster = ci;
    d.svc = best;
    return {d};
  }
  // §16.9: an address no proxy knows may still be a ClusterIP kube-proxy
  // serves.
  if (const Service* u = c.UndiscoveredServiceForVip(t_.to.ip))
    return KubeProxyDests(ci, src, *u, t_.to.ip);
  // §16.7: a Service's external address (LoadBalancer, externalIPs) is in
  // no proxy's table either; kube-proxy on the client's node serves it.
  if (auto e = c.service_by_external_address.find(t_.to.ip);
      e != c.service_by_external_address.end())
    return KubeProxyDests(ci, src, c.services[e->second], t_.to.ip,
                          t_.to.ip + " is an external address of service " +
                              c.services[e->second].Key() +
                              ": no proxy knows it, so the connection "
                              "passes through and kube-proxy sends it to "
                              "one of the service's pods (§16.7)");
  // §3.4: an address of an entry the ambient index leaves out.
  if (vit != c.service_by_vip.end() && src.capture == Capture::kAmbient)
    for (size_t si : vit->second)
      if (c.services[si].out_of_ambient_index) {
        d.why = t_.to.ip + " is an address of ServiceEntry " +
                c.services[si].Key() +
                ", which lists an address block: before 1.30 istiod leaves "
                "the whole entry out of the ambient index, so ztunnel does "
                "not know the address (§3.4)";
        break;
      }
  return {d};
}

// ---- the source pod ---------------------------------------------------------
void Builder::SourcePod(Vertex v, const State& s) {
  const Workload& src = W(s.cluster, s.wl);
  std::vector<Dest> dests = ResolveDest(s.cluster, src);
  if (dests.empty() && peering_ && !t_.to.host.empty() &&
      IsPeeringHost(mesh_, t_.to.host)) {
    // §15.2: a peering name no peer exports has no entry, so no address.
    Fail(v,
         "no peer exports " + t_.to.host + " to cluster " +
             mesh_.clusters[s.cluster].name +
             " (no autogen ServiceEntry has that host): the name does not "
             "resolve (§15.2)",
         "");
    return;
  }
  if (const Service* hidden = dests.empty() && !t_.to.host.empty()
                                  ? HiddenEntryHost(src, t_.to.host)
                                  : nullptr) {
    std::optional<Dest> d = HiddenEntryDest(v, src, *hidden);
    if (!d) return;
    dests.push_back(*d);
  }
  if (dests.empty() && !t_.to.host.empty()) {
    NoDnsRecord(v, s.cluster, src);
    return;
  }
  for (const Dest& d : dests) {
    State n = s;
    n.svc_cluster = d.svc_cluster;
    n.svc = d.svc;
    n.target_cluster = d.wl_cluster;
    n.target_wl = d.wl;
    n.dst_ip = d.ip;
    n.kube_port = d.kube_port;
    n.external = d.svc < 0 && d.wl < 0 ? d.ip : "";
    n.port = t_.to.port;
    n.client =
        src.capture == Capture::kUncaptured ? "" : Identity(s.cluster, s.wl);
    n.peer = n.client;
    n.peer_ip = src.ip;
    const double share = 1.0 / dests.size();
    const std::string& why = d.why;
    if (!d.fail.empty()) {
      Fail(v, d.fail, why, share);
      continue;
    }
    if (d.svc >= 0) {
      const Service& svc = S(d.svc_cluster, d.svc);
      if (svc.kind == "Service" && !svc.ports.empty() &&
          !svc.FindPort(t_.to.port)) {
        Fail(v, UndeclaredPortReason(src, s.cluster, d.svc_cluster, svc), why,
             share);
        continue;
      }
    }
    if (d.svc >= 0) {
      // §3.4: a ServiceEntry's address answers ztunnel (1.23+) only on its
      // declared ports (load_balance: NoHealthyUpstream), unless it
      // resolves NONE (1.28+: a passthrough load balancer) with no
      // waypoint; its waypoint has no filter chain for another port. A
      // sidecar has no listener for it and passes the connection through
      // (its DNS proxy is off by default: the app dialled the real name).
      const Service& svc = S(d.svc_cluster, d.svc);
      if (svc.kind == "ServiceEntry" && !svc.ports.empty() &&
          !svc.FindPort(t_.to.port)) {
        const Binding b =
            ServiceWaypoint(mesh_, mesh_.clusters[d.svc_cluster], svc);
        const IstioVersion ver =
            mesh_.clusters[s.cluster].VersionOr(mesh_.istio.version);
        const std::string port = std::to_string(t_.to.port);
        const std::string undeclared =
            "ServiceEntry " + svc.Key() + " declares no port " + port;
        if (src.capture == Capture::kAmbient && b.waypoint) {
          Fail(v,
               undeclared + ": its waypoint " + b.waypoint->Key() +
                   " has no listener for it and closes the connection (§3.4)",
               why, share);
          continue;
        }
        if (src.capture == Capture::kAmbient && ver.AtLeast(1, 23) &&
            (svc.resolution != "NONE" || !ver.AtLeast(1, 28))) {
          Fail(v,
               undeclared +
                   ": ztunnel has no upstream for it (NoHealthyUpstream, §3.4)",
               why, share);
          continue;
        }
        if (src.capture == Capture::kSidecar) {
          ToExternal(
              v, (svc.auto_allocated ? t_.to.host : d.ip) + ":" + port,
              JoinWhy(why, undeclared + ": the sidecar has no listener for it "
                                        "and passes the connection through "
                                        "(§3.4)"),
              share);
          continue;
        }
      }
    }
    if (d.wl >= 0 && d.wl_cluster == s.cluster && d.wl == s.wl) {
      // §3.2: calls to one's own pod IP are not captured.
      g_[v].terminal = true;
      g_[v].outcome = Outcome::kDelivered;
      self_why_ =
          JoinWhy(why, "a pod calling its own pod IP is not captured (§3.2)");
      continue;
    }
    switch (src.capture) {
      case Capture::kAmbient:
        n.act = Act::kClientZtunnel;
        Emit(v, n,
             JoinWhy(why, src.capture_why +
                              ": outbound traffic is redirected to the "
                              "node's ztunnel (§1.1)"),
             share);
        break;
      case Capture::kSidecar:
        n.act = Act::kClientSidecar;
        Emit(v, n, JoinWhy(why, src.capture_why), share);
        break;
      case Capture::kUncaptured:
        Uncaptured(v, s, n,
                   JoinWhy(why, src.capture_why +
                                    ": the client is not captured and never "
                                    "reaches a waypoint (§1.2, K1)"),
                   share);
        break;
    }
  }
}

// An uncaptured client: kube-proxy to endpoints, plaintext (§1.2, §4.4).
void Builder::Uncaptured(Vertex v, const State& src, const State& n,
                         const std::string& why, double share) {
  if (n.svc >= 0) {
    const Service& svc = S(n.svc_cluster, n.svc);
    if (svc.peered) {
      // §15.2 addressing: only the mesh's DNS proxies (ztunnel's, a
      // sidecar's) answer for a peering name; no real DNS has it.
      Fail(v,
           svc.Hostname() +
               " is a peering name, which only the mesh's DNS proxies "
               "resolve: a client outside the mesh gets no address (§15.2)",
           why, share);
      return;
    }
    if (svc.kind == "ServiceEntry" || n.svc_cluster != src.cluster) {
      ToExternal(v, svc.Hostname() + ":" + std::to_string(n.port),
                 why + "; " + SvcName(n.svc_cluster, n.svc) +
                     " is known only to ztunnel, so the uncaptured client "
                     "dials the real "
                     "destination",
                 share);
      return;
    }
    ToServiceEndpoints(v, n, src.cluster, src.wl, n.svc_cluster, n.svc, n.port,
                       false, "",
                       why + "; kube-proxy picks an endpoint of " +
                           SvcName(n.svc_cluster, n.svc),
                       true, share);
    return;
  }
  if (n.kube_port >= 0) return KubeProxyPassthrough(v, n, why, share);
  if (n.target_wl >= 0) {
    ToEndpoint(v, n, {n.target_cluster, n.target_wl}, n.port, why, share);
    return;
  }
  ToExternal(v, n.external + ":" + std::to_string(n.port),
             why + "; the address is outside the mesh", share);
}

void Builder::KubeProxyPassthrough(Vertex v, const State& s,
                                   const std::string& why, double share) {
  State plain = s;
  plain.peer.clear();  // plain TCP: no identity reaches the pod
  plain.kube_port = -1;
  // kube-proxy's DNAT: the Service port's targetPort.
  ToEndpoint(v, plain, {s.target_cluster, s.target_wl}, s.kube_port, why,
             share);
}

// ---- the client's ztunnel ---------------------------------------------------
// §9: GAMMA routes on a service without a waypoint are not respected by ambient
// clients.
std::string Builder::IgnoredRoutesNote(int ci, int si) const {
  std::vector<const HttpRoute*> all;
  const Service& s = S(ci, si);
  for (const HttpRoute& r : mesh_.clusters[ci].routes)
    for (const ParentRef& p : r.parents)
      if (p.kind == s.kind && p.ns == s.ns && p.name == s.name) {
        all.push_back(&r);
        break;
      }
  if (all.empty()) return "";
  std::string names;
  for (const HttpRoute* r : all)
    names += (names.empty() ? "" : ", ") + r->kind + " " + r->Key();
  return names + " on " + SvcName(ci, si) +
         " is not respected: the service has no waypoint (§9)";
}

// The replicas in `reps` on `network` (the client's).
std::vector<EpRef> Builder::SameNetwork(const std::vector<EpRef>& reps,
                                        const std::string& network) const {
  std::vector<EpRef> local;
  for (const EpRef& r : reps)
    if (W(r.cluster, r.wl).network == network) local.push_back(r);
  return local;
}

void Builder::ClientZtunnel(Vertex v, const State& s) {
  if (s.kube_port >= 0)
    return KubeProxyPassthrough(
        v, s, "ztunnel knows no such address and passes it through (§3)");
  if (s.svc >= 0) return ClientZtunnelToService(v, s);
  if (s.target_wl >= 0) return ClientZtunnelToPod(v, s);
  ToExternal(v, s.external + ":" + std::to_string(s.port),
             std::string("the address matches no service or workload: "
                         "ztunnel passes it through (§3, K9)") +
                 (mesh_.istio.registry_only
                      ? "; ztunnel does not enforce outboundTrafficPolicy "
                        "REGISTRY_ONLY (§6)"
                      : ""));
}

void Builder::ClientZtunnelToService(Vertex v, const State& s) {
  // §3 (A) / §3.1: service-addressed; the service waypoint wins.
  const Cluster& sc = mesh_.clusters[s.svc_cluster];
  const Service& svc = sc.services[s.svc];
  Binding b = ServiceWaypoint(mesh_, sc, svc);
  if (b.status == BindingStatus::kAccepted) {
    // §2.6: with a canary, each connection samples one of the two.
    std::vector<std::tuple<const Gateway*, std::string, double>> wps;
    const double canary = b.canary ? b.canary_weight / 100.0 : 0.0;
    if (canary < 1.0) wps.push_back({b.waypoint, b.why, 1.0 - canary});
    if (canary > 0.0)
      wps.push_back({b.canary,
                     b.why + "; the connection is sampled to the canary",
                     canary});
    for (const auto& [wp, why, share] : wps) {
      // §7.2: ztunnel picks the waypoint, then looks it up.
      if (UnknownWaypoint(v, s, s.svc_cluster, *wp, why, share)) continue;
      std::vector<EpRef> reps = WaypointReplicas(
          s.svc_cluster, *wp, s.svc_cluster == s.cluster ? s.wl : -1, &svc);
      ToWaypointReplicas(v, s, s.cluster, reps, *wp, s.svc_cluster, s.svc, -1,
                         -1, s.port, "",
                         "waypoint " + wp->Key() + " bound to " +
                             SvcName(s.svc_cluster, s.svc) +
                             " has no healthy pods: ztunnel rejects the "
                             "connection "
                             "(fail closed, §3.6, K17)",
                         why, share);
    }
    return;
  }
  std::string why = b.status == BindingStatus::kNone
                        ? SvcName(s.svc_cluster, s.svc) + " has no waypoint"
                        : b.why;
  if (std::string note = IgnoredRoutesNote(s.svc_cluster, s.svc); !note.empty())
    why += "; " + note;
  // §3.1: service-addressed traffic never takes a workload waypoint (K6).
  if (svc.kind == "Service")
    why +=
        "; service-addressed traffic does not use the pods' workload "
        "waypoints (§3.1)";
  ToServiceEndpoints(v, s, s.cluster, s.wl, s.svc_cluster, s.svc, s.port, true,
                     "", why + "; ztunnel load-balances over the endpoints");
}

// §7.2 (ztunnel state.rs fetch_waypoint; multicluster.go
// mergeServiceInfosWithCluster): another cluster's record names its waypoint
// by host name, which the client's ztunnel looks up in its own cluster's
// view: there only a waypoint of that name in the client's cluster, or one
// whose Service is global, exists. With neither it fails the connection
// (UnknownWaypoint) and says so; false when the waypoint is found.
bool Builder::UnknownWaypoint(Vertex v, const State& s, int record,
                              const Gateway& wp, const std::string& why,
                              double share) {
  if (record == s.cluster || !multicluster_ || peering_) return false;
  const auto found = [&](const Cluster& c) {
    auto it = c.gateways.find(wp.Key());
    return it != c.gateways.end() && it->second.role == GatewayRole::kWaypoint;
  };
  if (found(mesh_.clusters[s.cluster])) return false;
  for (const Cluster& c : mesh_.clusters)
    if (found(c) && WaypointServiceGlobal(mesh_, c, c.gateways.at(wp.Key())))
      return false;
  Fail(v,
       "cluster " + mesh_.clusters[record].name + " names waypoint " +
           wp.Key() + " by its host name, which cluster " +
           mesh_.clusters[s.cluster].name +
           " does not know: it has no waypoint of that name and the "
           "waypoint's Service is not global, so its ztunnel fails the "
           "connection (UnknownWaypoint, §7.2); deploy the waypoint in every "
           "cluster or label its Service istio.io/global=true",
       why, share);
  return true;
}

void Builder::ClientZtunnelToPod(Vertex v, const State& s) {
  const Workload& src = W(s.cluster, s.wl);
  const Cluster& tc = mesh_.clusters[s.target_cluster];
  const Workload& dst = tc.workloads[s.target_wl];
  if (dst.network != src.network) {
    Fail(v,
         dst.Subject() + " is on network " + dst.network +
             ": pod IPs of other networks are not reachable (§7.2)",
         "");
    return;
  }
  // §3.2: ztunnel does not index a host-network pod by its address (the
  // node's): the connection passes through, never to a workload waypoint.
  if (dst.host_network) {
    ToEndpoint(v, s, {s.target_cluster, s.target_wl}, s.port,
               "pod " + dst.Key() +
                   " uses the host network: ztunnel does not index its "
                   "address and passes the connection through, without a "
                   "workload waypoint (§3.2)");
    return;
  }
  // §3.4: an endpoint istiod prunes with its ServiceEntry is unknown to
  // ztunnel, which passes the connection through in plain TCP.
  if (dst.out_of_ambient_index) {
    State plain = s;
    plain.peer.clear();
    ToEndpoint(v, plain, {s.target_cluster, s.target_wl}, s.port,
               dst.Subject() +
                   ": istiod leaves this endpoint out of the ambient index "
                   "with its ServiceEntry (§3.4), so ztunnel does not know "
                   "the address and passes the connection through in plain "
                   "TCP, without the client's identity or a waypoint");
    return;
  }
  // §3.4 (ztunnel find_upstream looks the address up among services, CIDR
  // blocks included, before workloads): a pod address inside the block of
  // a resolution-NONE ServiceEntry is passed through there: plain TCP to
  // the pod, without identity or workload waypoint.
  const Cluster& own = mesh_.clusters[s.cluster];
  if (const int entry =
          own.PassthroughEntryFor(dst.ip, src.ns, Version(s.cluster));
      entry >= 0) {
    State plain = s;
    plain.peer.clear();
    ToEndpoint(v, plain, {s.target_cluster, s.target_wl}, s.port,
               dst.ip + " is an address of ServiceEntry " +
                   own.services[entry].Key() + " (" +
                   (own.services[entry].resolution == "NONE"
                        ? "resolution NONE"
                        : "STATIC, without endpoints") +
                   "; exactly or in a block), which ztunnel looks up before "
                   "workloads: it passes the connection through in plain "
                   "TCP, without the client's identity or a workload "
                   "waypoint (§3.4)");
    return;
  }
  // §3 (B) / §3.2: the workload waypoint, for workload-addressed traffic.
  Binding b = WorkloadWaypoint(mesh_, tc, dst);
  std::string why;
  for (size_t si = 0; si < tc.services.size(); ++si) {
    const auto& eps = tc.service_endpoints[si];
    if (std::find(eps.begin(), eps.end(), static_cast<size_t>(s.target_wl)) ==
        eps.end())
      continue;
    Binding sb = ServiceWaypoint(mesh_, tc, tc.services[si]);
    if (sb.status == BindingStatus::kAccepted) {
      why = "pod-IP traffic does not use the service waypoint " +
            sb.waypoint->Key() + " of " +
            SvcName(s.target_cluster, static_cast<int>(si)) + " (§3.2, K5)";
      break;
    }
  }
  if (b.status == BindingStatus::kAccepted &&
      UnknownWaypoint(v, s, s.target_cluster, *b.waypoint, JoinWhy(why, b.why)))
    return;
  if (b.status == BindingStatus::kAccepted) {
    if (src.gateway == b.waypoint->Key()) {
      ToEndpoint(
          v, s, {s.target_cluster, s.target_wl}, s.port,
          JoinWhy(why, "the source is an instance of " + b.waypoint->Key() +
                           ": not sent through it twice (§3.5)"));
      return;
    }
    std::vector<EpRef> local = PreferClose(
        SameNetwork(WaypointReplicas(s.target_cluster, *b.waypoint, -1),
                    src.network),
        s.cluster, s.wl);
    ToWaypointReplicas(
        v, s, s.cluster, local, *b.waypoint, -1, -1, s.target_cluster,
        s.target_wl, s.port, "",
        "workload waypoint " + b.waypoint->Key() + " of pod " + dst.Key() +
            " has no healthy pods: ztunnel rejects the connection (fail "
            "closed, §3.6)",
        JoinWhy(why, b.why));
    return;
  }
  ToEndpoint(v, s, {s.target_cluster, s.target_wl}, s.port,
             JoinWhy(why, b.status == BindingStatus::kNone
                              ? dst.Subject() + " has no workload waypoint"
                              : b.why));
}

// ---- the client's sidecar ---------------------------------------------------
// §6: a ServiceEntry the client sees, of resolution NONE, without addresses,
// endpoints or workloadSelector, with a port of s.port not declared HTTP:
// its sidecar listens on 0.0.0.0:port and passes any address through
// (listener.go 503-515).
bool Builder::WildcardTcpListener(const State& s) const {
  const Workload& src = W(s.cluster, s.wl);
  for (const Service& e : mesh_.clusters[s.cluster].services) {
    if (e.kind != "ServiceEntry" || e.resolution != "NONE" || !e.vips.empty() ||
        e.selector || !Cluster::Visible(e, src.ns, true))
      continue;
    const auto at = mesh_.clusters[s.cluster].service_by_key.find(e.Key());
    if (at != mesh_.clusters[s.cluster].service_by_key.end() &&
        !mesh_.clusters[s.cluster].service_endpoints[at->second].empty())
      continue;
    const ServicePort* sp = e.FindPort(s.port);
    if (sp && !PortDeclaresHttp(*sp)) return true;
  }
  return false;
}

// §6 (listener.go: HTTP services share the 0.0.0.0:<port> listener, routed
// by the Host header): for an HTTP request to an address the sidecar knows
// no service for, the service of the client's cluster whose host the Host
// names and whose port s.port is not declared TCP; -1 if none.
int Builder::SidecarHostService(const State& s) const {
  const RoutedRequest& r = requests_[s.req];
  if (!r.http || s.svc >= 0 || (s.target_wl >= 0 && s.kube_port < 0)) return -1;
  const std::string host = AsciiLower(r.host.substr(0, r.host.find(':')));
  const Cluster& c = mesh_.clusters[s.cluster];
  const std::string& ns = W(s.cluster, s.wl).ns;
  // listener.go isConflictWithWellKnownPort: when the oldest service on
  // the wildcard listener of the port is MySQL or Mongo, no HTTP service
  // joins it.
  auto server_first = [&](const Service& x) {
    const ServicePort* p = x.FindPort(s.port);
    if (!p) return false;
    std::string n = AsciiLower(p->entry                  ? p->protocol
                               : p->app_protocol.empty() ? p->name
                                                         : p->app_protocol);
    n = n.substr(0, n.find('-'));
    return n == "mysql" || n == "mongo";
  };
  const Service* oldest = nullptr;
  for (const Service& x : c.services) {
    const ServicePort* p = x.FindPort(s.port);
    if (!p || !Cluster::Visible(x, ns, true) ||
        !(PortDeclaresHttp(*p) || x.vips.empty()))
      continue;
    if (!oldest ||
        std::make_pair(x.creation_timestamp, x.Hostname()) <
            std::make_pair(oldest->creation_timestamp, oldest->Hostname()))
      oldest = &x;
  }
  if (oldest && server_first(*oldest)) return -1;
  for (size_t si : c.ServicesForHost(host, ns, true)) {
    const ServicePort* sp = c.services[si].FindPort(s.port);
    if (sp && DeclaredProtocol(*sp) != PortProtocol::kTcp &&
        DeclaredProtocol(*sp) != PortProtocol::kUdp)
      return static_cast<int>(si);
  }
  return -1;
}

void Builder::ClientSidecar(Vertex v, const State& s) {
  // §6: an HTTP request to an unknown address whose Host names a service
  // is that service's, by the shared HTTP listener's virtual hosts.
  if (const int si = SidecarHostService(s); si >= 0) {
    State t = s;
    t.svc = si, t.svc_cluster = s.cluster, t.target_wl = -1, t.kube_port = -1;
    const Service& svc = S(s.cluster, si);
    SidecarRoutes(v, t, svc,
                  "the sidecar's HTTP listener on port " +
                      std::to_string(s.port) +
                      " knows no service for the address, and routes by the "
                      "Host header, which names " +
                      svc.Key() + " (§6)");
    return;
  }
  // §6: with MeshConfig outboundTrafficPolicy REGISTRY_ONLY, an address the
  // sidecar knows no service for goes to its BlackHoleCluster, unless a
  // ServiceEntry of resolution NONE without addresses gives its TCP port a
  // listener for every address (listener.go).
  if (mesh_.istio.registry_only && s.svc < 0 &&
      (s.target_wl < 0 || s.kube_port >= 0) && !WildcardTcpListener(s)) {
    Fail(v,
         "outboundTrafficPolicy is REGISTRY_ONLY: the sidecar knows no "
         "service for this address and sends it to its BlackHoleCluster "
         "(502 for HTTP, the connection closed for TCP; §6)",
         "");
    return;
  }
  if (s.kube_port >= 0)
    return KubeProxyPassthrough(
        v, s,
        "the sidecar knows no such address: its PassthroughCluster sends "
        "it on (§6)");
  const Workload& src = W(s.cluster, s.wl);
  if (s.svc >= 0) {
    const Service& svc = S(s.svc_cluster, s.svc);
    Binding b = ServiceWaypoint(mesh_, mesh_.clusters[s.svc_cluster], svc);
    const bool interop =
        mesh_.istio.Flag("ENABLE_WAYPOINT_INTEROP",
                         mesh_.istio.distribution == Distribution::kSolo);
    if (b.status == BindingStatus::kAccepted && !svc.vips.empty() && interop) {
      // §15.1: the sidecar's EDS for the service is the waypoint's; with no
      // local waypoint endpoints it goes straight to the service.
      std::vector<EpRef> local =
          SameNetwork(WaypointReplicas(s.svc_cluster, *b.waypoint, s.wl, &svc),
                      src.network);
      if (!local.empty()) {
        ToWaypointReplicas(
            v, s, s.cluster, local, *b.waypoint, s.svc_cluster, s.svc, -1, -1,
            s.port, "", "",
            b.why +
                "; sidecars send service traffic to the service waypoint "
                "(ENABLE_WAYPOINT_INTEROP, §15.1)");
        return;
      }
    }
    std::string why =
        b.status == BindingStatus::kAccepted
            ? "sidecar clients never send to waypoints, so waypoint " +
                  b.waypoint->Key() + " of " + SvcName(s.svc_cluster, s.svc) +
                  " is bypassed (§6, K2)"
            : "the sidecar routes to the endpoints itself (§6)";
    // §6, §8.6: the sidecar's outbound listener for a port declared TCP is
    // a TCP proxy: it routes the connection (tcp routes only, past every
    // HTTP route) and passes the bytes on unread: the destination's own
    // chain reads them as HTTP or not.
    const ServicePort* sp = svc.FindPort(s.port);
    if (sp && requests_[s.req].http &&
        DeclaredProtocol(*sp) == PortProtocol::kTcp) {
      State tcp = s;
      RoutedRequest r = requests_[s.req];
      r.http.reset();
      tcp.req = AddRequest(r);
      SidecarRoutes(v, tcp, svc,
                    why + "; port " + std::to_string(s.port) + " of " +
                        svc.Key() +
                        " is TCP by its declared protocol: the sidecar's "
                        "outbound TCP proxy routes the connection without "
                        "reading HTTP, so no HTTP route applies (§6, §8.6)",
                    s.req);
      return;
    }
    SidecarRoutes(v, s, svc, why);
    return;
  }
  if (s.target_wl >= 0) {
    SidecarToPod(v, s);
    return;
  }
  ToExternal(v, s.external + ":" + std::to_string(s.port),
             "the sidecar passes the unknown address through");
}

// §16.2: whether a Gateway API route has Service `svc` of cluster `ci` as
// a parent, on any port, in any namespace.
bool Builder::AnyGammaRoute(int ci, const Service& svc) const {
  const std::vector<HttpRoute>& routes = mesh_.clusters[ci].routes;
  return std::any_of(routes.begin(), routes.end(), [&](const HttpRoute& r) {
    return !r.IsVirtualService() && GammaParentPort(r, svc, 0) >= 0;
  });
}

// §6, §16.2: a sidecar client's routes for service `svc` and its own
// DestinationRule lookup, then the service's endpoints.
// `sent`: the request the client sent, when `s` carries the TCP proxy's
// view of it (its bytes pass on unread); -1: s.req.
void Builder::SidecarRoutes(Vertex v, const State& s, const Service& svc,
                            std::string why, int sent) {
  const Workload& src = W(s.cluster, s.wl);
  {
    // §6, §16.2: a sidecar applies the service's mesh routes client-side:
    // the oldest VirtualService for its host, else its GAMMA routes.
    std::vector<Backend> backends;
    int route = -1, req = s.req;
    std::vector<const HttpRoute*> routes;
    // §15.2: for an entry a peer's waypoint serves (solo.io/remote-waypoint)
    // the sidecar drops its own routes; that waypoint routes.
    const bool remote_wp =
        peering_ && FindLabel(svc.labels, kLabelRemoteWaypoint);
    // §8.6: a port declared HTTP has only the HTTP chain, so plain TCP
    // there meets no route (no tcp route either): it passes through to the
    // service (lint: tcp-to-http-port).
    const ServicePort* declared = svc.FindPort(s.port);
    const bool http_only = !requests_[s.req].http && declared &&
                           DeclaredProtocol(*declared) == PortProtocol::kHttp;
    if (http_only) {
      why += "; port " + std::to_string(s.port) + " of " + svc.Key() +
             " is declared HTTP: plain TCP meets no route of the sidecar's "
             "HTTP listener; Istio's passthrough chain then sends it in "
             "plaintext to the address, which meshsim does not model: it "
             "follows the connection to the service's endpoints (§8.6)";
    } else if (remote_wp) {
      why += "; a peer's waypoint serves " + SvcName(s.svc_cluster, s.svc) +
             " (" + kLabelRemoteWaypoint +
             "), so the sidecar applies none of its own routes (§15.2)";
    } else {
      // §9 (route.go): a sidecar takes a Gateway API route of its own or
      // the destination's namespace only (a consumer route elsewhere is
      // another client's).
      std::vector<const HttpRoute*> gamma;
      for (const HttpRoute* r :
           MeshRoutes(s.svc_cluster, s.svc, s.port, nullptr))
        if (r->ns == src.ns || r->ns == svc.ns) gamma.push_back(r);
      const std::string host =
          svc.kind == "ServiceEntry" ? MatchedHost(svc) : "";
      bool by_wildcard = false;
      const HttpRoute* vs = nullptr;
      if (!requests_[s.req].http) {
        // §16.2 (tls.go): the TCP listener reads the tcp rules of every
        // VirtualService for the host, the routes istiod makes of the
        // Gateway API ones among them (after, here), the first that
        // matches winning.
        routes = VirtualServicesForSidecar(mesh_.clusters[s.cluster], src.ns,
                                           svc, host);
        routes.insert(routes.end(), gamma.begin(), gamma.end());
      } else if ((vs = VirtualServiceForSidecar(
                      mesh_.clusters[s.cluster], src.ns, svc, s.port,
                      &src.labels, host, &by_wildcard)) &&
                 !(by_wildcard && AnyGammaRoute(s.svc_cluster, svc))) {
        // §16.2: a Gateway API route of the service (any namespace, any
        // port) is a VirtualService of its exact host, so no wildcard one
        // serves the host, even where that route keeps nothing.
        routes.push_back(vs);
      } else {
        routes = gamma;
      }
    }
    RouteContext ctx;
    ctx.source_labels = &src.labels;
    ctx.mesh_service = &S(s.svc_cluster, s.svc);
    ctx.proxy_ns = src.ns;
    if (!requests_[s.req].http)
      ctx.sidecar_tcp = declared && PortDeclaresTls(*declared) ? 2 : 1;
    if (!Route(v, s, routes, s.svc_cluster, s.svc, s.port, "the client sidecar",
               &backends, &route, &req, &why, ctx))
      return;
    State n = s;
    n.req = sent >= 0 ? sent : req;
    for (const Backend& be : backends) {
      std::string bwhy = why;
      // §16.1: the sidecar's own DestinationRule lookup.
      auto pol = PolicyFor(v, s.cluster, src.ns, &src.labels, be, &bwhy, route);
      if (!pol) continue;
      State out = n;
      if (pol->policy && pol->policy->tls_mode == "ISTIO_MUTUAL") {
        // §16.1: HBONE replaces it where the endpoint speaks HBONE; any
        // other endpoint gets Istio mTLS (ToEndpoint).
        out.tls_mutual = true;
      }
      if (pol->policy && (pol->policy->tls_mode == "SIMPLE" ||
                          pol->policy->tls_mode == "MUTUAL"))
        out.tls_user = true;  // §16.1: judged at the endpoint (SidecarTls)
      if (pol->policy && pol->policy->tls_mode == "DISABLE") {
        // §16.1: tls.mode DISABLE: plaintext with no identity to an
        // endpoint that does not speak HBONE (ToEndpoint decides).
        out.tls_disabled = true;
        bwhy += "; DestinationRule " + pol->dr +
                " sets tls.mode DISABLE: plaintext to an endpoint without "
                "HBONE, HBONE still to one with it (§16.1)";
      } else if (!pol->policy || pol->policy->tls_mode.empty()) {
        AutoMtlsOff(s.cluster, be, *pol, out, bwhy);
      }
      // §15.2: with peering, sidecars send double HBONE to other networks
      // (ENABLE_AMBIENT_ENVOY_MULTI_NETWORK), stamped x-istio-source:
      // sidecar; otherwise they stay on their network (§6).
      const bool remote =
          peering_ &&
          mesh_.istio.Flag("ENABLE_AMBIENT_ENVOY_MULTI_NETWORK", true);
      ToServiceEndpoints(v, out, s.cluster, s.wl, be.cluster, be.svc, be.port,
                         remote, remote ? "sidecar" : "", bwhy, false, be.share,
                         route, &*pol);
    }
  }
}

}  // namespace dataplane
}  // namespace meshsim
