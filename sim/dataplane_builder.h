// Internal to meshsim::sim: the forwarding-graph builder behind
// sim/dataplane.h (docs/semantics.md §1, §3, §5, §6, §7, §15).
//
// The builder is a worklist: a state is a component holding a request, and
// each component's handler emits the states it hands the request to, every
// decision with its `why` and the § of docs/semantics.md it follows. The
// member functions are defined by component family:
//
//   dataplane.cc    the graph, the worklist, shared lookups, and path
//                   enumeration on the finished graph
//   client_side.cc  the source pod, its ztunnel or sidecar (§1, §3, §6)
//   proxies.cc      waypoints, ingress and east-west gateways, and the
//                   routes they apply (§3.7, §5, §7.2, §9)
//   destination.cc  endpoint resolution, the destination ztunnel or
//                   sidecar, policy enforcement, delivery (§2, §4, §8)
#ifndef MESHSIM_SIM_DATAPLANE_BUILDER_H_
#define MESHSIM_SIM_DATAPLANE_BUILDER_H_

#include <boost/graph/adjacency_list.hpp>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/mesh.h"
#include "model/networking.h"
#include "model/path.h"
#include "model/policy.h"
#include "model/scenario.h"
#include "sim/dataplane.h"
#include "sim/routing.h"

namespace meshsim {
namespace dataplane {

// What the component at a vertex does with the request next.
enum class Act {
  kSourcePod,      // the client application
  kClientZtunnel,  // the client's node ztunnel, outbound (§3)
  kClientSidecar,  // a sidecar client's own Envoy (§6)
  kWaypoint,       // a waypoint replica (§3.7)
  kIngress,        // an ingress gateway replica (§5)
  kEastWest,       // an east-west gateway replica (§7.2)
  kDstZtunnel,     // the destination node's ztunnel, inbound (§4)
  kDstSidecar,     // the destination pod's own Envoy
  kDeliver,        // the destination workload (terminal)
  kExternal,       // outside the mesh (terminal)
};

// A request held by a component.
struct State {
  Act act = Act::kSourcePod;
  int cluster = -1;  // cluster of this component
  int wl = -1;       // this component's workload (pod) index, if any
  int svc_cluster = -1;
  int svc = -1;  // addressed service, in svc_cluster's list
  // The service whose endpoints were chosen last (a route's backend), for
  // a retry's weighted cluster (Path::backend); -1 before any.
  int backend_cluster = -1, backend_svc = -1;
  State WithBackend(int ci, int si) const {
    State o = *this;
    o.backend_cluster = ci;
    o.backend_svc = si;
    return o;
  }
  int target_cluster = -1;
  int target_wl = -1;  // addressed workload (pod-IP traffic)
  int port = 0;
  int req = 0;           // index of the request variant (after filters)
  std::string header;    // x-istio-source on a double-HBONE CONNECT
  std::string waypoint;  // ns/name when this component is a waypoint
  std::string external;  // kExternal: host:port or ip:port
  std::string client;    // the original client's identity ("" = none)
  std::string peer;      // identity of the HBONE peer reaching the next hop
  std::string peer_ip;   // its address
  std::string dst_ip;    // the address the client dialled
  // §15.2: reached through an east-west gateway with x-forwarded-network,
  // so a waypoint here keeps to its own network's endpoints.
  bool forwarded_network = false;
  // §16.1: the client sidecar's DestinationRule sets tls.mode DISABLE: it
  // sends plaintext, with no identity, to an endpoint that does not speak
  // HBONE (ToEndpoint); HBONE endpoints still get HBONE.
  bool tls_disabled = false;
  // §16.1: ... sets tls.mode ISTIO_MUTUAL: HBONE where the endpoint speaks
  // it, else Istio mTLS, which a plain endpoint cannot answer (ToEndpoint).
  bool tls_mutual = false;
  // §16.1: ... sets tls.mode SIMPLE or MUTUAL: TLS of its own (no Istio
  // certificate, no Istio ALPN), inside HBONE where the endpoint speaks it.
  bool tls_user = false;
  // §16.1: a sidecar reaches the pod by its IP (an ORIGINAL_DST or
  // passthrough cluster), never over HBONE.
  bool pod_ip = false;
  // §16.9, §16.7: the client's proxy passes the connection through to an
  // address of a Service that no proxy knows; kube-proxy sends it to
  // target_wl on this port (its targetPort).
  int kube_port = -1;
  // §16.4: a proxy before this one verified the request's token with a rule
  // that does not forward it (forwardOriginalToken unset): the token is
  // gone from the request.
  bool token_removed = false;
};

struct VertexData {
  Hop hop;
  bool pseudo =
      false;  // an outcome marker or the ingress root, not a component
  bool terminal = false;
  Outcome outcome = Outcome::kDelivered;
  std::string reason;
  std::string waypoint;
  std::string redirect;
  std::optional<DeniedBy> denied_by;
  // A workload reached as a service's endpoint: that service (ns/name).
  std::string service;
};

struct EdgeData {
  std::string why;
  double share =
      1.0;           // fraction of the requests at the source taking this edge
  int route = -1;    // index into Impl::routes when a route chose this edge
  int breaker = -1;  // index into Impl::breakers: a proxy's circuit breaker
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS,
                                    VertexData, EdgeData>;
using Vertex = Graph::vertex_descriptor;

struct EpRef {
  int cluster;
  int wl;
  // §3.6: not ready, yet its Service lists it as ready
  // (publishNotReadyAddresses): every proxy treats it as healthy.
  bool published = false;
};

struct Backend {
  int cluster;
  int svc;
  int port;
  double share;
  std::string subset;  // a VirtualService destination's subset
};

// What the DestinationRule a proxy applies to a backend says about its
// endpoints (§16.1): the subset's labels and the merged traffic policy.
struct EndpointPolicy {
  std::string dr;  // ns/name of the DestinationRule
  std::string subset;
  Labels subset_labels;
  std::optional<TrafficPolicy> policy;
};

}  // namespace dataplane

struct ForwardingGraph::Impl {
  dataplane::Graph graph;
  dataplane::Vertex source = 0;
  bool has_loop = false;
  std::vector<PathRoute> routes;
  std::vector<PathBreaker> breakers;  // hop filled in per path
  std::string entry;                  // the traffic entry, for limits
  SourceLocation entry_location;
};

namespace dataplane {

class Builder {
 public:
  Builder(const Mesh& mesh, const TrafficEntry& t, ForwardingGraph::Impl& impl);

