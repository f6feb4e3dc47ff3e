// §8.1 source.ip and ipBlocks of either family: an IPv6 block matches the
// IPv6 address of a client pod, an IPv4 block never does (Envoy's and
// ztunnel's CIDR matchers keep the families apart). meshsim rejected IPv6
// blocks as invalid input before. Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// ambient client/curl at fd00:10::5 calls shop/cart, whose pods allow only
// sources in `block`.
Scenario BlockWorld(const std::string& block) {
  testing::World w;
  w.Cluster("east", "net-east", 2);
  w.Add("east", testing::Ns("client", {{Ambient(), "ambient"}}));
  w.Add(
      "east",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: curl-0\n"
      "  namespace: client\n  labels: {app: curl}\nspec:\n  containers:\n"
      "  - {name: app, image: x}\nstatus:\n  phase: Running\n"
      "  podIP: fd00:10::5\n  conditions: [{type: Ready, status: \"True\"}]\n");
  w.Add("east", testing::Ns("shop", {{Ambient(), "ambient"}}));
  w.Add("east", testing::Deploy("shop", "cart"));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east",
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata:\n  name: from-block\n  namespace: shop\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n  action: ALLOW\n"
        "  rules:\n  - from:\n    - source: {ipBlocks: [\"" +
            block + "\"]}\n");
  w.Traffic("t", "{cluster: east, namespace: client, workload: curl-0}",
            testing::kToCart, "{method: GET, path: /}");
  return w.Load();
}

TEST(IpBlockFamiliesCrossCheck, Ipv6BlocksMatchIpv6Sources) {
  testing::ExpectBothEngines(BlockWorld("fd00:10::/64"), Outcome::kDelivered,
                             "the client's /64");
  testing::ExpectBothEngines(BlockWorld("fd00:10::5"), Outcome::kDelivered,
                             "the client's address");
  testing::ExpectBothEngines(BlockWorld("fd00:20::/64"), Outcome::kDenied,
                             "another /64");
  testing::ExpectBothEngines(BlockWorld("0.0.0.0/0"), Outcome::kDenied,
                             "every IPv4 address");
}

}  // namespace
}  // namespace meshsim
