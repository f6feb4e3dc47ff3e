// §16.3: a Router's listener holds one virtual host per domain (a
// VirtualService host narrowed by a server host), and Envoy takes the most
// specific domain that matches the Host: an exact name, then the longest
// suffix wildcard, then "*", and only that virtual host's routes. The
// Router's own policies and RequestAuthentications decide before it routes.
// Each case is asked of both engines: the simulator's paths and the
// encoding's outcomes for the Router's source class.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "tests/crosscheck/ingress_hosts.h"

namespace meshsim {
namespace router_hosts {

using testing::Ambient;
using testing::Outcomes;

// Services cart and orders in ambient namespace shop; the classic
// istio-ingressgateway (80 -> 8080) with Istio Gateway shop/gw (port 80,
// server hosts `server_hosts`). VirtualService `catchall` (hosts ["*"], the
// older) sends everything to orders; `public` (hosts [shop.example.com])
// sends everything to cart. `extra`: more manifests in cluster east.
testing::World HostsWorld(const std::string& server_hosts = "[\"*\"]",
                          const std::string& extra = "") {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  testing::AddIngressGateway(w);
  w.Add("east", testing::IstioGatewayShopGw(server_hosts));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: catchall\n  namespace: shop\n"
        "  creationTimestamp: \"2020-01-01T00:00:00Z\"\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n"
        "  - route:\n    - destination: {host: orders, port: {number: 80}}\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: public\n  namespace: shop\n"
        "  creationTimestamp: \"2024-01-01T00:00:00Z\"\nspec:\n"
        "  hosts: [shop.example.com]\n  gateways: [gw]\n  http:\n"
        "  - route:\n    - destination: {host: cart, port: {number: 80}}\n");
  if (!extra.empty()) w.Add("east", extra);
  return w;
}

Outcomes Simulated(const testing::World& w, const std::string& host,
                   const std::string& path, std::set<std::string>* lands) {
  return testing::SimulatedThrough(w, "shop/gw", host, path, lands);
}

Outcomes Encoded(const testing::World& w, const std::string& service,
                 const std::string& host, const std::string& path) {
  return testing::EncodedThrough(w, "", service, host, path);
}

const Outcomes kDelivered = {{0, Outcome::kDelivered}};
const Outcomes kDenied = {{0, Outcome::kDenied}};

TEST(RouterHostsTest, TheExactDomainWinsOverAnOlderCatchAll) {
  const testing::World w = HostsWorld();
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "shop.example.com", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  // Before, the simulator merged both VirtualServices by age and the older
  // catch-all took the request to orders.
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/"), kDelivered);
  EXPECT_TRUE(Encoded(w, "shop/orders", "shop.example.com", "/").empty());
}

TEST(RouterHostsTest, AnyOtherHostTakesTheCatchAll) {
  const testing::World w = HostsWorld();
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "other.example.org", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "other.example.org", "/"), kDelivered);
  EXPECT_TRUE(Encoded(w, "shop/cart", "other.example.org", "/").empty());
}

TEST(RouterHostsTest, AServerHostNarrowsACatchAllVirtualService) {
  // Server hosts *.example.com: the catch-all's domain becomes
  // *.example.com (host.Names.Intersection), so a host outside it has no
  // virtual host: 404 at the Router, and no service is reached.
  const testing::World w = HostsWorld("[\"*.example.com\"]");
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "api.example.com", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "api.example.com", "/"), kDelivered);
  const Outcomes outside = Simulated(w, "other.example.org", "/", nullptr);
  EXPECT_EQ(outside, (Outcomes{{0, Outcome::kFailed}}));
  EXPECT_TRUE(Encoded(w, "shop/orders", "other.example.org", "/").empty());
}

// A DENY on the Router's pods for /admin paths (selector istio:
// ingressgateway, in istio-system).
const char kDenyAdmin[] =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata:\n  name: no-admin\n  namespace: istio-system\nspec:\n"
    "  selector:\n    matchLabels: {istio: ingressgateway}\n"
    "  action: DENY\n  rules:\n  - to:\n    - operation:\n"
    "        paths: [\"/admin*\"]\n";

TEST(RouterHostsTest, TheRoutersOwnPolicyDeniesBeforeItRoutes) {
  const testing::World w = HostsWorld("[\"*\"]", kDenyAdmin);
  EXPECT_EQ(Simulated(w, "shop.example.com", "/admin/x", nullptr), kDenied);
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/admin/x"), kDenied);
  EXPECT_EQ(Simulated(w, "shop.example.com", "/a", nullptr), kDelivered);
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/a"), kDelivered);
}

// An ALLOW on the Router's pods for one port: its Envoy listens on 8080
// (the gateway Service's targetPort), so that is the port a policy sees.
std::string AllowPort(int port) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata:\n  name: port-only\n  namespace: istio-system\nspec:\n"
         "  selector:\n    matchLabels: {istio: ingressgateway}\n"
         "  rules:\n  - to:\n    - operation:\n        ports: [\"" +
         std::to_string(port) + "\"]\n";
}

TEST(RouterHostsTest, TheRoutersPolicySeesItsListenPort) {
  EXPECT_EQ(Simulated(HostsWorld("[\"*\"]", AllowPort(8080)),
                      "shop.example.com", "/", nullptr),
            kDelivered);
  EXPECT_EQ(Simulated(HostsWorld("[\"*\"]", AllowPort(80)), "shop.example.com",
                      "/", nullptr),
            kDenied);
}

