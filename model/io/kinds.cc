// The table of modelled kinds: {API groups, kind} -> handler. See kinds.h.
#include "model/io/kinds.h"

#include <algorithm>

namespace meshsim::io {

namespace {

constexpr char kIstioNetworking[] = "networking.istio.io";
constexpr char kIstioSecurity[] = "security.istio.io";
constexpr char kGatewayApi[] = "gateway.networking.k8s.io";

// Kubernetes' core group and apps are read alike: a Deployment written as
// apiVersion v1 or a Pod as apps/v1 loads. A Service is modelled in the core
// group only; under apps it is read up to its header and then skipped.
const std::vector<KindEntry>& KindTable() {
  static const std::vector<KindEntry> kTable = {
      // kinds_workloads.cc
      {{"", "apps"}, "Namespace", LoadNamespace, /*cluster_scoped=*/true},
      {{"", "apps"}, "Pod", LoadPod},
      {{"", "apps"}, "Deployment", LoadController},
      {{"", "apps"}, "StatefulSet", LoadController},
      {{"", "apps"}, "DaemonSet", LoadController},
      {{"", "apps"}, "ReplicaSet", LoadController},
      {{kIstioNetworking}, "WorkloadEntry", LoadWorkloadEntry},
      // kinds_services.cc
      {{""}, "Service", LoadService},
      {{"apps"}, "Service", SkipAfterHeader},
      {{kIstioNetworking}, "ServiceEntry", LoadServiceEntry},
      // kinds_gateway_api.cc
      {{kGatewayApi}, "Gateway", LoadGateway},
      {{kGatewayApi},
       "GatewayClass",
       LoadGatewayClass,
       /*cluster_scoped=*/true},
      {{kGatewayApi}, "HTTPRoute", LoadRoute},
      {{kGatewayApi}, "GRPCRoute", LoadRoute},
      {{kGatewayApi}, "TCPRoute", LoadRoute},
      {{kGatewayApi}, "TLSRoute", LoadRoute},
      // kinds_security.cc
      {{kIstioSecurity}, "AuthorizationPolicy", LoadAuthorizationPolicy},
      {{kIstioSecurity}, "PeerAuthentication", LoadPeerAuthentication},
  };
  return kTable;
}

}  // namespace

const KindEntry* FindKind(const std::string& group, const std::string& kind) {
  for (const KindEntry& e : KindTable()) {
    if (e.kind == kind &&
        std::find(e.groups.begin(), e.groups.end(), group) != e.groups.end())
      return &e;
  }
  return nullptr;
}

}  // namespace meshsim::io
