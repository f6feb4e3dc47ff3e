// §3.4: the endpoints of a Kubernetes Service that EndpointSlices give
// (istiod's endpointSlicesBuilder and matchingServicesWithoutSelectors):
// an endpoint without a Pod targetRef is a host-network workload of its
// slice's Service alone; one naming a pod adds that Service to the pod's.
// The loader (model/io/kinds_endpoints.cc) reads the objects.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "model/mesh.h"

namespace meshsim {

namespace {
// A v1 Endpoints is mirrored into an EndpointSlice only for a Service
// without a selector (the EndpointSlice mirroring controller); the
// Endpoints of a Service with one is the endpoints controller's copy of
// what the selector already gives.
bool Counts(const Service& s, bool mirrored) {
  return !mirrored || !s.selector;
}

// "; did you mean 'name'?" for a Service of namespace `ns` close to `name`.
std::string DidYouMean(const Cluster& c, const std::string& ns,
                       const std::string& name) {
  std::vector<std::string> names;
  for (const Service& s : c.services)
    if (s.kind == "Service" && s.ns == ns) names.push_back(s.name);
  const std::string best = ClosestMatch(name, names);
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}
}  // namespace

std::vector<size_t> Cluster::SliceEndpoints(const Service& s) const {
  std::vector<size_t> out;
  if (s.kind != "Service" || s.external_name ||
      (slice_workloads_by_service.empty() && slice_refs_by_service.empty()))
    return out;
  const std::string key = s.ns + "/" + s.name;
  // An Endpoints object is read through the slice mirroring made of it
  // when the input holds that slice too (a cluster dump lists both).
  const bool via_mirror = mirror_managed_services.count(key) > 0;
  if (auto it = slice_workloads_by_service.find(key);
      it != slice_workloads_by_service.end())
    for (size_t wi : it->second)
      if (Counts(s, workloads[wi].slice_mirrored) &&
          !(via_mirror && workloads[wi].slice_mirrored))
        out.push_back(wi);
  if (auto it = slice_refs_by_service.find(key);
      it != slice_refs_by_service.end())
    for (size_t ri : it->second) {
      const SlicePodRef& ref = slice_pod_refs[ri];
      if (!Counts(s, ref.mirrored) || (via_mirror && ref.mirrored)) continue;
      auto pod = workload_by_key.find(ref.pod);
      if (pod == workload_by_key.end() || workloads[pod->second].kind != "Pod")
        continue;
      if (std::find(out.begin(), out.end(), pod->second) == out.end())
        out.push_back(pod->second);
    }
  return out;
}

// Called by IndexServices once the selectors have chosen: adds each
// Service's slice endpoints it does not have yet; on the first pass, a
// warning for each slice endpoint no Service takes and for each address a
// pod holds (meshsim does not model the pod's ztunnel receiving it).
void AddSliceEndpoints(Cluster& c, Diagnostics* diags) {
  std::vector<bool> taken(c.workloads.size(), false);
  for (size_t si = 0; si < c.services.size(); ++si) {
    const Service& s = c.services[si];
    if (s.kind != "Service" || s.Shadowed()) continue;
    for (size_t wi : c.SliceEndpoints(s)) {
      taken[wi] = true;
      std::vector<size_t>& eps = c.service_endpoints[si];
      if (std::find(eps.begin(), eps.end(), wi) != eps.end()) continue;
      eps.push_back(wi);
      std::vector<size_t>& svcs = c.workload_services[wi];
      svcs.insert(std::lower_bound(svcs.begin(), svcs.end(), si), si);
    }
  }
  if (!diags) return;
  for (size_t ri = 0; ri < c.slice_pod_refs.size(); ++ri) {
    const Cluster::SlicePodRef& ref = c.slice_pod_refs[ri];
    const Service* s = c.FindService(ref.ns + "/" + ref.service);
    if (ref.mirrored && s && s->selector) continue;  // never mirrored
    if (!c.FindWorkload(ref.pod))
      diags->Warning(ref.location, "an endpoint of Service " + ref.ns + "/" +
                                       ref.service + " names pod " + ref.pod +
                                       " by targetRef, which "
                                       "cluster " +
                                       c.name +
                                       " has not: it adds no endpoint "
                                       "(§3.4)");
  }
  std::set<std::string> warned;  // slice|port named in a port warning
  for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
    const Workload& w = c.workloads[wi];
    if (w.kind != "EndpointSlice") continue;
    const Service* s = c.FindService(w.ns + "/" + w.slice_service);
    const bool kube_proxy_only = std::any_of(
        c.undiscovered_services.begin(), c.undiscovered_services.end(),
        [&](const Service& u) {  // §16.9: kube-proxy and kube-dns read it
          return u.ns == w.ns && u.name == w.slice_service;
        });
    const bool via_mirror =
        w.slice_mirrored &&
        c.mirror_managed_services.count(w.ns + "/" + w.slice_service);
    if (!taken[wi] && !kube_proxy_only && !via_mirror) {
      const std::string why =
          !s || s->kind != "Service"
              ? "cluster " + c.name + " has no Service " + w.ns + "/" +
                    w.slice_service + ", so istiod ignores it" +
                    DidYouMean(c, w.ns, w.slice_service)
          : s->external_name
              ? "Service " + s->Key() + " is an ExternalName"
              : "Service " + s->Key() +
                    " has a selector: the EndpointSlice mirroring controller "
                    "mirrors Endpoints only for a Service without one";
      diags->Warning(w.location,
                     w.Subject() + " is no endpoint: " + why + " (§3.4)");
      continue;
    }
    if (!taken[wi]) continue;
    auto pod = c.workload_by_ip.find(w.ip);
    if (pod != c.workload_by_ip.end() && c.workloads[pod->second].kind == "Pod")
      diags->Warning(w.location,
                     w.Subject() + " has the address of pod " +
                         c.workloads[pod->second].Key() +
                         " but no targetRef naming it: istiod makes it an "
                         "opaque host-network endpoint; meshsim delivers "
                         "there without the pod's ztunnel or policies "
                         "(not modelled; add targetRef: {kind: Pod, "
                         "namespace: " +
                         w.ns + ", name: " + c.workloads[pod->second].name +
                         "}) (§3.4)");
    // Envoy's EDS (sidecars, waypoints, ingress) and kube-proxy join a
    // slice's ports to the Service's by name, with no fallback; meshsim
    // follows ztunnel, which falls back to the Service's targetPort.
    for (const ServicePort& sp : s->ports)
      if (sp.protocol == "TCP" &&  // istiod keeps a slice's TCP ports only
          std::none_of(
              w.ports.begin(), w.ports.end(),
              [&](const ContainerPort& cp) { return cp.name == sp.name; }) &&
          warned.insert(w.name.substr(0, w.name.rfind('@')) + "|" + sp.name)
              .second)
        diags->Warning(
            w.location,
            w.Subject() + " has no port named '" + sp.name + "' like Service " +
                s->Key() + "'s port " + std::to_string(sp.port) +
                ": ztunnel falls back to the Service's targetPort, but "
                "sidecars, waypoints, ingress gateways and kube-proxy have no "
                "endpoint there (meshsim follows ztunnel for every client; "
                "name the slice's port '" +
                sp.name + "') (§3.4)");
  }
}

}  // namespace meshsim
