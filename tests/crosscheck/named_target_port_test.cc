// §3.4 (constructServices, TestPodWorkloads "pod with service named
// ports"): a Service port whose targetPort is a name reaches only the pods
// that declare a container port of that name (and the WorkloadEntries whose
// ports map names it); with none, nothing. Asked of both engines.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

// A Deployment `name` of app cart in namespace shop whose container
// declares `ports` (a YAML flow list, or none).
std::string CartDeployment(const std::string& name, const std::string& ports) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\n  namespace: shop\nspec:\n  replicas: 1\n  selector:\n"
         "    matchLabels: {app: cart}\n  template:\n    metadata:\n"
         "      labels: {app: cart}\n    spec:\n      containers:\n"
         "      - name: app\n        image: x\n" +
         (ports.empty() ? "" : "        ports: " + ports + "\n");
}

// Ambient client/curl to Service shop/cart port 80 (targetPort `web`),
// whose pods come from `deployments`; a WorkloadEntry `vm` with `vm_ports`
// (a YAML flow map) when given.
Scenario NamedPortWorld(const std::vector<std::string>& deployments,
                        const std::string& vm_ports = "") {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  for (const std::string& d : deployments) w.Add("east", d);
  if (!vm_ports.empty())
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
          "metadata:\n  name: vm\n  namespace: shop\nspec:\n"
          "  address: 192.0.2.50\n  labels: {app: cart}\n  ports: " +
              vm_ports + "\n");
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
        "  namespace: shop\nspec:\n  selector: {app: cart}\n  ports:\n"
        "  - {name: http, port: 80, targetPort: web}\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  return w.Load();
}

// The simulator's delivered workloads (owner prefix) and whether any path
// fails; the encoding's outcomes for client/curl.
struct Seen {
  std::set<std::string> delivered;
  bool failed = false;
  std::string reason;  // a failed path's
  std::set<Outcome> encoded;
};

Seen Both(const Scenario& sc) {
  Seen s;
  for (const Path& p : testing::PathsOf(sc, "t")) {
    if (p.outcome == Outcome::kDelivered)
      s.delivered.insert(
          p.hops.back().name.substr(0, p.hops.back().name.rfind('-')));
    if (p.outcome == Outcome::kFailed) {
      s.failed = true;
      s.reason = p.reason;
    }
  }
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc))
    if (src.workload.rfind("client/curl", 0) == 0)
      for (const auto& [passes, o] :
           oracle.Outcomes(src, "shop/cart", "", 80, "GET", "/").outcomes)
        s.encoded.insert(o);
  return s;
}

TEST(NamedTargetPortCrossCheck, OnlyWorkloadsDeclaringTheNameServeThePort) {
  const std::string named = "[{containerPort: 8080, name: web}]";
  const std::string other = "[{containerPort: 8080, name: http}]";
  // One Deployment declares the name, one another name, one no port.
  const Seen some = Both(NamedPortWorld({CartDeployment("cart-web", named),
                                         CartDeployment("cart-http", other),
                                         CartDeployment("cart-bare", "")}));
  EXPECT_EQ(some.delivered, std::set<std::string>{"shop/cart-web"});
  EXPECT_FALSE(some.failed);
  EXPECT_EQ(some.encoded, std::set<Outcome>{Outcome::kDelivered});
  // None declares it: nothing is delivered, and the encoding has no
  // request that reaches a pod.
  const Seen none = Both(NamedPortWorld({CartDeployment("cart-bare", "")}));
  EXPECT_TRUE(none.delivered.empty());
  EXPECT_TRUE(none.failed);
  EXPECT_NE(none.reason.find("no healthy endpoints"), std::string::npos)
      << none.reason;
  EXPECT_EQ(none.encoded.count(Outcome::kDelivered), 0u);
  // A WorkloadEntry serves it when its ports map names it.
  const Seen vm =
      Both(NamedPortWorld({CartDeployment("cart-bare", "")}, "{web: 9090}"));
  EXPECT_EQ(vm.delivered.size(), 1u);
  EXPECT_EQ(vm.encoded, std::set<Outcome>{Outcome::kDelivered});
  const Seen vm_other =
      Both(NamedPortWorld({CartDeployment("cart-bare", "")}, "{http: 9090}"));
  EXPECT_TRUE(vm_other.delivered.empty());
  EXPECT_EQ(vm_other.encoded.count(Outcome::kDelivered), 0u);
}

// TestPodWorkloads "pod selected by ServiceEntry honors port name
// mapping": an entry's port reaches a pod it selects on the pod's container
// port of the same name, which the destination's port-level policies see;
// a WorkloadEntry's ports map does the same for a Kubernetes Service's
// port name. A DENY on `denied_port` at the destination shows which.
std::pair<std::set<Outcome>, std::set<Outcome>> EntryToPod(
    const std::string& kind, int denied_port) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  std::string to, key;
  int port = 0;
  if (kind == "ServiceEntry") {
    w.Add("east",
          CartDeployment("cart", "[{containerPort: 8000, name: http}]"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata:\n  name: cart-entry\n  namespace: shop\nspec:\n"
          "  hosts: [cart.example.com]\n  location: MESH_INTERNAL\n"
          "  resolution: STATIC\n  ports: [{number: 8002, name: http, "
          "protocol: HTTP}]\n  workloadSelector: {labels: {app: cart}}\n");
    to = "{host: cart.example.com, port: 8002}";
    key = "shop/cart-entry";
    port = 8002;
  } else {
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
          "metadata:\n  name: vm\n  namespace: shop\n"
          "  annotations: {ambient.istio.io/redirection: enabled}\nspec:\n"
          "  address: 192.0.2.50\n  labels: {app: cart}\n"
          "  ports: {http: 8000}\n");
    w.Add("east", testing::Svc("shop", "cart", 80));
    to = testing::kToCart;
    key = "shop/cart";
    port = 80;
  }
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata:\n  name: deny-port\n  namespace: shop\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n  action: DENY\n"
        "  rules:\n  - to: [{operation: {ports: [\"" +
            std::to_string(denied_port) + "\"]}}]\n");
  w.Traffic("t", testing::kFromCurl, to, "{method: GET, path: /}");
  return testing::CurlOutcomes(w.Load(), key, port);
}

TEST(NamedTargetPortCrossCheck, PortNamesPickTheWorkloadsPort) {
  const std::set<Outcome> denied{Outcome::kDenied},
      delivered{Outcome::kDelivered};
  for (const char* kind : {"ServiceEntry", "WorkloadEntry"}) {
    EXPECT_EQ(EntryToPod(kind, 8000), std::make_pair(denied, denied)) << kind;
    EXPECT_EQ(EntryToPod(kind, kind == std::string("ServiceEntry") ? 8002 : 80),
              std::make_pair(delivered, delivered))
        << kind;
  }
}

}  // namespace
}  // namespace meshsim
