// The discrete-event simulator: engine ordering, streaming statistics,
// agreement with queueing theory, faults, retries and timeouts, PreferClose,
// connection pooling.
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sim/analytic.h"
#include "sim/engine.h"
#include "sim/estimate.h"
#include "sim/histogram.h"
#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

RunOptions Seeded(uint64_t seed) {
  RunOptions o;
  o.seed = seed;
  return o;
}

using testing::Ambient;
using testing::Deploy;
using testing::Ns;
using testing::ShopWorld;
using testing::Waypoint;
using testing::World;

TEST(EventQueueTest, OrdersByTimeThenInsertion) {
  EventQueue q;
  q.Push(SimTime::FromNanos(5), EventKind::kArrival, 1, 0);
  q.Push(SimTime::FromNanos(3), EventKind::kArrival, 2, 0);
  q.Push(SimTime::FromNanos(5), EventKind::kArrival, 3, 0);
  q.Push(SimTime::FromNanos(5), EventKind::kArrival, 4, 0);
  std::vector<uint32_t> order;
  while (!q.Empty()) order.push_back(q.Pop().a);
  EXPECT_EQ(order, (std::vector<uint32_t>{2, 1, 3, 4}));
}

TEST(HistogramTest, QuantilesWithinOnePercent) {
  LatencyHistogram h;
  std::vector<int64_t> values;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(13.0, 1.0);  // ~0.4 ms median, in ns
  for (int i = 0; i < 100000; ++i) {
    int64_t v = std::llround(d(rng));
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = static_cast<double>(
        values[static_cast<size_t>(std::ceil(q * values.size())) - 1]);
    EXPECT_NEAR(h.Quantile(q), exact, exact * 0.01) << q;
  }
  EXPECT_EQ(h.max(), values.back());
}

// A captured client, a service behind a waypoint, exponential service times
// and no network delay: a Jackson network.
World TheoryWorld(double rate, const std::string& extra_perf = "") {
  World w("{version: \"1.31\"}");
  w.Cluster("east", "east", 3);
  w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east",
        Deploy("client", "curl", 1, {}, "      nodeName: east-node-0\n"));
  w.Add("east", Ns("shop", {{Ambient(), "ambient"},
                            {"istio.io/use-waypoint", "waypoint"}}));
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Deploy("shop", "app", 1, {}, "      nodeName: east-node-2\n"));
  w.Add("east", testing::Svc("shop", "app"));
  (void)rate;
  (void)extra_perf;
  return w;
}

std::string TheoryScenario(double rate, int seed) {
  World w = TheoryWorld(rate);
  std::string text = w.Text();
  text +=
      "- name: t\n  from: {cluster: east, namespace: client, workload: curl}\n"
      "  to: {host: app.shop, port: 80}\n  rate: " +
      std::to_string(rate) + "\n  duration: 20s\n";
  text +=
      "performance:\n  proxies:\n    ztunnel: {workers: 2, service_time: "
      "{distribution: "
      "exponential, mean_ms: 0.05}}\n    waypoint: {workers: 2, service_time: "
      "{distribution: "
      "exponential, mean_ms: 0.5}}\n  workloads:\n    shop/app: {workers: 4, "
      "service_time: "
      "{distribution: exponential, mean_ms: 2.0}}\n  network: {same_node_ms: "
      "0, same_zone_ms: 0, "
      "hbone_handshake_ms: 0}\nseed: " +
      std::to_string(seed) + "\n";
  return text;
}

Scenario LoadText(const std::string& text) {
  Diagnostics d;
  auto s = LoadScenarioText(text, "t.yaml", ".", d);
  std::ostringstream msg;
  d.Print(msg);
  EXPECT_FALSE(d.HasErrors()) << msg.str() << text;
  return *s;
}

// The simulated mean latency lies within the 95% confidence interval of
// independent replications around the analytic value; utilisation within 1%.
TEST(AnalyticAgreementTest, MeanLatencyAndUtilizationMatchTheory) {
  const double rate = 1500;
  Scenario sc = LoadText(TheoryScenario(rate, 1));
  SimModel base = BuildSimModel(sc);
  AnalyticResult a = Analyze(base);
  ASSERT_TRUE(a.entries[0].mean_latency_s);
  const double analytic = *a.entries[0].mean_latency_s;
  std::vector<double> means;
  std::vector<double> util_app;
  size_t app_station = 0;
  for (size_t i = 0; i < base.net.stations().size(); ++i)
    if (base.net.stations()[i].kind == "workload") app_station = i;
  for (int rep = 0; rep < 10; ++rep) {
    SimModel m = BuildSimModel(sc);
    RunSimulation(m, Seeded(static_cast<uint64_t>(rep + 1)));
    const SourceStats& s = m.net.source_stats()[0];
    means.push_back(s.latency_sum_ns / s.latency.count() * 1e-9);
    util_app.push_back(m.net.station_stats()[app_station].busy_ns * 1e-9 /
                       (4 * m.net.end_time().seconds()));
  }
  double mean = 0, var = 0;
  for (double x : means) mean += x / means.size();
  for (double x : means) var += (x - mean) * (x - mean) / (means.size() - 1);
  const double half = 2.262 * std::sqrt(var / means.size());  // t(0.975, 9)
  EXPECT_NEAR(mean, analytic, half) << "analytic " << analytic;
  double u = 0;
  for (double x : util_app) u += x / util_app.size();
  EXPECT_NEAR(u, a.stations[app_station].utilization,
              0.01 * a.stations[app_station].utilization);
  EXPECT_NEAR(a.stations[app_station].utilization, rate * 0.002 / 4, 1e-9);
}

