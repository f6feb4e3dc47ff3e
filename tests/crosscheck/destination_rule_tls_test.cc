// §16.1: a sidecar client's DestinationRule tls.mode DISABLE sends plaintext
// with no identity to an endpoint it does not reach over HBONE; an ambient
// pod still gets HBONE with the client's identity
// (applyHBONETransportSocketMatches, TestApplyUpstreamTLSSettingsHBONE), so a
// STRICT PeerAuthentication there admits it whatever the rule says. A
// sidecar pod is reached with Istio mTLS (its tlsMode=istio label turns the
// tunnel off, endpoint_builder.go, PILOT_PREFER_SENDING_HBONE off), so the
// rule's DISABLE, for the port, is plaintext its STRICT sidecar refuses. Both
// engines state the rule separately: the simulator in its client side
// (client_side.cc), the verifier's encoding in Encoder::SidecarPlaintext.
// Istio's TestDestinationRule switches sidecar sources to a destination without
// a waypoint so that the client applies the rule; so do these cases.
#include <gtest/gtest.h>

#include "tests/crosscheck/both_engines.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct TlsCase {
  const char* name;
  std::string traffic_policy;  // "" : no DestinationRule
  bool refused_80, refused_9090;
};

TEST(DestinationRuleTlsCrossCheck, SidecarTlsDisableIsPlaintextUnlessHbone) {
  const std::vector<TlsCase> cases = {
      {"no rule", "", false, false},
      {"ISTIO_MUTUAL", "    tls: {mode: ISTIO_MUTUAL}\n", false, false},
      {"DISABLE", "    tls: {mode: DISABLE}\n", true, true},
      {"DISABLE but port 9090",
       "    tls: {mode: DISABLE}\n    portLevelSettings:\n"
       "    - port: {number: 9090}\n      tls: {mode: ISTIO_MUTUAL}\n",
       true, false},
      {"only port 9090 DISABLE",
       "    portLevelSettings:\n    - port: {number: 9090}\n"
       "      tls: {mode: DISABLE}\n",
       false, true},
      // A tls block without a mode is DISABLE, the enum's zero value
      // (mtls_checker.go), written with a field or empty.
      {"tls without mode", "    tls: {sni: cart.example.com}\n", true, true},
      {"tls: {}", "    tls: {}\n", true, true},
  };
  for (const bool sidecar_dest : {true, false})
    for (const TlsCase& c : cases) {
      testing::World w;
      w.Cluster("east", "net-east", 2);
      w.Add("east", testing::Ns("sc", {{"istio-injection", "enabled"}}));
      w.Add("east", testing::Deploy("sc", "curl"));
      w.Add("east", sidecar_dest
                        ? testing::Ns("shop", {{"istio-injection", "enabled"}})
                        : testing::Ns("shop", {{Ambient(), "ambient"}}));
      w.Add("east", testing::Deploy("shop", "cart"));
      w.Add("east",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
            "  namespace: shop\nspec:\n  selector:\n    app: cart\n  ports:\n"
            "  - {name: http, port: 80, targetPort: 8080}\n"
            "  - {name: grpc, port: 9090, targetPort: 9090}\n");
      w.Add("east",
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            "metadata:\n  name: strict\n  namespace: shop\nspec:\n"
            "  mtls: {mode: STRICT}\n");
      if (!c.traffic_policy.empty())
        w.Add("east",
              "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
              "metadata:\n  name: cart\n  namespace: sc\nspec:\n"
              "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n" +
                  c.traffic_policy);
      for (int port : {80, 9090})
        w.Traffic("t" + std::to_string(port),
                  "{cluster: east, namespace: sc, workload: curl}",
                  "{host: cart.shop, port: " + std::to_string(port) + "}",
                  "{method: GET, path: /}");
      Scenario sc = w.Load();
      ASSERT_FALSE(sc.mesh.clusters.empty()) << c.name;
      OutcomeOracle oracle(sc);
      const SourceClass* sidecar = nullptr;
      const std::vector<SourceClass> classes = SourceClasses(sc);
      for (const SourceClass& k : classes)
        if (k.kind == ClientKind::kSidecar &&
            k.workload.rfind("sc/curl", 0) == 0)
          sidecar = &k;
      ASSERT_NE(sidecar, nullptr) << c.name;
      for (int port : {80, 9090}) {
        const bool refused =
            sidecar_dest && (port == 80 ? c.refused_80 : c.refused_9090);
        const Outcome want = refused ? Outcome::kDenied : Outcome::kDelivered;
        std::set<Outcome> simulated;
        for (const Path& p : testing::PathsOf(sc, "t" + std::to_string(port)))
          simulated.insert(p.outcome);
        EXPECT_EQ(simulated, std::set<Outcome>{want})
            << "simulator: " << c.name << ", port " << port
            << (sidecar_dest ? ", sidecar destination"
                             : ", ambient destination");
        const EncodedOutcomes got =
            oracle.Outcomes(*sidecar, "shop/cart", "", port, "GET", "/");
        ASSERT_FALSE(got.unknown) << c.name;
        std::set<Outcome> encoded;
        for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
        EXPECT_EQ(encoded, std::set<Outcome>{want})
            << "encoding: " << c.name << ", port " << port
            << (sidecar_dest ? ", sidecar destination"
                             : ", ambient destination");
      }
    }
}

