#include "reports/diff_report.h"

#include <nlohmann/json.hpp>

#include "model/text.h"
#include "reports/finding_json.h"

namespace meshsim {

namespace {

using Json = nlohmann::ordered_json;

const char* Verdict(const DiffResult& r) {
  switch (r.result) {
    case ProofResult::kProved:
      return "equivalent";
    case ProofResult::kViolated:
      return "different";
    case ProofResult::kUnknown:
      return "unknown";
    case ProofResult::kNotApplicable:
      return "not-applicable";
  }
  return "?";
}

Json Side(const DiffSide& s) {
  Json j;
  j["outcome"] = OutcomeName(s.outcome);
  j["waypoint_passes"] = s.passes;
  j["waypoint"] = s.via.empty() ? Json(nullptr) : Json(s.via);
  j["route"] = s.route.empty() ? Json(nullptr) : Json(s.route);
  j["decision"] = s.decision;
  j["path"] = PathHopsJson(s.path);
  return j;
}

Json Change(const ObjectChange& c) {
  return {{"cluster", c.cluster},
          {"kind", c.kind},
          {"name", c.name},
          {"change", c.change},
          {"old", LocationJson(c.old_location)},
          {"new", LocationJson(c.new_location)},
          {"fields", c.fields}};
}

// The witness path after the outcome; nothing when there is none (the
// class of any pod outside the mesh has no workload to replay).
std::string SideText(const std::vector<Hop>& path) {
  return path.empty() ? "" : ": " + PathText(path);
}

std::string Summary(const DiffResult& r) {
  if (r.result == ProofResult::kProved)
    return "equivalent for all requests (" +
           Counted(r.destinations, "destination") + ", " +
           Counted(r.classes_checked, "request class", "request classes") + ")";
  if (r.result == ProofResult::kUnknown)
    return "unknown: " + r.reason + "; " +
           Counted(r.findings.size(), "difference") + " found before that";
  size_t more = 0;
  for (const auto& [rule, n] : r.more) more += n;
  const size_t n = r.findings.size() + more;
  return std::to_string(n) + (n == 1 ? " class" : " classes") +
         " of requests change" + (n == 1 ? "s" : "") + " fate" +
         (more ? " (" + std::to_string(more) +
                     " not shown: raise --max-findings)"
               : "");
}

}  // namespace

void WriteDiffJson(const std::string& old_name, const std::string& new_name,
                   const DiffResult& r, std::ostream& out,
                   const std::vector<Diagnostic>& warnings) {
  Json root;
  root["meshsim"] = MeshsimJson();
  root["old"] = old_name;
  root["new"] = new_name;
  root["result"] = Verdict(r);
  root["summary"] = Summary(r);
  if (!r.reason.empty()) root["reason"] = r.reason;
  root["destinations"] = r.destinations;
  root["classes_checked"] = r.classes_checked;
  root["changed_objects"] = Json::array();
  for (const ObjectChange& c : r.changes)
    root["changed_objects"].push_back(Change(c));
  root["findings"] = Json::array();
  for (const DiffFinding& df : r.findings) {
    // The finding's shape (reports/finding_json.h), with the diff's own keys
    // in their documented places (docs/diff.md).
    Json j = FindingJson(df.finding);
    const Json objects = j["objects"];
    j.erase("path");
    j.erase("fix");
    j.erase("objects");
    Json& req = j["request"];
    const Json cluster = req["cluster"];
    req.erase("cluster");
    if (!df.headers.empty()) req["headers"] = df.headers;
    if (!df.alike.empty()) req["alike"] = df.alike;
    req["cluster"] = cluster;
    j["old"] = Side(df.old_side);
    j["new"] = Side(df.new_side);
    j["objects"] = objects;
    j["changed"] = Json::array();
    for (const ObjectChange& c : df.changed) j["changed"].push_back(Change(c));
    root["findings"].push_back(j);
  }
  root["more"] = Json::object();
  for (const auto& [rule, n] : r.more) root["more"][rule] = n;
  root["notes"] = r.notes;
  root["not_encoded"] = r.not_encoded;
  if (!warnings.empty()) root["warnings"] = WarningsJson(warnings);
  WriteJson(root, out);
}

void WriteDiffText(const std::string& old_name, const std::string& new_name,
                   const DiffResult& r, std::ostream& out) {
  out << "old: " << old_name << "\nnew: " << new_name << "\n\n";
  if (!r.changes.empty()) {
    out << "changed objects:\n";
    for (const ObjectChange& c : r.changes) {
      const SourceLocation& l =
          c.change == "removed" ? c.old_location : c.new_location;
      out << "  " << c.change << " " << c.kind << " " << c.name << " ("
          << c.cluster << ")" << (l.Known() ? " at " + l.ToString() : "")
          << "\n";
      for (const std::string& f : c.fields) out << "      " << f << "\n";
    }
    out << "\n";
  }
  out << Summary(r) << "\n";
  for (const DiffFinding& df : r.findings) {
    const Finding& f = df.finding;
    out << "\n"
        << SeverityName(f.severity) << ": [" << f.rule << "] " << f.message
        << "\n";
    if (!df.alike.empty()) {
      out << "    also from:";
      for (size_t i = 0; i < df.alike.size() && i < 5; ++i)
        out << " " << df.alike[i];
      if (df.alike.size() > 5) out << " and " << df.alike.size() - 5 << " more";
      out << "\n";
    }
    if (!df.headers.empty()) {
      out << "    headers:";
      for (const auto& [k, v] : df.headers) out << " " << k << "=" << v;
      out << "\n";
    }
    out << "    old: " << OutcomeName(df.old_side.outcome)
        << (df.old_side.decision.empty() ? ""
                                         : " (" + df.old_side.decision + ")")
        << SideText(df.old_side.path) << "\n";
    out << "    new: " << OutcomeName(df.new_side.outcome)
        << (df.new_side.decision.empty() ? ""
                                         : " (" + df.new_side.decision + ")")
        << SideText(df.new_side.path) << "\n";
    for (const ObjectChange& c : df.changed) {
      out << "    because " << c.kind << " " << c.name << " was " << c.change;
      if (c.old_location.Known())
        out << " (old " << c.old_location.ToString() << ")";
      if (c.new_location.Known())
        out << " (new " << c.new_location.ToString() << ")";
      out << "\n";
    }
  }
  for (const std::string& n : r.notes) out << "note: " << n << "\n";
}

}  // namespace meshsim
