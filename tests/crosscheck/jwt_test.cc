// §16.4: RequestAuthentication and the request principal, in both engines.
// A waypoint authenticates the token with its targetRef
// RequestAuthentications (a selector one is ignored there), then applies
// its AuthorizationPolicies; a sidecar uses selector ones. Each case sends
// one token (or none) and must end as the table says, in the simulator's
// path function and in the verifier's encoding alike.
#include <gtest/gtest.h>

#include "tests/crosscheck/both_engines.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

const char* kRequestAuthn =
    "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
    "metadata:\n  name: jwt\n  namespace: shop\nspec:\n%TARGET%"
    "  jwtRules:\n"
    "  - issuer: iss-1\n    audiences: [aud-a]\n"
    "  - issuer: iss-2\n"
    "  - issuer: iss-4\n    fromHeaders: [{name: x-token}]\n";

const char* kIgnoredAtWaypoint =
    "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
    "metadata:\n  name: by-selector\n  namespace: shop\nspec:\n"
    "  selector:\n    matchLabels:\n      app: cart\n"
    "  jwtRules:\n  - issuer: iss-3\n";

const char* kPolicy =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata:\n  name: who\n  namespace: shop\nspec:\n%TARGET%"
    "  rules:\n"
    "  - from:\n    - source:\n        requestPrincipals: [\"iss-1/alice\"]\n"
    "  - when:\n    - key: request.auth.claims[group]\n      values: [admins]\n"
    "  - to:\n    - operation:\n        paths: [/healthz]\n";

std::string With(std::string text, const std::string& target) {
  const std::string tag = "%TARGET%";
  text.replace(text.find(tag), tag.size(), target);
  return text;
}

struct JwtCase {
  const char* name;
  const char* jwt;  // the http.jwt flow map, or "" for no token
  const char* path;
  Outcome want;
};

const JwtCase kCases[] = {
    {"no token", "", "/", Outcome::kDenied},  // 403
    {"no token, healthz", "", "/healthz", Outcome::kDelivered},
    {"iss-1 alice aud-a", "{iss: iss-1, sub: alice, aud: [aud-a]}", "/",
     Outcome::kDelivered},
    {"iss-1 alice, wrong audience", "{iss: iss-1, sub: alice, aud: [aud-b]}",
     "/healthz", Outcome::kDenied},  // 401 even where 403 would not be
    {"iss-1 bob", "{iss: iss-1, sub: bob, aud: [aud-a]}", "/",
     Outcome::kDenied},  // 403
    {"iss-2 with group admins",
     "{iss: iss-2, sub: carol, claims: {group: admins}}", "/",
     Outcome::kDelivered},
    {"iss-2 with group users",
     "{iss: iss-2, sub: carol, claims: {group: users}}", "/", Outcome::kDenied},
    {"iss-3 (ignored selector rule there)", "{iss: iss-3, sub: alice}",
     "/healthz", Outcome::kDenied},  // 401 at the waypoint
    {"expired",
     "{iss: iss-2, sub: carol, expired: true, claims: {group: admins}}", "/",
     Outcome::kDenied},  // 401
};

TEST(JwtCrossCheck, WaypointAuthenticatesThenAuthorizes) {
  const std::string at_waypoint =
      "  targetRefs:\n  - kind: Gateway\n    group: gateway.networking.k8s.io\n"
      "    name: waypoint\n";
  for (const JwtCase& c : kCases) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east", With(kRequestAuthn, at_waypoint));
    w.Add("east", kIgnoredAtWaypoint);
    w.Add("east", With(kPolicy, at_waypoint));
    const std::string http =
        std::string("{method: GET, path: ") + c.path +
        (*c.jwt ? std::string(", jwt: ") + c.jwt : std::string()) + "}";
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", http);
    Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty()) << c.name;
    testing::ExpectBothEngines(sc, c.want, c.name);
  }
}

