// istiod's warnings about VirtualService rules no request can reach
// (pkg/config/validation/validation.go analyzeUnreachableHTTPRules, ...TCP...,
// ...TLS...; istioctl analyze IST0130 and IST0131), §16.2. The analysis reads
// the YAML as istiod reads the object, without marking any field read: what
// meshsim does not model stays reported as such. See kinds.h.
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/io/kinds.h"

namespace meshsim::io {

namespace {

// A match as istiod compares two of them (asJSON: the match's JSON, name
// cleared): map keys in order, and what JSON leaves out of a message left
// out here too (null, false, 0, "", empty lists and maps), except the one
// value of a string match (exact: "" is a match of its own).
// `map`: `n` is a map field (headers, sourceLabels, ...), whose entries
// JSON keeps whatever their values.
std::string MatchKey(const yaml::Node& n, bool top, bool map = false) {
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) {
    std::string out = "[";
    for (const auto& item : n) out += MatchKey(item, false) + ",";
    return out + "]";
  }
  if (!n.IsMap()) return "null";
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& kv : n) {
    const std::string& key = kv.first.Scalar();
    const yaml::Node v = kv.second;
    if (map) {
      fields.emplace_back(key, MatchKey(v, false));
      continue;
    }
    if (top && key == "name") continue;
    if (!v.IsDefined() || v.IsNull()) continue;
    const bool string_value =
        key == "exact" || key == "prefix" || key == "regex";
    if (v.IsScalar() && !string_value &&
        (v.Scalar().empty() || v.Scalar() == "false" || v.Scalar() == "0"))
      continue;
    if (v.IsSequence() && v.size() == 0) continue;
    const bool map_field = key == "headers" || key == "queryParams" ||
                           key == "withoutHeaders" || key == "sourceLabels";
    if (v.IsMap() && v.size() == 0 && map_field) continue;
    fields.emplace_back(key, MatchKey(v, false, map_field));
  }
  std::sort(fields.begin(), fields.end());
  std::string out = "{";
  for (const auto& [k, v] : fields) out += k + ":" + v + ",";
  return out + "}";
}

// validation.go routeName and requestName: an http rule or match by its
// quoted name, else by its index ("#1"); tcp and tls ones have no names.
std::string Named(const yaml::Node& n, size_t i, bool http) {
  const yaml::Node name = n["name"];
  if (http && name.IsScalar() && !name.Scalar().empty())
    return "\"" + name.Scalar() + "\"";
  return "#" + std::to_string(i);
}

// assignExactOrPrefix: "exact:v", else "prefix:v", else "".
std::string ExactOrPrefix(const yaml::Node& m) {
  const yaml::Node exact = m["exact"], prefix = m["prefix"];
  if (exact.IsScalar() && !exact.Scalar().empty())
    return "exact:" + exact.Scalar();
  if (prefix.IsScalar() && !prefix.Scalar().empty())
    return "prefix:" + prefix.Scalar();
  return "";
}

// genMatchHTTPRoutes: what the overlap check compares of a match with a
// uri prefix.
struct PrefixMatch {
  std::string rule, match, prefix, port, method, authority;
  std::map<std::string, std::string> headers, query, without;
};

std::map<std::string, std::string> ExactOrPrefixMap(const yaml::Node& m) {
  std::map<std::string, std::string> out;
  for (const auto& kv : m)
    if (kv.first.IsScalar()) out[kv.first.Scalar()] = ExactOrPrefix(kv.second);
  return out;
}

bool Covers(const std::map<std::string, std::string>& a,
            const std::map<std::string, std::string>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) return false;
    if (v != it->second && v.rfind(it->second, 0) != 0) return false;
  }
  return true;
}

// coveredValidation, as istiod writes it: b's prefix extends a's, the ports
// are equal, and a's method, authority and header values each equal b's or
// start with them (a match without a method counts as exact GET there).
bool Covers(const PrefixMatch& a, const PrefixMatch& b) {
  if (b.prefix.rfind(a.prefix, 0) != 0 || a.port != b.port) return false;
  if (a.method != b.method && a.method.rfind(b.method, 0) != 0) return false;
  if (a.authority != b.authority && a.authority.rfind(b.authority, 0) != 0)
    return false;
  return Covers(a.headers, b.headers) && Covers(a.query, b.query) &&
         Covers(a.without, b.without);
}

}  // namespace

