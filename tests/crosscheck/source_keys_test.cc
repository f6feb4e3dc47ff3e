// §8.2, §8.7: the AuthorizationPolicy `when` keys source.serviceAccount and
// source.trustDomain, in both engines. At the waypoint (targetRefs) the
// first matches the client's service account; at ztunnel (a selector
// policy on an ambient pod) it is an HTTP-level key, so an ALLOW rule with
// it is dropped. source.trustDomain is read by Envoys from 1.30 (the
// default release here is newer), never by ztunnel. Each case must end as
// the table says in the simulator's path function and in the verifier's
// encoding alike.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

struct KeyCase {
  bool at_waypoint;
  const char* key;
  const char* value;
  const char* action;
  Outcome want;
};

const KeyCase kCases[] = {
    {true, "source.serviceAccount", "client/default", "ALLOW",
     Outcome::kDelivered},
    {true, "source.serviceAccount", "default", "ALLOW",  // shop/default
     Outcome::kDenied},
    {true, "source.serviceAccount", "client/default", "DENY", Outcome::kDenied},
    {true, "source.trustDomain", "cluster.local", "ALLOW", Outcome::kDelivered},
    {true, "source.trustDomain", "cluster.local", "DENY", Outcome::kDenied},
    {false, "source.trustDomain", "cluster.local", "DENY", Outcome::kDelivered},
    {false, "source.serviceAccount", "client/default", "ALLOW",
     Outcome::kDenied},  // dropped at ztunnel
    {false, "source.serviceAccount", "client/default", "DENY",
     Outcome::kDelivered},  // a no-op at ztunnel
};

TEST(SourceKeysCrossCheck, ServiceAccountAndTrustDomainConditions) {
  for (const KeyCase& c : kCases) {
    const std::string name = std::string(c.at_waypoint ? "waypoint " : "pod ") +
                             c.action + " " + c.key + "=" + c.value;
    testing::KV ns = {{Ambient(), "ambient"}};
    if (c.at_waypoint) ns["istio.io/use-waypoint"] = "waypoint";
    testing::World w = testing::ShopWorld(ns);
    if (c.at_waypoint) w.Add("east", testing::Waypoint("shop", "waypoint"));
    w.Add("east",
          std::string("apiVersion: security.istio.io/v1\n"
                      "kind: AuthorizationPolicy\nmetadata:\n  name: p\n"
                      "  namespace: shop\nspec:\n") +
              (c.at_waypoint ? "  targetRefs:\n  - kind: Gateway\n    group: "
                               "gateway.networking.k8s.io\n    name: waypoint\n"
                             : "  selector:\n    matchLabels: {app: cart}\n") +
              "  action: " + c.action + "\n  rules:\n  - when:\n    - key: " +
              c.key + "\n      values: [\"" + c.value + "\"]\n");
    w.Traffic("t", "{cluster: east, namespace: client, workload: curl}",
              "{host: cart.shop, port: 80}", "{method: GET, path: /}");
    testing::ExpectBothEngines(w.Load(), c.want, name);
  }
}

}  // namespace
}  // namespace meshsim
