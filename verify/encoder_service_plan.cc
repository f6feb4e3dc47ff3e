// The plan of one service slice (§2.3, §3.4, §7.2, §15.2): the clusters
// that have the service, its endpoints, and which cluster's view each
// source class uses, or none when the class cannot address the service.
#include <set>
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"
#include "model/peering.h"
#include "verify/encoder.h"
#include "verify/encoder_plan.h"

namespace meshsim::verify {

namespace {

// §3.4: whether kube-dns answers one of entry `e`'s hosts with a
// Kubernetes Service of cluster `c` (its ClusterIP, not the entry's
// address).
bool KubeDnsNames(const Cluster& c, const Service& e) {
  for (const std::string& h : e.hosts) {
    const auto it = c.service_by_host.find(h);
    if (it == c.service_by_host.end()) continue;
    for (size_t si : it->second) {
      const Service& k = c.services[si];
      if (k.kind == "Service" && !k.external_name && !k.vips.empty())
        return true;
    }
  }
  return false;
}

}  // namespace

Encoder::ServicePlan Encoder::PlanService(const std::string& key) const {
  ServicePlan plan;
  plan.sc = &sc_;
  plan.key = key;
  for (size_t ci = 0; ci < sc_.mesh.clusters.size(); ++ci) {
    const Service* s = sc_.mesh.clusters[ci].FindService(key);
    plan.in.push_back(s);
    // §3.4: an entry whose hosts an older one holds is not in WDS.
    if (s && !s->vips.empty() && !s->external_name && !s->Shadowed())
      plan.clusters.push_back(static_cast<int>(ci));
  }
  if (plan.clusters.empty()) return plan;
  const Service& base = *plan.In(plan.clusters[0]);
  plan.base = &base;
  plan.global.assign(sc_.mesh.clusters.size(), 0);
  for (size_t ci = 0; ci < plan.global.size(); ++ci) {
    const Service* s = plan.In(static_cast<int>(ci));
    if (!s) continue;
    const Cluster& c = sc_.mesh.clusters[ci];
    // §16.6: scope is the Service's own, whatever its waypoint's.
    plan.global[ci] = GlobalService(sc_.mesh, c, *s);
  }
  plan.peered = PeeringOn(sc_.mesh) && base.peered.has_value();
  std::set<std::pair<int, size_t>> seen;
  for (int ci : plan.clusters) {
    const Cluster& c = sc_.mesh.clusters[ci];
    size_t si = c.service_by_key.at(key);
    // §3.6: the pods its endpoint list calls ready (a peered entry's:
    // its cluster's Service's).
    const Service* lister = &c.services[si];
    if (lister->peered)
      if (const Service* own = c.FindService(lister->peered->service);
          own && own->kind == "Service")
        lister = own;
    for (size_t wi : c.service_endpoints[si])
      if (EndpointReady(*lister, c.workloads[wi]) &&
          seen.insert({ci, wi}).second)
        plan.eps.push_back({ci, wi});
    if (!plan.peered) continue;
    // §15.2: the exporters' pods of the peered Service, wherever an entry
    // of this name lists them.
    const Service& s = c.services[si];
    for (const PeeredService::Exporter& x : s.peered->exporters) {
      const Cluster& xc = sc_.mesh.clusters[x.cluster];
      auto it = xc.service_by_key.find(s.peered->service);
      if (it == xc.service_by_key.end()) continue;
      // The entry selects with the Service's selector: what only an
      // EndpointSlice lists (§3.4) does not join it.
      const Service& xs = xc.services[it->second];
      for (size_t wi : xc.service_endpoints[it->second])
        if (SelectedBy(xs, xc.workloads[wi]) &&
            EndpointReady(xs, xc.workloads[wi]) &&
            seen.insert({x.cluster, wi}).second)
          plan.eps.push_back({x.cluster, wi});
    }
  }
  // Which cluster's view a source class uses (§7.2: its own cluster's
  // Service, else a global one elsewhere), and whether it can reach it.
  plan.view.assign(classes().size(), -1);
  plan.refused.assign(classes().size(), 0);
  for (size_t k = 0; k < classes().size(); ++k) {
    const SourceClass& cls = classes()[k];
    if (plan.In(cls.cluster)) {
      plan.view[k] = cls.cluster;
    } else if (!plan.peered) {
      for (int ci : plan.clusters)
        // §2.4: a NAMESPACE entry of another namespace is not in view.
        // §3.4, §7.2: ztunnel's DNS answers with the VIPs on the client's
        // network only.
        if (plan.GlobalIn(ci) && cls.kind == ClientKind::kAmbient &&
            sc_.mesh.clusters[ci].network ==
                sc_.mesh.clusters[cls.cluster].network &&
            Cluster::Visible(*plan.In(ci), cls.ns, false)) {
          plan.view[k] = ci;
          break;
        }
    }
    bool refused = false;
    if (cls.kind == ClientKind::kIngress &&
        !IngressReaches(cls, key, &refused)) {
      if (refused && plan.view[k] >= 0)
        plan.refused[k] = 1;
      else
        plan.view[k] = -1;
    }
    if (cls.kind == ClientKind::kUncaptured && base.kind == "ServiceEntry" &&
        !plan.peered)
      plan.view[k] = -1;  // kube-proxy
    // §2.4: a NAMESPACE entry is in other namespaces' view of neither
    // ztunnel nor (applyToSidecars) a sidecar.
    if (const Service* own = plan.In(cls.cluster);
        own && ((cls.kind == ClientKind::kAmbient &&
                 !Cluster::Visible(*own, cls.ns, false)) ||
                (cls.kind == ClientKind::kSidecar &&
                 !Cluster::Visible(*own, cls.ns, true))))
      plan.view[k] = -1;
    // §3.4: ztunnel knows no entry the ambient index leaves out.
    if (cls.kind == ClientKind::kAmbient && plan.view[k] >= 0 &&
        OutsideAmbientIndex(
            *plan.In(plan.view[k]),
            sc_.mesh.clusters[plan.view[k]].VersionOr(sc_.mesh.istio.version)))
      plan.view[k] = -1;
    // §3.4: kube-dns (no DNS proxy) knows only its cluster's Services: no
    // allocated entry address, peering name or other cluster's Service, and
    // a Service's own name gives its ClusterIP, not an entry's address.
    if (cls.kind == ClientKind::kAmbient && !cls.dns_capture) {
      const Service* own = plan.In(cls.cluster);
      if (!own || (own->kind == "ServiceEntry" &&
                   (own->auto_allocated || plan.peered ||
                    KubeDnsNames(sc_.mesh.clusters[cls.cluster], *own))))
        plan.view[k] = -1;
    }
  }
  plan.multi = MultiNetwork();
  if (peering_) {
    std::set<std::string> nets;
    for (const Cluster& c : sc_.mesh.clusters) nets.insert(c.network);
    // Peering sends double HBONE itself, also within a network that is
    // not flat (PEERING_ENABLE_FLAT_NETWORKS off).
    plan.multi = nets.size() > 1 || !flat_networks_;
  }
  plan.interop =
      sc_.mesh.istio.Flag("ENABLE_WAYPOINT_INTEROP",
                          sc_.mesh.istio.distribution == Distribution::kSolo);
  MarkUnready(plan);
  return plan;
}

// §7.2, §15.2: the pods that are not ready which a client may still pick
// (PlanService), appended to `plan.eps`, marked in `plan.unready`.
void Encoder::MarkUnready(ServicePlan& plan) const {
  const Service& base = *plan.base;
  // §7.2: istiod's split-horizon workload for another network counts the
  // service's pods there ready or not; an ambient client may pick that
  // network for a request no ready pod there serves (ServiceEndpointTerms
  // says which), and its gateway fails it. Stated for a service whose
  // Kubernetes trafficDistribution leaves the choice to capacity (none or
  // Any); the pods that are not ready are appended, marked.
  const std::string& td = base.traffic_distribution;
  // §15.2: likewise an exporter's WorkloadEntry weighs its pods ready or
  // not (PeerCapacity): its pods that are not ready are appended, marked.
  if (plan.peered && plan.multi && (td.empty() || td == "Any")) {
    plan.unready.assign(plan.eps.size(), 0);
    std::set<int> exporters;
    for (int ci : plan.clusters)
      if (const Service* s = plan.In(ci); s->peered)
        for (const PeeredService::Exporter& x : s->peered->exporters)
          if (x.draining < 100) exporters.insert(x.cluster);
    for (int xi : exporters) {
      const Cluster& xc = sc_.mesh.clusters[xi];
      auto it = xc.service_by_key.find(base.peered->service);
      if (it == xc.service_by_key.end()) continue;
      const Service& xs = xc.services[it->second];
      if (xs.kind != "Service") continue;
      for (size_t wi : xc.service_endpoints[it->second]) {
        const Workload& w = xc.workloads[wi];
        if (w.terminal || !SelectedBy(xs, w) || EndpointReady(xs, w)) continue;
        plan.eps.push_back({xi, wi});
        plan.unready.push_back(1);
      }
    }
  }
  if (plan.multi && !peering_ && (td.empty() || td == "Any")) {
    plan.unready.assign(plan.eps.size(), 0);
    for (int ci : plan.clusters) {
      const Cluster& c = sc_.mesh.clusters[ci];
      const size_t si = c.service_by_key.at(plan.key);
      if (c.services[si].node_local) continue;
      for (size_t wi : c.service_endpoints[si]) {
        const Workload& w = c.workloads[wi];
        if (w.terminal || w.kind != "Pod" || EndpointReady(c.services[si], w))
          continue;
        plan.eps.push_back({ci, wi});
        plan.unready.push_back(1);
      }
    }
  }
}

}  // namespace meshsim::verify
