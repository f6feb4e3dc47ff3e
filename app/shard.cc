#include "app/shard.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "model/io/files.h"
#include "model/sha256.h"

// std::optional as null or the value (nlohmann 3.11 has no serializer).
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& o) {
    if (o)
      j = *o;
    else
      j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& o) {
    if (j.is_null())
      o.reset();
    else
      o = j.get<T>();
  }
};
}  // namespace nlohmann

namespace meshsim {

// ---- the value types, field by field ----------------------------------------
// Enums as their numbers: a shard file is read only by the meshsim version
// that wrote it (MergeShards checks), never by people.

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SourceLocation, file, line, column)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiagnosticObject, kind, ns, name, cluster)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Diagnostic, severity, location, message,
                                   rule, object)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PolicyEvaluation, policy, action,
                                   matched_rule, effect, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Hop, kind, name, cluster, node, policies,
                                   location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FindingObject, kind, name, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Finding, rule, severity, message, from,
                                   from_cluster, client_kind, to, http, cluster,
                                   path, req_from_workload, req_from_ingress,
                                   req_to_host, req_to_pod, req_port,
                                   req_method, req_path, objects, fix, cause,
                                   fix_yaml)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FindingGroup, rule, cause, count,
                                   destinations, clients, representative, fix,
                                   fix_yaml)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PropertyResult, name, result,
                                   classes_checked, seconds, reason, core)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifyResult, properties, findings, groups)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JwtToken, iss, sub, azp, aud, claims,
                                   expired)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ObjectChange, cluster, kind, name, change,
                                   old_location, new_location, fields)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffSide, outcome, passes, via, route, path,
                                   decision, why)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffFinding, finding, old_side, new_side,
                                   headers, jwt, alike, alike_truncated,
                                   changed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DiffResult, result, reason, classes_checked,
                                   destinations, seconds, findings, more,
                                   changes, notes, not_encoded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ExpectationResult, name, passed, expected,
                                   actual, location, path, findings, undecided)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ScenarioCheck, file, name, results, error,
                                   error_location, warnings, seconds)
// A histogram as its non-empty buckets: [[bucket, count], ...] and the max.
template <typename H>
nlohmann::json HistogramJson(const H& h) {
  nlohmann::json buckets = nlohmann::json::array();
  for (int b = 0; b < H::kBuckets; ++b)
    if (h.bucket(b)) buckets.push_back({b, h.bucket(b)});
  return {{"buckets", buckets}, {"max", h.max()}};
}
template <typename H>
void HistogramOf(const nlohmann::json& j, H& h) {
  h = H();
  for (const auto& b : j.at("buckets")) {
    const int i = b.at(0).get<int>();
    if (i < 0 || i >= H::kBuckets)
      throw std::out_of_range("histogram bucket out of range");
    h.AddToBucket(i, b.at(1).get<uint64_t>());
  }
  h.SetMax(j.at("max").get<int64_t>());
}
void to_json(nlohmann::json& j, const HopHistogram& h) { j = HistogramJson(h); }
void from_json(const nlohmann::json& j, HopHistogram& h) { HistogramOf(j, h); }
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HopTiming, samples, network_ns, wait_ns,
                                   service_ns, wait, service)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PathHopTiming, station, timing)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimPathInfo, waypoints, outcome, summary,
                                   hops, timing, latency)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StationStats, served, busy_ns,
                                   busy_window_ns, queue_area, max_queue,
                                   queue_full)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimStation, name, kind, cluster, workers,
                                   stats)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimPolicyCounter, policy, rule, effect, hits)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimOutlierDetector, detector, hosts,
                                   ejections, not_ejected)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, mean, half_width)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EntryIntervals, name, mean_ms, p50_ms,
                                   p90_ms, p99_ms, p999_ms, failed_percent)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SweepPoint, rate, replicas, version, faults,
                                   entries, utilization, busiest)

void to_json(nlohmann::json& j, const LatencyHistogram& h) {
  j = HistogramJson(h);
}
void from_json(const nlohmann::json& j, LatencyHistogram& h) {
  HistogramOf(j, h);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SourceStats, requests, delivered, denied,
                                   failed, retries, timeouts, failed_by_reason,
                                   per_path, latency, latency_sum_ns)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimEntry, name, stats, paths, path_hits)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SimResult, entries, stations,
                                   policy_counters, outlier_detectors, reasons,
                                   simulated_seconds, offered_seconds, events,
                                   connections_opened, retries_refused)

