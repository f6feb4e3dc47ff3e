// §16.3 (gateway.go buildGatewayTCPBasedFilterChains): an Istio Gateway's
// TCP server and TLS passthrough server proxy the connection without
// reading HTTP: a TCP server takes the first tcp route of its
// VirtualServices whose match keeps it (port), a passthrough server the
// first tls route whose sniHosts cover the server name; nothing matching,
// the listener closes the connection. istio.io's TCP traffic shifting task
// (port 31400) is the first case.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::World;

// cart and orders in ambient namespace shop; the classic ingress gateway
// selected by Gateway shop/gw with a TCP server on 31400 and a TLS
// passthrough server on 443 for *.example.com.
World L4World() {
  World w = testing::ShopWorld({{Ambient(), "ambient"}});
  w.Add("east", testing::Deploy("shop", "orders"));
  w.Add("east", testing::Svc("shop", "orders", 80));
  testing::AddIngressGateway(w);
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: gw-ports\n"
        "  namespace: istio-system\nspec:\n  selector: {istio: "
        "ingressgateway}\n  ports:\n  - {name: tcp, port: 31400}\n"
        "  - {name: tls, port: 443}\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: gw\n  namespace: shop\nspec:\n  selector: {istio: "
        "ingressgateway}\n  servers:\n"
        "  - port: {number: 31400, name: tcp, protocol: TCP}\n"
        "    hosts: [\"*\"]\n"
        "  - port: {number: 443, name: tls, protocol: TLS}\n"
        "    hosts: [\"*.example.com\"]\n    tls: {mode: PASSTHROUGH}\n");
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: l4\n  namespace: shop\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  tcp:\n"
        "  - match: [{port: 9999}]\n    route: [{destination: {host: cart}}]\n"
        "  - match: [{port: 31400}]\n"
        "    route: [{destination: {host: orders}}]\n  tls:\n"
        "  - match: [{sniHosts: [a.example.com]}]\n"
        "    route: [{destination: {host: cart}}]\n"
        "  - match: [{sniHosts: [\"*.example.com\"]}]\n"
        "    route: [{destination: {host: orders}}]\n");
  return w;
}

// Where a connection through shop/gw to `host`:`port` lands ("" failed).
std::set<std::string> Lands(const std::string& host, int port) {
  World w = L4World();
  w.Traffic("in", "{cluster: east, ingress: shop/gw}",
            "{host: " + host + ", port: " + std::to_string(port) + "}");
  std::set<std::string> out;
  for (const Path& p : testing::PathsOf(w.Load(), "in"))
    out.insert(p.outcome == Outcome::kDelivered
                   ? p.hops.back().name.substr(0, p.hops.back().name.find('-'))
                   : "");
  return out;
}

TEST(IstioGatewayL4Test, ATcpServerTakesTheTcpRouteMatchingItsPort) {
  EXPECT_EQ(Lands("anything", 31400), std::set<std::string>{"shop/orders"});
}

TEST(IstioGatewayL4Test, APassthroughServerRoutesBySni) {
  EXPECT_EQ(Lands("a.example.com", 443), std::set<std::string>{"shop/cart"});
  EXPECT_EQ(Lands("b.example.com", 443), std::set<std::string>{"shop/orders"});
  // No server name the server's hosts or the tls routes cover: closed.
  EXPECT_EQ(Lands("c.example.org", 443), std::set<std::string>{""});
}

// Envoy's filter chains match the most specific server name, whatever the
// VirtualServices' order: a wildcard in the first (a-first sorts before
// l4) loses to an exact name in the next.
TEST(IstioGatewayL4Test, TheMostSpecificServerNameWins) {
  World w = L4World();
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: a-first\n  namespace: shop\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  tls:\n"
        "  - match: [{sniHosts: [\"*.example.com\"]}]\n"
        "    route: [{destination: {host: orders}}]\n");
  w.Traffic("in", "{cluster: east, ingress: shop/gw}",
            "{host: a.example.com, port: 443}");
  for (const Path& p : testing::PathsOf(w.Load(), "in"))
    EXPECT_EQ(p.hops.back().name.rfind("shop/cart", 0), 0u)
        << p.hops.back().name;
}

// The classic ingress gateway, Gateway shop/gw with `servers` (YAML list
// items), and a VirtualService bound to it sending tcp to cart.
World TcpRoutedWorld(const std::string& servers) {
  World w = testing::ShopWorld({{Ambient(), "ambient"}});
  testing::AddIngressGateway(w);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: gw\n  namespace: shop\nspec:\n  selector: {istio: "
        "ingressgateway}\n  servers:\n" +
            servers);
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: l4\n  namespace: shop\nspec:\n"
        "  hosts: [\"*\"]\n  gateways: [gw]\n  tcp:\n"
        "  - route: [{destination: {host: cart}}]\n");
  return w;
}

// createGatewayTCPFilterChainOpts: a TLS server that terminates forwards
// what it decrypts by the tcp sections.
TEST(IstioGatewayL4Test, ATerminatingTlsServerForwardsByTcpRoutes) {
  World w = TcpRoutedWorld(
      "  - port: {number: 80, name: tls, protocol: TLS}\n"
      "    hosts: [\"*\"]\n    tls: {mode: SIMPLE, credentialName: c}\n");
  w.Traffic("in", "{cluster: east, ingress: shop/gw}",
            "{host: shop.example.com, port: 80}");
  const std::vector<Path> paths = testing::PathsOf(w.Load(), "in");
  ASSERT_FALSE(paths.empty());
  for (const Path& p : paths)
    EXPECT_EQ(p.outcome, Outcome::kDelivered) << p.reason;
}

// gateway.go mergeGateways on a TLS port: a server without tls settings
// is kept only as the first after the port's first server to reach the
// bind set (a new bind); a later one is skipped ("TLS server without TLS
// options"), so no chain takes a server name the TLS servers do not.
TEST(IstioGatewayL4Test, ATcpServerOnATlsPortCountsOnlyAsTheSecond) {
  auto lands = [](const std::string& servers) {
    World w = TcpRoutedWorld(servers);
    w.Traffic("in", "{cluster: east, ingress: shop/gw}",
              "{host: other.example.org, port: 80}");
    std::set<Outcome> out;
    for (const Path& p : testing::PathsOf(w.Load(), "in"))
      out.insert(p.outcome);
    return out;
  };
  const std::string tls_a =
      "  - port: {number: 80, name: tls-a, protocol: TLS}\n"
      "    hosts: [a.example.com]\n    tls: {mode: PASSTHROUGH}\n";
  const std::string tls_b =
      "  - port: {number: 80, name: tls-b, protocol: TLS}\n"
      "    hosts: [b.example.com]\n    tls: {mode: PASSTHROUGH}\n";
  const std::string tcp =
      "  - port: {number: 80, name: tcp, protocol: TCP}\n    hosts: [\"*\"]\n";
  EXPECT_EQ(lands(tls_a + tcp + tls_b), std::set<Outcome>{Outcome::kDelivered});
  EXPECT_EQ(lands(tls_a + tls_b + tcp), std::set<Outcome>{Outcome::kFailed});
}

}  // namespace
}  // namespace meshsim