// Traffic entries t80 and t9090 from sc/curl's sidecar to `service`
// (ns/name), and the outcome `want(port)` both engines must give for each.
template <typename Want>
void ExpectBothEngines(const Scenario& sc, const std::string& service,
                       const std::string& name, Want want) {
  ASSERT_FALSE(sc.mesh.clusters.empty()) << name;
  OutcomeOracle oracle(sc);
  const std::vector<SourceClass> classes = SourceClasses(sc);
  const SourceClass* sidecar = nullptr;
  for (const SourceClass& k : classes)
    if (k.kind == ClientKind::kSidecar && k.workload.rfind("sc/curl", 0) == 0)
      sidecar = &k;
  ASSERT_NE(sidecar, nullptr) << name;
  for (int port : {80, 9090}) {
    std::set<Outcome> simulated;
    for (const Path& p : testing::PathsOf(sc, "t" + std::to_string(port)))
      simulated.insert(p.outcome);
    EXPECT_EQ(simulated, std::set<Outcome>{want(port)})
        << "simulator: " << name << ", port " << port;
    const EncodedOutcomes got =
        oracle.Outcomes(*sidecar, service, "", port, "GET", "/");
    ASSERT_FALSE(got.unknown) << name;
    std::set<Outcome> encoded;
    for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
    EXPECT_EQ(encoded, std::set<Outcome>{want(port)})
        << "encoding: " << name << ", port " << port;
  }
}

// §16.1: an explicit ISTIO_MUTUAL is HBONE where the endpoint speaks it and
// Istio mTLS to any other endpoint, so a pod with no proxy at all fails the
// handshake; auto-detected mTLS (no rule) and DISABLE reach it in plaintext.
TEST(DestinationRuleTlsCrossCheck, MutualTlsToAPodWithoutProxyFails) {
  const struct {
    const char* name;
    std::string traffic_policy;
    Outcome want_80, want_9090;
  } cases[] = {
      {"no rule", "", Outcome::kDelivered, Outcome::kDelivered},
      {"ISTIO_MUTUAL", "    tls: {mode: ISTIO_MUTUAL}\n", Outcome::kFailed,
       Outcome::kFailed},
      {"DISABLE", "    tls: {mode: DISABLE}\n", Outcome::kDelivered,
       Outcome::kDelivered},
      {"only port 9090 ISTIO_MUTUAL",
       "    portLevelSettings:\n    - port: {number: 9090}\n"
       "      tls: {mode: ISTIO_MUTUAL}\n",
       Outcome::kDelivered, Outcome::kFailed},
      // §16.1: a port's entry replaces the whole policy: its tls is the
      // default (auto mTLS: plaintext here), not the top level's.
      {"ISTIO_MUTUAL, but port 9090 sets only a load balancer",
       "    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n"
       "    - port: {number: 9090}\n      loadBalancer: {simple: RANDOM}\n",
       Outcome::kFailed, Outcome::kDelivered},
  };
  for (const auto& c : cases) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("sc", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("sc", "curl"));
    w.Add("east", testing::Ns("legacy"));  // no sidecar, not ambient
    w.Add("east", testing::Deploy("legacy", "cart"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
          "  namespace: legacy\nspec:\n  selector:\n    app: cart\n  ports:\n"
          "  - {name: http, port: 80, targetPort: 8080}\n"
          "  - {name: grpc, port: 9090, targetPort: 9090}\n");
    if (!c.traffic_policy.empty())
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
            "metadata:\n  name: cart\n  namespace: sc\nspec:\n"
            "  host: cart.legacy.svc.cluster.local\n  trafficPolicy:\n" +
                c.traffic_policy);
    for (int port : {80, 9090})
      w.Traffic("t" + std::to_string(port),
                "{cluster: east, namespace: sc, workload: curl}",
                "{host: cart.legacy, port: " + std::to_string(port) + "}",
                "{method: GET, path: /}");
    ExpectBothEngines(w.Load(), "legacy/cart", c.name, [&](int port) {
      return port == 80 ? c.want_80 : c.want_9090;
    });
  }
}

