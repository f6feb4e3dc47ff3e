// Deliberately wrong variants of the encoding's rules, for the mutation check
// of the cross-check (tests/crosscheck/differential_test.cc,
// docs/verification.md#mutation-check): each, switched on, must make the
// encoding disagree with the path function on some bundled scenario — proof
// that the differential test would catch such a bug. Production code never
// sets it; it is read while encoding and must not change during a run.
#ifndef MESHSIM_VERIFY_MUTATION_H_
#define MESHSIM_VERIFY_MUTATION_H_

#include <array>
#include <string_view>

namespace meshsim::verify {

enum class Mutation {
  kNone,
  kNamespaceOverObject,     // §2.3: the namespace's use-waypoint label wins
  kNoneFallsThrough,        // §2.3: an object's `none` defers to its namespace
  kWaypointForIgnored,      // §2.2: a waypoint of any istio.io/waypoint-for
  kIngressOptInAnyRelease,  // §5: ingress-use-waypoint read in every release
  kEastWestAlwaysToWaypoint,  // §7.2: the east-west gateway never skips
  kFailOpen,              // §3.6: a waypoint without a ready pod is skipped
  kSidecarSkipsRoutes,    // §6: a sidecar client ignores the service's routes
  kRuleOrder,             // §9: routes match in rule order, not by precedence
  kCanaryIgnored,         // §2.6: a valid canary is never sampled
  kAllowedRoutesIgnored,  // §2.4: every waypoint admits every namespace
  kWaypointSkipsVirtualServices,  // §16.2: a waypoint applies GAMMA routes only
  kSubsetIgnored,  // §16.1: a destination's subset reaches every pod of its
                   // host
};

inline constexpr std::array<std::pair<Mutation, std::string_view>, 12>
    kMutations = {{
        {Mutation::kNamespaceOverObject, "namespace-over-object"},
        {Mutation::kNoneFallsThrough, "none-falls-through"},
        {Mutation::kWaypointForIgnored, "waypoint-for-ignored"},
        {Mutation::kIngressOptInAnyRelease, "ingress-opt-in-any-release"},
        {Mutation::kEastWestAlwaysToWaypoint, "east-west-always-to-waypoint"},
        {Mutation::kFailOpen, "fail-open"},
        {Mutation::kSidecarSkipsRoutes, "sidecar-skips-routes"},
        {Mutation::kRuleOrder, "rule-order"},
        {Mutation::kCanaryIgnored, "canary-ignored"},
        {Mutation::kAllowedRoutesIgnored, "allowed-routes-ignored"},
        {Mutation::kWaypointSkipsVirtualServices,
         "waypoint-skips-virtual-services"},
        {Mutation::kSubsetIgnored, "subset-ignored"},
    }};

inline Mutation& ActiveMutation() {
  static Mutation m = Mutation::kNone;
  return m;
}

inline bool Mutated(Mutation m) { return ActiveMutation() == m; }

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_MUTATION_H_
