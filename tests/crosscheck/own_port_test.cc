// §4.1 (ztunnel config.rs illegal_ports; inbound.rs find_inbound_upstream,
// inbound_passthrough.rs): a connection to a captured pod's port 15001,
// 15006 or 15008 is refused by its ztunnel (SelfCall), a sidecar pod's
// 15000 (admin) too; Istio's TestDirect sends HBONE with a workload's
// certificate to each and expects an error ("This ought to deny!"). Found
// by an audit of 2026-12-07: meshsim delivered them. Asked of both engines.
#include <gtest/gtest.h>

#include <string>

#include "tests/crosscheck/both_engines.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::Ambient;

// client/curl to pod shop/cart-0 on `port`; shop ambient, or with
// sidecars.
Scenario OwnPortWorld(int port, bool sidecar) {
  testing::World w =
      testing::ShopWorld(sidecar ? testing::KV{{"istio-injection", "enabled"}}
                                 : testing::KV{{Ambient(), "ambient"}});
  // A Service targeting those ports puts them in the pod slice's domain
  // (the encoding asks of declared ports only).
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata: {name: probe, namespace: "
        "shop}\nspec:\n  selector: {app: cart}\n  ports:\n"
        "  - {name: tcp-a, port: 15000}\n  - {name: tcp-b, port: 15001}\n"
        "  - {name: tcp-c, port: 15006}\n  - {name: tcp-d, port: 15008}\n");
  w.Traffic("t", testing::kFromCurl,
            "{pod: shop/cart-0, port: " + std::to_string(port) + "}");
  return w.Load();
}

TEST(OwnPortCrossCheck, TheDestinationProxysOwnPortsAreRefused) {
  for (const bool sidecar : {false, true})
    for (const int port : {15000, 15001, 15006, 15008, 80}) {
      const bool refused = port != 80 && (sidecar || port != 15000);
      const std::string name = std::string(sidecar ? "sidecar" : "ambient") +
                               " pod, port " + std::to_string(port);
      testing::ExpectBothEngines(
          OwnPortWorld(port, sidecar),
          refused ? Outcome::kDenied : Outcome::kDelivered, name,
          {.service = "", .pod = "shop/cart-0", .port = port, .tcp = true});
    }
  const auto paths = testing::PathsOf(OwnPortWorld(15008, false), "t");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_NE(paths[0].reason.find("the destination ztunnel's own"),
            std::string::npos)
      << paths[0].reason;
}

}  // namespace
}  // namespace meshsim
