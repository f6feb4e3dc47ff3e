// §16.4 stated for the encoding: what an Envoy's RequestAuthentications
// make of the request's token (accepted, rejected, removed for the next
// hop), and what an ingress does before it routes.
#include <algorithm>
#include <string>
#include <vector>

#include "verify/encoder.h"
#include "verify/encoder_plan.h"

namespace meshsim::verify {

void Encoder::Authenticate(const std::vector<const RequestAuthentication*>& ras,
                           Attrs& a, const z3::expr* gone) {
  // Only an HTTP request carries a token: plain TCP has no Authorization
  // header to validate, so no principal and no 401 (§16.4); nor one whose
  // token a proxy before removed.
  z3::expr present = a.http && c_.bool_const("jwt:present");
  if (gone) present = present && !*gone;
  const z3::expr iss = c_.string_const("jwt:iss");
  const z3::expr aud = c_.string_const("jwt:aud");
  // The token travels as "Authorization: Bearer"; a rule with locations of
  // its own looks only there.
  z3::expr accepted = c_.bool_val(false);
  // §16.4: the first rule that accepts the token decides whether it goes
  // on: Envoy's jwt_authn removes it unless that rule forwards it.
  z3::expr removes = c_.bool_val(false);
  bool seen = false;
  // §16.4: the rules in the proxy's order of `ras`, sorted by issuer (stable;
  // a rule without one first): Envoy takes the first provider that
  // verifies the token.
  std::vector<const JwtRule*> rules;
  for (const RequestAuthentication* ra : ras)
    for (const JwtRule& r : ra->rules) rules.push_back(&r);
  std::stable_sort(
      rules.begin(), rules.end(),
      [](const JwtRule* a, const JwtRule* b) { return a->issuer < b->issuer; });
  for (const JwtRule* rule : rules) {
    const JwtRule& r = *rule;
    if (r.reads == JwtRule::Reads::kNothing) continue;
    seen = true;
    // Something that is no JWT: accepted by no issuer.
    if (r.reads == JwtRule::Reads::kMalformed) continue;
    AnyOf aud_ok(c_);
    aud_ok.Add(c_.bool_val(r.audiences.empty()));
    for (const std::string& x : r.audiences)
      aud_ok.Add(aud == c_.string_val(x));
    // A rule with a jwksUri and no issuer checks no issuer (§16.4).
    const z3::expr takes =
        (r.issuer.empty() ? c_.bool_val(true)
                          : iss == c_.string_val(r.issuer)) &&
        aud_ok.Build();
    if (!r.forward) removes = removes || (!accepted && takes);
    accepted = accepted || takes;
  }
  if (!seen) return;  // no validation here: no principal, no rejection
  // §16.4: a CORS preflight (OPTIONS with Origin and
  // Access-Control-Request-Method) passes without its token being checked
  // (policy_applier.go BypassCorsPreflight): no principal, no rejection.
  auto given = [&](const char* h) {
    return a.has_header(h) && a.header(h) != c_.string_val("");
  };
  const z3::expr preflight = a.method == c_.string_val("OPTIONS") &&
                             given("origin") &&
                             given("access-control-request-method");
  const z3::expr checked =
      present && !preflight && !c_.bool_const("jwt:expired");
  a.token_removed = checked && removes;
  accepted = checked && accepted;
  a.has_req_principal = accepted;
  a.req_principal = z3::concat(
      iss, z3::concat(c_.string_val("/"), c_.string_const("jwt:sub")));
  a.req_iss = iss;
  a.req_sub = c_.string_const("jwt:sub");
  a.jwt_rejected = present && !preflight && !accepted;
  a.auth = [this, accepted, iss, aud](const std::string& key) {
    const std::string claims = "request.auth.claims[";
    if (key == "request.auth.audiences") return std::make_pair(aud, accepted);
    if (key == "request.auth.presenter")
      return std::make_pair(c_.string_const("jwt:azp"), accepted);
    if (key.rfind(claims, 0) == 0 && key.back() == ']') {
      const std::string name =
          key.substr(claims.size(), key.size() - claims.size() - 1);
      if (name == "iss") return std::make_pair(iss, accepted);
      if (name == "aud") return std::make_pair(aud, accepted);
      if (name == "sub")
        return std::make_pair(c_.string_const("jwt:sub"), accepted);
      claim_names_.insert(name);
      return std::make_pair(
          c_.string_const(("jwt-claim:" + name).c_str()),
          accepted && c_.bool_const(("jwt-has-claim:" + name).c_str()));
    }
    return std::make_pair(c_.string_val(""), c_.bool_val(false));
  };
}

z3::expr Encoder::WaypointRemovesToken(const Encoded& e, int ci,
                                       const Gateway& gw, const Service* svc) {
  WaypointDenies(e, ci, gw, svc);
  return waypoint_denies_.at(std::make_tuple(ci, &gw, svc)).removes;
}

z3::expr Encoder::IngressRemovedToken(const Encoded& e) {
  if (ingress_removed_) return *ingress_removed_;
  AnyOf out(c_);
  for (size_t k = 0; k < classes().size(); ++k) {
    if (classes()[k].kind != ClientKind::kIngress) continue;
    z3::expr removes = c_.bool_val(false);
    IngressDenies(e, k, &removes);
    if (!removes.is_false())
      out.Add(e.src == c_.int_val(static_cast<int>(k)) && removes);
  }
  ingress_removed_ = out.Build();
  return *ingress_removed_;
}

z3::expr Encoder::IngressDenies(const Encoded& e, size_t k, z3::expr* removes) {
  const SourceClass& cls = classes()[k];
  const Cluster& c = sc_.mesh.clusters[cls.cluster];
  const Workload* pod = c.FindWorkload(cls.workload);
  if (!pod) return c_.bool_val(false);
  std::vector<const AuthorizationPolicy*> policies =
      slice_.PodPolicies(cls.cluster, *pod, false);
  std::vector<const RequestAuthentication*> ras =
      PodAuthentications(sc_.mesh, c, *pod);
  // A Gateway API ingress also takes what targets its Gateway.
  if (const Gateway* gw = pod->router ? nullptr : c.FindGateway(pod->gateway)) {
    for (const AuthorizationPolicy* p :
         slice_.WaypointPolicies(cls.cluster, *gw, nullptr))
      if (std::find(policies.begin(), policies.end(), p) == policies.end())
        policies.push_back(p);
    for (const RequestAuthentication* ra :
         WaypointAuthentications(sc_.mesh, c, *gw, nullptr))
      if (std::find(ras.begin(), ras.end(), ra) == ras.end()) ras.push_back(ra);
    OrderAuthentications(ras, pod->ns, sc_.mesh.istio.root_namespace);
  }
  if (policies.empty() && ras.empty()) return c_.bool_val(false);
  Attrs a = MakeAttrs(
      e, cls.cluster, c_.int_val(-1), c_.bool_val(false),
      [this](const std::vector<std::string>&) { return c_.bool_val(false); });
  // The port the ingress received the request on is not a request
  // variable here: a `ports` condition at the ingress may hold or not
  // (docs/verification.md#ingress-policies).
  a.port = c_.int_const(("ingress-port:" + cls.id).c_str());
  Authenticate(ras, a);
  if (removes && a.token_removed) *removes = *a.token_removed;
  z3::expr denied = slice_.Denied(policies, a, false);
  if (a.jwt_rejected) denied = denied || (e.http && *a.jwt_rejected);
  return denied;
}

}  // namespace meshsim::verify
