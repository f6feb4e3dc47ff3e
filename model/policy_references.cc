// ValidatePolicyReferences (policy.h): the warning for an
// AuthorizationPolicy targetRef that names nothing istiod would attach it
// to (§8.1).
#include <string>

#include "model/policy.h"

namespace meshsim {

namespace {

// Before 1.25 istiod matched a Gateway or Service targetRef by name in
// other namespaces too (AttachedBefore125): whether any object has it.
bool NamedAnywhere(const Cluster& c, const ParentRef& t) {
  if (t.kind == "Gateway") {
    for (const auto& [key, gw] : c.gateways)
      if (gw.name == t.name) return true;
    return false;
  }
  for (const Service& s : c.services)
    if (s.name == t.name && s.kind == t.kind) return true;
  return false;
}

}  // namespace

void ValidatePolicyReferences(const Mesh& mesh, Diagnostics& diags) {
  for (const Cluster& c : mesh.clusters) {
    const bool by_name = !c.VersionOr(mesh.istio.version).AtLeast(1, 25);
    for (const AuthorizationPolicy& p : c.authorization_policies) {
      for (const ParentRef& t : p.target_refs) {
        const std::string what = "AuthorizationPolicy " + p.Key() +
                                 ": targetRef " + t.kind + " " + t.name;
        bool found = true;
        if (by_name && t.kind != "GatewayClass") {
          if (!NamedAnywhere(c, t))
            diags.Warning(t.location,
                          what + " names no such object in cluster " + c.name +
                              " (before 1.25 istiod matches it by "
                              "name in any namespace): the policy applies "
                              "nowhere",
                          "reference-not-found");
          continue;
        }
        if (t.kind == "Gateway") {
          found = c.FindGateway(p.ns + "/" + t.name) != nullptr;
        } else if (t.kind == "GatewayClass") {
          if (p.ns != mesh.istio.root_namespace) {
            diags.Warning(t.location,
                          what + " is only honoured in the root namespace " +
                              mesh.istio.root_namespace +
                              "; this policy applies nowhere (§8.1)");
            continue;
          }
          if (t.name != "istio-waypoint") {
            diags.Warning(t.location,
                          what +
                              ": Istio attaches a GatewayClass targetRef only "
                              "when it names istio-waypoint (then to every "
                              "waypoint); this policy applies nowhere (§8.1)",
                          "reference-not-found");
            continue;
          }
        } else if (t.kind == "Service" || t.kind == "ServiceEntry") {
          const Service* s = c.FindService(p.ns + "/" + t.name);
          found = s && s->kind == t.kind;
        }
        if (!found) {
          diags.Warning(t.location,
                        what + " names no such object in namespace " + p.ns +
                            " of cluster " + c.name +
                            ": the policy applies nowhere",
                        "reference-not-found");
        }
      }
    }
  }
}

}  // namespace meshsim
