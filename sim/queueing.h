// An open queueing network on the event core: stations with c workers and a
// FIFO queue, routes (fixed station sequences with network delays), and
// request sources. `meshsim run` builds one from a scenario's paths; the
// tandem benchmark builds one directly. Both run the same code.
//
//   QueueingNetwork net;
//   uint32_t zt = net.AddStation({"ztunnel east-node-0", "ztunnel", 2,
//   ServiceTime::Exponential(6e-5)}); uint32_t r = net.AddRoute(route);
//   net.AddSource(source);
//   net.Run(seed, limits);
#ifndef MESHSIM_SIM_QUEUEING_H_
#define MESHSIM_SIM_QUEUEING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "model/path.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/result.h"

namespace meshsim {

struct ServiceTime {
  enum class Kind {
    kConstant,
    kExponential,
    kLognormal
  } kind = Kind::kExponential;
  double mean_s = 0.0;
  double p99_s = 0.0;            // lognormal only
  double mu = 0.0, sigma = 0.0;  // lognormal parameters, derived

  static ServiceTime Constant(double mean_s);
  static ServiceTime Exponential(double mean_s);
  // Lognormal with the given mean and 99th percentile (p99 > mean).
  static ServiceTime Lognormal(double mean_s, double p99_s);
  // Squared coefficient of variation (0 constant, 1 exponential).
  double Scv() const;
};

struct StationSpec {
  std::string name;  // e.g. "ztunnel east/east-node-0"
  std::string
      kind;  // ztunnel | waypoint | ingress | eastwest | sidecar | workload
  std::string cluster;
  int workers = 1;
  ServiceTime service;
  // Requests that may wait for a worker; one more fails at once with
  // `queue_reason` (docs/latency-model.md#bounded-queues).
  uint64_t queue_limit = UINT64_MAX;
  int queue_reason = -1;
};

struct RouteSpec {
  std::vector<uint32_t> stations;
  std::vector<int64_t> link_ns;  // network delay before reaching stations[i]
  // Of link_ns, a one-way hold (a VirtualService fault.delay, §16.2) that
  // the response does not pay on its way back.
  int64_t held_ns = 0;
  std::vector<int32_t>
      pool;  // connection pool crossed before stations[i], or -1
  Outcome outcome = Outcome::kDelivered;
  int reason = -1;  // index into the network's reasons, for failures
  double weight = 1.0;
  // §16.2: the route timeouts of the proxies on the route (an ingress's
  // and a waypoint's). Each timer starts as its proxy, stations[at],
  // forwards the request (after the proxy's own fault delay, `start_ns`)
  // and ends when the answer is back at that proxy; the client sees that
  // moment `back_ns` later (the links between them). `fixed_ns`: the links
  // and inner fault delays the timer covers at the least (`analyze`).
  struct Timer {
    uint32_t at = 0;
    int64_t timeout_ns = 0;
    int64_t start_ns = 0;
    int64_t back_ns = 0;
    int64_t fixed_ns = 0;
  };
  std::vector<Timer> timers;
  int retries = 0;
  // Its failure is one the route's retry policy retries (an upstream 503
  // its codes name, §16.2); other failures are not retried.
  bool retriable = false;
  // The backend service its route chose (an id of the network's), which a
  // retry keeps (Envoy picks the weighted cluster once per request).
  uint32_t backend = UINT32_MAX;
  std::vector<uint32_t> hits;  // policy-hit counters incremented per request
  int path_index = 0;          // which path of its source this is
  // Circuit breakers (DestinationRule connectionPool, §16.1) checked as the
  // request enters stations[at]: breaker ids, in route order.
  struct Breaker {
    uint32_t id;
    uint32_t at;
  };
  std::vector<Breaker> breakers;
  // A VirtualService mirror (§16.2): as the request enters stations[at],
  // `share` of the time a copy starts on one of `routes` (picked evenly),
  // a shadow whose answer nobody waits for: it loads the mirror's stations
  // and counts in no source's statistics.
  struct Mirror {
    uint32_t at = 0;
    double share = 0;
    std::vector<uint32_t> routes;
  };
  std::optional<Mirror> mirror;
  // Outlier detection (DestinationRule outlierDetection, §16.1): for each
  // proxy replica on the route that detects outliers, its detector and the
  // upstream host the route reaches through it (a station id). The route's
  // answer charges the host (a failure is a 5xx, anything else resets its
  // count); while the host is ejected, a request picks another route of its
  // epoch through the same detector.
  struct OutlierHost {
    uint32_t detector;
    uint32_t host;
  };
  std::vector<OutlierHost> outliers;
};

// One proxy replica's outlier detection for one upstream cluster (Envoy's
// consecutive 5xx detector as Istio configures it, §16.1).
struct OutlierSpec {
  int64_t consecutive_5xx = 5;
  int64_t interval_ns = 10'000'000'000;
  int64_t base_ejection_ns = 30'000'000'000;
  int64_t max_ejection_percent = 10;
  int64_t min_health_percent = 0;  // Envoy's panic threshold (Istio: 0)
  std::string name;                // "<proxy station> -> <service>"
};

struct SourceSpec {
  std::string name;
  double rate = 1.0;  // requests per second (peak rate with a profile)
  // Optional rate profile: (time, rate) points; step or linear ramp.
  std::vector<std::pair<int64_t, double>> profile;
  bool ramp = false;
  bool poisson = true;  // else constant spacing
  // Closed loop (`concurrency: N`): N clients, each sending its next
  // request when its previous one ends; `rate` is then unused.
  int concurrency = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;         // no arrival at or after this time
  uint64_t max_requests = 0;  // 0: unlimited
  // Route choices by epoch (fault windows): from `start_ns` on, pick one of
  // `routes` with probability proportional to their weights.
  struct Epoch {
    int64_t start_ns = 0;
    std::vector<uint32_t> routes;
  };
  std::vector<Epoch> epochs;
};

struct RunLimits {
  uint64_t stop_after_completions = 0;  // 0: run until every request is done
  uint64_t warmup_completions = 0;      // not recorded in statistics
  // Retries the whole run may make: the first attempts are bounded by the
  // scenario's request cap, and this bounds what routes' `retry.attempts`
  // multiply them by (docs/robustness.md). A failure past it is final.
  uint64_t max_retries = 100'000'000;
  // Requests waiting at all stations together: memory stays bounded under
  // any overload (docs/robustness.md). One more fails at once.
  uint64_t max_waiting = 1'000'000;
};

// Receives each finished request when tracing: source, route, attempt,
// start, end, and per hop (station, arrive, start of service, departure).
using TraceSink = std::function<void(uint32_t source, uint32_t route,
                                     int attempt, int64_t start, int64_t end,
                                     const std::vector<TraceHop>&)>;

class QueueingNetwork {
 public:
  uint32_t AddStation(StationSpec spec);
  uint32_t AddRoute(RouteSpec route);
  uint32_t AddSource(SourceSpec source);
  void SetPools(size_t count, int64_t handshake_ns);
  // A circuit breaker admitting at most `limit` requests at once; one that
  // is full fails a request at once with `reason` (Envoy's local 503, UO).
  uint32_t AddBreaker(int64_t limit, int reason);
  // Requests each breaker failed.
  const std::vector<uint64_t>& breaker_overflows() const {
    return breaker_overflow_;
  }
  uint32_t AddOutlierDetector(OutlierSpec spec);
  // Per detector: hosts it knows, and ejections made over the run.
  struct OutlierStats {
    std::string name;
    uint32_t hosts = 0;
    uint64_t ejections = 0;
    uint64_t refused = 0;  // outliers not ejected: maxEjectionPercent
  };
  std::vector<OutlierStats> outlier_stats() const;
  uint32_t AddPolicyCounter();
  int AddReason(const std::string& reason);
  // An id for backend service `key` (RouteSpec::backend).
  uint32_t AddBackend(const std::string& key);
  void SetTrace(TraceSink sink, uint64_t every_nth);
  // Called every 2^20 events with the simulated time and the event count.
  void SetProgress(std::function<void(SimTime, uint64_t)> progress) {
    progress_ = std::move(progress);
  }

