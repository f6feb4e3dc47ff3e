#include "sim/analytic.h"

#include <Eigen/Sparse>
#include <Eigen/SparseLU>
#include <cmath>
#include <map>

namespace meshsim {

std::optional<double> MmcSojourn(double lambda, int c, double s) {
  const double a = lambda * s;
  if (a >= c) return std::nullopt;
  double term = 1.0, sum = 0.0;  // term = a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double rho = a / c;
  const double last = term / (1.0 - rho);
  const double erlang_c = last / (sum + last);
  return s + erlang_c * s / (c - a);
}

AnalyticResult Analyze(const SimModel& model) {
  const QueueingNetwork& net = model.net;
  const size_t n = net.stations().size();
  AnalyticResult out;
  out.stations.resize(n);
  out.entries.resize(net.sources().size());
  for (size_t si = 0; si < out.entries.size(); ++si)
    if (si < model.entry_names.size())
      out.entries[si].name = model.entry_names[si];
  // Flows of the first fault window: external arrivals per station and
  // transfer counts between stations.
  Eigen::VectorXd gamma = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  std::map<std::pair<size_t, size_t>, double> transfers;
  std::vector<double> inflow(n, 0.0);
  for (const SourceSpec& src : net.sources()) {
    if (src.epochs.empty() || src.concurrency > 0) continue;
    const auto& routes = src.epochs.front().routes;
    double total = 0;
    for (uint32_t r : routes) total += net.routes()[r].weight;
    // A route's flow `f` through its stations.
    auto flow = [&](const RouteSpec& route, double f) {
      for (size_t i = 0; i < route.stations.size(); ++i) {
        const size_t st = route.stations[i];
        if (i == 0) {
          gamma[static_cast<Eigen::Index>(st)] += f;
        } else {
          transfers[{route.stations[i - 1], st}] += f;
        }
        inflow[st] += f;
      }
    };
    for (uint32_t r : routes) {
      const RouteSpec& route = net.routes()[r];
      const double f = src.rate * route.weight / total;
      flow(route, f);
      // §16.2 mirror: its share of copies, spread evenly over its routes,
      // loads their stations too.
      if (route.mirror && !route.mirror->routes.empty())
        for (uint32_t m : route.mirror->routes)
          flow(net.routes()[m],
               f * route.mirror->share /
                   static_cast<double>(route.mirror->routes.size()));
    }
  }
  // lambda = gamma + P^T lambda, with P_ij the share of i's output sent to j.
  std::vector<Eigen::Triplet<double>> t;
  for (size_t i = 0; i < n; ++i) t.emplace_back(i, i, 1.0);
  for (const auto& [ij, f] : transfers) {
    const auto [i, j] = ij;
    if (inflow[i] > 0) t.emplace_back(j, i, -f / inflow[i]);
  }
  // A scenario without stations (no traffic) has nothing to solve; SparseLU
  // divides by zero on an empty matrix.
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  if (n > 0) {
    Eigen::SparseMatrix<double> a(static_cast<Eigen::Index>(n),
                                  static_cast<Eigen::Index>(n));
    a.setFromTriplets(t.begin(), t.end());
    Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
    lu.compute(a);
    lambda = lu.solve(gamma);
  }
  for (size_t i = 0; i < n; ++i) {
    const StationSpec& spec = net.stations()[i];
    StationAnalysis& sa = out.stations[i];
    sa.name = spec.name;
    sa.kind = spec.kind;
    sa.arrival_rate = lambda[static_cast<Eigen::Index>(i)];
    const double s = spec.service.mean_s;
    sa.utilization = sa.arrival_rate * s / spec.workers;
    auto w = MmcSojourn(sa.arrival_rate, spec.workers, s);
    if (w) {
      // Allen-Cunneen: scale the waiting time by (1 + scv) / 2.
      const double wait = (*w - s) * (1.0 + spec.service.Scv()) / 2.0;
      sa.mean_sojourn_s = s + wait;
    } else {
      out.warnings.push_back("station " + spec.name +
                             " is overloaded: utilization " +
                             std::to_string(sa.utilization) +
                             " >= 1, its queue grows without bound");
    }
  }
  for (size_t si = 0; si < net.sources().size(); ++si) {
    const SourceSpec& src = net.sources()[si];
    if (src.epochs.empty()) continue;
    if (src.concurrency > 0) {
      out.entries[si].closed_loop = true;
      out.warnings.push_back(
          "traffic " + out.entries[si].name +
          " is a closed loop (concurrency " + std::to_string(src.concurrency) +
          "): the open-network model leaves it out; `meshsim run` simulates "
          "it");
      continue;
    }
    double total = 0, delivered = 0, latency = 0;
    bool stable = true;
    for (uint32_t r : src.epochs.front().routes)
      total += net.routes()[r].weight;
    for (uint32_t r : src.epochs.front().routes) {
      const RouteSpec& route = net.routes()[r];
      if (route.outcome != Outcome::kDelivered) continue;
      // §16.2: a route whose links alone outlast one of its timeouts times
      // out (a proxy's own fault delay comes before its timer starts; other
      // timeouts need the latency's distribution: `run`).
      if (std::any_of(route.timers.begin(), route.timers.end(),
                      [](const RouteSpec::Timer& t) {
                        return t.fixed_ns > t.timeout_ns;
                      }))
        continue;
      double l = -static_cast<double>(route.held_ns) * 1e-9;
      for (size_t i = 0; i < route.stations.size(); ++i) {
        const auto& w = out.stations[route.stations[i]].mean_sojourn_s;
        if (!w) stable = false;
        l += w.value_or(0) + 2.0 * static_cast<double>(route.link_ns[i]) * 1e-9;
      }
      latency += route.weight * l;
      delivered += route.weight;
    }
    EntryAnalysis& ea = out.entries[si];
    ea.delivered_share = total > 0 ? delivered / total : 0;
    if (stable && delivered > 0) ea.mean_latency_s = latency / delivered;
  }
  return out;
}

}  // namespace meshsim