void AnalyzeUnreachableVsRules(Reader& r, const ObjectHeader& h,
                               const yaml::Node& spec,
                               const std::string& cluster,
                               const IstioVersion& version) {
  // Matches after a rule without any are reported from 1.27 (istio commit
  // d15a52c7674); before, the analysis went on as if there were none.
  const bool after_catch_all = version.AtLeast(1, 27);
  const DiagnosticObject object{h.kind, h.ns, h.name, cluster};
  auto unused = [&](const yaml::Node& at, const std::string& rule,
                    const std::string& reason) {
    r.diags().Warning(r.Loc(at),
                      h.what + ": rule " + rule + " not used (" + reason +
                          "; istioctl analyze IST0130)",
                      "virtual-service-unreachable-rule", object);
  };
  auto ineffective = [&](const yaml::Node& at, const std::string& rule,
                         const std::string& match, const std::string& by) {
    r.diags().Warning(r.Loc(at),
                      h.what + ": rule " + rule + " match " + match +
                          " is not used (duplicate/overlapping match in rule " +
                          by + "; istioctl analyze IST0131)",
                      "virtual-service-ineffective-match", object);
  };
  for (const char* kind : {"http", "tcp", "tls"}) {
    const yaml::Node rules = spec[kind];
    if (!rules.IsSequence()) continue;
    const bool http = std::string(kind) == "http";
    std::map<std::string, size_t> seen;  // MatchKey -> first rule
    bool empty_before = false;
    std::vector<std::pair<PrefixMatch, yaml::Node>> prefixed;
    for (size_t i = 0; i < rules.size(); ++i) {
      const yaml::Node rule = rules[i];
      if (!rule.IsMap()) continue;
      const std::string name = Named(rule, i, http);
      const yaml::Node matches = rule["match"];
      if (!matches.IsSequence() || matches.size() == 0) {
        if (empty_before)
          unused(rule, name, "only the last rule can have no matches");
        empty_before = true;
        continue;
      }
      size_t duplicates = 0;
      for (size_t j = 0; j < matches.size(); ++j) {
        const yaml::Node m = matches[j];
        if (empty_before && after_catch_all) {
          unused(rule, name, "route without matches defined before");
          continue;
        }
        const std::string key = MatchKey(m, http);
        if (auto it = seen.find(key); it != seen.end()) {
          ineffective(m, name, Named(m, j, http),
                      Named(rules[it->second], it->second, http));
          ++duplicates;
          continue;
        }
        seen.emplace(key, i);
        const yaml::Node prefix = m["uri"]["prefix"];
        if (!http || !prefix.IsScalar() || prefix.Scalar().empty()) continue;
        PrefixMatch p;
        p.rule = name;
        p.match = Named(m, j, true);
        p.prefix = prefix.Scalar();
        p.port = m["port"].Scalar();
        p.method = ExactOrPrefix(m["method"]);
        p.authority = ExactOrPrefix(m["authority"]);
        if (p.port == "0") p.port.clear();
        if (p.method.empty()) p.method = "exact:GET";
        p.headers = ExactOrPrefixMap(m["headers"]);
        p.query = ExactOrPrefixMap(m["queryParams"]);
        p.without = ExactOrPrefixMap(m["withoutHeaders"]);
        prefixed.emplace_back(std::move(p), m);
      }
      if (duplicates == matches.size())
        unused(rule, name, "all matches used by prior rules");
    }
    for (size_t a = 0; a < prefixed.size(); ++a)
      for (size_t b = a + 1; b < prefixed.size(); ++b) {
        const PrefixMatch &pa = prefixed[a].first, &pb = prefixed[b].first;
        if (pa.prefix == pb.prefix || !Covers(pa, pb)) continue;
        ineffective(prefixed[b].second, pb.rule,
                    pb.match + " of prefix " + pb.prefix,
                    pa.match + " of prefix " + pa.prefix + " on " + pa.rule);
      }
  }
}

}  // namespace meshsim::io
