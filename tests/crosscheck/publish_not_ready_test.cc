// §3.6 (constructService, the EndpointSlice controller): a Service with
// spec.publishNotReadyAddresses lists its pods that are not ready as ready
// (ztunnel's health policy ALLOW_ALL, Envoy's EDS, kube-proxy, kube-dns);
// a pod that has ended (phase Succeeded or Failed) is no endpoint either
// way. Asked of both engines, and of the simulator for the other readers.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// A pod of app cart in namespace shop with `status` (YAML, indented 0) and
// more `metadata` (indented 2).
std::string CartPod(const std::string& name, const std::string& status,
                    const std::string& metadata = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\n  namespace: shop\n  labels: {app: cart}\n" + metadata +
         "spec:\n  containers:\n  - {name: app, image: x}\n" + status;
}

const char kNotReady[] =
    "status:\n  phase: Running\n  podIP: 10.20.0.7\n  conditions:\n"
    "  - {type: Ready, status: \"False\"}\n";
const char kFailed[] = "status:\n  phase: Failed\n  podIP: 10.20.0.8\n";

// ambient client/curl to Service shop/cart (ambient namespace), whose only
// pod has `status` (and `metadata`); the Service publishes not-ready
// addresses when `publish`, and a DENY policy selects its pods when `deny`.
Scenario OnePodWorld(bool publish, const std::string& status, bool deny = false,
                     const std::string& metadata = "") {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", CartPod("cart-0", status, metadata));
  w.Add("east",
        testing::Svc("shop", "cart", 80, {},
                     publish ? "  publishNotReadyAddresses: true\n" : ""));
  if (deny)
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata:\n  name: deny-cart\n  namespace: shop\nspec:\n"
          "  selector: {matchLabels: {app: cart}}\n  action: DENY\n"
          "  rules:\n  - {}\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(PublishNotReadyCrossCheck, ANotReadyPodIsAnEndpointOnlyWhenPublished) {
  // Published: the request reaches the pod, and its ztunnel enforces.
  testing::ExpectBothEngines(OnePodWorld(true, kNotReady), Outcome::kDelivered,
                             "published");
  testing::ExpectBothEngines(OnePodWorld(true, kNotReady, true),
                             Outcome::kDenied, "published, denied");
  // Not published: the Service has no endpoint, so nothing is delivered.
  const std::set<Outcome> unpublished =
      testing::Simulated(OnePodWorld(false, kNotReady));
  EXPECT_FALSE(unpublished.empty());
  EXPECT_EQ(unpublished.count(Outcome::kDelivered), 0u);
  // An ended pod is no endpoint even when published.
  const std::set<Outcome> ended =
      testing::Simulated(OnePodWorld(true, kFailed));
  EXPECT_FALSE(ended.empty());
  EXPECT_EQ(ended.count(Outcome::kDelivered), 0u);
}

// IsPodReady: with conditions listed, only a Ready condition "True" makes
// the pod ready; a terminating pod (deletionTimestamp) is not ready.
TEST(PublishNotReadyCrossCheck, ReadinessIsTheReadyConditionAndNoDeletion) {
  const char ready[] =
      "status:\n  phase: Running\n  conditions:\n"
      "  - {type: PodScheduled, status: \"True\"}\n"
      "  - {type: Ready, status: \"True\"}\n";
  const char no_ready_condition[] =
      "status:\n  phase: Running\n  conditions:\n"
      "  - {type: PodScheduled, status: \"True\"}\n";
  const char terminating[] = "  deletionTimestamp: \"2026-12-01T00:00:00Z\"\n";
  testing::ExpectBothEngines(OnePodWorld(false, ready), Outcome::kDelivered,
                             "Ready True");
  for (const auto& [status, metadata] :
       {std::pair<std::string, std::string>{no_ready_condition, ""},
        {ready, terminating}}) {
    const std::set<Outcome> got =
        testing::Simulated(OnePodWorld(false, status, false, metadata));
    EXPECT_FALSE(got.empty());
    EXPECT_EQ(got.count(Outcome::kDelivered), 0u) << status << metadata;
    // Published, it is an endpoint again (ztunnel's ALLOW_ALL).
    testing::ExpectBothEngines(OnePodWorld(true, status, false, metadata),
                               Outcome::kDelivered, "published");
  }
}

