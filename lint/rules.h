// Internal to lint/: one function per rule, each appending its findings.
#ifndef MESHSIM_LINT_RULES_H_
#define MESHSIM_LINT_RULES_H_

#include <string>
#include <vector>

#include "lint/lint.h"
#include "model/scenario.h"

namespace meshsim::lint {

// A finding of `rule` with the catalogue's severity.
LintFinding Make(const std::string& rule, const std::string& message,
                 const SourceLocation& where, LintObject object,
                 const std::string& fix);
// " (did you mean 'x'?)", or "" when nothing is close.
std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates);

// rules_references.cc
void ReferenceNotFound(const Scenario& sc, std::vector<LintFinding>& out);
void MixedRouteApis(const Scenario& sc, std::vector<LintFinding>& out);
// rules_policies.cc
// principal-matches-nothing and namespace-matches-nothing.
void PatternsMatchNothing(const Scenario& sc, std::vector<LintFinding>& out);
void SelectorMatchesNothing(const Scenario& sc, std::vector<LintFinding>& out);
// §16.5: port entries ztunnel does not enforce as written.
void PeerAuthenticationPortNotEnforced(const Scenario& sc,
                                       std::vector<LintFinding>& out);
// §4.6: NetworkPolicies that close port 15008 on pods that receive HBONE.
void NetworkPolicyBlocksHbone(const Scenario& sc,
                              std::vector<LintFinding>& out);
// rules_config.cc
void UnknownGatewayClass(const Scenario& sc, std::vector<LintFinding>& out);
void UnknownLabelValue(const Scenario& sc, std::vector<LintFinding>& out);
void InjectAnnotationIgnored(const Scenario& sc, std::vector<LintFinding>& out);
void SubsetSelectsNothing(const Scenario& sc, std::vector<LintFinding>& out);
void JwtClaimRouteWithoutAuthentication(const Scenario& sc,
                                        std::vector<LintFinding>& out);
void JwtNotForwarded(const Scenario& sc, std::vector<LintFinding>& out);
void VirtualServiceHostNotInGateway(const Scenario& sc,
                                    std::vector<LintFinding>& out);
void ConflictingVirtualServices(const Scenario& sc,
                                std::vector<LintFinding>& out);
void AmbientNamespaceInjected(const Scenario& sc,
                              std::vector<LintFinding>& out);
// rules_policies.cc, §16.4: selector or namespace RequestAuthentications
// whose only ambient pods ztunnel serves.
void RequestAuthenticationWithoutWaypoint(const Scenario& sc,
                                          std::vector<LintFinding>& out);
// rules_policies.cc, §8.1: targetRefs policies on a Service no waypoint
// serves (istiod's AncestorNotBound).
void PolicyTargetNotBound(const Scenario& sc, std::vector<LintFinding>& out);
// rules_policies.cc, §8.2: remote-address rules a waypoint or sidecar reads
// from X-Forwarded-For.
void RemoteIpFromHeader(const Scenario& sc, std::vector<LintFinding>& out);
void PortNotOnService(const Scenario& sc, std::vector<LintFinding>& out);
void TcpToHttpPort(const Scenario& sc, std::vector<LintFinding>& out);
void HeadlessServiceWaypoint(const Scenario& sc, std::vector<LintFinding>& out);
void TargetPortUndeclared(const Scenario& sc, std::vector<LintFinding>& out);
// §3.4: ServiceEntry hosts another service of the namespace holds.
void ServiceEntryShadowed(const Scenario& sc, std::vector<LintFinding>& out);
// §3.4: before 1.30, a ServiceEntry with an address block ambient ignores.
void ServiceEntryAddressBlock(const Scenario& sc,
                              std::vector<LintFinding>& out);

}  // namespace meshsim::lint

#endif  // MESHSIM_LINT_RULES_H_
