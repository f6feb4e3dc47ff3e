// §4.4, §16.5: PeerAuthentication decides plaintext per port of the pod.
// The cases of Istio's TestPeerAuthentication
// (tests/integration/ambient/baseline_test.go): Service ports 80 and 9090
// target pod ports 18080 and 19090, and an uncaptured client calls both.
// Both engines must give the tested outcome: the simulator's path function
// and the verifier's encoding, which state the rule separately.
#include <gtest/gtest.h>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

std::string Pa(const std::string& name, const std::string& ns,
               const std::string& mode, bool selector,
               const std::string& ports = "") {
  return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
         "metadata:\n  name: " +
         name + "\n  namespace: " + ns + "\nspec:\n" +
         (selector ? "  selector:\n    matchLabels:\n      app: cart\n" : "") +
         (mode.empty() ? "" : "  mtls:\n    mode: " + mode + "\n") +
         (ports.empty() ? "" : "  portLevelMtls:\n" + ports);
}

// A policy written `selector: {}`: selector-less for a sidecar; at ztunnel
// not the mesh's outside the root namespace, and no parent of a workload
// policy's converted port entries (§16.5: istiod's lookups test for nil).
std::string PaEmptySelector(const std::string& name, const std::string& ns,
                            const std::string& mode) {
  return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
         "metadata:\n  name: " +
         name + "\n  namespace: " + ns + "\nspec:\n  selector: {}\n" +
         "  mtls:\n    mode: " + mode + "\n";
}

std::string Ports(const std::string& mode) {
  return "    \"18080\":\n      mode: " + mode +
         "\n    \"19090\":\n      mode: " + mode + "\n";
}

// Pod port 18080 (service port 80) set to `mode`; 19090 not listed.
std::string FirstPort(const std::string& mode) {
  return "    \"18080\":\n      mode: " + mode + "\n";
}

// Pod port 18080 PERMISSIVE, 19090 DISABLE.
std::string PermissiveAndDisable() {
  return "    \"18080\":\n      mode: PERMISSIVE\n"
         "    \"19090\":\n      mode: DISABLE\n";
}

struct Refused {
  bool port80, port9090;  // plaintext from the uncaptured client refused
};

struct PeerAuthCase {
  const char* name;
  std::vector<std::string> policies;
  Refused ambient;  // ztunnel enforces (§16.5: istiod's conversion)
  Refused sidecar;  // the sidecar enforces (the merged modes)
};

// One case at the destination enrolled in ambient (ztunnel enforces) or
// with a sidecar (its Envoy enforces), on Istio `version` ("": the
// default): both engines give the case's outcome on each port.
void ExpectPlaintext(const PeerAuthCase& c, bool sidecar,
                     const std::string& version) {
  testing::World w(version.empty() ? "" : "{version: \"" + version + "\"}");
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("istio-system"));
  w.Add("east", testing::Ns("legacy"));
  w.Add("east", testing::Deploy("legacy", "curl"));
  w.Add("east", sidecar ? testing::Ns("shop", {{"istio-injection", "enabled"}})
                        : testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
        "  namespace: shop\nspec:\n  selector:\n    app: cart\n  ports:\n"
        "  - {name: http, port: 80, targetPort: 18080}\n"
        "  - {name: grpc, port: 9090, targetPort: 19090}\n");
  for (const std::string& p : c.policies) w.Add("east", p);
  for (int port : {80, 9090})
    w.Traffic("plain-" + std::to_string(port),
              "{cluster: east, namespace: legacy, workload: curl}",
              "{host: cart.shop, port: " + std::to_string(port) + "}");
  Scenario sc = w.Load();
  ASSERT_FALSE(sc.mesh.clusters.empty()) << c.name;
  const Refused& refused = sidecar ? c.sidecar : c.ambient;
  OutcomeOracle oracle(sc);
  const SourceClass* outside = nullptr;
  std::vector<SourceClass> classes = SourceClasses(sc);
  for (const SourceClass& k : classes)
    if (k.kind == ClientKind::kUncaptured) outside = &k;
  ASSERT_NE(outside, nullptr) << c.name;
  for (int port : {80, 9090}) {
    const bool r = port == 80 ? refused.port80 : refused.port9090;
    const Outcome want = r ? Outcome::kDenied : Outcome::kDelivered;
    std::set<Outcome> simulated;
    for (const Path& p : testing::PathsOf(sc, "plain-" + std::to_string(port)))
      simulated.insert(p.outcome);
    EXPECT_EQ(simulated, std::set<Outcome>{want})
        << "simulator: " << c.name << ", port " << port
        << (sidecar ? ", sidecar" : ", ambient");
    EncodedOutcomes got =
        oracle.Outcomes(*outside, "shop/cart", "", port, "", "");
    ASSERT_FALSE(got.unknown);
    std::set<Outcome> encoded;
    for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
    EXPECT_EQ(encoded, std::set<Outcome>{want})
        << "encoding: " << c.name << ", port " << port
        << (sidecar ? ", sidecar" : ", ambient");
  }
}