namespace {

// 2: paths carry their latency; 3: hops their object's location.
constexpr int kShardFormat = 3;
// Shard files are results, not manifests: larger than the input limit.
constexpr uintmax_t kMaxShardBytes = uintmax_t{1} << 30;
constexpr int kMaxShards = 100000;  // as --shard accepts

nlohmann::json UnitJson(const ShardUnit& u) {
  nlohmann::json j = {{"index", u.index}};
  if (!u.err.empty()) j["err"] = u.err;
  if (u.check) j["check"] = *u.check;
  if (u.run) j["run"] = *u.run;
  if (u.point) j["point"] = *u.point;
  if (!u.slices.empty()) j["slices"] = u.slices;
  if (!u.diffs.empty()) j["diffs"] = u.diffs;
  if (!u.extra.empty()) j["extra"] = u.extra;
  return j;
}

ShardUnit UnitOf(const nlohmann::json& j) {
  ShardUnit u;
  u.index = j.at("index").get<size_t>();
  u.err = j.value("err", "");
  if (j.contains("check")) u.check = j["check"].get<ScenarioCheck>();
  if (j.contains("run")) u.run = j["run"].get<SimResult>();
  if (j.contains("point")) u.point = j["point"].get<SweepPoint>();
  if (j.contains("slices"))
    u.slices = j["slices"].get<std::vector<VerifyResult>>();
  if (j.contains("diffs")) u.diffs = j["diffs"].get<std::vector<DiffResult>>();
  if (j.contains("extra"))
    u.extra = j["extra"].get<std::map<std::string, std::string>>();
  return u;
}

std::string Joined(const std::vector<std::string>& args) {
  std::string s;
  for (const std::string& a : args) {
    s += ' ';
    const bool plain =
        !a.empty() && a.find_first_of(" \t'\"\\$") == std::string::npos;
    s += plain ? a : "'" + a + "'";
  }
  return s;
}

std::mutex recorded_mu;
std::map<std::string, std::string> recorded;
thread_local std::map<std::string, std::string>* captured = nullptr;

}  // namespace

std::optional<ShardSpec> ParseShard(const std::string& s, std::string* error) {
  const size_t slash = s.find('/');
  auto number = [](const std::string& t, long& v) {
    if (t.empty() || t.size() > 6 ||
        t.find_first_not_of("0123456789") != std::string::npos)
      return false;
    v = std::stol(t);
    return true;
  };
  long i = 0, n = 0;
  if (slash == std::string::npos || !number(s.substr(0, slash), i) ||
      !number(s.substr(slash + 1), n) || n < 1 || n > kMaxShards || i >= n) {
    *error =
        "--shard must be I/N with 0 <= I < N <= 100000 (I counts from "
        "0), got '" +
        s + "'";
    return std::nullopt;
  }
  return ShardSpec{static_cast<int>(i), static_cast<int>(n)};
}

std::string ShardWork(const ShardFile& f) {
  return "meshsim " + f.command + Joined(f.args);
}

std::string ShardJson(const ShardFile& f) {
  nlohmann::json j;
  j["meshsim_shard"] = kShardFormat;
  j["meshsim"] = f.meshsim;
  j["command"] = f.command;
  j["args"] = f.args;
  j["output"] = f.output;
  j["settings"] = f.settings;
  j["shard"] = {{"index", f.shard.index}, {"count", f.shard.count}};
  j["units"] = f.units;
  j["inputs"] = f.inputs;
  j["name"] = f.name;
  j["warnings"] = f.warnings;
  if (f.common) j["common"] = *f.common;
  if (f.common_diff) j["common_diff"] = *f.common_diff;
  if (!f.preamble_err.empty()) j["preamble_err"] = f.preamble_err;
  j["results"] = nlohmann::json::array();
  for (const ShardUnit& u : f.results) j["results"].push_back(UnitJson(u));
  return j.dump() + "\n";
}

