// Across clusters and networks (§7.2, §15.2): which endpoints a client's
// data plane may pick, and what the east-west gateway in front of a remote
// network's endpoint does with the request.
#include <algorithm>
#include <set>
#include <string>

#include "verify/encoder.h"
#include "verify/encoder_plan.h"
#include "verify/mutation.h"

namespace meshsim::verify {

bool Encoder::Reaches(const ServicePlan& plan, const SourceClass& cls, int vc,
                      const Endpoint& ep, bool* via_waypoint_only,
                      bool* direct_only) const {
  const Cluster& home = sc_.mesh.clusters[cls.cluster];
  const IstioVersion ver = home.VersionOr(sc_.mesh.istio.version);
  const Workload& pod = sc_.mesh.clusters[ep.cluster].workloads[ep.wi];
  const bool same_cluster = ep.cluster == cls.cluster;
  const bool same_network = pod.network == home.network;
  const bool direct = Direct(cls.cluster, ep);
  bool reach = same_cluster || (plan.GlobalIn(vc) && plan.GlobalIn(ep.cluster));
  // §7.2: an ambient client's ztunnel sees every pod of its network with
  // the Services its own cluster gives it: a Service local in the client's
  // cluster has the same-network pods of clusters where it is global, but
  // only where the client sends to the pods itself (a waypoint's Envoy
  // drops another cluster's endpoints of a Service local to it).
  const bool extra = !reach && !plan.peered &&
                     cls.kind == ClientKind::kAmbient && vc == cls.cluster &&
                     same_network && plan.GlobalIn(ep.cluster);
  if (direct_only) *direct_only = extra;
  reach = reach || extra;
  if (cls.kind == ClientKind::kUncaptured) reach = same_cluster;  // kube-proxy
  if (cls.kind == ClientKind::kSidecar) reach = reach && same_network;
  if (!same_network && !plan.multi) reach = false;
  // §7.2: istiod gives other networks a network's pods only as the
  // split-horizon endpoint behind its east-west gateway; without one the
  // pods do not exist for them (community; peering is below).
  if (!same_network && !peering_ &&
      EastWestCluster(pod.network, ep.cluster, false, cls.cluster) < 0)
    reach = false;
  // §7.1: an ingress sends to other networks itself only from 1.29 with
  // AMBIENT_ENABLE_MULTI_NETWORK_INGRESS; through the service waypoint
  // (ingress-use-waypoint) the waypoint's own rule decides.
  *via_waypoint_only =
      reach && !same_network && cls.kind == ClientKind::kIngress &&
      !(ver.AtLeast(1, 29) &&
        sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_INGRESS", false));
  // §15.2: a peered entry reaches its exporters' pods, and a taken-over
  // cluster.local Service the pods of the clusters it takes over (both
  // read from ApplyPeering's output); Envoy clients cross networks with
  // ENABLE_AMBIENT_ENVOY_MULTI_NETWORK.
  const Service& vs = *plan.In(vc);
  const bool taken_over =
      std::find(vs.takeover_from.begin(), vs.takeover_from.end(), ep.cluster) !=
      vs.takeover_from.end();
  if (cls.kind != ClientKind::kUncaptured && (plan.peered || taken_over)) {
    reach = (plan.peered ? PeerExports(vs, ep.cluster) : true) &&
            (direct || (plan.multi &&
                        (cls.kind == ClientKind::kAmbient || envoy_multi_)));
    *via_waypoint_only = false;
  }
  return reach;
}

// §7.2: whether the east-west gateway of endpoint `e.eps[i]`'s network sends
// the request to its cluster's waypoint, deciding by the x-istio-source
// header and its own cluster's binding; false on the client's own network.
z3::expr Encoder::EastWestTerms(const ServicePlan& plan, size_t k,
                                const z3::expr& local, size_t i,
                                const z3::expr& here, const Encoded& e,
                                ServiceTerms& t, int* gateway_cluster) {
  const SourceClass& cls = classes()[k];
  const IstioVersion ver =
      sc_.mesh.clusters[cls.cluster].VersionOr(sc_.mesh.istio.version);
  const Endpoint& ep = e.eps[i];
  // Solo's E/W gateway (with peering on) for peered entries and taken-over
  // Services alike.
  const bool solo = peering_;
  const Workload& pod = sc_.mesh.clusters[ep.cluster].workloads[ep.wi];
  z3::expr ew = c_.bool_val(false);
  if (Direct(cls.cluster, ep)) return ew;
  const int gc = EastWestCluster(pod.network, ep.cluster, solo, cls.cluster);
  *gateway_cluster = gc;
  if (gc < 0) {
    t.remote_no_gw.Add(here);
    return ew;
  }
  // The gateway routes by its own cluster's entry; a community gateway
  // without one by the global entry of the first cluster on its network
  // (its istiod merges them, §7.2); with none, it fails.
  const Service* rs = plan.In(gc);
  int vc = gc;
  if (!rs && !solo) {
    const std::string& net = sc_.mesh.clusters[gc].network;
    for (int ci : plan.clusters) {
      const Cluster& c = sc_.mesh.clusters[ci];
      if (c.network == net && GlobalService(sc_.mesh, c, *plan.In(ci))) {
        vc = ci;
        rs = plan.In(ci);
        break;
      }
    }
  }
  if (!rs) {
    t.fail_ew_terms.Add(here);
    return ew;
  }
  *gateway_cluster = vc;
  const ServiceView& rv = plan.views.at(vc);
  const IstioVersion bver =
      sc_.mesh.clusters[gc].VersionOr(sc_.mesh.istio.version);
  // §7.2: `gateway` is stamped and read from 1.29 (1.29.4, 1.30.1: a minor
  // is its latest patch); §15.2: Solo's in any release.
  const bool new_headers = GatewaySourceHeader(ver) || solo;
  z3::expr header_waypoint =
      local || c_.bool_val(cls.kind == ClientKind::kIngress && !new_headers);
  z3::expr header_gateway =
      !local && c_.bool_val(cls.kind == ClientKind::kIngress && new_headers);
  z3::expr to_wp = c_.bool_val(!bver.AtLeast(1, 28) && !solo) ||
                   (!header_waypoint &&
                    z3::ite(header_gateway,
                            c_.bool_val((GatewaySourceHeader(bver) || solo) &&
                                        rv.ingress_opt_in),
                            c_.bool_val(true)));
  if (Mutated(Mutation::kEastWestAlwaysToWaypoint))  // wrong on purpose
    to_wp = c_.bool_val(true);
  ew = rv.bound && to_wp;
  for (const auto& [gw, b] : rv.per) {
    // E/W uses its own cluster's replicas only (§3.6: fail closed).
    const bool ready = solo && !GlobalWaypointLabel(*rs).empty()
                           ? slice_.CopyHealthy(*rs, *gw)
                           : LocalReady(vc, *gw);
    if (!ready) t.fail_ew_terms.Add(here && ew && b);
    t.deny_ew_terms.Add(here && ew && b && WaypointDenies(e, vc, *gw, rs));
  }
  return ew;
}

bool Encoder::Direct(int from, const Endpoint& ep) const {
  const Workload& pod = sc_.mesh.clusters[ep.cluster].workloads[ep.wi];
  if (pod.network != sc_.mesh.clusters[from].network) return false;
  return ep.cluster == from || flat_networks_;
}

bool Encoder::MultiNetwork() const {
  std::set<std::string> nets;
  for (const Cluster& c : sc_.mesh.clusters) nets.insert(c.network);
  return nets.size() > 1 &&
         sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true);
}

// Peering names each exporter's own gateway (its WorkloadEntry's address);
// community Istio uses one gateway per network, the first it finds
// (istio/istio#56960), here the first cluster in scenario order.
int Encoder::EastWestCluster(const std::string& network, int ep_cluster,
                             bool peered, int from) const {
  if (peered)
    return east_west_at_.count({ep_cluster, network}) ? ep_cluster : -1;
  // §7.1: istiod before 1.27 takes no other cluster's east-west Gateway.
  if (!sc_.mesh.clusters[from].VersionOr(sc_.mesh.istio.version).AtLeast(1, 27))
    return -1;
  const auto it = east_west_first_.find(network);
  return it == east_west_first_.end() ? -1 : it->second;
}

// §15.2 stated for the encoding: an exporter's WorkloadEntry is healthy
// while it has a pod, ready or not, so a proxy that reaches its endpoints
// (the client's own, or with Envoy multi-network its waypoint) may pick it
// for a request none of its ready pods serves; the peer's gateway then
// fails it.
void Encoder::PeerUnreadyTerms(const ServicePlan& plan, size_t k,
                               const z3::expr& is_k, const z3::expr& local,
                               bool via_waypoint_only, ClassTerms& ct, size_t i,
                               Encoded& e, ServiceTerms& t) {
  const SourceClass& cls = classes()[k];
  const Endpoint& ep = e.eps[i];
  if (Direct(cls.cluster, ep)) return;  // a flat peer's pods, one by one
  // Envoy clients and waypoints cross networks only with
  // ENABLE_AMBIENT_ENVOY_MULTI_NETWORK.
  if (cls.kind != ClientKind::kAmbient && !envoy_multi_) return;
  z3::expr here = is_k && e.ep == c_.int_val(static_cast<int>(i));
  if (!envoy_multi_) here = here && !local;
  if (via_waypoint_only) here = here && local;
  if (!t.unserved[i].is_false()) here = here && !t.unserved[i];
  // The gateway sends to a ready pod that serves the port: one of its own
  // network's (flat networks), else of its own cluster. A peer without a
  // ready gateway fails the request anyway.
  const auto net = [&](const Endpoint& x) -> const std::string& {
    return sc_.mesh.clusters[x.cluster].workloads[x.wi].network;
  };
  const bool gateway =
      EastWestCluster(net(ep), ep.cluster, true, cls.cluster) >= 0;
  for (size_t j = 0; gateway && j < plan.unready.size(); ++j)
    if (!plan.unready[j] && !(j < e.ep_svc.size() && e.ep_svc[j]) &&
        (flat_networks_ ? net(e.eps[j]) == net(ep)
                        : e.eps[j].cluster == ep.cluster))
      here = here && t.unserved[j];
  if (here.simplify().is_false()) return;
  t.valid.Add(here);
  t.pass_terms.Add(here && local);
  t.fail_ew_terms.Add(here);
  // Through the client's waypoint, that waypoint decides first (fail
  // closed, its policies), as for any endpoint (ServiceEndpointTerms).
  if (!ct.built) BuildClassTerms(plan, k, e, ct);
  FirstWaypointTerms(here, local, ct, t);
}

// The client's waypoint decides first for `here` sent through it (`local`):
// it fails closed with no waypoint left or an unhealthy one bound, and its
// policies deny.
void Encoder::FirstWaypointTerms(const z3::expr& here, const z3::expr& local,
                                 const ClassTerms& ct, ServiceTerms& t) {
  t.fail_terms.Add(here && local && ct.no_waypoint_left);
  for (const ClassTerms::Hop& h : ct.first) {
    if (!h.healthy) t.fail_terms.Add(here && local && h.bound);
    t.deny_terms.Add(here && local && h.bound && h.denies);
  }
}

}  // namespace meshsim::verify
