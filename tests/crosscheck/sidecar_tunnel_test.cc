// §1.1 (setTunnelProtocol): istiod gives a sidecar pod an HBONE tunnel only
// when it is labelled networking.istio.io/tunnel=http (or annotated
// ambient.istio.io/redirection=enabled). The ambient profile's injector adds
// the label (ISTIO_META_ENABLE_HBONE), so a pod meshsim injects has it; a
// dumped pod injected before that keeps whatever labels it was given, and
// an ambient client's ztunnel then sends it plain TCP: no identity reaches
// its sidecar, which a STRICT PeerAuthentication refuses. A waypoint in
// between sends it Istio mTLS. Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

const char kStrictShop[] =
    "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n"
    "  name: strict\n  namespace: shop\nspec:\n  mtls: {mode: STRICT}\n";

// A pod of shop/cart as a cluster dump shows it: already injected (its
// status annotation and istio-proxy container), with `labels` (YAML flow
// entries after app: cart).
std::string DumpedSidecarPod(const std::string& labels) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cart-0\n"
         "  namespace: shop\n  labels: {app: cart, "
         "security.istio.io/tlsMode: istio" +
         labels +
         "}\n  annotations: {sidecar.istio.io/status: '{\"containers\":"
         "[\"istio-proxy\"]}'}\nspec:\n  containers:\n  - {name: app, image: "
         "x}\n  - {name: istio-proxy, image: proxyv2}\n";
}

// Ambient client/curl to Service shop/cart under a STRICT
// PeerAuthentication; shop's namespace labelled `shop_labels`, its pod
// `pod` (a dump, or a Deployment for the injector).
Scenario TunnelWorld(const testing::KV& shop_labels, const std::string& pod) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", shop_labels));
  w.Add("east", kStrictShop);
  w.Add("east", pod);
  w.Add("east", testing::Svc("shop", "cart", 80));
  if (shop_labels.count("istio.io/use-waypoint"))
    w.Add("east", testing::Waypoint("shop", "waypoint"));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(SidecarTunnelCrossCheck, ZtunnelSendsPlainTcpToASidecarWithoutTunnel) {
  const testing::KV injected = {{"istio-injection", "enabled"}};
  testing::ExpectBothEngines(TunnelWorld(injected, DumpedSidecarPod("")),
                             Outcome::kDenied, "dump without the label");
  testing::ExpectBothEngines(
      TunnelWorld(injected,
                  DumpedSidecarPod(", networking.istio.io/tunnel: http")),
      Outcome::kDelivered, "dump with the label");
  // The injector meshsim models is the ambient profile's: it adds the label.
  testing::ExpectBothEngines(
      TunnelWorld(injected, testing::Deploy("shop", "cart")),
      Outcome::kDelivered, "injected by the ambient profile");
  // Through a waypoint: Istio mTLS from the waypoint, its identity kept.
  testing::ExpectBothEngines(
      TunnelWorld({{"istio-injection", "enabled"},
                   {"istio.io/use-waypoint", "waypoint"}},
                  DumpedSidecarPod("")),
      Outcome::kDelivered, "through the waypoint");
}

}  // namespace
}  // namespace meshsim
