// A scenario: a Mesh plus the traffic to resolve or replay
// (docs/scenario-format.md describes the file).
#ifndef MESHSIM_MODEL_SCENARIO_H_
#define MESHSIM_MODEL_SCENARIO_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/mesh.h"
#include "model/path.h"

namespace meshsim {

struct TrafficSource {
  std::string cluster;
  std::string ns;        // with `workload`
  std::string workload;  // Deployment/StatefulSet/DaemonSet/ReplicaSet/Pod name
  std::string ingress;   // "ns/name" of an ingress Gateway
  SourceLocation location;
};

struct TrafficDestination {
  std::string host;  // service hostname, ns-qualified or short name
  std::string pod;   // "ns/workload" (first replica) or "ns/pod-name"
  std::string ip;
  int port = 0;
  SourceLocation location;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  std::map<std::string, std::string> headers;  // names lowercased
  std::optional<JwtToken> jwt;                 // absent: no token

  bool operator==(const HttpRequest& o) const {
    return method == o.method && path == o.path && headers == o.headers &&
           jwt == o.jwt;
  }
};

// `service_time.distribution` (docs/latency-model.md).
enum class ServiceTimeDistribution { kConstant, kExponential, kLognormal };
const char* ServiceTimeDistributionName(ServiceTimeDistribution d);
std::optional<ServiceTimeDistribution> ParseServiceTimeDistribution(
    std::string_view name);

// A traffic entry's `arrival`: Poisson or evenly spaced.
enum class Arrival { kPoisson, kConstant };
const char* ArrivalName(Arrival a);
std::optional<Arrival> ParseArrival(std::string_view name);

// What a `faults:` entry takes down.
enum class FaultKind { kNode, kPod, kWaypoint, kGateway, kNetworkLink };
const char* FaultKindName(FaultKind k);  // node | pod | ... | network-link
std::optional<FaultKind> ParseFaultKind(std::string_view name);

// A service-time distribution (docs/latency-model.md).
struct ServiceTimeSpec {
  ServiceTimeDistribution distribution = ServiceTimeDistribution::kExponential;
  double mean_ms = 0;
  double p99_ms = 0;  // lognormal
};

struct StationPerf {
  int workers = 1;
  ServiceTimeSpec service;
  SourceLocation location;
  // Requests that may wait for a worker; past it a request fails at once
  // (docs/latency-model.md#bounded-queues).
  uint64_t queue_limit = 10'000;
};

// The scenario's `performance:` block; defaults come from Istio's published
// figures (docs/semantics.md §11) and are documented in
// docs/latency-model.md.
struct PerformanceSpec {
  std::map<std::string, StationPerf>
      proxies;  // ztunnel, waypoint, ingress, eastwest, sidecar
  std::map<std::string, StationPerf> workloads;  // "ns/workload"
  StationPerf default_workload{
      4, {ServiceTimeDistribution::kExponential, 1.0, 0}, {}};
  double same_node_ms = 0.01;
  double same_zone_ms = 0.1;
  double cross_zone_ms = 0.5;
  double cross_region_ms = 10;
  double cross_network_ms = 20;
  double external_ms = 5;
  double hbone_handshake_ms = 1.0;
};

// One `faults:` entry: a component is down from `at` until `until` (or the
// end).
struct FaultSpec {
  // Entries sharing a name are one scenario of failure a `sweep:` can
  // choose (its `faults:` list); "" when unnamed.
  std::string name;
  FaultKind kind = FaultKind::kNode;
  std::string cluster;
  std::string
      target;  // node name, ns/pod, ns/gateway; for network-link "netA,netB"
  int64_t at_ns = 0;
  std::optional<int64_t> until_ns;
  // `mode: errors` (pods only): the pod stays ready and in the endpoints
  // but answers every request with a 503 (§16.1 outlier detection).
  bool errors = false;
  SourceLocation location;
};

struct TrafficEntry {
  std::string name;
  TrafficSource from;
  TrafficDestination to;
  std::optional<HttpRequest> http;  // absent: plain TCP
  // No `http` was given and the ingress source made it GET / (an ingress
  // listener of protocol TCP or TLS then forwards plain TCP, §9).
  bool http_implied = false;
  double rate = 1.0;  // requests per second
  int64_t duration_ns = 10'000'000'000;
  int64_t start_ns = 0;   // `start:` when the entry's first request is sent
  uint64_t requests = 0;  // a request count instead of a duration
  Arrival arrival = Arrival::kPoisson;
  // Closed-loop load (`concurrency: N`): N clients, each sending its next
  // request when its previous one ends, instead of `rate` (0: open loop).
  int concurrency = 0;
  // Rate profile: (time, rate) points; step holds each rate until the next
  // point, ramp interpolates linearly between points.
  std::vector<std::pair<int64_t, double>> profile;
  bool ramp = false;
  SourceLocation location;
};

// One `expect:` entry: a named check `meshsim check` evaluates
// (docs/scenario-format.md). Only the fields given are checked.
struct Expectation {
  std::string name;     // given, or derived from what is checked
  std::string traffic;  // a traffic entry's name (path and latency checks)
  std::optional<std::vector<std::string>> via;  // waypoints passed, in order
  std::optional<Outcome> outcome;               // every path must end so
  std::string denied_by;  // ns/name of the deciding policy
  // lands_on: ns/name of workloads (a controller such as a Deployment, or a
  // pod); every delivered path must end at a pod of one of them.
  std::optional<std::vector<std::string>> lands_on;
  // lands_in: the clusters delivered paths end in, exactly: each delivered
  // path ends in one of them and each is reached by one. waypoints_in:
  // every waypoint hop is in one of these clusters (multicluster, §7, §15.2).
  std::optional<std::vector<std::string>> lands_in, waypoints_in;
  // latency_ms: {p50|p90|p99|p999|mean|max: {min: x, max: y}}
  std::map<std::string, std::pair<std::optional<double>, std::optional<double>>>
      latency_ms;
  // failed_share: {min, max}: the share (0..1) of the entry's simulated
  // requests that fail (connection-pool overflow, injected aborts, ...).
  std::optional<std::pair<std::optional<double>, std::optional<double>>>
      failed_share;
  std::vector<std::string> verify;       // properties that must be proved
  std::vector<std::string> no_findings;  // rules with no finding allowed
  std::vector<std::string> findings;     // rules that must have a finding
  SourceLocation location;
};

// `sweep:` (docs/capacity.md): the grid `meshsim sweep` runs, every
// combination of the lists given.
struct SweepSpec {
  std::vector<double> rate = {1.0};  // multipliers of every entry's rate
  // Replica counts per gateway ("cluster/namespace/name"), in file order.
  std::vector<std::pair<std::string, std::vector<int>>> replicas;
  std::vector<std::string> versions;  // Istio releases; empty: the scenario's
  // The fault windows of each point: `none`, `all` or the name of fault
  // entries (`faults[].name`); empty: every fault, as written.
  std::vector<std::string> faults;
  int replications = 5;
  SourceLocation location;
};

// What `meshsim sweep` and `meshsim plan` change in a scenario as it loads:
// gateway replica counts (before the mesh is finalized), the Istio release,
// and a multiplier of every traffic entry's rate and rate profile.
struct ScenarioOverrides {
  std::map<std::string, int> replicas;  // "cluster/namespace/name"
  std::optional<IstioVersion> version;
  double rate_multiplier = 1.0;
  // Only the faults of this name (`none`: no fault, `all`: every one).
  std::optional<std::string> faults;
};

struct Scenario {
  std::string file;
  std::optional<SweepSpec> sweep;
  std::vector<Expectation> expect;
  Mesh mesh;
  std::vector<TrafficEntry> traffic;
  PerformanceSpec performance;
  std::vector<FaultSpec> faults;
  uint64_t seed = 1;
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_SCENARIO_H_