// analyze against run on a waypoint's VirtualService: a fault delay is
// paid one way (§16.2) and does not count against the route's timeout
// (Envoy's fault filter holds the request before the router starts its
// timer), and a mirror's copies load the mirror's pods.
TEST(AnalyticAgreementTest, FaultDelayTimeoutAndMirror) {
  Diagnostics d;
  auto sc = LoadScenarioFile("tests/data/sim/l7-faults/scenario.yaml", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  SimModel m = BuildSimModel(*sc);
  const AnalyticResult a = Analyze(m);
  const SimResult r = RunSimulation(m, Seeded(7));
  auto entry = [&](const std::string& name) -> size_t {
    for (size_t i = 0; i < r.entries.size(); ++i)
      if (r.entries[i].name == name) return i;
    ADD_FAILURE() << name;
    return 0;
  };
  const size_t delay = entry("delay"), timeout = entry("timeout");
  // Half the requests wait 100 ms more, once: about 51.8 ms on average.
  const SourceStats& ds = r.entries[delay].stats;
  ASSERT_TRUE(a.entries[delay].mean_latency_s);
  EXPECT_NEAR(*a.entries[delay].mean_latency_s, 0.0518, 0.001);
  EXPECT_NEAR(*a.entries[delay].mean_latency_s,
              ds.latency_sum_ns / static_cast<double>(ds.delivered) * 1e-9,
              0.05 * *a.entries[delay].mean_latency_s);
  // A 10 ms delayed half against a 5 ms timeout: delivered (but the few
  // whose service time alone outlasts it), the delayed half 10 ms later (a
  // mean above the timeout).
  const SourceStats& ts = r.entries[timeout].stats;
  EXPECT_NEAR(a.entries[timeout].delivered_share, 1.0, 1e-9);
  EXPECT_GT(static_cast<double>(ts.delivered) / ts.requests, 0.95);
  EXPECT_GT(ts.latency_sum_ns / static_cast<double>(ts.delivered), 5e6);
  // A quarter of 400 requests/s mirrored to shadow's one pod.
  for (size_t i = 0; i < a.stations.size(); ++i)
    if (a.stations[i].name.find("l7/shadow-0") != std::string::npos) {
      EXPECT_NEAR(a.stations[i].arrival_rate, 100, 1e-6);
      // over the mirror entry's 20 s
      EXPECT_NEAR(static_cast<double>(m.net.station_stats()[i].served) / 20,
                  100, 5);
    }
}

// §16.2, §5: an ingress's route and a waypoint's on one path both act
// (until 2026-12-07 only the last route did, so the ingress's timeout,
// delay and mirror were dropped), and a route's timeout is its proxy's
// timer: the client's own links before the proxy do not count.
TEST(SimulatorTest, IngressAndWaypointRoutesBothActAndTimersRunAtTheirProxy) {
  Diagnostics d;
  auto sc = LoadScenarioFile("tests/data/sim/l7-two-proxies/scenario.yaml", d);
  ASSERT_TRUE(sc && !d.HasErrors());
  SimModel m = BuildSimModel(*sc);
  const AnalyticResult a = Analyze(m);
  const SimResult r = RunSimulation(m, Seeded(5));
  auto entry = [&](const std::string& name) -> const SourceStats& {
    for (const auto& e : r.entries)
      if (e.name == name) return e.stats;
    ADD_FAILURE() << name;
    return r.entries.front().stats;
  };
  // The ingress's 0.5 s timeout over a 250 ms exponential backend (the
  // waypoint's VirtualService has none): e^-2 of the requests time out.
  const SourceStats& to = entry("ing-timeout+wp-vs");
  EXPECT_NEAR(static_cast<double>(to.timeouts) / to.requests, std::exp(-2.0),
              0.02);
  // A 1 s ingress delay and a 2 s waypoint delay, both on every request.
  const SourceStats& dl = entry("ing-delay+wp-delay");
  EXPECT_NEAR(dl.latency_sum_ns / static_cast<double>(dl.delivered) * 1e-9, 3.0,
              0.02);
  // The ingress mirrors half of its 5,000 requests to md.
  int mirrors = 0;
  for (size_t i = 0; i < m.net.stations().size(); ++i) {
    if (m.net.stations()[i].name.find("shop/md-0") == std::string::npos)
      continue;
    ++mirrors;
    EXPECT_NEAR(static_cast<double>(m.net.station_stats()[i].served), 2500,
                150);
  }
  EXPECT_EQ(mirrors, 1);
  // A waypoint's 10 ms timeout, a client 20 ms away from the waypoint:
  // its links before the waypoint are not the waypoint's to time.
  const SourceStats& far = entry("far-client-wp-timeout");
  EXPECT_GT(static_cast<double>(far.delivered) / far.requests, 0.99);
  EXPECT_GT(far.latency_sum_ns / static_cast<double>(far.delivered), 40e6);
  int analysed = 0;
  for (const auto& e : a.entries) {
    if (e.name != "far-client-wp-timeout") continue;
    ++analysed;
    EXPECT_EQ(e.delivered_share, 1.0);
  }
  EXPECT_EQ(analysed, 1);
}

// §16.2: a route timeout at the last proxy before a host outside the mesh
// (an egress waypoint, a sidecar) covers the link out and back: with 200 ms
// each way and a 100 ms timeout every request times out (a review of
// 2026-12-07 found the first version of the proxy timers delivering them).
TEST(SimulatorTest, TimeoutAtTheLastProxyCoversTheLinkOutside) {
  for (const std::string file : {"waypoint", "sidecar"}) {
    Diagnostics d;
    auto sc =
        LoadScenarioFile("tests/data/sim/egress-timeout/" + file + ".yaml", d);
    ASSERT_TRUE(sc && !d.HasErrors()) << file;
    SimModel m = BuildSimModel(*sc);
    const AnalyticResult a = Analyze(m);
    const SimResult r = RunSimulation(m, Seeded(3));
    bool external = false;
    for (size_t i = 0; i < r.entries.size(); ++i) {
      if (r.entries[i].name != "out" && r.entries[i].name != "external")
        continue;
      external = true;
      const SourceStats& st = r.entries[i].stats;
      EXPECT_GT(st.requests, 0u) << file;
      EXPECT_EQ(st.timeouts, st.requests) << file;
      EXPECT_EQ(a.entries[i].delivered_share, 0.0) << file;
    }
    EXPECT_TRUE(external) << file;
  }
}

// §9: an HTTPRoute's RequestMirror filter mirrors as a VirtualService's
// mirror does: `fraction` (over `percent`) of the requests load the mirror
// backend's pods.
TEST(AnalyticAgreementTest, RequestMirrorLoadsTheMirrorsPods) {
  testing::World w = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Deploy("shop", "shadow"));
  w.Add("east", testing::Svc("shop", "shadow"));
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: m, namespace: shop}\nspec:\n"
        "  parentRefs: [{group: \"\", kind: Service, name: cart}]\n"
        "  rules:\n  - backendRefs: [{name: cart, port: 80}]\n"
        "    filters:\n    - type: RequestMirror\n"
        "      requestMirror: {backendRef: {name: shadow, port: 80}, "
        "percent: 90, fraction: {numerator: 1, denominator: 4}}\n");
  w.Traffic("t", testing::kFromCurl, testing::kToCart,
            "{method: GET, path: /}");
  const Scenario sc = w.Load();
  SimModel m = BuildSimModel(sc);
  const AnalyticResult a = Analyze(m);
  double cart = -1, shadow = -1;
  for (const auto& st : a.stations) {
    if (st.name.find("workload") == std::string::npos) continue;
    if (st.name.find("shop/cart-") != std::string::npos) cart = st.arrival_rate;
    if (st.name.find("shop/shadow-") != std::string::npos)
      shadow = st.arrival_rate;
  }
  ASSERT_GT(cart, 0);
  EXPECT_NEAR(shadow / cart, 0.25, 1e-9);
}

// Every link is paid both ways (docs/latency-model.md), the client's link
// to its ztunnel too: with constant service times and requests far apart
// (no queueing), each one's latency is the services plus twice the links,
// what analyze says.
TEST(SimulatorTest, LinksArePaidBothWays) {
  std::string text = TheoryScenario(1, 1);
  for (const std::string from : {"exponential"}) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from))
      text.replace(at, from.size(), "constant");
  }
  const std::string zero = "same_node_ms: 0, same_zone_ms: 0";
  text.replace(text.find(zero), zero.size(),
               "same_node_ms: 0.25, same_zone_ms: 0.5");
  SimModel m = BuildSimModel(LoadText(text));
  const AnalyticResult a = Analyze(m);
  ASSERT_TRUE(a.entries[0].mean_latency_s);
  RunSimulation(m, Seeded(1));
  const SourceStats& s = m.net.source_stats()[0];
  ASSERT_GT(s.delivered, 0u);
  EXPECT_NEAR(s.latency_sum_ns / s.delivered * 1e-9,
              *a.entries[0].mean_latency_s, 1e-9);
}

