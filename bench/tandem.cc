// The "tandem" workload of ../shared/bench/peers/ on meshsim's own engine and
// station code (sim/queueing.h, the code `meshsim run` uses): same arguments,
// same JSON line, model_events counted the same way (1 arrival + K service
// completions per request).
//
//   tandem --n=1000000 --seed=1 [--lambda=2000] [--c=2,4,2,8,2] [--s=...]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/analytic.h"
#include "sim/queueing.h"

namespace {

std::vector<double> Split(const std::string& v) {
  std::vector<double> out;
  size_t p = 0;
  while (p <= v.size()) {
    size_t q = v.find(',', p);
    if (q == std::string::npos) q = v.size();
    out.push_back(std::strtod(v.substr(p, q - p).c_str(), nullptr));
    p = q + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 1000000, seed = 1;
  double lambda = 2000, warmup_frac = 0.01;
  std::vector<double> c = {2, 4, 2, 8, 2};
  std::vector<double> s = {0.00005, 0.0004, 0.00005, 0.002, 0.00005};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* key) -> const char* {
      std::string k = std::string("--") + key + "=";
      return a.rfind(k, 0) == 0 ? argv[i] + k.size() : nullptr;
    };
    if (const char* v = val("n"))
      n = std::strtoull(v, nullptr, 10);
    else if (const char* v2 = val("seed"))
      seed = std::strtoull(v2, nullptr, 10);
    else if (const char* v3 = val("lambda"))
      lambda = std::strtod(v3, nullptr);
    else if (const char* v4 = val("warmup-frac"))
      warmup_frac = std::strtod(v4, nullptr);
    else if (const char* v5 = val("c"))
      c = Split(v5);
    else if (const char* v6 = val("s"))
      s = Split(v6);
    else if (!a.empty() && a[0] != '-' && i == 1)
      n = std::strtoull(a.c_str(), nullptr, 10);
  }
  if (c.size() != s.size() || c.empty() || n == 0) {
    std::fprintf(stderr,
                 "bad parameters: need --c and --s of equal length, N > 0\n");
    return 2;
  }
  const uint64_t warmup =
      static_cast<uint64_t>(std::llround(warmup_frac * static_cast<double>(n)));

  meshsim::QueueingNetwork net;
  meshsim::RouteSpec route;
  double analytic = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const int workers = static_cast<int>(c[i]);
    route.stations.push_back(
        net.AddStation({"station-" + std::to_string(i + 1), "bench", "",
                        workers, meshsim::ServiceTime::Exponential(s[i])}));
    route.link_ns.push_back(0);
    auto w = meshsim::MmcSojourn(lambda, workers, s[i]);
    if (!w) {
      std::fprintf(stderr, "station %zu is unstable (lambda*s >= c)\n", i + 1);
      return 2;
    }
    analytic += *w;
  }
  uint32_t r = net.AddRoute(route);
  meshsim::SourceSpec src;
  src.name = "tandem";
  src.rate = lambda;
  src.epochs.push_back({0, {r}});
  net.AddSource(src);

  const auto t0 = std::chrono::steady_clock::now();
  net.Run(seed, meshsim::RunLimits{n + warmup, warmup});
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();

  const meshsim::SourceStats& st = net.source_stats()[0];
  const double measured = static_cast<double>(st.latency.count());
  const double mean = st.latency_sum_ns / measured * 1e-9;
  const double p99 = st.latency.Quantile(0.99) * 1e-9;
  const uint64_t completed = net.completed();
  const uint64_t model_events = completed * (1 + c.size());
  std::printf(
      "{\"engine\":\"meshsim\",\"N\":%llu,\"warmup\":%llu,\"seed\":%llu,\"wall_"
      "seconds\":%.6f,"
      "\"events\":%llu,\"events_note\":\"heap pops: 1 arrival + K service "
      "completions per request "
      "(arrivals scheduled past the stop "
      "included)\",\"events_per_second\":%.1f,"
      "\"model_events\":%llu,\"model_events_per_second\":%.1f,"
      "\"completed\":%llu,\"requests_per_second\":%.1f,"
      "\"mean_sojourn_s\":%.9g,\"p99_sojourn_s\":%.9g,\"p99_note\":\"histogram,"
      " within 1%%\","
      "\"analytic_mean_sojourn_s\":%.9g,\"rel_error\":%.6f}\n",
      static_cast<unsigned long long>(st.latency.count()),
      static_cast<unsigned long long>(warmup),
      static_cast<unsigned long long>(seed), wall,
      static_cast<unsigned long long>(net.events()),
      static_cast<double>(net.events()) / wall,
      static_cast<unsigned long long>(model_events),
      static_cast<double>(model_events) / wall,
      static_cast<unsigned long long>(completed),
      static_cast<double>(completed) / wall, mean, p99, analytic,
      (mean - analytic) / analytic);
  return 0;
}
