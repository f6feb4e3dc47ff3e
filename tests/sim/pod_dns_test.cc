// §3.3: a pod's own DNS name under a headless Service (hostname.subdomain,
// as a StatefulSet names its pods) resolves, through kube-dns, to that one
// pod's IP: the request is workload-addressed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kFromCurl[] =
    "{cluster: east, namespace: default, workload: curl}";

std::string StatefulSet(const std::string& ns, const std::string& name,
                        int replicas, const std::string& service_name) {
  return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns + "\nspec:\n  serviceName: " + service_name +
         "\n  replicas: " + std::to_string(replicas) +
         "\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n    spec:\n      containers:\n      - name: app\n        image: "
         "x\n";
}

// A namespace in ambient whose waypoint serves `waypoint_for` traffic.
World Base(const std::string& waypoint_for) {
  World w;
  w.Add("east", Ns("default", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("default", "curl"));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"},
                            {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("east", Waypoint("shop", "waypoint", waypoint_for));
  return w;
}

TEST(PodDnsTest, StatefulSetPodNameReachesThatPodOnly) {
  World w = Base("all");
  w.Add("east", StatefulSet("shop", "db", 3, "db"));
  w.Add("east", Svc("shop", "db", 5432, {}, "  clusterIP: None\n"));
  w.Traffic("fqdn", kFromCurl,
            "{host: db-1.db.shop.svc.cluster.local, port: 5432}");
  w.Traffic("short", kFromCurl, "{host: db-2.db.shop, port: 5432}");
  w.Traffic("same-ns", "{cluster: east, namespace: shop, workload: db}",
            "{host: db-0.db, port: 5432}");
  w.Traffic("service", kFromCurl, "{host: db.shop, port: 5432}");
  Scenario s = w.Load();
  // The pod's own workload waypoint (waypoint-for all) applies, as to its IP.
  EXPECT_THAT(Summary(PathsOf(s, "fqdn")),
              ElementsAre("shop/waypoint|delivered"));
  EXPECT_THAT(Landings(s, "fqdn"), ElementsAre(Pair("shop/db-1", 1.0)));
  EXPECT_THAT(Landings(s, "short"), ElementsAre(Pair("shop/db-2", 1.0)));
  EXPECT_THAT(Landings(s, "same-ns"), ElementsAre(Pair("shop/db-0", 1.0)));
  // The Service's own name still returns every pod.
  EXPECT_EQ(Landings(s, "service").size(), 3u);
  const std::vector<Path> paths = PathsOf(s, "fqdn");
  ASSERT_FALSE(paths.empty());
  std::string why;
  for (const std::string& line : paths[0].why) why += line + "\n";
  EXPECT_THAT(why, HasSubstr("DNS name of pod shop/db-1"));
}

TEST(PodDnsTest, WorkloadAddressedSkipsAServiceOnlyWaypoint) {
  World w = Base("service");
  w.Add("east", StatefulSet("shop", "db", 2, "db"));
  w.Add("east", Svc("shop", "db", 5432, {}, "  clusterIP: None\n"));
  w.Traffic("t", kFromCurl, "{host: db-0.db.shop, port: 5432}");
  EXPECT_THAT(Summary(PathsOf(w.Load(), "t")), ElementsAre("|delivered"));
}

// A Pod written out (a kubectl dump) carries spec.hostname and
// spec.subdomain itself.
TEST(PodDnsTest, PodSpecHostnameAndSubdomain) {
  World w = Base("all");
  w.Add("east",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: cache-x\n  namespace: "
        "shop\n  labels:\n    app: cache\nspec:\n  hostname: primary\n  "
        "subdomain: cache\n  containers:\n  - name: app\n    image: x\n");
  w.Add("east", Svc("shop", "cache", 6379, {}, "  clusterIP: None\n"));
  w.Traffic("t", kFromCurl, "{host: primary.cache.shop, port: 6379}");
  EXPECT_THAT(Landings(w.Load(), "t"), ElementsAre(Pair("shop/cache-x", 1.0)));
}

// No record without a headless Service of the subdomain's name that lists
// the pod: the name is then no host at all (bad input, with the reason).
TEST(PodDnsTest, NoRecordWithoutHeadlessServiceListingThePod) {
  for (const std::string& svc :
       {Svc("shop", "db", 5432),  // a ClusterIP Service
        Svc("shop", "db", 5432, {}, "  clusterIP: None\n", "other")}) {
    World w = Base("all");
    w.Add("east", StatefulSet("shop", "db", 1, "db"));
    w.Add("east", svc);
    w.Traffic("t", kFromCurl, "{host: db-0.db.shop, port: 5432}");
    Diagnostics diags;
    std::optional<Scenario> sc =
        LoadScenarioText(w.Text(), "world.yaml", ".", diags);
    std::ostringstream msg;
    diags.Print(msg);
    EXPECT_TRUE(diags.HasErrors()) << svc;
    EXPECT_THAT(msg.str(), HasSubstr("to.host 'db-0.db.shop' matches no"));
  }
}

// §3.3, §3.6: kube-dns publishes a headless Service's ready endpoints only.
// A not-ready pod's own name, and the Service's name with no ready pod,
// have no record: requests that fail at DNS, not bad input. With
// publishNotReadyAddresses the pod is published.
TEST(PodDnsTest, NotReadyPodHasNoRecord) {
  for (const bool publish : {false, true}) {
    World w = Base("all");
    w.Add("east",
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: "
          "shop\n  labels: {app: db}\nspec:\n  hostname: db-0\n  subdomain: "
          "db\n  containers: [{name: c, image: c}]\nstatus:\n  phase: Running"
          "\n  conditions: [{type: Ready, status: \"False\"}]\n");
    w.Add("east",
          Svc("shop", "db", 5432, {},
              std::string("  clusterIP: None\n") +
                  (publish ? "  publishNotReadyAddresses: true\n" : "")));
    w.Traffic("pod", kFromCurl, "{host: db-0.db.shop, port: 5432}");
    w.Traffic("svc", kFromCurl, "{host: db.shop, port: 5432}");
    Scenario s = w.Load();
    if (publish) {
      EXPECT_THAT(Landings(s, "pod"), ElementsAre(Pair("shop/db-0", 1.0)));
      EXPECT_THAT(Landings(s, "svc"), ElementsAre(Pair("shop/db-0", 1.0)));
      continue;
    }
    const std::vector<Path> pod = PathsOf(s, "pod");
    ASSERT_EQ(pod.size(), 1u);
    EXPECT_EQ(pod[0].outcome, Outcome::kFailed);
    EXPECT_THAT(pod[0].reason,
                HasSubstr("pod shop/db-0, whose DNS name it is, is not a "
                          "ready endpoint"));
    const std::vector<Path> svc = PathsOf(s, "svc");
    ASSERT_EQ(svc.size(), 1u);
    EXPECT_EQ(svc[0].outcome, Outcome::kFailed);
    EXPECT_THAT(svc[0].reason,
                HasSubstr("headless Service shop/db has no ready endpoint"));
  }
}

}  // namespace
}  // namespace meshsim::testing
