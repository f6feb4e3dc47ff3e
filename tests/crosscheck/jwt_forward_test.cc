// §16.4: a proxy that verifies a token removes it from the request unless
// the rule that accepted it sets forwardOriginalToken (Istio's
// policy_applier.go passes the field as Envoy's JwtProvider.forward, false
// by default). So a waypoint or a sidecar behind an ingress that validates
// the token sees none, and a requestPrincipals policy there answers 403 to
// a request the ingress accepted. Each case is asked of the simulator's path
// function and of the verifier's encoding for the ingress source class.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

// The outcomes of traffic entry `name` (from an ingress), in the simulator
// and in the encoding for the ingress's source class.
std::pair<std::set<Outcome>, std::set<Outcome>> IngressOutcomes(
    const Scenario& sc, const std::string& name, const std::string& service) {
  std::set<Outcome> simulated, encoded;
  for (const Path& p : testing::PathsOf(sc, name)) simulated.insert(p.outcome);
  const TrafficEntry* t = nullptr;
  for (const TrafficEntry& e : sc.traffic)
    if (e.name == name) t = &e;
  if (!t || !t->http) return {simulated, encoded};
  const JwtToken* jwt = t->http->jwt ? &*t->http->jwt : nullptr;
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc)) {
    if (src.kind != ClientKind::kIngress) continue;
    const EncodedOutcomes got =
        oracle.Outcomes(src, service, "", t->to.port, t->http->method,
                        t->http->path, jwt, t->to.host);
    EXPECT_FALSE(got.unknown) << name;
    for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
  }
  return {simulated, encoded};
}

Scenario Load(const std::string& file) {
  Diagnostics d;
  auto sc = LoadScenarioFile(file, d);
  EXPECT_TRUE(sc && !d.HasErrors()) << file;
  return sc ? *sc : Scenario{};
}

// A Gateway API ingress shop/public routing cart.example.com to cart, whose
// pod has a sidecar that verifies iss-1 and admits only iss-1/alice.
testing::World SidecarBehindIngress() {
  testing::World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east", testing::Ns("shop", {{"istio-injection", "enabled"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east", testing::Ingress("shop", "public"));
  w.Add("east",
        testing::IngressRoute("shop", "cart", "shop", "public", "cart", 80));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
        "metadata: {name: cart, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n"
        "  jwtRules: [{issuer: iss-1}]\n");
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: alice, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n"
        "  rules:\n  - from:\n    - source:\n"
        "        requestPrincipals: [\"iss-1/alice\"]\n");
  return w;
}

// Both engines end traffic entry "t" of `w` (from shop/public, with `jwt`)
// as `want`.
void ExpectFromIngress(testing::World w, const std::string& jwt, Outcome want,
                       const std::string& name) {
  w.Traffic("t", "{cluster: east, ingress: shop/public}",
            "{host: cart.example.com, port: 80}",
            "{method: GET, path: /, jwt: " + jwt + "}");
  const Scenario sc = w.Load();
  ASSERT_FALSE(sc.mesh.clusters.empty()) << name;
  const auto [simulated, encoded] = IngressOutcomes(sc, "t", "shop/cart");
  EXPECT_EQ(simulated, std::set<Outcome>{want}) << "simulator: " << name;
  EXPECT_EQ(encoded, std::set<Outcome>{want}) << "encoding: " << name;
}

// The scenario folders: the ingress and the waypoint behind it validate the
// same issuer; the waypoint admits only the test user.
TEST(JwtForwardCrossCheck, AnIngressRemovesTheTokenItVerified) {
  struct Case {
    const char* folder;
    const char* entry;
    Outcome want;
  };
  const Case cases[] = {
      {"removed", "test-user", Outcome::kDenied},  // 403 at the waypoint
      {"removed", "no-token", Outcome::kDenied},
      {"forwarded", "test-user", Outcome::kDelivered},
      {"forwarded", "no-token", Outcome::kDenied},
  };
  for (const Case& c : cases) {
    const Scenario sc =
        Load(std::string("scenarios/jwt-forward-original-token/") + c.folder +
             "/scenario.yaml");
    ASSERT_FALSE(sc.mesh.clusters.empty()) << c.folder;
    const auto [simulated, encoded] = IngressOutcomes(sc, c.entry, "shop/cart");
    const std::string what = std::string(c.folder) + ": " + c.entry;
    EXPECT_EQ(simulated, std::set<Outcome>{c.want}) << "simulator: " << what;
    EXPECT_EQ(encoded, std::set<Outcome>{c.want}) << "encoding: " << what;
  }
}

// An ingress straight to a sidecar pod (no waypoint). The ingress has two
// rules for issuer iss-1: the first, for audience aud-a, forwards the token;
// the second, for any audience, does not. The rule that accepts a token
// first decides: aud-a reaches the sidecar, whose own RequestAuthentication
// and policy admit iss-1/alice; aud-b is accepted at the ingress and
// removed, so the sidecar sees no token and denies (403).
TEST(JwtForwardCrossCheck, TheFirstAcceptingRuleDecidesAndASidecarSeesNone) {
  testing::World w = SidecarBehindIngress();
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
        "metadata:\n  name: edge\n  namespace: shop\nspec:\n"
        "  targetRefs:\n  - kind: Gateway\n"
        "    group: gateway.networking.k8s.io\n    name: public\n"
        "  jwtRules:\n"
        "  - issuer: iss-1\n    audiences: [aud-a]\n"
        "    forwardOriginalToken: true\n"
        "  - issuer: iss-1\n");
  ExpectFromIngress(w, "{iss: iss-1, sub: alice, aud: [aud-a]}",
                    Outcome::kDelivered, "aud-a");
  ExpectFromIngress(w, "{iss: iss-1, sub: alice, aud: [aud-b]}",
                    Outcome::kDenied, "aud-b");
}

