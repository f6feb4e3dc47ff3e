// `istio:` and the Istio release of the mesh and of each cluster. See
// scenario_sections.h.
#include <algorithm>

#include "model/io/scenario_sections.h"

namespace meshsim::io {

std::optional<IstioVersion> ParseVersion(Reader& r, const yaml::Node& n,
                                         const std::string& what) {
  auto s = r.String(n, what);
  if (!s) return std::nullopt;
  IstioVersion v;
  // MAJOR.MINOR (the minor's latest patch), or MAJOR.MINOR.PATCH, each one
  // to four digits without a leading zero ("%d" wrapped "1.4294967318" to
  // 1.22 and read "1.-5").
  const size_t dot = s->find('.');
  const size_t dot2 = dot == std::string::npos ? dot : s->find('.', dot + 1);
  const size_t minor_end = dot2 == std::string::npos ? s->size() : dot2;
  auto part = [&](size_t from, size_t to) {
    return to > from && to - from <= 4 &&
           s->find_first_not_of("0123456789", from) >= to &&
           ((*s)[from] != '0' || to - from == 1);  // no leading zero
  };
  if (dot == std::string::npos || !part(0, dot) || !part(dot + 1, minor_end) ||
      (dot2 != std::string::npos && !part(dot2 + 1, s->size()))) {
    r.Error(n, what + " must be a release like \"1.28\", got '" + *s + "'");
    return std::nullopt;
  }
  const int mj = std::stoi(s->substr(0, dot));
  const int mn = std::stoi(s->substr(dot + 1, minor_end - dot - 1));
  // The patch decides the rules a backport changed (GatewaySourceHeader).
  if (dot2 != std::string::npos) v.patch = std::stoi(s->substr(dot2 + 1));
  v.major = mj;
  v.minor = mn;
  if (!v.AtLeast(kOldestModelledVersion.major, kOldestModelledVersion.minor)) {
    r.Error(n, what + " is " + *s +
                   ", but meshsim models ambient from 1.22 "
                   "(explicit istio.io/use-waypoint binding); releases up "
                   "to 1.21 bound waypoints automatically (§2.5)");
    return std::nullopt;
  }
  if (kNewestModelledVersion.AtLeast(v.major, v.minor) == false) {
    r.diags().Note(r.Loc(n), what + " " + *s +
                                 " is newer than the newest "
                                 "modelled release " +
                                 kNewestModelledVersion.ToString() +
                                 "; its rules are used");
    v = kNewestModelledVersion;
  }
  return v;
}

namespace {

// A Kubernetes LabelSelector written in the scenario.
std::optional<LabelSelector> ParseLabelSelector(Reader& r, const yaml::Node& n,
                                                const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!r.IsMap(n, what)) return std::nullopt;
  CheckKeys(r, n, {"matchLabels", "matchExpressions"}, what);
  LabelSelector sel;
  sel.match_labels = r.StringMap(r.Child(n, "matchLabels"),
                                 what + ".matchLabels", true, nullptr)
                         .value_or(Labels{});
  yaml::Node exprs = r.Child(n, "matchExpressions");
  if (r.IsList(exprs, what + ".matchExpressions")) {
    for (size_t i = 0; i < exprs.size(); ++i) {
      const std::string ew =
          what + ".matchExpressions[" + std::to_string(i) + "]";
      if (!r.IsMap(exprs[i], ew)) continue;
      CheckKeys(r, exprs[i], {"key", "operator", "values"}, ew);
      LabelSelector::Expression e;
      e.key = r.String(r.Child(exprs[i], "key"), ew + ".key").value_or("");
      e.op = r.String(r.Child(exprs[i], "operator"), ew + ".operator")
                 .value_or("");
      e.values = r.StringList(r.Child(exprs[i], "values"), ew + ".values")
                     .value_or(std::vector<std::string>{});
      if (e.key.empty()) r.Error(exprs[i], ew + ".key is required");
      const bool with_values = e.op == "In" || e.op == "NotIn";
      if (!with_values && e.op != "Exists" && e.op != "DoesNotExist") {
        r.Error(
            r.Child(exprs[i], "operator").IsDefined()
                ? r.Child(exprs[i], "operator")
                : exprs[i],
            ew +
                ".operator must be In, NotIn, Exists or DoesNotExist, "
                "got '" +
                e.op + "'" +
                DidYouMean(e.op, {"In", "NotIn", "Exists", "DoesNotExist"}));
        continue;
      }
      if (with_values == e.values.empty())
        r.Error(exprs[i],
                ew + (with_values ? ": " + e.op + " needs values"
                                  : ": " + e.op + " takes no values"));
      sel.expressions.push_back(std::move(e));
    }
  }
  return sel;
}

// istio.meshConfig.discoverySelectors (§16.9): namespace selectors, any of
// which admits a namespace; an empty list discovers every namespace.
void LoadDiscoverySelectors(Reader& r, const yaml::Node& n, Mesh& mesh) {
  if (!n.IsDefined()) return;
  const std::string what = "istio.meshConfig.discoverySelectors";
  if (!r.IsList(n, what)) return;
  std::vector<LabelSelector> selectors;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string w = what + "[" + std::to_string(i) + "]";
    if (n[i].IsNull()) {
      selectors.emplace_back();  // {}: every namespace
      continue;
    }
    if (auto sel = ParseLabelSelector(r, n[i], w))
      selectors.push_back(std::move(*sel));
  }
  mesh.istio.discovery_selectors = std::move(selectors);
}