// §16.4: a rule with a jwksUri and no issuer (istiod's validation takes
// either) checks no issuer: any token it sees is accepted (meshsim does not
// check signatures), its principal iss/sub.
TEST(JwtCrossCheck, RuleWithoutIssuerAcceptsAnyIssuer) {
  const std::string at_waypoint =
      "  targetRefs:\n  - kind: Gateway\n    group: gateway.networking.k8s.io\n"
      "    name: waypoint\n";
  const JwtCase cases[] = {
      {"iss-9 dave", "{iss: iss-9, sub: dave}", "/", Outcome::kDelivered},
      {"iss-7 dave", "{iss: iss-7, sub: dave}", "/", Outcome::kDenied},  // 403
      {"no token", "", "/", Outcome::kDenied},                           // 403
      {"expired", "{iss: iss-9, sub: dave, expired: true}", "/",
       Outcome::kDenied},  // 401
  };
  // The CRD takes the proto field's own name, jwks_uri, as well.
  for (const std::string field : {"jwksUri", "jwks_uri"})
    for (const JwtCase& c : cases) {
      testing::World w = testing::ShopWorld(
          {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
      w.Add("east", testing::Waypoint("shop", "waypoint"));
      w.Add("east",
            "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
            "metadata:\n  name: any\n  namespace: shop\nspec:\n" +
                at_waypoint + "  jwtRules:\n  - " + field +
                ": https://keys.example.com/jwks\n");
      w.Add("east",
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
            "metadata:\n  name: dave\n  namespace: shop\nspec:\n" +
                at_waypoint +
                "  rules:\n  - from:\n    - source:\n"
                "        requestPrincipals: [\"iss-9/dave\"]\n");
      const std::string http =
          std::string("{method: GET, path: ") + c.path +
          (*c.jwt ? std::string(", jwt: ") + c.jwt : std::string()) + "}";
      w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
                "{host: cart.shop, port: 80}", http);
      testing::ExpectBothEngines(w.Load(), c.want, field + ": " + c.name);
    }
}

// §16.4: what a rule reads of "Authorization: Bearer <jwt>": an
// Authorization entry with prefix "Bearer " the token; with no prefix the
// whole value, no JWT (401); with a prefix the header lacks, nothing; a
// rule with only fromCookies names a location of its own, so not the
// default one either. No policy: only a rejected token denies.
TEST(JwtCrossCheck, RuleLocationsDecideWhatIsRead) {
  struct Case {
    const char* name;
    const char* rule;  // after "- issuer: iss-1"
    const char* jwt;
    Outcome want;
  };
  const Case cases[] = {
      {"Bearer prefix",
       "    fromHeaders: [{name: Authorization, prefix: "
       "\"Bearer \"}]\n",
       "{iss: iss-1, sub: alice}", Outcome::kDelivered},
      {"no prefix", "    fromHeaders: [{name: authorization}]\n",
       "{iss: iss-1, sub: alice}", Outcome::kDenied},
      {"another prefix",
       "    fromHeaders: [{name: Authorization, prefix: "
       "\"Token \"}]\n",
       "{iss: iss-2, sub: alice}", Outcome::kDelivered},
      {"cookies only", "    fromCookies: [session]\n",
       "{iss: iss-2, sub: alice}", Outcome::kDelivered},
      {"default locations", "", "{iss: iss-2, sub: alice}", Outcome::kDenied},
  };
  for (const Case& c : cases) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east",
          std::string("apiVersion: security.istio.io/v1\nkind: "
                      "RequestAuthentication\nmetadata:\n  name: jwt\n"
                      "  namespace: shop\nspec:\n  targetRefs:\n  - kind: "
                      "Gateway\n    group: gateway.networking.k8s.io\n"
                      "    name: waypoint\n  jwtRules:\n  - issuer: iss-1\n") +
              c.rule);
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}",
              std::string("{method: GET, path: /, jwt: ") + c.jwt + "}");
    testing::ExpectBothEngines(w.Load(), c.want, c.name);
  }
}