  void Build();

  std::string self_why_;

 private:
  // What the client dialled, in the client's cluster view.
  struct Dest {
    int svc_cluster = -1, svc = -1;  // service-addressed
    int wl_cluster = -1, wl = -1;    // workload-addressed
    std::string ip;                  // unknown address, or the dialled one
    std::string why;
    std::string fail;  // set: the connection fails there, for this reason
    // §16.9, §16.7: `wl` is kube-proxy's pick among a Service's pods for an
    // address no proxy knows, on this port (the targetPort); the
    // connection passes through.
    int kube_port = -1;
  };

  // ---- graph plumbing (dataplane.cc) ----------------------------------------
  Vertex AddPseudo();
  Vertex AddVertex(const Hop& hop);
  std::string KeyOf(const State& s) const;
  Hop HopFor(const State& s) const;
  // Counts an edge about to be added; throws LimitExceeded past
  // kMaxEdgesPerEntry.
  void CheckEdgeBudget();
  void Emit(Vertex from, const State& s, const std::string& why,
            double share = 1.0, int route = -1);
  Vertex Finish(Vertex at, Outcome outcome, const std::string& reason,
                const std::string& why, double share = 1.0, int route = -1);
  void Fail(Vertex at, const std::string& reason, const std::string& why,
            double share = 1.0, int route = -1);
  void Run();
  void Expand(Vertex v, const State& s);
  int AddRoute(const RouteChoice& rc);
  int AddRequest(const RoutedRequest& r);

