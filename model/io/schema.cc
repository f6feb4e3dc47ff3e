// Strict reading against the embedded schemas. See schema.h.
#include "model/io/schema.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "model/text.h"

namespace meshsim::io {

// Defined in the source cmake/EmbedFiles.cmake generates from data/schemas.
std::vector<std::pair<std::string, std::string>> EmbeddedSchemaFiles();

using Json = nlohmann::json;

struct KindSchema {
  std::string group, kind;
  std::vector<std::string> versions;
  std::string storage;
  const Json* schema = nullptr;                   // the storage version's
  std::map<std::string, const Json*> by_version;  // versions that differ
};

namespace {

constexpr char kIstioNetworking[] = "networking.istio.io";
constexpr char kIstioSecurity[] = "security.istio.io";
constexpr char kGatewayApi[] = "gateway.networking.k8s.io";

// The kinds of each known group, as their API servers list them (Kubernetes
// v1.31 core, apps and batch; Istio 1.30; Gateway API v1.6 standard and
// experimental, as data/schemas/README.md). docs/lint.md#unknown-kind.
const std::map<std::string, std::vector<std::string>>& GroupKinds() {
  static const std::map<std::string, std::vector<std::string>> kKinds = {
      {"",
       {"Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event",
        "LimitRange", "Namespace", "Node", "PersistentVolume",
        "PersistentVolumeClaim", "Pod", "PodTemplate", "ReplicationController",
        "ResourceQuota", "Secret", "Service", "ServiceAccount"}},
      {"apps",
       {"ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet",
        "StatefulSet"}},
      {"batch", {"CronJob", "Job"}},
      {"discovery.k8s.io", {"EndpointSlice"}},
      {"networking.k8s.io",
       {"IPAddress", "Ingress", "IngressClass", "NetworkPolicy",
        "ServiceCIDR"}},
      {kIstioNetworking,
       {"DestinationRule", "EnvoyFilter", "Gateway", "ProxyConfig",
        "ServiceEntry", "Sidecar", "VirtualService", "WorkloadEntry",
        "WorkloadGroup"}},
      {kIstioSecurity,
       {"AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"}},
      {"telemetry.istio.io", {"Telemetry"}},
      {"extensions.istio.io", {"WasmPlugin"}},
      {kGatewayApi,
       {"BackendTLSPolicy", "GRPCRoute", "Gateway", "GatewayClass", "HTTPRoute",
        "ListenerSet", "ReferenceGrant", "TCPRoute", "TLSRoute", "UDPRoute"}},
  };
  return kKinds;
}

// The embedded schema files, parsed once. ObjectMeta (metadata of every
// kind) comes from kubernetes.json, whose Namespace carries it.
struct Catalog {
  std::vector<Json> files;
  std::vector<KindSchema> kinds;
  const Json* object_meta = nullptr;