// §16.4: which rule accepts first is istiod's order: the proxy's namespace,
// then the root namespace; in each the oldest RequestAuthentication, then
// by name; the rules then sorted by issuer (stable). Two RequestAuthentications
// at the ingress verify iss-1, one forwarding the token, one not; the
// sidecar behind admits only iss-1/alice.
TEST(JwtForwardCrossCheck, IstiodsOrderDecidesWhichRuleAcceptsFirst) {
  struct Case {
    const char* name;
    const char* removing_ns;  // the RequestAuthentication without forward
    const char* removing_name;
    const char* removing_created;
    const char* forwarding_created;
    Outcome want;
  };
  const Case cases[] = {
      // Same namespace, same age: by name, "a-edge" first.
      {"by name", "shop", "a-edge", "", "", Outcome::kDenied},
      {"by name, the forwarding one first", "shop", "c-edge", "", "",
       Outcome::kDelivered},
      // The older one first, whatever the name.
      {"older first", "shop", "a-edge", "2025-01-01T00:00:00Z",
       "2024-01-01T00:00:00Z", Outcome::kDelivered},
      // The proxy's namespace before the root namespace.
      {"own namespace first", "istio-system", "a-edge", "", "",
       Outcome::kDelivered},
  };
  for (const Case& c : cases) {
    testing::World w = SidecarBehindIngress();
    auto ra = [](const std::string& ns, const std::string& name,
                 const std::string& created, const std::string& forward) {
      return "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
             "metadata:\n  name: " +
             name + "\n  namespace: " + ns + "\n" +
             (created.empty() ? ""
                              : "  creationTimestamp: \"" + created + "\"\n") +
             "spec:\n  selector:\n    matchLabels:\n"
             "      gateway.networking.k8s.io/gateway-name: public\n"
             "  jwtRules:\n  - issuer: iss-1\n" +
             forward;
    };
    w.Add("east", ra(c.removing_ns, c.removing_name, c.removing_created, ""));
    w.Add("east", ra("shop", "b-edge", c.forwarding_created,
                     "    forwardOriginalToken: true\n"));
    ExpectFromIngress(w, "{iss: iss-1, sub: alice}", c.want, c.name);
  }
}

// The classic ingress gateway (a Router of Istio Gateways) as Istio's
// authentication task sets it up: a RequestAuthentication selecting the
// gateway's pods, a VirtualService to cart, whose waypoint (used by ingress)
// admits only iss-1/alice after verifying iss-1 itself.
TEST(JwtForwardCrossCheck, AnIstioGatewayRemovesTheTokenToo) {
  for (const bool forward : {false, true}) {
    testing::World w =
        testing::ShopWorld({{testing::Ambient(), "ambient"},
                            {"istio.io/use-waypoint", "waypoint"}},
                           {{"istio.io/ingress-use-waypoint", "true"}});
    w.Add("east", testing::Waypoint("shop", "waypoint"));
    testing::AddIngressGateway(w);
    w.Add("east", testing::IstioGatewayShopGw());
    w.Add("east", testing::VirtualServiceToCart("public", "[\"*\"]"));
    w.Add("east",
          std::string(
              "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
              "metadata: {name: edge, namespace: istio-system}\nspec:\n"
              "  selector: {matchLabels: {istio: ingressgateway}}\n"
              "  jwtRules:\n  - issuer: iss-1\n") +
              (forward ? "    forwardOriginalToken: true\n" : ""));
    const std::string at_waypoint =
        "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
        "name: waypoint}]\n";
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
          "metadata: {name: again, namespace: shop}\nspec:\n" +
              at_waypoint + "  jwtRules: [{issuer: iss-1}]\n");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata: {name: alice, namespace: shop}\nspec:\n" +
              at_waypoint +
              "  rules:\n  - from:\n    - source:\n"
              "        requestPrincipals: [\"iss-1/alice\"]\n");
    w.Traffic("t", "{cluster: east, ingress: shop/gw}",
              "{host: shop.example.com, port: 80}",
              "{method: GET, path: /, jwt: {iss: iss-1, sub: alice}}");
    const Scenario sc = w.Load();
    ASSERT_FALSE(sc.mesh.clusters.empty());
    const Outcome want = forward ? Outcome::kDelivered : Outcome::kDenied;
    const auto [simulated, encoded] = IngressOutcomes(sc, "t", "shop/cart");
    EXPECT_EQ(simulated, std::set<Outcome>{want}) << "simulator: " << forward;
    EXPECT_EQ(encoded, std::set<Outcome>{want}) << "encoding: " << forward;
  }
}

}  // namespace
}  // namespace meshsim