  // ---- lookups (dataplane.cc) -----------------------------------------------
  int ClusterIndex(const std::string& name) const;
  IstioVersion Version(int ci) const;
  std::vector<int> ReadyPods(const Cluster& c,
                             const std::string& gateway_key) const;
  const Workload& W(int ci, int wi) const {
    return mesh_.clusters[ci].workloads[wi];
  }
  // §3.6: ready as its Service's endpoint list says.
  bool Ready(const EpRef& e) const {
    return e.published || W(e.cluster, e.wl).ready;
  }
  const Service& S(int ci, int si) const {
    return mesh_.clusters[ci].services[si];
  }
  std::string Identity(int ci, int wi) const;
  std::string SvcName(int ci, int si) const;

  // ---- the client side (client_side.cc, name_resolution.cc) -----------------
  std::vector<Dest> ResolveDest(int ci, const Workload& src) const;
  // The host of `s` that to.host names: an exact one, else a wildcard
  // that covers it (§3.4: addresses are per host).
  std::string MatchedHost(const Service& s) const;
  bool AnyGammaRoute(int ci, const Service& svc) const;
  std::optional<Dest> WithoutDnsProxy(int ci, const std::vector<size_t>& idx,
                                      const Workload& src) const;
  std::string DnsCaptureSource(const Cluster& c, const Workload& w) const;
  const Service* HiddenEntryHost(const Workload& src,
                                 const std::string& host) const;
  // §2.4: where a request to the host of an entry `src` does not see goes
  // (nothing when it fails, which it records).
  std::optional<Dest> HiddenEntryDest(Vertex v, const Workload& src,
                                      const Service& hidden);
  std::vector<Dest> ResolveHost(int ci, const Workload& src) const;
  // §3.4: ztunnel's DNS answer for an address-less service under the
  // cluster domain: its endpoints' addresses.
  std::vector<Dest> EndpointAnswers(int sci, int si) const;
  // §3.3: where a request to ExternalName Service `s` goes.
  Dest ExternalNameDest(int ci, const Service& s, bool sidecar) const;
  std::vector<Dest> ResolvePod(int ci) const;
  void FailIfEnded(Dest& d) const;  // §3.6
  // §16.9, §16.7: a connection to an address of a Service no proxy knows
  // (the ClusterIP of one istiod does not discover, an external address):
  // kube-proxy's pick among its pods; `reason` says why (default: §16.9).
  // kube-proxy on `src`'s node.
  std::vector<Dest> KubeProxyDests(int ci, const Workload& src,
                                   const Service& s, const std::string& ip,
                                   const std::string& reason = "") const;
  std::vector<Dest> ResolveIp(int ci, const Workload& src) const;
  void SourcePod(Vertex v, const State& s);
  void Uncaptured(Vertex v, const State& src, const State& n,
                  const std::string& why, double share);
  std::string IgnoredRoutesNote(int ci, int si) const;
  std::vector<EpRef> SameNetwork(const std::vector<EpRef>& reps,
                                 const std::string& network) const;
  void ClientZtunnel(Vertex v, const State& s);
  void ClientZtunnelToService(Vertex v, const State& s);
  void ClientZtunnelToPod(Vertex v, const State& s);
  void ClientSidecar(Vertex v, const State& s);
  bool WildcardTcpListener(const State& s) const;
  int SidecarHostService(const State& s) const;
  void SidecarRoutes(Vertex v, const State& s, const Service& svc,
                     std::string why, int sent = -1);

