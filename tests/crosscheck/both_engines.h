// Crosscheck tests' shared assertion: the one traffic entry "t" of a world
// (client/curl to shop/cart:80) ends with exactly one outcome, the same in
// the simulator's path function and in the verifier's encoding.
#ifndef MESHSIM_TESTS_CROSSCHECK_BOTH_ENGINES_H_
#define MESHSIM_TESTS_CROSSCHECK_BOTH_ENGINES_H_

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "tests/sim/path_helpers.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim::testing {

// The simulator's outcomes for the paths of traffic entry "t".
inline std::set<Outcome> Simulated(const Scenario& sc) {
  std::set<Outcome> out;
  for (const Path& p : PathsOf(sc, "t")) out.insert(p.outcome);
  return out;
}

// Each engine's outcomes for client/curl's GET / to service `key` on
// `port`: the paths of traffic entry "t", and the encoding's.
inline std::pair<std::set<Outcome>, std::set<Outcome>> CurlOutcomes(
    const Scenario& sc, const std::string& key, int port) {
  std::set<Outcome> simulated, encoded;
  for (const Path& p : PathsOf(sc, "t")) simulated.insert(p.outcome);
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc))
    if (src.workload.rfind("client/curl", 0) == 0)
      for (const auto& [passes, o] :
           oracle.Outcomes(src, key, "", port, "GET", "/").outcomes)
        encoded.insert(o);
  return {simulated, encoded};
}

// The destination the encoding is asked about: a service by VIP, or a pod
// by its IP; `tcp`: a connection, not the entry's (or a default GET).
struct EngineDest {
  std::string service = "shop/cart";
  std::string pod;
  int port = 80;
  bool tcp = false;
};

inline void ExpectBothEngines(const Scenario& sc, Outcome want,
                              const std::string& name,
                              const EngineDest& to = {}) {
  ASSERT_EQ(sc.traffic.size(), 1u) << name;
  std::set<Outcome> simulated;
  for (const Path& p : PathsOf(sc, "t")) simulated.insert(p.outcome);
  EXPECT_EQ(simulated, std::set<Outcome>{want}) << "simulator: " << name;

  const TrafficEntry& t = sc.traffic[0];
  const std::string method = to.tcp ? "" : t.http ? t.http->method : "GET";
  const std::string path = to.tcp ? "" : t.http ? t.http->path : "/";
  const auto* jwt = t.http && t.http->jwt ? &*t.http->jwt : nullptr;
  OutcomeOracle oracle(sc);
  bool asked = false;
  for (const SourceClass& src : SourceClasses(sc)) {
    if (src.workload.rfind("client/curl", 0) != 0) continue;
    EncodedOutcomes got =
        oracle.Outcomes(src, to.service, to.pod, to.port, method, path, jwt, "",
                        t.http ? &t.http->headers : nullptr);
    ASSERT_FALSE(got.unknown) << name;
    std::set<Outcome> encoded;
    for (const auto& [passes, o] : got.outcomes) encoded.insert(o);
    EXPECT_EQ(encoded, std::set<Outcome>{want}) << "encoding: " << name;
    asked = true;
  }
  EXPECT_TRUE(asked) << name;
}

}  // namespace meshsim::testing

#endif  // MESHSIM_TESTS_CROSSCHECK_BOTH_ENGINES_H_
