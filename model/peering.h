// Solo's peering multicluster (docs/semantics.md §15.2): which Services a
// cluster exports, to which peers, and the `autogen.*` ServiceEntries istiod
// writes for them in every peer. Mesh::Finalize runs ApplyPeering when the
// scenario turns peering on; the simulator and the verifier then read the
// generated objects like any other ServiceEntry, plus their `peered` origin.
//
//   if (PeeringEnabled(mesh.istio)) { ... svc.peered->exporters ... }
#ifndef MESHSIM_MODEL_PEERING_H_
#define MESHSIM_MODEL_PEERING_H_

#include <string>

#include "model/diagnostics.h"
#include "model/mesh.h"

namespace meshsim {

// §15.2: distribution solo with ENABLE_PEERING_DISCOVERY.
bool PeeringEnabled(const IstioSettings& istio);

// solo.io/service-scope of a Kubernetes Service: its own label, else its
// Namespace's (the Service wins whenever it has the key).
struct PeerScope {
  std::string value;  // as written ("" = absent)
  bool exported = false;
  bool segment_only = false;  // `segment`
  bool global_only = false;   // `global-only`: global plus takeover
  bool known = true;          // a value Solo reads
  std::string from;           // "service" | "namespace" | ""
  SourceLocation location;
};
PeerScope ServicePeerScope(const Cluster& cluster, const Service& svc);

// The domain of `segment` as `cluster` knows it: mesh.internal (flag
// PEERING_DISCOVERY_SUFFIX) for the default segment, else the domain of
// the cluster's Segment object of that name ("" when it has none).
std::string SegmentDomain(const IstioSettings& istio, const Cluster& cluster,
                          const std::string& segment);

// Whether `domain_host` (e.g. reviews.bookinfo.mesh.internal) is a name in
// a peering domain of the mesh (mesh.internal or a Segment's domain).
bool IsPeeringHost(const Mesh& mesh, const std::string& host);

// Derives each cluster's segment and peers and adds the generated
// ServiceEntries and takeover links. Called by Mesh::Finalize before the
// services are indexed again.
void ApplyPeering(Mesh& mesh, Diagnostics& diags);

// §15.2 (federatedservices.go `bucket`): the capacity an exporter reports
// for a service with `pods` workloads, ready or not: rounded down to a
// power of two, 2048 at most, 0 for none. An importer's endpoint for a
// peer on another network weighs this much (a local pod weighs 1).
unsigned PeerCapacity(size_t pods);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_PEERING_H_