// The per-hop breakdown (docs/simulation.md#per-hop) accounts for the whole
// latency: over a path, network + queue + service per hop add up to the
// entry's mean; each station's service is its configured mean; and the
// application's queue (M/M/4 at 75%) waits what Erlang C says,
// W_q = C(4, 3) / (4 mu - lambda) = 1.019 ms.
TEST(SimulatorTest, HopBreakdownAddsUpAndMatchesQueueingTheory) {
  Scenario sc = LoadText(TheoryScenario(1500, 1));
  SimModel m = BuildSimModel(sc);
  const SimResult r = RunSimulation(m, Seeded(7));
  ASSERT_EQ(r.entries.size(), 1u);
  const SimEntry& e = r.entries[0];
  ASSERT_EQ(e.paths.size(), 1u);
  const std::vector<PathHopTiming>& hops = e.paths[0].timing;
  ASSERT_GE(hops.size(), 3u);  // ztunnel(s), waypoint, application
  double sum_ms = 0;
  std::map<std::string, const HopTiming*> by_kind;
  for (const PathHopTiming& h : hops) {
    const HopTiming& t = h.timing;
    ASSERT_GT(t.samples, 1000u);
    const double n = static_cast<double>(t.samples);
    sum_ms += (t.network_ns + t.wait_ns + t.service_ns) / n * 1e-6;
    by_kind[r.stations[h.station].kind] = &t;
  }
  const double mean_ms = e.stats.latency_sum_ns /
                         static_cast<double>(e.stats.latency.count()) * 1e-6;
  EXPECT_NEAR(sum_ms, mean_ms, 0.01 * mean_ms);
  auto mean = [](const HopTiming* t, double HopTiming::*f) {
    return t->*f / static_cast<double>(t->samples) * 1e-6;
  };
  EXPECT_NEAR(mean(by_kind.at("waypoint"), &HopTiming::service_ns), 0.5, 0.02);
  EXPECT_NEAR(mean(by_kind.at("workload"), &HopTiming::service_ns), 2.0, 0.06);
  const double a = 1500 * 0.002;  // offered load in servers
  const double top = std::pow(a, 4) / 24 * (4 / (4 - a));
  const double erlang_c = top / (1 + a + a * a / 2 + a * a * a / 6 + top);
  const double wq_ms = erlang_c / (4 * 500.0 - 1500) * 1e3;
  EXPECT_NEAR(mean(by_kind.at("workload"), &HopTiming::wait_ns), wq_ms,
              0.1 * wq_ms);
  // Quantiles are bucket middles within 5%, never above the maximum.
  const HopTiming& app = *by_kind.at("workload");
  EXPECT_LE(app.service.Quantile(0.99), static_cast<double>(app.service.max()));
  EXPECT_GT(app.service.Quantile(0.99), app.service.Quantile(0.5));
}

// An overloaded station is reported as such.
TEST(AnalyticAgreementTest, OverloadIsWarned) {
  Scenario sc = LoadText(TheoryScenario(5000, 1));
  AnalyticResult a = Analyze(BuildSimModel(sc));
  ASSERT_FALSE(a.warnings.empty());
  EXPECT_NE(a.warnings[0].find("waypoint"), std::string::npos);
  EXPECT_FALSE(a.entries[0].mean_latency_s);
}

// Past its queue limit an overloaded station fails requests at once with
// the reason, so the queue (and memory) stay bounded; the default limit is
// 10,000 waiting and `queue_limit` sets it per kind (issue 15).
TEST(SimulatorTest, AnOverloadedQueueIsBoundedAndItsOverflowFailsWithAReason) {
  for (const auto& [limit, text] :
       std::vector<std::pair<uint64_t, std::string>>{
           {10000, TheoryScenario(5000, 1)},
           {100, [] {
              std::string t = TheoryScenario(5000, 1);
              const std::string wp = "waypoint: {workers: 2, ";
              t.insert(t.find(wp) + wp.size(), "queue_limit: 100, ");
              return t;
            }()}}) {
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    const QueueingNetwork& net = m.net;
    uint64_t full = 0;
    for (size_t i = 0; i < net.stations().size(); ++i) {
      const StationStats& st = net.station_stats()[i];
      const std::string& kind = net.stations()[i].kind;
      // The waypoint's limit is the one set; the workload keeps 10,000.
      const uint64_t own = kind == "waypoint" ? limit : 10000;
      EXPECT_LE(st.max_queue, own) << net.stations()[i].name;
      if (kind == "waypoint" || kind == "workload") {
        // Both are overloaded (4,000 and 2,000 rps of capacity).
        EXPECT_EQ(st.max_queue, own) << kind;
        EXPECT_GT(st.queue_full, 0u) << kind;
      }
      full += st.queue_full;
    }
    const SourceStats& src = net.source_stats()[0];
    EXPECT_EQ(src.failed, full) << limit;
    EXPECT_GT(src.failed, src.requests * 2 / 5)
        << limit;  // 3 of 5 past capacity
    EXPECT_EQ(src.delivered + src.failed, src.requests);
    std::set<std::string> reasons;
    for (const auto& [k, n] : src.failed_by_reason)
      reasons.insert(net.reasons()[k]);
    EXPECT_EQ(
        reasons,
        (std::set<std::string>{
            "queue full at a waypoint (queue_limit " + std::to_string(limit) +
                " under performance): the request fails at once, as a "
                "proxy past its pending-request limit answers 503",
            "queue full at a workload (queue_limit 10000 under "
            "performance): the request fails at once, as an "
            "application past its backlog answers 503"}));
  }
}

// Whatever the stations' limits, requests waiting everywhere together stay
// under RunLimits::max_waiting: one station, one worker busy for 1 s,
// 100 arrivals at once.
TEST(QueueingNetworkTest, WaitingRequestsAreBoundedOverAllStations) {
  QueueingNetwork net;
  const uint32_t st =
      net.AddStation({"slow", "workload", "east", 1, ServiceTime::Constant(1)});
  RouteSpec route;
  route.stations = {st};
  route.link_ns = {0};
  const uint32_t r = net.AddRoute(route);
  SourceSpec src;
  src.name = "burst";
  src.rate = 1e6;
  src.poisson = false;
  src.max_requests = 100;
  src.epochs = {{0, {r}}};
  net.AddSource(src);
  RunLimits limits;
  limits.max_waiting = 10;
  net.Run(1, limits);
  const SourceStats& s = net.source_stats()[0];
  EXPECT_EQ(s.requests, 100u);
  EXPECT_EQ(s.delivered, 11u);  // one served at once, ten waited
  EXPECT_EQ(s.failed, 89u);
  EXPECT_EQ(net.station_stats()[st].max_queue, 10u);
  ASSERT_EQ(s.failed_by_reason.size(), 1u);
  EXPECT_NE(net.reasons()[s.failed_by_reason.begin()->first].find(
                "requests waiting at all proxies and workloads together"),
            std::string::npos);
}

