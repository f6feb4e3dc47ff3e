#include "reports/check_report.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "model/version.h"
#include "reports/finding_json.h"
#include "reports/markup.h"

namespace meshsim {

namespace {

using Json = nlohmann::ordered_json;

// --sarif-root as given ("" for the default), and the folder it names once
// found (SarifRoot).
std::string sarif_root_setting;
std::optional<std::filesystem::path> sarif_root;

// The folder SARIF and JUnit paths are relative to: --sarif-root, else the
// git top level of the working directory (the nearest folder up with a
// .git entry; read, not run), else the working directory.
const std::filesystem::path& SarifRoot() {
  namespace fs = std::filesystem;
  if (sarif_root) return *sarif_root;
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  sarif_root = cwd;
  if (!sarif_root_setting.empty()) {
    sarif_root = fs::absolute(sarif_root_setting, ec).lexically_normal();
    return *sarif_root;
  }
  for (fs::path d = cwd; !d.empty(); d = d.parent_path()) {
    if (fs::exists(d / ".git", ec)) {
      sarif_root = d;
      break;
    }
    if (d == d.parent_path()) break;
  }
  return *sarif_root;
}

// A path as SARIF/GitHub want it: relative to the repository root
// (SarifRoot), with forward slashes; a file outside it keeps its path.
std::string RepoPath(const std::string& file) {
  namespace fs = std::filesystem;
  if (file.empty()) return file;
  std::error_code ec;
  fs::path p = fs::absolute(file, ec).lexically_normal();
  if (ec) return fs::path(file).lexically_normal().generic_string();
  const fs::path rel = p.lexically_relative(SarifRoot());
  if (!rel.empty() && rel.native().rfind("..", 0) != 0) p = rel;
  return p.generic_string();
}

std::string Hex64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  std::ostringstream o;
  o << std::hex << std::setw(16) << std::setfill('0') << h;
  return o.str();
}

Json PhysicalLocation(const SourceLocation& l) {
  Json j;
  j["artifactLocation"] = {{"uri", RepoPath(l.file)}};
  Json region;
  region["startLine"] = l.line > 0 ? l.line : 1;
  if (l.column > 0) region["startColumn"] = l.column;
  j["region"] = region;
  return j;
}

Json CodeFlow(const std::vector<Hop>& path, const SourceLocation& where) {
  Json locations = Json::array();
  for (size_t i = 0; i < path.size(); ++i) {
    Json loc;
    // Each step at its hop's own object (a ztunnel's: the pod it serves
    // there), else at the finding's.
    const SourceLocation& at =
        path[i].location.Known() ? path[i].location : where;
    loc["location"] = {
        {"physicalLocation", PhysicalLocation(at)},
        {"message",
         {{"text",
           std::to_string(i + 1) + ". " + HopKindName(path[i].kind) + " " +
               path[i].name +
               (path[i].cluster.empty() ? ""
                                        : " (" + path[i].cluster + ")")}}}};
    locations.push_back(loc);
  }
  return Json::array(
      {{{"threadFlows", Json::array({{{"locations", locations}}})}}});
}

Json Result(const std::string& rule, Severity severity,
            const std::string& message, const SourceLocation& where,
            const std::vector<SourceLocation>& related,
            const std::vector<Hop>& path, const std::string& fingerprint) {
  Json r;
  r["ruleId"] = rule;
  for (size_t i = 0; i < RuleCatalogue().size(); ++i)
    if (rule == RuleCatalogue()[i].id) r["ruleIndex"] = i;
  r["level"] = SeverityName(severity);
  r["message"] = {{"text", message}};
  r["locations"] =
      Json::array({{{"physicalLocation", PhysicalLocation(where)}}});
  if (!related.empty()) {
    Json rel = Json::array();
    for (size_t i = 0; i < related.size(); ++i)
      rel.push_back(
          {{"id", i + 1}, {"physicalLocation", PhysicalLocation(related[i])}});
    r["relatedLocations"] = rel;
  }
  r["partialFingerprints"] = {{"meshsimFinding/v1", Hex64(fingerprint)}};
  if (!path.empty()) r["codeFlows"] = CodeFlow(path, where);
  return r;
}

// "2 failed; 1 file did not load", "" when all hold: a file that did not
// load is no failed expectation, so it is counted apart.
std::string Verdict(const std::vector<ScenarioCheck>& checks) {
  size_t unloaded = 0;
  for (const ScenarioCheck& c : checks) unloaded += !c.error.empty();
  const size_t failed = FailureCount(checks) - unloaded;
  std::string verdict = failed ? std::to_string(failed) + " failed" : "";
  if (unloaded)
    verdict += (verdict.empty() ? "" : "; ") + Counted(unloaded, "file") +
               " did not load";
  return verdict;
}

}  // namespace

