// §16.1 (push_context.go BestEffortInferServiceMTLSMode, istio/istio#54921):
// a sidecar client reaches a pod by its IP (a headless Service's DNS answer,
// or an address it dials) through an ORIGINAL_DST or passthrough cluster,
// which has no tunnel metadata: never HBONE. Istio mTLS only where a
// headless Service whose endpoints all have sidecars lists the pod;
// otherwise plaintext, which a STRICT destination (ztunnel or sidecar)
// refuses. Asked of both engines: the simulator's paths and the encoding's
// outcomes for the pod-IP slice.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim {
namespace {

using testing::Ambient;

const char kStrictDb[] =
    "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n"
    "  name: strict\n  namespace: db\nspec:\n  mtls: {mode: STRICT}\n";

// Sidecar client/curl to pod db/db-0 by the headless Service db's name
// (port 5432, TCP); namespace db labelled `db_labels`, STRICT when `strict`.
Scenario DbWorld(const testing::KV& db_labels, bool strict) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{"istio-injection", "enabled"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("db", db_labels));
  w.Add("east", testing::Deploy("db", "db"));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n"
        "  namespace: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n"
        "  ports:\n  - {name: tcp, port: 5432}\n");
  if (strict) w.Add("east", kStrictDb);
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
            "{host: db.db.svc.cluster.local, port: 5432}", "");
  return w.Load();
}

// Both engines' outcomes for client/curl's TCP connection to pod db/db-0.
void ExpectToPod(const Scenario& sc, Outcome want, const std::string& name) {
  std::set<Outcome> simulated;
  for (const Path& p : testing::PathsOf(sc, "t")) simulated.insert(p.outcome);
  EXPECT_EQ(simulated, std::set<Outcome>{want}) << "simulator: " << name;
  OutcomeOracle oracle(sc);
  bool asked = false;
  for (const SourceClass& src : SourceClasses(sc)) {
    if (src.workload.rfind("client/curl", 0) != 0) continue;
    const EncodedOutcomes got =
        oracle.Outcomes(src, "", "db/db-0", 5432, "", "");
    ASSERT_FALSE(got.unknown) << name;
    std::set<Outcome> encoded;
    for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
    EXPECT_EQ(encoded, std::set<Outcome>{want}) << "encoding: " << name;
    asked = true;
  }
  EXPECT_TRUE(asked) << name;
}

TEST(SidecarPodIpCrossCheck, AHeadlessServiceOfAmbientPodsGetsPlaintext) {
  ExpectToPod(DbWorld({{Ambient(), "ambient"}}, true), Outcome::kDenied,
              "ambient pods, STRICT");
  ExpectToPod(DbWorld({{Ambient(), "ambient"}}, false), Outcome::kDelivered,
              "ambient pods, PERMISSIVE");
}

TEST(SidecarPodIpCrossCheck, AHeadlessServiceOfSidecarPodsGetsIstioMtls) {
  ExpectToPod(DbWorld({{"istio-injection", "enabled"}}, true),
              Outcome::kDelivered, "sidecar pods, STRICT");
}

}  // namespace
}  // namespace meshsim
