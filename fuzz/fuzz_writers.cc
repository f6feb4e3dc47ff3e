// libFuzzer target: meshsim's writers and the line guard on hostile text
// (docs/security.md). The input's NUL-separated fields become a file name,
// a scenario name, an expectation's name, expected and actual values, a
// warning and a finding; every sink must keep its promise, or the target
// aborts:
//   - terminal text: no control byte, valid UTF-8;
//   - XML: no raw '<' or '>' from the input, valid UTF-8, and JUnit with
//     one testsuite per file;
//   - SARIF (meshsim's JSON writer): parses back as JSON;
//   - stdout through the line guard: no line is a workflow command, and
//     each of meshsim's own `--github` annotations is one line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/check_result.h"
#include "model/text.h"
#include "reports/check_report.h"
#include "reports/line_guard.h"
#include "reports/markup.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

bool Utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = meshsim::Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Lines of `text` that start, after spaces and tabs, with "::".
size_t CommandLines(const std::string& text) {
  size_t n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t start = line.find_first_not_of(" \t");
    n += start != std::string::npos && line.compare(start, 2, "::") == 0;
  }
  return n;
}

// `text` written through the CLI's line guard.
std::string Guarded(const std::string& text) {
  std::ostringstream out;
  {
    meshsim::LineGuard guard(out.rdbuf());
    std::ostream guarded(&guard);
    guarded << text;
    guarded.flush();
  }
  return out.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshsim;
  std::vector<std::string> f;
  std::string field;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && f.size() < 6) {
      f.push_back(field);
      field.clear();
    } else {
      field += static_cast<char>(data[i]);
    }
  }
  f.push_back(field);
  f.resize(7);

  const std::string term = TerminalText(f[0]);
  Require(Utf8(term));
  for (unsigned char c : term) Require(c >= 0x20 && c != 0x7F);
  const std::string xml = XmlEscape(f[1]);
  Require(Utf8(xml));
  Require(xml.find('<') == std::string::npos &&
          xml.find('>') == std::string::npos);
  Require(Utf8(Utf8Prefix(TerminalText(f[2]), f[3].size())));

  ScenarioCheck c;
  c.file = f[0];
  c.name = f[1];
  ExpectationResult failed;
  failed.name = f[2];
  failed.expected = f[3];
  failed.actual = f[4];
  failed.location = {f[0], 3, 5};
  Finding finding;
  finding.rule = "waypoint-bypass";
  finding.message = f[6];
  failed.findings.push_back(finding);
  ExpectationResult passed;
  passed.name = f[3];
  passed.passed = true;
  c.results = {failed, passed};
  Diagnostic warning;
  warning.severity = Severity::kWarning;
  warning.location = {f[0], 1, 1};
  warning.message = f[5];
  c.warnings.push_back(warning);
  ScenarioCheck broken;
  broken.file = f[5];
  broken.error = "cannot load: " + f[6];
  broken.error_location = {f[5], 2, 1};
  const std::vector<ScenarioCheck> checks = {c, broken};

  std::ostringstream text;
  WriteCheckText(checks, text);
  const std::string shown = Guarded(text.str());
  Require(CommandLines(shown) == 0);
  Require(shown.find('\x1b') == std::string::npos);

  std::ostringstream junit;
  WriteJUnit(checks, junit, true);
  Require(Utf8(junit.str()));
  size_t suites = 0;
  for (size_t at = junit.str().find("<testsuite "); at != std::string::npos;
       at = junit.str().find("<testsuite ", at + 1))
    ++suites;
  Require(suites == checks.size());

  std::ostringstream annotations;
  WriteGitHubAnnotations(checks, 10, annotations);
  const std::string own = Guarded(annotations.str());
  // One failed expectation, one file that did not load, one warning: three
  // annotations, each a line of its own, no control byte in them, and
  // nothing else.
  Require(CommandLines(own) == 3);
  size_t own_lines = 0;
  for (char ch : own) own_lines += ch == '\n';
  Require(own_lines == 3);
  for (unsigned char ch : own) Require(ch >= 0x20 || ch == '\n');
  std::ostringstream summary;
  WriteGitHubSummary(checks, summary);
  // The step summary is Markdown: valid UTF-8, one line per table row (a
  // title, a blank line, a header, a rule, three rows), no raw HTML.
  Require(Utf8(summary.str()));
  size_t summary_lines = 0;
  for (char ch : summary.str()) summary_lines += ch == '\n';
  Require(summary_lines == 7);
  Require(summary.str().find('<') == std::string::npos);

  SarifInput in;
  in.check = checks;
  std::ostringstream sarif;
  WriteSarif(in, sarif);
  // SARIF goes through WriteJson, meshsim's one JSON writer.
  Require(nlohmann::json::accept(sarif.str()));
  return 0;
}
