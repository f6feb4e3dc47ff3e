// A source class: the requests of one kind of client in one cluster, the
// unit the verifier and diff quantify sources by (docs/verification.md).
// Included by verify/verifier.h.
#ifndef MESHSIM_VERIFY_SOURCE_CLASS_H_
#define MESHSIM_VERIFY_SOURCE_CLASS_H_

#include <string>
#include <vector>

#include "model/scenario.h"

namespace meshsim {

// Which kind of client a source class is: the first proxy its requests
// meet (docs/verification.md).
enum class ClientKind { kAmbient, kSidecar, kUncaptured, kIngress };
const char* ClientKindName(
    ClientKind k);  // ambient | sidecar | uncaptured | ingress

struct SourceClass {
  std::string id;  // e.g. "east/ambient/client/curl"
  int cluster = 0;
  ClientKind kind = ClientKind::kUncaptured;
  std::string ns, service_account;
  std::string
      gateway;  // ingress: ns/name; ambient: the gateway it is an instance of
  std::string
      workload;  // a representative workload key (ns/pod), "" if synthetic
  // ingress: a Router pod Istio Gateways select (§16.3); `gateway` is then
  // its Deployment, and the VirtualServices bound to those gateways route.
  bool router = false;
  // ambient: ztunnel's DNS proxy answers its lookups (§3.4); without it a
  // ServiceEntry's allocated address, and a Service of another cluster
  // only, are unknown to it.
  bool dns_capture = true;
};

// Every source class of the scenario: one per ready application workload (by
// owner) and ingress gateway of each cluster, and one per cluster for any pod
// outside the mesh (K1).
std::vector<SourceClass> SourceClasses(const Scenario& scenario);

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_SOURCE_CLASS_H_
