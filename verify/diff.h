// `meshsim diff`: every class of requests whose fate differs between two
// versions of a mesh configuration, found with Z3 over the same symbolic
// request space as `verify` (docs/diff.md).
//
//   DiffResult d = Diff(old_scenario, new_scenario, DiffOptions{});
//   if (d.result == ProofResult::kProved) ...  // equivalent for all requests
//   for (const DiffFinding& f : d.findings) ...
#ifndef MESHSIM_VERIFY_DIFF_H_
#define MESHSIM_VERIFY_DIFF_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/path.h"
#include "model/scenario.h"
#include "verify/verifier.h"

namespace meshsim {

// The diff rule ids, from the catalogue (model/rules.h); a contract.
// `--fail-on` takes them without "diff-".
const std::vector<std::string>& DiffRules();

// An object added, removed or modified between the versions.
struct ObjectChange {
  std::string cluster;
  std::string kind;
  std::string name;    // ns/name, or name for cluster-scoped kinds
  std::string change;  // added | removed | modified
  SourceLocation old_location, new_location;
  // modified: "field.path: old -> new", as `meshsim diff` reads them again
  // (io::FieldChanges); empty otherwise.
  std::vector<std::string> fields;
};

// How one version treats the witness request.
struct DiffSide {
  Outcome outcome = Outcome::kDelivered;
  int passes = 0;                // waypoint passes
  std::string via;               // the last waypoint passed (ns/name), or ""
  std::string route;             // the backends an HTTPRoute picks, or ""
  std::vector<Hop> path;         // from the path function, for display
  std::string decision;          // "denied by ns/name (rule 0)", ...
  std::vector<std::string> why;  // the path function's routing decisions
};

struct DiffFinding {
  // rule, severity, message, the witness request and the destination's
  // objects, in verify's finding shape.
  Finding finding;
  DiffSide old_side, new_side;
  std::map<std::string, std::string> headers;  // witness request headers
  std::optional<JwtToken> jwt;                 // its token (§16.4), if any
  // Other sources (ns/pod, or ns/gateway) that behave exactly like the
  // witness's in both versions: the finding holds for them too.
  std::vector<std::string> alike;
  bool alike_truncated = false;       // more sources than listed
  std::vector<ObjectChange> changed;  // the changed objects responsible
};

struct DiffResult {
  // proved: equivalent for all requests; violated: findings; unknown.
  ProofResult result = ProofResult::kProved;
  std::string reason;  // for unknown
  size_t classes_checked = 0;
  size_t destinations = 0;
  double seconds = 0;
  std::vector<DiffFinding> findings;
  std::map<std::string, size_t> more;  // rule -> classes not reported
  std::vector<ObjectChange> changes;   // every changed object
  std::vector<std::string> notes;      // sources/destinations only in one
  // ServiceEntries without endpoints in the mesh (egress, not encoded) that
  // a changed object may concern: the diff is then unknown unless it found
  // differences (CombineDiff).
  std::vector<std::string> not_encoded;
};

struct DiffOptions {
  unsigned rlimit = 50'000'000;
  size_t max_findings = 50;  // classes reported in all
  // Wall-clock budget of the whole run in seconds (0: none); when it
  // expires the diff is unknown (verify/deadline.h).
  double timeout_s = 0;
  // Chunks compared at once (each on its own Z3 context); the result does
  // not depend on it.
  int jobs = 1;
};

DiffResult Diff(const Scenario& old_sc, const Scenario& new_sc,
                const DiffOptions& options);

// ---- in pieces: shards (docs/scale-out.md) ----------------------------------
// Diff compares the destinations in chunks of kDiffChunk, in the slice
// plan's order, each chunk on a Z3 context of its own, so the chunks of N
// shards combine into exactly what one process finds.
inline constexpr size_t kDiffChunk = 64;

// One chunk: per destination, its verdict (`result`, `reason`), request
// classes, witnesses (at most --max-findings per kind in the chunk; `more`
// counts the others) in a DiffResult of its own.
struct DiffChunk {
  std::vector<DiffResult> destinations;
  std::string expired;  // the --timeout's reason, when it expired
  double seconds = 0;
};

size_t DiffChunkCount(const Scenario& old_sc, const Scenario& new_sc);
// The chunks `owns` accepts (all when it is empty), as (index, chunk), on
// options.jobs threads.
std::vector<std::pair<size_t, DiffChunk>> CompareChunks(
    const Scenario& old_sc, const Scenario& new_sc, const DiffOptions& options,
    const std::function<bool(size_t)>& owns);
// What every chunk shares: the changed objects and the plan's notes.
DiffResult DiffCommon(const Scenario& old_sc, const Scenario& new_sc);
// The common part and every chunk, in index order: the diff.
DiffResult CombineDiff(DiffResult common, const std::vector<DiffChunk>& chunks,
                       const DiffOptions& options);

// The objects that differ between the versions, by content (docs/diff.md).
// The ServiceEntries of either version with no endpoint in the mesh that
// one of `changes` may concern, as "ServiceEntry ns/name (cluster)".
std::vector<std::string> NotEncodedEntries(
    const Scenario& old_sc, const Scenario& new_sc,
    const std::vector<ObjectChange>& changes);
std::vector<ObjectChange> ChangedObjects(const Scenario& old_sc,
                                         const Scenario& new_sc);

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_DIFF_H_
