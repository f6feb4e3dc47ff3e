// Binding rules of docs/semantics.md §2 (istiod waypoints.go) and capture
// of §1.1, on meshes built through the loader from small objects.
#include "model/binding.h"

#include <gtest/gtest.h>

#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;
using testing::Deploy;
using testing::Ns;
using testing::Svc;
using testing::Waypoint;
using testing::World;

struct Bound {
  BindingStatus status;
  std::string waypoint;
};

Bound ServiceBinding(const Scenario& s, const std::string& key) {
  const Cluster& c = s.mesh.clusters.at(0);
  const Service* svc = c.FindService(key);
  EXPECT_NE(svc, nullptr) << key;
  if (!svc) return {BindingStatus::kNone, ""};
  Binding b = ServiceWaypoint(s.mesh, c, *svc);
  return {b.status, b.waypoint ? b.waypoint->Key() : ""};
}

Bound PodBinding(const Scenario& s, const std::string& key) {
  const Cluster& c = s.mesh.clusters.at(0);
  const Workload* w = c.FindWorkload(key);
  EXPECT_NE(w, nullptr) << key;
  if (!w) return {BindingStatus::kNone, ""};
  Binding b = WorkloadWaypoint(s.mesh, c, *w);
  return {b.status, b.waypoint ? b.waypoint->Key() : ""};
}

World Shop(const testing::KV& ns_labels, const std::string& istio = "") {
  World w(istio);
  w.Cluster("east", "east", 1);
  w.Add("east", Ns("shop", ns_labels));
  return w;
}

// §2.3 consequence 1, §13 case 29: object label beats namespace label.
TEST(BindingTest, Case29_ObjectLabelBeatsNamespaceLabel) {
  World w =
      Shop({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint-ns"}});
  w.Add("east", Waypoint("shop", "waypoint-ns", "all"));
  w.Add("east", Waypoint("shop", "waypoint-sa1", "all"));
  w.Add("east", Deploy("shop", "inherit"));
  w.Add("east",
        Deploy("shop", "own", 1, {{"istio.io/use-waypoint", "waypoint-sa1"}}));
  w.Add("east",
        Deploy("shop", "optout", 1, {{"istio.io/use-waypoint", "none"}}));
  w.Add("east",
        Deploy("shop", "tilde", 1, {{"istio.io/use-waypoint", "missing"}}));
  Scenario s = w.Load();
  EXPECT_EQ(PodBinding(s, "shop/inherit-0").waypoint, "shop/waypoint-ns");
  EXPECT_EQ(PodBinding(s, "shop/own-0").waypoint, "shop/waypoint-sa1");
  EXPECT_EQ(PodBinding(s, "shop/optout-0").status, BindingStatus::kOptOut);
  // §2.3 consequence 2, K8: no fallback to the namespace waypoint.
  Bound tilde = PodBinding(s, "shop/tilde-0");
  EXPECT_EQ(tilde.status, BindingStatus::kNotReady);
  EXPECT_EQ(tilde.waypoint, "");
}

// §2.2, §13 case 26: waypoint-for decides which objects may bind.
TEST(BindingTest, Case26_WaypointForTrafficTypes) {
  for (const std::string type :
       {"service", "workload", "all", "none", "bogus"}) {
    World w = Shop({{Ambient(), "ambient"}});
    w.Add("east", Waypoint("shop", "wp", type));
    w.Add("east", Deploy("shop", "app", 1, {{"istio.io/use-waypoint", "wp"}}));
    w.Add("east", Svc("shop", "app", 80, {{"istio.io/use-waypoint", "wp"}}));
    Scenario s = w.Load();
    bool svc_ok = type == "service" || type == "all";
    bool pod_ok = type == "workload" || type == "all";
    EXPECT_EQ(ServiceBinding(s, "shop/app").status,
              svc_ok ? BindingStatus::kAccepted
                     : BindingStatus::kUnsupportedTrafficType)
        << type;
    EXPECT_EQ(PodBinding(s, "shop/app-0").status,
              pod_ok ? BindingStatus::kAccepted
                     : BindingStatus::kUnsupportedTrafficType)
        << type;
  }
}

// §2.2: default type is service; the GatewayClass label applies when the
// Gateway has none, and the Gateway label overrides the class label.
TEST(BindingTest, WaypointForFromGatewayClass) {
  World w = Shop({{Ambient(), "ambient"}});
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "GatewayClass\nmetadata:\n  name: custom\n  labels:\n"
        "    istio.io/waypoint-for: workload\nspec:\n  controllerName: "
        "istio.io/gateway-controller\n");
  w.Add("east", Waypoint("shop", "by-class", "", "", "custom"));
  w.Add("east", Waypoint("shop", "override", "service", "", "custom"));
  w.Add("east",
        Deploy("shop", "a", 1, {{"istio.io/use-waypoint", "by-class"}}));
  w.Add("east", Svc("shop", "b", 80, {{"istio.io/use-waypoint", "override"}}));
  w.Add("east", Svc("shop", "c", 80, {{"istio.io/use-waypoint", "by-class"}}));
  Scenario s = w.Load();
  EXPECT_EQ(PodBinding(s, "shop/a-0").status, BindingStatus::kAccepted);
  EXPECT_EQ(ServiceBinding(s, "shop/b").status, BindingStatus::kAccepted);
  EXPECT_EQ(ServiceBinding(s, "shop/c").status,
            BindingStatus::kUnsupportedTrafficType);
}

// §2.3 consequence 4: a namespace label with a service-type waypoint binds the
// namespace's Services and no Pod, silently.
TEST(BindingTest, NamespaceServiceWaypointBindsNoPods) {
  World w = Shop({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "wp"}});
  w.Add("east", Waypoint("shop", "wp"));
  w.Add("east", Deploy("shop", "app"));
  w.Add("east", Svc("shop", "app"));
  Scenario s = w.Load();
  EXPECT_EQ(ServiceBinding(s, "shop/app").waypoint, "shop/wp");
  EXPECT_NE(PodBinding(s, "shop/app-0").status, BindingStatus::kAccepted);
}

