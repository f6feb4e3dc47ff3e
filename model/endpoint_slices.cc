// §3.4: the endpoints of a Kubernetes Service that EndpointSlices give
// (istiod's endpointSlicesBuilder and matchingServicesWithoutSelectors):
// an endpoint without a Pod targetRef is a host-network workload of its
// slice's Service alone; one naming a pod adds that Service to the pod's.
// The loader (model/io/kinds_endpoints.cc) reads the objects.
#include <algorithm>
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
  if (s.kind != "Service" || s.external_name) return out;
  for (size_t wi = 0; wi < workloads.size(); ++wi) {
    const Workload& w = workloads[wi];
    if (w.ns == s.ns && w.slice_service == s.name &&
        Counts(s, w.slice_mirrored))
      out.push_back(wi);
  }
  for (const SlicePodRef& ref : slice_pod_refs) {
    if (ref.ns != s.ns || ref.service != s.name || !Counts(s, ref.mirrored))
      continue;
    auto it = workload_by_key.find(ref.pod);
    if (it == workload_by_key.end() || workloads[it->second].kind != "Pod")
      continue;
    if (std::find(out.begin(), out.end(), it->second) == out.end())
      out.push_back(it->second);
  }
  return out;
}

// Called by IndexServices once the selectors have chosen: adds each
// Service's slice endpoints it does not have yet; on the first pass, a
// warning for each slice endpoint no Service takes and for each address a
// pod holds (meshsim does not model the pod's ztunnel receiving it).
void AddSliceEndpoints(Cluster& c, Diagnostics* diags) {
  std::vector<bool> taken(c.workloads.size(), false);
  std::vector<bool> ref_taken(c.slice_pod_refs.size(), false);
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
    if (!c.FindWorkload(ref.pod))
      diags->Warning(ref.location, "an endpoint of Service " + ref.ns + "/" +
                                       ref.service + " names pod " + ref.pod +
                                       " by targetRef, which "
                                       "cluster " +
                                       c.name +
                                       " has not: it adds no endpoint "
                                       "(§3.4)");
  }
  for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
    const Workload& w = c.workloads[wi];
    if (w.kind != "EndpointSlice") continue;
    const Service* s = c.FindService(w.ns + "/" + w.slice_service);
    const bool kube_proxy_only = std::any_of(
        c.undiscovered_services.begin(), c.undiscovered_services.end(),
        [&](const Service& u) {  // §16.9: kube-proxy and kube-dns read it
          return u.ns == w.ns && u.name == w.slice_service;
        });
    if (!taken[wi] && !kube_proxy_only) {
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
    auto pod = c.workload_by_ip.find(w.ip);
    if (!taken[wi]) continue;
    if (pod != c.workload_by_ip.end() && c.workloads[pod->second].kind == "Pod")
      diags->Warning(w.location,
                     w.Subject() + " has the address of pod " +
                         c.workloads[pod->second].Key() +
                         " but no targetRef naming it: istiod makes it an "
                         "opaque host-network endpoint; meshsim delivers "
                         "there without the pod's ztunnel or policies "
                         "(not modelled; add targetRef: {kind: Pod, name: " +
                         c.workloads[pod->second].name + "}) (§3.4)");
  }
}

}  // namespace meshsim
