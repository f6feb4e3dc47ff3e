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
// `spec` (YAML lines, indented 2) added; with `more`, another object, the
// entry is labelled to use waypoint shop/waypoint.
// `istio`: the scenario's istio key; `client`: the client namespace's
// labels (ambient by default).
std::vector<Path> DialEntry(const std::string& spec, const std::string& host,
                            int port = 80, const std::string& more = "",
                            const std::string& istio = "",
                            const testing::KV& client = {
                                {Ambient(), "ambient"}}) {
  testing::World w(istio);
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", client));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: ext\n  namespace: shop\n" +
            std::string(more.empty()
                            ? ""
                            : "  labels: {istio.io/use-waypoint: waypoint}\n") +
            "spec:\n"
            "  hosts: [a.example.com, b.example.com]\n"
            "  ports: [{number: 80, name: http, protocol: HTTP}]\n" +
            spec);
  if (!more.empty()) w.Add("east", more);
  w.Traffic("t", testing::kFromCurl,
            "{host: " + host + ", port: " + std::to_string(port) + "}",
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

// §3.4 (conversion.go PassthroughTargetPorts, cluster_builder.go
// upstream_port_override): a passthrough (NONE) entry's targetPort is where
// an Envoy's ORIGINAL_DST cluster sends, a waypoint's or a sidecar's;
// ztunnel keeps the port dialled.
TEST(ServiceEntryEndpointsTest, APassthroughTargetPortIsAnEnvoys) {
  auto ends = [](bool sidecar, bool waypoint) {
    testing::World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", sidecar
                      ? testing::Ns("client", {{"istio-injection", "enabled"}})
                      : testing::Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", testing::Deploy("client", "curl"));
    w.Add("east", testing::Ns("egress"));
    if (waypoint) w.Add("east", testing::Waypoint("egress", "waypoint"));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata:\n  name: ext\n  namespace: egress\n" +
              std::string(waypoint
                              ? "  labels: {istio.io/use-waypoint: waypoint}\n"
                              : "") +
              "spec:\n  hosts: [api.example.com]\n"
              "  addresses: [203.0.113.0/24]\n  ports: [{number: 80, name: "
              "http, protocol: HTTP, targetPort: 8080}]\n"
              "  resolution: NONE\n");
    w.Traffic("t", testing::kFromCurl, "{ip: 203.0.113.5, port: 80}",
              "{method: GET, path: /}");
    return Ends(testing::PathsOf(w.Load(), "t"));
  };
  EXPECT_EQ(ends(false, false), std::set<std::string>{"203.0.113.5:80"});
  EXPECT_EQ(ends(true, false), std::set<std::string>{"203.0.113.5:8080"});
  EXPECT_EQ(ends(false, true), std::set<std::string>{"203.0.113.5:8080"});
  EXPECT_EQ(ends(true, true), std::set<std::string>{"203.0.113.5:8080"});
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

// §3.4 (ztunnel get_best_by_vip, get_best_by_cidr_vip): an address held by
// several entries' blocks goes to the client's namespace's, then the
// longest prefix; a /32 block is an exact address, tried first.
std::string EntryFor(const std::vector<std::pair<std::string, std::string>>&
                         entries,  // (namespace/name, address)
                     const std::string& ip, bool sidecar = false) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", sidecar
                    ? testing::Ns("client", {{"istio-injection", "enabled"}})
                    : testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  for (const auto& [key, address] : entries) {
    const std::string ns = key.substr(0, key.find('/'));
    w.Add("east", testing::Ns(ns));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata:\n  name: " +
              key.substr(key.find('/') + 1) + "\n  namespace: " + ns +
              "\nspec:\n  hosts: [" + key.substr(key.find('/') + 1) + "." + ns +
              ".example]\n  addresses: [" + address +
              "]\n  ports: [{number: 80, name: tcp, protocol: TCP}]\n"
              "  resolution: NONE\n");
  }
  w.Traffic("t", testing::kFromCurl, "{ip: " + ip + ", port: 80}");
  std::set<std::string> chosen;
  for (const Path& p : testing::PathsOf(w.Load(), "t"))
    for (const std::string& why : p.why)
      for (const auto& [key, address] : entries)
        if (why.find("ServiceEntry " + key + " ") != std::string::npos)
          chosen.insert(key);
  return chosen.size() == 1 ? *chosen.begin() : "?";
}