// §2.4, §13 case 31: cross-namespace binding needs allowedRoutes.
TEST(BindingTest, Case31_CrossNamespaceAllowedRoutes) {
  const std::string selector =
      "    allowedRoutes:\n      namespaces:\n        from: Selector\n        "
      "selector:\n          matchLabels:\n"
      "            team: shop\n";
  World w = Shop({{Ambient(), "ambient"}, {"team", "shop"}});
  w.Add("east", Ns("waypoint-ns"));
  w.Add("east", Ns("other", {{"team", "other"}}));
  w.Add("east", Waypoint("waypoint-ns", "same"));
  w.Add("east", Waypoint("waypoint-ns", "sel", "", selector));
  w.Add("east",
        Waypoint("waypoint-ns", "all", "",
                 "    allowedRoutes:\n      namespaces:\n        from: All\n"));
  auto labels = [](const std::string& wp) {
    return testing::KV{{"istio.io/use-waypoint", wp},
                       {"istio.io/use-waypoint-namespace", "waypoint-ns"}};
  };
  w.Add("east", Svc("shop", "to-same", 80, labels("same")));
  w.Add("east", Svc("shop", "to-sel", 80, labels("sel")));
  w.Add("east", Svc("other", "to-sel", 80, labels("sel")));
  w.Add("east", Svc("other", "to-all", 80, labels("all")));
  Scenario s = w.Load();
  EXPECT_EQ(ServiceBinding(s, "shop/to-same").status,
            BindingStatus::kAttachmentDenied);
  EXPECT_EQ(ServiceBinding(s, "shop/to-sel").waypoint, "waypoint-ns/sel");
  EXPECT_EQ(ServiceBinding(s, "other/to-sel").status,
            BindingStatus::kAttachmentDenied);
  EXPECT_EQ(ServiceBinding(s, "other/to-all").waypoint, "waypoint-ns/all");
}

// §2.4: 1.22 checks no attachment (fetchWaypointForTarget has no
// AllowsAttachmentFromNamespace): a Selector that leaves out the waypoint's
// own namespace binds there, and is refused from 1.23.
TEST(BindingTest, AllowedRoutesFrom123) {
  for (const std::string version : {"1.22", "1.23"}) {
    World w = Shop({{Ambient(), "ambient"}}, "{version: \"" + version + "\"}");
    w.Add("east",
          Waypoint("shop", "wp", "all",
                   "    allowedRoutes:\n      namespaces:\n        from: "
                   "Selector\n        selector:\n          matchLabels:\n"
                   "            team: blue\n"));
    w.Add("east", Svc("shop", "cart", 80, {{"istio.io/use-waypoint", "wp"}}));
    w.Add("east", Deploy("shop", "db", 1, {{"istio.io/use-waypoint", "wp"}}));
    Scenario s = w.Load();
    const BindingStatus want = version == "1.22"
                                   ? BindingStatus::kAccepted
                                   : BindingStatus::kAttachmentDenied;
    EXPECT_EQ(ServiceBinding(s, "shop/cart").status, want) << version;
    EXPECT_EQ(PodBinding(s, "shop/db-0").status, want) << version;
  }
}