std::optional<ShardFile> ReadShard(const std::string& path,
                                   std::string* error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    *error = path + ": no such shard file";
    return std::nullopt;
  }
  if (std::filesystem::file_size(path, ec) > kMaxShardBytes) {
    *error = path + ": larger than 1 GiB; not a meshsim shard file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseShardText(text.str(), path, error);
}

namespace {

// Whether every number of `root` converts to the C++ type the reads below
// give it without undefined behaviour: a float out of an integer's range
// is UB (fuzz_shard found 1e107 read as an int). Integral floats become
// integers (an out-of-range integer conversion is defined); the others
// must lie in (-1, 2^31), which fits every integer field. meshsim itself
// writes no other. An explicit stack: nesting depth is the input's.
bool NumbersConvertSafely(nlohmann::json& root) {
  std::vector<nlohmann::json*> todo = {&root};
  while (!todo.empty()) {
    nlohmann::json* n = todo.back();
    todo.pop_back();
    if (n->is_structured()) {
      for (nlohmann::json& child : *n) todo.push_back(&child);
      continue;
    }
    if (!n->is_number_float()) continue;
    const double x = n->get<double>();
    if (!std::isfinite(x)) return false;
    if (std::trunc(x) == x) {
      if (std::fabs(x) >= 9.2e18) return false;
      *n = static_cast<int64_t>(x);
    } else if (x <= -1 || x >= 2147483648.0) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<ShardFile> ParseShardText(const std::string& text,
                                        const std::string& path,
                                        std::string* error) {
  ShardFile f;
  f.path = path;
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    if (!NumbersConvertSafely(j)) {
      *error = path +
               ": a number is out of range for its field (not a shard "
               "file meshsim wrote)";
      return std::nullopt;
    }
    if (!j.is_object() || !j.contains("meshsim_shard")) {
      *error = path +
               ": not a meshsim shard file (expected the JSON that "
               "--shard-out writes)";
      return std::nullopt;
    }
    if (j["meshsim_shard"] != kShardFormat) {
      *error = path + ": shard format " + j["meshsim_shard"].dump() +
               ", this meshsim reads format " + std::to_string(kShardFormat);
      return std::nullopt;
    }
    f.meshsim = j.at("meshsim").get<std::string>();
    f.command = j.at("command").get<std::string>();
    f.args = j.at("args").get<std::vector<std::string>>();
    f.output = j.at("output").get<std::map<std::string, std::string>>();
    f.settings = j.at("settings").get<std::map<std::string, std::string>>();
    f.shard.index = j.at("shard").at("index").get<int>();
    f.shard.count = j.at("shard").at("count").get<int>();
    f.units = j.at("units").get<size_t>();
    f.inputs = j.at("inputs").get<std::map<std::string, std::string>>();
    f.name = j.at("name").get<std::string>();
    f.warnings = j.at("warnings").get<std::vector<Diagnostic>>();
    if (j.contains("common")) f.common = j["common"].get<VerifyResult>();
    if (j.contains("common_diff"))
      f.common_diff = j["common_diff"].get<DiffResult>();
    f.preamble_err = j.value("preamble_err", "");
    for (const auto& u : j.at("results")) f.results.push_back(UnitOf(u));
  } catch (const nlohmann::json::parse_error& e) {
    *error = path + ": not a valid meshsim shard file (not JSON: " +
             (e.byte <= 1 ? std::string("it is empty or starts wrongly")
                          : "malformed at byte " + std::to_string(e.byte)) +
             ")";
    return std::nullopt;
  } catch (const std::exception&) {
    // A field missing or of another type than meshsim writes; the library's
    // own text names neither, so it is not shown.
    *error = path +
             ": not a valid meshsim shard file (a field is missing or "
             "has another type than meshsim writes)";
    return std::nullopt;
  }
  if (f.shard.count < 1 || f.shard.count > kMaxShards || f.shard.index < 0 ||
      f.shard.index >= f.shard.count) {
    *error = path + ": shard " + std::to_string(f.shard.index) + "/" +
             std::to_string(f.shard.count) + " is not a valid shard";
    return std::nullopt;
  }
  // Stderr text is replayed as it is: from another machine it may hold
  // nothing meshsim itself would print — no control character (an escape
  // sequence for the terminal) and no line that is a CI workflow command.
  auto unsafe = [](const std::string& t) {
    for (size_t i = 0; i < t.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(t[i]);
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return true;
      if ((i == 0 || t[i - 1] == '\n') && t.compare(i, 2, "::") == 0)
        return true;
    }
    return false;
  };
  bool tainted = unsafe(f.preamble_err);
  for (const ShardUnit& u : f.results) tainted = tainted || unsafe(u.err);
  if (tainted) {
    *error = path +
             ": its stderr text holds control characters or a workflow "
             "command, which meshsim never writes; not a shard file meshsim "
             "wrote";
    return std::nullopt;
  }
  for (const ShardUnit& u : f.results)
    if (u.index >= f.units || !f.shard.Owns(u.index)) {
      *error = path + ": unit " + std::to_string(u.index) +
               " does not belong to shard " + std::to_string(f.shard.index) +
               "/" + std::to_string(f.shard.count);
      return std::nullopt;
    }
  return f;
}

std::optional<std::vector<ShardUnit>> MergeShards(
    const std::vector<ShardFile>& shards, std::string* error) {
  if (shards.empty()) {
    *error = "merge needs the shard files";
    return std::nullopt;
  }
  const ShardFile& first = shards.front();
  const std::string work = ShardWork(first);
  std::vector<const ShardFile*> by_index(
      static_cast<size_t>(first.shard.count));
  std::map<std::string, std::pair<std::string, const ShardFile*>> inputs;
  for (const ShardFile& s : shards) {
    std::string why;
    if (s.meshsim != first.meshsim)
      why = "was written by meshsim " + s.meshsim + ", " + first.path +
            " by meshsim " + first.meshsim;
    else if (s.command != first.command || s.args != first.args)
      why = "is a shard of `" + ShardWork(s) + "`, " + first.path + " of `" +
            work + "`";
    else if (s.shard.count != first.shard.count)
      why = "is one of " + std::to_string(s.shard.count) + " shards, " +
            first.path + " one of " + std::to_string(first.shard.count);
    else if (s.units != first.units)
      why = "splits " + std::to_string(s.units) + " units, " + first.path +
            " " + std::to_string(first.units) +
            " (the inputs changed between the shards)";
    if (why.empty())
      for (const auto& [file, digest] : s.inputs) {
        auto [it, fresh] = inputs.try_emplace(file, std::make_pair(digest, &s));
        if (!fresh && it->second.first != digest) {
          why = "read " + file + " with other contents than " +
                it->second.second->path +
                " did (the inputs changed between the shards)";
          break;
        }
      }
    if (!why.empty()) {
      *error = s.path + ": foreign shard: it " + why;
      return std::nullopt;
    }
    const ShardFile*& slot = by_index[static_cast<size_t>(s.shard.index)];
    if (slot) {
      *error = s.path + ": shard " + std::to_string(s.shard.index) + "/" +
               std::to_string(s.shard.count) + " is given twice (also " +
               slot->path + ")";
      return std::nullopt;
    }
    slot = &s;
  }
  for (size_t i = 0; i < by_index.size(); ++i)
    if (!by_index[i]) {
      *error = "shard " + std::to_string(i) + "/" +
               std::to_string(first.shard.count) + " of `" + work +
               "` is missing (run it with --shard " + std::to_string(i) + "/" +
               std::to_string(first.shard.count) + ")";
      return std::nullopt;
    }
  std::vector<ShardUnit> units;
  for (const ShardFile* s : by_index)
    units.insert(units.end(), s->results.begin(), s->results.end());
  std::sort(
      units.begin(), units.end(),
      [](const ShardUnit& a, const ShardUnit& b) { return a.index < b.index; });
  if (units.size() != first.units) {
    *error = first.path + ": its shards of `" + work + "` hold " +
             std::to_string(units.size()) + " units, it says " +
             std::to_string(first.units) + " (a file is damaged)";
    return std::nullopt;
  }
  // Every unit exactly once, with the result its command computes.
  for (size_t i = 0; i < first.units; ++i) {
    const ShardFile& owner = *by_index[i % by_index.size()];
    const bool present = units[i].index == i;
    const ShardUnit* u = present ? &units[i] : nullptr;
    const bool typed = u && (first.command == "check"   ? u->check.has_value()
                             : first.command == "run"   ? u->run.has_value()
                             : first.command == "sweep" ? u->point.has_value()
                                                        : true);
    if (!typed) {
      *error = owner.path + ": unit " + std::to_string(i) + " of `" + work +
               "` is " +
               (u ? "not a " + first.command + " result" : "missing") +
               " (the file is damaged)";
      return std::nullopt;
    }
  }
  return units;
}

void RecordInputs() {
  {
    std::lock_guard<std::mutex> lock(recorded_mu);
    recorded.clear();
  }
  io::SetReadObserver([](const std::string& path, const std::string& bytes) {
    const std::string digest = Sha256Hex(bytes);
    if (captured) (*captured)[path] = digest;
    std::lock_guard<std::mutex> lock(recorded_mu);
    recorded[path] = digest;
  });
}

InputCapture::InputCapture() : outer_(captured) { captured = &inputs_; }
InputCapture::~InputCapture() { captured = outer_; }

std::map<std::string, std::string> RecordedInputs() {
  std::lock_guard<std::mutex> lock(recorded_mu);
  return recorded;
}

std::string VerifyChunkJson(const VerifyChunk& chunk) {
  nlohmann::json j = {{"slices", chunk.slices},
                      {"intent", chunk.intent},
                      {"passes", chunk.passes},
                      {"expired", chunk.expired}};
  return j.dump();
}

namespace {

// A chunk's fields besides its slices, in both of its forms.
void ReadChunkFlags(const nlohmann::json& j, VerifyChunk& c) {
  c.intent = j.at("intent").get<bool>();
  c.passes = j.at("passes").get<bool>();
  c.expired = j.at("expired").get<std::string>();
}

}  // namespace

std::optional<VerifyChunk> ParseVerifyChunk(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    VerifyChunk c;
    c.slices = j.at("slices").get<std::vector<VerifyResult>>();
    ReadChunkFlags(j, c);
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string CachedVerifyChunkJson(const VerifyChunk& chunk) {
  nlohmann::json table = nlohmann::json::array(),
                 order = nlohmann::json::array();
  std::map<std::string, size_t> seen;
  for (const VerifyResult& slice : chunk.slices) {
    VerifyResult kept = slice;
    for (PropertyResult& p : kept.properties) p.seconds = 0;
    nlohmann::json j = kept;
    auto [it, fresh] = seen.emplace(j.dump(), table.size());
    if (fresh) table.push_back(std::move(j));
    order.push_back(it->second);
  }
  nlohmann::json j = {{"table", std::move(table)},
                      {"slices", std::move(order)},
                      {"intent", chunk.intent},
                      {"passes", chunk.passes},
                      {"expired", chunk.expired}};
  return j.dump();
}

std::optional<VerifyChunk> ParseCachedVerifyChunk(const std::string& text,
                                                  size_t slices) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (j.at("slices").size() != slices) return std::nullopt;
    const auto table = j.at("table").get<std::vector<VerifyResult>>();
    static const std::set<std::string> kProperties = {
        "waypoint-bypass", "waypoint-double-pass", "fail-open-exposure"};
    for (const VerifyResult& r : table)
      for (const PropertyResult& p : r.properties)
        if (!kProperties.count(p.name)) return std::nullopt;
    VerifyChunk c;
    c.slices.reserve(slices);
    for (size_t i : j.at("slices").get<std::vector<size_t>>()) {
      if (i >= table.size()) return std::nullopt;
      c.slices.push_back(table[i]);
    }
    ReadChunkFlags(j, c);
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string DiffChunkJson(const DiffChunk& chunk) {
  nlohmann::json j = {{"destinations", chunk.destinations},
                      {"expired", chunk.expired}};
  return j.dump();
}

std::optional<DiffChunk> ParseDiffChunk(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    DiffChunk c;
    c.destinations = j.at("destinations").get<std::vector<DiffResult>>();
    c.expired = j.at("expired").get<std::string>();
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::map<std::string, std::string> TakeRecordedInputs() {
  io::SetReadObserver(nullptr);
  std::lock_guard<std::mutex> lock(recorded_mu);
  return std::move(recorded);
}

}  // namespace meshsim