// §16.1 (mtls_checker.go): with no TLS mode from a DestinationRule, a
// sidecar's auto mTLS asks the destination pod's PeerAuthentication; where
// it is DISABLE for the pod port, the sidecar sends plaintext, so a policy
// that admits only the client's identity denies it. The port entry of the
// pod's own PeerAuthentication decides its port. Both engines state it.
TEST(DestinationRuleTlsCrossCheck, PeerAuthenticationDisableTurnsAutoMtlsOff) {
  const struct {
    const char* name;
    std::string peer_auth;  // the cart pods' own PeerAuthentication spec
    Outcome want_80, want_9090;
  } cases[] = {
      {"PERMISSIVE", "  mtls: {mode: PERMISSIVE}\n", Outcome::kDelivered,
       Outcome::kDelivered},
      {"DISABLE", "  mtls: {mode: DISABLE}\n", Outcome::kDenied,
       Outcome::kDenied},
      {"DISABLE on 9090 only",
       "  mtls: {mode: PERMISSIVE}\n  portLevelMtls:\n    9090: {mode: "
       "DISABLE}\n",
       Outcome::kDelivered, Outcome::kDenied},
  };
  for (const auto& c : cases) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    for (const char* ns : {"sc", "shop"})
      w.Add("east", testing::Ns(ns, {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("sc", "curl"));
    w.Add("east", testing::Deploy("shop", "cart"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
          "  namespace: shop\nspec:\n  selector:\n    app: cart\n  ports:\n"
          "  - {name: http, port: 80, targetPort: 8080}\n"
          "  - {name: grpc, port: 9090, targetPort: 9090}\n");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
          "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
          "  selector: {matchLabels: {app: cart}}\n" +
              c.peer_auth);
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
          "metadata:\n  name: only-curl\n  namespace: shop\nspec:\n"
          "  rules:\n  - from:\n    - source: {principals: "
          "[cluster.local/ns/sc/sa/default]}\n");
    for (int port : {80, 9090})
      w.Traffic("t" + std::to_string(port),
                "{cluster: east, namespace: sc, workload: curl}",
                "{host: cart.shop, port: " + std::to_string(port) + "}",
                "{method: GET, path: /}");
    ExpectBothEngines(w.Load(), "shop/cart", c.name, [&](int port) {
      return port == 80 ? c.want_80 : c.want_9090;
    });
  }
}

