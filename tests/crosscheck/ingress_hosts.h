// Crosscheck helpers for requests entering through an ingress: the
// simulator's outcomes for one request, and the encoding's for the ingress's
// source class, as (waypoints passed, outcome) pairs.
#ifndef MESHSIM_TESTS_CROSSCHECK_INGRESS_HOSTS_H_
#define MESHSIM_TESTS_CROSSCHECK_INGRESS_HOSTS_H_

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "tests/sim/path_helpers.h"
#include "tests/test_world.h"
#include "verify/source_class.h"
#include "verify/verifier.h"

namespace meshsim::testing {

using Outcomes = std::set<std::pair<int, Outcome>>;

// GET `path` to `host` on `port` through ingress `ingress` (the Istio or
// Gateway API Gateway, ns/name); an empty `path` gives no `http` (the
// entry's default); `lands` collects the pods delivered to.
inline Outcomes SimulatedThrough(World w, const std::string& ingress,
                                 const std::string& host,
                                 const std::string& path,
                                 std::set<std::string>* lands, int port = 80) {
  w.Traffic("in", "{cluster: east, ingress: " + ingress + "}",
            "{host: " + host + ", port: " + std::to_string(port) + "}",
            path.empty() ? "" : "{method: GET, path: " + path + "}");
  const Scenario sc = w.Load();
  Outcomes out;
  for (const Path& p : PathsOf(sc, "in")) {
    out.insert({static_cast<int>(p.waypoints.size()), p.outcome});
    if (p.outcome == Outcome::kDelivered && lands)
      lands->insert(p.hops.back().name.substr(0, p.hops.back().name.find('@')));
  }
  return out;
}

// The encoding's outcomes for `method` `path` (an empty method: a TCP
// connection) with Host `host` to `service` from the Router's class
// (`gateway` empty) or Gateway `gateway`'s.
inline Outcomes EncodedThrough(const World& w, const std::string& gateway,
                               const std::string& service,
                               const std::string& host, const std::string& path,
                               const std::string& method = "GET") {
  const Scenario sc = w.Load();
  OutcomeOracle oracle(sc);
  for (const SourceClass& src : SourceClasses(sc)) {
    if (src.kind != ClientKind::kIngress) continue;
    if (gateway.empty() ? !src.router : src.gateway != gateway) continue;
    const EncodedOutcomes got =
        oracle.Outcomes(src, service, "", 80, method, path, nullptr, host);
    EXPECT_FALSE(got.unknown);
    return got.outcomes;
  }
  ADD_FAILURE() << "no ingress source class " << gateway;
  return {};
}

}  // namespace meshsim::testing

#endif  // MESHSIM_TESTS_CROSSCHECK_INGRESS_HOSTS_H_