// A pod that is not ready still sends (a source class of the verifier);
// one that has ended does not.
TEST(PublishNotReadyCrossCheck, ANotReadyPodStillSends) {
  auto client_classes = [](const std::string& status) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east",
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: curl\n"
          "  namespace: client\n  labels: {app: curl}\nspec:\n"
          "  containers:\n  - {name: app, image: x}\n" +
              status);
    size_t n = 0;
    for (const SourceClass& k : SourceClasses(w.Load()))
      n += k.workload.rfind("client/curl", 0) == 0 ? 1 : 0;
    return n;
  };
  EXPECT_EQ(client_classes(kNotReady), 1u);
  EXPECT_EQ(client_classes(kFailed), 0u);
}

// An ended pod holds its address no more: a call to it fails in the
// simulator (the verifier plans no pod-IP slice for it); a pod that is
// only not ready still answers at its address.
TEST(PublishNotReadyCrossCheck, AnEndedPodsAddressReachesNothing) {
  auto dial = [](const std::string& status, const std::string& ip) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
    w.Add("east", CartPod("cart-0", status));
    w.Traffic("t", testing::kFromCurl, "{ip: " + ip + ", port: 80}");
    std::set<Outcome> out;
    std::string why;
    for (const Path& p : testing::PathsOf(w.Load(), "t")) {
      out.insert(p.outcome);
      why += p.reason;
    }
    return std::make_pair(out, why);
  };
  const auto [ended, why] = dial(kFailed, "10.20.0.8");
  EXPECT_EQ(ended, std::set<Outcome>{Outcome::kFailed});
  EXPECT_NE(why.find("shop/cart-0"), std::string::npos) << why;
  EXPECT_NE(why.find("not running"), std::string::npos) << why;
  EXPECT_EQ(dial(kNotReady, "10.20.0.7").first,
            std::set<Outcome>{Outcome::kDelivered});
  // Kubernetes reuses an ended pod's address: a live pod holding it again
  // takes it, whichever is listed first.
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", CartPod("a-done", kFailed));
  w.Add("east", CartPod("b-live",
                        "status:\n  phase: Running\n  podIP: "
                        "10.20.0.8\n  conditions:\n"
                        "  - {type: Ready, status: \"True\"}\n"));
  w.Traffic("t", testing::kFromCurl, "{ip: 10.20.0.8, port: 80}");
  const std::vector<Path> reused = testing::PathsOf(w.Load(), "t");
  ASSERT_EQ(reused.size(), 1u);
  EXPECT_EQ(reused[0].outcome, Outcome::kDelivered);
  EXPECT_EQ(reused[0].hops.back().name, "shop/b-live");
}

// The delivered pods of the paths of "t".
std::set<std::string> DeliveredTo(const Scenario& sc) {
  std::set<std::string> out;
  for (const Path& p : testing::PathsOf(sc, "t"))
    if (p.outcome == Outcome::kDelivered && !p.hops.empty())
      out.insert(p.hops.back().name);
  return out;
}

// Service shop/cart (headless when `headless`) over a ready pod and one that
// is not; the client is ambient (ztunnel) or has a sidecar (Envoy's EDS).
Scenario TwoPodWorld(bool publish, bool headless, bool sidecar_client) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", sidecar_client
                    ? testing::Ns("client", {{"istio-injection", "enabled"}})
                    : testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", CartPod("cart-ready",
                        "status:\n  phase: Running\n  conditions:\n"
                        "  - {type: Ready, status: \"True\"}\n"));
  w.Add("east", CartPod("cart-starting", kNotReady));
  std::string extra = publish ? "  publishNotReadyAddresses: true\n" : "";
  if (headless) extra += "  clusterIP: None\n";
  w.Add("east", testing::Svc("shop", "cart", 80, {}, extra));
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

TEST(PublishNotReadyCrossCheck, EveryReaderOfTheEndpointListSeesThePod) {
  const std::set<std::string> both{"shop/cart-ready", "shop/cart-starting"},
      ready{"shop/cart-ready"};
  for (bool headless : {false, true})
    for (bool sidecar : {false, true}) {
      const std::string name = std::string(headless ? "headless" : "VIP") +
                               (sidecar ? ", sidecar" : ", ambient");
      EXPECT_EQ(DeliveredTo(TwoPodWorld(true, headless, sidecar)), both)
          << name;
      EXPECT_EQ(DeliveredTo(TwoPodWorld(false, headless, sidecar)), ready)
          << name;
    }
}

}  // namespace
}  // namespace meshsim