TEST(SimulatorTest, SameSeedSameResultDifferentSeedDifferent) {
  Scenario sc = LoadText(TheoryScenario(500, 1));
  auto run = [&](uint64_t seed) {
    SimModel m = BuildSimModel(sc);
    RunSimulation(m, Seeded(seed));
    return m.net.source_stats()[0].latency_sum_ns;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

// Adding a traffic entry does not change another entry's arrivals.
TEST(SimulatorTest, EntriesHaveIndependentArrivalStreams) {
  std::string one = TheoryScenario(200, 1);
  std::string two = one;
  two.insert(two.find("performance:"),
             "- name: other\n  from: {cluster: east, namespace: client, "
             "workload: curl}\n"
             "  to: {pod: shop/app, port: 80}\n  rate: 300\n  duration: 20s\n");
  SimModel a = BuildSimModel(LoadText(one));
  SimModel b = BuildSimModel(LoadText(two));
  RunSimulation(a, Seeded(9));
  RunSimulation(b, Seeded(9));
  EXPECT_EQ(a.net.source_stats()[0].requests, b.net.source_stats()[0].requests);
}

std::string FaultScenario(const std::string& faults) {
  World w = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  std::string text = w.Text();
  text +=
      "- name: t\n  from: {cluster: east, namespace: client, workload: curl}\n"
      "  to: {host: cart.shop, port: 80}\n  rate: 100\n  duration: 10s\n  "
      "arrival: constant\n";
  text += "faults:\n" + faults;
  return text;
}

// §3.6: all replicas of a bound waypoint down: fail closed for the window.
TEST(FaultTest, WaypointDownFailsClosedDuringWindow) {
  Scenario sc =
      LoadText(FaultScenario("- {kind: waypoint, cluster: east, waypoint: "
                             "shop/waypoint, at: 2s, until: 4s}\n"));
  SimModel m = BuildSimModel(sc);
  RunSimulation(m, Seeded(1));
  const SourceStats& s = m.net.source_stats()[0];
  EXPECT_EQ(s.requests, 1000u);  // constant 100/s for 10 s, the first at 0
  EXPECT_NEAR(static_cast<double>(s.failed), 200, 2);
  ASSERT_EQ(s.failed_by_reason.size(), 1u);
  EXPECT_NE(
      m.net.reasons()[s.failed_by_reason.begin()->first].find("fail closed"),
      std::string::npos);
}

// Constant arrivals: rate x duration of them, the first at the start, the
// k-th at k/rate rounded on its own (summed rounded gaps fitted a fourth
// request of 3/s into one second).
TEST(SimulatorTest, ConstantArrivalsSendRateTimesDuration) {
  const std::pair<std::string, uint64_t> cases[] = {
      {"rate: 100\n  duration: 10s", 1000},
      {"rate: 4\n  duration: 1s", 4},
      {"rate: 3\n  duration: 1s", 3},
      {"rate: 1\n  duration: 10s", 10},
      {"rate: 0.5\n  duration: 3s", 2}};
  for (const auto& [window, want] : cases) {
    std::string text = FaultScenario("");
    text.erase(text.find("faults:"));
    const std::string given = "rate: 100\n  duration: 10s";
    text.replace(text.find(given), given.size(), window);
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    EXPECT_EQ(m.net.source_stats()[0].requests, want) << window;
  }
}

// A dead node takes its pods with it; load moves to the surviving replica.
TEST(FaultTest, NodeDownShiftsLoad) {
  World w = ShopWorld();
  w.Add("east", Deploy("shop", "api", 2));
  w.Add("east", testing::Svc("shop", "api"));
  std::string text = w.Text();
  text +=
      "- name: t\n  from: {cluster: east, namespace: client, workload: curl}\n"
      "  to: {host: api.shop, port: 80}\n  rate: 100\n  duration: 10s\n";
  Scenario probe = LoadText(text);
  const Cluster& pc = probe.mesh.clusters[0];
  const std::string client_node = pc.FindWorkload("client/curl-0")->node;
  // Take down the node of the replica that does not share the client's node.
  std::string dead = "shop/api-0", alive = "shop/api-1";
  if (pc.FindWorkload(dead)->node == client_node) std::swap(dead, alive);
  const std::string node = pc.FindWorkload(dead)->node;
  ASSERT_NE(node, client_node);
  text +=
      "faults:\n- {kind: node, cluster: east, node: " + node + ", at: 0s}\n";
  SimModel m = BuildSimModel(LoadText(text));
  RunSimulation(m, Seeded(1));
  const SourceStats& s = m.net.source_stats()[0];
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.delivered, s.requests);
  ASSERT_EQ(m.entry_paths[0].size(), 1u);
  EXPECT_NE(m.entry_paths[0][0].summary.find(alive), std::string::npos);
}

// HTTPRoute timeouts fail slow requests; retries re-issue the failures
// their policy names (§16.2, §9: retry.codes; an upstream's 503), on
// another host when there is one (previous_hosts), and never the proxy's
// own answers (no endpoint: 503 UH) nor a policy without codes.
TEST(SimulatorTest, RouteTimeoutAndRetries) {
  World w = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", testing::Svc("shop", "empty", 80, {}, "", "nobody"));
  w.Add("east", testing::Deploy("shop", "flaky"));
  w.Add("east", testing::Svc("shop", "flaky", 80));
  w.Add("east", testing::Deploy("shop", "half", 2));
  w.Add("east", testing::Svc("shop", "half", 80));
  auto rule = [](const std::string& path, const std::string& extra,
                 const std::string& backend) {
    return "  - matches: [{path: {type: PathPrefix, value: " + path + "}}]\n" +
           extra + "    backendRefs: [{name: " + backend + ", port: 80}]\n";
  };
  const std::string codes = "    retry: {attempts: 2, codes: [503]}\n";
  w.Add("east",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: "
        "HTTPRoute\nmetadata:\n  name: r\n  namespace: shop\n"
        "spec:\n  parentRefs: [{group: \"\", kind: Service, name: cart}]\n  "
        "rules:\n" +
            rule("/slow", "    timeouts: {request: 1ms}\n", "cart") +
            rule("/broken", codes, "flaky") +
            rule("/nocodes", "    retry: {attempts: 2}\n", "flaky") +
            rule("/empty", codes, "empty") + rule("/half", codes, "half") +
            "  - matches: [{path: {type: PathPrefix, value: /split}}]\n" +
            codes +
            "    backendRefs: [{name: flaky, port: 80, weight: 50}, {name: "
            "half, port: 80, weight: 50}]\n");
  std::string text = w.Text();
  for (const char* path :
       {"slow", "broken", "nocodes", "empty", "half", "split"})
    text += std::string("- name: ") + path +
            "\n  from: {cluster: east, namespace: client, workload: curl}\n"
            "  to: {host: cart.shop, port: 80}\n  http: {method: GET, path: /" +
            path + "}\n  rate: 50\n  duration: 10s\n";
  text +=
      "performance:\n  workloads:\n    shop/cart: {workers: 4, service_time: "
      "{distribution: constant, mean_ms: 5}}\n"
      "faults:\n  - {kind: pod, cluster: east, pod: shop/flaky-0, mode: "
      "errors}\n  - {kind: pod, cluster: east, pod: shop/half-0, mode: "
      "errors}\n";
  SimModel m = BuildSimModel(LoadText(text));
  RunSimulation(m, Seeded(1));
  const SourceStats& slow = m.net.source_stats()[0];
  EXPECT_EQ(slow.timeouts, slow.requests);  // 5 ms of service > 1 ms timeout
  const SourceStats& broken = m.net.source_stats()[1];
  EXPECT_EQ(broken.failed, broken.requests);
  EXPECT_EQ(broken.retries, 2 * broken.requests);
  const SourceStats& nocodes = m.net.source_stats()[2];
  EXPECT_EQ(nocodes.failed, nocodes.requests);
  EXPECT_EQ(nocodes.retries, 0u);
  const SourceStats& empty = m.net.source_stats()[3];
  EXPECT_EQ(empty.failed, empty.requests);
  EXPECT_EQ(empty.retries, 0u);
  // Half the first tries meet the erroring pod; each retry goes to the
  // other one and is delivered.
  const SourceStats& half = m.net.source_stats()[4];
  EXPECT_EQ(half.failed, 0u);
  EXPECT_GT(half.retries, half.requests / 4);
  EXPECT_LT(half.retries, half.requests * 3 / 4);
  // Envoy picks the weighted backend once: a retry stays on it, so what
  // flaky fails stays failed (half the requests), what half's bad pod
  // fails is delivered by its other pod.
  const SourceStats& split = m.net.source_stats()[5];
  EXPECT_GT(split.failed, split.requests * 2 / 5);
  EXPECT_LT(split.failed, split.requests * 3 / 5);

  // The run's retry budget bounds what `retry.attempts` multiplies: past it
  // a failure is final and counted as refused (docs/robustness.md).
  SimModel capped = BuildSimModel(LoadText(text));
  RunOptions few = Seeded(1);
  few.max_retries = 10;
  const SimResult r = RunSimulation(capped, few);
  const SourceStats& b = capped.net.source_stats()[1];
  EXPECT_EQ(b.failed, b.requests);
  EXPECT_LE(capped.net.source_stats()[1].retries +
                capped.net.source_stats()[4].retries,
            10u);
  EXPECT_GE(r.retries_refused, b.requests - 5);
}

// §16.1: a DestinationRule connectionPool is a circuit breaker per proxy
// replica: a closed loop of N clients overflows a limit L only when N > L,
// and an overflow is a local 503 that is neither delivered nor retried.
TEST(SimulatorTest, ConnectionPoolOverflowUnderClosedLoop) {
  auto run = [](int concurrency, int limit, int waypoint_replicas) {
    World w = ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", Waypoint("shop", "waypoint"));
    if (waypoint_replicas > 1)
      w.Add("east",
            Deploy("shop", "waypoint", waypoint_replicas,
                   {{"gateway.networking.k8s.io/gateway-name", "waypoint"}}));
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata:\n  name: cart\n  namespace: shop\nspec:\n  host: cart\n"
          "  trafficPolicy:\n    connectionPool:\n      http: "
          "{http2MaxRequests: " +
              std::to_string(limit) + "}\n");
    std::string text = w.Text();
    text +=
        "- name: load\n  from: {cluster: east, namespace: client, "
        "workload: curl}\n  to: {host: cart.shop, port: 80}\n"
        "  http: {method: GET, path: /}\n  concurrency: " +
        std::to_string(concurrency) + "\n  requests: 3000\n";
    text +=
        "performance:\n  workloads:\n    shop/cart: {workers: 16, "
        "service_time: {distribution: constant, mean_ms: 2}}\n";
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    return m.net.source_stats()[0];
  };
  const SourceStats under = run(2, 2, 1);
  EXPECT_EQ(under.requests, 3000u);
  EXPECT_EQ(under.failed, 0u);
  EXPECT_EQ(under.delivered, 3000u);
  const SourceStats over = run(3, 2, 1);
  EXPECT_EQ(over.requests, 3000u);
  EXPECT_GT(over.failed, 0u);
  EXPECT_EQ(over.retries, 0u);
  EXPECT_EQ(over.failed + over.delivered, over.requests);
  ASSERT_EQ(over.failed_by_reason.size(), 1u);
  // Two replicas each admit the limit: 3 clients fit in 2 x 2 at most when
  // spread, so fewer fail than with one replica.
  const SourceStats spread = run(3, 2, 2);
  EXPECT_LT(spread.failed, over.failed);
  // A limit of 0 is no limit (cluster_traffic_policy.go applies values > 0).
  EXPECT_EQ(run(3, 0, 1).failed, 0u);
}