// §2.4 as waypoints.go makeAllowedRoutes / AllowsAttachmentFromNamespace:
// a Selector is checked for the waypoint's own namespace too, an absent
// selector admits nothing, matchExpressions count; the inbound-binding
// annotation (the Gateway's, else its class's) picks the listener by port,
// and a binding naming no listener falls back to the HBONE one.
TEST(BindingTest, AllowedRoutesAsIstiodReadsThem) {
  World w = Shop({{Ambient(), "ambient"}, {"team", "shop"}});
  w.Add("east", Ns("other", {{"team", "other"}}));
  const std::string only_other =
      "    allowedRoutes:\n      namespaces:\n        from: Selector\n"
      "        selector:\n          matchExpressions:\n"
      "          - {key: team, operator: In, values: [other]}\n";
  w.Add("east", Waypoint("shop", "only-other", "", only_other));
  w.Add("east", Waypoint("shop", "no-selector", "",
                         "    allowedRoutes:\n      namespaces:\n"
                         "        from: Selector\n"));
  // Bound to a PROXY listener on 15088 that admits All; its HBONE listener
  // admits the same namespace only.
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: bound\n  namespace: shop\n  annotations:\n"
        "    ambient.istio.io/waypoint-inbound-binding: PROXY/15088\n"
        "spec:\n  gatewayClassName: istio-waypoint\n  listeners:\n"
        "  - {name: mesh, port: 15008, protocol: HBONE}\n"
        "  - {name: proxy, port: 15088, protocol: istio.io/PROXY, "
        "allowedRoutes: {namespaces: {from: All}}}\n");
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: unbound\n  namespace: shop\n  annotations:\n"
        "    ambient.istio.io/waypoint-inbound-binding: PROXY/16000\n"
        "spec:\n  gatewayClassName: istio-waypoint\n  listeners:\n"
        "  - {name: mesh, port: 15008, protocol: HBONE, "
        "allowedRoutes: {namespaces: {from: All}}}\n");
  auto to = [](const std::string& wp) {
    return testing::KV{{"istio.io/use-waypoint", wp},
                       {"istio.io/use-waypoint-namespace", "shop"}};
  };
  for (const char* wp : {"only-other", "no-selector", "bound", "unbound"}) {
    w.Add("east", Svc("shop", std::string("own-") + wp, 80, to(wp)));
    w.Add("east", Svc("other", std::string("from-") + wp, 80, to(wp)));
  }
  Scenario s = w.Load();
  EXPECT_EQ(ServiceBinding(s, "shop/own-only-other").status,
            BindingStatus::kAttachmentDenied);
  EXPECT_EQ(ServiceBinding(s, "other/from-only-other").waypoint,
            "shop/only-other");
  EXPECT_EQ(ServiceBinding(s, "shop/own-no-selector").status,
            BindingStatus::kAttachmentDenied);
  EXPECT_EQ(ServiceBinding(s, "other/from-no-selector").status,
            BindingStatus::kAttachmentDenied);
  EXPECT_EQ(ServiceBinding(s, "other/from-bound").waypoint, "shop/bound");
  EXPECT_EQ(ServiceBinding(s, "other/from-unbound").waypoint, "shop/unbound");
}

// §2.3: use-waypoint-namespace is read only from the object that carries
// use-waypoint, and only from 1.23.
TEST(BindingTest, UseWaypointNamespaceSameObjectAndVersion) {
  for (const std::string version : {"1.22", "1.23"}) {
    World w = Shop(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint-namespace", "infra"}},
        "{version: \"" + version + "\"}");
    w.Add("east", Ns("infra"));
    w.Add(
        "east",
        Waypoint("infra", "wp", "",
                 "    allowedRoutes:\n      namespaces:\n        from: All\n"));
    w.Add("east", Waypoint("shop", "wp"));
    w.Add("east", Svc("shop", "a", 80, {{"istio.io/use-waypoint", "wp"}}));
    w.Add("east", Svc("shop", "b", 80,
                      {{"istio.io/use-waypoint", "wp"},
                       {"istio.io/use-waypoint-namespace", "infra"}}));
    Scenario s = w.Load();
    // The namespace's use-waypoint-namespace does not apply to the Service's
    // label.
    EXPECT_EQ(ServiceBinding(s, "shop/a").waypoint, "shop/wp") << version;
    EXPECT_EQ(ServiceBinding(s, "shop/b").waypoint,
              version == "1.22" ? "shop/wp" : "infra/wp");
  }
}

