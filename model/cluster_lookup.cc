// The lookups of a finalized Cluster and Mesh (model/mesh.h): objects by
// key, a controller's pods, the services a host name or address reaches.
// They read the indexes Mesh::Finalize builds (mesh.cc).
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "model/mesh.h"
#include "model/mesh_queries.h"
#include "model/policy.h"
#include "model/text.h"

namespace meshsim {

const Namespace* Cluster::FindNamespace(const std::string& ns) const {
  auto it = namespaces.find(ns);
  return it == namespaces.end() ? nullptr : &it->second;
}

const Labels& Cluster::NamespaceLabels(const std::string& ns) const {
  static const Labels kEmpty;
  const Namespace* n = FindNamespace(ns);
  return n ? n->labels : kEmpty;
}

const Workload* Cluster::FindWorkload(const std::string& key) const {
  auto it = workload_by_key.find(key);
  return it == workload_by_key.end() ? nullptr : &workloads[it->second];
}

const Service* Cluster::FindService(const std::string& key) const {
  auto it = service_by_key.find(key);
  return it == service_by_key.end() ? nullptr : &services[it->second];
}

bool Cluster::ReferenceGranted(const std::string& from_kind,
                               const std::string& from_ns,
                               const std::string& to_kind,
                               const std::string& to_ns,
                               const std::string& to_name) const {
  for (const ReferenceGrant& g : reference_grants) {
    if (g.ns != to_ns) continue;
    bool from = false, to = false;
    for (const auto& [kind, ns] : g.from)
      from = from || (kind == from_kind && ns == from_ns);
    for (const auto& [kind, name] : g.to)
      to = to || (kind == to_kind && (name.empty() || name == to_name));
    if (from && to) return true;
  }
  return false;
}

const Gateway* Cluster::FindGateway(const std::string& key) const {
  auto it = gateways.find(key);
  return it == gateways.end() ? nullptr : &it->second;
}

const Node* Cluster::FindNode(const std::string& node_name) const {
  for (const Node& n : nodes)
    if (n.name == node_name) return &n;
  return nullptr;
}

std::vector<const Workload*> Cluster::WorkloadsOf(const std::string& ns,
                                                  const std::string& n) const {
  std::vector<const Workload*> out;
  if (workloads_indexed) {
    // A pod named `n` and the pods of a controller named `n`: an index
    // lookup each, where a scan of every pod cost a 200,000-pod mesh
    // milliseconds per call (per traffic entry and fault window).
    auto own = workloads_by_owner.find(ns + "/" + n);
    if (own != workloads_by_owner.end())
      for (size_t i : own->second) out.push_back(&workloads[i]);
    auto named = workload_by_key.find(ns + "/" + n);
    if (named != workload_by_key.end() &&
        workloads[named->second].owner != n)  // else listed above
      out.push_back(&workloads[named->second]);
  } else {
    for (const Workload& w : workloads)
      if (w.ns == ns && (w.owner == n || w.name == n)) out.push_back(&w);
  }
  std::sort(out.begin(), out.end(), [](const Workload* a, const Workload* b) {
    if (a->name.size() != b->name.size())
      return a->name.size() < b->name.size();
    return a->name < b->name;
  });
  return out;
}

namespace {

// The names a client in `client_ns` may mean by `host`: the host itself
// and, for a short name, its cluster.local forms.
std::vector<std::string> HostCandidates(const std::string& host,
                                        const std::string& client_ns) {
  std::vector<std::string> candidates = {host};
  size_t dots = std::count(host.begin(), host.end(), '.');
  if (dots == 0)
    candidates.push_back(host + "." + client_ns + ".svc.cluster.local");
  if (dots == 1) candidates.push_back(host + ".svc.cluster.local");
  if (dots == 2 && host.size() > 4 &&
      host.compare(host.size() - 4, 4, ".svc") == 0)
    candidates.push_back(host + ".cluster.local");
  return candidates;
}

}  // namespace

const Service* Cluster::UndiscoveredServiceForHost(
    const std::string& host, const std::string& client_ns) const {
  for (const std::string& c : HostCandidates(host, client_ns)) {
    auto it = undiscovered_by_host.find(c);
    if (it != undiscovered_by_host.end())
      return &undiscovered_services[it->second];
  }
  return nullptr;
}

std::optional<size_t> Cluster::PodForDnsName(const std::string& host,
                                             const std::string& client_ns,
                                             bool ready_only) const {
  if (pod_dns_names.empty()) return std::nullopt;
  static const std::string kSuffix = ".svc.cluster.local";
  // The names a pod's resolv.conf search path tries (ndots:5).
  std::vector<std::string> names = {host + "." + client_ns + kSuffix,
                                    host + kSuffix, host + ".cluster.local"};
  if (host.size() > kSuffix.size() &&
      host.compare(host.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0)
    names = {host};
  for (const std::string& name : names) {
    if (name.size() <= kSuffix.size() ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) !=
            0)
      continue;
    const std::string rest = name.substr(0, name.size() - kSuffix.size());
    if (std::count(rest.begin(), rest.end(), '.') != 2) continue;
    auto it = pod_dns_names.find(rest);
    if (it == pod_dns_names.end()) continue;
    const size_t first = rest.find('.');
    const std::string sub = rest.substr(first + 1, rest.rfind('.') - first - 1);
    const Workload& pod = workloads[it->second];
    // The EndpointSlice controller gives an endpoint its hostname only for
    // the headless Service named by the pod's subdomain; kube-dns answers
    // from those endpoints.
    const std::string svc_host = sub + "." + pod.ns + kSuffix;
    const Service* svc = nullptr;
    if (auto s = service_by_host.find(svc_host); s != service_by_host.end()) {
      for (size_t k : s->second)
        if (services[k].kind == "Service" && services[k].ns == pod.ns)
          svc = &services[k];
    } else if (auto u = undiscovered_by_host.find(svc_host);
               u != undiscovered_by_host.end()) {
      svc = &undiscovered_services[u->second];
    }
    if (!svc || !svc->headless) continue;
    if (!ready_only) {
      // The name's shape alone: the Service selects or lists the pod.
      const std::vector<size_t> listed = SliceEndpoints(*svc);
      if ((svc->selector && pod.kind == "Pod" &&
           SelectorMatches(*svc->selector, pod.labels)) ||
          std::find(listed.begin(), listed.end(), it->second) != listed.end())
        return it->second;
      continue;
    }
    const std::vector<size_t> eps = KubeProxyEndpoints(*svc);
    if (std::find(eps.begin(), eps.end(), it->second) != eps.end())
      return it->second;
  }
  return std::nullopt;
}

int Cluster::CidrServiceFor(const std::string& ip, const std::string& client_ns,
                            bool sidecar) const {
  auto canonical = [&](size_t a, size_t b) {
    const Service &x = services[a], &y = services[b];
    if ((x.kind == "Service") != (y.kind == "Service"))
      return x.kind == "Service";
    return x.creation_timestamp < y.creation_timestamp;
  };
  const bool by_ns = !sidecar;
  int best = -1, best_len = -1;
  for (size_t si : cidr_services) {
    const Service& s = services[si];
    if (s.Shadowed() ||                   // not in WDS (§3.4)
        !Visible(s, client_ns, sidecar))  // §2.4
      continue;
    for (const std::string& a : s.vips) {
      if (a.find('/') == std::string::npos || !IpInBlock(a, ip)) continue;
      const int len = std::atoi(a.c_str() + a.find('/') + 1);
      const bool ns = by_ns && s.ns == client_ns;
      if (best >= 0) {
        const bool best_ns = by_ns && services[best].ns == client_ns;
        if (ns != best_ns     ? !ns
            : len != best_len ? len < best_len
                              : !canonical(si, static_cast<size_t>(best)))
          continue;
      }
      best = static_cast<int>(si);
      best_len = len;
    }
  }
  return best;
}

int Cluster::PassthroughEntryFor(const std::string& ip,
                                 const std::string& client_ns,
                                 IstioVersion version) const {
  int best = -1;
  if (auto it = service_by_vip.find(ip); it != service_by_vip.end())
    for (size_t si : it->second) {
      const Service& s = services[si];
      if (s.Shadowed() || s.out_of_ambient_index ||  // not in WDS (§3.4)
          !Visible(s, client_ns, false))
        continue;
      // find_best_match: the client's namespace, then the oldest.
      bool better = best < 0;
      if (!better) {
        const Service& b = services[best];
        better = (s.ns == client_ns) != (b.ns == client_ns)
                     ? s.ns == client_ns
                     : s.creation_timestamp < b.creation_timestamp;
      }
      if (better) best = static_cast<int>(si);
    }
  if (best < 0 && version.AtLeast(1, 30))
    best = CidrServiceFor(ip, client_ns, false);
  if (best < 0) return -1;
  const Service& s = services[best];
  if (s.kind != "ServiceEntry") return -1;
  const bool none = s.resolution == "NONE";
  const bool no_endpoint =
      s.resolution == "STATIC" &&
      service_endpoints.size() > static_cast<size_t>(best) &&
      service_endpoints[best].empty() && s.inline_endpoints.empty();
  return none || no_endpoint ? best : -1;
}

const Service* Cluster::UndiscoveredServiceForVip(const std::string& ip) const {
  auto it = undiscovered_by_vip.find(ip);
  return it == undiscovered_by_vip.end() ? nullptr
                                         : &undiscovered_services[it->second];
}

std::vector<size_t> Cluster::KubeProxyEndpoints(const Service& s,
                                                int port) const {
  std::vector<size_t> out;
  if (s.external_name) return out;
  // kube-proxy has no rule for a port the Service does not have.
  if (port && !s.FindPort(port)) return out;
  // §3.4: the EndpointSlice of `port` leaves out pods without its name.
  auto serves = [&](const Workload& w) {
    return EndpointReady(s, w) && (!port || ServesPort(s, port, w));
  };
  for (size_t i = 0; s.selector && i < workloads.size(); ++i) {
    const Workload& w = workloads[i];
    if (w.kind == "Pod" && w.ns == s.ns && serves(w) &&
        SelectorMatches(*s.selector, w.labels))
      out.push_back(i);
  }
  // §3.4: and what its slices list (for a Service without a selector, the
  // only endpoints).
  for (size_t i : SliceEndpoints(s))
    if (serves(workloads[i]) &&
        std::find(out.begin(), out.end(), i) == out.end())
      out.push_back(i);
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    return workloads[a].name < workloads[b].name;
  });
  return out;
}

