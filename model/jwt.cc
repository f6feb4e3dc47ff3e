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
  for (const RequestAuthentication* ra : ras) {
    for (const JwtRule& r : ra->rules) {
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

}  // namespace meshsim
