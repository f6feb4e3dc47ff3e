// §9, §16.3: a Gateway API ingress builds one virtual host per domain (a
// route's hostname narrowed by its listener's; istiod makes one
// VirtualService per route hostname) and Envoy takes the most specific
// domain that matches the Host; the Gateway API's precedence then ranks
// only that virtual host's rules. A request does not fall through to a
// less specific hostname's rules. Listeners on one port share the virtual
// hosts. Each case is asked of both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "tests/crosscheck/ingress_hosts.h"

namespace meshsim {
namespace gateway_hosts {

using testing::Ambient;
using testing::Outcomes;

std::string Route(const std::string& name, const std::string& hostnames,
                  const std::string& prefix, const std::string& backend) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
         "metadata:\n  name: " +
         name +
         "\n  namespace: shop\nspec:\n  parentRefs:\n  - name: web\n"
         "  hostnames: " +
         hostnames +
         "\n  rules:\n  - matches:\n    - path: {type: PathPrefix, value: " +
         prefix + "}\n    backendRefs:\n    - name: " + backend +
         "\n      port: 80\n";
}

// cart and orders in ambient namespace shop; Gateway shop/web (class
// istio, listener http on 80 with no hostname, or `listeners`). Route
// `wild` for *.example.com sends /api to orders; route `exact` for
// shop.example.com sends / to cart.
testing::World HostsWorld(const std::string& listeners = "") {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  if (listeners.empty()) {
    w.Add("east", testing::Ingress("shop", "web"));
  } else {
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
          "metadata:\n  name: web\n  namespace: shop\nspec:\n"
          "  gatewayClassName: istio\n  listeners:\n" +
              listeners);
  }
  w.Add("east", Route("wild", "[\"*.example.com\"]", "/api", "orders"));
  w.Add("east", Route("exact", "[shop.example.com]", "/", "cart"));
  return w;
}

Outcomes Simulated(const testing::World& w, const std::string& host,
                   const std::string& path, std::set<std::string>* lands,
                   int port = 80) {
  return testing::SimulatedThrough(w, "shop/web", host, path, lands, port);
}

Outcomes Encoded(const testing::World& w, const std::string& service,
                 const std::string& host, const std::string& path) {
  return testing::EncodedThrough(w, "shop/web", service, host, path);
}

const Outcomes kDelivered = {{0, Outcome::kDelivered}};

TEST(GatewayHostsTest, TheExactHostnamesRulesAloneServeIt) {
  // shop.example.com/api: the wildcard route's /api is the longer path,
  // but the exact hostname's virtual host holds only route `exact`.
  const testing::World w = HostsWorld();
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "shop.example.com", "/api/x", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/api/x"), kDelivered);
  EXPECT_TRUE(Encoded(w, "shop/orders", "shop.example.com", "/api/x").empty());
}

TEST(GatewayHostsTest, OtherHostsTakeTheWildcardAndDoNotFallThrough) {
  const testing::World w = HostsWorld();
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "api.example.com", "/api/x", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "api.example.com", "/api/x"), kDelivered);
  // A path the wildcard's rules do not take: 404 at the gateway.
  EXPECT_EQ(Simulated(w, "api.example.com", "/other", nullptr),
            (Outcomes{{0, Outcome::kFailed}}));
  EXPECT_TRUE(Encoded(w, "shop/orders", "api.example.com", "/other").empty());
  EXPECT_TRUE(Encoded(w, "shop/cart", "api.example.com", "/other").empty());
}

TEST(GatewayHostsTest, ListenersOnOnePortShareTheVirtualHosts) {
  // Two listeners on port 80: the first serves only a.example.com, the
  // second every host. A request for shop.example.com is served by the
  // second one's routes; before, the first listener alone was asked and
  // the request ended in a 404.
  const testing::World w = HostsWorld(
      "  - {name: a, port: 80, protocol: HTTP, hostname: a.example.com}\n"
      "  - {name: all, port: 80, protocol: HTTP}\n");
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "shop.example.com", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/"), kDelivered);
}

