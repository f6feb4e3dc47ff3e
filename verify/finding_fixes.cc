// The fixes a finding proposes (verify/verifier.cc's Decode), by the kind of
// client and destination; read from the model, for the text only.
#include "verify/finding_fixes.h"

#include <string>

#include "model/binding.h"
#include "model/labels.h"

namespace meshsim::verify {

std::string FixFor(const SourceClass& k, const Encoded& e) {
  if (e.pod)
    return "bind the pods themselves (istio.io/use-waypoint with a waypoint of "
           "type workload or all), "
           "or allow only the waypoint's principal at the destination (§4.3)";
  // §5: an ingress never sends to a DNS ServiceEntry's waypoint.
  if (k.kind == ClientKind::kIngress && e.svc &&
      e.svc->kind == "ServiceEntry" &&
      (e.svc->resolution == "DNS" || e.svc->resolution == "DNS_ROUND_ROBIN"))
    return "an ingress never sends to the waypoint of a ServiceEntry of "
           "resolution " +
           e.svc->resolution +
           " (only EDS clusters get it, §5): use resolution STATIC or NONE, "
           "or allow only the waypoint's principal at the destination (§4.3)";
  if (k.kind == ClientKind::kIngress)
    return "label the service istio.io/ingress-use-waypoint=true, or allow "
           "only the waypoint's "
           "principal at the destination (§4.3)";
  if (k.kind == ClientKind::kSidecar)
    return "move the client to ambient, or allow only the waypoint's principal "
           "at the destination (§4.3)";
  if (k.kind == ClientKind::kUncaptured)
    return "enrol the client in ambient, or allow only the waypoint's "
           "principal at the destination "
           "(§4.3; STRICT PeerAuthentication also refuses plaintext)";
  return "make the binding valid (a programmed waypoint of the right "
         "istio.io/waypoint-for, "
         "admitted by allowedRoutes), and allow only the waypoint's principal "
         "at the destination (§4.3)";
}

// §7.2: the fix when an ambient client whose own cluster's copy of the
// service binds no waypoint reaches another cluster's pod: that cluster's
// binding (and scope), not the landing cluster's; "" otherwise.
std::string CrossClusterFix(const Mesh& mesh, const SourceClass& k,
                            const Encoded& e) {
  if (k.kind != ClientKind::kAmbient || !e.svc || e.pod) return "";
  const Cluster& home = mesh.clusters[k.cluster];
  const Service* own = home.FindService(e.svc->Key());
  if (!own ||
      ServiceWaypoint(mesh, home, *own).status == BindingStatus::kAccepted)
    return "";
  return "bind " + e.svc->Key() + " to the waypoint in cluster " + home.name +
         " too (deploy it and the istio.io/use-waypoint label in every "
         "cluster that runs the service, and label the service alike "
         "everywhere, §7.2), and allow only the waypoint's principal at the "
         "destination (§4.3)";
}

// K10 (§3.3): when no request reaches pod `wi` through waypoint `intended`
// (one name), the headless Service that asks for it: only headless
// Services selecting the pod ask for that waypoint, and neither the pod nor
// any other Service selecting it is bound there; "" otherwise. Reads the
// model's bindings (shared, for the fix text only).
namespace {

std::string HeadlessAsker(const Mesh& mesh, const Cluster& dc, size_t wi,
                          const std::string& intended) {
  if (intended.empty() || intended.find(',') != std::string::npos) return "";
  const Binding own = WorkloadWaypoint(mesh, dc, dc.workloads[wi]);
  if (own.status == BindingStatus::kAccepted && own.waypoint->Key() == intended)
    return "";
  std::string asker;
  for (size_t si : dc.workload_services[wi]) {
    const Service& s = dc.services[si];
    const Binding b = ServiceWaypoint(mesh, dc, s);
    // Its own label or its namespace's: the binding istiod accepts.
    if (s.headless && asker.empty() && b.status == BindingStatus::kAccepted &&
        b.waypoint->Key() == intended)
      asker = s.Key();
    if (!s.headless && b.status == BindingStatus::kAccepted &&
        b.waypoint->Key() == intended)
      return "";
  }
  return asker;
}

}  // namespace

bool HeadlessCause(const Mesh& mesh, const Cluster& dc, size_t wi,
                   const std::string& intended, std::string* cause,
                   std::string* fix) {
  const std::string headless = HeadlessAsker(mesh, dc, wi, intended);
  if (headless.empty()) return false;
  *cause = "headless Service " + headless + " in cluster " + dc.name +
           " asks for waypoint " + intended +
           ", which no request to it passes (K10)";
  *fix =
      "a headless Service has no VIP, so its traffic is "
      "workload-addressed and never meets a service waypoint (§3.3, "
      "K10): bind the pods themselves (istio.io/use-waypoint on the pods "
      "or their namespace, with a waypoint of type workload or all); a "
      "guard allowing only the waypoint would deny every request";
  return true;
}

// §4.3: the fix where destination `pod` has no enforcement point (an
// uncaptured pod, a plain WorkloadEntry, an EndpointSlice's address).
std::string UnguardableFix(const Workload& pod, const Encoded& e) {
  // §5: an ingress never sends to a DNS ServiceEntry's waypoint.
  const bool dns_entry =
      e.svc && e.svc->kind == "ServiceEntry" &&
      (e.svc->resolution == "DNS" || e.svc->resolution == "DNS_ROUND_ROBIN");
  return pod.Subject() +
         " has no ztunnel or sidecar, so no AuthorizationPolicy can guard it: "
         "make its clients reach it through the waypoint (enrol them in "
         "ambient; for an ingress, " +
         (dns_entry ? std::string("which never sends to the waypoint of a DNS "
                                  "ServiceEntry (§5), use resolution STATIC "
                                  "or NONE")
                    : std::string("label the service "
                                  "istio.io/ingress-use-waypoint=true")) +
         "), or enrol the destination in ambient (§4.3)";
}

// §4.3: the guard that makes a waypoint mandatory for namespace `ns`: an
// ALLOW for the waypoint's principal only, at the destinations' ztunnel.
std::string GuardYaml(const std::string& ns, const std::string& principal) {
  return "apiVersion: security.istio.io/v1\n"
         "kind: AuthorizationPolicy\n"
         "metadata:\n"
         "  name: allow-only-waypoint\n"
         "  namespace: " +
         ns +
         "\n"
         "spec:\n"
         "  action: ALLOW\n"
         "  rules:\n"
         "  - from:\n"
         "    - source:\n"
         "        principals: [\"" +
         principal + "\"]\n";
}

}  // namespace meshsim::verify