// §16.1 (BestEffortInferServiceMTLSMode, mtls_checker.go; audit of
// 2026-12-06): with no tls.mode of its own for the port, a sidecar's auto
// mTLS follows the service namespace's PeerAuthentication mode, else the
// mesh's: DISABLE there gives the cluster no TLS, so a sidecar pod gets
// plaintext its own STRICT policy refuses (cluster_tls_test.go "Auto fill
// nil settings when mTLS nil for internal service in plaintext mode"). And
// EDS reads the rule's own tls.mode unless the port's entry sets one, so a
// top-level DISABLE stays in force for a port entry without tls.
TEST(DestinationRuleTlsCrossCheck, NamespaceDisableAndEdsModeTurnAutoMtlsOff) {
  const std::string pa =
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
      "metadata:\n  name: %N\n  namespace: %S\nspec:\n%L  mtls: {mode: %M}\n";
  auto policy = [&](const std::string& name, const std::string& ns,
                    const std::string& selector, const std::string& mode) {
    std::string t = pa;
    auto put = [&](const std::string& tag, const std::string& v) {
      t.replace(t.find(tag), tag.size(), v);
    };
    put("%N", name);
    put("%S", ns);
    put("%L", selector.empty()
                  ? ""
                  : "  selector: {matchLabels: {app: " + selector + "}}\n");
    put("%M", mode);
    return t;
  };
  struct Case {
    const char* name;
    std::vector<std::string> extra;
    bool refused_80, refused_9090;
  };
  const std::string dr =
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
      "metadata:\n  name: cart\n  namespace: sc\nspec:\n"
      "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n";
  const std::vector<Case> cases = {
      {"namespace DISABLE, workload STRICT",
       {policy("ns", "shop", "", "DISABLE"),
        policy("wl", "shop", "cart", "STRICT")},
       true,
       true},
      {"mesh DISABLE, workload STRICT",
       {policy("mesh", "istio-system", "", "DISABLE"),
        policy("wl", "shop", "cart", "STRICT")},
       true,
       true},
      {"namespace PERMISSIVE over mesh DISABLE, workload STRICT",
       {policy("mesh", "istio-system", "", "DISABLE"),
        policy("ns", "shop", "", "PERMISSIVE"),
        policy("wl", "shop", "cart", "STRICT")},
       false,
       false},
      {"rule DISABLE, port 80 entry without tls",
       {policy("ns", "shop", "", "STRICT"),
        dr + "    tls: {mode: DISABLE}\n    portLevelSettings:\n"
             "    - port: {number: 80}\n"
             "      connectionPool: {tcp: {maxConnections: 10}}\n"},
       true,
       true},
      {"rule SIMPLE, port 80 entry without tls, 9090 ISTIO_MUTUAL",
       {policy("ns", "shop", "", "STRICT"),
        dr + "    tls: {mode: SIMPLE}\n    portLevelSettings:\n"
             "    - port: {number: 80}\n"
             "      connectionPool: {tcp: {maxConnections: 10}}\n"
             "    - port: {number: 9090}\n      tls: {mode: ISTIO_MUTUAL}\n"},
       true,
       false},
      {"rule DISABLE, port 80 entry ISTIO_MUTUAL",
       {policy("ns", "shop", "", "STRICT"),
        dr + "    tls: {mode: DISABLE}\n    portLevelSettings:\n"
             "    - port: {number: 80}\n      tls: {mode: ISTIO_MUTUAL}\n"},
       false,
       true},
  };
  for (const Case& c : cases) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("sc", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("sc", "curl"));
    w.Add("east", testing::Ns("shop", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("shop", "cart"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
          "  namespace: shop\nspec:\n  selector:\n    app: cart\n  ports:\n"
          "  - {name: http, port: 80, targetPort: 8080}\n"
          "  - {name: grpc, port: 9090, targetPort: 9090}\n");
    for (const std::string& x : c.extra) w.Add("east", x);
    for (int port : {80, 9090})
      w.Traffic("t" + std::to_string(port),
                "{cluster: east, namespace: sc, workload: curl}",
                "{host: cart.shop, port: " + std::to_string(port) + "}",
                "{method: GET, path: /}");
    ExpectBothEngines(w.Load(), "shop/cart", c.name, [&](int port) {
      return (port == 80 ? c.refused_80 : c.refused_9090) ? Outcome::kDenied
                                                          : Outcome::kDelivered;
    });
  }
}

// §16.1 (cluster_tls.go, filterchain_options.go): a sidecar client's
// explicit TLS to a sidecar pod, which it reaches without HBONE. Istio mTLS
// (ISTIO_MUTUAL) reaches a DISABLE port's plaintext application as it is
// and fails. TLS of the client's own (SIMPLE, MUTUAL: no Istio certificate)
// fails under STRICT (a client certificate of the mesh is asked) and on a
// port declared HTTP; on a TCP port PERMISSIVE and DISABLE pass it to the
// application.
TEST(DestinationRuleTlsCrossCheck, ExplicitTlsMeetsTheSidecarPodsChains) {
  const struct {
    const char* tls;
    const char* pa;
    int port;
    Outcome want;
  } cases[] = {
      {"ISTIO_MUTUAL", "STRICT", 80, Outcome::kDelivered},
      {"ISTIO_MUTUAL", "PERMISSIVE", 80, Outcome::kDelivered},
      {"ISTIO_MUTUAL", "DISABLE", 80, Outcome::kFailed},
      {"ISTIO_MUTUAL", "DISABLE", 9000, Outcome::kFailed},
      {"SIMPLE", "STRICT", 80, Outcome::kFailed},
      {"SIMPLE", "STRICT", 9000, Outcome::kFailed},
      {"SIMPLE", "PERMISSIVE", 80, Outcome::kFailed},
      {"SIMPLE", "PERMISSIVE", 9000, Outcome::kDelivered},
      {"MUTUAL, credentialName: client-cert", "PERMISSIVE", 9000,
       Outcome::kDelivered},
      // DISABLE: plaintext chains, no TLS inspector: TLS reaches the app.
      {"SIMPLE", "DISABLE", 9000, Outcome::kDelivered},
      {"SIMPLE", "DISABLE", 80, Outcome::kFailed},
  };
  for (const auto& c : cases) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("client", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("shop", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("shop", "cart"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n"
          "  namespace: shop\nspec:\n  selector:\n    app: cart\n  ports:\n"
          "  - {name: http, port: 80, targetPort: 8080}\n"
          "  - {name: tcp-raw, port: 9000, targetPort: 9000}\n");
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
          "metadata:\n  name: mode\n  namespace: shop\nspec:\n"
          "  mtls: {mode: " +
              std::string(c.pa) + "}\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata:\n  name: cart\n  namespace: client\nspec:\n"
          "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n"
          "    tls: {mode: " +
              std::string(c.tls) + "}\n");
    const bool tcp = c.port == 9000;
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: " + std::to_string(c.port) + "}",
              tcp ? "" : "{method: GET, path: /}");
    testing::EngineDest to;
    to.port = c.port;
    to.tcp = tcp;
    testing::ExpectBothEngines(
        w.Load(), c.want,
        std::string(c.tls) + " to " + c.pa + " port " + std::to_string(c.port),
        to);
  }
}