  // ---- proxies and their routes (proxies.cc) --------------------------------
  // The ready replicas of waypoint `wp` a client of cluster `ci` may use;
  // `closest`: only the closest (ztunnel's PreferClose, §2.1), else all of
  // them (an ingress: Envoy's endpoints of a waypoint carry no locality
  // priorities).
  // §3.8: the traffic distribution of waypoint `wp`'s Service in ci.
  std::string WaypointDistribution(int ci, const Gateway& wp) const;
  // §8.6: whether service `s` declares port `port` HTTP.
  bool DeclaresHttp(const Service& s, int port) const;
  bool WaypointChain(Vertex v, const Service& svc, bool dynamic_dns, State& s,
                     std::string* note);
  void AutoMtlsOff(int cluster, const Backend& be, const EndpointPolicy& pol,
                   State& out, std::string& why) const;
  // §16.1: keeps the endpoints of a DestinationRule subset.
  std::string KeepSubset(std::vector<EpRef>& eps,
                         const EndpointPolicy* policy) const;
  // §7.2: a local Service's same-network pods in clusters where it is
  // global, which a ztunnel client's view holds too.
  void AddGlobalElsewhere(std::vector<EpRef>& eps, int ci, int si,
                          int port) const;
  // §7.2: fails the connection (its `share`) at `v` when the client's
  // cluster does not know waypoint `wp`, named by cluster `record`'s
  // record; true then.
  bool UnknownWaypoint(Vertex v, const State& s, int record, const Gateway& wp,
                       const std::string& why, double share = 1.0);
  std::vector<EpRef> WaypointReplicas(int ci, const Gateway& wp, int client_wl,
                                      const Service* svc = nullptr,
                                      bool closest = true) const;
  const Service* PeerView(int ci, const Service& s) const;
  // The east-west gateway replicas that serve `network`: with peering, the
  // gateway of cluster `owner` (the exporter's own, §15.2); otherwise the
  // first cluster's on that network that has one (§7.2).
  // `from`: the sending proxy's cluster (its istiod's release decides).
  std::vector<EpRef> EastWestFor(const std::string& network, int owner,
                                 int from) const;
  void ToEastWest(Vertex from, const State& base, int svc_cluster, int svc,
                  int port, const std::string& network, int owner,
                  const std::string& header, const std::string& why,
                  double share = 1.0, int route = -1);
  void ToWaypoint(Vertex from, const State& base, int ci, const EpRef& replica,
                  const Gateway& wp, int svc_cluster, int svc,
                  int target_cluster, int target_wl, int port,
                  const std::string& header, const std::string& why,
                  double share, int route = -1);
  void ToWaypointReplicas(Vertex from, const State& base, int ci,
                          const std::vector<EpRef>& replicas, const Gateway& wp,
                          int svc_cluster, int svc, int target_cluster,
                          int target_wl, int port, const std::string& header,
                          const std::string& no_replica, const std::string& why,
                          double share = 1.0, int route = -1);
  std::vector<const HttpRoute*> RoutesFor(int ci,
                                          const std::string& parent_kind,
                                          const std::string& ns,
                                          const std::string& name,
                                          int port) const;
  std::vector<const HttpRoute*> MeshRoutes(int ci, int si, int port,
                                           const Gateway* waypoint) const;
  bool Route(Vertex from, const State& s,
             const std::vector<const HttpRoute*>& routes, int dflt_cluster,
             int dflt_svc, int port, const std::string& where,
             std::vector<Backend>* backends, int* route_id, int* req_id,
             std::string* why, const RouteContext& ctx = {});
  bool ResolveBackend(Vertex from, const RouteChoice& rc, const BackendRef& b,
                      const Cluster& c, int ci, int port, double share,
                      const std::string& why, std::vector<Backend>* backends);
  std::vector<const HttpRoute*> WaypointRoutes(int ci, int si, int port,
                                               const Gateway* wp,
                                               bool tcp = false) const;
  std::optional<EndpointPolicy> PolicyFor(Vertex from, int proxy_cluster,
                                          const std::string& proxy_ns,
                                          const Labels* proxy_labels,
                                          const Backend& be, std::string* why,
                                          int route);
  void RouterHop(Vertex v, State s);
  void RouterTcp(
      Vertex v, const State& s,
      const std::vector<std::pair<const IstioGateway*, const IstioServer*>>&
          at_port,
      const std::vector<IstioVirtualHost>& vhosts, const std::string& where);
  // §9, §16.3: request `req` as a TCP proxy reads it (no HTTP), and what
  // such a proxy forwards: `sent` as it came when it was HTTP the traffic
  // entry asked for, else `routed` (after the route's filters; `read` is
  // AsConnection's answer).
  int AsConnection(int req);
  int Forwarded(int sent, int read, int routed) const;
  void RouterForward(Vertex v, const State& s, int req,
                     const std::vector<Backend>& backends,
                     const std::string& why, int route);
  void WaypointHop(Vertex v, const State& s);
  void IngressHop(Vertex v, State s);
  std::vector<const Listener*> IngressListeners(Vertex v, const State& s,
                                                const Gateway& gw);
  std::vector<const HttpRoute*> IngressRoutes(const Cluster& c,
                                              const Gateway& gw,
                                              const Listener& listener) const;
  void IngressBackend(Vertex v, const State& s, State out, const Backend& be,
                      const std::string& why, int route,
                      const std::string& header);
  void EastWestHop(Vertex v, const State& s);

