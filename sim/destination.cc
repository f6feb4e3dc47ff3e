// The destination side of a request: a service's endpoints as a client sees
// them (§2.1, §7.2), the hand-off to an endpoint or outside the mesh, and the
// destination's ztunnel or sidecar, which enforce policy (§4, §8) and
// deliver to the workload.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"
#include "model/network_policy.h"
#include "model/networking.h"
#include "model/peering.h"
#include "model/policy.h"
#include "sim/dataplane_builder.h"

namespace meshsim {
namespace dataplane {

// ---- endpoints --------------------------------------------------------------
// §7.1, §16.6: a Service is global by MeshConfig serviceScopeConfigs (by
// default the ambient profile's istio.io/global=true) on its own labels
// only (a global waypoint does not make the services it serves global),
// and only when istiod builds the multicluster view at all.
bool Builder::IsGlobal(int ci, const Service& s) const {
  // §15.2: with peering, the §7 merge is not built; istio.io/global means
  // nothing.
  if (peering_ || !multicluster_) return false;
  const Cluster& c = mesh_.clusters[ci];
  return s.kind == "Service" &&
         ServiceScopeGlobal(mesh_.istio, c.SelectorLabels(s.ns), s.labels);
}

// Endpoints of service (ci, si) as seen from cluster ci: its own pods, and
// with multicluster the same global service's pods elsewhere (§7.2).
std::vector<EpRef> Builder::Endpoints(int ci, int si, bool local_only,
                                      bool with_unready, int port) const {
  std::vector<EpRef> out;
  const Cluster& c = mesh_.clusters[ci];
  const Service& s = c.services[si];
  // §3.6: a Service's endpoint list says which pods are ready.
  const auto add = [&](int cluster, const Service& svc, size_t wi) {
    const Workload& w = mesh_.clusters[cluster].workloads[wi];
    if (port && !ServesPort(svc, port, w)) return;  // §3.4: a named target
    if (EndpointReady(svc, w) || (with_unready && !w.terminal))
      out.push_back(
          {cluster, static_cast<int>(wi), !w.ready && EndpointReady(svc, w)});
  };
  // A peered entry's own pods are listed by its cluster's Service.
  const Service* own = s.peered ? c.FindService(s.peered->service) : nullptr;
  for (size_t wi : c.service_endpoints[si])
    add(ci, own && own->kind == "Service" ? *own : s, wi);
  if (peering_) {
    // §15.2: a peered entry reaches each exporter's pods (its own through
    // the selector above); a taken-over cluster.local Service also the
    // exporters in takeover_from. Draining 100 removes an exporter.
    std::vector<int> from = s.takeover_from;
    if (s.peered)
      for (const PeeredService::Exporter& x : s.peered->exporters)
        if (x.cluster != ci && x.draining < 100) from.push_back(x.cluster);
    if (local_only) return out;
    for (int oi : from) {
      const Cluster& o = mesh_.clusters[oi];
      const std::string key = s.peered ? s.peered->service : s.Key();
      const Service* os = o.FindService(key);
      if (!os || os->kind != "Service") continue;
      size_t osi = o.service_by_key.at(key);
      // §15.2: its entry there selects with the Service's selector; what
      // only an EndpointSlice lists (§3.4) does not join.
      for (size_t wi : o.service_endpoints[osi])
        if (!s.peered || SelectedBy(*os, o.workloads[wi])) add(oi, *os, wi);
    }
    return out;
  }
  if (local_only || mesh_.clusters.size() < 2 || !IsGlobal(ci, s)) return out;
  for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
    if (static_cast<int>(oi) == ci) continue;
    const Cluster& o = mesh_.clusters[oi];
    const Service* os = o.FindService(s.Key());
    if (!os || os->kind != s.kind || !IsGlobal(static_cast<int>(oi), *os))
      continue;
    size_t osi = o.service_by_key.at(s.Key());
    for (size_t wi : o.service_endpoints[osi])
      add(static_cast<int>(oi), *os, wi);
  }
  return out;
}

// §7.2 (services.go serviceServiceBuilder, multicluster.go
// networkLocalWorkloads): the pods on cluster ci's network of other
// clusters whose own Service si (by name) is global, appended to `eps`
// when ci's own Service is local (a global one has them already).
void Builder::AddGlobalElsewhere(std::vector<EpRef>& eps, int ci, int si,
                                 int port) const {
  const Cluster& c = mesh_.clusters[ci];
  const Service& s = c.services[si];
  if (IsGlobal(ci, s) || !multicluster_ || peering_) return;
  for (size_t oi = 0; oi < mesh_.clusters.size(); ++oi) {
    const Cluster& o = mesh_.clusters[oi];
    if (static_cast<int>(oi) == ci || o.network != c.network) continue;
    const Service* os = o.FindService(s.Key());
    if (!os || os->kind != s.kind || !IsGlobal(static_cast<int>(oi), *os))
      continue;
    for (size_t wi : o.service_endpoints[o.service_by_key.at(s.Key())]) {
      const Workload& w = o.workloads[wi];
      if (w.network != c.network || (port && !ServesPort(*os, port, w)) ||
          !EndpointReady(*os, w))
        continue;
      eps.push_back({static_cast<int>(oi), static_cast<int>(wi), !w.ready});
    }
  }
}

// PreferClose (§2.1): keep the endpoints closest to the client node. As
// istiod's failover priorities and ztunnel's routing preferences rank them,
// an endpoint's rank is the number of leading scopes it shares with the
// client, in order: network, region, zone and, for PreferSameNode, the
// subzone and the node (ztunnel's routing preferences); the first scope
// that differs ends the count. `mode` PreferNetwork (§15.2) ranks by network
// only, PreferRegion by network and region.
std::vector<EpRef> Builder::PreferClose(const std::vector<EpRef>& eps, int ci,
                                        int client_wl,
                                        const std::string& mode) const {
  if (eps.empty()) return eps;
  const Cluster& c = mesh_.clusters[ci];
  const Workload* cw = client_wl >= 0 ? &c.workloads[client_wl] : nullptr;
  if (!cw && mode != "PreferNetwork") return eps;
  const std::string& net = cw ? cw->network : c.network;
  const Node* cn = cw ? c.FindNode(cw->node) : nullptr;
  const std::string no_place;
  const std::string& region = cn ? cn->region : no_place;
  const std::string& zone = cn ? cn->zone : no_place;
  const std::string& subzone = cn ? cn->subzone : no_place;
  auto score = [&](const EpRef& e) {
    const Cluster& ec = mesh_.clusters[e.cluster];
    const Workload& w = ec.workloads[e.wl];
    const Node* n = ec.FindNode(w.node);
    int s = 0;
    if (w.network != net) return s;
    ++s;
    if (mode == "PreferNetwork") return s;
    if ((n ? n->region : no_place) != region) return s;
    ++s;
    if (mode == "PreferRegion") return s;
    if ((n ? n->zone : no_place) != zone) return s;
    ++s;
    if (mode != "PreferSameNode") return s;
    if ((n ? n->subzone : no_place) != subzone) return s;
    ++s;
    if (cw && w.node == cw->node) ++s;
    return s;
  };
  int best = -1;
  for (const EpRef& e : eps) best = std::max(best, score(e));
  std::vector<EpRef> out;
  for (const EpRef& e : eps)
    if (score(e) == best) out.push_back(e);
  return out;
}

// §15.2 solo.io/draining-weight: a peer's endpoints weigh (100 - w)%;
// the proxy's own cluster is never drained.
double Builder::EndpointWeight(const Service& s, int ci, const EpRef& e) const {
  if (!s.peered || e.cluster == ci) return 1.0;
  for (const PeeredService::Exporter& x : s.peered->exporters)
    if (x.cluster == e.cluster) return (100 - x.draining) / 100.0;
  return 1.0;
}

int Builder::TargetPort(const Service& s, int port, const EpRef& e) const {
  const ServicePort* sp = s.FindPort(port);
  if (!sp) return port;
  const Workload& w = W(e.cluster, e.wl);
  if (w.kind == "EndpointSlice") {
    // §3.4: a slice's port of the Service port's name, else the Service's
    // targetPort (ztunnel's fallback; a name then reaches nothing).
    for (const ContainerPort& cp : w.ports)
      if (cp.name == sp->name) return cp.port;
  } else if ((w.kind == "WorkloadEntry" ||
              (s.kind == "ServiceEntry" && !s.peered)) &&
             !sp->name.empty()) {
    // §3.4: a WorkloadEntry's (or inline endpoint's) ports map, and the
    // container ports of a pod a ServiceEntry selects, override the target
    // port by the port's name (a named targetPort, a Service's or the one
    // a peered entry keeps, looks up that name instead, below).
    const std::string& name =
        !sp->target_port_name.empty() ? sp->target_port_name : sp->name;
    for (const ContainerPort& cp : w.ports)
      if (cp.name == name) return cp.port;
  }
  if (sp->target_port) return sp->target_port;
  if (!sp->target_port_name.empty()) {
    for (const ContainerPort& cp : W(e.cluster, e.wl).ports)
      if (cp.name == sp->target_port_name) return cp.port;
  }
  return port;
}

// ---- hand-offs --------------------------------------------------------------
// Deliver to a workload endpoint reached directly (HBONE to its node's ztunnel
// when captured; its sidecar; or plain TCP).
bool Builder::IngressServes(const EpRef& pod, int port) const {
  const Cluster& c = mesh_.clusters[pod.cluster];
  const Workload& w = W(pod.cluster, pod.wl);
  if (const Gateway* gw = w.router ? nullptr : c.FindGateway(w.gateway)) {
    for (const Listener& l : gw->listeners)
      if (l.port == port && l.programmed) return true;
    return false;
  }
  const int listen = RouterPodPort(c, w, port);
  for (const IstioGateway* g : IstioGatewaysForPod(c, w))
    for (const IstioServer& srv : g->servers)
      if (IstioServerListenPort(c, w, srv.port) == listen) return true;
  return false;
}

bool Builder::NetworkPolicyPasses(Vertex from, const State& base,
                                  const EpRef& to, int port,
                                  const std::string& why, double share,
                                  int route) {
  const Cluster& c = mesh_.clusters[to.cluster];
  if (c.network_policies.empty()) return true;
  const Workload& dst = W(to.cluster, to.wl);
  if (dst.kind != "Pod") return true;
  // The sender: a pod of this cluster by its address; another cluster's
  // component is an address NetworkPolicy knows only by ipBlock.
  const Workload* src = nullptr;
  std::string src_ip;
  if (base.cluster == to.cluster) {
    // A waypoint, ingress or east-west gateway opens the connection from
    // its own pod; a client's ztunnel, sidecar or the client itself from
    // the client's (in-pod redirection keeps its address).
    const HopKind fk = g_[from].hop.kind;
    const bool proxy_pod = fk == HopKind::kWaypoint ||
                           fk == HopKind::kIngress || fk == HopKind::kEastWest;
    src_ip =
        proxy_pod && base.wl >= 0 ? W(base.cluster, base.wl).ip : base.peer_ip;
    if (auto it = c.workload_by_ip.find(src_ip); it != c.workload_by_ip.end())
      src = &c.workloads[it->second];
  }
  const NetworkPolicyVerdict v = NetworkPolicyAllows(c, src, src_ip, dst, port);
  if (v.allowed) return true;
  const std::string from_name =
      src ? "pod " + src->Key()
          : (src_ip.empty() ? std::string("outside the cluster")
                            : "address " + src_ip);
  Fail(from, v.Reason(from_name, "pod " + dst.Key()), why, share, route);
  return false;
}

void Builder::ToEndpoint(Vertex from, const State& base, const EpRef& ep,
                         int port, const std::string& why, double share,
                         int route) {
  const Workload& w = W(ep.cluster, ep.wl);
  if (SidecarTls(from, base, ep, port, why, share, route) ||
      ZtunnelPlaintext(from, base, ep, port, why, share, route))
    return;
  // §16.7: an endpoint no proxy knows as a workload: a Service's external
  // address, or a host name that kube-dns resolves.
  if (w.node.empty() &&
      ThroughKubeProxy(from, base, ep, port, why, share, route))
    return;
  // §4.6: what the CNI sees: HBONE arrives on 15008 at a captured pod, and
  // at a sidecar from a ztunnel, waypoint or east-west gateway, and from a
  // sidecar or ingress with PILOT_PREFER_SENDING_HBONE when the pod has the
  // tunnel label (§16.1, endpoint_builder.go: its EDS keeps the tunnel, the
  // connect_originate cluster sends to 15008); plain TCP and a sidecar's or
  // ingress's mTLS on the pod's own port.
  {
    const HopKind fk = g_[from].hop.kind;
    bool hbone = false;
    if (w.capture == Capture::kAmbient) hbone = !base.peer.empty();
    if (w.capture == Capture::kSidecar)
      hbone = !base.peer.empty() &&
              (fk == HopKind::kZtunnel || fk == HopKind::kWaypoint ||
               fk == HopKind::kEastWest ||
               ((fk == HopKind::kSidecar || fk == HopKind::kIngress) &&
                !base.pod_ip && w.sidecar_hbone &&
                mesh_.istio.Flag("PILOT_PREFER_SENDING_HBONE", false)));
    if (!NetworkPolicyPasses(from, base, ep, hbone ? kHboneInboundPort : port,
                             why, share, route))
      return;
  }
  State s = base;
  s.pod_ip = false;  // §16.1: only the sidecar's own connection was by IP
  s.cluster = ep.cluster;
  s.wl = ep.wl;
  s.port = port;
  s.waypoint.clear();
  s.header.clear();
  // §1.1: a WorkloadEntry that speaks HBONE has a ztunnel of its own in
  // front (captured); any other is reached in plain TCP.
  if (w.kind == "WorkloadEntry" ? w.capture != Capture::kAmbient
                                : w.node.empty()) {
    s.act = Act::kDeliver;
  } else if (w.role == WorkloadRole::kIngress &&
             w.capture != Capture::kAmbient && IngressServes(ep, port)) {
    // §16.7: an ingress pod reached inside the cluster routes the request
    // as one from outside.
    s.act = Act::kIngress;
  } else if (w.capture == Capture::kAmbient && base.peer.empty() &&
             BypassesInboundCapture(w)) {
    // §4.4: istio-cni's ingress mode: plain TCP reaches the app itself,
    // past ztunnel and its policies (HBONE on 15008 still goes to ztunnel);
    // an ingress pod's Envoy then routes it (§16.7).
    s.act = w.role == WorkloadRole::kIngress && IngressServes(ep, port)
                ? Act::kIngress
                : Act::kDeliver;
    Emit(from, s,
         why + "; pod " + w.Key() +
             " has ambient.istio.io/bypass-inbound-capture=true: its inbound "
             "plain TCP is not redirected to ztunnel, so no policy applies "
             "(§4.4)",
         share, route);
    return;
  } else if (w.capture == Capture::kAmbient) {
    s.act = Act::kDstZtunnel;
  } else if (w.capture == Capture::kSidecar) {
    s.act = Act::kDstSidecar;
  } else {
    s.act = Act::kDeliver;
  }
  // §3.4: an inline endpoint is reached on its own port for the entry's.
  Emit(from, s,
       w.service_entry.empty() ? why
                               : why + "; " + w.Subject() + " on port " +
                                     std::to_string(port) + " (§3.4)",
       share, route);
}

void Builder::ToExternal(Vertex from, const std::string& where,
                         const std::string& why, double share, int route) {
  State s;
  s.act = Act::kExternal;
  s.external = where;
  Emit(from, s, why, share, route);
}

std::set<std::string> Builder::LeaveOutGatewaylessNetworks(
    std::vector<EpRef>& eps, int ci, bool ztunnel) const {
  const std::string& here = mesh_.clusters[ci].network;
  std::set<std::string> left_out;
  std::map<std::string, bool> served;  // each network's gateways, once
  std::vector<EpRef> kept;
  for (const EpRef& e : eps) {
    const std::string& net = W(e.cluster, e.wl).network;
    // §3.4: ztunnel keeps a ServiceEntry endpoint (SplitByNetwork).
    if (net == here || (ztunnel && !W(e.cluster, e.wl).service_entry.empty())) {
      kept.push_back(e);
      continue;
    }
    auto [it, fresh] = served.try_emplace(net, false);
    if (fresh) it->second = !EastWestFor(net, -1, ci).empty();
    if (!it->second) {
      left_out.insert(net);
      continue;
    }
    kept.push_back(e);
  }
  eps = std::move(kept);
  return left_out;
}

Builder::EndpointSplit Builder::SplitByNetwork(
    const std::vector<EpRef>& eps, const std::vector<double>& weights, int ci,
    bool allow_remote_network, bool ztunnel) const {
  const std::string& here = mesh_.clusters[ci].network;
  EndpointSplit out;
  std::map<std::string, bool> served;  // each network's gateways, once
  for (size_t i = 0; i < eps.size(); ++i) {
    const EpRef& e = eps[i];
    const std::string& net = W(e.cluster, e.wl).network;
    if (net == here && (flat_ || e.cluster == ci)) {
      out.local.emplace_back(e, weights[i]);
      out.total += weights[i];
      continue;
    }
    if (ztunnel && !peering_ && !W(e.cluster, e.wl).service_entry.empty()) {
      // §3.4, §7.2 (multicluster.go networkLocalWorkloads): with the
      // multicluster view istiod sends a ztunnel its own network's
      // workloads only, and split-horizon ones for global Services, which
      // a ServiceEntry never is: the endpoint is not there at all.
      if (multicluster_) continue;
      // Without it, istiod sends a ServiceEntry endpoint of another
      // network without a gateway; ztunnel still picks it and then
      // refuses the connection (NoValidDestination).
      auto [it, fresh] = served.try_emplace(net, false);
      if (fresh)
        it->second = multi_network_ && !EastWestFor(net, -1, ci).empty();
      if (!it->second) {
        out.unreachable[net] += weights[i];
        out.total += weights[i];
        continue;
      }
    }
    if (allow_remote_network && multi_network_) {
      out.remote[{net, peering_ ? e.cluster : -1}] += weights[i];
      out.total += weights[i];
    }
  }
  return out;
}

namespace {
// A ServiceEntry's endpoints named by a hostname, which are no workloads
// (§3.4).
size_t HostnameEndpoints(const Service& s) {
  if (s.kind != "ServiceEntry") return 0;
  return static_cast<size_t>(
      std::count_if(s.inline_endpoints.begin(), s.inline_endpoints.end(),
                    [](const Service::Endpoint& ep) { return !ep.workload; }));
}
}  // namespace

// §3.8: internalTrafficPolicy Local: the proxy (the client's ztunnel or
// kube-proxy, an Envoy's own pod) keeps only the endpoints on its node,
// never another cluster's; with none there, nothing is reached.
std::vector<EpRef> Builder::NodeLocalEndpoints(const std::vector<EpRef>& eps,
                                               int ci, int client_wl,
                                               int svc_cluster, int svc,
                                               std::string& why) const {
  const Workload* proxy = client_wl >= 0 ? &W(ci, client_wl) : nullptr;
  std::vector<EpRef> kept;
  for (const EpRef& e : eps)
    if (proxy && e.cluster == ci && W(e.cluster, e.wl).node == proxy->node)
      kept.push_back(e);
  why += (why.empty() ? "" : "; ") + SvcName(svc_cluster, svc) +
         " has internalTrafficPolicy Local: only its endpoints on " +
         (proxy ? "node " + proxy->node : "the proxy's node") + " are used (" +
         std::to_string(kept.size()) + " of " + std::to_string(eps.size()) +
         ", §3.8)";
  return kept;
}

// §7.2: ztunnel reaches another network through the split-horizon
// workload istiod makes of it, whose capacity counts every pod of the
// service there, ready or not (multicluster.go), and which carries no
// health of its own: its share includes the pods that are not ready, and
// the east-west gateway then has only the ready ones to send to.
void Builder::AddNotReadyElsewhere(EndpointSplit& split,
                                   const std::vector<EpRef>& eps, int ci,
                                   int svc_cluster, int svc, bool local_only,
                                   int port) const {
  // By capacity: a Kubernetes trafficDistribution other than Any, and a
  // Service local to the node, choose otherwise.
  const Service& s = S(svc_cluster, svc);
  const std::string& td = s.traffic_distribution;
  if (!multi_network_ || peering_ || s.node_local ||
      !(td.empty() || td == "Any"))
    return;
  for (const EpRef& e :
       Endpoints(svc_cluster, svc, local_only, /*with_unready=*/true, port)) {
    const Workload& w = W(e.cluster, e.wl);
    if (w.ready || w.network == mesh_.clusters[ci].network ||
        std::any_of(eps.begin(), eps.end(), [&](const EpRef& k) {
          return k.cluster == e.cluster && k.wl == e.wl;
        }))
      continue;
    if (split.remote.count({w.network, -1}) ||
        !EastWestFor(w.network, -1, ci).empty()) {
      split.remote[{w.network, -1}] += 1.0;
      split.total += 1.0;
    }
  }
}

void Builder::AddCapacity(EndpointSplit& split, const std::vector<EpRef>& eps,
                          int ci, int svc_cluster, int svc, bool local_only,
                          int port, bool ztunnel) const {
  if (ztunnel)
    AddNotReadyElsewhere(split, eps, ci, svc_cluster, svc, local_only, port);
  if (!local_only) WeighPeers(split, ci, svc_cluster, svc, port);
}

void Builder::WeighPeers(EndpointSplit& split, int ci, int svc_cluster, int svc,
                         int port) const {
  if (!peering_ || !multi_network_) return;
  const Service& s = S(svc_cluster, svc);
  const std::string& here = mesh_.clusters[ci].network;
  std::vector<std::pair<int, int>> from;  // (exporter cluster, draining)
  if (s.peered)
    for (const PeeredService::Exporter& x : s.peered->exporters)
      from.emplace_back(x.cluster, x.draining);
  for (int oi : s.takeover_from) from.emplace_back(oi, 0);
  const std::string& td = s.traffic_distribution;
  const bool by_capacity = td.empty() || td == "Any";
  for (const auto& [oi, draining] : from) {
    const Cluster& o = mesh_.clusters[oi];
    if (oi == ci || draining >= 100 || (o.network == here && flat_)) continue;
    const std::string key = s.peered ? s.peered->service : s.Key();
    const Service* os = o.FindService(key);
    if (!os || os->kind != "Service") continue;
    size_t pods = 0, serving = 0;
    for (size_t wi : o.service_endpoints[o.service_by_key.at(key)]) {
      const Workload& w = o.workloads[wi];
      if (w.terminal || (s.peered && !SelectedBy(*os, w))) continue;
      ++pods;
      if (!port || ServesPort(*os, port, w)) ++serving;
    }
    const double weight = PeerCapacity(pods) * (100 - draining) / 100.0;
    auto it = split.remote.find({o.network, oi});
    if (it == split.remote.end()) {
      // Healthy while it reports a pod: a client may pick it with none of
      // them ready, and the peer's gateway has none to send to.
      if (!by_capacity || !s.peered || weight <= 0 || !serving) continue;
      it = split.remote.emplace(std::make_pair(o.network, oi), 0.0).first;
    }
    split.total += weight - it->second;
    it->second = weight;
  }
}

// Load-balances over a service's endpoints from a component in cluster ci;
// remote networks are one choice each (SplitHorizonWorkload, §7.2), reached
// through their east-west gateway. Each choice gets its share of requests.
void Builder::ToServiceEndpoints(Vertex from, const State& base, int ci,
                                 int client_wl, int svc_cluster, int svc,
                                 int port, bool allow_remote_network,
                                 const std::string& header,
                                 const std::string& given_why,
                                 bool local_cluster_only, double share,
                                 int route, const EndpointPolicy* policy) {
  const Service& s = S(svc_cluster, svc);
  std::string why = given_why;
  const TrafficPolicy* tp =
      policy && policy->policy ? &*policy->policy : nullptr;
  // §16.1: DR priorities with not-ready sent: shares follow readiness.
  const bool dr_locality =
      tp && (tp->locality_enabled || !tp->failover_priority.empty() ||
             s.traffic_distribution.empty() || s.traffic_distribution == "Any");
  // §16.1 (loadbalancer.go): at an Envoy (1.25+; ztunnel: always) a
  // trafficDistribution is failover priorities (network, region, zone...).
  const std::string& td = s.traffic_distribution;
  const bool reads_td = !policy || Version(ci).AtLeast(1, 25);
  const bool envoy_td =
      policy && !dr_locality && reads_td && !td.empty() && td != "Any";
  std::vector<EpRef> eps = Endpoints(
      svc_cluster, svc, local_cluster_only,
      envoy_td ||
          (dr_locality && tp->outlier_detection && SendsUnhealthy(ci, s, tp)),
      port);
  const std::string subset = KeepSubset(eps, policy);
  const bool ztunnel = base.act == Act::kClientZtunnel;
  // §7.2: a local Service's pods where it is global (AddGlobalElsewhere).
  if (ztunnel && !local_cluster_only && svc_cluster == ci && !policy)
    AddGlobalElsewhere(eps, ci, svc, port);
  if (s.node_local)
    eps = NodeLocalEndpoints(eps, ci, client_wl, svc_cluster, svc, why);
  // Before any locality priority is chosen (§7.2).
  std::set<std::string> no_gateway;
  if (allow_remote_network && multi_network_ && !peering_)
    no_gateway = LeaveOutGatewaylessNetworks(eps, ci, ztunnel);
  // §16.1 GetEffectiveLbSetting: the DR's localityLbSetting, else the
  // Service's trafficDistribution, else MeshConfig's default locality
  // (which, like the DR's, needs outlierDetection).
  std::vector<double> locality_weights;  // distribute, by endpoint
  if (tp && (tp->locality_enabled || !tp->failover_priority.empty()))
    eps = LocalityPreferred(eps, ci, client_wl, *tp, &why, &locality_weights);
  else if (envoy_td && std::any_of(eps.begin(), eps.end(),
                                   [&](const EpRef& e) { return !Ready(e); })) {
    // With every endpoint ready the priorities pick what PreferClose picks.
    TrafficPolicy priorities;
    priorities.locality_enabled = true;
    priorities.outlier_detection = true;
    priorities.failover_priority = {kLabelNetwork,
                                    "topology.kubernetes.io/region",
                                    "topology.kubernetes.io/zone"};
    if (td == "PreferSameNode")
      for (const char* k :
           {"topology.istio.io/subzone", "kubernetes.io/hostname"})
        priorities.failover_priority.push_back(k);
    eps = LocalityPreferred(eps, ci, client_wl, priorities, &why,
                            &locality_weights);
  } else if (reads_td && !td.empty() && td != "Any") {
    const size_t before = eps.size();
    eps = PreferClose(eps, ci, client_wl, s.traffic_distribution);
    if (s.peered && eps.size() < before)
      why += "; traffic distribution " + s.traffic_distribution + " (from " +
             s.peered->distribution_source +
             ") keeps the closest endpoints; the others are failover (§15.2)";
  } else if (tp)
    eps = LocalityPreferred(eps, ci, client_wl, *tp, &why, &locality_weights);
  auto weight = [&](size_t i, const EpRef& e) {
    return EndpointWeight(s, ci, e) *
           (locality_weights.empty() ? 1.0 : locality_weights[i]);
  };
  // §16.1: connectionPool limits are circuit breakers of this proxy for
  // the Envoy cluster; every edge it emits below crosses them.
  struct BreakerScope {
    int& slot;
    int saved;
    ~BreakerScope() { slot = saved; }
  } scope{breaker_, breaker_};
  if (policy && policy->policy) {
    const TrafficPolicy& tp = *policy->policy;
    constexpr int64_t kNoLimit = 4294967295LL;  // Envoy's default threshold
    int64_t limit = kNoLimit;
    if (tp.max_connections || tp.http1_max_pending)
      limit = std::min<int64_t>(kNoLimit,
                                tp.max_connections.value_or(kNoLimit) +
                                    tp.http1_max_pending.value_or(kNoLimit));
    if (tp.http2_max_requests) limit = std::min(limit, *tp.http2_max_requests);
    if (limit < kNoLimit || tp.outlier_detection) {
      PathBreaker b;  // §16.1: one per Envoy cluster (host, port, subset)
      b.dr = policy->dr, b.service = s.Key(), b.port = port;
      b.subset = policy->subset, b.limit = limit < kNoLimit ? limit : 0;
      if (s.hosts.size() > 1) b.service += " host " + MatchedHost(s);
      if (s.ports.size() > 1) b.service += " port " + std::to_string(port);
      if (tp.outlier_detection)
        b.outlier = PathBreaker::Outlier{
            tp.consecutive_5xx, tp.interval_ns, tp.base_ejection_ns,
            tp.max_ejection_percent, tp.min_health_percent};
      impl_.breakers.push_back(std::move(b));
      breaker_ = static_cast<int>(impl_.breakers.size()) - 1;
    }
    if (limit < kNoLimit)
      why +=
          "; DestinationRule " + policy->dr + " connectionPool admits " +
          std::to_string(limit) +
          " request(s) at once per proxy replica; more fail with 503 (§16.1)";
  }
  std::vector<double> weights;
  for (size_t i = 0; i < eps.size(); ++i) weights.push_back(weight(i, eps[i]));
  EndpointSplit split =
      SplitByNetwork(eps, weights, ci, allow_remote_network, ztunnel);
  if (allow_remote_network && locality_weights.empty() && !tp)
    AddCapacity(split, eps, ci, svc_cluster, svc, local_cluster_only, port,
                ztunnel);
  const auto& [local, remote, unreachable, total] = split;
  split.total += static_cast<double>(HostnameEndpoints(s));
  for (const auto& [e, w] : local)
    ToEndpoint(from, base.WithBackend(svc_cluster, svc), e,
               TargetPort(s, port, e), why, share * w / total, route);
  for (const auto& [net, w] : unreachable)
    Fail(from,
         "ServiceEntry " + s.Key() + " has endpoints on network " + net +
             ", which no east-west gateway serves: ztunnel picks one and "
             "refuses the connection (NoValidDestination, §3.4)",
         why, share * w / total, route);
  for (const auto& [where, w] : remote)
    ToEastWest(from, base, svc_cluster, svc, port, where.first, where.second,
               header,
               why + "; endpoints in network " + where.first +
                   " are reached through its gateway",
               share * w / total, route);
  if (s.kind == "ServiceEntry" &&
      ToServiceEntryAddresses(from, base, s, svc_cluster, svc, port, total, why,
                              share, route))
    return;
  if (total <= 0 && local.empty() && remote.empty() && !no_gateway.empty())
    Fail(from,
         SvcName(svc_cluster, svc) + subset +
             " has no endpoint this network can reach: its pods on network " +
             *no_gateway.begin() +
             " are left out, since no east-west gateway serves that network "
             "and istiod builds no cross-network endpoint without one (§7.2)",
         why, share, route);
  else if (total <= 0)
    Fail(from,
         SvcName(svc_cluster, svc) + subset +
             " has no healthy endpoints (NoHealthyUpstream)",
         why, share, route);
}

// ---- policies (§4, §8) ------------------------------------------------------
RequestAttributes Builder::Attributes(const State& s,
                                      const std::string& principal,
                                      const std::string& source_ip) const {
  RequestAttributes a;
  if (!principal.empty()) a.principal = principal;
  a.source_ip = source_ip;
  a.destination_ip = s.dst_ip;
  a.destination_port = s.port;
  // §8.6: the addressed service's port; at a sidecar, which sees the pod's
  // port, the port whose targetPort it is when no service port has it.
  if (s.svc >= 0) {
    const Service& svc = S(s.svc_cluster, s.svc);
    if (const ServicePort* sp = svc.FindPort(s.port)) {
      a.http_port = PortDeclaresHttp(*sp);
    } else {
      for (const ServicePort& tp : svc.ports)
        if (tp.target_port == s.port)
          a.http_port = a.http_port || PortDeclaresHttp(tp);
    }
  }
  const RoutedRequest& r = requests_[s.req];
  a.http = r.http.has_value();
  if (r.http) {
    a.method = r.http->method;
    a.path = r.http->path;
    a.headers = r.http->headers;
    // The token as sent, unless a proxy before removed it (§16.4); only
    // Authenticate turns it into a principal.
    if (!s.token_removed) a.jwt = r.http->jwt;
  }
  a.host = r.host;
  return a;
}

// §16.4: an Envoy proxy's RequestAuthentications on the request's token,
// recorded on the hop; false (the path ends denied, 401) when they reject
// it, else `a` carries the request principal they accepted, if any.
bool Builder::Authenticate(Vertex v,
                           const std::vector<const RequestAuthentication*>& ras,
                           RequestAttributes& a, bool* removed) {
  if (ras.empty()) return true;
  std::optional<JwtToken> token;
  // §16.4: a CORS preflight passes without its token being checked
  // (policy_applier.go BypassCorsPreflight).
  auto has = [&](const char* h) {
    auto it = a.headers.find(h);
    return it != a.headers.end() && !it->second.empty();
  };
  const bool preflight = a.http && a.method == "OPTIONS" && has("origin") &&
                         has("access-control-request-method");
  if (a.http && a.jwt && !preflight) token = a.jwt;
  a.jwt.reset();
  const JwtVerdict j = AuthenticateJwt(ras, token);
  PolicyEvaluation e;
  e.action = "RequestAuthentication";
  e.policy = j.policy.empty() ? ras.front()->Key() : j.policy;
  if (j.rejected) {
    PolicyDecision d;
    d.allowed = false;
    e.effect = "deny";
    e.note = std::to_string(j.status) + ": the JWT is not valid here";
    d.evaluated.push_back(e);
    d.denied_by =
        DeniedBy{j.policy, std::nullopt, "RequestAuthentication", a.principal};
    d.reason = j.reason;
    Enforce(v, d);
    return false;
  }
  e.effect = j.principal ? "allow" : "no-op";
  e.note = j.principal ? "request principal " + *j.principal
                       : "no JWT: no request principal";
  if (!j.principal && removed && *removed && a.http)
    e.note =
        "no JWT: a proxy before this one verified the token and removed it "
        "(its rule does not set forwardOriginalToken), so no request "
        "principal";
  // §16.4: Envoy's jwt_authn removes a token it verified unless the rule
  // sets forwardOriginalToken.
  if (j.removed) e.note += "; the token is removed before the next hop";
  if (removed) *removed = *removed || j.removed;
  g_[v].hop.policies.push_back(e);
  if (j.principal) {
    a.request_principal = j.principal;
    a.jwt = token;
  }
  return true;
}

// Records the decision on the vertex's hop; returns false (and ends the
// path as denied) when the request is refused.
bool Builder::Enforce(Vertex v, const PolicyDecision& d) {
  g_[v].hop.policies.insert(g_[v].hop.policies.end(), d.evaluated.begin(),
                            d.evaluated.end());
  if (d.allowed) return true;
  Vertex f = Finish(v, Outcome::kDenied, d.reason, "");
  g_[f].denied_by = d.denied_by;
  return false;
}

// ---- the destination --------------------------------------------------------
void Builder::Deliver(Vertex v, const State& s, const std::string& why) {
  State d = s;
  d.act = Act::kDeliver;
  // §16.7: an ingress pod (its ztunnel's, when captured) routes the request
  // on, as one from outside.
  if (W(s.cluster, s.wl).role == WorkloadRole::kIngress &&
      IngressServes({s.cluster, s.wl}, s.port))
    d.act = Act::kIngress;
  Emit(v, d, why);
}

// The destination's own proxy evaluates `policies` with the identity of its
// peer and, when they admit the request, hands it to the workload.
void Builder::AdmitAndDeliver(
    Vertex v, const State& s, EnforcementPoint point,
    const std::vector<const AuthorizationPolicy*>& policies,
    const std::string& note, const ServicePort* inbound) {
  RequestAttributes attrs = Attributes(s, s.peer, s.peer_ip);
  if (inbound) {
    // §8.6: a sidecar's inbound chain, by the pod port's Service port.
    attrs.http_port = PortDeclaresHttp(*inbound);
    if (DeclaredProtocol(*inbound) == PortProtocol::kTcp) {
      attrs.http = false;
      attrs.method.clear(), attrs.path.clear(), attrs.headers.clear();
      attrs.jwt.reset();
    }
  }
  // §8.1: the destination's proxy sees the pod's own address as
  // destination.ip, whatever the client dialled (ztunnel's inbound request
  // is built for the workload).
  if (s.wl >= 0) attrs.destination_ip = W(s.cluster, s.wl).ip;
  if (point == EnforcementPoint::kSidecar) {
    // §16.4: a sidecar authenticates JWTs with its pod's
    // RequestAuthentications; ztunnel never does.
    const Cluster& c = mesh_.clusters[s.cluster];
    bool removed = s.token_removed;
    if (!Authenticate(
            v,
            RequestAuthenticationsAtProxy(mesh_, c, c.workloads[s.wl], nullptr),
            attrs, &removed))
      return;
  } else {
    attrs.jwt.reset();
  }
  PolicyDecision d =
      Evaluate(mesh_, Version(s.cluster), point, policies, attrs);
  if (!note.empty() && !d.allowed) d.reason += "; " + note;
  if (!Enforce(v, d)) return;
  Deliver(v, s, note);
}

// §4.1, §4.4, §8.1: the destination ztunnel enforces L4 policy with the
// identity of its HBONE peer; plaintext has none, and STRICT refuses it.
void Builder::DstZtunnel(Vertex v, const State& s) {
  const Cluster& c = mesh_.clusters[s.cluster];
  const Workload& w = c.workloads[s.wl];
  if (RefusesPlaintext(v, s, "ztunnel") || SelfCall(v, s, "ztunnel")) return;
  std::vector<AuthorizationPolicy> synthesized;
  auto policies = PoliciesAtZtunnel(mesh_, c, w, &synthesized);
  AdmitAndDeliver(v, s, EnforcementPoint::kZtunnel, policies);
}

void Builder::DstSidecar(Vertex v, const State& s) {
  if (RefusesPlaintext(v, s, "sidecar") || SelfCall(v, s, "sidecar")) return;
  const Cluster& c = mesh_.clusters[s.cluster];
  auto policies = PoliciesAtProxy(mesh_, c, c.workloads[s.wl], nullptr);
  // §8.6: the pod port's inbound chain is its oldest Service port's: a TCP
  // one reads no HTTP (no token; HTTP-only policy fields dropped or
  // ignored), an HTTP one reads it whatever port the client dialled.
  const Service* owner = nullptr;
  const ServicePort* sp = InboundServicePort(s.cluster, s.wl, s.port, &owner);
  std::string note;
  if (sp && requests_[s.req].http &&
      DeclaredProtocol(*sp) == PortProtocol::kTcp)
    note = "port " + std::to_string(s.port) + " of pod " +
           W(s.cluster, s.wl).Key() + " is TCP by " + owner->Key() +
           "'s port " + std::to_string(sp->port) +
           ": the sidecar's inbound TCP chain reads the request as plain TCP "
           "(§8.6)";
  AdmitAndDeliver(v, s, EnforcementPoint::kSidecar, policies, note, sp);
}

}  // namespace dataplane
}  // namespace meshsim