// §2.4, §13 case 33: a NAMESPACE-visibility ServiceEntry may not bind a
// waypoint in another namespace (1.31+). Visibility comes from MeshConfig
// serviceEntryVisibility (default, then policies by namespace labels), not
// from exportTo: without it every entry is PUBLIC.
TEST(BindingTest, Case33_NamespaceVisibilityServiceEntry) {
  struct Case {
    std::string version, mesh_config;
    BindingStatus want;
  };
  const std::string ns_default =
      "{serviceEntryVisibility: {defaultVisibility: NAMESPACE}}";
  const std::string by_label =
      "{serviceEntryVisibility: {defaultVisibility: PUBLIC, policies: "
      "[{visibility: NAMESPACE, matchingRules: [{namespaceSelector: "
      "{matchLabels: {team: shop}}}]}]}}";
  const std::string other_label =
      "{serviceEntryVisibility: {policies: [{visibility: NAMESPACE, "
      "matchingRules: [{namespaceSelector: {matchLabels: {team: other}}}]}]}}";
  for (const Case& c : std::vector<Case>{
           {"1.31", "", BindingStatus::kAccepted},
           {"1.31", ns_default, BindingStatus::kCrossNamespaceForbidden},
           {"1.31", by_label, BindingStatus::kCrossNamespaceForbidden},
           {"1.31", other_label, BindingStatus::kAccepted},
           {"1.30", ns_default, BindingStatus::kAccepted}}) {
    World w = Shop(
        {{Ambient(), "ambient"}, {"team", "shop"}},
        "{version: \"" + c.version + "\"" +
            (c.mesh_config.empty() ? "" : ", meshConfig: " + c.mesh_config) +
            "}");
    w.Add("east", Ns("egress"));
    w.Add(
        "east",
        Waypoint("egress", "wp", "",
                 "    allowedRoutes:\n      namespaces:\n        from: All\n"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n "
          " name: ext\n  namespace: shop\n  labels:\n"
          "    istio.io/use-waypoint: wp\n    istio.io/use-waypoint-namespace: "
          "egress\nspec:\n  hosts: [a.example.com]\n"
          "  exportTo: [\".\"]\n  resolution: DNS\n  ports: [{number: 443, "
          "name: tls, protocol: TLS}]\n");
    Scenario s = w.Load();
    EXPECT_EQ(ServiceBinding(s, "shop/ext").status, c.want)
        << c.version << " " << c.mesh_config;
  }
}

// §13 case 30, §2.3: waypoint pods never get a waypoint, and the waypoint's
// own Service is never bound.
TEST(BindingTest, Case30_WaypointsNeverGetWaypoints) {
  World w = Shop({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "wp"}});
  w.Add("east", Waypoint("shop", "wp", "all"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: wp\n  namespace: "
        "shop\n  labels:\n"
        "    gateway.istio.io/managed: istio.io-mesh-controller\n    "
        "gateway.networking.k8s.io/gateway-name: wp\n"
        "spec:\n  selector:\n    gateway.networking.k8s.io/gateway-name: wp\n  "
        "ports: [{port: 15008, name: mesh}]\n");
  Scenario s = w.Load();
  EXPECT_EQ(PodBinding(s, "shop/wp-0").status, BindingStatus::kIsWaypoint);
  EXPECT_EQ(ServiceBinding(s, "shop/wp").status, BindingStatus::kIsWaypoint);
}

// §2.3 (computeWaypoint, fetchWaypointForInstance): a pod is an instance
// only of a Gateway with status addresses (istiod's Waypoints collection);
// the pods of one not yet programmed take the namespace's waypoint.
TEST(BindingTest, InstanceOnlyOfAProgrammedGateway) {
  World w = Shop({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "wp"}});
  w.Add("east", Waypoint("shop", "wp", "all"));
  w.Add("east", Waypoint("shop", "pending", "all", "", "istio-waypoint",
                         "status:\n  addresses: []\n"));
  w.Add("east",
        Deploy("shop", "looks-like-pending", 1,
               {{"gateway.networking.k8s.io/gateway-name", "pending"}}));
  Scenario s = w.Load();
  EXPECT_EQ(PodBinding(s, "shop/wp-0").status, BindingStatus::kIsWaypoint);
  EXPECT_EQ(PodBinding(s, "shop/looks-like-pending-0").waypoint, "shop/wp");
}

