// §16.3 (gateway.go MergeGateways, buildGatewayListeners): on a port whose
// servers are not plaintext HTTP, each server with tls settings is a
// filter chain of its own, chosen by SNI against its hosts (the most
// specific name wins); an HTTPS server that terminates routes by a route
// configuration of its own, built only from the VirtualServices bound to
// its Gateway; a server whose tls block names no mode passes TLS through
// (the API's default, PASSTHROUGH), so no HTTP route applies. Asked of both
// engines where the encoding states it (HTTP routes), of the simulator
// where it does not (a passthrough's tls routes).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/ingress_hosts.h"

namespace meshsim {
namespace router_tls {

using testing::Ambient;
using testing::Outcomes;

// An Istio Gateway `name` in shop for the classic ingress gateway, one
// server on port 80 (the gateway Service maps it to 8080).
std::string Gw(const std::string& name, const std::string& protocol,
               const std::string& hosts, const std::string& tls) {
  return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
         "  name: " +
         name +
         "\n  namespace: shop\nspec:\n  selector:\n"
         "    istio: ingressgateway\n  servers:\n"
         "  - port: {number: 80, name: p-" +
         name + ", protocol: " + protocol + "}\n    hosts: " + hosts +
         "\n    tls: " + tls + "\n";
}

// VirtualService `name` bound to Gateway `gw` for `hosts`, every request to
// `to` (a Service of shop, port 80).
std::string Vs(const std::string& name, const std::string& gw,
               const std::string& hosts, const std::string& to) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata:\n  name: " +
         name + "\n  namespace: shop\nspec:\n  hosts: " + hosts +
         "\n  gateways: [" + gw +
         "]\n  http:\n  - route:\n"
         "    - destination: {host: " +
         to + ", port: {number: 80}}\n";
}

// Services cart and orders in ambient namespace shop and the classic
// ingress gateway; `extra` holds the Gateways and VirtualServices.
testing::World TlsWorld(const std::vector<std::string>& extra) {
  testing::World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  testing::AddIngressGateway(w);
  for (const std::string& e : extra) w.Add("east", e);
  return w;
}

const Outcomes kDelivered = {{0, Outcome::kDelivered}};
const Outcomes kFailed = {{0, Outcome::kFailed}};

TEST(RouterTlsTest, EachTerminatingServerRoutesByItsOwnVirtualServices) {
  // gw-a (hosts *) has a VirtualService to orders; gw-b (b.example.com)
  // none. SNI b.example.com takes gw-b's chain (an exact name over "*"),
  // whose route configuration is empty: 404. Pooled, gw-a's routes would
  // have sent it to orders.
  const testing::World w = TlsWorld(
      {Gw("gw-a", "HTTPS", "[\"*\"]", "{mode: SIMPLE, credentialName: a}"),
       Gw("gw-b", "HTTPS", "[b.example.com]",
          "{mode: SIMPLE, credentialName: b}"),
       Vs("to-orders", "gw-a", "[\"*\"]", "orders")});
  EXPECT_EQ(
      testing::SimulatedThrough(w, "shop/gw-a", "b.example.com", "/", nullptr),
      kFailed);
  EXPECT_TRUE(
      testing::EncodedThrough(w, "", "shop/orders", "b.example.com", "/")
          .empty());
  // Any other name takes gw-a's chain and its route to orders.
  std::set<std::string> lands;
  EXPECT_EQ(
      testing::SimulatedThrough(w, "shop/gw-a", "a.example.com", "/", &lands),
      kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  EXPECT_EQ(testing::EncodedThrough(w, "", "shop/orders", "a.example.com", "/"),
            kDelivered);
}

TEST(RouterTlsTest, ATlsBlockWithoutAModePassesTlsThrough) {
  // tls: {credentialName: x} alone is PASSTHROUGH: the Router does not
  // decrypt, so the VirtualService's http routes never apply and, with no
  // tls route, the connection is closed.
  const testing::World pass =
      TlsWorld({Gw("gw", "HTTPS", "[\"*\"]", "{credentialName: x}"),
                Vs("to-cart", "gw", "[\"*\"]", "cart")});
  EXPECT_EQ(testing::SimulatedThrough(pass, "shop/gw", "shop.example.com", "/",
                                      nullptr),
            kFailed);
  EXPECT_TRUE(
      testing::EncodedThrough(pass, "", "shop/cart", "shop.example.com", "/")
          .empty());
  // mode SIMPLE terminates and routes.
  const testing::World simple = TlsWorld(
      {Gw("gw", "HTTPS", "[\"*\"]", "{mode: SIMPLE, credentialName: x}"),
       Vs("to-cart", "gw", "[\"*\"]", "cart")});
  EXPECT_EQ(testing::SimulatedThrough(simple, "shop/gw", "shop.example.com",
                                      "/", nullptr),
            kDelivered);
  EXPECT_EQ(
      testing::EncodedThrough(simple, "", "shop/cart", "shop.example.com", "/"),
      kDelivered);
}

TEST(RouterTlsTest, APassthroughServerBesideATerminatingOneRoutesBySni) {
  // One port, an HTTPS SIMPLE server for simple.example.com and a TLS
  // PASSTHROUGH one for pass.example.com: SNI pass.example.com takes the
  // passthrough chain and its VirtualService's tls route to cart (the
  // encoding does not state tls routes: simulator only).
  const std::string tls_vs =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n"
      "  name: pass\n  namespace: shop\nspec:\n  hosts: [pass.example.com]\n"
      "  gateways: [gw-pass]\n  tls:\n  - match:\n"
      "    - sniHosts: [pass.example.com]\n    route:\n"
      "    - destination: {host: cart, port: {number: 80}}\n";
  const testing::World w = TlsWorld(
      {Gw("gw-simple", "HTTPS", "[simple.example.com]",
          "{mode: SIMPLE, credentialName: s}"),
       Gw("gw-pass", "TLS", "[pass.example.com]", "{mode: PASSTHROUGH}"),
       Vs("to-orders", "gw-simple", "[simple.example.com]", "orders"), tls_vs});
  std::set<std::string> lands;
  EXPECT_EQ(testing::SimulatedThrough(w, "shop/gw-pass", "pass.example.com", "",
                                      &lands),
            kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
  lands.clear();
  EXPECT_EQ(testing::SimulatedThrough(w, "shop/gw-simple", "simple.example.com",
                                      "/", &lands),
            kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/orders-0"});
  // A name no server has: no filter chain takes the handshake.
  EXPECT_EQ(testing::SimulatedThrough(w, "shop/gw-pass", "other.example.com",
                                      "", nullptr),
            kFailed);
}

TEST(RouterTlsTest, AServerRepeatingAnEarlierServersHostIsSkipped) {
  // gateway.go CheckDuplicates: gw-b (newer) repeats gw-a's host "*", so
  // istiod skips gw-b's server whole; a.example.com, which only gw-b named,
  // takes gw-a's chain and its route to orders.
  const std::string a =
      Gw("gw-a", "HTTPS", "[\"*\"]", "{mode: SIMPLE, credentialName: a}");
  std::string b = Gw("gw-b", "HTTPS", "[a.example.com, \"*\"]",
                     "{mode: SIMPLE, credentialName: b}");
  b.insert(b.find("\nspec:"),
           "\n  creationTimestamp: \"2024-02-01T00:00:00Z\"");
  const testing::World w =
      TlsWorld({a, b, Vs("to-orders", "gw-a", "[\"*\"]", "orders")});
  EXPECT_EQ(
      testing::SimulatedThrough(w, "shop/gw-a", "a.example.com", "/", nullptr),
      kDelivered);
  EXPECT_EQ(testing::EncodedThrough(w, "", "shop/orders", "a.example.com", "/"),
            kDelivered);
}

TEST(RouterTlsTest, ATcpServerFirstOnAPortHidesTheLaterOnes) {
  // gateway.go MergeGateways: the oldest Gateway's TCP server makes the
  // port plaintext; a later TLS server there conflicts and is skipped, so
  // every connection takes the TCP server's route (to cart).
  const std::string tcp_vs =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n"
      "  name: tcp\n  namespace: shop\nspec:\n  hosts: [\"*\"]\n"
      "  gateways: [gw-tcp]\n  tcp:\n  - route:\n"
      "    - destination: {host: cart, port: {number: 80}}\n";
  std::string tcp = Gw("gw-tcp", "TCP", "[\"*\"]", "null");
  tcp.insert(tcp.find("\nspec:"),
             "\n  creationTimestamp: \"2024-01-01T00:00:00Z\"");
  std::string pass =
      Gw("gw-pass", "TLS", "[pass.example.com]", "{mode: PASSTHROUGH}");
  pass.insert(pass.find("\nspec:"),
              "\n  creationTimestamp: \"2024-02-01T00:00:00Z\"");
  const testing::World w = TlsWorld({tcp, pass, tcp_vs});
  std::set<std::string> lands;
  EXPECT_EQ(testing::SimulatedThrough(w, "shop/gw-pass", "pass.example.com", "",
                                      &lands),
            kDelivered);
  EXPECT_EQ(lands, std::set<std::string>{"shop/cart-0"});
}

}  // namespace router_tls
}  // namespace meshsim
