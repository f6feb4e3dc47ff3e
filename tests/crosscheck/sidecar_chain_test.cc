// §6, §8.6: a sidecar's listeners follow the declared protocol of the
// port, not the request. Outbound, a service port declared TCP gets a TCP
// proxy (listener.go buildSidecarOutboundListener): no HTTP route of a
// VirtualService or GAMMA route applies. Inbound, the chain of a pod port
// takes the protocol of the oldest Service port targeting it
// (listener_inbound.go getFilterChainsByServicePort), and a TCP chain reads
// no HTTP: an ALLOW rule on paths is dropped, a token goes unchecked.
// Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// client/curl (sidecar or ambient) to shop/cart, whose pod is a sidecar
// pod unless `shop_ambient`; cart's port as given.
testing::World ChainWorld(bool sidecar_client, bool shop_ambient,
                          const std::string& port) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east",
        testing::Ns("client", sidecar_client
                                  ? testing::KV{{"istio-injection", "enabled"}}
                                  : testing::KV{{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east",
        testing::Ns("shop", shop_ambient
                                ? testing::KV{{Ambient(), "ambient"}}
                                : testing::KV{{"istio-injection", "enabled"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Deploy("shop", "other"));
  w.Add("east", testing::Svc("shop", "other"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
        "  namespace: shop\n  creationTimestamp: \"2025-01-01T00:30:00Z\"\n"
        "spec:\n  selector: {app: cart}\n  ports:\n  - " +
            port + "\n");
  return w;
}

const char* kAllowXAtCart =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata: {name: allow-x, namespace: shop}\nspec:\n"
    "  selector: {matchLabels: {app: cart}}\n"
    "  rules: [{to: [{operation: {paths: [/x]}}]}]\n";

const char* kCartToOther =
    "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
    "metadata: {name: cart, namespace: shop}\nspec:\n"
    "  hosts: [cart.shop.svc.cluster.local]\n"
    "  http: [{route: [{destination: {host: "
    "other.shop.svc.cluster.local}}]}]\n";

TEST(SidecarChainCrossCheck, TheSidecarsListenersFollowTheDeclaredProtocol) {
  struct Case {
    const char* name;
    bool sidecar_client, shop_ambient;
    std::string port;
    Outcome want;
  } cases[] = {
      // Outbound TCP proxy at the sidecar client, then the inbound TCP chain.
      {"sidecar to sidecar, tcp- port", true, false,
       "{name: tcp-web, port: 80}", Outcome::kDenied},
      {"sidecar to sidecar, http port", true, false,
       "{name: http-web, port: 80}", Outcome::kDelivered},
      {"sidecar to sidecar, undeclared port", true, false,
       "{name: web, port: 80}", Outcome::kDelivered},
      // The inbound chain alone: an ambient client's ztunnel carries HTTP.
      {"ambient to sidecar, appProtocol tcp", false, false,
       "{name: http, port: 80, appProtocol: tcp}", Outcome::kDenied},
      {"ambient to sidecar, https- port on a targetPort", false, false,
       "{name: https-web, port: 443, targetPort: 80}", Outcome::kDenied},
      {"ambient to sidecar, http port", false, false,
       "{name: http-web, port: 80}", Outcome::kDelivered},
  };
  for (const Case& c : cases) {
    testing::World w = ChainWorld(c.sidecar_client, c.shop_ambient, c.port);
    w.Add("east", kAllowXAtCart);
    const int port = c.port.find("443") != std::string::npos ? 443 : 80;
    w.Traffic("t", testing::kFromCurl,
              "{host: cart.shop.svc.cluster.local, port: " +
                  std::to_string(port) + "}",
              "{method: GET, path: /x}");
    testing::EngineDest to;
    to.port = port;
    testing::ExpectBothEngines(w.Load(), c.want, c.name, to);
  }
}

// The sidecar client's TCP proxy applies no HTTP route: the request lands
// on cart's own pod, not on `other`; on an HTTP port the route decides.
TEST(SidecarChainCrossCheck, NoHttpRouteOnATcpPort) {
  for (const bool tcp : {true, false}) {
    testing::World w = ChainWorld(
        true, true,
        tcp ? "{name: tcp-web, port: 80}" : "{name: http, port: 80}");
    w.Add("east", kCartToOther);
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    const Scenario sc = w.Load();
    testing::ExpectBothEngines(sc, Outcome::kDelivered, "route");
    for (const Path& path : testing::PathsOf(sc, "t")) {
      ASSERT_FALSE(path.hops.empty());
      EXPECT_EQ(
          path.hops.back().name.rfind(tcp ? "shop/cart-" : "shop/other-", 0),
          0u)
          << path.hops.back().name;
    }
  }
}

// §8.6: on a port declared HTTP the sidecar has the HTTP listener alone:
// plain TCP meets no route there, a VirtualService's tcp route included,
// and passes through to the service.
TEST(SidecarChainCrossCheck, NoTcpRouteOnAnHttpPort) {
  testing::World w = ChainWorld(true, true, "{name: http, port: 80}");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: cart, namespace: shop}\nspec:\n"
        "  hosts: [cart.shop.svc.cluster.local]\n"
        "  tcp: [{route: [{destination: {host: other.shop.svc.cluster.local, "
        "port: {number: 80}}}]}]\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart);
  const Scenario sc = w.Load();
  const auto paths = testing::PathsOf(sc, "t");
  ASSERT_FALSE(paths.empty());
  for (const Path& path : paths) {
    EXPECT_EQ(path.outcome, Outcome::kDelivered) << path.reason;
    EXPECT_EQ(path.hops.back().name.rfind("shop/cart-", 0), 0u)
        << path.hops.back().name;
  }
}

// The oldest Service port targeting the pod port decides its inbound chain,
// whichever Service the client dialled: raw (tcp 9000 -> 80) beside cart
// (http 80). A TCP chain drops an ALLOW rule on paths and widens a DENY
// rule on paths to every connection; an HTTP chain reads the request a
// sidecar client's TCP proxy (raw's port) passed on unread.
TEST(SidecarChainCrossCheck, TheOldestServiceDecidesTheInboundChain) {
  const char* kDenyX =
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
      "metadata: {name: deny-x, namespace: shop}\nspec:\n"
      "  selector: {matchLabels: {app: cart}}\n  action: DENY\n"
      "  rules: [{to: [{operation: {paths: [/x]}}]}]\n";
  struct Case {
    const char* name;
    bool tcp_older, sidecar_client, via_raw, deny;
    Outcome want;
  } cases[] = {
      {"tcp older, ALLOW /x", true, false, false, false, Outcome::kDenied},
      {"tcp newer, ALLOW /x", false, false, false, false, Outcome::kDelivered},
      {"tcp older, DENY /x widened", true, false, false, true,
       Outcome::kDenied},
      {"tcp newer, DENY /x on GET /y", false, false, false, true,
       Outcome::kDelivered},
      {"sidecar via raw's tcp port, http older, ALLOW /x", false, true, true,
       false, Outcome::kDelivered},
      {"sidecar via raw's tcp port, tcp older, ALLOW /x", true, true, true,
       false, Outcome::kDenied},
  };
  for (const Case& c : cases) {
    testing::World w =
        ChainWorld(c.sidecar_client, false, "{name: http, port: 80}");
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: raw\n"
          "  namespace: shop\n  creationTimestamp: \"" +
              std::string(c.tcp_older ? "2020" : "2030") +
              "-01-01T00:00:00Z\"\nspec:\n  selector: {app: cart}\n"
              "  ports:\n  - {name: tcp, port: 9000, targetPort: 80}\n");
    w.Add("east", c.deny ? kDenyX : kAllowXAtCart);
    w.Traffic("t", testing::kFromCurl,
              c.via_raw ? "{host: raw.shop.svc.cluster.local, port: 9000}"
                        : testing::kToCart,
              c.deny ? "{method: GET, path: /y}" : "{method: GET, path: /x}");
    testing::EngineDest to;
    if (c.via_raw) to.service = "shop/raw", to.port = 9000;
    testing::ExpectBothEngines(w.Load(), c.want, c.name, to);
  }
}

// §6 (listener.go; TestOutboundListenerConflict_WellKnowPorts): HTTP
// services share the sidecar's 0.0.0.0:<port> listener, routed by the Host
// header, so an HTTP request to an address-less ServiceEntry of resolution
// NONE meets its VirtualService; unless an older MySQL entry holds that
// listener, which then takes no HTTP service.
TEST(SidecarChainCrossCheck, AnAddresslessEntryIsRoutedByItsHost) {
  for (const bool mysql_older : {false, true}) {
    testing::World w = ChainWorld(true, true, "{name: http, port: 80}");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: b, namespace: shop, creationTimestamp: "
          "\"2025-01-01T00:00:00Z\"}\nspec:\n  hosts: [b.example.com]\n"
          "  location: MESH_EXTERNAL\n  resolution: NONE\n"
          "  ports: [{number: 3306, name: http, protocol: HTTP}]\n");
    if (mysql_older)
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
            "metadata: {name: db, namespace: shop, creationTimestamp: "
            "\"2024-01-01T00:00:00Z\"}\nspec:\n  hosts: [db.example.com]\n"
            "  location: MESH_EXTERNAL\n  resolution: NONE\n"
            "  ports: [{number: 3306, name: mysql, protocol: MYSQL}]\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
          "metadata: {name: b, namespace: shop}\nspec:\n"
          "  hosts: [b.example.com]\n"
          "  http: [{route: [{destination: {host: "
          "other.shop.svc.cluster.local, port: {number: 80}}}]}]\n");
    w.Traffic("t", testing::kFromCurl, "{host: b.example.com, port: 3306}",
              "{method: GET, path: /}");
    const auto paths = testing::PathsOf(w.Load(), "t");
    ASSERT_FALSE(paths.empty());
    for (const Path& path : paths)
      EXPECT_EQ(path.hops.back().name.rfind(
                    mysql_older ? "b.example.com" : "shop/other-", 0),
                0u)
          << mysql_older << ": " << path.hops.back().name;
  }
}

// "Oldest" compares times, not text: an offset and a fraction are read as
// RFC 3339 (cart was created at 00:30Z; raw at 00:00Z written with an
// offset; at 00:30:00.5Z, the same second as the API server keeps it, so
// the hostname decides and cart.shop comes first; at 00:29:59.9Z, older).
TEST(SidecarChainCrossCheck, CreationTimesAreComparedAsTimes) {
  for (const auto& [stamp, want] :
       {std::pair<std::string, Outcome>{"2025-01-01T01:00:00+01:00",
                                        Outcome::kDenied},
        {"2025-01-01T00:30:00.5Z", Outcome::kDelivered},
        {"2025-01-01T00:29:59.9Z", Outcome::kDenied}}) {
    testing::World w = ChainWorld(false, false, "{name: http, port: 80}");
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: raw\n"
          "  namespace: shop\n  creationTimestamp: \"" +
              stamp +
              "\"\nspec:\n  selector: {app: cart}\n"
              "  ports:\n  - {name: tcp, port: 9000, targetPort: 80}\n");
    w.Add("east", kAllowXAtCart);
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /x}");
    testing::ExpectBothEngines(w.Load(), want, stamp);
  }
}

// A named targetPort the pod declares no port for targets none of its ports
// (controller.go GetProxyServiceTargetsByPod skips it, FindPort fails):
// raw, older and TCP, names 'db', which cart's pod does not declare, so
// cart's HTTP port decides pod port 80. With a numbered targetPort 80, raw
// decides (the control).
TEST(SidecarChainCrossCheck, AnUndeclaredNamedTargetPortDecidesNoChain) {
  for (const auto& [target, want] :
       {std::pair<std::string, Outcome>{"db", Outcome::kDelivered},
        {"80", Outcome::kDenied}}) {
    testing::World w = ChainWorld(false, false, "{name: http, port: 80}");
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: raw\n"
          "  namespace: shop\n  creationTimestamp: \"2020-01-01T00:00:00Z\"\n"
          "spec:\n  selector: {app: cart}\n"
          "  ports:\n  - {name: tcp, port: 80, targetPort: " +
              target + "}\n");
    w.Add("east", kAllowXAtCart);
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /x}");
    testing::ExpectBothEngines(w.Load(), want, "targetPort " + target);
  }
}

}  // namespace
}  // namespace meshsim
