// `meshsim report`: one review of a scenario — its paths, a simulation run and
// the verifier's verdict — rendered three ways from the same numbers:
//
//   report.md     for a pull request: summary, Mermaid path diagrams, latency
//                 tables, policy hits, findings with counterexample and fix
//   report.html   one self-contained page: an inline-SVG drawing of the mesh
//                 with each traffic entry's paths highlighted on selection,
//                 latency CDFs, proxy utilisation, findings with file:line
//   results.json  everything above for machines (schema: docs/report.md)
//
//   ReviewInput in{scenario, paths, model, seed, verify, warnings, ""};
//   WriteReviewMarkdown(in, md);
//   WriteReviewHtml(in, html);
//   WriteReviewJson(in, json);
//
// Every writer is a pure function of its input: the same scenario and seed
// give byte-identical files (no timestamps, no wall-clock times).
#ifndef MESHSIM_REPORTS_REVIEW_REPORT_H_
#define MESHSIM_REPORTS_REVIEW_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/path.h"
#include "model/scenario.h"
#include "sim/result.h"
#include "verify/verifier.h"

namespace meshsim {

struct ReviewInput {
  const Scenario& scenario;
  const PathsResult& paths;  // ResolvePaths(scenario)
  const SimResult& sim;      // RunSimulation's result
  uint64_t seed;
  const VerifyResult& verify;  // findings with their paths attached
  int exit_code;               // app/exit_code.h VerifyExitCode(verify)
  std::vector<Diagnostic> warnings;
  // Prefix turning a manifest path as given (relative to the working
  // directory) into a link from the HTML file's folder, e.g. "../"; absolute
  // paths are linked as file:// URLs.
  std::string source_href_prefix;
  // The scenario's `sweep:` grid run with replications (docs/capacity.md),
  // when it has one: plotted against the rate.
  const SweepResult* sweep = nullptr;
};

// Schema "meshsim.report/v2", two-space indent, ending in a newline.
void WriteReviewJson(const ReviewInput& in, std::ostream& out);
// GitHub/GitLab-flavoured Markdown with Mermaid blocks.
void WriteReviewMarkdown(const ReviewInput& in, std::ostream& out);
// A self-contained HTML5 page: inline CSS, SVG and JavaScript only.
void WriteReviewHtml(const ReviewInput& in, std::ostream& out);

// Creates `dir` (and its parents) if needed and writes report.md,
// report.html and results.json into it; computes `source_href_prefix` from
// the working directory to `dir`. False, with `error` set, when a file
// cannot be written.
bool WriteReviewFiles(ReviewInput in, const std::string& dir,
                      std::string& error);

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_REVIEW_REPORT_H_