void SetSarifRoot(const std::string& dir) {
  sarif_root_setting = dir;
  sarif_root.reset();
}

void WriteCheckText(const std::vector<ScenarioCheck>& checks,
                    std::ostream& out) {
  size_t total = 0;
  for (const ScenarioCheck& c : checks) {
    // Names, files and messages come from untrusted input: one line each,
    // with controls made visible (reports/markup.h TerminalText).
    const auto t = [](const std::string& s) { return TerminalText(s); };
    out << t(c.file) << (c.name.empty() ? "" : "  (" + t(c.name) + ")") << "\n";
    if (!c.error.empty()) out << "  ERROR  " << t(c.error) << "\n";
    for (const Diagnostic& w : c.warnings)
      out << "  warning  " << t(w.location.ToString()) << ": " << t(w.message)
          << "\n";
    if (c.results.empty() && c.error.empty()) out << "  (no expectations)\n";
    for (const ExpectationResult& r : c.results) {
      ++total;
      out << "  " << (r.passed ? "pass" : "FAIL") << "  " << t(r.name) << "\n";
      if (!r.passed) {
        out << "        at " << t(r.location.ToString()) << "\n"
            << "        expected: " << t(r.expected) << "\n"
            << "        actual:   " << t(r.actual) << "\n";
        for (const Finding& f : r.findings)
          out << "        finding: [" << f.rule << "] " << t(f.message) << "\n";
      }
    }
  }
  const std::string verdict = Verdict(checks);
  out << "\n"
      << total << " expectation" << (total == 1 ? "" : "s") << " in "
      << checks.size() << " scenario file" << (checks.size() == 1 ? "" : "s")
      << ": " << (verdict.empty() ? "all hold" : verdict);
  const size_t warnings = WarningCount(checks);
  if (warnings)
    out << "; " << warnings << " warning" << (warnings == 1 ? "" : "s");
  out << "\n";
}

void WriteCheckTimings(const std::vector<ScenarioCheck>& checks,
                       std::ostream& out) {
  std::vector<const ScenarioCheck*> order;
  double total = 0;
  for (const ScenarioCheck& c : checks) {
    order.push_back(&c);
    total += c.seconds;
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const ScenarioCheck* a, const ScenarioCheck* b) {
                     return a->seconds > b->seconds;
                   });
  out << "\ntimings (seconds per file, slowest first; " << std::fixed
      << std::setprecision(2) << total << " s in all):\n";
  for (const ScenarioCheck* c : order)
    out << std::setw(9) << c->seconds << "  " << TerminalText(RepoPath(c->file))
        << "\n";
  out << std::defaultfloat;
}

