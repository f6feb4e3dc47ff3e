// Intent (docs/verification.md): which destinations ask for a waypoint, as
// the bypass property reads it: a use-waypoint label on the object or its
// namespace, a sibling pod's (K12), or a selecting service's, or an ingress
// opt-in.
#include <algorithm>
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"
#include "model/text.h"
#include "verify/encoder.h"
#include "verify/encoding.h"
#include "verify/mutation.h"

namespace meshsim::verify {

bool Encoder::Intent(int ci, const Labels& labels, const std::string& ns,
                     std::string* which) const {
  const Labels& nsl = sc_.mesh.clusters[ci].NamespaceLabels(ns);
  const std::string* obj = FindLabel(labels, kLabelUseWaypoint);
  const std::string* nsv = FindLabel(nsl, kLabelUseWaypoint);
  const std::string* v = obj ? obj : nsv;
  if (v && *v != "none") {
    const std::string* wns =
        FindLabel(obj ? labels : nsl, kLabelUseWaypointNamespace);
    *which = (wns ? *wns : ns) + "/" + *v;
    return true;
  }
  return false;
}

bool Encoder::PodIntent(const Endpoint& ep, std::string* which,
                        const Service* addressed) const {
  const Cluster& c = sc_.mesh.clusters[ep.cluster];
  const Workload& w = c.workloads[ep.wi];
  // §2.1, §2.3: a waypoint's own pods (and an east-west gateway's) never
  // get a waypoint, whatever labels their namespace carries.
  if (w.role == WorkloadRole::kWaypoint || w.role == WorkloadRole::kEastWest)
    return false;
  if (Intent(ep.cluster, w.labels, w.ns, which)) return true;
  // K12: intent belongs to the workload, not the pod: a sibling pod (same
  // controller, or bare pods with the same app label) that asks for a
  // waypoint makes this pod intended too. A ServiceEntry's inline endpoints
  // are labelled one by one (§3.4) and have no siblings.
  const std::string* app = FindLabel(w.labels, "app");
  for (size_t oi : index_->labelled[static_cast<size_t>(ep.cluster)]) {
    if (!w.service_entry.empty()) break;
    const Workload& o = c.workloads[oi];
    if (&o == &w || o.ns != w.ns || o.role != WorkloadRole::kApplication)
      continue;
    const bool sibling =
        o.owner_kind == "Pod"
            ? (app && FindLabel(o.labels, "app") &&
               *FindLabel(o.labels, "app") == *app)
            : o.owner == w.owner && o.owner_kind == w.owner_kind;
    if (sibling && FindLabel(o.labels, kLabelUseWaypoint) &&
        Intent(ep.cluster, o.labels, o.ns, which))
      return true;
  }
  // The service the request addresses speaks first: the waypoint it asks
  // for is the one a finding should name.
  if (addressed && addressed->kind == "Service" &&
      Intent(ep.cluster, addressed->labels, addressed->ns, which))
    return true;
  for (size_t si : ServicesOf(c, ep.wi)) {
    if (Intent(ep.cluster, c.services[si].labels, c.services[si].ns, which))
      return true;
    if (IngressOptIn(ep.cluster, c.services[si])) {
      *which = "(ingress-use-waypoint)";
      return true;
    }
  }
  return false;
}

std::vector<size_t> Encoder::ServicesOf(const Cluster& c, size_t wi) {
  if (c.workload_services.size() == c.workloads.size())
    return c.workload_services[wi];
  std::vector<size_t> out;
  for (size_t si = 0; si < c.service_endpoints.size(); ++si) {
    const auto& eps = c.service_endpoints[si];
    if (std::find(eps.begin(), eps.end(), wi) != eps.end()) out.push_back(si);
  }
  return out;
}

bool Encoder::IngressOptIn(int ci, const Service& s) const {
  const IstioVersion ver =
      sc_.mesh.clusters[ci].VersionOr(sc_.mesh.istio.version);
  const bool any = Mutated(Mutation::kIngressOptInAnyRelease);  // if wrong
  // The object's own label from 1.24 (Service or ServiceEntry alike), but
  // not where 1.27-1.30 rebuilt the record without it.
  const bool own_ok = any || (ver.AtLeast(1, 24) && !OwnOptInLost(ci, s));
  const std::string* v =
      own_ok ? FindLabel(s.labels, kLabelIngressUseWaypoint) : nullptr;
  if (!v && (any || ver.AtLeast(1, 25)))
    v = FindLabel(sc_.mesh.clusters[ci].NamespaceLabels(s.ns),
                  kLabelIngressUseWaypoint);
  if (!v) return false;
  // §5: the value as each release reads it.
  if (ver.AtLeast(1, 30)) return ParseGoBool(*v).value_or(false);
  if (!ver.AtLeast(1, 25)) return *v == "true";
  return AsciiLower(*v) == "true";
}

// §5 stated for the encoding: an ingress sends to the waypoint of a
// Service or entry that opts in, except an entry resolved by DNS (a DNS
// cluster at the ingress has no waypoint endpoints); the opt-in still
// states the intent (IngressOptIn).
bool Encoder::IngressViaWaypoint(int ci, const Service& s) const {
  const bool dns = s.kind == "ServiceEntry" &&
                   (s.resolution == "DNS" || s.resolution == "DNS_ROUND_ROBIN");
  return !dns && IngressOptIn(ci, s);
}

// §5, §7.2 stated for the encoding: in 1.27 to 1.30, cluster `ci`'s record
// of a global Service (multi-network, no peering) whose pods, in any
// cluster, include one on a network other than `ci`'s is rebuilt without
// its waypoint status, so its own ingress opt-in is gone there.
bool Encoder::OwnOptInLost(int ci, const Service& s) const {
  const Cluster& here = sc_.mesh.clusters[ci];
  const IstioVersion ver = here.VersionOr(sc_.mesh.istio.version);
  if (ver.AtLeast(1, 31) || !ver.AtLeast(1, 27) || PeeringOn(sc_.mesh) ||
      !sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true) ||
      !GlobalService(sc_.mesh, here, s))
    return false;
  return std::any_of(
      sc_.mesh.clusters.begin(), sc_.mesh.clusters.end(),
      [&](const Cluster& c) {
        // Another cluster's pods are in the merged view through its global
        // copy only; ended pods are no workloads.
        const Service* copy = c.FindService(s.Key());
        if (!copy || copy->kind != "Service" ||
            (&c != &here && !GlobalService(sc_.mesh, c, *copy)))
          return false;
        const auto& pods = c.service_endpoints[c.service_by_key.at(s.Key())];
        return std::any_of(pods.begin(), pods.end(), [&](size_t wi) {
          return !c.workloads[wi].terminal &&
                 c.workloads[wi].network != here.network;
        });
      });
}

}  // namespace meshsim::verify