TEST(GatewayHostsTest, ADomainOnAnotherPortOrARefusedRouteHidesNothing) {
  // Listener http (80, any host) takes route `all` (no hostnames) to cart;
  // listener admin (8080, admin.example.com) takes route `admin` to
  // orders; route `foreign` in namespace other names admin.example.com on
  // port 80, but the listener admits routes of its own namespace only. A
  // request for admin.example.com on port 80 is cart's: neither of the
  // more specific domains is on that port's listener.
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  w.Add("east", testing::Ns("other"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
        "metadata:\n  name: web\n  namespace: shop\nspec:\n"
        "  gatewayClassName: istio\n  listeners:\n"
        "  - {name: http, port: 80, protocol: HTTP}\n"
        "  - {name: admin, port: 8080, protocol: HTTP, hostname: "
        "admin.example.com}\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: all, namespace: shop}\nspec:\n"
        "  parentRefs: [{name: web, sectionName: http}]\n"
        "  rules:\n  - backendRefs: [{name: cart, port: 80}]\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: admin, namespace: shop}\nspec:\n"
        "  parentRefs: [{name: web, sectionName: admin}]\n"
        "  hostnames: [admin.example.com]\n"
        "  rules:\n  - backendRefs: [{name: orders, port: 80}]\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: foreign, namespace: other}\nspec:\n"
        "  parentRefs: [{name: web, namespace: shop, sectionName: http}]\n"
        "  hostnames: [admin.example.com]\n"
        "  rules:\n  - backendRefs: [{name: orders, namespace: shop, "
        "port: 80}]\n");
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "admin.example.com", "/", &lands), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  EXPECT_EQ(Encoded(w, "shop/cart", "admin.example.com", "/"), kDelivered);
}

TEST(GatewayHostsTest, HttpsListenersOnOnePortAreIsolatedByServerName) {
  // Two HTTPS listeners on 443: `shop` for shop.example.com, which takes
  // no HTTPRoute, and `all` for every host. Each terminates TLS on a filter
  // chain of its own, matched by the server name (model/gateway.go: a route
  // table per HTTPS server): shop.example.com takes `shop`'s chain, where
  // no route is, and gets 404; it never reaches `all`'s routes. Another
  // host takes `all`'s chain. Plain HTTP listeners would share the routes
  // (ListenersOnOnePortShareTheVirtualHosts).
  const std::string tls = "tls: {certificateRefs: [{name: cert}]}";
  const testing::World w = HostsWorld(
      "  - {name: shop, port: 443, protocol: HTTPS, hostname: "
      "shop.example.com, " +
      tls +
      ", allowedRoutes: {kinds: [{kind: GRPCRoute}]}}\n"
      "  - {name: all, port: 443, protocol: HTTPS, " +
      tls + "}\n");
  EXPECT_EQ(Simulated(w, "shop.example.com", "/", nullptr, 443),
            (Outcomes{{0, Outcome::kFailed}}));
  EXPECT_TRUE(Encoded(w, "shop/cart", "shop.example.com", "/").empty());
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "api.example.com", "/api/x", &lands, 443), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(Encoded(w, "shop/orders", "api.example.com", "/api/x"), kDelivered);
}

TEST(GatewayHostsTest, AMoreExactListenerIsolatesItsHostnames) {
  // conversion.go hostnameAllowedByIsolation (testdata isolation.yaml):
  // listener `all` (no hostname) and listener `wild` (*.example.com) on
  // port 80. Route `exact` (shop.example.com, to cart) is attached to `all`
  // only (sectionName): `wild` covers its hostname more exactly, so istiod
  // drops it there and the request has no route (404). Without `wild`, it
  // is served.
  const std::string exact_on_all =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
      "metadata:\n  name: on-all\n  namespace: shop\nspec:\n"
      "  parentRefs:\n  - {name: web, sectionName: all}\n"
      "  hostnames: [shop.example.com]\n  rules:\n  - backendRefs:\n"
      "    - {name: cart, port: 80}\n";
  for (const bool isolated : {true, false}) {
    testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
          "metadata:\n  name: web\n  namespace: shop\nspec:\n"
          "  gatewayClassName: istio\n  listeners:\n"
          "  - {name: all, port: 80, protocol: HTTP}\n" +
              std::string(isolated ? "  - {name: wild, port: 80, protocol: "
                                     "HTTP, hostname: \"*.example.com\"}\n"
                                   : ""));
    w.Add("east", exact_on_all);
    std::set<std::string> lands;
    const Outcomes got = Simulated(w, "shop.example.com", "/", &lands);
    if (isolated) {
      EXPECT_EQ(got, (Outcomes{{0, Outcome::kFailed}}));
      EXPECT_TRUE(Encoded(w, "shop/cart", "shop.example.com", "/").empty());
    } else {
      EXPECT_EQ(got, kDelivered);
      EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/"), kDelivered);
    }
  }
}

