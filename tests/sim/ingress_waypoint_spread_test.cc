// §2.1, §5: an ingress that sends to the service's waypoint spreads over
// every ready replica (istiod gives an ingress the waypoint's endpoints with
// no locality priorities), while a ztunnel client keeps to the closest ones.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"

namespace meshsim::testing {
namespace {

constexpr char kScenario[] = R"(name: waypoint replicas in two zones
clusters:
  - name: east
    nodes:
      - {name: n-a, region: r1, zone: za}
      - {name: n-b, region: r1, zone: zb}
    resources:
      - {apiVersion: v1, kind: Namespace, metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}}
      - apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: waypoint, namespace: shop}
        spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: waypoint, namespace: shop, labels: {gateway.networking.k8s.io/gateway-name: waypoint}}
        spec:
          replicas: 2
          selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: waypoint}}
          template:
            metadata: {labels: {gateway.networking.k8s.io/gateway-name: waypoint}}
            spec: {containers: [{name: istio-proxy, image: proxyv2}]}
      - {apiVersion: v1, kind: Service, metadata: {name: cart, namespace: shop, labels: {istio.io/ingress-use-waypoint: "true"}}, spec: {selector: {app: cart}, ports: [{port: 80, name: http}]}}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: cart, namespace: shop}
        spec: {replicas: 1, selector: {matchLabels: {app: cart}}, template: {metadata: {labels: {app: cart}}, spec: {nodeName: n-a, containers: [{name: c, image: c}]}}}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: curl, namespace: shop}
        spec: {replicas: 1, selector: {matchLabels: {app: curl}}, template: {metadata: {labels: {app: curl}}, spec: {nodeName: n-a, containers: [{name: c, image: c}]}}}
      - apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: shop}
        spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web-istio, namespace: shop, labels: {gateway.networking.k8s.io/gateway-name: web}}
        spec:
          replicas: 1
          selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: web}}
          template:
            metadata: {labels: {gateway.networking.k8s.io/gateway-name: web}}
            spec: {nodeName: n-a, containers: [{name: istio-proxy, image: proxyv2}]}
      - apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: shop}
        spec: {parentRefs: [{name: web}], rules: [{backendRefs: [{name: cart, port: 80}]}]}
traffic:
  - {name: ingress, from: {ingress: shop/web}, to: {host: a.example.com, port: 80}, http: {method: GET, path: /}}
  - {name: mesh, from: {namespace: shop, workload: curl}, to: {host: cart, port: 80}, http: {method: GET, path: /}}
)";

// The waypoint replica each path passes -> its share of the requests.
std::map<std::string, double> WaypointHops(const Scenario& s,
                                           const std::string& traffic) {
  std::map<std::string, double> out;
  for (const Path& p : PathsOf(s, traffic))
    for (const Hop& h : p.hops)
      if (h.kind == HopKind::kWaypoint) out[h.name + "@" + h.node] += p.weight;
  return out;
}

TEST(IngressWaypointSpreadTest, IngressUsesEveryReplicaZtunnelTheClosest) {
  Diagnostics d;
  std::optional<Scenario> sc = LoadScenarioText(kScenario, "s.yaml", ".", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  const std::map<std::string, double> ingress = WaypointHops(*sc, "ingress");
  ASSERT_EQ(ingress.size(), 2u);
  for (const auto& [replica, share] : ingress)
    EXPECT_NEAR(share, 0.5, 1e-9) << replica;
  const std::map<std::string, double> mesh = WaypointHops(*sc, "mesh");
  ASSERT_EQ(mesh.size(), 1u);
  EXPECT_EQ(mesh.begin()->first, "shop/waypoint@n-a");
}

// §7.2, K16: the ingress stamps `x-istio-source: gateway` from 1.29.4 and
// 1.30.1 (a bare "1.30" is its latest patch); 1.30.0 stamps `waypoint`, so
// west's east-west gateway skips west's waypoint even with the opt-in.
TEST(IngressWaypointSpreadTest, GatewaySourceHeaderByPatchRelease) {
  Diagnostics d;
  std::optional<Scenario> sc = LoadScenarioFile(
      "scenarios/verify/k16-ingress-cross-network/fixed.yaml", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  TrafficEntry t;
  t.name = "in";
  t.from.cluster = "east";
  t.from.ingress = "shop/web";
  t.to.host = "shop.example.com";
  t.to.port = 80;
  t.http = HttpRequest{"GET", "/", {}, std::nullopt};
  auto west_waypoint_share = [&](int patch) {
    sc->mesh.istio.version = IstioVersion{1, 30, patch};
    double share = 0;
    for (const Path& p : EnumeratePaths(BuildForwardingGraph(sc->mesh, t)))
      for (const Hop& h : p.hops)
        if (h.kind == HopKind::kWaypoint && h.cluster == "west")
          share += p.weight;
    return share;
  };
  EXPECT_GT(west_waypoint_share(-1), 0.0);  // "1.30": the latest patch
  EXPECT_GT(west_waypoint_share(1), 0.0);
  EXPECT_EQ(west_waypoint_share(0), 0.0);
}

}  // namespace
}  // namespace meshsim::testing
