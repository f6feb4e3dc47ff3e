// Kubernetes manifests -> model objects: each object's header, then its
// kind's handler from the table in kinds.cc. See loader.h.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string_view>

#include "model/io/kinds.h"
#include "model/io/loader.h"
#include "model/io/schema.h"
#include "model/sha256.h"

namespace meshsim::io {

namespace {

// What the API server accepts as a name (apimachinery validation): a DNS-1123
// label (Namespace; Service, which must also start with a letter, DNS-1035)
// or subdomain (every other kind); "" when `v` is one, else what it must
// be.
bool LowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, its first character a letter when
// `letter_first` (DNS-1035); written out rather than a regular expression:
// every object's name and label keys pass here.
bool Dns1123Label(std::string_view v, bool letter_first) {
  if (v.empty() || !LowerAlnum(v.front()) || !LowerAlnum(v.back()))
    return false;
  if (letter_first && !(v.front() >= 'a' && v.front() <= 'z')) return false;
  for (char c : v)
    if (!LowerAlnum(c) && c != '-') return false;
  return true;
}

// Labels joined by '.'.
bool Dns1123Subdomain(std::string_view v) {
  while (true) {
    const size_t dot = v.find('.');
    if (!Dns1123Label(v.substr(0, dot), false)) return false;
    if (dot == std::string_view::npos) return true;
    v.remove_prefix(dot + 1);
  }
}

std::string NameSyntaxError(const std::string& kind, const std::string& v,
                            bool label) {
  if (label) {
    const bool service = kind == "Service";
    if (v.size() <= 63 && Dns1123Label(v, service)) return "";
    return std::string(
               "a DNS-1123 label (at most 63 characters: lowercase "
               "letters, digits and '-', ") +
           (service ? "starting with a letter and ending with a letter or "
                      "digit)"
                    : "starting and ending with a letter or digit)");
  }
  if (v.size() <= 253 && Dns1123Subdomain(v)) return "";
  return "a DNS-1123 subdomain (at most 253 characters: lowercase letters, "
         "digits, '-' and '.', each dot-separated part starting and ending "
         "with a letter or digit)";
}

// The name the API server would take for `v`: lowercase, '_' as '-'.
std::string NameSuggestion(std::string v) {
  for (char& c : v) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  return v;
}

// metadata.name or .namespace `v` at `n`: an error unless the API server
// would take it (kubectl apply refuses the object).
bool CheckName(Reader& r, const yaml::Node& n, const std::string& kind,
               const std::string& what, const std::string& v, bool label) {
  const std::string want = NameSyntaxError(kind, v, label);
  if (want.empty()) return true;
  const std::string fix = NameSuggestion(v);
  r.Error(n, what + " must be " + want + ", as the API server requires, got '" +
                 TerminalText(Utf8Prefix(v, 80)) + "'" +
                 (fix != v && NameSyntaxError(kind, fix, label).empty()
                      ? " (did you mean '" + fix + "'?)"
                      : ""));
  return false;
}

// A label or annotation key (a qualified name): an optional DNS-1123
// subdomain prefix and '/', then at most 63 characters of letters, digits,
// '-', '_' and '.', starting and ending with a letter or digit.
bool QualifiedName(const std::string& key) {
  const size_t slash = key.find('/');
  const std::string_view name = slash == std::string::npos
                                    ? std::string_view(key)
                                    : std::string_view(key).substr(slash + 1);
  if (slash != std::string::npos &&
      !NameSyntaxError("", key.substr(0, slash), false).empty())
    return false;
  // ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
  auto alnum = [](char c) { return LowerAlnum(c) || (c >= 'A' && c <= 'Z'); };
  if (name.empty() || name.size() > 63 || !alnum(name.front()) ||
      !alnum(name.back()))
    return false;
  for (char c : name)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// Each key of metadata `field` (labels, annotations) must be a qualified
// name; false after an error at the first that is not.
bool CheckKeys(Reader& r, const yaml::Node& md, const char* field,
               const std::string& what) {
  const yaml::Node m = r.Child(md, field);
  if (!m.IsDefined() || !m.IsMap()) return true;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    // Annotation keys are checked in lower case (ValidateAnnotations: "case
    // doesn't matter"); label keys as written.
    const std::string key = std::string(field) == "annotations"
                                ? AsciiLower(it->first.Scalar())
                                : it->first.Scalar();
    if (QualifiedName(key)) continue;
    // A label key's prefix in capitals: the same key in lower case.
    const size_t slash = key.find('/');
    std::string fix = key;
    if (slash != std::string::npos)
      fix = NameSuggestion(key.substr(0, slash)) + key.substr(slash);
    r.Error(
        it->first,
        what + ": metadata." + std::string(field) + " key '" +
            TerminalText(Utf8Prefix(it->first.Scalar(), 80)) +
            "' must be a qualified name (an optional DNS-1123 subdomain "
            "and '/', then at most 63 characters: letters, digits, '-', "
            "'_' and '.', starting and ending with a letter or digit), "
            "as the API server requires" +
            (fix != key && QualifiedName(fix) ? " (did you mean '" + fix + "'?)"
                                              : ""));
    return false;
  }
  return true;
}

// The object's kind, apiVersion and metadata; nullopt (with an error, but for
// a null kind) when it has no kind, no metadata or no name. Cluster-scoped
// kinds get no namespace.
std::optional<ObjectHeader> ReadHeader(Reader& r, const yaml::Node& obj,
                                       bool cluster_scoped) {
  ObjectHeader h;
  h.loc = r.Loc(obj);
  auto kind = r.String(r.Child(obj, "kind"), "object: kind");
  if (!kind) {
    if (!r.Child(obj, "kind").IsDefined())
      r.Error(obj,
              "object has no 'kind'; expected a Kubernetes object with "
              "apiVersion, kind and metadata");
    return std::nullopt;
  }
  h.kind = *kind;
  h.api_version = r.String(r.Child(obj, "apiVersion"), h.kind + ": apiVersion")
                      .value_or("");
  yaml::Node md = r.Child(obj, "metadata");
  if (!r.IsMap(md, h.kind + ": metadata")) {
    if (h.kind != "List") {
      r.Error(obj, h.kind + " has no metadata; expected metadata.name");
      return std::nullopt;
    }
    return h;
  }
  auto name = r.String(r.Child(md, "name"), h.kind + ": metadata.name");
  if (!name || name->empty()) {
    r.Error(md, h.kind + ": metadata.name is required");
    return std::nullopt;
  }
  h.name = *name;
  const yaml::Node ns_node = r.Child(md, "namespace");
  h.ns = r.String(ns_node, h.kind + " " + h.name + ": metadata.namespace")
             .value_or("default");
  if (cluster_scoped) h.ns = "";
  h.what = h.kind + " " + (h.ns.empty() ? h.name : h.ns + "/" + h.name);
  // The API server's name rules (a List's items are checked one by one;
  // kinds meshsim does not read, RBAC's path-segment names among them, are
  // skipped before their header is read).
  if (h.kind != "List" &&
      (!CheckName(r, r.Child(md, "name"), h.kind, h.what + ": metadata.name",
                  h.name, h.kind == "Namespace" || h.kind == "Service") ||
       (!cluster_scoped && ns_node.IsDefined() &&
        !CheckName(r, ns_node, "Namespace", h.what + ": metadata.namespace",
                   h.ns, true)) ||
       !CheckKeys(r, md, "labels", h.what) ||
       !CheckKeys(r, md, "annotations", h.what)))
    return std::nullopt;
  h.labels = r.StringMap(r.Child(md, "labels"), h.what + ": metadata.labels",
                         true, &h.label_locs)
                 .value_or(Labels{});
  h.annotations = r.StringMap(r.Child(md, "annotations"),
                              h.what + ": metadata.annotations", false, nullptr)
                      .value_or(Labels{});
  return h;
}

std::string ApiGroup(const std::string& api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

// The version part of apiVersion: "v1" of "security.istio.io/v1" and of "v1".
std::string ApiVersionName(const std::string& api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string::npos ? api_version
                                    : api_version.substr(slash + 1);
}

// The object a diagnostic is about, from the raw object before its header
// is read.
DiagnosticObject RawObject(const yaml::Node& obj, const std::string& kind,
                           const std::string& cluster) {
  // A missing key or a non-scalar reads as "" (yaml::Node never throws).
  const yaml::Node md = obj["metadata"];
  return DiagnosticObject{kind, md["namespace"].Scalar(), md["name"].Scalar(),
                          cluster};
}

// Strict reading (docs/lint.md#strict-reading): in a known API group the kind
// must exist (unknown-kind), the version must be served, and an object of a
// kind with a kept schema must match it (unknown-field, invalid-value).
// False when the object is refused, as kubectl apply would refuse it.
bool CheckStrict(Reader& r, const yaml::Node& obj, const yaml::Node& kind_node,
                 const std::string& api, const std::string& cluster) {
  const std::string group = ApiGroup(api), kind = kind_node.Scalar();
  const DiagnosticObject object = RawObject(obj, kind, cluster);
  if (!IsKnownGroup(group)) return true;
  const std::vector<std::string>& kinds = KindsOfGroup(group);
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string msg = "kind " + kind + " does not exist in apiVersion " +
                      (api.empty() ? "v1" : api);
    std::string home;
    for (const std::string g : {"", "apps"})
      for (const std::string& k : KindsOfGroup(g))
        if (k == kind && g != group) home = g.empty() ? "v1" : g + "/v1";
    const std::string near = ClosestMatch(kind, kinds);
    if (!home.empty()) {
      msg += "; " + kind + " is in apiVersion " + home;
    } else if (!near.empty()) {
      msg += "; did you mean '" + near + "'?";
    }
    r.diags().Error(r.Loc(kind_node), msg, "unknown-kind", object);
    return false;
  }
  const KindSchema* schema = FindSchema(group, kind);
  if (!schema) return true;
  const std::string version = ApiVersionName(api);
  const std::vector<std::string>& served = ServedVersions(*schema);
  if (std::find(served.begin(), served.end(), version) == served.end()) {
    std::string list;
    for (const std::string& v : served)
      list +=
          (list.empty() ? "" : ", ") + (group.empty() ? v : group + "/" + v);
    // Without the key, the object's own position, and what is missing.
    const yaml::Node at = obj["apiVersion"];
    r.diags().Error(
        at.IsDefined() ? r.Loc(at) : r.Loc(obj),
        ObjectName(object) +
            (api.empty() ? std::string(": apiVersion is missing")
                         : ": apiVersion " + api + " is not served") +
            "; " + kind + " is served as " + list,
        "invalid-value", object);
    return false;
  }
  return ValidateObject(r, obj, *schema, version, object) == 0;
}

void LoadObject(Reader& r, const yaml::Node& obj, Cluster& cluster,
                ManifestSink& sink, int depth);

void LoadList(Reader& r, const yaml::Node& obj, Cluster& cluster,
              ManifestSink& sink, int depth) {
  yaml::Node items = r.Child(obj, "items");
  if (!r.IsList(items, "List: items")) return;
  for (const yaml::Node& item : items)
    LoadObject(r, item, cluster, sink, depth + 1);
}

// FNV-1a over a canonical walk of the node: map keys sorted, server-set
// metadata left out, so that a `kubectl get -o yaml` dump and the manifest it
// came from digest alike.
uint64_t ContentDigest(const yaml::Node& n, int depth) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& s, char tag) {
    h ^= static_cast<unsigned char>(tag);
    h *= 1099511628211ull;
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  auto mix64 = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  if (depth > 64) return h;
  if (n.IsScalar()) {
    mix(n.Scalar(), 's');
  } else if (n.IsSequence()) {
    mix("", '[');
    for (const yaml::Node& c : n) mix64(ContentDigest(c, depth + 1));
  } else if (n.IsMap()) {
    static const std::set<std::string> kServerSet = {
        "resourceVersion", "uid",      "generation",
        "managedFields",   "selfLink", "creationTimestamp" /* ordering only */};
    // Keys in sorted order; a key set twice counts once, with its last
    // value (the checker reports the duplicate).
    std::vector<std::pair<const std::string*, uint64_t>> kv;
    kv.reserve(n.size());
    for (const auto& it : n) {
      if (!it.first.IsScalar()) continue;
      const std::string& key = it.first.Scalar();
      if (depth == 1 && kServerSet.count(key)) continue;
      kv.emplace_back(
          &key, ContentDigest(it.second, key == "metadata" ? 1 : depth + 2));
    }
    std::stable_sort(kv.begin(), kv.end(), [](const auto& a, const auto& b) {
      return *a.first < *b.first;
    });
    mix("", '{');
    for (size_t i = 0; i < kv.size(); ++i) {
      if (i + 1 < kv.size() && *kv[i + 1].first == *kv[i].first) continue;
      mix(*kv[i].first, 'k');
      mix64(kv[i].second);
    }
  }
  return h;
}

std::atomic<bool> record_objects{false};
std::atomic<bool> digest_objects{true};

// Appends `s` with its length (a varint) in front, so that no two
// sequences of strings serialize alike.
void PutString(std::string_view s, std::string& out) {
  for (uint64_t n = s.size();; n >>= 7) {
    out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
    if (n <= 0x7f) break;
  }
  out.append(s);
}

// Every byte of the node that loading can read, in document order: tags
// (a quoted "80" is not 80), scalars, and map keys with their values, in
// a compact unambiguous form hashed once per object: the digest of the
// 10x mesh's 82 MB hashed about 4 times its bytes when each of these was
// a field of its own (bench/README.md).
void WalkDigest(const yaml::Node& n, std::string& out) {
  if (n.IsScalar()) {
    out.push_back('s');
    PutString(n.Tag(), out);
    PutString(n.Scalar(), out);
  } else if (n.IsSequence() || n.IsMap()) {
    out.push_back(n.IsMap() ? '{' : '[');
    PutString(n.Tag(), out);
    PutString(std::to_string(n.size()), out);
    if (n.IsMap()) {
      for (const auto& it : n) {
        WalkDigest(it.first, out);
        WalkDigest(it.second, out);
      }
    } else {
      for (const yaml::Node& c : n) WalkDigest(c, out);
    }
  } else {
    out.push_back(n.IsNull() ? '~' : '?');
    PutString(n.Tag(), out);
  }
}

// The object's record (Cluster::records), its place included: a finding
// names where the objects it involves are.
void RecordObject(const Reader& r, const yaml::Node& obj, Cluster& cluster) {
  Sha256 h;
  const SourceLocation at = r.Loc(obj);
  h.Field(at.file);
  h.Field(std::to_string(at.line) + ":" + std::to_string(at.column));
  std::string bytes;
  WalkDigest(obj, bytes);
  h.Update(bytes);
  cluster.records.push_back({h.Hex(), false, ""});
}

bool IsSecurityPolicy(const KindEntry& e) {
  return e.group == "security.istio.io" &&
         (e.kind == "AuthorizationPolicy" || e.kind == "PeerAuthentication" ||
          e.kind == "RequestAuthentication");
}

// §16.11: whether istiod ignores this object as another revision's: one of
// the kinds it reads through a revision filter (every Istio configuration
// kind; every Gateway API kind but Gateway), whose own istio.io/rev label
// is not istiod's revision. Said at the label either way. Before 1.25
// ztunnel's index read policies and entries unfiltered: those are kept.
bool IgnoredForRevision(Reader& r, const ObjectHeader& h, const KindEntry& e,
                        const yaml::Node& obj, const ManifestSink& sink) {
  if (!sink.revision || sink.revision->empty()) return false;
  const bool filtered = e.group == "networking.istio.io" ||
                        e.group == "security.istio.io" ||
                        (e.group == "gateway.networking.k8s.io" &&
                         e.kind != "Gateway" && e.kind != "GatewayClass");
  const std::string* rev = FindLabel(h.labels, "istio.io/rev");
  if (!rev || *rev == *sink.revision) return false;
  const yaml::Node at =
      r.Child(r.Child(r.Child(obj, "metadata"), "labels"), "istio.io/rev");
  const std::string istiod = "istiod (istio.revision: " + *sink.revision + ")";
  if (e.group == "gateway.networking.k8s.io" && e.kind == "Gateway") {
    // Deployed and programmed by the istiod of its revision, if any.
    r.Warning(at, h.what + ": label istio.io/rev=" + *rev +
                      " names another revision than " + istiod +
                      ": meshsim assumes an istiod of revision " + *rev +
                      " deploys and programs it; if none does, it never "
                      "becomes ready and what binds to it fails open "
                      "(§16.11, §3.6)");
    return false;
  }
  if (!filtered) return false;
  const bool ztunnel_reads =
      !sink.ztunnel_filters_revision && e.kind != "RequestAuthentication" &&
      (e.group == "security.istio.io" || e.kind == "ServiceEntry" ||
       e.kind == "WorkloadEntry");
  if (ztunnel_reads) {
    r.Warning(at, h.what + ": label istio.io/rev=" + *rev +
                      " names another revision than " + istiod +
                      "; sidecars and waypoints ignore it, but before Istio "
                      "1.25 ztunnel still applies it, and meshsim applies it "
                      "everywhere (§16.11)");
    return false;
  }
  r.Warning(at, h.what + ": label istio.io/rev=" + *rev +
                    " names another revision than " + istiod +
                    ", which reads no configuration of another revision: "
                    "the object is ignored, as Istio does (§16.11); set "
                    "istio.revision if " +
                    *rev + " is the revision serving this mesh");
  return true;
}

// The fields under `n` (at `path`) no loader read, depth first in document
// order.
void UnreadFields(const yaml::Node& n, const std::string& path,
                  std::vector<std::pair<std::string, yaml::Node>>& out) {
  if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i)
      UnreadFields(n[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  if (!n.IsMap()) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const yaml::Node key = it->first, value = it->second;
    const std::string p = path + "." + key.Scalar();
    if (!value.WasRead()) {
      // null and {} say nothing a model could ignore.
      if (!value.IsNull() && value.size() + value.IsScalar() > 0)
        out.emplace_back(p, key);
    } else {
      UnreadFields(value, p, out);
    }
  }
}

// Fields of an object's spec that meshsim reads nowhere are reported, never
// silently ignored: a DestinationRule's maxRequestsPerConnection changes
// what Envoy does, and a result that leaves it out must say so. Workloads
// (pods and their controllers) are exempt: their spec is mostly containers,
// which meshsim models only as much as §1 says.
void ReportUnreadFields(Reader& r, const ObjectHeader& h,
                        const KindEntry& entry, const yaml::Node& obj) {
  if (entry.group == "apps" || (entry.group.empty() && entry.kind == "Pod"))
    return;
  const yaml::Node spec = obj["spec"];
  if (!spec.IsMap() || !spec.WasRead()) return;
  std::vector<std::pair<std::string, yaml::Node>> unread;
  UnreadFields(spec, "spec", unread);
  if (unread.empty()) return;
  std::string fields;
  for (size_t i = 0; i < unread.size() && i < 8; ++i)
    fields += (i ? ", " : "") + unread[i].first;
  if (unread.size() > 8)
    fields += " and " + std::to_string(unread.size() - 8) + " more";
  r.Warning(unread.front().second,
            h.what + ": meshsim does not model " + fields +
                (unread.size() == 1 ? "; it is" : "; they are") +
                " ignored, and results may differ from Istio's where it "
                "matters (docs/semantics.md#s16-10)");
}

// A configuration object defined twice in a cluster (the same kind and
// namespace/name, as two manifests applied one after the other would
// replace it): the first definition is used, and the second is reported
// and not read, as for Services, Namespaces and Gateways (docs/robustness.md);
// both taking effect would make the older one shadow the newer.
bool DuplicateObject(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                     const std::string& cluster, ManifestSink& sink) {
  static const std::set<std::string> kKinds = {
      "VirtualService",      "DestinationRule",    "HTTPRoute",
      "GRPCRoute",           "TCPRoute",           "TLSRoute",
      "AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication",
      "ServiceEntry",        "ReferenceGrant",     "NetworkPolicy",
      "GatewayClass"};
  if (!kKinds.count(h.kind)) return false;
  if (sink.loaded.insert(h.kind + " " + h.ns + "/" + h.name).second)
    return false;
  r.Warning(obj, h.what + " is defined twice in cluster " + cluster +
                     "; the first definition is used");
  obj.MarkSubtreeRead();
  return true;
}

void LoadObject(Reader& r, const yaml::Node& obj, Cluster& cluster,
                ManifestSink& sink, int depth) {
  if (!obj.IsDefined() || obj.IsNull()) return;  // empty document
  const size_t record = cluster.records.size();
  if (record_objects) RecordObject(r, obj, cluster);
  if (!obj.IsMap()) {
    r.Error(obj,
            "expected a Kubernetes object (a map with apiVersion, kind and "
            "metadata), got " +
                Reader::Describe(obj));
    return;
  }
  if (depth > 8) {
    r.Error(obj, "List objects nested deeper than 8 levels");
    return;
  }
  yaml::Node kind_node = r.Child(obj, "kind");
  if (kind_node.IsScalar() &&
      (kind_node.Scalar() == "List" ||
       (kind_node.Scalar().size() > 4 &&
        kind_node.Scalar().compare(kind_node.Scalar().size() - 4, 4, "List") ==
            0 &&
        r.Child(obj, "items").IsSequence()))) {
    LoadList(r, obj, cluster, sink, depth);
    return;
  }
  // Objects of the known API groups are read strictly; kinds of other groups
  // (CRDs meshsim does not know) are skipped before any validation: a dump
  // holds many objects whose shape is not ours to judge.
  const KindEntry* entry = nullptr;
  if (kind_node.IsScalar()) {
    const std::string api = r.Child(obj, "apiVersion").IsScalar()
                                ? r.Child(obj, "apiVersion").Scalar()
                                : "";
    if (!CheckStrict(r, obj, kind_node, api, cluster.name)) return;
    entry = FindKind(ApiGroup(api), kind_node.Scalar());
    if (!entry) {
      SkipObject(sink, kind_node.Scalar(), ApiGroup(api), r.Loc(obj));
      return;
    }
  }
  // Without an entry the kind is not a string, and ReadHeader says so.
  auto h = ReadHeader(r, obj, entry && entry->cluster_scoped);
  if (!h || !entry) return;
  ObjectScope scope(r, {h->kind, h->ns, h->name, cluster.name});
  // §8.5 (validation.go validateMetadata): of Istio's kinds only an
  // AuthorizationPolicy may carry istio.io/dry-run.
  if (entry->group.size() > 9 &&
      entry->group.compare(entry->group.size() - 9, 9, ".istio.io") == 0 &&
      entry->kind != "AuthorizationPolicy" &&
      FindLabel(h->annotations, "istio.io/dry-run"))
    r.Warning(r.Child(r.Child(obj, "metadata"), "annotations"),
              h->what +
                  ": istiod's validating webhook refuses the "
                  "istio.io/dry-run annotation on a " +
                  h->kind +
                  " (only an AuthorizationPolicy takes it; kubectl apply "
                  "fails); meshsim applies the object as written");
  if (record_objects && IsSecurityPolicy(*entry)) {
    cluster.records[record].policy = true;
    cluster.records[record].policy_ns = h->ns;
  }
  if (digest_objects)
    cluster.objects.emplace(
        h->kind + " " + (h->ns.empty() ? "" : h->ns + "/") + h->name,
        ObjectDigest{ContentDigest(obj, 0), h->loc});
  if (IgnoredForRevision(r, *h, *entry, obj, sink)) return;
  if (DuplicateObject(r, *h, obj, cluster.name, sink)) return;
  entry->load(r, *h, obj, cluster, sink);
  ReportUnreadFields(r, *h, *entry, obj);
}

void ReportSkipped(ManifestSink& sink, Diagnostics& diags) {
  // Kinds that change where a proxy sends requests: skipping them is a
  // warning (§16.10), since the paths of the pods they apply to may differ.
  static const std::map<std::string, std::string> kChangesPaths = {
      {"Sidecar (networking.istio.io)",
       "a Sidecar narrows the hosts its sidecar pods see (egress) and where "
       "unknown hosts go (outboundTrafficPolicy REGISTRY_ONLY: 502), so "
       "those pods' paths may differ"},
      {"EnvoyFilter (networking.istio.io)",
       "an EnvoyFilter patches the proxies' configuration, so the paths "
       "through the proxies it selects may differ"},
      {"WasmPlugin (extensions.istio.io)",
       "a WasmPlugin runs its code in the proxies it selects, which may "
       "deny or change requests there"},
      {"ListenerSet (gateway.networking.k8s.io)",
       "a ListenerSet adds listeners (ports, hostnames, TLS) to the Gateway "
       "it names, so requests to that gateway may be admitted and routed "
       "differently"},
      {"XListenerSet (gateway.networking.x-k8s.io)",
       "a ListenerSet adds listeners (ports, hostnames, TLS) to the Gateway "
       "it names, so requests to that gateway may be admitted and routed "
       "differently"},
      {"BackendTLSPolicy (gateway.networking.k8s.io)",
       "a BackendTLSPolicy makes the gateways and waypoints that send to "
       "the Service it targets originate TLS, so those requests may be "
       "refused or reach it differently"}};
  for (const auto& [kind, s] : sink.skipped) {
    const std::string text = "skipped " + std::to_string(s.second) + " object" +
                             (s.second == 1 ? "" : "s") + " of kind " + kind +
                             ", which meshsim does not model";
    if (auto it = kChangesPaths.find(kind); it != kChangesPaths.end())
      diags.Warning(s.first, text + ": " + it->second + " (§16.10)");
    else
      diags.Note(s.first, text);
  }
  sink.skipped.clear();
}

}  // namespace