void WriteJUnit(const std::vector<ScenarioCheck>& checks, std::ostream& out,
                bool timings) {
  size_t tests = 0, failures = 0, errors = 0;
  for (const ScenarioCheck& c : checks) {
    tests += c.results.size() + (c.error.empty() ? 0 : 1);
    errors += !c.error.empty();
    for (const ExpectationResult& r : c.results) failures += !r.passed;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"meshsim check\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" errors=\"" << errors << "\">\n";
  for (const ScenarioCheck& c : checks) {
    size_t f = 0;
    for (const ExpectationResult& r : c.results) f += !r.passed;
    const std::string suite = XmlEscape(RepoPath(c.file));
    out << "  <testsuite name=\"" << suite << "\" tests=\""
        << c.results.size() + (c.error.empty() ? 0 : 1) << "\" failures=\"" << f
        << "\" errors=\"" << (c.error.empty() ? 0 : 1) << "\" skipped=\"0\"";
    if (timings) {
      std::ostringstream t;
      t << std::fixed << std::setprecision(3) << c.seconds;
      out << " time=\"" << t.str() << "\"";
    }
    // Which meshsim, modelling which releases, gave these verdicts.
    out << ">\n    <properties>\n"
        << "      <property name=\"meshsim.version\" value=\""
        << kMeshsimVersion << "\"/>\n"
        << "      <property name=\"meshsim.models\" value=\""
        << XmlEscape(ModelledReleases()) << "\"/>\n    </properties>\n";
    if (!c.error.empty()) {
      out << "    <testcase name=\"load scenario\" classname=\"" << suite
          << "\">\n      <error message=\"" << XmlEscape(c.error)
          << "\" type=\"bad-input\">" << XmlEscape(c.error)
          << "</error>\n    </testcase>\n";
    }
    for (const ExpectationResult& r : c.results) {
      // No file/line attributes: junit-10.xsd has none; the failure text
      // carries the location.
      out << "    <testcase name=\"" << XmlEscape(r.name) << "\" classname=\""
          << suite << "\"";
      if (r.passed) {
        out << "/>\n";
        continue;
      }
      std::string body = "expected: " + r.expected + "\nactual: " + r.actual;
      if (!r.path.empty()) body += "\npath: " + PathText(r.path);
      for (const Finding& fd : r.findings)
        body += "\nfinding: [" + fd.rule + "] " + fd.message;
      body += "\nat " + r.location.ToString();
      out << ">\n      <failure message=\""
          << XmlEscape("expected " + r.expected + ", got " + r.actual)
          << "\" type=\"check-failed\">" << XmlEscape(body)
          << "</failure>\n    </testcase>\n";
    }
    if (!c.warnings.empty()) {
      std::string text;
      for (const Diagnostic& w : c.warnings) text += w.ToString() + "\n";
      out << "    <system-out>" << XmlEscape(text) << "</system-out>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

// A scenario's warning as a SARIF result; a rule's (the catalogue's, which
// every command shows) as `lint --sarif` gives it: its id, the same
// fingerprint.
Json WarningResult(const Diagnostic& w) {
  if (w.rule.empty())
    return Result("scenario-warning", Severity::kWarning, w.message, w.location,
                  {}, {},
                  "warning|" + RepoPath(w.location.file) + "|" + w.message);
  const std::string message = w.WithoutRuleTag().value_or(w.message);
  return Result(w.rule, Severity::kWarning, message, w.location, {}, {},
                w.rule + "|" + RepoPath(w.location.file) + "|" + w.object.kind +
                    w.object.ns + "/" + w.object.name + "|" + message);
}

void WriteSarif(const SarifInput& in, std::ostream& out) {
  Json rules = Json::array();
  for (const Rule& r : RuleCatalogue()) {
    Json j;
    j["id"] = r.id;
    j["name"] = r.id;
    j["shortDescription"] = {{"text", r.title}};
    j["fullDescription"] = {{"text", r.help}};
    j["help"] = {
        {"text", std::string(r.help) + " See " + std::string(r.anchor) + "."}};
    j["defaultConfiguration"] = {{"level", SeverityName(r.sarif_level)}};
    rules.push_back(j);
  }
  Json results = Json::array();
  for (const auto& [file, vr] : in.verify) {
    for (const Finding& f : vr.findings) {
      SourceLocation where = f.objects.empty() ? SourceLocation{file, 1, 1}
                                               : f.objects.front().location;
      if (!where.Known()) where = SourceLocation{file, 1, 1};
      std::vector<SourceLocation> related;
      for (size_t i = 1; i < f.objects.size(); ++i)
        if (f.objects[i].location.Known())
          related.push_back(f.objects[i].location);
      std::string text = f.message;
      if (!f.from.empty())
        text += ". Request: from " + f.from + " (" + f.from_cluster + ") to " +
                f.to + (f.http.empty() ? "" : " " + f.http);
      if (!f.fix.empty()) text += ". Fix: " + f.fix;
      std::string key = f.rule + "|" + RepoPath(where.file);
      for (const FindingObject& o : f.objects) key += "|" + o.kind + o.name;
      key += "|" + f.from + "|" + f.to;
      results.push_back(
          Result(f.rule, f.severity, text, where, related, f.path, key));
      // The root cause it shares with others (verify's `groups`): code
      // scanning shows the property bag with the result.
      if (!f.cause.empty()) {
        Json& props = results.back()["properties"];
        props["rootCause"] = f.cause;
        for (const FindingGroup& g : vr.groups)
          if (g.rule == f.rule && g.cause == f.cause) {
            props["rootCauseFindings"] = g.count;
            if (!g.fix_yaml.empty()) props["rootCauseFixYaml"] = g.fix_yaml;
          }
      }
    }
  }
  for (const DiffFinding& df : in.diff) {
    const Finding& f = df.finding;
    SourceLocation where;
    for (const ObjectChange& c : df.changed)
      if (!where.Known())
        where = c.new_location.Known() ? c.new_location : c.old_location;
    if (!where.Known() && !f.objects.empty()) where = f.objects[0].location;
    std::vector<SourceLocation> related;
    for (const ObjectChange& c : df.changed)
      if (c.old_location.Known()) related.push_back(c.old_location);
    std::string key = f.rule + "|" + f.from + "|" + f.to + "|" + f.http;
    results.push_back(Result(f.rule, f.severity, f.message, where, related,
                             df.new_side.path, key));
  }
  for (const auto& [file, lr] : in.lint)
    for (const LintFinding& f : lr.findings) {
      const SourceLocation where =
          f.location.Known() ? f.location : SourceLocation{file, 1, 1};
      std::string text = f.message;
      if (!f.fix.empty()) text += ". Fix: " + f.fix;
      results.push_back(Result(f.rule, f.severity, text, where, {}, {},
                               f.rule + "|" + RepoPath(where.file) + "|" +
                                   f.object.kind + f.object.ns + "/" +
                                   f.object.name + "|" + f.message));
    }
  for (const ScenarioCheck& c : in.check) {
    if (!c.error.empty())
      results.push_back(Result("load-error", Severity::kError, c.error,
                               c.error_location, {}, {},
                               "load|" + RepoPath(c.file) + "|" + c.error));
    for (const Diagnostic& w : c.warnings) results.push_back(WarningResult(w));
    for (const ExpectationResult& r : c.results) {
      if (r.passed) continue;
      results.push_back(Result(
          "check-failed", Severity::kError,
          "Expectation '" + r.name + "' does not hold: expected " + r.expected +
              ", got " + r.actual,
          r.location, {}, r.path, "check|" + RepoPath(c.file) + "|" + r.name));
    }
  }
  // Invocation notifications: what kept the run from an answer.
  Json notes = Json::array();
  const auto note = [&](const std::string& level, const std::string& text,
                        const SourceLocation& at) {
    Json n;
    n["level"] = level;
    n["message"] = {{"text", text}};
    if (at.Known())
      n["locations"] =
          Json::array({{{"physicalLocation", PhysicalLocation(at)}}});
    notes.push_back(n);
  };
  for (const Diagnostic& d : in.load_errors) {
    results.push_back(
        Result("load-error", Severity::kError, d.message, d.location, {}, {},
               "load|" + RepoPath(d.location.file) + "|" + d.message));
    note("error", "the scenario does not load: " + d.message, d.location);
  }
  for (const ScenarioCheck& c : in.check)
    if (!c.error.empty())
      note("error", "the scenario does not load: " + c.error, c.error_location);
  for (const auto& [file, vr] : in.verify)
    for (const PropertyResult& p : vr.properties)
      if (p.result == ProofResult::kUnknown)
        note("error",
             "property " + p.name + " is unknown" +
                 (p.reason.empty() ? "" : ": " + p.reason) +
                 " (raise --rlimit or --timeout to decide it)",
             SourceLocation{file, 0, 0});
  bool failed = false;
  for (const Json& n : notes) failed = failed || n["level"] == "error";
  Json invocation;
  invocation["executionSuccessful"] = !failed;
  invocation["toolExecutionNotifications"] = notes;

  Json run;
  run["tool"] = {{"driver",
                  {{"name", "meshsim"},
                   {"informationUri", "https://github.com/meshsim/meshsim"},
                   {"version", kMeshsimVersion},
                   {"semanticVersion", kMeshsimVersion},
                   {"properties", {{"models", ModelledReleases()}}},
                   {"rules", rules}}}};
  run["invocations"] = Json::array({invocation});
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = results;
  Json root;
  root["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  root["version"] = "2.1.0";
  root["runs"] = Json::array({run});
  WriteJson(root, out);
}

void WriteGitHubAnnotations(const std::vector<ScenarioCheck>& checks,
                            size_t limit, std::ostream& out) {
  // Workflow commands: newlines and % in the message must be escaped.
  auto esc = [](const std::string& s, bool property) {
    std::string o;
    for (char c : s) {
      if (c == '%')
        o += "%25";
      else if (c == '\r')
        o += "%0D";
      else if (c == '\n')
        o += "%0A";
      else if (property && c == ':')
        o += "%3A";
      else if (property && c == ',')
        o += "%2C";
      else
        o += c;
    }
    return o;
  };
  // GitHub shows at most `limit` annotations of each level per step.
  size_t shown = 0, hidden = 0, warnings_shown = 0, warnings_hidden = 0;
  auto annotate = [&](const char* level, const SourceLocation& loc,
                      const std::string& msg) {
    // Controls shown as text first (an ESC in a name would reach the log
    // raw), then the commands' own escaping.
    out << kOwnCommandLine << "::" << level
        << " file=" << esc(TerminalText(RepoPath(loc.file)), true)
        << ",line=" << (loc.line > 0 ? loc.line : 1);
    if (loc.column > 0) out << ",col=" << loc.column;
    out << ",title=meshsim check::" << esc(TerminalText(msg), false) << "\n";
  };
  for (const ScenarioCheck& c : checks) {
    std::vector<std::pair<SourceLocation, std::string>> items;
    if (!c.error.empty()) items.push_back({c.error_location, c.error});
    for (const ExpectationResult& r : c.results)
      if (!r.passed)
        items.push_back({r.location, r.name + ": expected " + r.expected +
                                         ", got " + r.actual});
    for (const auto& [loc, msg] : items) {
      if (shown >= limit) {
        ++hidden;
        continue;
      }
      ++shown;
      annotate("error", loc, msg);
    }
    for (const Diagnostic& w : c.warnings) {
      if (warnings_shown >= limit) {
        ++warnings_hidden;
        continue;
      }
      ++warnings_shown;
      annotate("warning", w.location, w.message);
    }
  }
  if (hidden)
    out << kOwnCommandLine << "::error title=meshsim check::" << hidden
        << " more failed expectations not annotated (GitHub shows at most "
        << limit << " per step); see the job summary\n";
  if (warnings_hidden)
    out << kOwnCommandLine
        << "::warning title=meshsim check::" << warnings_hidden
        << " more warnings not annotated; see the job log\n";
}

void WriteGitHubSummary(const std::vector<ScenarioCheck>& checks,
                        std::ostream& out) {
  const std::string verdict = Verdict(checks);
  out << "## meshsim check: "
      << (verdict.empty() ? "all expectations hold" : verdict)
      << "\n\n| scenario | expectation | result | expected | actual |\n"
      << "|---|---|---|---|---|\n";
  // Input in cells as Markdown text (no HTML, links or line breaks); the
  // file name as text too, since a '|' inside inline code still ends a
  // GitHub table cell.
  const auto cell = [](const std::string& s) { return MarkdownText(s); };
  for (const ScenarioCheck& c : checks) {
    if (!c.error.empty())
      out << "| " << cell(RepoPath(c.file)) << " | load | :x: error | | "
          << cell(c.error) << " |\n";
    for (const ExpectationResult& r : c.results)
      out << "| " << cell(RepoPath(c.file)) << " | " << cell(r.name) << " | "
          << (r.passed ? ":white_check_mark: pass" : ":x: **fail**") << " | "
          << (r.passed ? "" : cell(r.expected)) << " | "
          << (r.passed ? "" : cell(r.actual)) << " |\n";
  }
}

}  // namespace meshsim
