// `meshsim verify`: proves with Z3, over every request the configuration
// admits, that no request bypasses its waypoint or passes waypoints twice —
// or gives a concrete request that does (docs/verification.md).
//
// The routing and policy rules are encoded on their own (encoding.cc), not by
// calling the simulator's path function; tests check the two against each
// other on enumerated requests.
//
//   VerifyResult r = Verify(scenario, VerifyOptions{});
//   for (const Finding& f : r.findings) ...
#ifndef MESHSIM_VERIFY_VERIFIER_H_
#define MESHSIM_VERIFY_VERIFIER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/path.h"
#include "model/rules.h"
#include "model/scenario.h"
#include "verify/result.h"
#include "verify/source_class.h"

namespace meshsim {

struct VerifyChunk;
class ChunkCache;

struct VerifyOptions {
  std::vector<std::string> properties;  // empty: all
  unsigned rlimit = 50'000'000;  // Z3 resource limit per query (deterministic)
  // Counterexamples reported per property; further violated destinations
  // are counted and summarised in one more finding.
  size_t max_findings = 100;
  // Wall-clock budget of the whole run in seconds (0: none). Unlike rlimit
  // it depends on the machine; when it expires the properties not yet
  // decided are unknown (verify/deadline.h).
  double timeout_s = 0;
  // Chunks proved at once (each on its own Z3 context); the result does not
  // depend on it.
  int jobs = 1;
  // Destinations per chunk (`--chunk`). A chunk pays for one Z3 context
  // (creating it, its solver's first push and deleting it cost about 20 ms
  // together) and reuses answers among its destinations; more chunks spread
  // over more threads and shards. Counterexamples may differ between chunk
  // sizes (Z3's models depend on what its context was asked before), never
  // between thread counts, shards or cache states for one size.
  size_t chunk = 2048;
  // Source classes told apart only by the policies that can apply to each
  // destination (§8.1), or, false, by every policy of the mesh: the same
  // verdicts (a cross-check in tests), more classes.
  bool keys_by_namespace = true;
  // Objects named in each slice's terms by slice-local names, so that
  // destinations alike but for their objects' names share answers
  // (docs/verification.md#sharing), or, false, by their keys: the same
  // verdicts (a cross-check in tests).
  bool local_names = true;
  // Where chunks proved before are looked up and stored (`--cache`);
  // nullptr: none. The result does not depend on it.
  ChunkCache* cache = nullptr;
};

// The result types (ProofResult, Finding, PropertyResult, VerifyResult) are
// in verify/result.h; SourceClass and SourceClasses in verify/source_class.h.
VerifyResult Verify(const Scenario& scenario, const VerifyOptions& options);

// ---- in pieces: threads and shards (docs/scale-out.md) ----------------------
// Verify proves the destination slices in fixed chunks (verifier.cc), in
// the slice plan's order, each chunk on a Z3 context of its own: a chunk's
// verdicts and counterexamples do not depend on which thread, process or
// pod proves it, so the chunks of N shards combine into exactly what one
// process finds.

// What one chunk found: per destination slice, the verdict of each property
// proved on it (`properties`, with its request classes, seconds, reason and
// proof core) and its counterexamples (`findings`, at most --max-findings
// per property in the chunk).
struct VerifyChunk {
  std::vector<VerifyResult> slices;
  bool intent = false;  // a destination asks for a waypoint
  bool passes = false;  // a request can pass a waypoint
  std::string expired;  // the --timeout's reason, when it expired
};

// `verify --cache` (app/verify_cache.h): chunks proved before. `work` names
// a chunk's work exactly, except for the configuration it was proved on: the
// options that change answers, its destinations and the source classes
// each is proved for. The store adds the configuration: everything but the
// security policies, and the policies of the namespaces the chunk's
// encoding read (`policy_namespaces`), since an encoding reads policies
// only through their namespace (docs/verification.md, "incremental
// verification"). Called from several threads.
class ChunkCache {
 public:
  virtual ~ChunkCache() = default;
  // `slices`: how many destinations the chunk has; an entry with another
  // number is not this chunk's.
  virtual std::optional<VerifyChunk> Find(const std::string& work,
                                          size_t slices) = 0;
  // Only decided chunks are stored: no unknown verdict, no expired budget.
  virtual void Store(const std::string& work,
                     const std::set<std::string>& policy_namespaces,
                     const VerifyChunk& chunk) = 0;
};

size_t VerifyChunkCount(const Scenario& scenario, size_t chunk);
// The chunks `owns` accepts (all when it is empty), as (index, chunk), on
// options.jobs threads.
std::vector<std::pair<size_t, VerifyChunk>> ProveChunks(
    const Scenario& scenario, const VerifyOptions& options,
    const std::function<bool(size_t)>& owns);
// The findings of the checks that need no solver (verify/lint.h), with the
// property they decide alone (double-l7).
VerifyResult VerifyLint(const Scenario& scenario);
// Every chunk, in index order, with the lint result: the verify result.
VerifyResult CombineVerify(const std::vector<VerifyChunk>& chunks,
                           const VerifyResult& lint,
                           const VerifyOptions& options);

// ---- for differential tests ------------------------------------------------
// What the encoding says a concrete request can end as: pairs of (number of
// waypoint passes, outcome), one per choice the data plane may make.
struct EncodedOutcomes {
  std::set<std::pair<int, Outcome>> outcomes;
  // The same with the last waypoint passed ("" for none): (passes, last
  // waypoint, outcome), so a cross-check sees which waypoint, not only how
  // many.
  std::set<std::tuple<int, std::string, Outcome>> detailed;
  bool unknown = false;
};

// Answers many concrete requests of one scenario on one Z3 context, each
// destination slice encoded once.
namespace verify {
// §9: whether the encoding states the routes attached to `s` (GAMMA
// HTTPRoutes in a one-cluster mesh: exact, prefix and header matches,
// weighted Service backends, no filters, no VirtualService); else why not
// (in `why`, when given). Routes it does not state are left out of the
// encoding: the request reaches the service's own endpoints.
bool RoutesEncodable(const Mesh& mesh, const Cluster& c, const Service& s,
                     std::string* why);
}  // namespace verify

class OutcomeOracle {
 public:
  explicit OutcomeOracle(const Scenario& scenario);
  ~OutcomeOracle();
  // `to_service` = "ns/name" (by VIP) or `to_pod` = "ns/pod" (by pod IP), in
  // the source's cluster, else the first other cluster that has it. The
  // HTTP request is concrete.
  // `jwt`: the token the request carries (none: no token); the encoding
  // knows one audience, the first. `headers`: the request's (lowercase
  // names; none: no header).
  EncodedOutcomes Outcomes(
      const SourceClass& src, const std::string& to_service,
      const std::string& to_pod, int port, const std::string& method,
      const std::string& path, const JwtToken* jwt = nullptr,
      const std::string& host = "",
      const std::map<std::string, std::string>* headers = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshsim

#endif  // MESHSIM_VERIFY_VERIFIER_H_