void SkipObject(ManifestSink& sink, const std::string& kind,
                const std::string& group, const SourceLocation& loc) {
  std::string label = kind + (group.empty() ? "" : " (" + group + ")");
  auto it = sink.skipped.emplace(label, SkippedKind{loc, 0}).first;
  ++it->second.second;
}

bool RequireSpec(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                 yaml::Node& spec) {
  spec = r.Child(obj, "spec");
  if (r.IsMap(spec, h.what + ": spec")) return true;
  r.Error(obj, h.what + ": spec is required");
  return false;
}

bool CheckOneOf(Reader& r, const yaml::Node& n, const std::string& what,
                const std::string& value,
                const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end())
    return true;
  std::string list;
  for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
  r.Error(n, what + " must be one of " + list + ", got '" + value + "'");
  return false;
}

void LoadManifestInto(const std::string& text, const std::string& file,
                      Cluster& cluster, ManifestSink& sink,
                      Diagnostics& diags) {
  // Streamed: a whole-cluster dump is loaded one object at a time.
  Reader r(file, diags);
  sink.skipped.clear();
  sink.nodes = cluster.nodes.size();
  StreamDocuments(text, file, diags, [&](const yaml::Node& doc) {
    LoadObject(r, doc, cluster, sink, 0);
  });
  ReportSkipped(sink, diags);
}

void LoadParsedObjects(Reader& r, const yaml::Node& objects, Cluster& cluster,
                       ManifestSink& sink) {
  sink.skipped.clear();
  sink.nodes = cluster.nodes.size();
  for (const yaml::Node& obj : objects) LoadObject(r, obj, cluster, sink, 0);
  ReportSkipped(sink, r.diags());
}

void SetRecordObjects(bool on) { record_objects = on; }
bool RecordingObjects() { return record_objects; }
void SetDigestObjects(bool on) { digest_objects = on; }

}  // namespace meshsim::io

namespace meshsim {

void LoadManifestText(const std::string& text, const std::string& file_label,
                      Cluster& cluster, Diagnostics& diags) {
  io::ManifestSink sink;
  io::LoadManifestInto(text, file_label, cluster, sink, diags);
  io::FinishCluster(cluster, sink);
}

}  // namespace meshsim
