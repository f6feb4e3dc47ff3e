// §4.6: Kubernetes NetworkPolicy as the CNI enforces it, on the host,
// outside the pod: it sees each TCP connection's addresses and the port it
// reaches the pod on. In ambient that is 15008 for every HBONE connection
// (a captured pod, a waypoint, an east-west gateway, a sidecar reached by a
// ztunnel), and the pod's own port only for plain TCP. Istio never bypasses
// it.
//
//   auto v = NetworkPolicyAllows(cluster, src_pod, src_ip, dst_pod, 15008);
//   if (!v.allowed) ... v.Reason() ...
#ifndef MESHSIM_MODEL_NETWORK_POLICY_H_
#define MESHSIM_MODEL_NETWORK_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "model/mesh.h"

namespace meshsim {

// Well-known ports of the ambient data plane (§1.2).
inline constexpr int kHboneInboundPort = 15008;

struct NetworkPolicyVerdict {
  bool allowed = true;
  bool ingress = true;  // which side refused: the destination's ingress
                        // policies, or the source's egress policies
  std::vector<std::string> policies;  // ns/name of those that select it
  int port = 0;
  // "NetworkPolicy ns/a, ns/b select pod ns/p for ingress and none allows
  // TCP port 15008 from pod ns/q (§4.6)".
  std::string Reason(const std::string& src, const std::string& dst) const;
};

// Whether a TCP connection from `src` (a pod of cluster `c`; nullptr for an
// address that is no pod of it, `src_ip`, "" when unknown: outside the
// cluster, matched by any ipBlock) to pod `dst` of `c` on `port` passes:
// `dst`'s ingress policies, then `src`'s egress ones. A pod no policy of a
// direction selects is not isolated in it.
NetworkPolicyVerdict NetworkPolicyAllows(const Cluster& c, const Workload* src,
                                         const std::string& src_ip,
                                         const Workload& dst, int port);

// Whether `dst`'s ingress policies (if any isolate it) admit port `port`
// from some pod of `c`: false when they allow other ports only, or that
// port only from addresses no pod has (the ambient pitfall: HBONE on 15008
// refused, §4.6). True when none isolates it. `pod_peers` (optional, one
// per cluster) remembers which ipBlock peers hold a pod's address, of `c`
// or, given, of any of `mesh_clusters`.
bool NetworkPolicyAdmitsPortFromAnyone(
    const Cluster& c, const Workload& dst, int port,
    std::vector<std::string>* isolating,
    std::map<const NetworkPolicyPeer*, bool>* pod_peers = nullptr,
    const std::vector<Cluster>* mesh_clusters = nullptr);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_NETWORK_POLICY_H_
