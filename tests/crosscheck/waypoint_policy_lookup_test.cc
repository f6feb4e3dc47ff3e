// §8.1: which AuthorizationPolicies a waypoint applies to a service it
// serves from another namespace changed twice before 1.25
// (authorization.go ListAuthorizationPolicies, policyattachment.go
// ShouldAttachPolicy): 1.22-1.23 looked in the root and the waypoint's
// namespaces and matched a Gateway or Service targetRef by name; 1.24 looked
// in the Service's namespace alone; from 1.25 in all three, each target in
// its own namespace. Found by a review of 2026-12-07: meshsim applied the
// 1.25 rule to every release.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/crosscheck/ingress_hosts.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// shop/cart bound to waypoint wpns/shared (namespace labels), at `version`.
testing::World SharedWaypointWorld(const std::string& version) {
  testing::World w =
      testing::ShopWorld({{Ambient(), "ambient"},
                          {"istio.io/use-waypoint", "shared"},
                          {"istio.io/use-waypoint-namespace", "wpns"}},
                         {}, {}, "{version: \"" + version + "\"}");
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east", testing::Ns("wpns", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Waypoint("wpns", "shared", "service",
                                  "    allowedRoutes: {namespaces: {from: "
                                  "All}}\n"));
  return w;
}

// A targetRefs list naming `kind` `name`.
std::string TargetRef(const std::string& kind, const std::string& name) {
  return "  targetRefs: [{kind: " + kind + ", group: " +
         (kind == "Service" ? "\"\"" : "gateway.networking.k8s.io") +
         ", name: " + name + "}]\n";
}

// The shared waypoint, one DENY-all policy in `ns` on `kind` `name`, and
// client/curl's GET / to cart.
Scenario LookupWorld(const std::string& version, const std::string& ns,
                     const std::string& kind, const std::string& name) {
  testing::World w = SharedWaypointWorld(version);
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: "
        "AuthorizationPolicy\nmetadata: {name: deny, namespace: " +
            ns + "}\nspec:\n" + TargetRef(kind, name) +
            "  action: DENY\n  rules: [{}]\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

struct LookupCase {
  const char* ns;
  const char* kind;
  const char* name;
  bool denied_123, denied_124, denied_125;
};

TEST(WaypointPolicyLookupCrossCheck, EachReleaseLooksWhereIstiodLooked) {
  const std::vector<LookupCase> cases = {
      {"wpns", "Gateway", "shared", true, false, true},
      {"shop", "Gateway", "shared", false, true, false},
      {"shop", "Service", "cart", false, true, true},
      {"istio-system", "Service", "cart", true, false, false},
  };
  for (const LookupCase& c : cases)
    for (const auto& [version, denied] :
         {std::pair<std::string, bool>{"1.23", c.denied_123},
          {"1.24", c.denied_124},
          {"1.25", c.denied_125}})
      testing::ExpectBothEngines(
          LookupWorld(version, c.ns, c.kind, c.name),
          denied ? Outcome::kDenied : Outcome::kDelivered,
          version + ": " + c.ns + " on " + c.kind + " " + c.name);
}

// §16.4: RequestAuthentications had a lookup of their own before 1.25
// (authentication.go getConfigsForWorkload): the waypoint's and the root
// namespaces, from 1.24.2 the Service's too; a Gateway by name, a Service
// by name and, from 1.24, from its own namespace. A rule for another
// issuer than the request's token: 401 where it attaches.
Scenario AuthenticationWorld(const std::string& version, const std::string& ns,
                             const std::string& kind, const std::string& name) {
  testing::World w = SharedWaypointWorld(version);
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: "
        "RequestAuthentication\nmetadata: {name: jwt, namespace: " +
            ns + "}\nspec:\n" + TargetRef(kind, name) +
            "  jwtRules: [{issuer: good.example.org}]\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /, jwt: {iss: other.example.org, sub: s}}");
  return w.Load();
}

TEST(WaypointPolicyLookupCrossCheck, AuthenticationsLookedUpByRelease) {
  struct Case {
    const char* ns;
    const char* kind;
    const char* name;
    bool at_123, at_1241, at_1242, at_125;
  };
  const std::vector<Case> cases = {
      {"wpns", "Gateway", "shared", true, true, true, true},
      {"istio-system", "Gateway", "shared", true, true, true, false},
      {"shop", "Gateway", "shared", false, false, true, false},
      {"shop", "Service", "cart", false, false, true, true},
      {"wpns", "Service", "cart", true, false, false, false},
  };
  for (const Case& c : cases)
    for (const auto& [version, rejected] :
         {std::pair<std::string, bool>{"1.23", c.at_123},
          {"1.24.1", c.at_1241},
          {"1.24.2", c.at_1242},
          {"1.25", c.at_125}})
      testing::ExpectBothEngines(
          AuthenticationWorld(version, c.ns, c.kind, c.name),
          rejected ? Outcome::kDenied : Outcome::kDelivered,
          version + ": " + c.ns + " on " + c.kind + " " + c.name);
}

// The same lookup at an ingress Gateway (no service chain): before 1.25 a
// root-namespace policy naming the Gateway attaches too.
TEST(WaypointPolicyLookupCrossCheck, AnIngressTakesARootPolicyByNameBefore125) {
  for (const auto& [version, denied] :
       {std::pair<std::string, bool>{"1.24", true}, {"1.25", false}}) {
    testing::World w = testing::ShopWorld({{Ambient(), "ambient"}}, {}, {},
                                          "{version: \"" + version + "\"}");
    w.Add("east", testing::Ns("istio-system"));
    w.Add("east", testing::Ingress("shop", "web"));
    w.Add("east",
          testing::IngressRoute("shop", "to-cart", "shop", "web", "cart", 80));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata: {name: deny, namespace: istio-system}\nspec:\n"
          "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
          "name: web}]\n  action: DENY\n  rules: [{}]\n");
    const testing::Outcomes want = {
        {0, denied ? Outcome::kDenied : Outcome::kDelivered}};
    std::set<std::string> lands;
    EXPECT_EQ(testing::SimulatedThrough(w, "shop/web", "shop.example.com", "/",
                                        &lands),
              want)
        << version;
    EXPECT_EQ(testing::EncodedThrough(w, "shop/web", "shop/cart",
                                      "shop.example.com", "/"),
              want)
        << version;
  }
}

}  // namespace
}  // namespace meshsim