// One visibility value of serviceEntryVisibility: PUBLIC, NAMESPACE or NONE
// (hidden from every proxy).
std::optional<std::string> EntryVisibilityValue(Reader& r,
                                                const yaml::Node& parent,
                                                const char* key,
                                                const std::string& what) {
  const yaml::Node n = r.Child(parent, key);
  if (!n.IsDefined()) {
    r.Error(parent, what + " is required (PUBLIC, NAMESPACE or NONE)");
    return std::nullopt;
  }
  const std::string v = r.String(n, what).value_or("");
  if (v == "PUBLIC" || v == "NAMESPACE" || v == "NONE") return v;
  r.Error(n, what + " must be PUBLIC, NAMESPACE or NONE, got '" + v + "'" +
                 DidYouMean(v, {"PUBLIC", "NAMESPACE", "NONE"}));
  return std::nullopt;
}

// istio.meshConfig.serviceEntryVisibility (§2.4): {defaultVisibility,
// policies: [{visibility, matchingRules: [{namespaceSelector}]}]}.
void LoadEntryVisibility(Reader& r, const yaml::Node& n, Mesh& mesh) {
  const std::string what = "istio.meshConfig.serviceEntryVisibility";
  if (!n.IsDefined() || !r.IsMap(n, what)) return;
  CheckKeys(r, n, {"defaultVisibility", "policies", "applyToSidecars"}, what);
  if (auto a = r.Bool(r.Child(n, "applyToSidecars"), what + ".applyToSidecars"))
    mesh.istio.entry_visibility_sidecars = *a;
  if (r.Child(n, "defaultVisibility").IsDefined())
    if (auto v = EntryVisibilityValue(r, n, "defaultVisibility",
                                      what + ".defaultVisibility"))
      mesh.istio.entry_visibility_default = *v;
  yaml::Node list = r.Child(n, "policies");
  if (!list.IsDefined() || !r.IsList(list, what + ".policies")) return;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string w = what + ".policies[" + std::to_string(i) + "]";
    if (!r.IsMap(list[i], w)) continue;
    CheckKeys(r, list[i], {"visibility", "matchingRules"}, w);
    EntryVisibilityPolicy p;
    auto v = EntryVisibilityValue(r, list[i], "visibility", w + ".visibility");
    if (!v) continue;
    p.visibility = *v;
    yaml::Node rules = r.Child(list[i], "matchingRules");
    if (rules.IsDefined() && r.IsList(rules, w + ".matchingRules"))
      for (size_t j = 0; j < rules.size(); ++j) {
        const std::string rw = w + ".matchingRules[" + std::to_string(j) + "]";
        if (!r.IsMap(rules[j], rw)) continue;
        CheckKeys(r, rules[j], {"namespaceSelector"}, rw);
        if (auto sel =
                ParseLabelSelector(r, r.Child(rules[j], "namespaceSelector"),
                                   rw + ".namespaceSelector"))
          p.namespace_selectors.push_back(std::move(*sel));
        else
          p.unmatchable = true;
      }
    mesh.istio.entry_visibility_policies.push_back(std::move(p));
  }
}