  Catalog() {
    for (auto& [name, text] : EmbeddedSchemaFiles())
      files.push_back(Json::parse(text));
    for (const Json& f : files) {
      for (const Json& k : f.at("kinds")) {
        KindSchema ks;
        ks.group = k.at("group").get<std::string>();
        ks.kind = k.at("kind").get<std::string>();
        ks.versions = k.at("versions").get<std::vector<std::string>>();
        ks.storage = k.value("storage", std::string());
        ks.schema = &k.at("schema");
        if (auto it = k.find("schemas"); it != k.end())
          for (auto& [v, s] : it->items()) ks.by_version[v] = &s;
        if (ks.group.empty() && ks.kind == "Namespace")
          object_meta = &ks.schema->at("properties").at("metadata");
        kinds.push_back(std::move(ks));
      }
    }
  }
};

const Catalog& TheCatalog() {
  static const Catalog kCatalog;
  return kCatalog;
}

// Compiled `pattern` constraints, shared by every thread (RE2 matching is
// thread-safe). nullptr for a pattern RE2 does not accept: it is not checked.
const RE2* Pattern(const std::string& p) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto [it, fresh] = cache.emplace(p, nullptr);
  if (fresh) {
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(p, o);
    if (re->ok()) it->second = std::move(re);
  }
  return it->second.get();
}

// A published pattern in words, for the ones users meet most; others are
// quoted as they are.
std::string PatternWords(const std::string& pattern) {
  static const std::map<std::string, std::string> kWords = {
      {"^([0-9]{1,5}(h|m|s|ms)){1,4}$",
       "a Gateway API duration such as 10s, 500ms or 1m30s"},
      {"^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])"
       "?)*$",
       "a hostname such as shop.example.com or *.example.com"},
      {"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
       "a DNS label: lowercase letters, digits and '-', starting and ending "
       "with a letter or digit"},
  };
  auto it = kWords.find(pattern);
  return it != kWords.end() ? it->second : "a value matching " + pattern;
}

// ---- YAML 1.1 scalar resolution, as kubectl's YAML reader resolves a plain
// (unquoted) scalar: null, bool, int or float; otherwise a string.
enum class ScalarType { kNull, kBool, kInt, kFloat, kString };

bool IsIntText(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return false;
  if (s.size() > i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
    return std::all_of(s.begin() + i + 2, s.end(),
                       [](char c) { return std::isxdigit(c) || c == '_'; });
  return std::all_of(s.begin() + i, s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '_'; });
}

bool IsFloatText(const std::string& s) {
  static const std::set<std::string> kSpecial = {
      ".inf",  ".Inf",  ".INF", "-.inf", "-.Inf",
      "-.INF", "+.inf", ".nan", ".NaN",  ".NAN"};
  if (kSpecial.count(s)) return true;
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits) {
      size_t j = i + 1;
      if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
      if (j >= s.size()) return false;
      return std::all_of(s.begin() + j, s.end(),
                         [](char d) { return d >= '0' && d <= '9'; });
    } else if (c != '_') {
      return false;
    }
  }
  return digits;
}

ScalarType Resolve(const yaml::Node& n) {
  if (n.IsNull()) return ScalarType::kNull;
  const std::string& tag = n.Tag();
  if (tag.size() != 1 || tag[0] != '?')
    return ScalarType::kString;  // quoted or tagged
  // YAML 1.1 booleans as kubectl's reader resolves them. The one-letter
  // forms y/n are read as strings here: whether a reader takes them as
  // booleans varies, and refusing a valid manifest is the worse mistake.
  static const std::set<std::string> kBools = {
      "yes",   "Yes",   "YES",   "no", "No", "NO", "true", "True", "TRUE",
      "false", "False", "FALSE", "on", "On", "ON", "off",  "Off",  "OFF"};
  const std::string& s = n.Scalar();
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return ScalarType::kNull;
  // Each boolean word has 2 to 5 letters and starts with one of these.
  if (s.size() >= 2 && s.size() <= 5 &&
      std::string_view("yYnNtTfFoO").find(s[0]) != std::string_view::npos &&
      kBools.count(s))
    return ScalarType::kBool;
  if (IsIntText(s)) return ScalarType::kInt;
  if (IsFloatText(s)) return ScalarType::kFloat;
  return ScalarType::kString;
}

