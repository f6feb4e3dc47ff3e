// §5, §7.2: Istio 1.27 to 1.30 rebuild a global Service's record, in a
// cluster whose merged view holds pods on another network, without its
// waypoint status (SplitHorizonServices), so the Service's own
// istio.io/ingress-use-waypoint is lost there and the ingress goes straight
// to the pods; 1.31 keeps it (istio/istio#61092, the conformance folder
// index-split-horizon-preserves-waypoint). ztunnel clients are unaffected.
// Asked of both engines on that folder, at each release.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

constexpr char kFolder[] =
    "scenarios/conformance/index-split-horizon-preserves-waypoint/"
    "scenario.yaml";

Scenario AtRelease(int minor, const std::string& file = kFolder) {
  ScenarioOverrides o;
  o.version = IstioVersion{1, minor};
  Diagnostics d;
  auto sc = LoadScenarioFile(file, d, "", &o);
  EXPECT_TRUE(sc && !d.HasErrors()) << minor;
  return sc ? *sc : Scenario{};
}

// The waypoint passes of traffic entry `name` (every path), and what the
// encoding gives the source class of kind `kind` for the same request.
std::pair<std::set<int>, std::set<int>> Passes(const Scenario& sc,
                                               const std::string& name,
                                               ClientKind kind) {
  std::set<int> simulated, encoded;
  for (const Path& p : testing::PathsOf(sc, name))
    simulated.insert(static_cast<int>(p.waypoints.size()));
  const TrafficEntry* t = nullptr;
  for (const TrafficEntry& e : sc.traffic)
    if (e.name == name) t = &e;
  if (!t) return {simulated, encoded};
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc)) {
    if (src.kind != kind || src.cluster != 0) continue;
    if (kind == ClientKind::kAmbient &&
        src.workload.rfind("client/curl", 0) != 0)
      continue;
    const EncodedOutcomes got =
        oracle.Outcomes(src, "ns1/svc1", "", t->to.port, "GET", "/", nullptr,
                        kind == ClientKind::kIngress ? t->to.host : "");
    EXPECT_FALSE(got.unknown);
    for (const auto& [passes, outcome] : got.outcomes) encoded.insert(passes);
  }
  return {simulated, encoded};
}

TEST(SplitHorizonIngressCrossCheck, TheServicesOwnOptInIsLostBefore131) {
  const std::set<int> once{1}, never{0};
  for (int minor : {27, 30, 31}) {
    const Scenario sc = AtRelease(minor);
    ASSERT_FALSE(sc.mesh.clusters.empty());
    const std::set<int> want = minor >= 31 ? once : never;
    EXPECT_EQ(Passes(sc, "ingress-to-svc1", ClientKind::kIngress),
              std::make_pair(want, want))
        << "ingress, 1." << minor;
    // The ztunnel client keeps its waypoint in every release.
    EXPECT_EQ(Passes(sc, "client-to-svc1", ClientKind::kAmbient).second, once)
        << "ambient client, 1." << minor;
  }
}

// Only what istiod's merged index holds counts: the remote cluster's copy,
// made local (not global), brings no pod into cluster0's view, so the
// Service's own opt-in stays in 1.30.
TEST(SplitHorizonIngressCrossCheck, ARemoteLocalCopyBringsNoPod) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / "meshsim-split-horizon-local";
  fs::remove_all(dir);
  fs::copy("scenarios/conformance/index-split-horizon-preserves-waypoint", dir,
           fs::copy_options::recursive);
  const fs::path remote = dir / "manifests/remote-cluster/10-ns1.yaml";
  std::ifstream in(remote);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  in.close();
  const std::string global = "istio.io/global: \"true\"";
  ASSERT_NE(text.find(global), std::string::npos);
  text.replace(text.find(global), global.size(), "istio.io/global: \"false\"");
  std::ofstream(remote) << text;
  const Scenario sc = AtRelease(30, (dir / "scenario.yaml").string());
  ASSERT_FALSE(sc.mesh.clusters.empty());
  const std::set<int> once{1};
  EXPECT_EQ(Passes(sc, "ingress-to-svc1", ClientKind::kIngress),
            std::make_pair(once, once));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meshsim