// istio.meshConfig: the MeshConfig fields meshsim reads (§16.6, §16.9).
void LoadMeshConfig(Reader& r, const yaml::Node& n, Mesh& mesh) {
  if (!r.IsMap(n, "istio.meshConfig")) return;
  CheckKeys(
      r, n,
      {"serviceScopeConfigs", "discoverySelectors", "serviceEntryVisibility",
       "outboundTrafficPolicy", "enableAutoMtls"},
      "istio.meshConfig");
  // §16.1: enableAutoMtls (default true).
  mesh.istio.auto_mtls =
      r.Bool(r.Child(n, "enableAutoMtls"), "istio.meshConfig.enableAutoMtls")
          .value_or(true);
  if (!mesh.istio.auto_mtls)
    r.Warning(r.Child(n, "enableAutoMtls"),
              "istio.meshConfig.enableAutoMtls false is modelled for sidecar "
              "clients' service traffic only: meshsim keeps auto mTLS for "
              "ingress gateways and a sidecar's pod-IP traffic (§16.1)");
  // §6: outboundTrafficPolicy.mode, ALLOW_ANY (the default) or
  // REGISTRY_ONLY.
  yaml::Node otp = r.Child(n, "outboundTrafficPolicy");
  if (otp.IsDefined() &&
      r.IsMap(otp, "istio.meshConfig.outboundTrafficPolicy")) {
    CheckKeys(r, otp, {"mode"}, "istio.meshConfig.outboundTrafficPolicy");
    const std::string mode =
        r.String(r.Child(otp, "mode"),
                 "istio.meshConfig.outboundTrafficPolicy.mode")
            .value_or("ALLOW_ANY");
    if (mode != "ALLOW_ANY" && mode != "REGISTRY_ONLY")
      r.Error(r.Child(otp, "mode"),
              "istio.meshConfig.outboundTrafficPolicy.mode must be ALLOW_ANY "
              "or REGISTRY_ONLY, got '" +
                  mode + "'" +
                  DidYouMean(mode, {"ALLOW_ANY", "REGISTRY_ONLY"}));
    mesh.istio.registry_only = mode == "REGISTRY_ONLY";
  }
  LoadDiscoverySelectors(r, r.Child(n, "discoverySelectors"), mesh);
  LoadEntryVisibility(r, r.Child(n, "serviceEntryVisibility"), mesh);
  yaml::Node list = r.Child(n, "serviceScopeConfigs");
  if (!list.IsDefined()) return;
  std::vector<ServiceScopeConfig> configs;
  if (r.IsList(list, "istio.meshConfig.serviceScopeConfigs")) {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string w =
          "istio.meshConfig.serviceScopeConfigs[" + std::to_string(i) + "]";
      if (!r.IsMap(list[i], w)) continue;
      CheckKeys(r, list[i], {"namespaceSelector", "servicesSelector", "scope"},
                w);
      ServiceScopeConfig c;
      c.namespace_selector = ParseLabelSelector(
          r, r.Child(list[i], "namespaceSelector"), w + ".namespaceSelector");
      c.services_selector = ParseLabelSelector(
          r, r.Child(list[i], "servicesSelector"), w + ".servicesSelector");
      const std::string scope =
          r.String(r.Child(list[i], "scope"), w + ".scope").value_or("");
      if (scope != "GLOBAL" && scope != "LOCAL") {
        r.Error(r.Child(list[i], "scope").IsDefined()
                    ? r.Child(list[i], "scope")
                    : list[i],
                w + ".scope must be GLOBAL or LOCAL, got '" + scope + "'" +
                    DidYouMean(scope, {"GLOBAL", "LOCAL"}));
        continue;
      }
      c.global = scope == "GLOBAL";
      configs.push_back(std::move(c));
    }
  }
  mesh.istio.service_scope_configs = std::move(configs);
}

