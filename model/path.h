// The shared outcome vocabulary: a request's hops, the waypoints it passed,
// and how it ended. Produced by the simulator's path resolution
// (sim/dataplane.h), checked by the verifier, rendered by reports.
//
// Outcomes (closed set):
//   delivered  the request reached a destination workload or left the mesh
//   denied     an authorization policy rejected it (policy issue)
//   failed     the data plane could not carry it; `reason` says why
#ifndef MESHSIM_MODEL_PATH_H_
#define MESHSIM_MODEL_PATH_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.h"

namespace meshsim {

enum class HopKind {
  kWorkload,  // a pod or WorkloadEntry: source or destination
  kZtunnel,   // a node's ztunnel
  kWaypoint,  // a waypoint proxy pod
  kIngress,   // an ingress gateway pod
  kEastWest,  // an east-west gateway pod
  kSidecar,   // a pod's own Envoy
  kExternal,  // a destination outside the mesh
};
const char* HopKindName(HopKind k);

enum class Outcome { kDelivered, kDenied, kFailed };
const char* OutcomeName(Outcome o);
// "delivered", "denied", "failed"; nullopt for anything else.
std::optional<Outcome> ParseOutcome(std::string_view name);

// One AuthorizationPolicy looked at during a decision (model/policy.h
// Evaluate), as the hop that made it shows it.
struct PolicyEvaluation {
  std::string policy;  // ns/name
  std::string action;  // ALLOW | DENY | AUDIT | CUSTOM
  std::optional<int> matched_rule;
  std::string effect;  // allow | deny | no-op
  std::string note;    // e.g. "HTTP attributes dropped at ztunnel (§8.2)"
};

// What denied a request: an AuthorizationPolicy (its rule, or none when no
// ALLOW rule matched) or a STRICT PeerAuthentication.
struct DeniedBy {
  std::string policy;  // ns/name; for PeerAuthentication too
  std::optional<int> rule;
  std::string
      action;  // DENY | ALLOW (no rule matched) | PeerAuthentication STRICT
  std::optional<std::string> principal;  // the identity the policy saw
};

struct Hop {
  HopKind kind = HopKind::kWorkload;
  std::string name;     // ns/pod, node name (ztunnel), ns/gateway, host:port
  std::string cluster;  // empty for external hops
  std::string node;     // empty for ztunnels and external hops
  std::vector<PolicyEvaluation> policies;  // evaluated here, in order
  // The object behind it, for SARIF code flows (docs/ci.md): a pod's
  // Deployment (or Pod, WorkloadEntry), a waypoint's, ingress's or
  // east-west gateway's Gateway (a Router's Deployment), for a ztunnel the
  // pod it serves at this hop. Not part of its identity, nor of the JSON.
  SourceLocation location;

  // Identity of the component (policies excluded).
  bool operator==(const Hop& o) const {
    return kind == o.kind && name == o.name && cluster == o.cluster &&
           node == o.node;
  }
  bool operator<(const Hop& o) const;
};
// One hop as every text output names it: "<kind> <name>", then "@<node>"
// for a hop on a pod, "@<cluster>" for a ztunnel (named after its node):
// "waypoint shop/waypoint@east-node-1", "ztunnel east-node-1@east",
// "external api.example.com:443".
std::string HopLabel(const Hop& h);
// The hops' labels joined by " -> "; "" for no hops.
std::string PathText(const std::vector<Hop>& hops);

// A denial on a path: what denied it, and at which hop.
struct PathDenial : DeniedBy {
  int hop = 0;  // index into hops
};

struct PathRoute {
  std::string kind = "HTTPRoute";  // HTTPRoute, GRPCRoute, ..., VirtualService
  std::string name;                // ns/name of the HTTPRoute or VirtualService
  int rule = 0;
  int hop = -1;  // index into the path's hops: the proxy that applied it
  std::string timeout;
  std::optional<int> retries;
  std::vector<int> retry_codes;  // HttpRouteRule::retry_codes
  // A VirtualService's fault.delay: `delay_percent`% of the requests are
  // held `delay_ns` by the proxy (§16.2).
  int64_t delay_ns = 0;
  double delay_percent = 0;
  // A VirtualService's mirror: the host (short names in `mirror_ns`) that
  // `mirror_percent`% of the requests are copied to, answers discarded.
  std::string mirror_host, mirror_ns;
  std::string mirror_subset;  // the mirror's DestinationRule subset (§16.1)
  double mirror_percent = 0;
};

// What a DestinationRule (§16.1) has the proxy at `hop` do with its requests
// to `service`, per proxy replica: a connectionPool limit (at most `limit`
// at once; 0: none) and outlier detection (endpoints answering 5xx ejected
// from its load balancing for a while).
struct PathBreaker {
  int hop = 0;
  std::string dr;       // ns/name
  std::string service;  // ns/name, with its host and port when it has several
  int64_t limit = 0;
  // §16.1: Envoy's cluster, whose breaker and detector these are: one per
  // service port and subset (outbound|port|subset|host).
  int port = 0;
  std::string subset;
  struct Outlier {
    int64_t consecutive_5xx = 5;
    int64_t interval_ns = 10'000'000'000;
    int64_t base_ejection_ns = 30'000'000'000;
    int64_t max_ejection_percent = 10;
    int64_t min_health_percent = 0;
  };
  std::optional<Outlier> outlier;
};

struct Path {
  std::vector<Hop> hops;
  std::vector<std::string> waypoints;  // ns/name, in the order passed
  Outcome outcome = Outcome::kDelivered;
  std::string reason;                   // for failed (and denied) paths
  std::vector<std::string> why;         // routing decisions, in order
  std::optional<PathDenial> denied_by;  // for denied paths
  std::optional<PathRoute> route;       // the route that chose the backend
  std::vector<PathRoute> routes;        // every route applied, in order
  std::vector<PathBreaker> breakers;    // circuit breakers crossed, in order
  double weight = 1.0;                  // share of requests taking this path
  std::string redirect;  // "302 https://..." when a proxy redirects
  // The HTTP status the destination itself answered a failed path with (a
  // pod in a fault's errors mode: 503); 0 for the proxies' own answers.
  int upstream_status = 0;
  // The service whose endpoint the path ends at (ns/name), "" for none.
  std::string backend;
};

struct TrafficPaths {
  std::string name;
  std::vector<Path> paths;
};

// An object istiod generates rather than reads (§15.2: peering's
// `autogen.*` ServiceEntries), as `paths --show-generated` prints it.
struct GeneratedObject {
  std::string cluster;
  std::string kind;  // ServiceEntry
  std::string name;  // ns/name
  std::vector<std::string> hosts;
  std::vector<std::string> exporters;  // "cluster" or "cluster (drained w%)"
  std::map<std::string, std::string> labels;
  std::string traffic_distribution;
  std::string global_waypoint;                 // ns/name, or ""
  std::vector<std::string> waypoint_clusters;  // its peered copy
};

struct PathsResult {
  std::string scenario;
  std::vector<TrafficPaths> traffic;
  std::vector<GeneratedObject> generated;  // with --show-generated
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_PATH_H_
