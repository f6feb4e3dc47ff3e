// §7.1 (networks.go remoteK8sGatewayToNetworkGateways): istiod takes an
// east-west Gateway of another cluster as its network's gateway only with
// the topology.istio.io/network label, class istio-east-west, an HBONE
// listener terminating TLS and, when a status is written, an address
// there. Without one, a global Service's pods on that network are left out
// for other networks' clients (§7.2), and meshsim warns at the Gateway.
// Asked of both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// client/curl in east (net-east) calls the global Service shop/cart, whose
// only pod runs in west (net-west) behind the east-west Gateway `west_gw`.
Scenario TwoNetworks(const std::string& west_gw, Diagnostics* d = nullptr,
                     const std::string& version = "1.31") {
  testing::World w("{version: \"" + version +
                   "\", flags: {AMBIENT_ENABLE_MULTI_NETWORK: true}}");
  w.Cluster("east", "net-east").Cluster("west", "net-west");
  for (const char* c : {"east", "west"}) {
    w.Add(c, testing::Ns("istio-system"));
    w.Add(c, testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add(c, testing::Ns("shop", {{Ambient(), "ambient"}}));
    w.Add(c, testing::Svc("shop", "cart", 80, {{"istio.io/global", "true"}}));
  }
  w.Add("east", testing::EastWest("net-east"));
  if (!west_gw.empty()) w.Add("west", west_gw);
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("west", testing::Deploy("shop", "cart"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load(d);
}

// West's gateway as testing::EastWest writes it, with `from` replaced by
// `to`.
std::string WestGateway(const std::string& from = "",
                        const std::string& to = "") {
  std::string gw = testing::EastWest("net-west");
  if (!from.empty()) gw.replace(gw.find(from), from.size(), to);
  return gw;
}

TEST(NetworkGatewayCrossCheck, OnlyATerminatingLabelledEastWestGatewayServes) {
  testing::ExpectBothEngines(TwoNetworks(WestGateway()), Outcome::kDelivered,
                             "the documented gateway");
  const std::string tls =
      "    tls:\n      mode: Terminate\n      options:\n        "
      "gateway.istio.io/tls-terminate-mode: ISTIO_MUTUAL\n";
  const struct {
    std::string gateway, why;
  } refused[] = {
      {WestGateway(tls, ""), "no HBONE listener with tls.mode Terminate"},
      {WestGateway(tls, "    tls: {mode: Passthrough}\n"),
       "no HBONE listener with tls.mode Terminate"},
      {WestGateway("  labels:\n    topology.istio.io/network: net-west\n", ""),
       "no topology.istio.io/network label"},
      {WestGateway("istio-east-west", "istio-eastwest"),
       "did you mean 'istio-east-west'"},
      {WestGateway() + "status:\n  addresses: []\n", "lists no address"},
      {WestGateway() +
           "status:\n  addresses: [{type: NamedAddress, value: west-gw}]\n",
       "no address of type IPAddress or Hostname"},
      {WestGateway("port: 15008", "port: 15443"),
       "ztunnel dials another network's gateway on 15008"},
  };
  // Refused, west's gateway is as good as none: the simulator fails the
  // request, and the encoding has no endpoint to send it to.
  const auto none = testing::CurlOutcomes(TwoNetworks(""), "shop/cart", 80);
  EXPECT_EQ(none.first, std::set<Outcome>{Outcome::kFailed});
  EXPECT_EQ(none.second.count(Outcome::kDelivered), 0u);
  for (const auto& [gateway, why] : refused) {
    Diagnostics d;
    EXPECT_EQ(testing::CurlOutcomes(TwoNetworks(gateway, &d), "shop/cart", 80),
              none)
        << why;
    bool warned = false;
    for (const Diagnostic& x : d.all())
      warned = warned || x.message.find(why) != std::string::npos;
    EXPECT_TRUE(warned) << why;
  }
  // An address without a type is an IPAddress, the API's default.
  testing::ExpectBothEngines(
      TwoNetworks(WestGateway() +
                  "status:\n  addresses: [{value: 172.18.0.9}]\n"),
      Outcome::kDelivered, "an address without a type");
  // A tls block without a mode is Terminate, the API's default.
  testing::ExpectBothEngines(
      TwoNetworks(WestGateway(tls,
                              "    tls: {options: {gateway.istio.io/"
                              "tls-terminate-mode: ISTIO_MUTUAL}}\n")),
      Outcome::kDelivered, "tls without a mode");
  // Before 1.27 istiod takes no other cluster's east-west Gateway.
  EXPECT_EQ(testing::CurlOutcomes(TwoNetworks(WestGateway(), nullptr, "1.26"),
                                  "shop/cart", 80),
            none);
}

// §7.1 (workloads.go): istiod's ambient index puts a pod on its cluster's
// network and a WorkloadEntry on its spec.network, else the cluster's;
// neither reads a topology.istio.io/network label (Envoy's EDS would).
// Before 1.25 the index read the label first (#54677 dropped it).
Scenario LabelledPod(const std::string& version, Diagnostics* d) {
  testing::World w("{version: \"" + version + "\"}");
  w.Cluster("east", "net-east");
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east", testing::Deploy("shop", "cart", 1,
                                {{"topology.istio.io/network", "net-x"}}));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load(d);
}

TEST(NetworkGatewayCrossCheck, APodsNetworkLabelIsReadBefore125) {
  Diagnostics d;
  const auto got =
      testing::CurlOutcomes(LabelledPod("1.24", &d), "shop/cart", 80);
  EXPECT_EQ(got.first.count(Outcome::kDelivered), 0u);
  EXPECT_EQ(got.second.count(Outcome::kDelivered), 0u);
  for (const Diagnostic& x : d.all())
    EXPECT_EQ(x.message.find("ztunnel puts it on network"), std::string::npos);
}

TEST(NetworkGatewayCrossCheck, APodsNetworkLabelIsNotRead) {
  Diagnostics d;
  const Scenario sc = LabelledPod("1.31", &d);
  testing::ExpectBothEngines(sc, Outcome::kDelivered, "pod labelled net-x");
  bool warned = false;
  for (const Diagnostic& x : d.all())
    warned = warned || x.message.find("ztunnel puts it on network net-east") !=
                           std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace meshsim