// The istiod (and istio-cni) settings meshsim reads, as
// docs/scenario-format.md lists them; `solo_only`: Solo's istiod has it, the
// community one does not (checked against istio 1.30/1.31 and Solo's
// pilot/pkg/features/solo.go and peering watcher).
struct KnownFlag {
  const char* name;
  bool boolean;
  bool solo_only;
};
constexpr KnownFlag kFlags[] = {
    {"AMBIENT_DNS_CAPTURE", true, false},
    {"AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY", true, false},
    {"AMBIENT_ENABLE_MULTI_NETWORK", true, false},
    {"AMBIENT_ENABLE_MULTI_NETWORK_INGRESS", true, false},
    {"AMBIENT_ENABLE_MULTI_NETWORK_WAYPOINT", true, false},
    {"ENABLE_INGRESS_WAYPOINT_ROUTING", true, false},
    {"ENABLE_WILDCARD_HOST_SERVICE_ENTRIES_FOR_TLS", true, false},
    {"PILOT_AUTO_ALLOW_WAYPOINT_POLICY", true, false},
    {"PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", true, false},
    {"PILOT_ENABLE_IP_AUTOALLOCATE", true, false},
    {"PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES", true, false},
    {"PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS", true, false},
    {"PILOT_PREFER_SENDING_HBONE", true, false},
    {"PILOT_SEND_UNHEALTHY_ENDPOINTS", true, false},
    {"DISABLE_LEGACY_MULTICLUSTER", true, true},
    {"ENABLE_AMBIENT_ENVOY_MULTI_NETWORK", true, true},
    {"ENABLE_PEERING_DISCOVERY", true, true},
    {"ENABLE_WAYPOINT_INTEROP", true, true},
    {"PEERING_DISCOVERY_DEFAULT_TRAFFIC_DISTRIBUTION", false, true},
    {"PEERING_DISCOVERY_SUFFIX", false, true},
    {"PEERING_ENABLE_FLAT_NETWORKS", true, true},
    {"PILOT_SOLO_ENABLE_AUTO_WAYPOINT", true, true},
};

const KnownFlag* FindFlag(const std::string& name) {
  for (const KnownFlag& f : kFlags)
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

void LoadIstio(Reader& r, const yaml::Node& n, Mesh& mesh) {
  if (!r.IsMap(n, "istio")) return;
  CheckKeys(r, n,
            {"version", "distribution", "flags", "rootNamespace", "meshConfig",
             "revision"},
            "istio");
  LoadMeshConfig(r, r.Child(n, "meshConfig"), mesh);
  mesh.istio.location = r.Loc(n);
  if (auto v = ParseVersion(r, r.Child(n, "version"), "istio.version"))
    mesh.istio.version = *v;
  if (auto d = r.String(r.Child(n, "distribution"), "istio.distribution")) {
    if (*d == "community") {
      mesh.istio.distribution = Distribution::kCommunity;
    } else if (*d == "solo") {
      mesh.istio.distribution = Distribution::kSolo;
    } else {
      r.Error(r.Child(n, "distribution"),
              "istio.distribution must be community or solo, got '" + *d + "'");
    }
  }
  if (auto root = r.String(r.Child(n, "rootNamespace"), "istio.rootNamespace"))
    mesh.istio.root_namespace = *root;
  // §16.11: the revision of the istiod that serves the mesh.
  if (auto rev = r.String(r.Child(n, "revision"), "istio.revision"))
    mesh.istio.revision = *rev;
  yaml::Node flags = r.Child(n, "flags");
  if (r.IsMap(flags, "istio.flags")) {
    for (auto it = flags.begin(); it != flags.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      auto v = r.String(it->second, "istio.flags." + key);
      if (!v) continue;
      const KnownFlag* known = FindFlag(key);
      if (!known) {
        std::vector<std::string> names;
        for (const KnownFlag& f : kFlags) names.emplace_back(f.name);
        r.Warning(it->first, "istio.flags." + key +
                                 " is not a setting meshsim reads, so it "
                                 "changes nothing here" +
                                 DidYouMean(key, names) +
                                 " (docs/scenario-format.md lists them)");
        continue;
      }
      // A setting only Solo's istiod has: a community istiod ignores it.
      if (known->solo_only && mesh.istio.distribution != Distribution::kSolo) {
        r.Warning(it->first,
                  "istio.flags." + key +
                      " is a setting of Solo's istiod (§15); the community "
                      "istiod of this mesh has no such setting, so it is "
                      "ignored (set istio.distribution: solo to use it)");
        continue;
      }
      if (!known->boolean) {
        mesh.istio.flags[key] = *v;
        continue;
      }
      if (*v != "true" && *v != "false" && *v != "True" && *v != "False" &&
          *v != "TRUE" && *v != "FALSE") {
        r.Error(it->second,
                "istio.flags." + key +
                    " must be true or false (or \"true\"/\"false\"), got '" +
                    *v + "'");
        continue;
      }
      std::string lower = *v;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      mesh.istio.flags[key] = lower;
    }
  }
}

}  // namespace meshsim::io