TEST(PeerAuthenticationCrossCheck, PortLevelMtlsFollowsIstiosTests) {
  const Refused both{true, true}, none{false, false};
  const std::vector<PeerAuthCase> cases = {
      {"permissive", {Pa("pa", "shop", "PERMISSIVE", false)}, none, none},
      {"strict", {Pa("pa", "shop", "STRICT", false)}, both, both},
      {"strict-permissive-ports",
       {Pa("pa", "shop", "STRICT", true, Ports("PERMISSIVE"))},
       none,
       none},
      {"global-strict-permissive-workload-ports",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("pa", "shop", "", true, Ports("PERMISSIVE"))},
       none,
       none},
      {"global-permissive-strict-workload-ports",
       {Pa("root", "istio-system", "PERMISSIVE", false),
        Pa("pa", "shop", "", true, Ports("STRICT"))},
       both,
       both},
      // The workload's own STRICT with DISABLE ports: DISABLE counts as
      // PERMISSIVE for those ports.
      {"strict-disable-ports",
       {Pa("pa", "shop", "STRICT", true, Ports("DISABLE"))},
       none,
       none},
      // An inherited STRICT: istiod lifts its static STRICT policy for
      // ztunnel only when a port entry is PERMISSIVE, so DISABLE entries
      // alone change nothing there; a sidecar takes each entry's mode.
      {"inherited-strict-disable-ports",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("pa", "shop", "", true, Ports("DISABLE"))},
       both,
       none},
      // Beside a PERMISSIVE entry the DISABLE one is an exception too.
      {"inherited-strict-permissive-and-disable-ports",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("pa", "shop", "", true, PermissiveAndDisable())},
       none,
       none},
      // The unlisted port keeps the inherited STRICT.
      {"inherited-strict-one-permissive-port",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("pa", "shop", "", true, FirstPort("PERMISSIVE"))},
       {false, true},
       {false, true}},
      // The same under a namespace policy that sets no mode: istiod's
      // conversion keeps neither the exception nor the STRICT it excepts
      // from (convertPeerAuthentication), so ztunnel accepts plaintext on
      // every port.
      {"inherited-strict-unset-namespace-one-permissive-port",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("ns", "shop", "", false),
        Pa("pa", "shop", "", true, FirstPort("PERMISSIVE"))},
       none,
       {false, true}},
      // A PERMISSIVE workload with a STRICT port: kept under a PERMISSIVE
      // mesh policy...
      {"permissive-workload-strict-port",
       {Pa("root", "istio-system", "PERMISSIVE", false),
        Pa("pa", "shop", "PERMISSIVE", true, FirstPort("STRICT"))},
       {true, false},
       {true, false}},
      // ...dropped by istiod under a STRICT one with no namespace mode.
      {"strict-mesh-permissive-workload-strict-port",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("pa", "shop", "PERMISSIVE", true, FirstPort("STRICT"))},
       none,
       {true, false}},
      // A namespace mode keeps it.
      {"strict-mesh-permissive-namespace-permissive-workload-strict-port",
       {Pa("root", "istio-system", "STRICT", false),
        Pa("ns", "shop", "PERMISSIVE", false),
        Pa("pa", "shop", "PERMISSIVE", true, FirstPort("STRICT"))},
       {true, false},
       {true, false}},
      // `selector: {}` (fetchPeerAuthentications, PeerAuthByNamespace):
      // a root one is not the mesh's at ztunnel...
      {"root-empty-selector-strict",
       {PaEmptySelector("root", "istio-system", "STRICT")},
       none,
       both},
      // ...a namespace one still lifts into the converted policy, whose
      // parents are then absent, so ztunnel keeps no exception and no
      // STRICT...
      {"empty-selector-namespace-strict-one-permissive-port",
       {PaEmptySelector("ns", "shop", "STRICT"),
        Pa("pa", "shop", "", true, FirstPort("PERMISSIVE"))},
       none,
       {false, true}},
      // ...and a STRICT mesh parent drops a PERMISSIVE workload's STRICT
      // entry, as if the namespace set no mode.
      {"empty-selector-namespace-permissive-workload-strict-port",
       {Pa("root", "istio-system", "STRICT", false),
        PaEmptySelector("ns", "shop", "PERMISSIVE"),
        Pa("pa", "shop", "PERMISSIVE", true, FirstPort("STRICT"))},
       none,
       {true, false}},
      // Port entries on a policy without a selector are refused at load
      // (istiod's validation): tests/data/errors/pa-port-level-*.yaml.
  };
  // The destination is enrolled in ambient (ztunnel enforces) or has a
  // sidecar (its Envoy enforces): the same rule at both.
  for (const bool sidecar : {false, true})
    for (const PeerAuthCase& c : cases) ExpectPlaintext(c, sidecar, "");
}

// §16.5: before the merge fix (1.22.8, 1.23.5, 1.24.3) an UNSET workload
// policy's PERMISSIVE entry under an inherited STRICT left istiod's static
// STRICT policy in place, so ztunnel refused plaintext on every port
// (authorization.go: the Unset branch never cleared
// isEffectiveStrictPolicy); a sidecar composed the modes as ever.
TEST(PeerAuthenticationCrossCheck,
     BeforeTheMergeFixThePermissivePortStayedStrict) {
  const Refused both{true, true}, none{false, false};
  const std::vector<std::string> policies = {
      Pa("root", "istio-system", "STRICT", false),
      Pa("pa", "shop", "", true, Ports("PERMISSIVE"))};
  for (const char* v : {"1.24.2", "1.23.4", "1.22.7"}) {
    ExpectPlaintext({v, policies, both, none}, false, v);
    ExpectPlaintext({v, policies, both, none}, true, v);
  }
  for (const char* v : {"1.24.3", "1.24", "1.23.5", "1.22.8"})
    ExpectPlaintext({v, policies, none, none}, false, v);
}

}  // namespace
}  // namespace meshsim