// §16.1 (cluster_builder.go buildSubsetCluster): each subset is an Envoy
// cluster of its own with its own circuit breaker, so a 50/50 split over
// two subsets admits twice the limit; meshsim used one breaker for the
// service until 2026-12-06.
TEST(SimulatorTest, EachSubsetHasItsOwnConnectionPool) {
  auto run = [](bool split) {
    World w;
    w.Cluster("east", "net-east", 2);
    w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
    w.Add("east", Deploy("client", "curl"));
    w.Add("east", Ns("shop", {{Ambient(), "ambient"},
                              {"istio.io/use-waypoint", "waypoint"}}));
    w.Add("east", Waypoint("shop", "waypoint"));
    for (const std::string v : {"v1", "v2"})
      w.Add("east",
            Deploy("shop", "cart-" + v, 1, {{"svc", "cart"}, {"version", v}}));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata: {name: cart, namespace: "
          "shop}\nspec: {selector: {svc: cart}, ports: [{name: http, port: "
          "80}]}\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata: {name: cart, namespace: shop}\nspec:\n  host: cart\n"
          "  trafficPolicy: {connectionPool: {http: {http2MaxRequests: 2}}}\n"
          "  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: "
          "{version: v2}}]\n");
    if (split)
      w.Add("east",
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
            "metadata: {name: cart, namespace: shop}\nspec:\n  hosts: "
            "[cart]\n  http: [{route: [{destination: {host: cart, subset: "
            "v1}, weight: 50}, {destination: {host: cart, subset: v2}, "
            "weight: 50}]}]\n");
    std::string text = w.Text();
    text +=
        "- name: load\n  from: {cluster: east, namespace: client, "
        "workload: curl}\n  to: {host: cart.shop, port: 80}\n"
        "  http: {method: GET, path: /}\n  concurrency: 4\n"
        "  requests: 3000\n";
    text +=
        "performance:\n  workloads:\n    shop/cart-v1: {workers: 16, "
        "service_time: {distribution: constant, mean_ms: 2}}\n"
        "    shop/cart-v2: {workers: 16, service_time: {distribution: "
        "constant, mean_ms: 2}}\n";
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    std::set<std::string> reasons;
    for (const auto& [reason, n] : m.net.source_stats()[0].failed_by_reason)
      reasons.insert(m.net.reasons()[static_cast<size_t>(reason)]);
    return std::make_pair(m.net.source_stats()[0].failed, reasons);
  };
  const auto [one_pool, one_reasons] = run(false);
  const auto [two_pools, two_reasons] = run(true);
  EXPECT_GT(one_pool, 0u);
  EXPECT_LT(two_pools, one_pool);
  ASSERT_EQ(two_reasons.size(), 2u);
  EXPECT_NE(two_reasons.begin()->find("shop/cart subset v1 at once"),
            std::string::npos);
  EXPECT_NE(two_reasons.rbegin()->find("shop/cart subset v2 at once"),
            std::string::npos);
}

