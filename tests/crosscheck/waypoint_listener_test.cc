// §2.1: ztunnel reaches a waypoint on port 15008 of its Service (ztunnel
// state.rs fetch_waypoint, ServiceResolutionMode::Waypoint), and the
// generated Service has the Gateway's listener ports only
// (deploymentcontroller.go extractServicePorts). A waypoint Gateway with
// no listener on 15008 keeps its bindings (conversion.go accepts the
// Gateway whatever its listeners) but every request through it fails: fail
// closed. Asked of both engines, and of lint.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

Scenario WithListener(const std::string& listener) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: waypoint\n  namespace: shop\nspec:\n"
        "  gatewayClassName: istio-waypoint\n  listeners:\n" +
            listener);
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(WaypointListenerCrossCheck, NoListenerOn15008FailsClosed) {
  testing::ExpectBothEngines(
      WithListener("  - {name: mesh, port: 15008, protocol: HBONE}\n"),
      Outcome::kDelivered, "the HBONE listener");
  for (const std::string l :
       {"  - {name: mesh, port: 15009, protocol: HBONE}\n",
        "  - {name: http, port: 80, protocol: HTTP}\n"}) {
    const Scenario sc = WithListener(l);
    testing::ExpectBothEngines(sc, Outcome::kFailed, l);
    bool flagged = false;
    for (const Finding& f : Verify(sc, {}).findings)
      flagged |=
          f.rule == "waypoint-unavailable" &&
          f.message.find("no listener on port 15008") != std::string::npos;
    EXPECT_TRUE(flagged) << l;
  }
}

// A finding names the waypoint the addressed Service asks for, not the
// first one another Service selecting the same pod asks for; a waypoint's
// own pods ask for none.
TEST(WaypointListenerCrossCheck, ABypassNamesTheAddressedServicesWaypoint) {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}},
                                        {{"istio.io/use-waypoint", "wa"}});
  w.Add("east", testing::Svc("shop", "cart2", 80,
                             {{"istio.io/use-waypoint", "wb"}}, "", "cart"));
  const VerifyResult r = Verify(w.Load(), {});
  std::set<std::string> named;
  for (const Finding& f : r.findings) {
    if (f.rule != "waypoint-bypass") continue;
    for (const char* svc : {"service shop/cart ", "service shop/cart2 "})
      if (f.message.find(svc) != std::string::npos)
        named.insert(svc + f.message.substr(f.message.rfind(' ') + 1));
  }
  EXPECT_EQ(named, (std::set<std::string>{"service shop/cart shop/wa",
                                          "service shop/cart2 shop/wb"}));
}

// §8.6: the chain a waypoint gives a service port follows the port's
// declared protocol (listener_waypoint.go; kube/conversion.go
// ConvertProtocol), not the request: a TCP port has the TCP chain alone (an
// HTTP request there meets no HTTP route and TCP-mode policies), an
// undeclared one both. The Istio cases of the 2026-12-06 audit, in both
// engines.
Scenario ProtocolWorld(const std::string& port, const std::string& http,
                       const std::string& extra, int number = 80) {
  testing::World w = testing::ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Add("east", testing::Deploy("shop", "other"));
  w.Add("east", testing::Svc("shop", "other"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: raw\n"
        "  namespace: shop\n  labels: {istio.io/use-waypoint: waypoint}\n"
        "spec:\n  selector: {app: cart}\n  ports:\n  - " +
            port + "\n");
  if (!extra.empty()) w.Add("east", extra);
  w.Traffic("t", testing::kFromCurl,
            "{host: raw.shop, port: " + std::to_string(number) + "}", http);
  return w.Load();
}

const char* kAllowPath =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata: {name: allow-x, namespace: shop}\nspec:\n"
    "  targetRefs: [{kind: Service, group: \"\", name: raw}]\n"
    "  rules: [{to: [{operation: {paths: [/x]}}]}]\n";

const char* kRouteToOther =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
    "metadata: {name: r, namespace: shop}\nspec:\n"
    "  parentRefs: [{group: \"\", kind: Service, name: raw}]\n"
    "  rules: [{backendRefs: [{name: other, port: 80}]}]\n";

TEST(WaypointListenerCrossCheck, TheChainFollowsThePortsDeclaredProtocol) {
  const std::string get_x = "{method: GET, path: /x}";
  struct Case {
    const char* name;
    std::string port, http, extra;
    Outcome want;
    bool tcp = false;
  } cases[] = {
      {"tcp- port, ALLOW on paths", "{name: tcp-web, port: 80}", get_x,
       kAllowPath, Outcome::kDenied},
      {"https- port, ALLOW on paths", "{name: https-web, port: 80}", get_x,
       kAllowPath, Outcome::kDenied},
      {"appProtocol tcp", "{name: http, port: 80, appProtocol: tcp}", get_x,
       kAllowPath, Outcome::kDenied},
      {"undeclared port, ALLOW on paths", "{name: web, port: 80}", get_x,
       kAllowPath, Outcome::kDelivered},
      {"http port, ALLOW on paths", "{name: http-web, port: 80}", get_x,
       kAllowPath, Outcome::kDelivered},
      // Followed as the connection the entry describes (lint warns:
      // tcp-to-http-port), though the waypoint's codec would close it.
      {"http port, plain TCP", "{name: http-web, port: 80}", "", "",
       Outcome::kDelivered, true},
      {"undeclared port, plain TCP", "{name: web, port: 80}", "", "",
       Outcome::kDelivered, true},
      // Another port's targetPort numbered 80 does not make port 80 HTTP
      // (a waypoint sees the service port).
      {"tcp- port beside an http port targeting 80",
       "{name: tcp-web, port: 80}\n  - {name: http, port: 8080, targetPort: "
       "80}",
       get_x, kAllowPath, Outcome::kDenied},
  };
  for (const Case& c : cases) {
    testing::EngineDest to;
    to.service = "shop/raw";
    to.tcp = c.tcp;
    testing::ExpectBothEngines(ProtocolWorld(c.port, c.http, c.extra), c.want,
                               c.name, to);
  }
  // A GAMMA route on a TCP port is not applied: the request lands on raw's
  // own pod (cart), not on `other`.
  for (const int number : {80, 3306}) {
    const std::string port =
        number == 80 ? "{name: tcp-web, port: 80}" : "{name: web, port: 3306}";
    const Scenario sc = ProtocolWorld(port, get_x, kRouteToOther, number);
    for (const Path& path : testing::PathsOf(sc, "t")) {
      EXPECT_EQ(path.outcome, Outcome::kDelivered) << port << path.reason;
      ASSERT_FALSE(path.hops.empty());
      EXPECT_EQ(path.hops.back().name.rfind("shop/cart-", 0), 0u)
          << port << ": " << path.hops.back().name;
    }
  }
  const Scenario http =
      ProtocolWorld("{name: http-web, port: 80}", get_x, kRouteToOther);
  for (const Path& path : testing::PathsOf(http, "t"))
    EXPECT_EQ(path.hops.back().name.rfind("shop/other-", 0), 0u)
        << path.hops.back().name;
}

}  // namespace
}  // namespace meshsim
