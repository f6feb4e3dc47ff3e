// Istio and Gateway API label and annotation names that change routing,
// as defined in istio/api label/labels.yaml (docs/semantics.md §1, §2, §5,
// §7, §15).
#ifndef MESHSIM_MODEL_LABELS_H_
#define MESHSIM_MODEL_LABELS_H_

namespace meshsim {

inline constexpr char kLabelDataplaneMode[] = "istio.io/dataplane-mode";
inline constexpr char kLabelUseWaypoint[] = "istio.io/use-waypoint";
inline constexpr char kLabelUseWaypointNamespace[] =
    "istio.io/use-waypoint-namespace";
inline constexpr char kLabelWaypointFor[] = "istio.io/waypoint-for";
inline constexpr char kLabelIngressUseWaypoint[] =
    "istio.io/ingress-use-waypoint";
inline constexpr char kLabelUseWaypointCanary[] =
    "istio.io/use-waypoint-canary";
inline constexpr char kLabelUseWaypointCanaryNamespace[] =
    "istio.io/use-waypoint-canary-namespace";
inline constexpr char kAnnotationCanaryWeight[] =
    "istio.io/use-waypoint-canary-weight";
inline constexpr char kLabelNetwork[] = "topology.istio.io/network";
inline constexpr char kLabelGlobal[] = "istio.io/global";
inline constexpr char kLabelGatewayName[] =
    "gateway.networking.k8s.io/gateway-name";
inline constexpr char kLabelGatewayManaged[] = "gateway.istio.io/managed";
// The gateway.istio.io/managed value of waypoints and east-west gateways
// (the mesh controller); ingress gateways carry istio.io-gateway-controller.
inline constexpr char kGatewayManagedByMeshController[] =
    "istio.io-mesh-controller";
inline constexpr char kLabelSidecarInject[] = "sidecar.istio.io/inject";
inline constexpr char kLabelIstioInjection[] = "istio-injection";
inline constexpr char kLabelIstioRev[] = "istio.io/rev";
inline constexpr char kAnnotationSidecarStatus[] = "sidecar.istio.io/status";
// §4.4: istio-cni's "ingress mode": the pod's inbound plain TCP is not
// redirected to ztunnel (HBONE on 15008 still is).
inline constexpr char kAnnotationBypassInboundCapture[] =
    "ambient.istio.io/bypass-inbound-capture";
inline constexpr char kAnnotationDnsCapture[] = "ambient.istio.io/dns-capture";
inline constexpr char kAnnotationRedirection[] = "ambient.istio.io/redirection";
inline constexpr char kLabelTunnel[] = "networking.istio.io/tunnel";
inline constexpr char kAnnotationWaypointInboundBinding[] =
    "ambient.istio.io/waypoint-inbound-binding";
inline constexpr char kAnnotationTrafficDistribution[] =
    "networking.istio.io/traffic-distribution";
// Solo's peering multicluster (§15.2).
inline constexpr char kLabelServiceScope[] = "solo.io/service-scope";
inline constexpr char kLabelServiceTakeover[] = "solo.io/service-takeover";
inline constexpr char kLabelRemoteWaypoint[] = "solo.io/remote-waypoint";
inline constexpr char kLabelUseGlobalWaypoint[] = "solo.io/use-global-waypoint";
inline constexpr char kAnnotationDrainingWeight[] = "solo.io/draining-weight";
inline constexpr char kLabelSegment[] = "admin.solo.io/segment";
inline constexpr char kLabelTopologyCluster[] = "topology.istio.io/cluster";

}  // namespace meshsim

#endif  // MESHSIM_MODEL_LABELS_H_
