// §3.3, §3.4: what ztunnel's DNS proxy answers an ambient client
// (dns/server.rs find_server, get_addresses), and what kube-dns answers
// for an ExternalName Service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace dns_answer {
namespace {

using testing::Ambient;
using ::testing::ElementsAre;

bool Says(const Path& p, const std::string& text) {
  for (const std::string& why : p.why)
    if (why.find(text) != std::string::npos) return true;
  return p.reason.find(text) != std::string::npos;
}

// An ambient client `curl` in namespace client (DNS capture per
// `annotation`, "" for the default) and the ServiceEntries `entries`;
// namespace egress has waypoints wp-a (for services) and wp-b (for all).
testing::World EntryWorld(const std::vector<std::string>& entries,
                          const std::string& annotation = "") {
  testing::World w("{version: \"1.30\"}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  std::string curl = testing::Deploy("client", "curl");
  if (!annotation.empty())
    curl.replace(curl.find("      labels:"), 13,
                 "      annotations: {ambient.istio.io/dns-capture: \"" +
                     annotation + "\"}\n      labels:");
  w.Add("east", curl);
  w.Add("east", testing::Ns("egress", {{Ambient(), "ambient"}}));
  for (const char* wp : {"wp-a", "wp-b"})
    w.Add("east", testing::Waypoint("egress", wp, wp[3] == 'b' ? "all" : "",
                                    "    allowedRoutes:\n      namespaces:\n"
                                    "        from: All\n"));
  for (const std::string& e : entries) w.Add("east", e);
  return w;
}

// A ServiceEntry `name` in `ns` for `hosts`, bound to egress/`waypoint`
// (none when empty), with `extra` spec lines.
std::string Entry(const std::string& ns, const std::string& name,
                  const std::string& hosts, const std::string& waypoint,
                  const std::string& extra, const std::string& created) {
  return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
         "metadata:\n  name: " +
         name + "\n  namespace: " + ns + "\n  creationTimestamp: \"" + created +
         "\"\n" +
         (waypoint.empty()
              ? ""
              : "  labels:\n    istio.io/use-waypoint: " + waypoint +
                    "\n    istio.io/use-waypoint-namespace: egress\n") +
         "spec:\n  hosts: " + hosts +
         "\n  ports: [{number: 80, name: http, protocol: HTTP}]\n" + extra;
}

std::vector<Path> Dial(testing::World w, const std::string& host) {
  w.Traffic("t", testing::kFromCurl, "{host: " + host + ", port: 80}",
            "{method: GET, path: /}");
  return testing::PathsOf(w.Load(), "t");
}

// The client's own namespace's entry has no address (resolution NONE), so
// ztunnel's DNS proxy skips it and answers with the other namespace's
// allocated one: the request takes that entry's waypoint. kube-dns knows
// neither: the client dials the real address and passes through (K9).
TEST(DnsAnswerTest, AnEntryWithoutAddressIsSkippedForOneWithAnAddress) {
  const std::vector<std::string> entries = {
      Entry("client", "ext", "[ext.example.com]", "", "  resolution: NONE\n",
            "2024-01-01T00:00:00Z"),
      Entry("egress", "ext", "[ext.example.com]", "wp-a", "  resolution: DNS\n",
            "2024-02-01T00:00:00Z")};
  std::vector<Path> paths = Dial(EntryWorld(entries), "ext.example.com");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("egress/wp-a|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(Says(paths[0], "DNS proxy skips ServiceEntry client/ext"))
      << PathText(paths[0].hops);
  paths = Dial(EntryWorld(entries, "false"), "ext.example.com");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("|delivered"));
}

// Only address-less entries: ztunnel asks upstream, the client dials the
// real address as before.
TEST(DnsAnswerTest, WithNoEntryWithAnAddressTheClientDialsTheRealOne) {
  const std::vector<std::string> entries = {
      Entry("egress", "ext", "[ext.example.com]", "wp-a",
            "  resolution: NONE\n", "2024-01-01T00:00:00Z")};
  const std::vector<Path> paths = Dial(EntryWorld(entries), "ext.example.com");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(Says(paths[0], "has no address")) << PathText(paths[0].hops);
}

// The most specific wildcard wins, whatever the namespaces and ages
// (get_wildcards; ztunnel test "specific wild card returns A record
// correctly").
TEST(DnsAnswerTest, TheMostSpecificWildcardWins) {
  for (const std::string broad_ns : {"egress", "client"}) {
    const std::string dynamic = "  resolution: DYNAMIC_DNS\n";
    const std::vector<std::string> entries = {
        Entry(broad_ns, "broad", "['*.example.com']", "wp-a", dynamic,
              "2024-01-01T00:00:00Z"),
        Entry("egress", "narrow", "['*.api.example.com']", "wp-b", dynamic,
              "2024-02-01T00:00:00Z")};
    EXPECT_THAT(
        testing::Summary(Dial(EntryWorld(entries), "v1.api.example.com")),
        ElementsAre("egress/wp-b|delivered"))
        << broad_ns;
    EXPECT_THAT(testing::Summary(Dial(EntryWorld(entries), "www.example.com")),
                ElementsAre("egress/wp-a|delivered"))
        << broad_ns;
  }
}

// An entry without address under the cluster domain is answered like a
// headless Service: with its endpoints' addresses, so the request is
// workload-addressed (no service waypoint, the endpoint's workload
// waypoint); with no endpoint address the name resolves to nothing.
TEST(DnsAnswerTest, AnAddresslessEntryUnderTheClusterDomainGetsEndpointIps) {
  const std::string entry =
      Entry("egress", "db", "[db.vm.svc.cluster.local]", "wp-a",
            "  resolution: STATIC\n"
            "  endpoints: [{address: 192.0.2.20, labels: "
            "{istio.io/use-waypoint: wp-b}}]\n",
            "2024-01-01T00:00:00Z");
  std::string unallocated = entry;
  unallocated.replace(unallocated.find("  labels:\n"), 10,
                      "  labels:\n    networking.istio.io/"
                      "enable-autoallocate-ip: \"false\"\n");
  std::vector<Path> paths =
      Dial(EntryWorld({unallocated}), "db.vm.svc.cluster.local");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("egress/wp-b|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].hops.back().name, "egress/db@192.0.2.20")
      << PathText(paths[0].hops);
  EXPECT_TRUE(Says(paths[0], "answers with its endpoints' addresses"));
  // With an allocated address, the entry's own waypoint.
  paths = Dial(EntryWorld({entry}), "db.vm.svc.cluster.local");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("egress/wp-a|delivered"));
}

// ztunnel keeps a service's unhealthy endpoints only when istiod asks for
// all (resolution NONE): an address-less STATIC entry under the cluster
// domain selecting a ready and a not-ready pod is answered with the ready
// pod's address alone; a NONE entry with both (service.rs insert_endpoint).
TEST(DnsAnswerTest, AnAddresslessEntryAnswersItsHealthyEndpointsUnlessNone) {
  for (const std::string resolution : {"STATIC", "NONE"}) {
    std::string entry = Entry("egress", "db", "[db.vm.svc.cluster.local]", "",
                              "  resolution: " + resolution +
                                  "\n  workloadSelector: {labels: {app: vm}}\n",
                              "2024-01-01T00:00:00Z");
    entry.replace(entry.find("spec:\n"), 6,
                  "  labels:\n    networking.istio.io/"
                  "enable-autoallocate-ip: \"false\"\nspec:\n");
    testing::World w = EntryWorld({entry});
    for (const char* ready : {"True", "False"})
      w.Add("east", std::string("apiVersion: v1\nkind: Pod\nmetadata:\n"
                                "  name: vm-") +
                        (ready[0] == 'T' ? "up" : "down") +
                        "\n  namespace: egress\n  labels: {app: vm}\nspec:\n"
                        "  containers: [{name: c, image: c}]\nstatus: {phase: "
                        "Running, podIP: 10.8.0." +
                        (ready[0] == 'T' ? "1" : "2") +
                        ", conditions: [{type: Ready, status: \"" + ready +
                        "\"}]}\n");
    std::set<std::string> ends;
    for (const Path& p : Dial(w, "db.vm.svc.cluster.local"))
      ends.insert(p.hops.back().name);
    EXPECT_EQ(ends,
              resolution == "NONE"
                  ? (std::set<std::string>{"egress/vm-down", "egress/vm-up"})
                  : (std::set<std::string>{"egress/vm-up"}))
        << resolution;
  }
}

// An ExternalName Service is resolved by kube-dns, which follows the CNAME
// itself: it knows no address istiod allocated (the client passes
// through, K9), and a name of its zone only as a Service of its cluster.
TEST(DnsAnswerTest, AnExternalNameIsFollowedByKubeDns) {
  const std::vector<std::string> entries = {
      Entry("egress", "api", "[api.example.com]", "wp-a", "  resolution: DNS\n",
            "2024-01-01T00:00:00Z"),
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: ext\n"
      "  namespace: client\nspec:\n  type: ExternalName\n"
      "  externalName: api.example.com\n",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: gone\n"
      "  namespace: client\nspec:\n  type: ExternalName\n"
      "  externalName: echo.other.svc.cluster.local\n"};
  std::vector<Path> paths =
      Dial(EntryWorld(entries), "ext.client.svc.cluster.local");
  EXPECT_THAT(testing::Summary(paths), ElementsAre("|delivered"));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].hops.back().kind, HopKind::kExternal);
  EXPECT_TRUE(Says(paths[0], "does not know the address istiod gave"));
  // The entry itself, asked by name, is answered by ztunnel.
  EXPECT_THAT(testing::Summary(Dial(EntryWorld(entries), "api.example.com")),
              ElementsAre("egress/wp-a|delivered"));
  paths = Dial(EntryWorld(entries), "gone.client.svc.cluster.local");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].outcome, Outcome::kFailed);
  EXPECT_TRUE(Says(paths[0], "the name does not resolve")) << paths[0].reason;
}

}  // namespace
}  // namespace dns_answer
}  // namespace meshsim
