#include "model/network_policy.h"

#include <algorithm>

#include "model/policy.h"

namespace meshsim {
namespace {

bool Selects(const NetworkPolicy& np, const Workload& w) {
  return np.ns == w.ns && np.pod_selector.Matches(w.labels);
}

// A peer as NetworkPolicy reads it: pod and namespace selectors match pods
// of the cluster (a podSelector alone: of the policy's namespace); an
// ipBlock matches the address, pods' included (meshsim's choice, as
// Calico; docs/semantics.md §4.6).
bool PeerMatches(const Cluster& c, const NetworkPolicy& np,
                 const NetworkPolicyPeer& p, const Workload* pod,
                 const std::string& ip) {
  if (!p.cidr.empty()) {
    // An address outside the cluster that meshsim does not know (a client
    // on the internet, another network's gateway after NAT): any ipBlock.
    if (ip.empty()) return !pod;
    if (!IpInBlock(p.cidr, ip)) return false;
    for (const std::string& e : p.except)
      if (IpInBlock(e, ip)) return false;
    return true;
  }
  if (!pod) return false;
  if (p.namespace_selector) {
    if (!p.namespace_selector->Matches(c.SelectorLabels(pod->ns))) return false;
  } else if (pod->ns != np.ns) {
    return false;
  }
  return !p.pod_selector || p.pod_selector->Matches(pod->labels);
}

// A rule's ports against `port` on pod `dst` (a named port is one of
// dst's container ports).
bool PortMatches(const NetworkPolicyRule& r, const Workload& dst, int port) {
  if (r.ports.empty()) return true;
  for (const NetworkPolicyPort& p : r.ports) {
    if (p.protocol != "TCP") continue;
    if (!p.port_name.empty()) {
      for (const ContainerPort& cp : dst.ports)
        if (cp.name == p.port_name && cp.port == port) return true;
      continue;
    }
    if (p.port == 0) return true;
    if (port == p.port || (p.end_port && port >= p.port && port <= p.end_port))
      return true;
  }
  return false;
}

}  // namespace

std::string NetworkPolicyVerdict::Reason(const std::string& src,
                                         const std::string& dst) const {
  std::string names;
  for (const std::string& p : policies)
    names += (names.empty() ? "" : ", ") + p;
  return std::string("NetworkPolicy ") + names +
         (policies.size() > 1 ? " select " : " selects ") +
         (ingress ? dst : src) + (ingress ? " for ingress" : " for egress") +
         " and none allows TCP port " + std::to_string(port) +
         (ingress ? " from " + src : " to " + dst) +
         ": the CNI drops the connection (§4.6)";
}

NetworkPolicyVerdict NetworkPolicyAllows(const Cluster& c, const Workload* src,
                                         const std::string& src_ip,
                                         const Workload& dst, int port) {
  NetworkPolicyVerdict v;
  v.port = port;
  bool isolated = false, allowed = false;
  for (const NetworkPolicy& np : c.network_policies) {
    if (!np.ingress || !Selects(np, dst)) continue;
    isolated = true;
    v.policies.push_back(np.Key());
    for (const NetworkPolicyRule& r : np.ingress_rules) {
      bool peer = r.any_peer;
      for (const NetworkPolicyPeer& p : r.peers)
        peer = peer || PeerMatches(c, np, p, src, src_ip);
      allowed = allowed || (peer && PortMatches(r, dst, port));
    }
  }
  if (isolated && !allowed) {
    v.allowed = false;
    return v;
  }
  v.policies.clear();
  if (!src) return v;
  isolated = allowed = false;
  for (const NetworkPolicy& np : c.network_policies) {
    if (!np.egress || !Selects(np, *src)) continue;
    isolated = true;
    v.policies.push_back(np.Key());
    for (const NetworkPolicyRule& r : np.egress_rules) {
      bool peer = r.any_peer;
      for (const NetworkPolicyPeer& p : r.peers)
        peer = peer || PeerMatches(c, np, p, &dst, dst.ip);
      allowed = allowed || (peer && PortMatches(r, dst, port));
    }
  }
  if (isolated && !allowed) {
    v.allowed = false;
    v.ingress = false;
  } else {
    v.policies.clear();
  }
  return v;
}

bool NetworkPolicyAdmitsPortFromAnyone(
    const Cluster& c, const Workload& dst, int port,
    std::vector<std::string>* isolating,
    std::map<const NetworkPolicyPeer*, bool>* pod_peers,
    const std::vector<Cluster>* mesh_clusters) {
  std::vector<const Cluster*> senders = {&c};
  if (mesh_clusters) {
    senders.clear();
    for (const Cluster& o : *mesh_clusters) senders.push_back(&o);
  }
  // HBONE's senders are pods (clients, waypoints, gateways): a rule counts
  // when some pod of the cluster may be its peer, which an ipBlock holding
  // no pod's address (169.254.7.127/32, for the kubelet's probes) is not.
  const auto some_pod = [&](const NetworkPolicy& np,
                            const NetworkPolicyRule& r) {
    if (r.any_peer) return true;
    for (const NetworkPolicyPeer& p : r.peers) {
      if (p.cidr.empty()) return true;
      if (pod_peers)
        if (auto it = pod_peers->find(&p); it != pod_peers->end()) {
          if (it->second) return true;
          continue;
        }
      // Any cluster's pod: on a shared network they send HBONE directly.
      bool any = false;
      for (const Cluster* o : senders)
        for (const Workload& w : o->workloads)
          if (!any && w.kind == "Pod" && !w.ip.empty() &&
              IpInBlock(p.cidr, w.ip) &&
              std::none_of(
                  p.except.begin(), p.except.end(),
                  [&](const std::string& e) { return IpInBlock(e, w.ip); }))
            any = true;
      if (pod_peers) (*pod_peers)[&p] = any;
      if (any) return true;
    }
    return false;
  };
  bool isolated = false;
  for (const NetworkPolicy& np : c.network_policies) {
    if (!np.ingress || !Selects(np, dst)) continue;
    isolated = true;
    if (isolating) isolating->push_back(np.Key());
    for (const NetworkPolicyRule& r : np.ingress_rules)
      if (PortMatches(r, dst, port) && some_pod(np, r)) return true;
  }
  return !isolated;
}

}  // namespace meshsim