// §16.4 (generator.go requestPrincipalGenerator): a requestPrincipals
// value, and a request.auth.principal condition's, is split at its last
// '/' and its issuer and subject matched apart against the token's claims.
TEST(JwtCrossCheck, RequestPrincipalsSplitAtTheLastSlash) {
  const std::string at_waypoint =
      "  targetRefs:\n  - kind: Gateway\n    group: gateway.networking.k8s.io\n"
      "    name: waypoint\n";
  const struct {
    const char* pattern;
    const char* jwt;
    Outcome want;
  } cases[] = {
      {"https://iss.example.com/alice",
       "{iss: \"https://iss.example.com\", sub: alice}", Outcome::kDelivered},
      // The issuer is everything before the last '/': "https:/" here.
      {"https://iss*", "{iss: \"https://iss.example.com\", sub: alice}",
       Outcome::kDenied},
      {"https://iss.example.com*",
       "{iss: \"https://iss.example.com\", sub: alice}", Outcome::kDenied},
      {"https://iss.example.com/al*",
       "{iss: \"https://iss.example.com\", sub: alice}", Outcome::kDelivered},
      {"https://iss.example.com/*",
       "{iss: \"https://iss.example.com\", sub: alice}", Outcome::kDelivered},
      {"*.example.com/alice", "{iss: \"https://iss.example.com\", sub: alice}",
       Outcome::kDelivered},
      {"*/alice", "{iss: \"https://iss.example.com\", sub: alice}",
       Outcome::kDelivered},
      {"*/alice", "{iss: \"https://iss.example.com\", sub: bob}",
       Outcome::kDenied},
      // A subject holding '/' never matches a whole value naming it.
      {"https://iss.example.com/a/b",
       "{iss: \"https://iss.example.com\", sub: a/b}", Outcome::kDenied},
      {"https://iss.example.com/a/b",
       "{iss: \"https://iss.example.com/a\", sub: b}", Outcome::kDelivered},
      {"*", "{iss: \"https://iss.example.com\", sub: alice}",
       Outcome::kDelivered},
      {"iss-prefix*", "{iss: iss-prefix-1, sub: alice}", Outcome::kDelivered},
      {"*lice", "{iss: anyone, sub: alice}", Outcome::kDelivered},
  };
  for (const bool when : {false, true})
    for (const auto& c : cases) {
      testing::World w = testing::ShopWorld(
          {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
      w.Add("east", testing::Waypoint("shop", "waypoint"));
      w.Add("east",
            "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
            "metadata:\n  name: any\n  namespace: shop\nspec:\n" +
                at_waypoint +
                "  jwtRules:\n  - jwksUri: https://keys.example.com/jwks\n");
      const std::string rule =
          when ? "  - when:\n    - key: request.auth.principal\n"
                 "      values: [\"" +
                     std::string(c.pattern) + "\"]\n"
               : "  - from:\n    - source:\n        requestPrincipals: [\"" +
                     std::string(c.pattern) + "\"]\n";
      w.Add("east",
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
            "metadata:\n  name: who\n  namespace: shop\nspec:\n" +
                at_waypoint + "  rules:\n" + rule);
      w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
                "{host: cart.shop, port: 80}",
                std::string("{method: GET, path: /, jwt: ") + c.jwt + "}");
      testing::ExpectBothEngines(
          w.Load(), c.want,
          std::string(when ? "when " : "") + c.pattern + " vs " + c.jwt);
    }
}

// 401 and 403 are told apart by what denies: the RequestAuthentication
// (before any policy) or the AuthorizationPolicy.
TEST(JwtPathsTest, RejectionNamesTheRequestAuthentication) {
  const std::string at_waypoint =
      "  targetRefs:\n  - kind: Gateway\n    group: gateway.networking.k8s.io\n"
      "    name: waypoint\n";
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", With(kRequestAuthn, at_waypoint));
  w.Add("east", With(kPolicy, at_waypoint));
  const std::string from = "{cluster: east, namespace: client, workload: curl}";
  w.Traffic("unknown-issuer", from, "{host: cart.shop, port: 80}",
            "{method: GET, path: /, jwt: {iss: nobody, sub: x}}");
  w.Traffic("bob", from, "{host: cart.shop, port: 80}",
            "{method: GET, path: /, jwt: {iss: iss-1, sub: bob, aud: aud-a}}");
  w.Traffic(
      "alice", from, "{host: cart.shop, port: 80}",
      "{method: GET, path: /, jwt: {iss: iss-1, sub: alice, aud: aud-a}}");
  // iss-4's rule reads x-token, so it never sees a token sent as
  // Authorization; the other rules do, and accept none: 401.
  w.Traffic("iss-4", from, "{host: cart.shop, port: 80}",
            "{method: GET, path: /, jwt: {iss: iss-4, sub: alice}}");
  Scenario sc = w.Load();
  auto unknown = testing::PathsOf(sc, "unknown-issuer");
  ASSERT_EQ(unknown.size(), 1u);
  ASSERT_TRUE(unknown[0].denied_by);
  EXPECT_EQ(unknown[0].denied_by->policy, "shop/jwt");
  EXPECT_EQ(unknown[0].denied_by->action, "RequestAuthentication");
  EXPECT_NE(unknown[0].reason.find("401"), std::string::npos)
      << unknown[0].reason;
  auto bob = testing::PathsOf(sc, "bob");
  ASSERT_EQ(bob.size(), 1u);
  ASSERT_TRUE(bob[0].denied_by);
  EXPECT_EQ(bob[0].denied_by->policy, "shop/who");
  // The waypoint hop records the principal it authenticated.
  auto alice = testing::PathsOf(sc, "alice");
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].outcome, Outcome::kDelivered);
  bool noted = false;
  for (const Hop& h : alice[0].hops)
    for (const PolicyEvaluation& e : h.policies)
      noted |= e.action == "RequestAuthentication" &&
               e.note ==
                   "request principal iss-1/alice; the token is removed "
                   "before the next hop";  // no forwardOriginalToken
  EXPECT_TRUE(noted);
  auto iss4 = testing::PathsOf(sc, "iss-4");
  ASSERT_EQ(iss4.size(), 1u);
  ASSERT_TRUE(iss4[0].denied_by);
  EXPECT_EQ(iss4[0].denied_by->policy, "shop/jwt");

  // With only rules that read x-token, a token sent as Authorization is no
  // token at all: no 401, no principal, so the policy decides (403).
  testing::World x = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  x.Add("east", testing::Waypoint("shop", "waypoint"));
  x.Add("east",
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
        "metadata:\n  name: header-only\n  namespace: shop\nspec:\n" +
            at_waypoint +
            "  jwtRules:\n  - issuer: iss-4\n    fromHeaders: [{name: "
            "x-token}]\n");
  x.Add("east", With(kPolicy, at_waypoint));
  x.Traffic("unseen", from, "{host: cart.shop, port: 80}",
            "{method: GET, path: /, jwt: {iss: nobody, sub: x}}");
  auto unseen = testing::PathsOf(x.Load(), "unseen");
  ASSERT_EQ(unseen.size(), 1u);
  ASSERT_TRUE(unseen[0].denied_by);
  EXPECT_EQ(unseen[0].denied_by->policy, "shop/who");
}

