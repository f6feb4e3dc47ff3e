// Internal to reports/: the one JSON shape of a verifier finding, written by
// `verify --format json`, `diff --format json` (which adds its own keys) and
// results.json of `meshsim report` (docs/verification.md):
//
//   {rule, severity, message,
//    request?: {from: {cluster, source}, to, http (null: TCP), cluster},
//    path?: {hops: [{kind, name, cluster?, node?}]},
//    objects: [{kind, name, file, line}],
//    fix?}
#ifndef MESHSIM_REPORTS_FINDING_JSON_H_
#define MESHSIM_REPORTS_FINDING_JSON_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "model/path.h"
#include "verify/verifier.h"

namespace meshsim {

nlohmann::ordered_json FindingJson(const Finding& f);
// [{rule, cause, count, destinations, clients, example, fix?, fix_yaml?}]:
// the findings by root cause; `example` is one finding's message.
nlohmann::ordered_json GroupsJson(const std::vector<FindingGroup>& groups,
                                  const std::vector<Finding>& findings);
// ["file:line:col: warning: ...", ...]: a scenario's warnings in JSON output.
nlohmann::ordered_json WarningsJson(const std::vector<Diagnostic>& warnings);
// {kind, name, cluster?, node?}: one hop.
nlohmann::ordered_json HopJson(const Hop& hop);
// {hops: [...]}: a path as findings and diff sides show it.
nlohmann::ordered_json PathHopsJson(const std::vector<Hop>& hops);
// {version, istio: {oldest, newest}, distributions}: meshsim's version and the
// releases it models, the first key of every JSON output (model/version.h).
nlohmann::ordered_json MeshsimJson();
// {file, line}, or null for an unknown location.
nlohmann::ordered_json LocationJson(const SourceLocation& location);

// The one JSON writer of meshsim's outputs: text that is not UTF-8 (a file
// name, a solver-chosen header value) is written with U+FFFD in place of each
// bad byte, never an abort (docs/security.md). `indent` < 0: one line.
template <typename Json>
void WriteJson(const Json& j, std::ostream& out, int indent = 2) {
  out << j.dump(indent, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_FINDING_JSON_H_