// §2.3 (fetchWaypointForService): only waypoint and east-west gateway
// Services are exempt; an ingress gateway's own Service (as a cluster dump
// has it: managed by istio.io-gateway-controller) takes the namespace
// waypoint like any other Service.
TEST(BindingTest, IngressGatewayServiceBindsLikeAnyService) {
  World w = Shop({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "wp"}});
  w.Add("east", Waypoint("shop", "wp", "all"));
  w.Add("east", testing::Ingress("shop", "gw"));
  auto gateway_service = [](const std::string& name, const std::string& gw,
                            const std::string& managed) {
    return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
           "\n  namespace: shop\n  labels:\n    gateway.istio.io/managed: " +
           managed + "\n    gateway.networking.k8s.io/gateway-name: " + gw +
           "\nspec:\n  selector:\n    gateway.networking.k8s.io/"
           "gateway-name: " +
           gw + "\n  ports: [{port: 80, name: http}]\n";
  };
  w.Add("east",
        gateway_service("gw-istio", "gw", "istio.io-gateway-controller"));
  // The same Service without the managed label: the Gateway's role decides.
  w.Add("east", Svc("shop", "gw-plain", 80,
                    {{"gateway.networking.k8s.io/gateway-name", "gw"}}));
  w.Add("east", gateway_service("wp", "wp", "istio.io-mesh-controller"));
  Scenario s = w.Load();
  const Bound ingress = ServiceBinding(s, "shop/gw-istio");
  EXPECT_EQ(ingress.status, BindingStatus::kAccepted);
  EXPECT_EQ(ingress.waypoint, "shop/wp");
  EXPECT_EQ(ServiceBinding(s, "shop/gw-plain").waypoint, "shop/wp");
  EXPECT_EQ(ServiceBinding(s, "shop/wp").status, BindingStatus::kIsWaypoint);
}

// §2.1, §13 case 28: not-ready (status without addresses) vs programmed.
TEST(BindingTest, Case28_WaypointConfiguredOnlyWhenReady) {
  World w = Shop({{Ambient(), "ambient"}});
  w.Add("east", Waypoint("shop", "pending", "", "", "istio-waypoint",
                         "status:\n  addresses: []\n"));
  w.Add("east", Waypoint("shop", "ready", "", "", "istio-waypoint",
                         "status:\n  addresses:\n  - type: Hostname\n    "
                         "value: ready.shop.svc.cluster.local\n"));
  w.Add("east", Svc("shop", "a", 80, {{"istio.io/use-waypoint", "pending"}}));
  w.Add("east", Svc("shop", "b", 80, {{"istio.io/use-waypoint", "ready"}}));
  Scenario s = w.Load();
  EXPECT_EQ(ServiceBinding(s, "shop/a").status, BindingStatus::kNotReady);
  EXPECT_EQ(ServiceBinding(s, "shop/b").status, BindingStatus::kAccepted);
}

// §2.5: `auto` is an ordinary name in the community distribution.
TEST(BindingTest, AutoIsAnOrdinaryNameInCommunity) {
  World w = Shop({{Ambient(), "ambient"}, {"istio.io/use-waypoint", "auto"}});
  w.Add("east", Svc("shop", "a"));
  Scenario s = w.Load();
  EXPECT_EQ(ServiceBinding(s, "shop/a").status, BindingStatus::kNotReady);
}

// §5: Go's ParseBool as istiod parses ingress-use-waypoint.
TEST(BindingTest, ParseGoBool) {
  EXPECT_EQ(ParseGoBool("T"), true);
  EXPECT_EQ(ParseGoBool("1"), true);
  EXPECT_EQ(ParseGoBool("False"), false);
  EXPECT_EQ(ParseGoBool("yes"), std::nullopt);
}

// §1.1 and the injector: capture per pod.
TEST(CaptureTest, SidecarAmbientAndUncaptured) {
  World w;
  w.Cluster("east", "east", 1);
  w.Add("east", Ns("amb", {{Ambient(), "ambient"}}));
  w.Add("east", Ns("inj", {{"istio-injection", "enabled"}}));
  w.Add("east", Ns("rev", {{"istio.io/rev", "canary"}}));
  w.Add("east", Deploy("amb", "a"));
  w.Add("east", Deploy("amb", "b", 1, {{"sidecar.istio.io/inject", "true"}}));
  w.Add("east", Deploy("inj", "c"));
  w.Add("east", Deploy("inj", "d", 1, {{"sidecar.istio.io/inject", "false"}}));
  w.Add("east", Deploy("rev", "e"));
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dumped\n  namespace: "
        "amb\n  annotations:\n"
        "    sidecar.istio.io/status: '{}'\nspec:\n  containers: [{name: app, "
        "image: x}, {name: istio-proxy, image: y}]\n");
  Scenario s = w.Load();
  const Cluster& c = s.mesh.clusters[0];
  EXPECT_EQ(c.FindWorkload("amb/a-0")->capture, Capture::kAmbient);
  EXPECT_EQ(c.FindWorkload("amb/b-0")->capture, Capture::kSidecar);
  EXPECT_EQ(c.FindWorkload("inj/c-0")->capture, Capture::kSidecar);
  EXPECT_EQ(c.FindWorkload("inj/d-0")->capture, Capture::kUncaptured);
  EXPECT_EQ(c.FindWorkload("rev/e-0")->capture, Capture::kSidecar);
  EXPECT_EQ(c.FindWorkload("amb/dumped")->capture, Capture::kSidecar);
}