bool EntryHostMatches(const std::string& pattern, const std::string& host) {
  if (pattern == host) return true;
  return pattern.size() > 1 && pattern[0] == '*' &&
         host.size() > pattern.size() - 1 &&
         host.compare(host.size() - (pattern.size() - 1), pattern.size() - 1,
                      pattern, 1, std::string::npos) == 0;
}

std::vector<size_t> Cluster::ServicesForHost(const std::string& host,
                                             const std::string& client_ns,
                                             bool sidecar,
                                             bool ztunnel_dns) const {
  // §3.4 (ztunnel dns/server.rs find_server): each name the client may mean
  // (the host as written, then its cluster.local forms), and for each the
  // name itself, then wildcards of decreasing specificity (get_wildcards:
  // a.b.example.com, *.b.example.com, *.example.com, *.com); the first
  // with a service wins. Envoy's virtual hosts prefer the longest wildcard
  // too. With `ztunnel_dns` its DNS proxy drops, at each name, a service
  // with no address for it unless the name is under the cluster domain (a
  // headless Service; a ServiceEntry there too); §2.4: NAMESPACE entries
  // of other namespaces are not in the client's view.
  std::vector<size_t> out;
  for (const std::string& c : HostCandidates(host, client_ns)) {
    std::string pattern = c;
    for (size_t dot = 0; out.empty(); dot = c.find('.', dot + 1)) {
      if (dot == std::string::npos) break;
      if (dot != 0) pattern = "*" + c.substr(dot);
      auto it = service_by_host.find(pattern);
      if (it == service_by_host.end()) continue;
      for (size_t i : it->second)
        if (Visible(services[i], client_ns, sidecar) &&
            (!ztunnel_dns ||
             // §3.4: not an entry the ambient index leaves out.
             (!services[i].out_of_ambient_index &&
              (services[i].HostHasAddress(pattern) ||
               EndsWith(pattern, ".svc.cluster.local")))))
          out.push_back(i);
    }
    if (!out.empty()) break;
  }
  // §3.4 (selectWorkloadServices, ztunnel's lookup): the client's own
  // namespace's first, then the canonical one: a Kubernetes Service, else
  // the oldest entry (creationTimestamp; the index's order breaks ties).
  // §6: an Envoy's view (sidecar.go appendSidecarServices, for a sidecar
  // and a waypoint's routes alike) has no namespace preference: a
  // Kubernetes Service, else the oldest.
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    const Service& x = services[a];
    const Service& y = services[b];
    // An ExternalName Service is in no proxy's view: only kube-dns's.
    if (x.external_name != y.external_name) return y.external_name;
    if (!sidecar && (x.ns == client_ns) != (y.ns == client_ns))
      return x.ns == client_ns;
    const bool xk = x.kind == "Service" && !x.external_name;
    const bool yk = y.kind == "Service" && !y.external_name;
    if (xk != yk) return xk;
    return x.creation_timestamp < y.creation_timestamp;
  });
  return out;
}

