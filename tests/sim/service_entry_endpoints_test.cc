// §3.4 (serviceEntryWorkloadBuilder, TestServiceEntryWorkloads "dns
// without endpoints"): a ServiceEntry with no endpoints has one endpoint
// per host, named by that host, only when it resolves by DNS and has no
// workloadSelector; a STATIC one has none, so nothing is reached; an empty
// workloadSelector selects no pod (FilterSelectsNonEmpty).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// Ambient client/curl; namespace shop with pod cart; ServiceEntry
// shop/ext for hosts a.example.com and b.example.com, port 80, with
// `spec` (YAML lines, indented 2) added.
std::vector<Path> DialEntry(const std::string& spec, const std::string& host) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: ext\n  namespace: shop\nspec:\n"
        "  hosts: [a.example.com, b.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n" +
            spec);
  w.Traffic("t", testing::kFromCurl, "{host: " + host + ", port: 80}",
            "{method: GET, path: /}");
  return testing::PathsOf(w.Load(), "t");
}

// Where the paths end: an external address, a pod, or "failed".
std::set<std::string> Ends(const std::vector<Path>& paths) {
  std::set<std::string> out;
  for (const Path& p : paths)
    out.insert(p.outcome == Outcome::kFailed ? "failed"
               : p.hops.empty()              ? "?"
                                             : p.hops.back().name);
  return out;
}

TEST(ServiceEntryEndpointsTest, DnsEntriesResolveTheHostAsked) {
  const std::string dns = "  resolution: DNS\n";
  EXPECT_EQ(Ends(DialEntry(dns, "a.example.com")),
            std::set<std::string>{"a.example.com:80"});
  EXPECT_EQ(Ends(DialEntry(dns, "b.example.com")),
            std::set<std::string>{"b.example.com:80"});
}

TEST(ServiceEntryEndpointsTest, AStaticEntryWithoutEndpointsReachesNothing) {
  const std::vector<Path> paths = DialEntry(
      "  resolution: STATIC\n  addresses: [192.0.2.40]\n", "a.example.com");
  EXPECT_EQ(Ends(paths), std::set<std::string>{"failed"});
  for (const Path& p : paths)
    EXPECT_NE(p.reason.find("is STATIC with no endpoints"), std::string::npos)
        << p.reason;
}

TEST(ServiceEntryEndpointsTest, AnEmptyWorkloadSelectorSelectsNothing) {
  // An empty selector selects no pod, and (being set) gives no DNS
  // endpoint either.
  for (const char* selector :
       {"  workloadSelector: {labels: {}}\n", "  workloadSelector: {}\n"}) {
    const std::set<std::string> ends = Ends(DialEntry(
        std::string("  resolution: DNS\n") + selector, "a.example.com"));
    EXPECT_EQ(ends, std::set<std::string>{"failed"}) << selector;
  }
  // A selector with labels selects the pods that have them.
  const std::set<std::string> ends =
      Ends(DialEntry("  resolution: STATIC\n  workloadSelector: {labels: "
                     "{app: cart}}\n",
                     "a.example.com"));
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends.begin()->rfind("shop/cart-", 0), 0u) << *ends.begin();
}

}  // namespace
}  // namespace meshsim
