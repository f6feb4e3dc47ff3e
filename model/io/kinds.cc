// The table of modelled kinds: {API group, kind} -> handler. See kinds.h.
#include "model/io/kinds.h"

namespace meshsim::io {

namespace {

constexpr char kIstioNetworking[] = "networking.istio.io";
constexpr char kIstioSecurity[] = "security.istio.io";
constexpr char kGatewayApi[] = "gateway.networking.k8s.io";

// Each kind in its own API group: strict reading (schema.cc) has already
// refused a kind written under a group that does not have it (a Deployment
// as apiVersion v1 is unknown-kind, with the group that has it).
const std::vector<KindEntry>& KindTable() {
  static const std::vector<KindEntry> kTable = {
      // kinds_workloads.cc
      {"", "Namespace", LoadNamespace, /*cluster_scoped=*/true},
      {"", "Pod", LoadPod},
      {"apps", "Deployment", LoadController},
      {"apps", "StatefulSet", LoadController},
      {"apps", "DaemonSet", LoadController},
      {"apps", "ReplicaSet", LoadController},
      {kIstioNetworking, "WorkloadEntry", LoadWorkloadEntry},
      // kinds_services.cc
      {"", "Service", LoadService},
      {kIstioNetworking, "ServiceEntry", LoadServiceEntry},
      // kinds_endpoints.cc
      {"discovery.k8s.io", "EndpointSlice", LoadEndpointSlice},
      {"", "Endpoints", LoadEndpoints},
      {"admin.solo.io", "Segment", LoadSegment},
      // kinds_gateway_api.cc
      {kGatewayApi, "Gateway", LoadGateway},
      {kGatewayApi, "GatewayClass", LoadGatewayClass,
       /*cluster_scoped=*/true},
      {kGatewayApi, "HTTPRoute", LoadRoute},
      {kGatewayApi, "GRPCRoute", LoadRoute},
      {kGatewayApi, "TCPRoute", LoadRoute},
      {kGatewayApi, "TLSRoute", LoadRoute},
      {kGatewayApi, "ReferenceGrant", LoadReferenceGrant},
      // kinds_networking.cc
      {kIstioNetworking, "VirtualService", LoadVirtualService},
      {kIstioNetworking, "DestinationRule", LoadDestinationRule},
      {kIstioNetworking, "Gateway", LoadIstioGateway},
      // kinds_security.cc
      {kIstioSecurity, "AuthorizationPolicy", LoadAuthorizationPolicy},
      {kIstioSecurity, "PeerAuthentication", LoadPeerAuthentication},
      {kIstioSecurity, "RequestAuthentication", LoadRequestAuthentication},
      // kinds_network_policy.cc
      {"networking.k8s.io", "NetworkPolicy", LoadNetworkPolicy},
  };
  return kTable;
}

}  // namespace

const KindEntry* FindKind(const std::string& group, const std::string& kind) {
  for (const KindEntry& e : KindTable()) {
    if (e.kind == kind && e.group == group) return &e;
  }
  return nullptr;
}

}  // namespace meshsim::io