// §1.1: the injector's admission webhook selects pods by label only:
// an annotation alone does not inject (a pod left over from a sidecar
// migration stays ambient), a namespace's istio-injection=disabled beats
// the pod's label, a pod's istio.io/rev injects in a plain namespace, and
// once the webhook fires the annotation "false" still refuses.
TEST(CaptureTest, InjectionFollowsTheWebhookSelectors) {
  World w;
  w.Cluster("east", "east", 1);
  w.Add("east", Ns("amb", {{Ambient(), "ambient"}}));
  w.Add("east", Ns("disabled",
                   {{Ambient(), "ambient"}, {"istio-injection", "disabled"}}));
  w.Add("east", Ns("inj", {{"istio-injection", "enabled"}}));
  auto annotated = [](const std::string& ns, const std::string& name,
                      const std::string& value) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
           "\n  namespace: " + ns +
           "\n  annotations:\n    sidecar.istio.io/inject: \"" + value +
           "\"\nspec:\n  containers: [{name: app, image: x}]\n";
  };
  w.Add("east", annotated("amb", "annotated", "true"));
  w.Add("east", annotated("inj", "opted-out", "false"));
  w.Add("east", Deploy("disabled", "labelled", 1,
                       {{"sidecar.istio.io/inject", "true"}}));
  w.Add("east", Deploy("amb", "revision", 1, {{"istio.io/rev", "default"}}));
  w.Add("east", Deploy("amb", "rev-off", 1,
                       {{"istio.io/rev", "default"},
                        {"sidecar.istio.io/inject", "false"}}));
  Scenario s = w.Load();
  const Cluster& c = s.mesh.clusters[0];
  EXPECT_EQ(c.FindWorkload("amb/annotated")->capture, Capture::kAmbient);
  EXPECT_EQ(c.FindWorkload("inj/opted-out")->capture, Capture::kUncaptured);
  EXPECT_EQ(c.FindWorkload("disabled/labelled-0")->capture, Capture::kAmbient);
  const Workload* rev = c.FindWorkload("amb/revision-0");
  EXPECT_EQ(rev->capture, Capture::kSidecar);
  EXPECT_EQ(rev->capture_why.rfind(
                "pod amb/revision-0 has label istio.io/rev=default", 0),
            0u)
      << rev->capture_why;
  EXPECT_EQ(c.FindWorkload("amb/rev-off-0")->capture, Capture::kAmbient);
}

// §3.1: a Kubernetes Service selects the WorkloadEntries of its namespace
// too (PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES, default true).
TEST(EndpointsTest, ServiceSelectsWorkloadEntries) {
  for (const bool flag : {true, false}) {
    World w(flag
                ? ""
                : "{flags: {PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES: false}}");
    w.Cluster("east", "east", 1);
    w.Add("east", Ns("app", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("app", "vm"));
    w.Add("east", Svc("app", "vm"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
          "metadata:\n  name: vm1\n  namespace: app\nspec:\n"
          "  address: 10.9.0.1\n  labels: {app: vm}\n");
    Scenario s = w.Load();
    const Cluster& c = s.mesh.clusters[0];
    const size_t si = c.service_by_key.at("app/vm");
    std::vector<std::string> names;
    for (size_t wi : c.service_endpoints[si])
      names.push_back(c.workloads[wi].kind + " " + c.workloads[wi].name);
    std::sort(names.begin(), names.end());
    const std::vector<std::string> want =
        flag ? std::vector<std::string>{"Pod vm-0", "WorkloadEntry vm1"}
             : std::vector<std::string>{"Pod vm-0"};
    EXPECT_EQ(names, want);
  }
}

// §3.4: a ServiceEntry's inline endpoints with an address are workloads
// that only it selects: a Service selecting their labels does not; an
// endpoint without `network` takes the one before it's (istiod sets it once
// before its loop), the first the cluster's, never from the network label;
// an address listed twice is one workload.
TEST(EndpointsTest, ServiceEntryEndpointsAreItsOwnWorkloads) {
  World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", Ns("app"));
  w.Add("east", Svc("app", "vm"));  // selects app: vm
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: vms\n  namespace: app\nspec:\n  hosts: [vms.example.com]\n"
        "  resolution: STATIC\n  ports: [{number: 80, name: http}]\n"
        "  endpoints:\n"
        "  - {address: 192.0.2.1, labels: {app: vm, "
        "topology.istio.io/network: net-label}}\n"
        "  - {address: 192.0.2.2, network: net-far}\n"
        "  - {address: 192.0.2.3}\n"
        "  - {address: 192.0.2.3}\n");
  Scenario s = w.Load();
  const Cluster& c = s.mesh.clusters[0];
  std::vector<std::string> got;
  for (size_t wi : c.service_endpoints[c.service_by_key.at("app/vms")]) {
    const Workload& e = c.workloads[wi];
    got.push_back(e.name + " " + e.network + " " + e.owner);
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{"vms@192.0.2.1 net-east vms@192.0.2.1",
                                      "vms@192.0.2.2 net-far vms@192.0.2.2",
                                      "vms@192.0.2.3 net-far vms@192.0.2.3"}));
  EXPECT_TRUE(c.service_endpoints[c.service_by_key.at("app/vm")].empty());
  EXPECT_EQ(c.FindWorkload("app/vms@192.0.2.1")->Subject(),
            "ServiceEntry app/vms endpoint 192.0.2.1");
}