  // Runs to the limits. Deterministic for a given seed.
  void Run(uint64_t seed, const RunLimits& limits);

  const std::vector<StationSpec>& stations() const { return station_specs_; }
  const std::vector<StationStats>& station_stats() const {
    return station_stats_;
  }
  const std::vector<SourceSpec>& sources() const { return sources_; }
  const std::vector<SourceStats>& source_stats() const { return source_stats_; }
  const std::vector<RouteSpec>& routes() const { return routes_; }
  // Per route, per station of it: where requests' time went.
  const std::vector<std::vector<HopTiming>>& hop_timing() const {
    return hop_timing_;
  }
  // Per route: the end-to-end latency of the delivered requests whose last
  // attempt took it (after the warm-up).
  const std::vector<HopHistogram>& route_latency() const {
    return route_latency_;
  }
  const std::vector<uint64_t>& policy_counters() const {
    return policy_counters_;
  }
  const std::vector<std::string>& reasons() const { return reasons_; }
  // Failures not retried because the run's retry budget was spent.
  uint64_t retries_refused() const { return retries_refused_; }
  SimTime end_time() const { return now_; }
  // The offered window: from 0 to the last open-loop source's end; 0 when
  // a source is bounded by a request count instead (no window).
  int64_t window_end_ns() const { return window_end_ns_; }
  uint64_t events() const { return events_; }
  uint64_t completed() const { return completed_; }
  uint64_t pools_opened() const;

