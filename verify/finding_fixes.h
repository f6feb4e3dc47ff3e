// The fixes a verifier finding proposes, and the root cause of K10.
#ifndef MESHSIM_VERIFY_FINDING_FIXES_H_
#define MESHSIM_VERIFY_FINDING_FIXES_H_

#include <cstddef>
#include <string>

#include "model/mesh.h"
#include "verify/encoder.h"
#include "verify/source_class.h"

namespace meshsim::verify {

// The fix for a bypass from client class `k` to the destination of `e`.
std::string FixFor(const SourceClass& k, const Encoded& e);
// §7.2: the fix when an ambient client whose own cluster's copy of the
// service binds no waypoint reaches another cluster's pod; "" otherwise.
std::string CrossClusterFix(const Mesh& mesh, const SourceClass& k,
                            const Encoded& e);
// K10 (§3.3): when no request reaches pod `wi` of `dc` through waypoint
// `intended` because only a headless Service asks for it, the cause and
// fix of the finding (no guard: it would deny every request); false
// otherwise.
bool HeadlessCause(const Mesh& mesh, const Cluster& dc, size_t wi,
                   const std::string& intended, std::string* cause,
                   std::string* fix);
// §4.3: the fix where destination `pod` has no enforcement point.
std::string UnguardableFix(const Workload& pod, const Encoded& e);
// §4.3: the guard that makes a waypoint mandatory for namespace `ns`.
std::string GuardYaml(const std::string& ns, const std::string& principal);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_FINDING_FIXES_H_