TEST(GatewayHostsTest, AListenerTakesTheRouteKindsOfItsProtocol) {
  // conditions.go generateSupportedKinds: an HTTP listener takes HTTPRoute
  // and GRPCRoute, narrowed by allowedRoutes.kinds; a TCP listener no
  // HTTPRoute ("kind ... is not allowed"): the request has no route.
  for (const auto& [listener, attached] :
       std::vector<std::pair<std::string, bool>>{
           {"  - {name: http, port: 80, protocol: HTTP}\n", true},
           {"  - {name: http, port: 80, protocol: HTTP, allowedRoutes: "
            "{kinds: [{kind: GRPCRoute}]}}\n",
            false},
           {"  - {name: http, port: 80, protocol: HTTP, allowedRoutes: "
            "{kinds: [{kind: HTTPRoute}]}}\n",
            true},
           {"  - {name: tcp, port: 80, protocol: TCP}\n", false}}) {
    const testing::World w = HostsWorld(listener);
    std::set<std::string> lands;
    const Outcomes got = Simulated(w, "shop.example.com", "/", &lands);
    if (attached) {
      EXPECT_EQ(got, kDelivered) << listener;
      EXPECT_EQ(Encoded(w, "shop/cart", "shop.example.com", "/"), kDelivered)
          << listener;
    } else {
      EXPECT_EQ(got.count({0, Outcome::kDelivered}), 0u) << listener;
      EXPECT_TRUE(Encoded(w, "shop/cart", "shop.example.com", "/").empty())
          << listener;
    }
  }
}

TEST(GatewayHostsTest, ATcpOrTlsListenerForwardsByTcpAndTlsRoutes) {
  // §9: a port of TCP or TLS listeners proxies the connection (no HTTP):
  // the oldest TCPRoute's first rule picks the backend, a TLSRoute only
  // for the SNI its hostnames cover; HTTPRoutes are not taken.
  const std::string tcp = "  - {name: tcp, port: 80, protocol: TCP}\n";
  const std::string tls =
      "  - {name: tls, port: 80, protocol: TLS, tls: {mode: Passthrough}}\n";
  auto l4_route = [](const std::string& kind, const std::string& name,
                     const std::string& stamp, const std::string& hostnames,
                     const std::string& backend) {
    return "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: " + kind +
           "\nmetadata:\n  name: " + name +
           "\n  namespace: shop\n  creationTimestamp: \"" + stamp +
           "\"\nspec:\n  parentRefs:\n  - name: web\n" + hostnames +
           "  rules:\n  - backendRefs:\n    - {name: " + backend +
           ", port: 80}\n  - backendRefs:\n    - {name: cart, port: 80}\n";
  };
  struct Case {
    std::string listener, route, older, host, lands;
  };
  for (const Case& c : std::vector<Case>{
           // the older route wins, and its first rule
           {tcp, l4_route("TCPRoute", "b", "2024-01-02T00:00:00Z", "", "cart"),
            l4_route("TCPRoute", "a", "2024-01-01T00:00:00Z", "", "orders"),
            "shop.example.com", "shop/orders"},
           {tls,
            l4_route("TLSRoute", "t", "2024-01-01T00:00:00Z",
                     "  hostnames: [\"*.example.com\"]\n", "orders"),
            "", "shop.example.com", "shop/orders"},
           {tls,
            l4_route("TLSRoute", "t", "2024-01-01T00:00:00Z",
                     "  hostnames: [other.example.org]\n", "orders"),
            "", "shop.example.com", ""}}) {
    testing::World w = HostsWorld(c.listener);
    w.Add("east", c.route);
    if (!c.older.empty()) w.Add("east", c.older);
    std::set<std::string> lands;
    const Outcomes got = Simulated(w, c.host, "", &lands);
    const std::string svc = c.lands.empty() ? "shop/orders" : c.lands;
    const Outcomes encoded =
        testing::EncodedThrough(w, "shop/web", svc, c.host, "", "");
    if (c.lands.empty()) {
      EXPECT_EQ(got.count({0, Outcome::kDelivered}), 0u) << c.route;
      EXPECT_TRUE(encoded.empty()) << c.route;
      continue;
    }
    EXPECT_EQ(got, kDelivered) << c.route;
    EXPECT_EQ(lands.size(), 1u) << c.route;
    EXPECT_EQ(lands.begin()->rfind(c.lands + "-", 0), 0u) << *lands.begin();
    EXPECT_EQ(encoded, kDelivered) << c.route;
    // The other backend is not reached by a connection.
    EXPECT_TRUE(
        testing::EncodedThrough(w, "shop/web", "shop/cart", c.host, "", "")
            .empty())
        << c.route;
  }
}

