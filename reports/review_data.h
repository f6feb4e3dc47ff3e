// Internal to reports/: the figures every `meshsim report` format shows,
// computed once from a ReviewInput so that report.md, report.html and
// results.json can never disagree.
#ifndef MESHSIM_REPORTS_REVIEW_DATA_H_
#define MESHSIM_REPORTS_REVIEW_DATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reports/review_report.h"

namespace meshsim::review {

// Latency of delivered requests, in milliseconds.
struct LatencySummary {
  uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

struct PolicyHit {
  std::string policy;
  std::optional<int> rule;
  std::string effect;  // allow | deny | no-op
  uint64_t requests = 0;
};

// One path of a traffic entry: predicted by the path function, simulated, or
// both. Paths seen only in the simulation come from fault windows.
// Where a path's time goes at one station (docs/simulation.md#per-hop).
struct HopLatency {
  std::string name;  // the station, as in `meshsim run` ("<kind> <name>")
  std::string kind;
  uint64_t samples = 0;
  double network_ms = 0, queue_mean = 0, queue_p50 = 0, queue_p99 = 0,
         service_mean = 0, service_p50 = 0, service_p99 = 0;
};

struct PathView {
  const Path* path = nullptr;  // null when seen only in the simulation
  std::string summary;         // "workload a -> ztunnel n -> ..."
  Outcome outcome = Outcome::kDelivered;
  std::vector<std::string> waypoints;
  double predicted_share = 0;  // the path's weight; 0 when simulation-only
  uint64_t simulated = 0;      // attempts that took it
  double simulated_share = 0;
  std::vector<HopLatency> hop_latency;  // per station, when simulated
};

// The delivered requests of an entry's paths that share a shape: the same
// waypoints and the same clusters crossed (replicas on other nodes fold in).
struct PathGroup {
  std::string label;       // "ns/waypoint · east → west", "no waypoint"
  uint64_t delivered = 0;  // delivered requests in the group
  double share = 0;        // of the entry's delivered requests
  double p50 = 0, p99 = 0, max = 0;            // ms
  std::vector<std::pair<double, double>> cdf;  // (quantile, ms), ascending
};

struct EntryView {
  const TrafficEntry* entry = nullptr;
  std::vector<PathView> paths;
  uint64_t requests = 0, delivered = 0, denied = 0, failed = 0, retries = 0;
  std::map<std::string, uint64_t> failed_by_reason;
  LatencySummary latency;
  std::vector<std::pair<double, double>> cdf;  // (quantile, ms), ascending
  // The CDF split by path shape; empty unless two or more shapes delivered.
  std::vector<PathGroup> path_groups;
  std::vector<PolicyHit> policy_hits;  // by policy, rule, effect
};

struct ProxyView {
  std::string kind;     // ztunnel | waypoint | ingress | eastwest | sidecar
  std::string name;     // as in `meshsim run`: cluster/name[@node]
  std::string cluster;  // cluster of the proxy
  std::string label;    // name without the cluster: node, or ns/gw@node
  int workers = 1;
  uint64_t requests = 0;
  double utilization = 0, cores = 0, mean_queue = 0;
  uint64_t max_queue = 0;
};

struct ReviewData {
  std::vector<EntryView> entries;  // scenario order
  std::vector<ProxyView> proxies;  // station order
  std::vector<PolicyHit> policy_hits;
  double simulated_seconds = 0;
  uint64_t events = 0;
  int proved = 0, violated = 0, unknown = 0, not_applicable = 0;
  int errors = 0, warnings = 0;  // findings by severity
  uint64_t requests = 0, delivered = 0, denied = 0, failed = 0;
  std::optional<size_t> slowest;  // entry with the highest p99
};

ReviewData BuildReviewData(const ReviewInput& in);

// Fixed-point text, "%.*f" in the C locale: byte-stable.
std::string Fixed(double v, int digits);
// Rounded to `digits` decimals, for JSON numbers.
double Round(double v, int digits);
// "1,234,567".
std::string Thousands(uint64_t n);
// "20 findings over 12 destinations; clients: ambient, ingress": how far a
// root cause reaches.
std::string GroupReach(const FindingGroup& g);
// The hop list as `meshsim run` prints it.
std::string PathSummary(const std::vector<Hop>& hops);
// "ns/name (file:line)"-style location text; "" when unknown.
std::string FileLine(const SourceLocation& loc);
// The verdict line: "1 of 4 properties violated" etc.
// `violated`, when given, names the violated properties after their count.
std::string VerdictText(const ReviewData& d, const std::string& violated = "");
// How an entry loads the mesh: "2.0 req/s", or "closed loop, 3 clients,
// 2,000 requests" for `concurrency:` (which has no rate).
std::string LoadText(const TrafficEntry& t);
// "violated", "unknown", "proved", or "not-applicable" when no property
// concerns a request (never "proved" then: verify proved nothing).
const char* VerdictWord(const ReviewData& d);
// The Findings section's text when verify found nothing: what was proved,
// and that the rest concern no request.
std::string NoFindingsText(const VerifyResult& v);

}  // namespace meshsim::review

#endif  // MESHSIM_REPORTS_REVIEW_DATA_H_