// §16.4: a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) passes without its token being checked,
// as Istio's jwt_test "expired-token-cors-preflight-request-allowed"
// expects; without Origin it is an ordinary OPTIONS and the expired token
// gets 401. A token whose audience alone fails gets 403 (jwt_test
// "invalid-aud"), any other failure 401.
TEST(JwtCrossCheck, CorsPreflightSkipsTheTokenAndAudienceIs403) {
  const std::string at_waypoint =
      "  targetRefs:\n  - kind: Gateway\n    group: gateway.networking.k8s.io\n"
      "    name: waypoint\n";
  const std::string expired =
      "jwt: {iss: iss-2, sub: carol, expired: true, claims: {group: admins}}";
  const std::string preflight =
      "headers: {origin: https://a.example, access-control-request-method: "
      "POST}, ";
  struct Case {
    const char* name;
    std::string http;
    Outcome want;
  } cases[] = {
      {"preflight",
       "{method: OPTIONS, path: /healthz, " + preflight + expired + "}",
       Outcome::kDelivered},
      {"OPTIONS without origin",
       "{method: OPTIONS, path: /healthz, headers: "
       "{access-control-request-method: POST}, " +
           expired + "}",
       Outcome::kDenied},
      {"GET with the preflight headers",
       "{method: GET, path: /healthz, " + preflight + expired + "}",
       Outcome::kDenied},
      {"OPTIONS with an empty origin",
       "{method: OPTIONS, path: /healthz, headers: {origin: '', "
       "access-control-request-method: POST}, " +
           expired + "}",
       Outcome::kDenied},
  };
  for (const Case& c : cases) {
    testing::World w = testing::ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east", With(kRequestAuthn, at_waypoint));
    w.Add("east", With(kPolicy, at_waypoint));
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", c.http);
    Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty()) << c.name;
    testing::ExpectBothEngines(sc, c.want, c.name);
    if (c.want == Outcome::kDenied) {
      auto p = testing::PathsOf(sc, "t");
      ASSERT_EQ(p.size(), 1u);
      EXPECT_NE(p[0].reason.find("with 401: it has expired"), std::string::npos)
          << p[0].reason;
    }
  }
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", With(kRequestAuthn, at_waypoint));
  w.Traffic("aud", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}",
            "{method: GET, path: /, jwt: {iss: iss-1, sub: alice, aud: "
            "[aud-b]}}");
  // Envoy checks the expiry before the audience: expired, 401.
  w.Traffic("expired-aud", "{cluster: east, namespace: client, workload: curl}",
            "{host: cart.shop, port: 80}",
            "{method: GET, path: /, jwt: {iss: iss-1, sub: alice, aud: "
            "[aud-b], expired: true}}");
  const Scenario sc = w.Load();
  auto aud = testing::PathsOf(sc, "aud");
  ASSERT_EQ(aud.size(), 1u);
  EXPECT_NE(aud[0].reason.find("rejects the request's JWT with 403: its "
                               "audiences are not among"),
            std::string::npos)
      << aud[0].reason;
  auto expired_aud = testing::PathsOf(sc, "expired-aud");
  ASSERT_EQ(expired_aud.size(), 1u);
  EXPECT_NE(expired_aud[0].reason.find("with 401: it has expired"),
            std::string::npos)
      << expired_aud[0].reason;
}

// A sidecar destination authenticates with its pod's selector
// RequestAuthentications; ztunnel never authenticates.
TEST(JwtPathsTest, SidecarUsesSelectorRequestAuthentications) {
  for (const bool sidecar : {true, false}) {
    testing::World w =
        testing::ShopWorld(sidecar ? testing::KV{{"istio-injection", "enabled"}}
                                   : testing::KV{{Ambient(), "ambient"}});
    w.Add("east", With(kRequestAuthn,
                       "  selector:\n    matchLabels:\n      app: cart\n"));
    w.Traffic("bad-token", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}",
              "{method: GET, path: /, jwt: {iss: nobody, sub: x}}");
    Scenario sc = w.Load();
    std::set<Outcome> got;
    for (const Path& p : testing::PathsOf(sc, "bad-token"))
      got.insert(p.outcome);
    EXPECT_EQ(got, std::set<Outcome>{sidecar ? Outcome::kDenied
                                             : Outcome::kDelivered})
        << (sidecar ? "sidecar" : "ztunnel");
  }
}

}  // namespace
}  // namespace meshsim
