// The questions asked of the mesh's types that are not members: built-in
// gateway classes, selectors, service scope, ServiceEntry hosts, protocol
// and address allocation, and whether a pod is a ready endpoint of a
// Service. model/mesh.h includes this header at its end, so every user of
// the types has them.
#ifndef MESHSIM_MODEL_MESH_QUERIES_H_
#define MESHSIM_MODEL_MESH_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/mesh.h"

namespace meshsim {

// Gateway classes Istio (and Solo's distribution) provide without a
// GatewayClass object (§2.1, §7.1, §15.1).
const std::vector<std::string>& BuiltinGatewayClasses();
bool IsBuiltinGatewayClass(const std::string& class_name);
// The Deployment (and service account) name Istio's deployment controller
// gives a Gateway (after Finalize: it depends on the role): waypoints and
// east-west gateways keep the Gateway's name, other classes get
// "<name>-<class>" (istio: "<name>-istio").
std::string GeneratedDeploymentName(const Gateway& gw);

// §3.8: the traffic distribution `s` has in cluster `c` under release `v`
// (model.GetTrafficDistribution, by release): "PreferClose",
// "PreferSameZone", "PreferSameNode", "Any", or "" for none.
std::string EffectiveTrafficDistribution(const Cluster& c, const Service& s,
                                         const IstioVersion& v);

// A Gateway API duration ("10s", "500ms", "1h30m": one to four parts of
// 1-5 digits and h, m, s or ms), in nanoseconds; nullopt when malformed.
std::optional<int64_t> ParseGatewayDuration(const std::string& s);

// Matches a Kubernetes equality label selector (every key equal).
bool SelectorMatches(const Labels& selector, const Labels& labels);
// §16.1 (label.go AugmentLabels): a DestinationRule subset's labels against
// endpoint `w` of cluster `c` as istiod labels it: its own labels, with the
// topology ones set from where it runs (topology.kubernetes.io/region and
// /zone, topology.istio.io/subzone from its node; topology.istio.io/cluster;
// kubernetes.io/hostname, its node; topology.istio.io/network when its own
// labels do not set it) (cluster_lookup.cc).
bool SubsetMatches(const Labels& subset, const Cluster& c, const Workload& w);

// §16.6: whether MeshConfig's serviceScopeConfigs make a Service with
// `labels` in a namespace with `ns_labels` global. Only Kubernetes Services
// have a scope; ServiceEntries stay local.
bool ServiceScopeGlobal(const IstioSettings& istio, const Labels& ns_labels,
                        const Labels& labels);
// §16.6, §7.2: whether waypoint `gw`'s own Service is global in `cluster`:
// the Service of that name in the manifests, else the one istiod generates,
// labelled from the Gateway (its labels and spec.infrastructure.labels).
bool WaypointServiceGlobal(const Mesh& mesh, const Cluster& cluster,
                           const Gateway& gw);
// Returns the label value or nullptr.
const std::string* FindLabel(const Labels& labels, const std::string& key);
// §3.4: before 1.30, whether istiod leaves entry `s` out of the ambient
// index for an address block (Finalize sets Service::out_of_ambient_index).
bool OutOfAmbientIndex(const Service& s, IstioVersion version);
// §3.4: ServiceEntry host `pattern` names `host` (equal, or "*.a" "b.a").
bool EntryHostMatches(const std::string& pattern, const std::string& host);
// §8.6: the protocol istiod gives a port (kube/conversion.go
// ConvertProtocol; a ServiceEntry's `protocol` through protocol.Parse):
// appProtocol, else the name's prefix before '-'; HTTP (http, http2,
// http_proxy, grpc, grpc-web, kubernetes.io/h2c and /ws), TCP (tcp, tls,
// https, mongo, redis, mysql, kubernetes.io/wss; an undeclared port 25, 53,
// 3306 or 27017), UDP, else undeclared: sniffed. An Envoy's listener for a
// service port has the HTTP chain only, the TCP chain only, or both with
// protocol detection.
enum class PortProtocol { kSniffed, kHttp, kTcp, kUdp };
PortProtocol DeclaredProtocol(const ServicePort& p);
// §8.6: DeclaredProtocol is HTTP.
bool PortDeclaresHttp(const ServicePort& p);
// §4.1 (ztunnel config.rs illegal_ports, inbound.rs
// find_inbound_upstream, inbound_passthrough.rs): a connection to a pod
// port that is its proxy's own is refused: ztunnel's 15001, 15006 and
// 15008; a sidecar's 15000 (admin) too (Istio's TestDirect).
inline bool ProxyOwnPort(int port, bool ztunnel) {
  return port == 15001 || port == 15006 || port == 15008 ||
         (!ztunnel && port == 15000);
}
// §16.2: the port is TLS to istiod (TLS, HTTPS): a sidecar reads the tls
// rules of VirtualServices there. model/port_protocol.cc.
bool PortDeclaresTls(const ServicePort& p);
// §3.4: whether istiod would allocate addresses to ServiceEntry `s` of
// cluster `c` that has none (PILOT_ENABLE_IP_AUTOALLOCATE, default on from
// 1.25; the entry's networking.istio.io/enable-autoallocate-ip=false opts
// out). Resolution and wildcard hosts are the caller's.
bool AutoAllocatesAddress(const IstioSettings& istio, const Cluster& c,
                          const Service& s);

// §3.6: whether pod `w` is a ready endpoint of Service `s`, as its
// EndpointSlice (kube-proxy, kube-dns, Envoy's EDS) and ztunnel's health
// policy say: a ready pod, or, when the Service sets
// spec.publishNotReadyAddresses, any pod that has not ended.
inline bool EndpointReady(const Service& s, const Workload& w) {
  return w.ready || (s.publish_not_ready && !w.terminal);
}

// §7.1 (networks.go remoteK8sGatewayToNetworkGateways): why istiod does not
// take east-west Gateway `gw` as the gateway of its network, "" when it
// does: it needs the topology.istio.io/network label, the class
// istio-east-west (Solo's istio-eastwest too in the Solo distribution), an
// HBONE listener terminating TLS and, when a status is written, an address
// there. Solo peering's gateways follow §15.2 instead (never refused here).
// model/network_gateways.cc.
// `reader`: the version of the istiod that reads it (the sending proxy's
// cluster's): before 1.27 none takes another cluster's istio-east-west
// Gateway (ambient multi-network arrived in 1.27); nullopt: not asked.
std::string NetworkGatewayRefusal(const IstioSettings& istio, const Gateway& gw,
                                  std::optional<IstioVersion> reader = {});
// An east-west Gateway istiod uses as its network's gateway.
inline bool IsNetworkGateway(const IstioSettings& istio, const Gateway& gw,
                             std::optional<IstioVersion> reader = {}) {
  return gw.role == GatewayRole::kEastWest &&
         NetworkGatewayRefusal(istio, gw, reader).empty();
}

// §9: whether waypoint `gw` takes the routes parented to it: an
// istio-waypoint never does (istiod converts no route for its listener,
// gateway_collection.go); gloo-waypoint and agentgateway's class do.
inline bool WaypointTakesRoutes(const Gateway& gw) {
  return gw.class_name != "istio-waypoint";
}

// Whether `s`'s selector picks `w` (not an EndpointSlice's listing, §3.4):
// a peered entry's workloadSelector copies it (§15.2).
inline bool SelectedBy(const Service& s, const Workload& w) {
  return s.selector && SelectorMatches(*s.selector, w.labels);
}

// §3.4: whether workload `w` serves port `port` of Service `s`: a
// Kubernetes Service port whose targetPort is a name reaches only the pods
// with a container port of that name, and the WorkloadEntries whose ports
// map names it (istiod's constructServices leaves the port out of the
// others, and ztunnel and the EndpointSlice leave them out of it).
// An EndpointSlice endpoint maps the Service's port names to its ports
// (istiod's endpointSlicesBuilder): it serves a port with a named
// targetPort when its slice has a port of the Service port's name.
inline bool ServesPort(const Service& s, int port, const Workload& w) {
  if (s.kind != "Service") return true;
  const ServicePort* sp = s.FindPort(port);
  if (!sp || sp->target_port || sp->target_port_name.empty()) return true;
  const std::string& name =
      w.kind == "EndpointSlice" ? sp->name : sp->target_port_name;
  for (const ContainerPort& cp : w.ports)
    if (cp.name == name) return true;
  return false;
}

}  // namespace meshsim

#endif  // MESHSIM_MODEL_MESH_QUERIES_H_
