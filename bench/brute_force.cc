// Brute force for comparison with `meshsim verify`: every concrete request
// (each source class with a pod, each service by VIP, each pod by IP, on
// each port) through the simulator's path function, counting the delivered
// ones that pass no waypoint although their destination asks for one.
//
//   brute_force SCENARIO [BUDGET_SECONDS]
//
// With a budget it stops once the budget is spent and reports how many
// requests it got through, its rate and the projected time for all of them.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "model/io/loader.h"
#include "model/labels.h"
#include "sim/dataplane.h"
#include "verify/verifier.h"

int main(int argc, char** argv) {
  using namespace meshsim;
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: brute_force SCENARIO [BUDGET_SECONDS]\n");
    return 2;
  }
  const double budget = argc == 3 ? std::atof(argv[2]) : 0;
  Diagnostics d;
  auto sc = LoadScenarioFile(argv[1], d);
  if (!sc || d.HasErrors()) {
    d.Print(std::cerr);
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  const std::vector<SourceClass> sources = SourceClasses(*sc);
  // Every request, counted up front.
  uint64_t total = 0;
  for (const SourceClass& src : sources) {
    if (src.workload.empty() || src.kind == ClientKind::kIngress) continue;
    const Cluster& c = sc->mesh.clusters[src.cluster];
    for (const Service& s : c.services)
      if (!s.vips.empty()) total += s.ports.size();
    for (const Workload& p : c.workloads)
      total += p.role == WorkloadRole::kApplication && p.kind == "Pod" &&
               p.Key() != src.workload;
  }
  uint64_t requests = 0, paths = 0, zero_waypoint = 0;
  bool stopped = false;
  for (const SourceClass& src : sources) {
    if (stopped) break;
    if (src.workload.empty() || src.kind == ClientKind::kIngress) continue;
    const Cluster& c = sc->mesh.clusters[src.cluster];
    const Workload* w = c.FindWorkload(src.workload);
    auto run = [&](const std::string& host, const std::string& pod, int port) {
      if (stopped) return;
      if (budget > 0 && requests % 256 == 0 && elapsed() > budget) {
        stopped = true;
        return;
      }
      TrafficEntry t;
      t.from.cluster = c.name;
      t.from.ns = w->ns;
      t.from.workload = w->name;
      t.to.host = host;
      t.to.pod = pod;
      t.to.port = port;
      for (const Path& p : EnumeratePaths(BuildForwardingGraph(sc->mesh, t))) {
        ++paths;
        zero_waypoint +=
            p.waypoints.empty() && p.outcome == Outcome::kDelivered;
      }
      ++requests;
    };
    for (const Service& s : c.services)
      if (!s.vips.empty())
        for (const ServicePort& sp : s.ports) run(s.Hostname(), "", sp.port);
    for (const Workload& p : c.workloads)
      if (p.role == WorkloadRole::kApplication && p.kind == "Pod" &&
          p.Key() != w->Key())
        run("", p.Key(), p.ports.empty() ? 80 : p.ports.front().port);
  }
  const double wall = elapsed();
  const double rate = wall > 0 ? requests / wall : 0;
  std::printf(
      "{\"engine\":\"brute-force paths\",\"requests\":%llu,"
      "\"requests_total\":%llu,\"complete\":%s,\"paths\":%llu,"
      "\"delivered_without_waypoint\":%llu,\"wall_seconds\":%.3f,"
      "\"requests_per_second\":%.0f,\"projected_seconds\":%.0f}\n",
      static_cast<unsigned long long>(requests),
      static_cast<unsigned long long>(total), stopped ? "false" : "true",
      static_cast<unsigned long long>(paths),
      static_cast<unsigned long long>(zero_waypoint), wall, rate,
      rate > 0 ? total / rate : 0.0);
  return 0;
}