// Requests served at the workload stations whose name contains `part`.
uint64_t ServedAt(const SimModel& m, const std::string& part) {
  uint64_t n = 0;
  for (size_t i = 0; i < m.net.stations().size(); ++i) {
    const StationSpec& st = m.net.stations()[i];
    if (st.kind == "workload" && st.name.find(part) != std::string::npos)
      n += m.net.station_stats()[i].served;
  }
  return n;
}

// A traffic entry: curl sends `requests` GETs to cart.shop at 100/s.
std::string CurlToCart(int requests) {
  return "- name: load\n  from: {cluster: east, namespace: client, "
         "workload: curl}\n  to: {host: cart.shop, port: 80}\n"
         "  http: {method: GET, path: /}\n  rate: 100\n  requests: " +
         std::to_string(requests) + "\n";
}

// §16.2: a VirtualService mirror copies its share of requests to the
// mirror host: load on the mirror's workload, nothing in the entry's
// statistics or latency.
TEST(SimulatorTest, MirrorLoadsTheMirrorTargetOnly) {
  World w = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east", Deploy("shop", "shadow"));
  w.Add("east", testing::Svc("shop", "shadow", 80));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n  hosts: [cart]\n"
        "  http:\n  - route:\n    - destination: {host: cart}\n"
        "    mirror: {host: shadow}\n    mirrorPercentage: {value: 50}\n");
  SimModel m = BuildSimModel(LoadText(w.Text() + CurlToCart(2000)));
  RunSimulation(m, Seeded(1));
  const SourceStats& s = m.net.source_stats()[0];
  EXPECT_EQ(s.requests, 2000u);
  EXPECT_EQ(s.delivered, 2000u);
  const uint64_t cart = ServedAt(m, "shop/cart");
  const uint64_t shadow = ServedAt(m, "shop/shadow");
  EXPECT_EQ(cart, 2000u);
  EXPECT_EQ(m.net.mirrored(), shadow);
  EXPECT_NEAR(static_cast<double>(shadow), 1000.0, 120.0);  // ~4.5 sigma
}