TEST(RouterHostsTest, CatchAllRoutesComeLastInTheVirtualHost) {
  // Two VirtualServices for "*": the older sends everything to orders (a
  // rule without matches: a catch-all), the newer /api to cart. istiod
  // moves catch-all routes after the others (SortVHostRoutes), so /api is
  // cart's and anything else orders'.
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  testing::AddIngressGateway(w);
  w.Add("east", testing::IstioGatewayShopGw());
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: default\n  namespace: shop\n"
        "  creationTimestamp: \"2020-01-01T00:00:00Z\"\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n"
        "  - route:\n    - destination: {host: orders, port: {number: 80}}\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: api\n  namespace: shop\n"
        "  creationTimestamp: \"2024-01-01T00:00:00Z\"\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n"
        "  - match:\n    - uri: {prefix: /api}\n    route:\n"
        "    - destination: {host: cart, port: {number: 80}}\n");
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "shop.example.com", "/api/x", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/api/x"), kDelivered);
  EXPECT_TRUE(Encoded(w, "shop/orders", "shop.example.com", "/api/x").empty());
  lands.clear();
  EXPECT_EQ(Simulated(w, "shop.example.com", "/other", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "shop.example.com", "/other"),
            kDelivered);
}

// A VirtualService bound to shop/gw sending every request to orders, with
// `hosts` (a YAML list), `export_to` ("" for none), created on `day`.
std::string ToOrders(const std::string& name, const std::string& hosts,
                     const std::string& export_to, const std::string& day,
                     const std::string& match = "") {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata:\n  name: " +
         name + "\n  namespace: shop\n  creationTimestamp: \"" + day +
         "\"\nspec:\n  hosts: " + hosts + "\n  gateways: [gw]\n" +
         (export_to.empty() ? "" : "  exportTo: " + export_to + "\n") +
         "  http:\n  - " + (match.empty() ? "" : "match: " + match + "\n    ") +
         "route:\n    - destination: {host: orders, port: {number: 80}}\n";
}

TEST(RouterHostsTest, APrivateVirtualServiceIsNotTheGatewayPods) {
  // push_context.go: the Router's pods run in istio-system; a
  // VirtualService exported only to shop (".") is not theirs, though its
  // Gateway is in shop: the older catch-all to orders stays public.
  testing::World w =
      HostsWorld("[\"*\"]", ToOrders("private", "[shop.example.com]", "[\".\"]",
                                     "2025-01-01T00:00:00Z"));
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "private.example.com", "/", &lands), kDelivered);
  // shop.example.com: `public` (to cart) only; `private` is not seen.
  lands.clear();
  EXPECT_EQ(Simulated(w, "shop.example.com", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/"), kDelivered);
  EXPECT_TRUE(Encoded(w, "shop/orders", "shop.example.com", "/").empty());
  // Exported to istio-system by name it is seen, before the public one.
  w = HostsWorld("[\"*\"]", ToOrders("named", "[shop.example.com]",
                                     "[istio-system]", "2025-01-01T00:00:00Z"));
  lands.clear();
  EXPECT_EQ(Simulated(w, "shop.example.com", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "shop.example.com", "/"), kDelivered);
}

TEST(RouterHostsTest, AShortHostIsANameInTheVirtualServicesNamespace) {
  // virtualservice.go ResolveShortnameToFQDN: hosts [cart] is
  // cart.shop.svc.cluster.local, not a domain "cart".
  const testing::World w = HostsWorld(
      "[\"*\"]", ToOrders("short", "[cart]", "", "2025-01-01T00:00:00Z"));
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "cart.shop.svc.cluster.local", "/", &lands),
            kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "cart.shop.svc.cluster.local", "/"),
            kDelivered);
  // Host "cart" is no such domain: the catch-all (orders too, by `catchall`)
  // takes it; `public` never does.
  lands.clear();
  EXPECT_EQ(Simulated(w, "cart", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
}

TEST(RouterHostsTest, AMatchPortIsTheServersPort) {
  // route.go: the server's port (80), not the port Envoy listens on (8080,
  // the gateway Service's targetPort). The simulator's: the encoding does
  // not state a Router's port matches.
  for (const auto& [port, want] : std::vector<std::pair<int, std::string>>{
           {80, "shop/orders-0"}, {8080, "shop/cart-0"}}) {
    const testing::World w = HostsWorld(
        "[\"*\"]",
        ToOrders("by-port", "[shop.example.com]", "", "2019-01-01T00:00:00Z",
                 "[{port: " + std::to_string(port) + "}]"));
    std::set<std::string> lands;
    EXPECT_EQ(Simulated(w, "shop.example.com", "/", &lands), kDelivered);
    EXPECT_EQ(lands, std::set<std::string>{want}) << port;
  }
}

TEST(RouterHostsTest, AnHttpsRedirectServerAnswersEveryPlainRequest) {
  // gateway.go: RequireTls on the server's virtual hosts, bound
  // VirtualServices or not: a 301 to https, no backend reached.
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  testing::AddIngressGateway(w);
  std::string gw = testing::IstioGatewayShopGw();
  gw += "    tls: {httpsRedirect: true}\n";
  w.Add("east", gw);
  w.Add("east", testing::VirtualServiceToCart("public", "[shop.example.com]"));
  w.Traffic("in", "{cluster: east, ingress: shop/gw}",
            "{host: shop.example.com, port: 80}", "{method: GET, path: /a}");
  std::vector<Path> paths = testing::PathsOf(w.Load(), "in");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].outcome, Outcome::kDelivered);
  EXPECT_EQ(paths[0].redirect, "301 https://shop.example.com/a");
  EXPECT_TRUE(Encoded(w, "shop/cart", "shop.example.com", "/a").empty());
}

}  // namespace router_hosts
}  // namespace meshsim
