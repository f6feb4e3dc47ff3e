// The analytic answer where queueing theory has one: the open-network traffic
// equations (lambda = gamma + lambda P) solved with Eigen for every station's
// arrival rate, each station an M/M/c queue (Erlang C; Allen-Cunneen's
// correction for non-exponential service), and each traffic entry's mean
// latency as the weighted sum over its paths.
//
//   AnalyticResult a = Analyze(model);
//   a.stations[i].utilization; a.entries[j].mean_latency_s;
#ifndef MESHSIM_SIM_ANALYTIC_H_
#define MESHSIM_SIM_ANALYTIC_H_

#include <optional>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace meshsim {

// Mean sojourn of an M/M/c queue: s + ErlangC(c, a) s / (c - a), a = lambda s;
// nullopt when a >= c.
std::optional<double> MmcSojourn(double lambda, int c, double s);

// Uses the first fault window (no faults) and each entry's base rate.
AnalyticResult Analyze(const SimModel& model);

}  // namespace meshsim

#endif  // MESHSIM_SIM_ANALYTIC_H_
