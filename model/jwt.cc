// §16.4: a request's JWT as its RequestAuthentications see it
// (model/policy.h AuthenticateJwt) and the token's claims; the simulator's
// statement of the rule (the encoding's is verify/encoder.cc Authenticate).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "model/policy.h"

namespace meshsim {

std::vector<std::string> JwtToken::Claim(const std::string& name) const {
  if (name == "iss") return {iss};
  if (name == "sub") return {sub};
  if (name == "aud") return aud;
  if (name == "azp")
    return azp.empty() ? std::vector<std::string>{}
                       : std::vector<std::string>{azp};
  auto it = claims.find(name);
  return it == claims.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::pair<const RequestAuthentication*, const JwtRule*>>
JwtRulesInOrder(const std::vector<const RequestAuthentication*>& ras) {
  std::vector<std::pair<const RequestAuthentication*, const JwtRule*>> rules;
  for (const RequestAuthentication* ra : ras)
    for (const JwtRule& r : ra->rules) rules.emplace_back(ra, &r);
  std::stable_sort(rules.begin(), rules.end(),
                   [](const auto& a, const auto& b) {
                     return a.second->issuer < b.second->issuer;
                   });
  return rules;
}

JwtVerdict AuthenticateJwt(const std::vector<const RequestAuthentication*>& ras,
                           const std::optional<JwtToken>& token) {
  JwtVerdict v;
  if (!token) return v;
  // meshsim sends the token as "Authorization: Bearer"; a rule with its own
  // locations (fromHeaders, fromParams, fromCookies) looks only there.
  auto sees = [](const JwtRule& r) {
    return r.reads != JwtRule::Reads::kNothing;
  };
  const RequestAuthentication* seen_by = nullptr;
  // Envoy's jwt_authn checks the issuer, then the expiry, then the
  // audience; of the rules that fail, an expired token is 401, else one
  // whose audience alone fails is 403 (JwtAudienceNotAllowed), else 401.
  std::string why = "no rule names issuer " + token->iss;
  int status = 401;
  bool expired = false;
  const auto rules = JwtRulesInOrder(ras);
  for (const auto& [ra, rule] : rules) {
    const JwtRule& r = *rule;
    if (!sees(r)) continue;
    if (!seen_by) seen_by = ra;
    if (r.reads == JwtRule::Reads::kMalformed) {
      if (!expired && status != 403)
        why =
            "it reads the Authorization header without its \"Bearer \" "
            "prefix, which is no JWT";
      continue;
    }
    // A rule with a jwksUri and no issuer checks no issuer (§16.4).
    if (!r.issuer.empty() && r.issuer != token->iss) continue;
    if (token->expired) {
      why = "it has expired";
      status = 401;
      expired = true;
      continue;
    }
    bool aud = r.audiences.empty();
    for (const std::string& a : token->aud)
      aud = aud || std::find(r.audiences.begin(), r.audiences.end(), a) !=
                       r.audiences.end();
    if (!aud) {
      if (!expired) {
        why = "its audiences are not among those of issuer " + r.issuer +
              " in " + ra->Key();
        status = 403;
      }
      continue;
    }
    v.principal = token->iss + "/" + token->sub;
    v.policy = ra->Key();
    v.removed = !r.forward;
    return v;
  }
  if (!seen_by) return v;  // no rule looks where the token is: no token
  v.rejected = true;
  v.policy = seen_by->Key();
  v.status = status;
  v.reason = "RequestAuthentication " + seen_by->Key() +
             " rejects the request's JWT with " + std::to_string(status) +
             ": " + why + " (§16.4)";
  return v;
}

// §16.4 (authentication.go getConfigsForWorkload): the order istiod lists a
// proxy's RequestAuthentications in, which decides the order of their rules
// (AuthenticateJwt): the proxy's own namespace, the root namespace, then
// any other (a waypoint's service's); in each, the oldest first, then by
// name (sortConfigByCreationTime).
std::vector<const RequestAuthentication*> OrderRequestAuthentications(
    std::vector<const RequestAuthentication*> v, const std::string& proxy_ns,
    const std::string& root) {
  auto rank = [&](const RequestAuthentication* p) {
    return p->ns == proxy_ns ? 0 : p->ns == root ? 1 : 2;
  };
  std::stable_sort(v.begin(), v.end(), [&](const auto* a, const auto* b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a->creation_timestamp != b->creation_timestamp)
      return a->creation_timestamp < b->creation_timestamp;
    return a->name < b->name;
  });
  return v;
}

}  // namespace meshsim