// §3.4: a ServiceEntry without addresses gets one only where istiod
// allocates: PILOT_ENABLE_IP_AUTOALLOCATE (on from 1.25), not opted out by
// networking.istio.io/enable-autoallocate-ip=false, resolution not NONE.
TEST(EndpointsTest, ServiceEntryAddressAllocation) {
  auto entry = [](const std::string& name, const std::string& labels,
                  const std::string& resolution) {
    return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
           "metadata:\n  name: " +
           name + "\n  namespace: egress\n" + labels + "spec:\n  hosts: [" +
           name + ".example.com]\n  resolution: " + resolution +
           "\n  ports: [{number: 80, name: http, protocol: HTTP}]\n";
  };
  struct Case {
    std::string istio;
    bool dns, opted_out, none;
  };
  for (const Case& c : std::vector<Case>{
           {"{version: \"1.31\"}", true, false, false},
           {"{version: \"1.25\"}", true, false, false},
           {"{version: \"1.24\"}", false, false, false},
           {"{version: \"1.24\", flags: {PILOT_ENABLE_IP_AUTOALLOCATE: true}}",
            true, false, false}}) {
    World w(c.istio);
    w.Cluster("east", "east", 1);
    w.Add("east", Ns("egress"));
    w.Add("east", entry("dns", "", "DNS"));
    w.Add("east",
          entry("optout",
                "  labels: {networking.istio.io/enable-autoallocate-ip: "
                "\"False\"}\n",
                "DNS"));
    w.Add("east", entry("none", "", "NONE"));
    Scenario s = w.Load();
    const Cluster& cl = s.mesh.clusters[0];
    EXPECT_EQ(!cl.FindService("egress/dns")->vips.empty(), c.dns) << c.istio;
    EXPECT_TRUE(cl.FindService("egress/optout")->vips.empty()) << c.istio;
    EXPECT_TRUE(cl.FindService("egress/none")->vips.empty()) << c.istio;
  }
}