TEST(ServiceEntryEndpointsTest, OverlappingBlocksPreferNamespaceThenPrefix) {
  // The longest prefix, whatever the order.
  EXPECT_EQ(EntryFor({{"a-egress/wide", "10.0.0.0/8"},
                      {"z-db/narrow", "10.1.2.0/24"}},
                     "10.1.2.5"),
            "z-db/narrow");
  // The client's namespace over a longer prefix.
  EXPECT_EQ(
      EntryFor({{"client/wide", "10.0.0.0/8"}, {"z-db/narrow", "10.1.2.0/24"}},
               "10.1.2.5"),
      "client/wide");
  // A sidecar's listener takes the longest prefix whatever the namespace.
  EXPECT_EQ(
      EntryFor({{"client/wide", "10.0.0.0/8"}, {"z-db/narrow", "10.1.2.0/24"}},
               "10.1.2.5", true),
      "z-db/narrow");
  // A /32 is an exact address, over any block.
  EXPECT_EQ(
      EntryFor({{"client/narrow", "10.1.2.0/24"}, {"z-db/one", "10.1.2.5/32"}},
               "10.1.2.5"),
      "z-db/one");
}

// §3.4 (ztunnel load_balance; TestDirect "VIP destination, unknown
// port"): an entry's address answers only on its declared ports: ztunnel
// has no upstream for another (NoHealthyUpstream), and a waypoint bound to
// the entry has no listener for it; only resolution NONE without a
// waypoint passes the connection through.
TEST(ServiceEntryEndpointsTest, AnUndeclaredPortFails) {
  const std::string dns = "  resolution: DNS\n";
  EXPECT_EQ(Ends(DialEntry(dns, "a.example.com", 443)),
            std::set<std::string>{"failed"});
  EXPECT_EQ(Ends(DialEntry(dns, "a.example.com", 80)),
            std::set<std::string>{"a.example.com:80"});
  // Resolution NONE passes through, unless a waypoint serves the entry.
  const std::string none = "  resolution: NONE\n  addresses: [203.0.113.7]\n";
  EXPECT_EQ(Ends(DialEntry(none, "a.example.com", 443)),
            std::set<std::string>{"203.0.113.7:443"});
  const std::vector<Path> bound =
      DialEntry("  resolution: NONE\n  addresses: [203.0.113.7]\n",
                "a.example.com", 443, testing::Waypoint("shop", "waypoint"));
  // 1.22's ztunnel passed a port it had no upstream for through; a NONE
  // entry had no passthrough load balancer before 1.28.
  EXPECT_EQ(
      Ends(DialEntry(dns, "a.example.com", 443, "", "{version: \"1.22\"}")),
      std::set<std::string>{"a.example.com:443"});
  EXPECT_EQ(
      Ends(DialEntry(none, "a.example.com", 443, "", "{version: \"1.27\"}")),
      std::set<std::string>{"failed"});
  // A sidecar has no listener for it and passes the connection through.
  EXPECT_EQ(Ends(DialEntry(dns, "a.example.com", 443, "", "",
                           {{"istio-injection", "enabled"}})),
            std::set<std::string>{"a.example.com:443"});
  ASSERT_EQ(bound.size(), 1u);
  EXPECT_EQ(bound[0].outcome, Outcome::kFailed);
  EXPECT_NE(bound[0].reason.find("waypoint shop/waypoint has no listener"),
            std::string::npos)
      << bound[0].reason;
}