const char* TypeName(ScalarType t) {
  switch (t) {
    case ScalarType::kNull:
      return "null";
    case ScalarType::kBool:
      return "a boolean";
    case ScalarType::kInt:
      return "an integer";
    case ScalarType::kFloat:
      return "a number";
    case ScalarType::kString:
      return "a string";
  }
  return "a value";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A schema node with what the walk asks of it at every value found once:
// the JSON schema is a tree of std::map lookups by string, and a walk over
// 400,000 objects asked each node the same eight questions again.
struct Compiled {
  enum class Kind { kAny, kIntOrString, kObject, kArray, kScalar };
  const Json* json = nullptr;
  Kind kind = Kind::kAny;
  std::string type;  // kScalar: "string", "integer", "number", "boolean"
  // kObject: fields; a field it lacks is unknown unless `open` (preserves
  // unknown fields, or says nothing of fields) or `extra_true`.
  bool has_props = false;
  std::unordered_map<std::string, const Compiled*> props;
  const Compiled* extra = nullptr;  // additionalProperties as a schema: a map
  bool extra_true = false;          // additionalProperties: true
  bool open = false;
  bool key_constraints = false;     // required, oneOf, anyOf or allOf
  bool nullable = false;            // nullable: true (a null is kept)
  const Compiled* items = nullptr;  // kArray
  bool string_checks = false;       // enum, maxLength, minLength or pattern
  // kScalar: `type` as a value, and what the checks of each value read from
  // the schema, read once (a 10x mesh has millions of scalars).
  enum class Type { kString, kInteger, kNumber, kBoolean, kOther };
  Type scalar = Type::kOther;
  std::optional<std::vector<std::string>> enum_values;
  std::optional<double> max_length, min_length;
  const RE2* pattern = nullptr;
  std::string pattern_text;
  double lo = -INFINITY, hi = INFINITY;  // integer and number bounds
};

// Every schema compiled so far, by the JSON node it came from; shared by the
// loading threads.
class CompiledSchemas {
 public:
  const Compiled* Of(const Json* s) {
    if (!s) return nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    return Compile(*s);
  }

 private:
  const Compiled* Compile(const Json& s) {
    if (auto it = by_json_.find(&s); it != by_json_.end()) return it->second;
    Compiled& c = nodes_.emplace_back();
    by_json_[&s] = &c;
    c.json = &s;
    if (!s.is_object()) return &c;  // any value
    c.nullable = s.value("nullable", false);
    const std::string type = s.value("type", std::string());
    if (s.value("x-kubernetes-int-or-string", false)) {
      c.kind = Compiled::Kind::kIntOrString;
    } else if (type == "object" || (type.empty() && s.contains("properties"))) {
      c.kind = Compiled::Kind::kObject;
      auto props = s.find("properties");
      auto extra = s.find("additionalProperties");
      c.open = s.value("x-kubernetes-preserve-unknown-fields", false) ||
               (props == s.end() && extra == s.end());
      if (props != s.end() && props->is_object()) {
        c.has_props = true;
        for (auto& [name, sub] : props->items())
          c.props.emplace(name, Compile(sub));
      }
      if (extra != s.end() && extra->is_object()) c.extra = Compile(*extra);
      c.extra_true =
          extra != s.end() && extra->is_boolean() && extra->get<bool>();
      for (const char* k : {"required", "oneOf", "anyOf", "allOf"})
        c.key_constraints = c.key_constraints || s.contains(k);
    } else if (type == "array") {
      c.kind = Compiled::Kind::kArray;
      if (auto it = s.find("items"); it != s.end() && it->is_object())
        c.items = Compile(*it);
    } else if (!type.empty()) {
      c.kind = Compiled::Kind::kScalar;
      c.type = type;
      for (const char* k : {"enum", "maxLength", "minLength", "pattern"})
        c.string_checks = c.string_checks || s.contains(k);
      CompileScalar(s, c);
    }
    return &c;
  }

  static void CompileScalar(const Json& s, Compiled& c) {
    using Type = Compiled::Type;
    c.scalar = c.type == "string"    ? Type::kString
               : c.type == "integer" ? Type::kInteger
               : c.type == "number"  ? Type::kNumber
               : c.type == "boolean" ? Type::kBoolean
                                     : Type::kOther;
    if (auto it = s.find("enum"); it != s.end() && it->is_array()) {
      c.enum_values.emplace();
      for (const Json& v : *it)
        if (v.is_string()) c.enum_values->push_back(v.get<std::string>());
    }
    if (auto it = s.find("maxLength"); it != s.end() && it->is_number())
      c.max_length = it->get<double>();
    if (auto it = s.find("minLength"); it != s.end() && it->is_number())
      c.min_length = it->get<double>();
    if (auto it = s.find("pattern"); it != s.end() && it->is_string()) {
      c.pattern_text = it->get<std::string>();
      c.pattern = Pattern(c.pattern_text);
    }
    if (s.value("format", std::string()) == "int32") {
      c.lo = -2147483648.0;
      c.hi = 2147483647.0;
    }
    if (auto it = s.find("minimum"); it != s.end() && it->is_number())
      c.lo = std::max(c.lo, it->get<double>());
    if (auto it = s.find("maximum"); it != s.end() && it->is_number())
      c.hi = std::min(c.hi, it->get<double>());
  }

  std::mutex mu_;
  std::deque<Compiled> nodes_;
  std::unordered_map<const Json*, const Compiled*> by_json_;
};

CompiledSchemas& TheCompiledSchemas() {
  static CompiledSchemas kSchemas;
  return kSchemas;
}

// One walk over an object and its schema.
class Validator {
 public:
  // `prune_nulls`: the object is a custom resource (Istio's, the Gateway
  // API's), whose nulls the API server prunes.
  Validator(Reader& r, const DiagnosticObject& object,
            const Compiled* object_meta, bool prune_nulls)
      : r_(r),
        object_(object),
        what_(ObjectName(object)),
        object_meta_(object_meta),
        prune_nulls_(prune_nulls) {}

  int errors() const { return errors_; }

  void Check(const Compiled& c, const yaml::Node& n, std::string& path) {
    if (!n.IsDefined() || n.IsNull()) return;  // null reads as absent
    // Everything under a node an alias shares is shared too.
    struct Shared {
      bool& flag;
      const bool saved;
      ~Shared() { flag = saved; }
    } shared{in_shared_, in_shared_};
    in_shared_ = in_shared_ || n.data()->shared;
    switch (c.kind) {
      case Compiled::Kind::kAny:
        return;
      case Compiled::Kind::kIntOrString:
        if (!n.IsScalar()) Fail(n, path, "an integer or a string", n);
        return;
      case Compiled::Kind::kObject:
        if (!n.IsMap()) return Fail(n, path, "a map", n);
        return CheckMap(c, n, path);
      case Compiled::Kind::kArray:
        if (!n.IsSequence()) return Fail(n, path, "a list", n);
        return CheckList(c, n, path);
      case Compiled::Kind::kScalar:
        if (!n.IsScalar()) return Fail(n, path, Expected(c.type), n);
        return CheckScalar(c, n, path);
    }
  }

 private:
  static std::string Expected(const std::string& type) {
    if (type == "integer") return "an integer";
    if (type == "number") return "a number";
    if (type == "boolean") return "a boolean (true or false)";
    return "a string";
  }

  std::string Where(const std::string& path) const {
    return what_ + ": " + (path.empty() ? "object" : path);
  }

  void Error(const yaml::Node& at, const std::string& message,
             const char* rule) {
    r_.diags().Error(r_.Loc(at), message, rule, object_);
    ++errors_;
  }

  void Fail(const yaml::Node& n, const std::string& path,
            const std::string& expected, const yaml::Node& got) {
    std::string found = Reader::Describe(got);
    if (got.IsScalar())
      found = std::string(TypeName(Resolve(got))) + " '" +
              Utf8Prefix(got.Scalar(), 40) +
              (got.Scalar().size() > 40 ? "...'" : "'");
    std::string hint;
    if (expected == "a string" && got.IsScalar()) hint = " (quote it)";
    Error(n, Where(path) + " must be " + expected + ", got " + found + hint,
          "invalid-value");
  }

  // §16.10: the API server drops a custom resource's map entry whose value
  // is null unless its schema says `nullable` (the structural schema's
  // PruneNonNullableNulls), after strict decoding has refused unknown
  // fields and before it checks required fields and oneOf. The entry is
  // dropped from the tree here, so no reader sees it. Only under `spec`:
  // the ObjectMeta of any kind keeps a null label as "", as a built-in
  // kind's maps do.
  void CheckMap(const Compiled& c, const yaml::Node& n, std::string& path) {
    const bool prune = prune_nulls_ && path.compare(0, 8, "metadata") != 0;
    std::vector<size_t> pruned;  // entry indexes
    size_t index = 0;
    for (auto it = n.begin(); it != n.end(); ++it, ++index) {
      const auto& kv = *it;
      const yaml::Node& key = kv.first;
      if (!key.IsScalar()) {
        Error(key, Where(path) + " has a key that is not a string",
              "invalid-value");
        continue;
      }
      const std::string& name = key.Scalar();
      const size_t mark = path.size();
      // Every object has apiVersion, kind (checked before the walk) and
      // metadata (ObjectMeta), whether or not its CRD schema lists them.
      if (mark == 0 && (name == "apiVersion" || name == "kind")) continue;
      // The API server drops `status` when it creates an object (the
      // status subresource), so kubectl apply never checks it: a dump's
      // status is read where meshsim uses it (readiness, addresses), not
      // against the schema.
      if (mark == 0 && name == "status") continue;
      const Compiled* child = nullptr;
      if (mark == 0 && name == "metadata" && object_meta_) child = object_meta_;
      if (!child && c.has_props)
        if (auto it = c.props.find(name); it != c.props.end())
          child = it->second;
      // A key of a map (labels) is shown as ['key'], a field as .field.
      const bool map_key = !child && c.extra;
      if (map_key) child = c.extra;
      if (map_key) {
        path += "['";
        path += name;
        path += "']";
      } else {
        if (!path.empty()) path += '.';
        path += name;
      }
      if (child && prune && mark != 0 && kv.second.IsNull() &&
          !child->nullable && in_shared_) {
        // The API server prunes its copy in this object alone; another
        // object reading the same anchor (metadata, a built-in kind) keeps
        // the entry, and one tree cannot hold both.
        Error(key,
              Where(path) +
                  " is null in a map shared through a YAML alias; the "
                  "API server drops the entry from this object's copy "
                  "alone, which meshsim does not model: write the map "
                  "out here, or leave the entry out",
              "invalid-value");
      } else if (child && prune && mark != 0 && kv.second.IsNull() &&
                 !child->nullable) {
        pruned.push_back(index);
        // A field left null reads as absent anyway; a map's entry (a label,
        // a header) is easily taken for one that is there.
        if (map_key)
          r_.diags().Warning(r_.Loc(key),
                             Where(path) +
                                 " is null: the API server drops the entry, "
                                 "so the object is applied without it",
                             "", object_);
      } else if (child) {
        Check(*child, kv.second, path);
      } else if (!c.open && !c.extra_true) {
        auto props = c.json->find("properties");
        UnknownField(key, name, props != c.json->end() ? &*props : nullptr,
                     path);
      }
      path.resize(mark);
    }
    if (!pruned.empty()) yaml::EraseMapEntries(n, pruned);
    if (!c.key_constraints) return;
    const Json& s = *c.json;
    CheckRequired(s, n, path);
    for (const char* combinator : {"oneOf", "anyOf"})
      if (auto it = s.find(combinator); it != s.end())
        CheckCombinator(combinator, *it, n, path);
    if (auto it = s.find("allOf"); it != s.end())
      for (const Json& sub : *it)
        for (const char* combinator : {"oneOf", "anyOf"})
          if (auto jt = sub.find(combinator); jt != sub.end())
            CheckCombinator(combinator, *jt, n, path);
  }

  void UnknownField(const yaml::Node& key, const std::string& name,
                    const Json* props, const std::string& path) {
    std::vector<std::string> known;
    if (props)
      for (auto& [k, v] : props->items()) known.push_back(k);
    std::string msg = what_ + ": unknown field '" + path + "'";
    const std::string near = ClosestMatch(name, known);
    if (name == "<<") {
      msg +=
          ": a YAML merge key, which meshsim does not expand (YAML 1.2 "
          "has none); write the merged fields out";
    } else if (!near.empty()) {
      msg += "; did you mean '" + near + "'?";
    } else if (!known.empty() && known.size() <= 16) {
      msg += "; the schema has " + JoinNames(known);
    }
    Error(key, msg, "unknown-field");
  }

  void CheckRequired(const Json& s, const yaml::Node& n,
                     const std::string& path) {
    auto it = s.find("required");
    if (it == s.end() || !it->is_array()) return;
    for (const Json& req : *it) {
      const std::string name = req.get<std::string>();
      const yaml::Node v = n[name];
      if (!v.IsDefined())
        Error(n,
              what_ + ": " + (path.empty() ? "" : path + ".") + name +
                  " is required",
              "invalid-value");
    }
  }

  // Constraint-only subschemas (required, not, anyOf, oneOf, allOf), as the
  // Istio CRDs use them to say "at most one of these fields".
  static bool Holds(const Json& s, const yaml::Node& n) {
    if (auto it = s.find("required"); it != s.end())
      for (const Json& req : *it)
        if (!n[req.get<std::string>()].IsDefined()) return false;
    if (auto it = s.find("not"); it != s.end() && Holds(*it, n)) return false;
    if (auto it = s.find("allOf"); it != s.end())
      for (const Json& sub : *it)
        if (!Holds(sub, n)) return false;
    if (auto it = s.find("anyOf"); it != s.end()) {
      bool any = false;
      for (const Json& sub : *it) any = any || Holds(sub, n);
      if (!any) return false;
    }
    if (auto it = s.find("oneOf"); it != s.end()) {
      int count = 0;
      for (const Json& sub : *it) count += Holds(sub, n) ? 1 : 0;
      if (count != 1) return false;
    }
    return true;
  }

  static void RequiredNames(const Json& s, std::vector<std::string>& out) {
    if (s.is_array()) {
      for (const Json& sub : s) RequiredNames(sub, out);
      return;
    }
    if (!s.is_object()) return;
    if (auto it = s.find("required"); it != s.end())
      for (const Json& req : *it)
        if (std::find(out.begin(), out.end(), req.get<std::string>()) ==
            out.end())
          out.push_back(req.get<std::string>());
    for (const char* k : {"not", "anyOf", "oneOf", "allOf"})
      if (auto it = s.find(k); it != s.end()) RequiredNames(*it, out);
  }

  // Whether a subschema only constrains which keys are present.
  static bool ConstraintOnly(const Json& s) {
    if (s.is_array()) {
      for (const Json& sub : s)
        if (!ConstraintOnly(sub)) return false;
      return true;
    }
    if (!s.is_object()) return false;
    for (auto& [k, v] : s.items()) {
      if (k == "required") continue;
      if (k == "not" || k == "anyOf" || k == "oneOf" || k == "allOf") {
        if (!ConstraintOnly(v)) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  void CheckCombinator(const std::string& combinator, const Json& branches,
                       const yaml::Node& n, const std::string& path) {
    // Branches that constrain values (types, properties) are not judged
    // here: the walk checks values, and a wrong verdict would refuse a
    // valid object.
    if (!ConstraintOnly(branches)) return;
    int holding = 0;
    for (const Json& sub : branches) holding += Holds(sub, n) ? 1 : 0;
    if (combinator == "oneOf" ? holding == 1 : holding >= 1) return;
    std::vector<std::string> names, set;
    RequiredNames(branches, names);
    if (names.empty()) return;
    for (const std::string& name : names)
      if (n[name].IsDefined()) set.push_back(name);
    std::string msg = Where(path) + ": ";
    if (set.size() > 1) {
      msg += "set at most one of " + JoinNames(names) + ", found " +
             JoinNames(set);
    } else {
      msg += "must set one of " + JoinNames(names);
    }
    Error(n, msg, "invalid-value");
  }

  void CheckList(const Compiled& c, const yaml::Node& n, std::string& path) {
    const Json& s = *c.json;
    if (auto it = s.find("maxItems");
        it != s.end() && n.size() > it->get<size_t>())
      Error(n,
            Where(path) + " must have at most " + it->dump() + " items, got " +
                std::to_string(n.size()),
            "invalid-value");
    if (auto it = s.find("minItems");
        it != s.end() && n.size() < it->get<size_t>())
      Error(n,
            Where(path) + " must have at least " + it->dump() + " item" +
                (it->get<size_t>() == 1 ? "" : "s") + ", got " +
                std::to_string(n.size()),
            "invalid-value");
    if (!c.items) return;
    // §16.10: the API server prunes null map entries, never list items: a
    // custom resource's null item meets the item's type and is refused.
    const bool refuse_null = prune_nulls_ && !c.items->nullable &&
                             c.items->kind != Compiled::Kind::kAny &&
                             path.compare(0, 8, "metadata") != 0;
    size_t i = 0;
    for (const yaml::Node& item : n) {
      const size_t mark = path.size();
      path += '[';
      path += std::to_string(i++);
      path += ']';
      if (refuse_null && item.IsDefined() && item.IsNull())
        Error(item,
              Where(path) + " must be " + ItemExpected(*c.items) +
                  ", got null: the API server refuses a null list item "
                  "(it prunes only a map's null entries); " +
                  (c.items->kind == Compiled::Kind::kObject
                       ? "write {} for an empty one, or leave the item out"
                       : "leave the item out"),
              "invalid-value");
      else
        Check(*c.items, item, path);
      path.resize(mark);
    }
  }

  static std::string ItemExpected(const Compiled& c) {
    switch (c.kind) {
      case Compiled::Kind::kObject:
        return "a map";
      case Compiled::Kind::kArray:
        return "a list";
      case Compiled::Kind::kIntOrString:
        return "an integer or a string";
      default:
        return Expected(c.type);
    }
  }

  void CheckScalar(const Compiled& c, const yaml::Node& n,
                   const std::string& path) {
    using Type = Compiled::Type;
    const ScalarType t = Resolve(n);
    switch (c.scalar) {
      case Type::kString:
        if (t != ScalarType::kString) return Fail(n, path, "a string", n);
        if (c.string_checks) CheckString(c, n, path);
        return;
      case Type::kBoolean:
        if (t != ScalarType::kBool) Fail(n, path, Expected(c.type), n);
        return;
      case Type::kInteger:
      case Type::kNumber:
        if (t != ScalarType::kInt &&
            !(c.scalar == Type::kNumber && t == ScalarType::kFloat))
          return Fail(n, path, Expected(c.type), n);
        return CheckRange(c, n, path, n.Scalar());
      case Type::kOther:
        return;
    }
  }

  void CheckString(const Compiled& c, const yaml::Node& n,
                   const std::string& path) {
    const std::string& text = n.Scalar();
    if (c.enum_values && std::find(c.enum_values->begin(), c.enum_values->end(),
                                   text) == c.enum_values->end()) {
      const std::vector<std::string>& values = *c.enum_values;
      std::string msg = Where(path) + " must be one of " + JoinNames(values) +
                        ", got '" + text + "'";
      const std::string near = ClosestMatch(text, values);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      return Error(n, msg, "invalid-value");
    }
    // Lengths count characters (UTF-8 code points), as the API server does.
    size_t chars = 0;
    for (unsigned char ch : text) chars += (ch & 0xC0) != 0x80 ? 1 : 0;
    const Json& s = *c.json;
    if (c.max_length && static_cast<double>(chars) > *c.max_length)
      return Error(n,
                   Where(path) + " must be at most " + s["maxLength"].dump() +
                       " characters long, got " + std::to_string(chars),
                   "invalid-value");
    if (c.min_length && static_cast<double>(chars) < *c.min_length)
      return Error(n,
                   Where(path) + " must be at least " + s["minLength"].dump() +
                       " characters long, got '" + text + "'",
                   "invalid-value");
    if (c.pattern && !RE2::PartialMatch(text, *c.pattern))
      Error(n,
            Where(path) + " must be " + PatternWords(c.pattern_text) +
                ", got '" + text + "'",
            "invalid-value");
  }

  void CheckRange(const Compiled& c, const yaml::Node& n,
                  const std::string& path, const std::string& text) {
    double v = 0;
    // Plain decimal integers (nearly all) without a copy; the other forms
    // (signs, '_', hex, floats) as before.
    long long direct = 0;
    const char* end = text.data() + text.size();
    const bool plain = !text.empty() && text.size() <= 18 &&
                       std::all_of(text.begin(), text.end(), [](char ch) {
                         return ch >= '0' && ch <= '9';
                       });
    if (plain && std::from_chars(text.data(), end, direct).ptr == end) {
      v = static_cast<double>(direct);
    } else {
      std::string digits;
      for (char ch : text)
        if (ch != '_') digits += ch;
      try {
        const bool hex = digits.find_first_of("xX") != std::string::npos;
        v = hex ? static_cast<double>(std::stoll(digits, nullptr, 16))
                : std::stod(digits, nullptr);
      } catch (const std::exception&) {
        return Error(n, Where(path) + " is out of range, got '" + text + "'",
                     "invalid-value");
      }
    }
    auto shown = [](double d) {
      return std::abs(d) < 1e15 ? std::to_string(static_cast<long long>(d))
                                : std::to_string(d);
    };
    if (v < c.lo || v > c.hi)
      Error(n,
            Where(path) + " must be between " + shown(c.lo) + " and " +
                shown(c.hi) + ", got " + text,
            "invalid-value");
  }

  Reader& r_;
  const DiagnosticObject& object_;
  std::string what_;
  const Compiled* object_meta_;
  const bool prune_nulls_;
  bool in_shared_ = false;  // under a node an alias shares
  int errors_ = 0;
};

}  // namespace

bool IsKnownGroup(const std::string& group) {
  return GroupKinds().count(group) > 0;
}

const std::vector<std::string>& KindsOfGroup(const std::string& group) {
  static const std::vector<std::string> kNone;
  auto it = GroupKinds().find(group);
  return it == GroupKinds().end() ? kNone : it->second;
}

const KindSchema* FindSchema(const std::string& group,
                             const std::string& kind) {
  for (const KindSchema& k : TheCatalog().kinds)
    if (k.group == group && k.kind == kind) return &k;
  return nullptr;
}

const std::vector<std::string>& ServedVersions(const KindSchema& schema) {
  return schema.versions;
}

std::string ObjectName(const DiagnosticObject& object) {
  return object.kind + " " + (object.ns.empty() ? "" : object.ns + "/") +
         object.name;
}

int ValidateObject(Reader& r, const yaml::Node& obj, const KindSchema& schema,
                   const std::string& version, const DiagnosticObject& object) {
  const Json* s = schema.schema;
  if (auto it = schema.by_version.find(version); it != schema.by_version.end())
    s = it->second;
  CompiledSchemas& compiled = TheCompiledSchemas();
  const std::string& g = schema.group;
  const bool custom =
      g == kGatewayApi ||
      (g.size() > 9 && g.compare(g.size() - 9, 9, ".istio.io") == 0);
  Validator v(r, object, compiled.Of(TheCatalog().object_meta), custom);
  std::string path;
  v.Check(*compiled.Of(s), obj, path);
  return v.errors();
}

}  // namespace meshsim::io