TEST(GatewayHostsTest, ATlsListenerBesideHttpsListenersTakesItsServerName) {
  // §9: on 443, HTTPS `*.example.com` (the HTTPRoutes) and TLS passthrough
  // `shop.example.com` with a TLSRoute to orders. Every HTTPS or TLS listener
  // is a filter chain matched on the server name, the exact one first: a
  // connection for shop.example.com, or a request sent there (bytes the
  // passthrough chain does not read), goes to orders; never to cart.
  const std::string tls = "tls: {certificateRefs: [{name: cert}]}";
  testing::World w = HostsWorld(
      "  - {name: https, port: 443, protocol: HTTPS, hostname: "
      "\"*.example.com\", " +
      tls +
      "}\n"
      "  - {name: pass, port: 443, protocol: TLS, hostname: "
      "shop.example.com, tls: {mode: Passthrough}}\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\n"
        "metadata: {name: t, namespace: shop}\nspec:\n"
        "  parentRefs: [{name: web, sectionName: pass}]\n"
        "  hostnames: [shop.example.com]\n"
        "  rules: [{backendRefs: [{name: orders, port: 80}]}]\n");
  for (const std::string path : {"", "/"}) {
    const std::string method = path.empty() ? "" : "GET";
    std::set<std::string> lands;
    EXPECT_EQ(Simulated(w, "shop.example.com", path, &lands, 443), kDelivered)
        << method;
    EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"}) << method;
    EXPECT_EQ(testing::EncodedThrough(w, "shop/web", "shop/orders",
                                      "shop.example.com", path, method),
              kDelivered)
        << method;
    EXPECT_TRUE(testing::EncodedThrough(w, "shop/web", "shop/cart",
                                        "shop.example.com", path, method)
                    .empty())
        << method;
  }
  // Another name takes the HTTPS chain and its routes.
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "api.example.com", "/api/x", &lands, 443), kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
}

// push_context.go VirtualServicesForGateway: a connection's routes of the
// gateway's own namespace come before older ones from other namespaces.
TEST(GatewayHostsTest, AConnectionTakesTheGatewaysNamespaceRoutesFirst) {
  testing::World w = HostsWorld(
      "  - {name: tcp, port: 80, protocol: TCP, allowedRoutes: {namespaces: "
      "{from: All}}}\n");
  auto route = [](const std::string& ns, const std::string& stamp,
                  const std::string& backend) {
    return "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\n"
           "metadata:\n  name: t\n  namespace: " +
           ns + "\n  creationTimestamp: \"" + stamp +
           "\"\nspec:\n  parentRefs:\n  - {name: web, namespace: shop}\n"
           "  rules:\n  - backendRefs:\n    - {name: " +
           backend + ", namespace: shop, port: 80}\n";
  };
  w.Add("east", route("client", "2020-01-01T00:00:00Z", "cart"));
  w.Add("east", route("shop", "2024-01-01T00:00:00Z", "orders"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
        "metadata: {name: g, namespace: shop}\nspec:\n  from: [{group: "
        "gateway.networking.k8s.io, kind: TCPRoute, namespace: client}]\n"
        "  to: [{group: \"\", kind: Service}]\n");
  std::set<std::string> lands;
  EXPECT_EQ(Simulated(w, "shop.example.com", "", &lands), kDelivered);
  ASSERT_EQ(lands.size(), 1u);
  EXPECT_EQ(lands.begin()->rfind("shop/orders-", 0), 0u) << *lands.begin();
  EXPECT_EQ(testing::EncodedThrough(w, "shop/web", "shop/orders",
                                    "shop.example.com", "", ""),
            kDelivered);
  EXPECT_TRUE(testing::EncodedThrough(w, "shop/web", "shop/cart",
                                      "shop.example.com", "", "")
                  .empty());
}

}  // namespace gateway_hosts
}  // namespace meshsim