// §16.1, §16.2: a mirror with a subset copies to the subset's pods only
// (the waypoint's DestinationRule defines it); an undefined subset is a
// cluster Envoy lacks, so nothing is copied.
TEST(SimulatorTest, MirrorSubsetCopiesToTheSubsetsPodsOnly) {
  auto mirrored = [](const std::string& subset) {
    World w = ShopWorld(
        {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
    w.Add("east", Waypoint("shop", "waypoint"));
    w.Add("east", Deploy("shop", "shadow-v1", 1,
                         {{"svc", "shadow"}, {"version", "v1"}}));
    w.Add("east", Deploy("shop", "shadow-v2", 1,
                         {{"svc", "shadow"}, {"version", "v2"}}));
    w.Add("east",
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: shadow\n"
          "  namespace: shop\nspec:\n  selector: {svc: shadow}\n"
          "  ports: [{port: 80}]\n");
    w.Add("east",
          "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
          "metadata:\n  name: shadow\n  namespace: shop\nspec:\n"
          "  host: shadow\n  subsets: [{name: v2, labels: {version: v2}}]\n");
    w.Add(
        "east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata:\n  name: cart\n  namespace: shop\nspec:\n"
        "  hosts: [cart]\n  http:\n  - route:\n"
        "    - destination: {host: cart}\n    mirror: {host: shadow, subset: " +
            subset + "}\n");
    SimModel m = BuildSimModel(LoadText(w.Text() + CurlToCart(200)));
    RunSimulation(m, Seeded(1));
    return std::make_pair(ServedAt(m, "shadow-v1"), ServedAt(m, "shadow-v2"));
  };
  EXPECT_EQ(mirrored("v2"), std::make_pair(uint64_t{0}, uint64_t{200}));
  EXPECT_EQ(mirrored("v3"), std::make_pair(uint64_t{0}, uint64_t{0}));
}

// A closed loop keeps exactly N requests in flight: with constant service
// and no contention, N clients finish R requests in R / N service times.
TEST(SimulatorTest, ClosedLoopThroughputIsConcurrencyOverLatency) {
  World w = ShopWorld();
  std::string text = w.Text();
  text +=
      "- name: load\n  from: {cluster: east, namespace: client, "
      "workload: curl}\n  to: {host: cart.shop, port: 80}\n"
      "  http: {method: GET, path: /}\n  concurrency: 4\n"
      "  requests: 400\n";
  text +=
      "performance:\n  workloads:\n    shop/cart: {workers: 64, "
      "service_time: {distribution: constant, mean_ms: 10}}\n"
      "  proxies:\n    ztunnel: {workers: 64, service_time: "
      "{distribution: constant, mean_ms: 0.001}}\n";
  SimModel m = BuildSimModel(LoadText(text));
  const SimResult r = RunSimulation(m, Seeded(1));
  const SourceStats& s = m.net.source_stats()[0];
  EXPECT_EQ(s.delivered, 400u);
  const double latency_s = s.latency_sum_ns / 400.0 * 1e-9;
  // 100 rounds of 4 requests, each round one latency long.
  EXPECT_NEAR(static_cast<double>(m.net.end_time().nanos()) * 1e-9,
              100 * latency_s, 0.02 * 100 * latency_s);
  (void)r;
}

// §2.1: PreferClose keeps a client on the waypoint replica in its own zone.
TEST(SimulatorTest, PreferCloseWaypointReplica) {
  World w = ShopWorld(
      {{Ambient(), "ambient"}, {"istio.io/use-waypoint", "waypoint"}});
  w.Add("east", Waypoint("shop", "waypoint"));
  w.Add("east",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: waypoint\n  "
        "namespace: shop\n  labels:\n"
        "    gateway.networking.k8s.io/gateway-name: waypoint\nspec:\n  "
        "replicas: 2\n  selector: {matchLabels: "
        "{gateway.networking.k8s.io/gateway-name: waypoint}}\n  template:\n    "
        "metadata:\n"
        "      labels: {gateway.networking.k8s.io/gateway-name: waypoint}\n    "
        "spec:\n      serviceAccountName: waypoint\n"
        "      containers: [{name: istio-proxy, image: x}]\n");
  std::string text = w.Text();
  // Two zones: node 0 in zone a, node 1 in zone b.
  text.replace(text.find("nodes: 2"), 8,
               "nodes: [{name: n0, zone: a, region: r}, {name: n1, zone: b, "
               "region: r}]");
  text +=
      "- name: t\n  from: {cluster: east, namespace: client, workload: curl}\n "
      " to: {host: cart.shop, port: 80}\n";
  Scenario sc = LoadText(text);
  const Cluster& c = sc.mesh.clusters[0];
  const std::string client_node = c.FindWorkload("client/curl-0")->node;
  auto paths = testing::PathsOf(sc, "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].hops[2].kind, HopKind::kWaypoint);
  EXPECT_EQ(paths[0].hops[2].node, client_node);
}

// HBONE connections are pooled: the handshake is paid per connection, so a
// light load opens about one connection per link, not one per request.
TEST(SimulatorTest, ConnectionPooling) {
  Scenario sc = LoadText(TheoryScenario(50, 1));
  sc.performance.hbone_handshake_ms = 1.0;
  SimModel m = BuildSimModel(sc);
  RunSimulation(m, Seeded(1));
  const SourceStats& s = m.net.source_stats()[0];
  EXPECT_GT(s.requests, 900u);
  EXPECT_LE(m.net.pools_opened(), 8u);
  EXPECT_GE(m.net.pools_opened(),
            2u);  // client zt -> waypoint, waypoint -> server zt
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// A pod fault removes that replica; a gateway fault takes the ingress down;
// a network-link fault stops cross-network traffic.
TEST(FaultTest, PodGatewayAndNetworkLinkFaults) {
  // Pod: with one of two replicas down, all requests reach the other.
  {
    testing::World w = testing::ShopWorld();
    w.Add("east", testing::Deploy("shop", "api", 2));
    w.Add("east", testing::Svc("shop", "api"));
    std::string text = w.Text();
    text +=
        "- name: t\n  from: {cluster: east, namespace: client, workload: "
        "curl}\n"
        "  to: {host: api.shop, port: 80}\n  rate: 50\n  duration: 4s\n"
        "faults:\n- {kind: pod, cluster: east, pod: shop/api-0, at: 0s}\n";
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    EXPECT_EQ(m.net.source_stats()[0].failed, 0u);
    ASSERT_EQ(m.entry_paths[0].size(), 1u);
    EXPECT_NE(m.entry_paths[0][0].summary.find("shop/api-1"),
              std::string::npos);
  }
  // Gateway: the ingress is down from 1 s to 3 s of 4 s: half the requests
  // fail.
  {
    testing::World w = testing::ShopWorld();
    w.Add("east", testing::Ingress("shop", "gw"));
    w.Add("east", testing::IngressRoute("shop", "r", "shop", "gw", "cart", 80));
    std::string text = w.Text();
    text +=
        "- name: t\n  from: {cluster: east, ingress: shop/gw}\n  to: {host: a, "
        "port: 80}\n"
        "  rate: 100\n  duration: 4s\n  arrival: constant\n"
        "faults:\n- {kind: gateway, cluster: east, gateway: shop/gw, at: 1s, "
        "until: 3s}\n";
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    const SourceStats& s = m.net.source_stats()[0];
    EXPECT_NEAR(static_cast<double>(s.failed) / s.requests, 0.5, 0.02);
  }
  // Network link: a global service only in west is unreachable while the
  // link is down.
  {
    testing::World w;
    w.Cluster("east", "net-east").Cluster("west", "net-west");
    for (const char* c : {"east", "west"}) {
      w.Add(c, Ns("istio-system"));
      w.Add(c, testing::EastWest(std::string("net-") + c));
      w.Add(c, Ns("sample", {{Ambient(), "ambient"}}));
      w.Add(c,
            testing::Svc("sample", "hello", 80, {{"istio.io/global", "true"}}));
    }
    w.Add("east", Deploy("sample", "curl"));
    w.Add("west", Deploy("sample", "hello"));
    std::string text = w.Text();
    text +=
        "- name: t\n  from: {cluster: east, namespace: sample, workload: "
        "curl}\n"
        "  to: {host: hello.sample, port: 80}\n  rate: 100\n  duration: 4s\n  "
        "arrival: constant\n"
        "faults:\n- {kind: network-link, networks: [net-east, net-west], at: "
        "2s}\n";
    SimModel m = BuildSimModel(LoadText(text));
    RunSimulation(m, Seeded(1));
    const SourceStats& s = m.net.source_stats()[0];
    EXPECT_NEAR(static_cast<double>(s.failed) / s.requests, 0.5, 0.02);
    EXPECT_NEAR(static_cast<double>(s.delivered) / s.requests, 0.5, 0.02);
  }
}

// --trace: every traced request's hops in order, each served after it arrived.
TEST(SimulatorTest, TraceRecordsEachHop) {
  Scenario sc = LoadText(TheoryScenario(100, 1));
  SimModel m = BuildSimModel(sc);
  int traced = 0;
  RunOptions ro = Seeded(1);
  ro.trace = [&](uint32_t, uint32_t, int, int64_t start, int64_t end,
                 const std::vector<TraceHop>& hops) {
    ++traced;
    ASSERT_EQ(hops.size(), 4u);  // client zt, waypoint, server zt, app
    int64_t t = start;
    for (const TraceHop& h : hops) {
      EXPECT_LE(t, h.arrive);
      EXPECT_LE(h.arrive, h.start);
      EXPECT_LT(h.start, h.depart);
      t = h.depart;
    }
    EXPECT_LE(t, end);
  };
  ro.trace_every = 10;
  RunSimulation(m, ro);
  EXPECT_NEAR(traced, static_cast<int>(m.net.source_stats()[0].requests / 10),
              2);
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// ---- replications (issue 22; docs/simulation.md) ---------------------------

TEST(EstimateTest, StudentIntervalFromTheTableAndTheExpansion) {
  EXPECT_DOUBLE_EQ(StudentT975(9), 2.2622);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.0423);
  EXPECT_NEAR(StudentT975(31), 2.0395, 2e-4);   // exact 2.03951
  EXPECT_NEAR(StudentT975(120), 1.9799, 2e-4);  // exact 1.97993
  const Estimate e = Estimate95({1, 2, 3});
  EXPECT_DOUBLE_EQ(e.mean, 2);
  EXPECT_NEAR(e.half_width, 4.3027 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(Estimate95({5}).half_width, 0);
}

TEST(ReplicationsTest, SameRunsWhateverTheNumberOfJobs) {
  const Scenario sc = LoadText(TheoryScenario(300, 7));
  const SimModel model = BuildSimModel(sc);
  const std::vector<SimResult> one = RunReplications(model, 7, 4, 1);
  const std::vector<SimResult> three = RunReplications(model, 7, 4, 3);
  ASSERT_EQ(one.size(), 4u);
  ASSERT_EQ(three.size(), 4u);
  for (size_t r = 0; r < 4; ++r) {
    EXPECT_EQ(one[r].events, three[r].events) << r;
    EXPECT_TRUE(one[r].entries[0].stats.latency ==
                three[r].entries[0].stats.latency)
        << r;
  }
  // Different seeds give different runs; the first is the plain run.
  EXPECT_NE(one[0].events, one[1].events);
  SimModel plain = BuildSimModel(sc);
  RunOptions ro;
  ro.seed = 7;
  EXPECT_EQ(RunSimulation(plain, ro).events, one[0].events);
  EXPECT_EQ(ReplicationSeed(7, 0), 7u);
  EXPECT_NE(ReplicationSeed(7, 1), ReplicationSeed(8, 1));
}

TEST(ReplicationsTest, MergingIsExactInAnyGrouping) {
  const Scenario sc = LoadText(TheoryScenario(300, 3));
  const std::vector<SimResult> runs =
      RunReplications(BuildSimModel(sc), 3, 3, 2);
  const SimResult all = MergeResults(runs);
  const SimResult grouped =
      MergeResults({MergeResults({runs[0], runs[1]}), runs[2]});
  LatencyHistogram by_hand = runs[0].entries[0].stats.latency;
  by_hand.Merge(runs[1].entries[0].stats.latency);
  by_hand.Merge(runs[2].entries[0].stats.latency);
  EXPECT_TRUE(all.entries[0].stats.latency == by_hand);
  EXPECT_TRUE(grouped.entries[0].stats.latency == by_hand);
  EXPECT_EQ(all.entries[0].stats.requests,
            runs[0].entries[0].stats.requests +
                runs[1].entries[0].stats.requests +
                runs[2].entries[0].stats.requests);
  EXPECT_EQ(all.events, grouped.events);
  EXPECT_EQ(all.stations[0].stats.served, grouped.stations[0].stats.served);
}

TEST(ReplicationsTest, IntervalCoversTheJacksonNetworkMean) {
  // Product form: the analytic mean is exact; 10 replications' 95%
  // interval of the mean latency holds it (seeds fixed: deterministic).
  const Scenario sc = LoadText(TheoryScenario(600, 11));
  const SimModel model = BuildSimModel(sc);
  const double analytic = *Analyze(model).entries[0].mean_latency_s * 1e3;
  std::vector<double> means;
  for (const SimResult& r : RunReplications(model, 11, 10, 2)) {
    const SourceStats& s = r.entries[0].stats;
    means.push_back(s.latency_sum_ns / static_cast<double>(s.latency.count()) *
                    1e-6);
  }
  const Estimate e = Estimate95(means);
  EXPECT_GT(e.half_width, 0);
  EXPECT_LT(e.half_width, 0.05 * e.mean);
  EXPECT_NEAR(e.mean, analytic, e.half_width)
      << "analytic " << analytic << " ms";
}

}  // namespace
}  // namespace meshsim

namespace meshsim {
namespace {

// scenarios/outlier-ejection with cart's outlierDetection replaced by
// `cart` ("" drops cart's DestinationRule).
SimResult RunOutlierEjection(const std::string& cart) {
  std::string text =
      testing::ReadFile("scenarios/outlier-ejection/scenario.yaml");
  const std::string od =
      "outlierDetection: {consecutive5xxErrors: 5, interval: 10s, "
      "baseEjectionTime: 30s, maxEjectionPercent: 100}";
  const size_t at = text.find(od);
  EXPECT_NE(at, std::string::npos);
  if (cart.empty()) {
    const size_t dr =
        text.rfind("      - apiVersion: networking.istio.io/v1", at);
    const size_t end = text.find("      - apiVersion:", at);
    text.erase(dr, end - dr);
  } else {
    text.replace(at, od.size(), "outlierDetection: " + cart);
  }
  SimModel m = BuildSimModel(LoadText(text));
  return RunSimulation(m, Seeded(7));
}

const SimOutlierDetector* Detector(const SimResult& r,
                                   const std::string& service) {
  for (const SimOutlierDetector& d : r.outlier_detectors)
    if (d.detector.find("-> " + service + " ") != std::string::npos) return &d;
  return nullptr;
}

double FailedShare(const SimResult& r, const std::string& entry) {
  for (const SimEntry& e : r.entries)
    if (e.name == entry)
      return static_cast<double>(e.stats.failed) /
             static_cast<double>(e.stats.requests);
  ADD_FAILURE() << entry;
  return -1;
}

// §16.1 outlierDetection: a ready pod answering 503 (fault `mode: errors`)
// stays in the waypoint's endpoints; after consecutive5xxErrors failures in
// a row the waypoint ejects it, unless one more ejected host would exceed
// maxEjectionPercent of the pool (1 of 4 is 25%: Istio's default 10% ejects
// nothing). Without outlierDetection the pod takes its quarter throughout.
TEST(SimulatorTest, OutlierDetectionEjectsAReadyPodAnswering503) {
  const SimResult all = RunOutlierEjection(
      "{consecutive5xxErrors: 5, baseEjectionTime: 30s, "
      "maxEjectionPercent: 100}");
  ASSERT_NE(Detector(all, "shop/cart"), nullptr);
  EXPECT_EQ(Detector(all, "shop/cart")->hosts, 4u);
  EXPECT_EQ(Detector(all, "shop/cart")->ejections, 1u);
  EXPECT_LE(FailedShare(all, "curl-to-cart") * 2000, 10);  // 5, and in flight
  EXPECT_GE(FailedShare(all, "curl-to-cart") * 2000, 4);
  // orders keeps Istio's default maxEjectionPercent: never ejected.
  ASSERT_NE(Detector(all, "shop/orders"), nullptr);
  EXPECT_EQ(Detector(all, "shop/orders")->ejections, 0u);
  EXPECT_GT(Detector(all, "shop/orders")->not_ejected, 50u);
  EXPECT_NEAR(FailedShare(all, "curl-to-orders"), 0.15, 0.03);
  // The boundary: 25% may be ejected, 24% may not.
  const SimResult p25 = RunOutlierEjection("{maxEjectionPercent: 25}");
  EXPECT_EQ(Detector(p25, "shop/cart")->ejections, 1u);
  EXPECT_LT(FailedShare(p25, "curl-to-cart"), 0.01);
  const SimResult p24 = RunOutlierEjection("{maxEjectionPercent: 24}");
  EXPECT_EQ(Detector(p24, "shop/cart")->ejections, 0u);
  EXPECT_NEAR(FailedShare(p24, "curl-to-cart"), 0.15, 0.03);
  // consecutive5xxErrors 0 enforces nothing (applyOutlierDetection); the
  // deprecated consecutiveErrors is not read: 5 failures, not 1, eject.
  const SimResult zero =
      RunOutlierEjection("{consecutive5xxErrors: 0, maxEjectionPercent: 100}");
  EXPECT_EQ(Detector(zero, "shop/cart")->ejections, 0u);
  EXPECT_NEAR(FailedShare(zero, "curl-to-cart"), 0.15, 0.03);
  const SimResult old_key =
      RunOutlierEjection("{consecutiveErrors: 1, maxEjectionPercent: 100}");
  EXPECT_EQ(Detector(old_key, "shop/cart")->ejections, 1u);
  EXPECT_GE(FailedShare(old_key, "curl-to-cart") * 2000, 4);
  // No DestinationRule: no detector, the same quarter fails.
  const SimResult none = RunOutlierEjection("");
  EXPECT_EQ(Detector(none, "shop/cart"), nullptr);
  EXPECT_NEAR(FailedShare(none, "curl-to-cart"), 0.15, 0.03);
}

// An ejected host returns at the detector's interval tick after
// baseEjectionTime x its ejection count, and is ejected again for longer:
// with a 1 s base and interval over the 6 s fault (2 s to 8 s), ejections at
// about 2 s (1 s, back at 4 s), 4 s (2 s, back at 7 s) and 7 s (3 s): three,
// each after 5 failures.
TEST(SimulatorTest, OutlierEjectionGrowsWithEachEjection) {
  const SimResult r = RunOutlierEjection(
      "{consecutive5xxErrors: 5, interval: 1s, baseEjectionTime: 1s, "
      "maxEjectionPercent: 100}");
  ASSERT_NE(Detector(r, "shop/cart"), nullptr);
  EXPECT_EQ(Detector(r, "shop/cart")->ejections, 3u);
  const double failed = FailedShare(r, "curl-to-cart") * 2000;
  EXPECT_GE(failed, 14);
  EXPECT_LE(failed, 25);
}

}  // namespace
}  // namespace meshsim