Cluster* Mesh::FindCluster(const std::string& cluster_name) {
  for (Cluster& c : clusters)
    if (c.name == cluster_name) return &c;
  return nullptr;
}

const Cluster* Mesh::FindCluster(const std::string& cluster_name) const {
  for (const Cluster& c : clusters)
    if (c.name == cluster_name) return &c;
  return nullptr;
}

bool SubsetMatches(const Labels& subset, const Cluster& c, const Workload& w) {
  const Node* node = w.node.empty() ? nullptr : c.FindNode(w.node);
  for (const auto& [k, v] : subset) {
    const std::string* have = FindLabel(w.labels, k);
    std::string topo;
    bool set = false;
    if (k == "topology.kubernetes.io/region" && node && !node->region.empty())
      topo = node->region, set = true;
    else if (k == "topology.kubernetes.io/zone" && node && !node->zone.empty())
      topo = node->zone, set = true;
    else if (k == "topology.istio.io/subzone" && node && !node->subzone.empty())
      topo = node->subzone, set = true;
    else if (k == "topology.istio.io/cluster")
      topo = c.name, set = true;
    else if (k == "kubernetes.io/hostname" && !w.node.empty())
      topo = w.node, set = true;
    else if (k == "topology.istio.io/network" && !have && !w.network.empty())
      topo = w.network, set = true;
    if (set ? topo != v : (!have || *have != v)) return false;
  }
  return true;
}

}  // namespace meshsim
