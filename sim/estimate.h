// Mean and 95% confidence interval of a statistic over independent
// replications (`meshsim run --replications`, docs/simulation.md): Student's t
// with n-1 degrees of freedom on the per-replication values.
//
//   Estimate e = Estimate95({3.1, 2.9, 3.3});  // e.mean, e.half_width
#ifndef MESHSIM_SIM_ESTIMATE_H_
#define MESHSIM_SIM_ESTIMATE_H_

#include <cmath>
#include <vector>

namespace meshsim {

// The 0.975 quantile of Student's t with `dof` degrees of freedom: the
// published table to 30, then the Cornish-Fisher expansion around the normal
// quantile (within 1e-4 of the exact value beyond 30).
inline double StudentT975(int dof) {
  static const double kTable[] = {
      0,      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
      2.3060, 2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
      2.1199, 2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
      2.0639, 2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (dof < 1) return 0;
  if (dof <= 30) return kTable[dof];
  const double z = 1.959963984540054, v = dof;
  return z + (z * z * z + z) / (4 * v) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v);
}

struct Estimate {
  double mean = 0;
  double half_width = 0;  // 0 with fewer than two values
};

inline Estimate Estimate95(const std::vector<double>& values) {
  Estimate e;
  if (values.empty()) return e;
  double sum = 0;
  for (double v : values) sum += v;
  const double n = static_cast<double>(values.size());
  e.mean = sum / n;
  if (values.size() < 2) return e;
  double ss = 0;
  for (double v : values) ss += (v - e.mean) * (v - e.mean);
  const double sd = std::sqrt(ss / (n - 1));
  e.half_width =
      StudentT975(static_cast<int>(values.size()) - 1) * sd / std::sqrt(n);
  return e;
}

}  // namespace meshsim

#endif  // MESHSIM_SIM_ESTIMATE_H_