// §8.6: Istio's protocol selection for a port (kube/conversion.go
// ConvertProtocol, protocol.Parse).
TEST(EndpointsTest, PortDeclaresHttp) {
  auto port = [](std::string name, std::string app, std::string proto,
                 int number = 80, bool entry = false) {
    ServicePort p;
    p.name = std::move(name);
    p.app_protocol = std::move(app);
    p.protocol = std::move(proto);
    p.port = number;
    p.entry = entry;
    return p;
  };
  EXPECT_TRUE(PortDeclaresHttp(port("http", "", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("grpc-web-api", "", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("http2-x", "", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("http_proxy", "", "TCP")));
  EXPECT_FALSE(PortDeclaresHttp(port("tcp", "", "TCP")));
  EXPECT_FALSE(PortDeclaresHttp(port("web", "", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("web", "kubernetes.io/h2c", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("web", "kubernetes.io/ws", "TCP")));
  // appProtocol wins, and is split at '-' like a name.
  EXPECT_FALSE(PortDeclaresHttp(port("http", "tcp", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("web", "http-web", "TCP")));
  EXPECT_TRUE(PortDeclaresHttp(port("", "", "HTTP", 80, true)));
  EXPECT_FALSE(PortDeclaresHttp(port("http", "", "TLS", 80, true)));
  // A ServiceEntry's protocol decides, not its name.
  EXPECT_FALSE(PortDeclaresHttp(port("http", "", "TCP", 80, true)));
  using P = PortProtocol;
  EXPECT_EQ(DeclaredProtocol(port("http", "", "", 80, true)), P::kSniffed);
  EXPECT_EQ(DeclaredProtocol(port("https-web", "", "TCP")), P::kTcp);
  EXPECT_EQ(DeclaredProtocol(port("tls", "", "TCP")), P::kTcp);
  EXPECT_EQ(DeclaredProtocol(port("mongo-db", "", "TCP")), P::kTcp);
  EXPECT_EQ(DeclaredProtocol(port("web", "kubernetes.io/wss", "TCP")), P::kTcp);
  EXPECT_EQ(DeclaredProtocol(port("web", "", "TCP")), P::kSniffed);
  EXPECT_EQ(DeclaredProtocol(port("", "", "TCP", 8080)), P::kSniffed);
  // Well-known ports are never sniffed: TCP unless declared otherwise.
  EXPECT_EQ(DeclaredProtocol(port("web", "", "TCP", 3306)), P::kTcp);
  EXPECT_EQ(DeclaredProtocol(port("", "", "TCP", 27017)), P::kTcp);
  EXPECT_EQ(DeclaredProtocol(port("http", "", "TCP", 3306)), P::kHttp);
  EXPECT_EQ(DeclaredProtocol(port("dns", "", "UDP", 53)), P::kUdp);
}

// §5: the ingress opt-in value as each release reads it: "true" exactly
// (1.24), any case (1.25-1.29), Go's ParseBool (1.30+).
TEST(BindingTest, IngressOptInValueByRelease) {
  struct Case {
    std::string version, value;
    bool opted;
  };
  for (const Case& c : std::vector<Case>{{"1.24", "true", true},
                                         {"1.24", "True", false},
                                         {"1.28", "TRUE", true},
                                         {"1.28", "1", false},
                                         {"1.30", "1", true},
                                         {"1.31", "t", true},
                                         {"1.31", "yes", false}}) {
    World w =
        Shop({{Ambient(), "ambient"}}, "{version: \"" + c.version + "\"}");
    w.Add("east", Waypoint("shop", "wp"));
    w.Add("east", Svc("shop", "cart", 80,
                      {{"istio.io/use-waypoint", "wp"},
                       {"istio.io/ingress-use-waypoint", c.value}}));
    Scenario s = w.Load();
    const Cluster& cl = s.mesh.clusters[0];
    const Service& svc = *cl.FindService("shop/cart");
    EXPECT_EQ(IngressUsesWaypoint(s.mesh, cl, svc,
                                  ServiceWaypoint(s.mesh, cl, svc), nullptr),
              c.opted)
        << c.version << " " << c.value;
  }
}

// §5: 1.24's ingress reads the opt-in from the labels of the Service or the
// ServiceEntry alike (the Namespace's only from 1.25).
TEST(BindingTest, ServiceEntryOwnOptInFrom124) {
  World w = Shop({{Ambient(), "ambient"}}, "{version: \"1.24\"}");
  w.Add("east", Waypoint("shop", "wp"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: ext\n  namespace: shop\n  labels:\n"
        "    istio.io/use-waypoint: wp\n    istio.io/ingress-use-waypoint: "
        "\"true\"\nspec:\n  hosts: [ext.example.com]\n  addresses: "
        "[240.1.1.1]\n  resolution: STATIC\n  endpoints: [{address: "
        "198.51.100.7}]\n  ports: [{number: 80, name: http, protocol: "
        "HTTP}]\n");
  Scenario s = w.Load();
  const Cluster& cl = s.mesh.clusters[0];
  const Service& se = *cl.FindService("shop/ext");
  EXPECT_TRUE(IngressUsesWaypoint(s.mesh, cl, se,
                                  ServiceWaypoint(s.mesh, cl, se), nullptr));
}

// §2.2: the GatewayClass's waypoint-for label is read from 1.23 on.
TEST(BindingTest, ClassWaypointForFrom123) {
  for (const std::string version : {"1.22", "1.23"}) {
    World w = Shop({{Ambient(), "ambient"}}, "{version: \"" + version + "\"}");
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
          "metadata:\n  name: wl-class\n  labels: {istio.io/waypoint-for: "
          "workload}\nspec:\n  controllerName: istio.io/mesh-controller\n");
    w.Add("east",
          "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
          "  name: wp\n  namespace: shop\nspec:\n  gatewayClassName: "
          "wl-class\n  listeners: [{name: mesh, port: 15008, protocol: "
          "HBONE}]\n");
    Scenario s = w.Load();
    const Cluster& cl = s.mesh.clusters[0];
    EXPECT_EQ(WaypointTrafficType(cl, *cl.FindGateway("shop/wp"),
                                  cl.VersionOr(s.mesh.istio.version)),
              version == "1.22" ? "service" : "workload");
  }
}

}  // namespace
}  // namespace meshsim
