// §1.1 (setTunnelProtocol): a WorkloadEntry, or a ServiceEntry's inline
// endpoint, speaks HBONE only when annotated ambient.istio.io/redirection=
// enabled or labelled networking.istio.io/tunnel=http (an endpoint: its
// entry's); no namespace label enrols it. Without HBONE no ztunnel stands in
// front of it, so its AuthorizationPolicies stop nothing. Asked of both
// engines.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// A DENY-all policy for ambient namespace shop.
const char kDenyAll[] =
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n"
    "  name: deny-all\n  namespace: shop\nspec:\n  action: DENY\n"
    "  rules:\n  - {}\n";

// Ambient client/curl and namespace shop (labelled `shop_labels`) under
// kDenyAll, the objects under test still to add.
testing::World ClientAndShop(const testing::KV& shop_labels) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", shop_labels));
  w.Add("east", kDenyAll);
  return w;
}

// ambient client/curl; Service shop/cart selecting one WorkloadEntry (a VM
// at 192.0.2.50) with `metadata` (labels/annotations YAML, indented 2).
Scenario VmWorld(const std::string& metadata) {
  testing::World w = ClientAndShop({{Ambient(), "ambient"}});
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n"
        "  name: vm\n  namespace: shop\n" +
            metadata + "spec:\n  address: 192.0.2.50\n  labels: {app: cart}\n");
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(WorkloadEntryTunnelCrossCheck, OnlyAnHboneEntryHasAZtunnelToEnforce) {
  // No tunnel: plain TCP to the VM, nothing enforces the DENY.
  testing::ExpectBothEngines(VmWorld(""), Outcome::kDelivered, "plain VM");
  testing::ExpectBothEngines(
      VmWorld("  annotations: {ambient.istio.io/redirection: enabled}\n"),
      Outcome::kDenied, "redirection annotation");
  testing::ExpectBothEngines(
      VmWorld("  labels: {networking.istio.io/tunnel: http}\n"),
      Outcome::kDenied, "tunnel label http");
  // Another value of either is not HBONE.
  testing::ExpectBothEngines(
      VmWorld("  annotations: {ambient.istio.io/redirection: disabled}\n"
              "  labels: {networking.istio.io/tunnel: tcp}\n"),
      Outcome::kDelivered, "other values");
}

// ServiceEntry shop/cart-entry (host cart.example.com) with one inline
// endpoint, the entry carrying `metadata`.
Scenario EntryWorld(const std::string& metadata) {
  testing::World w = ClientAndShop({{Ambient(), "ambient"}});
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: cart-entry\n  namespace: shop\n" +
            metadata +
            "spec:\n  hosts: [cart.example.com]\n  location: MESH_INTERNAL\n"
            "  resolution: STATIC\n  ports: [{number: 80, name: http, "
            "protocol: HTTP}]\n  endpoints:\n  - address: 192.0.2.60\n"
            "    labels: {app: cart}\n");
  w.Traffic("t", testing::kFromCurl, "{host: cart.example.com, port: 80}",
            "{method: GET, path: /}");
  return w.Load();
}

TEST(WorkloadEntryTunnelCrossCheck, AnEntrysEndpointsTakeTheEntrysTunnel) {
  // Each engine's outcomes for client/curl to the entry.
  auto outcomes = [](const Scenario& sc) {
    return testing::CurlOutcomes(sc, "shop/cart-entry", 80);
  };

  const std::set<Outcome> delivered{Outcome::kDelivered},
      denied{Outcome::kDenied};
  EXPECT_EQ(outcomes(EntryWorld("")), std::make_pair(delivered, delivered));
  EXPECT_EQ(
      outcomes(EntryWorld("  labels: {networking.istio.io/tunnel: http}\n")),
      std::make_pair(denied, denied));
}

// ambient client/curl; Service shop/cart selecting pod cart in namespace
// shop, which no label enrols; the pod carries `annotations` (YAML flow map
// entries, or none).
Scenario PodWorld(const std::string& annotations) {
  testing::World w = ClientAndShop({});
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart\n  namespace: "
        "shop\n  labels: {app: cart}\n" +
            (annotations.empty() ? std::string()
                                 : "  annotations: {" + annotations + "}\n") +
            "spec:\n  containers:\n  - {name: app, image: x}\n");
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

// setTunnelProtocol reads the pod's redirection mark, which istio-cni
// writes when it has enrolled the pod: in a dump, the pod is captured.
TEST(WorkloadEntryTunnelCrossCheck, AnEnrolledPodsMarkMakesItCaptured) {
  testing::ExpectBothEngines(PodWorld(""), Outcome::kDelivered,
                             "unenrolled pod");
  testing::ExpectBothEngines(PodWorld("ambient.istio.io/redirection: enabled"),
                             Outcome::kDenied, "enrolled pod");
  // The CNI's other marks (pending) are not an enrolment.
  testing::ExpectBothEngines(PodWorld("ambient.istio.io/redirection: pending"),
                             Outcome::kDelivered, "pending pod");
}

// §3.4 (TestAmbientIndex_EmptyAddrWorkloadEntries): a WorkloadEntry
// without an address is dialled by nobody and used by ztunnel only from
// another network through that network's gateway: a client on its network
// finds no endpoint (meshsim leaves it out, and says so).
TEST(WorkloadEntryTunnelCrossCheck, AnEntryWithoutAddressIsNoEndpoint) {
  auto world = [](const std::string& address, Diagnostics* d) {
    testing::World w = ClientAndShop({{"x", "y"}});
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
          "metadata:\n  name: vm\n  namespace: shop\nspec:\n" +
              address + "  labels: {app: cart}\n");
    w.Add("east", testing::Svc("shop", "cart", 80));
    w.Traffic("t", testing::kFromCurl, testing::kToCart,
              "{method: GET, path: /}");
    return w.Load(d);
  };
  Diagnostics d;
  testing::ExpectBothEngines(world("  address: 192.0.2.50\n", &d),
                             Outcome::kDelivered, "with an address");
  const auto got = testing::CurlOutcomes(world("", &d), "shop/cart", 80);
  EXPECT_EQ(got.first, std::set<Outcome>{Outcome::kFailed});
  EXPECT_EQ(got.second.count(Outcome::kDelivered), 0u);
  bool warned = false;
  for (const Diagnostic& x : d.all())
    warned =
        warned || x.message.find("has no spec.address") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace meshsim