 private:
  struct Request {
    uint32_t source;
    uint32_t route;
    uint32_t hop;
    int attempt;
    int64_t start;              // first attempt's arrival
    int64_t hop_arrive;         // for tracing
    bool recorded;              // counts in statistics (after warm-up)
    uint32_t held = 0;          // breakers of the route admitted so far
    int overflow = -1;          // the reason, when a breaker refused it
    bool shadow = false;        // a mirrored copy (RouteSpec::Mirror)
    int64_t service_start = 0;  // at the current station
    int64_t network_ns = 0;     // paid to reach the current station
    // When the client sees the earliest of the route's timers expire
    // (RouteSpec::Timer); a retry keeps it (a route's timeout covers its
    // retries).
    int64_t deadline = INT64_MAX;
  };
  struct Station {
    int workers;
    int busy = 0;
    std::vector<uint32_t> ring;  // FIFO of waiting requests
    size_t head = 0, count = 0;
    int64_t last_change = 0;
    std::mt19937_64 rng;
  };

  void Arrive(uint32_t source);
  int64_t NextArrival(uint32_t source, int64_t from);
  double RateAt(const SourceSpec& s, int64_t t) const;
  // `failed_route`: a retry's failed route (UINT32_MAX: a first try).
  uint32_t StartRequest(uint32_t source, int attempt, int64_t start,
                        bool recorded, uint32_t failed_route = UINT32_MAX);
  // §16.2: a retry's route: the failed one's backend service, another host
  // of it when there is one (previous_hosts), by weight.
  void PickRetryRoute(Request& r, uint32_t failed_route);
  const SourceSpec::Epoch& CurrentEpoch(uint32_t source) const;
  // One of `routes` by weight (their weights total `total`), drawn from
  // the source's random stream.
  uint32_t DrawWeighted(uint32_t source, const std::vector<uint32_t>& routes,
                        double total);
  void PickRoute(Request& r);
  void Enter(uint32_t req);
  void EnterFirst(uint32_t req);  // Enter after the client's link
  void ServiceDone(uint32_t station, uint32_t req);
  void Advance(uint32_t req);
  void Finish(uint32_t req);
  int64_t Draw(Station& st, const ServiceTime& s);
  // Service of `d` ns starting now at station `sid`: its busy time, and the
  // part of it inside the offered window.
  void AddBusy(uint32_t sid, int64_t d) {
    StationStats& s = station_stats_[sid];
    s.busy_ns += static_cast<double>(d);
    const int64_t now = now_.nanos();
    if (now < window_end_ns_)
      s.busy_window_ns +=
          static_cast<double>(std::min(now + d, window_end_ns_) - now);
  }
  void TouchQueue(uint32_t station);
  void Release(uint32_t req);
  bool Admit(uint32_t req);
  void Mirror(uint32_t req);
  // Mirrored copies started, over the whole run.
 public:
  uint64_t mirrored() const { return mirrored_; }

 private:
  void NextClosedLoop(uint32_t source);
  // Outlier detection (RouteSpec::outliers).
  struct HostState {
    int64_t consecutive = 0;
    int64_t ejected_until = 0;  // un-ejected at this interval tick
    int64_t multiplier = 0;     // Envoy's ejection count, decaying
    int64_t since = 0;          // when it last came back
  };
  struct Detector {
    OutlierSpec spec;
    std::map<uint32_t, HostState> hosts;
    uint64_t ejections = 0, refused = 0;
  };
  bool Ejected(const RouteSpec::OutlierHost& o) const;
  bool Usable(uint32_t route) const;
  void ChargeOutliers(const RouteSpec& route, bool failed);
  std::vector<Detector> detectors_;
  std::vector<TraceHop>* Traced(uint32_t req);

  std::vector<StationSpec> station_specs_;
  std::vector<Station> stations_;
  std::vector<StationStats> station_stats_;
  std::vector<RouteSpec> routes_;
  std::vector<std::vector<HopTiming>> hop_timing_;  // per route, per station
  std::vector<HopHistogram> route_latency_;         // per route: delivered, ns
  std::vector<int64_t> route_return_ns_;
  std::vector<SourceSpec> sources_;
  std::vector<SourceStats> source_stats_;
  std::vector<std::mt19937_64> source_rng_;
  std::vector<uint64_t> source_count_;
  std::vector<int64_t> pool_in_flight_, pool_open_;
  std::vector<int64_t> breaker_limit_, breaker_in_flight_;
  std::vector<int> breaker_reason_;
  std::vector<uint64_t> breaker_overflow_;
  int64_t handshake_ns_ = 0;
  std::vector<uint64_t> policy_counters_;
  std::vector<std::string> reasons_;
  std::map<std::string, uint32_t> backends_;
  std::vector<Request> requests_;
  std::vector<uint32_t> free_;
  EventQueue queue_;
  SimTime now_;
  uint64_t events_ = 0, completed_ = 0;
  int64_t window_end_ns_ = 0;
  bool windowless_ = false;  // a source ends by its request count
  RunLimits limits_;
  uint64_t retries_made_ = 0, retries_refused_ = 0, mirrored_ = 0;
  uint64_t waiting_ = 0;     // requests in every station's queue
  int waiting_reason_ = -1;  // the failure past RunLimits::max_waiting
  TraceSink trace_;
  std::function<void(SimTime, uint64_t)> progress_;
  uint64_t trace_every_ = 0;
  std::map<uint32_t, std::vector<TraceHop>> traces_;
};

}  // namespace meshsim

#endif  // MESHSIM_SIM_QUEUEING_H_
