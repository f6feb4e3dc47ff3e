// Path-function helpers for sim tests: the paths of a test world's traffic
// entry, and compact summaries of them to compare against.
#ifndef MESHSIM_TESTS_SIM_PATH_HELPERS_H_
#define MESHSIM_TESTS_SIM_PATH_HELPERS_H_

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "model/scenario.h"
#include "sim/dataplane.h"

namespace meshsim::testing {

inline std::vector<Path> PathsOf(const Scenario& s,
                                 const std::string& traffic) {
  for (const TrafficEntry& t : s.traffic)
    if (t.name == traffic)
      return EnumeratePaths(BuildForwardingGraph(s.mesh, t));
  ADD_FAILURE() << "no traffic entry " << traffic;
  return {};
}

// Where delivered requests land: pod name -> share of requests.
inline std::map<std::string, double> Landings(const Scenario& s,
                                              const std::string& traffic) {
  std::map<std::string, double> out;
  for (const Path& p : PathsOf(s, traffic))
    if (p.outcome == Outcome::kDelivered && !p.hops.empty())
      out[p.hops.back().name] += p.weight;
  return out;
}

// Each path as "waypoints|outcome", e.g. "shop/waypoint|delivered" or
// "|failed".
inline std::vector<std::string> Summary(const std::vector<Path>& paths) {
  std::vector<std::string> out;
  for (const Path& p : paths) {
    std::string wps;
    for (size_t i = 0; i < p.waypoints.size(); ++i)
      wps += (i ? "," : "") + p.waypoints[i];
    out.push_back(wps + "|" + OutcomeName(p.outcome));
  }
  return out;
}

inline std::string HopKinds(const Path& p) {
  std::string out;
  for (size_t i = 0; i < p.hops.size(); ++i)
    out += std::string(i ? " " : "") + HopKindName(p.hops[i].kind);
  return out;
}

}  // namespace meshsim::testing

#endif  // MESHSIM_TESTS_SIM_PATH_HELPERS_H_
