// `expect:` lists (docs/scenario-format.md): each entry is evaluated against
// the engine that answers it — the path function for `via`, `outcome` and
// `denied_by`, the simulator (at the scenario's seed) for `latency_ms`, the
// verifier for `verify`, `findings` and `no_findings`. Each engine runs at
// most once per scenario.
#ifndef MESHSIM_APP_EXPECTATIONS_H_
#define MESHSIM_APP_EXPECTATIONS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/check_result.h"
#include "app/shard.h"
#include "app/verify_cache.h"
#include "model/scenario.h"

namespace meshsim {

// Loads `file` and evaluates its `expect:` list. Load diagnostics go to
// `err`; a file that does not load is a ScenarioCheck with `error` set.
// With `cache`, the verifier's chunks are kept there (`check --cache`,
// app/verify_cache.h; needs RecordInputs and io::SetRecordObjects(true)).
// `timeout_s` (> 0) is the file's verifier budget in wall-clock seconds
// (`check --timeout`): what it leaves undecided is unknown, so its
// expectations fail.
ScenarioCheck CheckScenario(const std::string& file, std::ostream& err,
                            const CacheSettings* cache = nullptr,
                            double timeout_s = 0);

// `meshsim check ARG...`: every scenario file given or found under a folder
// given (app/discovery.h), each loaded and checked. nullopt after an error
// on `err` when an argument does not exist; a warning on `err` for a folder
// without scenario files.
// Files are checked on `jobs` threads; the result and `err` do not depend
// on it. With `shard`, only the files it owns (by their index in the
// result, walk errors counted) are checked, the others left unchecked.
// With `unit_errs`, what each file's check wrote to stderr is returned
// there, by index, instead of written to `err`.
std::optional<std::vector<ScenarioCheck>> CheckScenarios(
    const std::vector<std::string>& args, std::ostream& err, int jobs = 1,
    const ShardSpec& shard = {}, std::vector<std::string>* unit_errs = nullptr,
    const CacheSettings* cache = nullptr, double timeout_s = 0);

// The warnings of a loaded scenario: the mesh's, then the loader's.
std::vector<Diagnostic> ScenarioWarnings(const Scenario& sc,
                                         const Diagnostics& diags);

// Evaluates the `expect:` list of a loaded scenario. `findings:` and
// `no_findings:` count the verifier's findings, the analyzer catalogue's
// (lint/lint.h) and the `warnings` (ScenarioWarnings) that carry the rule id.
// `verify` answers them with `options` (a cache, say).
std::vector<ExpectationResult> EvaluateExpectations(
    const Scenario& sc, const std::vector<Diagnostic>& warnings = {},
    const VerifyOptions& verify = {});

}  // namespace meshsim

#endif  // MESHSIM_APP_EXPECTATIONS_H_
