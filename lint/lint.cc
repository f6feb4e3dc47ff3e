#include "lint/lint.h"

#include "lint/rules.h"
#include "model/rules.h"

namespace meshsim {

namespace lint {

LintFinding Make(const std::string& rule, const std::string& message,
                 const SourceLocation& where, LintObject object,
                 const std::string& fix) {
  LintFinding f;
  f.rule = rule;
  f.severity = RuleSeverity(rule);
  f.message = message;
  f.location = where;
  f.object = std::move(object);
  f.fix = fix;
  return f;
}

std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates) {
  const std::string hint = ClosestMatch(word, candidates);
  return hint.empty() ? "" : " (did you mean '" + hint + "'?)";
}

}  // namespace lint

size_t LintResult::errors() const {
  size_t n = 0;
  for (const LintFinding& f : findings) n += f.severity == Severity::kError;
  return n;
}

size_t LintResult::warnings() const {
  size_t n = 0;
  for (const LintFinding& f : findings) n += f.severity == Severity::kWarning;
  return n;
}

// The fix a rule's catalogue help gives ("... Fix: <text>"), for findings
// that come from the loader.
std::string CatalogueFix(const std::string& rule) {
  const Rule* r = FindRule(rule);
  if (!r) return "";
  const size_t at = r->help.find("Fix: ");
  return at == std::string_view::npos ? ""
                                      : std::string(r->help.substr(at + 5));
}

void AddLoadDiagnostics(const std::vector<Diagnostic>& diags, LintResult& r) {
  for (const Diagnostic& d : diags) {
    if (d.severity == Severity::kNote) continue;
    LintFinding f;
    f.rule = !d.rule.empty()                  ? d.rule
             : d.severity == Severity::kError ? "load-error"
                                              : "scenario-warning";
    f.severity = d.severity;
    f.message = d.message;
    f.location = d.location;
    f.object = d.object;
    f.fix = CatalogueFix(f.rule);
    r.findings.push_back(std::move(f));
  }
}

LintResult Lint(const Scenario& sc) {
  LintResult r;
  LintInto(sc, r);
  return r;
}

void LintInto(const Scenario& sc, LintResult& r) {
  lint::ReferenceNotFound(sc, r.findings);
  lint::PatternsMatchNothing(sc, r.findings);
  lint::SelectorMatchesNothing(sc, r.findings);
  lint::PeerAuthenticationPortNotEnforced(sc, r.findings);
  lint::NetworkPolicyBlocksHbone(sc, r.findings);
  lint::UnknownGatewayClass(sc, r.findings);
  lint::UnknownLabelValue(sc, r.findings);
  lint::InjectAnnotationIgnored(sc, r.findings);
  lint::AmbientNamespaceInjected(sc, r.findings);
  lint::RequestAuthenticationWithoutWaypoint(sc, r.findings);
  lint::PolicyTargetNotBound(sc, r.findings);
  lint::RemoteIpFromHeader(sc, r.findings);
  lint::PortNotOnService(sc, r.findings);
  lint::TcpToHttpPort(sc, r.findings);
  lint::HeadlessServiceWaypoint(sc, r.findings);
  lint::TargetPortUndeclared(sc, r.findings);
  lint::ServiceEntryShadowed(sc, r.findings);
  lint::SubsetSelectsNothing(sc, r.findings);
  lint::ConflictingVirtualServices(sc, r.findings);
  lint::VirtualServiceHostNotInGateway(sc, r.findings);
  lint::JwtClaimRouteWithoutAuthentication(sc, r.findings);
  lint::MixedRouteApis(sc, r.findings);
}

}  // namespace meshsim