// §16.1 (cluster_tls.go buildUpstreamTLSSettings): MeshConfig
// enableAutoMtls false leaves a sidecar client with no TLS where no
// DestinationRule sets a mode: plaintext to a sidecar pod, which STRICT
// refuses; an explicit ISTIO_MUTUAL still sends mTLS, and an ambient pod
// still gets HBONE.
TEST(DestinationRuleTlsCrossCheck, AutoMtlsOffInMeshConfigSendsPlaintext) {
  const struct {
    bool ambient_pod;
    const char* tls;  // "" : no DestinationRule
    Outcome want;
  } cases[] = {
      {false, "", Outcome::kDenied},
      {false, "ISTIO_MUTUAL", Outcome::kDelivered},
      {true, "", Outcome::kDelivered},
  };
  for (const auto& c : cases) {
    testing::World w("{meshConfig: {enableAutoMtls: false}}");
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("client", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", c.ambient_pod
                      ? testing::Ns("shop", {{Ambient(), "ambient"}})
                      : testing::Ns("shop", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("shop", "cart"));
    w.Add("east", testing::Svc("shop", "cart", 80));
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
          "metadata:\n  name: strict\n  namespace: shop\nspec:\n"
          "  mtls: {mode: STRICT}\n");
    if (*c.tls)
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
            "metadata:\n  name: cart\n  namespace: client\nspec:\n"
            "  host: cart.shop.svc.cluster.local\n  trafficPolicy:\n"
            "    tls: {mode: " +
                std::string(c.tls) + "}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    testing::ExpectBothEngines(
        w.Load(), c.want,
        std::string(c.ambient_pod ? "ambient pod" : "sidecar pod") + ", " +
            (*c.tls ? c.tls : "no rule"));
  }
}

}  // namespace
}  // namespace meshsim