  // ---- the destination (destination.cc) -------------------------------------
  bool IsGlobal(int ci, const Service& s) const;
  // `with_unready`: also the endpoints that are not ready (istiod sends
  // them to Envoy as unhealthy, §16.1 SendsUnhealthy).
  // `port` (0: any): only the endpoints serving it (§3.4 ServesPort).
  std::vector<EpRef> Endpoints(int ci, int si, bool local_only,
                               bool with_unready = false, int port = 0) const;
  // §16.1: whether istiod sends the service's not-ready endpoints to an
  // Envoy proxy of cluster `ci` as unhealthy hosts (so a priority's share
  // follows its ready fraction), given the proxy's traffic policy `tp`.
  bool SendsUnhealthy(int ci, const Service& s, const TrafficPolicy* tp) const;
  // §3.8: a node-local Service's endpoints the proxy (pod `client_wl` of
  // cluster `ci`, -1: unknown) keeps; says so in `why`.
  std::vector<EpRef> NodeLocalEndpoints(const std::vector<EpRef>& eps, int ci,
                                        int client_wl, int svc_cluster, int svc,
                                        std::string& why) const;
  std::vector<EpRef> PreferClose(const std::vector<EpRef>& eps, int ci,
                                 int client_wl,
                                 const std::string& mode = "PreferClose") const;
  double EndpointWeight(const Service& s, int ci, const EpRef& e) const;
  // §4.6: whether the CNI passes the connection the component of `base`
  // (at vertex `from`) opens to pod `to` on `port`; when not, the path
  // fails there with the NetworkPolicy's reason.
  // §16.7: whether ingress pod `pod` serves `port` as a gateway (a
  // listener, or an Istio Gateway server, there) rather than as a pod.
  bool IngressServes(const EpRef& pod, int port) const;
  // §16.9, §16.7: the passthrough of a State with kube_port: plain TCP, no
  // identity, to the target pod on that port.
  void KubeProxyPassthrough(Vertex v, const State& s, const std::string& why,
                            double share = 1.0);
  bool NetworkPolicyPasses(Vertex from, const State& base, const EpRef& to,
                           int port, const std::string& why, double share,
                           int route);
  void ToEndpoint(Vertex from, const State& base, const EpRef& ep, int port,
                  const std::string& why, double share = 1.0, int route = -1);
  void ToExternal(Vertex from, const std::string& where, const std::string& why,
                  double share = 1.0, int route = -1);
  // Endpoints `eps` as a proxy in cluster `ci` sends to them: its own
  // network's, and the other networks' (behind their east-west gateways,
  // §7.2) by (network, exporting cluster with peering, else -1); `weights`
  // per endpoint.
  bool SandwichCaptured(const EpRef& r) const;
  // §7.2 (community): pods on another network no east-west gateway serves
  // do not exist for a proxy in cluster `ci` (istiod builds no
  // split-horizon endpoint for them): removed from `eps`; their networks.
  // A ztunnel client keeps ServiceEntry endpoints, which it picks (§3.4).
  std::set<std::string> LeaveOutGatewaylessNetworks(std::vector<EpRef>& eps,
                                                    int ci, bool ztunnel) const;
  struct EndpointSplit {
    std::vector<std::pair<EpRef, double>> local;
    std::map<std::pair<std::string, int>, double> remote;
    // §3.4: ServiceEntry endpoints on a network no east-west gateway serves,
    // which a ztunnel client picks and cannot reach, by network.
    std::map<std::string, double> unreachable;
    double total = 0;
  };
  // §16.1: a sidecar client's TLS toward endpoint `ep` (ISTIO_MUTUAL to a
  // pod with no proxy fails; DISABLE, or auto mTLS off, sends plaintext);
  // true when it decided the request.
  bool SidecarTls(Vertex from, const State& base, const EpRef& ep, int port,
                  const std::string& why, double share, int route);
  // §1.1: a client ztunnel's plain TCP to a sidecar pod without an HBONE
  // tunnel (no identity); true when it decided the request.
  // §6, §16.1: a sidecar client's request to a pod by its IP (never over
  // HBONE; Istio mTLS only as SidecarMtlsPodPorts allows).
  void SidecarToPod(Vertex v, const State& s);
  bool ZtunnelPlaintext(Vertex from, const State& base, const EpRef& ep,
                        int port, const std::string& why, double share,
                        int route);
  // §7.2: adds to `split` the share of the pods of service `svc` that are
  // not ready on other networks (ztunnel's split-horizon capacity).
  void AddNotReadyElsewhere(EndpointSplit& split, const std::vector<EpRef>& eps,
                            int ci, int svc_cluster, int svc, bool local_only,
                            int port) const;
  // §15.2: with peering, each exporter on another network is one endpoint
  // weighing its capacity (PeerCapacity of its pods, ready or not, times
  // its draining), healthy while it has a pod: sets those weights in
  // `split`, and adds exporters whose pods are none of them ready.
  void WeighPeers(EndpointSplit& split, int ci, int svc_cluster, int svc,
                  int port) const;
  // Both of the above where they apply (AddNotReadyElsewhere: ztunnel).
  void NoDnsRecord(Vertex v, int ci, const Workload& src);
  std::string UndeclaredPortReason(const Workload& src, int client_cluster,
                                   int ci, const Service& svc) const;
  void AddCapacity(EndpointSplit& split, const std::vector<EpRef>& eps, int ci,
                   int svc_cluster, int svc, bool local_only, int port,
                   bool ztunnel) const;
  EndpointSplit SplitByNetwork(const std::vector<EpRef>& eps,
                               const std::vector<double>& weights, int ci,
                               bool allow_remote_network,
                               bool ztunnel = false) const;
  void ToServiceEndpoints(Vertex from, const State& base, int ci, int client_wl,
                          int svc_cluster, int svc, int port,
                          bool allow_remote_network, const std::string& header,
                          const std::string& why,
                          bool local_cluster_only = false, double share = 1.0,
                          int route = -1,
                          const EndpointPolicy* policy = nullptr);
  // `weights`: each kept endpoint's locality weight (distribute), else
  // left empty.
  std::vector<EpRef> LocalityPreferred(const std::vector<EpRef>& eps, int ci,
                                       int proxy_wl, const TrafficPolicy& tp,
                                       std::string* why,
                                       std::vector<double>* weights) const;
  template <typename Rank>
  std::vector<EpRef> PriorityLoad(const std::vector<EpRef>& all,
                                  const Rank& rank, std::string* why,
                                  std::vector<double>* weights) const;
  template <typename Region, typename Zone, typename Subzone>
  std::vector<EpRef> Distributed(const std::vector<EpRef>& eps, int ci,
                                 const Workload& proxy, const TrafficPolicy& tp,
                                 std::string* why, std::vector<double>* weights,
                                 const Region& region, const Zone& zone,
                                 const Subzone& subzone) const;
  bool ToServiceEntryAddresses(Vertex from, const State& base, const Service& s,
                               int svc_cluster, int svc, int port, double total,
                               const std::string& why, double share, int route);
  int TargetPort(const Service& s, int port, const EpRef& e) const;
  RequestAttributes Attributes(const State& s, const std::string& principal,
                               const std::string& source_ip) const;
  bool Enforce(Vertex v, const PolicyDecision& d);
  void Deliver(Vertex v, const State& s, const std::string& why);
  void AdmitAndDeliver(Vertex v, const State& s, EnforcementPoint point,
                       const std::vector<const AuthorizationPolicy*>& policies,
                       const std::string& note = "",
                       const ServicePort* inbound = nullptr);
  bool PassThroughToClusterIp(Vertex from, const State& base, const Service& s,
                              int port, const std::string& why, double share,
                              int route);
  bool SidecarPodRefusesTls(Vertex from, const State& base, const EpRef& ep,
                            int port, const std::string& why, double share,
                            int route);
  const ServicePort* InboundServicePort(int ci, int wl, int port,
                                        const Service** owner) const;
  void DstZtunnel(Vertex v, const State& s);
  void DstSidecar(Vertex v, const State& s);
  // §16.7: an endpoint reached through kube-proxy (an external address, a
  // WorkloadEntry named by a Service's host name); false when it is not.
  bool ThroughKubeProxy(Vertex from, const State& base, const EpRef& ep,
                        int port, const std::string& why, double share,
                        int route);
  // The same for an address of cluster `ci` (`may_be_name`: a host name
  // is resolved too), as a ServiceEntry's inline endpoint gives it.
  bool AddressThroughKubeProxy(Vertex from, const State& base, int ci,
                               const std::string& address, bool may_be_name,
                               int port, const std::string& why, double share,
                               int route);
  // §4.1: a connection to one of the destination proxy's own ports (the
  // pod port after the Service's targetPort) is refused; true when it was.
  bool SelfCall(Vertex v, const State& s, const char* proxy);
  bool RefusesPlaintext(Vertex v, const State& s, const char* proxy);
  // `removed`, when given, is set when the accepting rule removes the token
  // from the request (§16.4).
  // §16.2: true (the path ends failed, 503) when waypoint `wp` has no
  // cluster for backend `be` of VirtualService route `route`
  // (WaypointHasClusterFor).
  bool WaypointLacksCluster(Vertex v, const State& s, const Gateway* wp,
                            int route, const Backend& be);
  bool Authenticate(Vertex v,
                    const std::vector<const RequestAuthentication*>& ras,
                    RequestAttributes& a, bool* removed = nullptr);

  const Mesh& mesh_;
  const TrafficEntry& t_;
  Graph& g_;
  size_t edges_ = 0;
  ForwardingGraph::Impl& impl_;
  bool multi_network_ = false;
  // §7.1: istiod merges other clusters' Services and waypoints into its
  // view only with AMBIENT_ENABLE_MULTI_NETWORK.
  bool multicluster_ = false;
  bool peering_ = false;  // §15.2
  // §15.2 PEERING_ENABLE_FLAT_NETWORKS: another cluster's pods on this
  // network are reached directly (always so without peering).
  bool flat_ = true;
  std::map<std::string, Vertex> by_key_;
  std::deque<std::pair<Vertex, State>> queue_;
  std::vector<RoutedRequest> requests_;
  int breaker_ = -1;  // set on the edges Emit adds while a proxy load-balances
};

}  // namespace dataplane
}  // namespace meshsim

#endif  // MESHSIM_SIM_DATAPLANE_BUILDER_H_
