// §3.4 (cluster_waypoint.go, listener_waypoint.go buildRouteVHostDomains,
// waypoint.go; workloads.go serviceEntryWorkloadBuilder): a DYNAMIC_DNS
// ServiceEntry (new in 1.28) for a wildcard host is served by its waypoint's
// dynamic forward proxy, which sends to the host the request names, on HTTP
// ports only (1.29+: TLS too behind a flag), only for Host headers of the
// entry's own hosts, and from 1.30 only for MESH_EXTERNAL entries. Without
// a waypoint ztunnel resolves the wildcard itself, and DNS has no answer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/io/loader.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct WildcardDial {
  bool waypoint = true;
  std::string location = "MESH_EXTERNAL";
  std::string version = "1.30";
  int port = 80;
  std::string host_header;  // "" : the host dialled
  std::string target_port;  // port 80's targetPort, if any
  std::string flags;        // the scenario's istio.flags map, as YAML
  std::string extra_port;   // ", {number: ...}" after 80 and 443
};

// Ambient client/curl dials api.example.com on `d.port`; ServiceEntry
// egress/wild for *.example.com (80 HTTP, 443 TLS, and `extra_port`),
// DYNAMIC_DNS, bound to waypoint egress/waypoint when `d.waypoint`.
testing::World WildcardWorld(const WildcardDial& d) {
  testing::World w("{version: \"" + d.version + "\"" +
                   (d.flags.empty() ? "" : ", flags: " + d.flags) + "}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  // Bound through its namespace's label: istiod refuses a MESH_INTERNAL
  // DYNAMIC_DNS entry with a use-waypoint label of its own.
  testing::KV ns = {{Ambient(), "ambient"}};
  if (d.waypoint) ns["istio.io/use-waypoint"] = "waypoint";
  w.Add("east", testing::Ns("egress", ns));
  w.Add("east", testing::Waypoint("egress", "waypoint"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: wild\n  namespace: egress\n"
        "spec:\n  hosts: ['*.example.com']\n"
        "  ports: [{number: 80, name: http, protocol: HTTP" +
            (d.target_port.empty() ? "" : ", targetPort: " + d.target_port) +
            "}, {number: "
            "443, name: tls, protocol: TLS}" +
            d.extra_port +
            "]\n"
            "  resolution: DYNAMIC_DNS\n  location: " +
            d.location + "\n");
  w.Traffic("t", testing::kFromCurl,
            "{host: api.example.com, port: " + std::to_string(d.port) + "}",
            d.port == 80
                ? "{method: GET, path: /" +
                      (d.host_header.empty()
                           ? std::string("}")
                           : ", headers: {host: " + d.host_header + "}}")
                : "");
  return w;
}

std::vector<Path> DialWildcard(const WildcardDial& d) {
  return testing::PathsOf(WildcardWorld(d).Load(), "t");
}

// What loading the world reports.
std::string LoadErrors(const WildcardDial& d) {
  Diagnostics diags;
  LoadScenarioText(WildcardWorld(d).Text(), "world.yaml", ".", diags);
  std::string all;
  for (const Diagnostic& x : diags.all())
    if (x.severity == Severity::kError) all += x.message + "\n";
  return all;
}

// The one path's end: the external host:port, or "failed: <reason>".
std::string EndOf(const std::vector<Path>& paths) {
  if (paths.size() != 1) return "paths: " + std::to_string(paths.size());
  const Path& p = paths[0];
  if (p.outcome == Outcome::kFailed) return "failed: " + p.reason;
  return p.hops.empty() ? "?" : p.hops.back().name;
}

TEST(DynamicDnsTest, TheWaypointSendsToTheHostAsked) {
  EXPECT_EQ(EndOf(DialWildcard({})), "api.example.com:80");
}

// tests/integration/ambient/waypoint_test.go "http origination targetPort".
TEST(DynamicDnsTest, TheProxySendsToTheTargetPort) {
  WildcardDial d;
  d.target_port = "8080";
  EXPECT_EQ(EndOf(DialWildcard(d)), "api.example.com:8080");
}

TEST(DynamicDnsTest, AHostHeaderOfAnotherNameIsAnswered404) {
  WildcardDial d;
  d.host_header = "metadata.internal";
  const std::string end = EndOf(DialWildcard(d));
  EXPECT_NE(end.find("answers 404: Host metadata.internal"), std::string::npos)
      << end;
  d.host_header = "www.example.com";
  EXPECT_EQ(EndOf(DialWildcard(d)), "www.example.com:80");
}

TEST(DynamicDnsTest, OnlyHttpPortsAndTlsBehindItsFlag) {
  WildcardDial d;
  d.port = 443;
  EXPECT_NE(EndOf(DialWildcard(d)).find("port 443 is TLS"), std::string::npos);
  d.flags = "{ENABLE_WILDCARD_HOST_SERVICE_ENTRIES_FOR_TLS: true}";
  EXPECT_EQ(EndOf(DialWildcard(d)), "api.example.com:443");
  // istiod's validation: a TCP port never, TLS only from 1.29.
  d.extra_port = ", {number: 5432, name: pg, protocol: TCP}";
  EXPECT_NE(LoadErrors(d).find("port 5432 is TCP"), std::string::npos)
      << LoadErrors(d);
  d.extra_port.clear();
  d.version = "1.28";
  EXPECT_NE(LoadErrors(d).find("port 443 is TLS"), std::string::npos)
      << LoadErrors(d);
}

TEST(DynamicDnsTest, FromOneThirtyOnlyMeshExternalEntries) {
  WildcardDial d;
  d.location = "MESH_INTERNAL";
  EXPECT_NE(EndOf(DialWildcard(d)).find("only for MESH_EXTERNAL entries"),
            std::string::npos);
  // istiod's validation: MESH_INTERNAL before 1.30, and DYNAMIC_DNS at
  // all before 1.28.
  d.version = "1.29";
  EXPECT_NE(LoadErrors(d).find("needs location MESH_EXTERNAL"),
            std::string::npos)
      << LoadErrors(d);
  d.version = "1.27";
  EXPECT_NE(LoadErrors(d).find("new in Istio 1.28"), std::string::npos)
      << LoadErrors(d);
}

TEST(DynamicDnsTest, WithoutAWaypointZtunnelCannotResolveTheWildcard) {
  WildcardDial d;
  d.waypoint = false;
  const std::string end = EndOf(DialWildcard(d));
  EXPECT_NE(end.find("has no address for a wildcard"), std::string::npos)
      << end;
}

// §3.4 (ipallocate.go keepHost, services.go constructServiceEntries;
// TestServiceEntryServices "Does not use auto-assigned addresses for
// wildcard host with DNS resolution"): istiod allocates per host, so a
// DNS entry's concrete host has an address (and its waypoint) whichever
// host comes first, and its wildcard host has none. (Validation wants
// endpoints for a DNS entry with a wildcard host.)
std::vector<Path> DialMixedEntry(const std::string& hosts,
                                 const std::string& host) {
  testing::World w("{version: \"1.30\"}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("client", "curl"));
  w.Add("east", testing::Ns("egress", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Waypoint("egress", "waypoint"));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
        "  name: mixed\n  namespace: egress\n"
        "  labels: {istio.io/use-waypoint: waypoint}\n"
        "spec:\n  hosts: " +
            hosts +
            "\n  ports: [{number: 80, name: http, protocol: HTTP}]\n"
            "  resolution: DNS\n"
            "  endpoints: [{address: origin.example.com}]\n");
  w.Traffic("t", testing::kFromCurl, "{host: " + host + ", port: 80}",
            "{method: GET, path: /}");
  return testing::PathsOf(w.Load(), "t");
}

TEST(DynamicDnsTest, AddressesAreAllocatedPerHost) {
  for (const std::string hosts : {"['*.wild.example.com', ok.example.com]",
                                  "[ok.example.com, '*.wild.example.com']"}) {
    const std::vector<Path> ok = DialMixedEntry(hosts, "ok.example.com");
    ASSERT_EQ(ok.size(), 1u) << hosts;
    EXPECT_EQ(ok[0].waypoints, std::vector<std::string>{"egress/waypoint"})
        << hosts;
    EXPECT_EQ(EndOf(ok), "origin.example.com:80") << hosts;
    const std::vector<Path> wild = DialMixedEntry(hosts, "a.wild.example.com");
    ASSERT_EQ(wild.size(), 1u) << hosts;
    EXPECT_TRUE(wild[0].waypoints.empty()) << hosts;
    EXPECT_EQ(EndOf(wild), "a.wild.example.com:80") << hosts;
  }
}

}  // namespace
}  // namespace meshsim
