// Which waypoint serves what: the control-plane binding rules of
// docs/semantics.md §2 (istiod's fetchWaypointForService /
// fetchWaypointForWorkload in pilot/pkg/serviceregistry/ambient/waypoints.go)
// and the ingress opt-in of §5.
//
//   Binding b = ServiceWaypoint(mesh, cluster, service);
//   if (b.status == BindingStatus::kAccepted) { ... b.waypoint ... }
//   b.why  // "service bookinfo/productpage uses waypoint bookinfo/waypoint
//   (namespace label)"
#ifndef MESHSIM_MODEL_BINDING_H_
#define MESHSIM_MODEL_BINDING_H_

#include <optional>
#include <string>

#include "model/mesh.h"

namespace meshsim {

// The istio.io/WaypointBound reasons of §2.7, plus the silent outcomes.
enum class BindingStatus {
  kNone,                     // no use-waypoint label anywhere
  kOptOut,                   // use-waypoint=none
  kAccepted,                 // bound
  kNotReady,                 // WaypointIsNotReady: missing or not programmed
  kAttachmentDenied,         // AttachmentDenied: allowedRoutes (§2.4)
  kUnsupportedTrafficType,   // UnsupportedTrafficType: waypoint-for (§2.2)
  kCrossNamespaceForbidden,  // NAMESPACE-visibility ServiceEntry (1.31+)
  kIsWaypoint,               // waypoints and gateways never get waypoints
};

const char* BindingStatusName(BindingStatus s);

struct Binding {
  BindingStatus status = BindingStatus::kNone;
  const Gateway* waypoint = nullptr;  // set only when kAccepted
  std::string requested;              // "ns/name" named by the label, if any
  bool from_namespace = false;        // the label came from the Namespace
  SourceLocation label_location;      // where the deciding label is
  std::string why;                    // one sentence for a reviewer
  // §2.6 weighted canary (1.31+): a second waypoint taking `canary_weight`%
  // of connections. Set only when valid; an invalid canary is ignored.
  const Gateway* canary = nullptr;
  int canary_weight = 0;
};

// §2.2: the waypoint's traffic type: its istio.io/waypoint-for label, else its
// GatewayClass's (1.23+; `version` is the cluster's), else "service".
std::string WaypointTrafficType(const Cluster& cluster, const Gateway& gw,
                                const IstioVersion& version);

// §2.4: whether `gw`'s binding listener admits objects of namespace `ns`
// (always before 1.23, which read no allowedRoutes; `version` is the
// cluster's).
bool WaypointAdmits(const Cluster& cluster, const Gateway& gw,
                    const std::string& ns, const IstioVersion& version);

// §2.1: the Waypoint istiod would build for "ns/name" in this cluster, or
// nullptr (no such Gateway, not programmed, or an istio-remote class).
const Gateway* FindReadyWaypoint(const Cluster& cluster,
                                 const std::string& key);

// §2.3 serviceWaypoint(S) in `cluster`'s view.
Binding ServiceWaypoint(const Mesh& mesh, const Cluster& cluster,
                        const Service& svc);

// §2.3 workloadWaypoint(P) in `cluster`'s view.
Binding WorkloadWaypoint(const Mesh& mesh, const Cluster& cluster,
                         const Workload& w);

// §5 / §12.1 ingressUsesWP(S): the service's waypoint is used by ingress
// gateways. `why` receives the reason either way.
bool IngressUsesWaypoint(const Mesh& mesh, const Cluster& cluster,
                         const Service& svc, const Binding& binding,
                         std::string* why);

// §9, §2.7: warns about every HTTPRoute whose parent Service/ServiceEntry has
// no waypoint in that cluster (istiod's ResolvedWaypoints=False,
// MissingUseWaypointLabel: "in ambient mode, route will not be respected").
void ValidateRouteAttachments(const Mesh& mesh, Diagnostics& diags);

// Go's strconv.ParseBool, as istiod parses ingress-use-waypoint.
std::optional<bool> ParseGoBool(const std::string& s);

// §1.1: sets `w.capture` and `w.capture_why`: ambient (ztunnel), sidecar
// (the injector's decision) or uncaptured (model/capture.cc).
void DeriveCapture(const Cluster& cluster, Workload& w);

// §4.4: whether istio-cni leaves the pod's inbound plain TCP to the app
// (annotation ambient.istio.io/bypass-inbound-capture, a Go bool; any other
// value is ignored, as CheckBooleanAnnotation does).
bool BypassesInboundCapture(const Workload& w);

// §3.4: whether ztunnel's DNS proxy answers an ambient pod's lookups: the
// pod's annotation ambient.istio.io/dns-capture (a Go bool; other values
// ignored), else istio-cni's ambient.dnsCapture (istio.flags
// AMBIENT_DNS_CAPTURE; on by default from 1.25, off before).
bool DnsCaptured(const IstioSettings& istio, const Cluster& c,
                 const Workload& w);

// §1.1 (setTunnelProtocol): whether these labels and annotations make a
// WorkloadEntry speak HBONE: annotation ambient.istio.io/redirection=enabled,
// or http in the comma-separated label networking.istio.io/tunnel.
bool SpeaksHbone(const Labels& labels, const Labels& annotations);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_BINDING_H_