// §3.4: a NONE entry with an address and no endpoints, on its declared
// port: ztunnel 1.23-1.27 finds no upstream for a service address
// (outbound.rs build_request: NoHealthyUpstream); 1.22 passed it through,
// and 1.28 gave NONE entries a passthrough load balancer.
TEST(ServiceEntryEndpointsTest, ANoneEntryPassesThroughFrom128) {
  const std::string none = "  resolution: NONE\n  addresses: [203.0.113.7]\n";
  for (const auto& [version, want] :
       {std::pair<std::string, std::string>{"1.22", "203.0.113.7:80"},
        {"1.23", "failed"},
        {"1.27", "failed"},
        {"1.28", "203.0.113.7:80"}}) {
    const std::vector<Path> paths = DialEntry(none, "a.example.com", 80, "",
                                              "{version: \"" + version + "\"}");
    EXPECT_EQ(Ends(paths), std::set<std::string>{want}) << version;
    for (const Path& p : paths) {
      if (p.outcome == Outcome::kFailed) {
        EXPECT_NE(p.reason.find("NoHealthyUpstream"), std::string::npos)
            << p.reason;
      }
    }
  }
}

// §6 (sidecar.go appendSidecarServices): a sidecar's view keeps one
// service per host, a Kubernetes Service over any ServiceEntry and else
// the oldest, whatever the client's namespace; ztunnel (an ambient
// client) prefers the client's own namespace's (§3.4).
TEST(ServiceEntryEndpointsTest,
     ASidecarPrefersTheKubernetesServiceThenTheOldest) {
  auto entry = [](const std::string& ns, const std::string& name,
                  const std::string& host, const std::string& vip,
                  const std::string& ep, const std::string& created) {
    return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
           "metadata: {name: " +
           name + ", namespace: " + ns + ", creationTimestamp: \"" + created +
           "\"}\nspec:\n  hosts: [" + host + "]\n  addresses: [" + vip +
           "]\n  ports: [{name: tcp, number: 80, protocol: TCP}]\n"
           "  location: MESH_INTERNAL\n  resolution: STATIC\n"
           "  endpoints: [{address: " +
           ep + "}]\n";
  };
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east", testing::Ns("amb", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("amb", "curl"));
  w.Add("east", testing::Ns("sc", {{"istio-injection", "enabled"}}));
  w.Add("east", testing::Deploy("sc", "curl"));
  const std::string cart = "cart.shop.svc.cluster.local";
  w.Add("east", entry("sc", "squat", cart, "240.2.2.2", "192.0.2.50",
                      "2020-01-01T00:00:00Z"));
  w.Add("east", entry("amb", "squat", cart, "240.2.2.3", "192.0.2.51",
                      "2020-01-01T00:00:00Z"));
  w.Add("east", entry("other", "old", "db.example.com", "240.3.3.3",
                      "192.0.2.60", "2024-01-01T00:00:00Z"));
  w.Add("east", entry("sc", "new", "db.example.com", "240.3.3.4", "192.0.2.61",
                      "2025-01-01T00:00:00Z"));
  w.Traffic("sc-cart", "{cluster: east, namespace: sc, workload: curl}",
            "{host: " + cart + ", port: 80}");
  w.Traffic("amb-cart", "{cluster: east, namespace: amb, workload: curl}",
            "{host: " + cart + ", port: 80}");
  w.Traffic("sc-db", "{cluster: east, namespace: sc, workload: curl}",
            "{host: db.example.com, port: 80}");
  const Scenario sc = w.Load();
  auto ends = [&](const std::string& traffic) {
    std::set<std::string> out;
    for (const Path& p : testing::PathsOf(sc, traffic))
      out.insert(p.hops.empty() ? "?" : p.hops.back().name);
    return out;
  };
  const std::set<std::string> sc_cart = ends("sc-cart");
  ASSERT_EQ(sc_cart.size(), 1u);
  EXPECT_EQ(sc_cart.begin()->rfind("shop/cart", 0), 0u) << *sc_cart.begin();
  EXPECT_EQ(ends("amb-cart"), std::set<std::string>{"amb/squat@192.0.2.51"});
  EXPECT_EQ(ends("sc-db"), std::set<std::string>{"other/old@192.0.2.60"});
}

}  // namespace
}  // namespace meshsim
