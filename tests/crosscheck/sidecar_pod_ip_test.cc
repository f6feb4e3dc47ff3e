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

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

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
  testing::ExpectBothEngines(sc, want, name, {"", "db/db-0", 5432, true});
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

// Then the Service namespace's PeerAuthentication mode, else the mesh's:
// DISABLE gives the cluster no TLS, and the pods' own STRICT policy
// refuses the plaintext ("Auto fill nil settings when mTLS nil for internal
// service in plaintext mode", cluster_tls_test.go).
TEST(SidecarPodIpCrossCheck, ANamespaceDisableTurnsTheHeadlessMtlsOff) {
  const char* kPodsStrict =
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
      "metadata:\n  name: pods\n  namespace: db\nspec:\n"
      "  selector: {matchLabels: {app: db}}\n  mtls: {mode: STRICT}\n";
  for (const char* where : {"db", "istio-system"}) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", testing::Ns("client", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("db", {{"istio-injection", "enabled"}}));
    w.Add("east", testing::Deploy("db", "db"));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n"
          "  namespace: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n"
          "  ports:\n  - {name: tcp, port: 5432}\n");
    w.Add("east", kPodsStrict);
    w.Add("east",
          "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
          "metadata:\n  name: no-mtls\n  namespace: " +
              std::string(where) + "\nspec:\n  mtls: {mode: DISABLE}\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: db.db.svc.cluster.local, port: 5432}", "");
    ExpectToPod(w.Load(), Outcome::kDenied, where);
  }
}

}  // namespace
}  // namespace meshsim
