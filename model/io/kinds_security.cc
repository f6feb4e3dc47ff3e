// Security: AuthorizationPolicy, PeerAuthentication and RequestAuthentication.
// See kinds.h.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "model/binding.h"
#include "model/io/kinds.h"
#include "model/labels.h"
#include "model/policy.h"

namespace meshsim::io {

namespace {

// Whether '*' in an AuthorizationPolicy value is a wildcard: the whole
// value, a prefix or a suffix (generator.go); elsewhere istiod accepts it
// and Envoy reads it literally. Paths may use the {*} and {**} templates.
bool ValidWildcard(const std::string& v) {
  size_t star = v.find('*');
  if (star == std::string::npos || v == "*") return true;
  if (v.find('*', star + 1) != std::string::npos) return false;
  return star == 0 || star == v.size() - 1;
}

std::vector<std::string> ReadPolicyValues(Reader& r, const yaml::Node& parent,
                                          const char* key,
                                          const std::string& what,
                                          const std::string& kind) {
  std::vector<std::string> out;
  yaml::Node list = r.Child(parent, key);
  if (!r.IsList(list, what + "." + key)) return out;
  for (const yaml::Node& x : list) {
    auto v = r.String(x, what + "." + key + "[]");
    if (!v) continue;
    const std::string f = what + "." + key;
    if (v->empty()) {
      r.Error(x, f + " must not contain an empty value");
      continue;
    }
    if (kind == "path") {
      bool templ = v->find_first_of("{}") != std::string::npos;
      if (auto why = PathTemplateError(*v); templ && why) {
        r.diags().Error(r.Loc(x),
                        f + " value '" + *v +
                            "' is not a valid path template (§8.4): " + *why,
                        "invalid-value");
        continue;
      }
      if (!templ && !ValidWildcard(*v))
        r.Warning(x, f + " value '" + *v +
                         "' has '*' in the middle or twice: istiod accepts "
                         "it, and Envoy reads only a leading '*' (else a "
                         "trailing one) as a wildcard, the rest literally; "
                         "or use the path templates {*} and {**} (§8)");
    } else if (kind == "ip") {
      if (!IpInBlock(*v, v->substr(0, v->find('/')))) {
        r.Error(x, f + " value '" + *v +
                       "' is not an IP address or CIDR block (IPv4 or IPv6)");
        continue;
      }
    } else if (kind == "serviceAccount") {
      const size_t slash = v->find('/');
      if (v->find('*') != std::string::npos || slash == 0 ||
          slash + 1 == v->size() ||
          (slash != std::string::npos &&
           v->find('/', slash + 1) != std::string::npos)) {
        r.Error(x, f + " value '" + *v +
                       "' is not a service account: 'name' (in the policy's "
                       "namespace) or 'namespace/name', without wildcards");
        continue;
      }
    } else if (kind == "port") {
      // security.go ValidatePorts: Go's ParseUint (decimal digits only, no
      // sign or space), at most 65535; 0 passes.
      const bool digits = !v->empty() && v->size() <= 10 &&
                          std::all_of(v->begin(), v->end(), [](char ch) {
                            return ch >= '0' && ch <= '9';
                          });
      if (!digits || std::stoll(*v) > 65535) {
        r.Error(x, f + " value '" + *v +
                       "' is not a port number (decimal digits, at most "
                       "65535; istiod refuses it)");
        continue;
      }
    } else {
      if (!ValidWildcard(*v) && kind == "trustDomain") {
        // security.go CheckWildcardValues (trust domains): refused.
        r.Error(x, f + " value '" + *v +
                       "' has more than one '*' or one in the middle (istiod "
                       "refuses it)");
        continue;
      }
      if (!ValidWildcard(*v))
        r.Warning(x, f + " value '" + *v +
                         "' has '*' in the middle or twice: istiod accepts "
                         "it, and Envoy reads only a leading '*' (else a "
                         "trailing one) as a wildcard, the rest literally "
                         "(§8)");
      if (kind == "principal" && v->rfind("spiffe://", 0) == 0) {
        r.Warning(x, f + " value '" + *v +
                         "' starts with spiffe://; Istio principals are "
                         "written without it (" +
                         v->substr(9) + ") and this one never matches");
      } else if (kind == "principal" && *v != "*" &&
                 v->find("/ns/") == std::string::npos &&
                 v->find('*') == std::string::npos) {
        r.Warning(x, f + " value '" + *v +
                         "' is not of the form "
                         "<trust-domain>/ns/<namespace>/sa/<service-account>; "
                         "it matches only a "
                         "peer with exactly that identity");
      }
    }
    out.push_back(*v);
  }
  return out;
}

bool KnownConditionKey(const std::string& k) {
  static const std::set<std::string> kExact = {"source.ip",
                                               "remote.ip",
                                               "source.namespace",
                                               "source.principal",
                                               "source.serviceAccount",
                                               "source.trustDomain",
                                               "request.auth.principal",
                                               "request.auth.audiences",
                                               "request.auth.presenter",
                                               "destination.ip",
                                               "destination.port",
                                               "connection.sni"};
  if (kExact.count(k)) return true;
  auto bracketed = [&](const std::string& prefix) {
    return k.size() > prefix.size() + 1 &&
           k.compare(0, prefix.size(), prefix) == 0 && k.back() == ']';
  };
  // security.go validateMapKey: an experimental key is a[b] too.
  const size_t open = k.find('[');
  return bracketed("request.headers[") || bracketed("request.auth.claims[") ||
         (k.rfind("experimental.envoy.filters.", 0) == 0 && k.back() == ']' &&
          open != std::string::npos && open + 2 < k.size());
}

// spec.selector.matchLabels, when spec.selector is given.
void ReadSelector(Reader& r, const ObjectHeader& h, const yaml::Node& spec,
                  std::optional<Labels>& selector, SourceLocation& where) {
  yaml::Node sel = r.Child(spec, "selector");
  if (r.IsMap(sel, h.what + ": spec.selector")) {
    where = r.Loc(sel);
    selector =
        r.StringMap(r.Child(sel, "matchLabels"),
                    h.what + ": spec.selector.matchLabels", false, nullptr)
            .value_or(Labels{});
    CheckWorkloadSelector(r, r.Child(sel, "matchLabels"),
                          h.what + ": spec.selector.matchLabels");
  }
}

// spec.targetRef and spec.targetRefs, each checked for kind and namespace.
void ReadTargetRefs(Reader& r, const ObjectHeader& h, const yaml::Node& spec,
                    const IstioVersion& version,
                    std::vector<ParentRef>& target_refs) {
  yaml::Node tr = r.Child(spec, "targetRef");
  if (r.IsMap(tr, h.what + ": spec.targetRef"))
    target_refs.push_back(
        ReadRef(r, tr, h.what + ": spec.targetRef", h.ns, "", RefUse::kTarget));
  yaml::Node trs = r.Child(spec, "targetRefs");
  // §8.1 (validation.go validateOneOfSelectorType): istiod refuses a policy
  // that sets both; its targetRefs would win (GetTargetRefs).
  if (tr.IsDefined() && trs.IsDefined() && trs.IsSequence() && trs.size() > 0)
    r.diags().Error(r.Loc(tr), h.what +
                                   ": spec.targetRef and spec.targetRefs are "
                                   "both set; istiod accepts only one of "
                                   "targetRef, targetRefs and selector");
  std::vector<yaml::Node> nodes;
  if (tr.IsDefined() && tr.IsMap()) nodes.push_back(tr);
  if (r.IsList(trs, h.what + ": spec.targetRefs")) {
    for (const yaml::Node& t : trs)
      if (r.IsMap(t, h.what + ": spec.targetRefs[]")) {
        target_refs.push_back(ReadRef(r, t, h.what + ": spec.targetRefs[]",
                                      h.ns, "", RefUse::kTarget));
        nodes.push_back(t);
      }
  }
  // §8.1 (validatePolicyTargetReference): a targetRef names no namespace,
  // not even the policy's own ("cross namespace referencing is not
  // supported").
  for (const yaml::Node& t : nodes) {
    const yaml::Node n = r.Child(t, "namespace");
    if (n.IsDefined() && n.IsScalar() && !n.Scalar().empty())
      r.diags().Error(r.Loc(n), h.what +
                                    ": targetRef namespace: expected none "
                                    "(istiod refuses any, even the "
                                    "policy's own '" +
                                    h.ns + "'), found '" + n.Scalar() +
                                    "'; remove it");
  }
  // §8.1 (validation.go allowedTargetRefs): Service and Gateway; from 1.24
  // ServiceEntry too, from 1.25 GatewayClass.
  const bool entries = version.AtLeast(1, 24), classes = version.AtLeast(1, 25);
  for (const ParentRef& t : target_refs) {
    if (t.kind == "Gateway" || t.kind == "Service" ||
        (entries && t.kind == "ServiceEntry") ||
        (classes && t.kind == "GatewayClass"))
      continue;
    const bool later = t.kind == "ServiceEntry" || t.kind == "GatewayClass";
    const char* kinds = classes   ? "Gateway, GatewayClass, Service or "
                                    "ServiceEntry"
                        : entries ? "Gateway, Service or ServiceEntry"
                                  : "Gateway or Service";
    r.diags().Error(
        t.location,
        h.what + ": targetRef kind must be " + kinds + ", got '" + t.kind +
            "'" +
            (later ? std::string("; istiod takes ") + t.kind + " from " +
                         (t.kind == "ServiceEntry" ? "1.24" : "1.25") +
                         " (this mesh runs " + version.ToString() + ")"
                   : std::string()));
  }
}

// One value list of a source or an operation: its field, key and the kind of
// its values (ReadPolicyValues).
template <typename T>
struct ValueList {
  std::vector<std::string> T::*field;
  const char* key;
  const char* kind;
};

// parent.key (rules[].from[].source, rules[].to[].operation), a map with at
// least one field, and its value lists; nullopt, with an error at `parent`,
// when it is empty.
template <typename T>
std::optional<T> ReadValueLists(Reader& r, const yaml::Node& parent,
                                const char* key, const std::string& what,
                                const std::vector<ValueList<T>>& lists) {
  yaml::Node m = r.Child(parent, key);
  if (!m.IsMap() || m.size() == 0) {
    r.Error(parent, what + " must not be empty");
    return std::nullopt;
  }
  T out;
  out.location = r.Loc(m);
  for (const ValueList<T>& l : lists)
    out.*l.field = ReadPolicyValues(r, m, l.key, what, l.kind);
  return out;
}

std::optional<PolicySource> ReadPolicySource(Reader& r, const yaml::Node& from,
                                             const std::string& fw) {
  using S = PolicySource;
  static const std::vector<ValueList<S>> kLists = {
      {&S::principals, "principals", "principal"},
      {&S::not_principals, "notPrincipals", "principal"},
      {&S::namespaces, "namespaces", "string"},
      {&S::not_namespaces, "notNamespaces", "string"},
      {&S::ip_blocks, "ipBlocks", "ip"},
      {&S::not_ip_blocks, "notIpBlocks", "ip"},
      {&S::remote_ip_blocks, "remoteIpBlocks", "ip"},
      {&S::not_remote_ip_blocks, "notRemoteIpBlocks", "ip"},
      {&S::request_principals, "requestPrincipals", "string"},
      {&S::not_request_principals, "notRequestPrincipals", "string"},
      {&S::service_accounts, "serviceAccounts", "serviceAccount"},
      {&S::not_service_accounts, "notServiceAccounts", "serviceAccount"},
      {&S::trust_domains, "trustDomains", "trustDomain"},
      {&S::not_trust_domains, "notTrustDomains", "trustDomain"},
  };
  return ReadValueLists(r, from, "source", fw, kLists);
}

std::optional<PolicyOperation> ReadPolicyOperation(Reader& r,
                                                   const yaml::Node& to,
                                                   const std::string& ow) {
  using O = PolicyOperation;
  static const std::vector<ValueList<O>> kLists = {
      {&O::hosts, "hosts", "string"},
      {&O::not_hosts, "notHosts", "string"},
      {&O::ports, "ports", "port"},
      {&O::not_ports, "notPorts", "port"},
      {&O::methods, "methods", "string"},
      {&O::not_methods, "notMethods", "string"},
      {&O::paths, "paths", "path"},
      {&O::not_paths, "notPaths", "path"},
  };
  return ReadValueLists(r, to, "operation", ow, kLists);
}

// rules[].when[]; nullopt (with an error) for an unsupported key or no values.
std::optional<PolicyCondition> ReadPolicyCondition(Reader& r,
                                                   const yaml::Node& when,
                                                   const std::string& ww) {
  PolicyCondition c;
  c.location = r.Loc(when);
  c.key = r.String(r.Child(when, "key"), ww + ".key").value_or("");
  if (!KnownConditionKey(c.key)) {
    r.Error(r.Child(when, "key").IsDefined() ? r.Child(when, "key") : when,
            ww + ".key '" + c.key +
                "' is not a supported condition; expected one of "
                "request.headers[<name>], source.ip, remote.ip, "
                "source.namespace, "
                "source.principal, source.serviceAccount, "
                "source.trustDomain, request.auth.principal, "
                "request.auth.audiences, "
                "request.auth.presenter, request.auth.claims[<name>], "
                "destination.ip, destination.port, connection.sni, "
                "experimental.envoy.filters.<filter>[<key>]");
    when.MarkSubtreeRead();  // its values are not "unmodelled" on top
    return std::nullopt;
  }
  const std::string kind = c.key == "destination.port"        ? "port"
                           : c.key == "source.trustDomain"    ? "trustDomain"
                           : c.key == "source.serviceAccount" ? "serviceAccount"
                           : (c.key == "source.ip" || c.key == "remote.ip" ||
                              c.key == "destination.ip")
                               ? "ip"
                               : "string";
  c.values = ReadPolicyValues(r, when, "values", ww, kind);
  c.not_values = ReadPolicyValues(r, when, "notValues", ww, kind);
  if (c.values.empty() && c.not_values.empty()) {
    // Values given but each refused have had their own error.
    auto given = [&](const char* key) {
      const yaml::Node n = r.Child(when, key);
      return n.IsSequence() && n.size() > 0;
    };
    if (!given("values") && !given("notValues"))
      r.Error(when, ww + ": one of values or notValues must be set");
    return std::nullopt;
  }
  if (c.key == "source.trustDomain")
    r.Warning(r.Child(when, "key"),
              ww + ".key source.trustDomain is read only by Envoy proxies "
                   "(waypoints, sidecars, gateways) of Istio 1.30 or later; "
                   "ztunnel, and Envoys before 1.30, skip the rule, so there "
                   "it never matches (§8.7)");
  return c;
}

PolicyRule ReadPolicyRule(Reader& r, const yaml::Node& rule,
                          const std::string& rw) {
  PolicyRule out;
  out.location = r.Loc(rule);
  yaml::Node from = r.Child(rule, "from");
  if (r.IsList(from, rw + ".from")) {
    for (size_t j = 0; j < from.size(); ++j) {
      const std::string fw = rw + ".from[" + std::to_string(j) + "].source";
      auto ps = ReadPolicySource(r, from[j], fw);
      if (!ps) continue;
      // istiod's validation: a source names service accounts or
      // principals and namespaces, not both.
      if ((!ps->service_accounts.empty() ||
           !ps->not_service_accounts.empty()) &&
          (!ps->principals.empty() || !ps->not_principals.empty() ||
           !ps->namespaces.empty() || !ps->not_namespaces.empty()))
        r.Error(r.Child(from[j], "source"),
                fw + " cannot set serviceAccounts with namespaces or "
                     "principals (istiod's validation refuses it)");
      // CheckTrustDomainValues: a trust domain holds no '/'.
      for (const auto* tds : {&ps->trust_domains, &ps->not_trust_domains})
        for (const std::string& td : *tds)
          if (td.find('/') != std::string::npos)
            r.Error(r.Child(from[j], "source"),
                    fw + ": trust domain '" + td +
                        "' holds a '/' (istiod's validation refuses it)");
      out.from.push_back(*ps);
    }
  }
  yaml::Node to = r.Child(rule, "to");
  if (r.IsList(to, rw + ".to")) {
    for (size_t j = 0; j < to.size(); ++j) {
      const std::string ow = rw + ".to[" + std::to_string(j) + "].operation";
      if (auto po = ReadPolicyOperation(r, to[j], ow)) out.to.push_back(*po);
    }
  }
  ForEachMap(r, rule, "when", rw,
             [&](const yaml::Node& when, const std::string& ww) {
               if (auto c = ReadPolicyCondition(r, when, ww))
                 out.when.push_back(*c);
             });
  return out;
}

// What istiod's validation (ValidateAuthorizationPolicy) asks of the action:
// DENY and CUSTOM need rules, `provider` only with CUSTOM, and CUSTOM rules
// name no identities.
void CheckActionRules(Reader& r, const ObjectHeader& h, const yaml::Node& spec,
                      const AuthorizationPolicy& p) {
  const yaml::Node rules = r.Child(spec, "rules");
  const bool none = !rules.IsDefined() || rules.IsNull() ||
                    (rules.IsSequence() && rules.size() == 0);
  const std::string action = PolicyActionName(p.action);
  if (none &&
      (p.action == PolicyAction::kDeny || p.action == PolicyAction::kCustom))
    r.Error(rules.IsDefined() ? rules : spec,
            h.what + ": a " + action +
                " policy without spec.rules never applies (istiod's "
                "validation refuses it); add an empty rule {} to match every "
                "request");
  const yaml::Node provider = r.Child(spec, "provider");
  if (provider.IsDefined() && !provider.IsNull() &&
      p.action != PolicyAction::kCustom)
    r.Error(provider, h.what +
                          ": spec.provider is only for action CUSTOM, "
                          "found " +
                          action);
  if (p.action != PolicyAction::kCustom) return;
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const PolicyRule& rule = p.rules[i];
    const std::string rw = h.what + ": spec.rules[" + std::to_string(i) + "]";
    for (const PolicySource& s : rule.from) {
      const char* field =
          !s.namespaces.empty()               ? "namespaces"
          : !s.not_namespaces.empty()         ? "notNamespaces"
          : !s.service_accounts.empty()       ? "serviceAccounts"
          : !s.not_service_accounts.empty()   ? "notServiceAccounts"
          : !s.trust_domains.empty()          ? "trustDomains"
          : !s.not_trust_domains.empty()      ? "notTrustDomains"
          : !s.principals.empty()             ? "principals"
          : !s.not_principals.empty()         ? "notPrincipals"
          : !s.request_principals.empty()     ? "requestPrincipals"
          : !s.not_request_principals.empty() ? "notRequestPrincipals"
                                              : nullptr;
      if (field)
        r.Error(rules[i], rw + ".from: source." + field +
                              " is not supported with action CUSTOM "
                              "(istiod's validation refuses it)");
    }
    for (const PolicyCondition& c : rule.when)
      if (c.key == "source.namespace" || c.key == "source.serviceAccount" ||
          c.key == "source.principal" || c.key.rfind("request.auth.", 0) == 0)
        r.Error(rules[i], rw + ".when: key " + c.key +
                              " is not supported with action CUSTOM "
                              "(istiod's validation refuses it)");
  }
}

// §8.5 (validation.go checkDryRunAnnotation): istiod's webhook takes
// istio.io/dry-run only on an ALLOW or DENY policy, with a value Go's
// ParseBool reads. meshsim still models what istiod does with such a policy
// (where validation is off), and says the apply would fail.
void CheckDryRunAnnotation(Reader& r, const ObjectHeader& h,
                           const yaml::Node& obj, const std::string& action) {
  const std::string* dr = FindLabel(h.annotations, "istio.io/dry-run");
  if (!dr) return;
  const yaml::Node at = r.Child(r.Child(obj, "metadata"), "annotations");
  if (action != "ALLOW" && action != "DENY")
    r.Warning(at, h.what +
                      ": istiod's validating webhook refuses "
                      "istio.io/dry-run on a " +
                      action +
                      " policy (kubectl apply fails); meshsim models it as "
                      "istiod would with validation off (§8.5)");
  else if (!ParseGoBool(*dr))
    r.Warning(at, h.what + ": istio.io/dry-run '" + *dr +
                      "' is not a boolean Go's ParseBool reads; istiod's "
                      "validating webhook refuses it (kubectl apply fails), "
                      "and meshsim enforces the policy as istiod would (§8.5)");
}

}  // namespace

void LoadAuthorizationPolicy(Reader& r, const ObjectHeader& h,
                             const yaml::Node& obj, Cluster& cluster,
                             ManifestSink& sink) {
  AuthorizationPolicy p = Named<AuthorizationPolicy>(h);
  if (const std::string* dr = FindLabel(h.annotations, "istio.io/dry-run"))
    p.dry_run = ParseGoBool(*dr).value_or(false);  // strconv.ParseBool (§8.5)
  yaml::Node spec = r.Child(obj, "spec");
  if (spec.IsDefined() && !spec.IsNull() && r.IsMap(spec, h.what + ": spec")) {
    const std::string action =
        r.String(r.Child(spec, "action"), h.what + ": spec.action")
            .value_or("ALLOW");
    if (!CheckOneOf(r, r.Child(spec, "action"), h.what + ": spec.action",
                    action, {"ALLOW", "DENY", "AUDIT", "CUSTOM"}))
      return;
    p.action = ParsePolicyAction(action).value_or(PolicyAction::kAllow);
    CheckDryRunAnnotation(r, h, obj, action);
    p.provider = r.String(r.Child(r.Child(spec, "provider"), "name"),
                          h.what + ": spec.provider.name")
                     .value_or("");
    if (p.action == PolicyAction::kCustom && p.provider.empty()) {
      r.Error(
          spec,
          h.what +
              ": spec.provider.name is required when spec.action is CUSTOM");
    }
    ReadSelector(r, h, spec, p.selector, p.selector_location);
    // §8.1: istiod's ambient index attaches a selector policy to the
    // workloads its matchLabels select, and with none to no workload
    // (buildWorkloadPolicies), while its scope is no longer the namespace.
    const yaml::Node labels = r.Child(r.Child(spec, "selector"), "matchLabels");
    p.selector_without_labels = p.selector && (!labels || labels.IsNull());
    if (p.selector_without_labels)
      r.Warning(r.Child(spec, "selector"),
                h.what +
                    ": a selector without matchLabels: sidecars apply the "
                    "policy to every pod of the namespace, ztunnel to none "
                    "(§8.1); remove the selector to make it namespace-wide");
    ReadTargetRefs(r, h, spec, sink.version, p.target_refs);
    if (p.selector && !p.target_refs.empty()) {
      r.Error(spec,
              h.what + ": only one of selector and targetRef(s) may be set");
    }
    yaml::Node rules = r.Child(spec, "rules");
    if (r.IsList(rules, h.what + ": spec.rules")) {
      for (size_t i = 0; i < rules.size(); ++i) {
        const yaml::Node rule = rules[i];
        const std::string rw =
            h.what + ": spec.rules[" + std::to_string(i) + "]";
        // A null rule is refused by the schema walk (§16.10), as the API
        // server refuses it (and istiod: "`rule` must not be nil").
        if (rule.IsNull()) continue;
        if (!r.IsMap(rule, rw)) continue;
        p.rules.push_back(ReadPolicyRule(r, rule, rw));
        // §8.7: the trust-domain fields are in the API from 1.30.
        for (const PolicySource& s : p.rules.back().from)
          if (!sink.version.AtLeast(1, 30) &&
              (!s.trust_domains.empty() || !s.not_trust_domains.empty()))
            r.Warning(rule, rw +
                                ": source trustDomains/notTrustDomains are "
                                "new in Istio 1.30; " +
                                sink.version.ToString() +
                                "'s CRD has no such fields (kubectl's strict "
                                "validation refuses them; pruned, they "
                                "leave a source that matches any request, "
                                "which is how meshsim reads it)");
      }
    }
    CheckActionRules(r, h, spec, p);
  }
  // §8.7: serviceAccounts (and the source.serviceAccount condition) as
  // the principals they match.
  auto as_principal = [&](std::string& v) {
    const size_t slash = v.find('/');
    v = slash == std::string::npos
            ? "*/ns/" + p.ns + "/sa/" + v
            : "*/ns/" + v.substr(0, slash) + "/sa/" + v.substr(slash + 1);
  };
  for (PolicyRule& rule : p.rules) {
    for (PolicySource& s : rule.from)
      for (auto* list : {&s.service_accounts, &s.not_service_accounts})
        for (std::string& v : *list) as_principal(v);
    for (PolicyCondition& c : rule.when)
      if (c.key == "source.serviceAccount")
        for (auto* list : {&c.values, &c.not_values})
          for (std::string& v : *list) as_principal(v);
  }
  cluster.authorization_policies.push_back(std::move(p));
}

void LoadPeerAuthentication(Reader& r, const ObjectHeader& h,
                            const yaml::Node& obj, Cluster& cluster,
                            ManifestSink& sink) {
  PeerAuthentication p = Named<PeerAuthentication>(h);
  p.creation_timestamp = CreationTimestamp(r, obj, h.what);
  yaml::Node spec = r.Child(obj, "spec");
  if (spec.IsMap()) {
    ReadSelector(r, h, spec, p.selector, p.selector_location);
    // §4.4: istiod takes a selector without matchLabels for none: the
    // policy is namespace-wide (mesh-wide in the root namespace), in its
    // validation, ComposePeerAuthentication and the conversion for ztunnel.
    // istiod's ambient lookups that test for no selector at all see one
    // (§16.5), hence the mark.
    p.empty_selector = p.selector && p.selector->empty();
    if (p.empty_selector && p.ns == sink.root_namespace)
      r.Warning(r.Child(spec, "selector"),
                h.what +
                    ": an empty selector in the root namespace: sidecars take "
                    "the policy mesh-wide, but ztunnel only for the root "
                    "namespace's own workloads (istiod looks up mesh policies "
                    "with no selector at all, §16.5); remove the selector to "
                    "make it mesh-wide for ambient pods too");
    if (p.empty_selector) p.selector.reset();
    p.mode = r.String(r.Child(r.Child(spec, "mtls"), "mode"),
                      h.what + ": spec.mtls.mode")
                 .value_or("UNSET");
    CheckOneOf(r, r.Child(r.Child(spec, "mtls"), "mode"),
               h.what + ": spec.mtls.mode", p.mode,
               {"UNSET", "DISABLE", "PERMISSIVE", "STRICT"});
    // portLevelMtls: {"<port>": {mode: ...}}; the schema has checked the
    // shapes, the keys are checked here.
    yaml::Node ports = r.Child(spec, "portLevelMtls");
    if (ports.IsMap()) {
      for (const auto& kv : ports) {
        kv.second.MarkRead();
        const std::string key = kv.first.Scalar();
        char* end = nullptr;
        const long port = std::strtol(key.c_str(), &end, 10);
        if (key.empty() || *end != '\0' || port < 1 || port > 65535) {
          r.Error(kv.first, h.what +
                                ": spec.portLevelMtls key must be a port "
                                "number between 1 and 65535, got '" +
                                key + "'");
          kv.second.MarkSubtreeRead();  // refused whole: no "unmodelled"
          continue;
        }
        const std::string mode =
            r.String(r.Child(kv.second, "mode"),
                     h.what + ": spec.portLevelMtls[" + key + "].mode")
                .value_or("UNSET");
        p.port_modes[static_cast<int>(port)] = mode;
      }
      // istiod's validation (ValidatePeerAuthentication) refuses both.
      if (ports.size() == 0)
        r.Error(ports, h.what +
                           ": spec.portLevelMtls, if given, must list at "
                           "least one port");
      else if (!p.selector)
        r.Error(ports, h.what +
                           ": spec.portLevelMtls needs spec.selector with "
                           "matchLabels: a mesh- or namespace-wide "
                           "PeerAuthentication cannot have port-level mTLS "
                           "(istiod's validation refuses it, §16.5)");
    }
  }
  cluster.peer_authentications.push_back(std::move(p));
}

namespace {

// What istiod's validation (validateJwtRule, security.ParseJwksURI) and
// the CRD refuse of a rule's keys: jwks and jwksUri together, a jwksUri
// that is not http(s), and inline jwks that is not JSON.
void CheckJwksSource(Reader& r, const yaml::Node& rule, const std::string& w,
                     const IstioVersion& version) {
  const yaml::Node uri = rule["jwksUri"] ? rule["jwksUri"] : rule["jwks_uri"];
  const yaml::Node jwks = rule["jwks"];
  // The CRD's rule "only one of jwks or jwksUri can be set", from 1.23.
  if (version.AtLeast(1, 23) && uri.IsScalar() && !uri.Scalar().empty() &&
      jwks.IsScalar() && !jwks.Scalar().empty())
    r.Error(rule, w + ": set one of jwks and jwksUri, not both (the CRD "
                      "refuses both from Istio 1.23)");
  if (uri.IsScalar() && !uri.Scalar().empty()) {
    const std::string& u = uri.Scalar();
    const size_t colon = u.find(':');
    std::string scheme = colon == std::string::npos ? "" : u.substr(0, colon);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
    if (scheme != "http" && scheme != "https")
      r.Error(uri, w + ".jwksUri '" + u + "': URI scheme '" + scheme +
                       "' is not supported; istiod takes http or https");
  }
  if (jwks.IsScalar() && !jwks.Scalar().empty() &&
      !nlohmann::json::accept(jwks.Scalar()))
    r.Error(jwks, w + ".jwks is not JSON (a JSON Web Key Set); istiod's "
                      "validation refuses it");
}

}  // namespace

// §16.4: spec.selector or spec.targetRefs, and spec.jwtRules.
void LoadRequestAuthentication(Reader& r, const ObjectHeader& h,
                               const yaml::Node& obj, Cluster& cluster,
                               ManifestSink& sink) {
  RequestAuthentication ra = Named<RequestAuthentication>(h);
  ra.creation_timestamp = CreationTimestamp(r, obj, h.what);
  yaml::Node spec = r.Child(obj, "spec");
  if (spec.IsMap()) {
    ReadSelector(r, h, spec, ra.selector, ra.selector_location);
    ReadTargetRefs(r, h, spec, sink.version, ra.target_refs);
    // validation.go validateOneOfSelectorType, as for AuthorizationPolicy.
    if (ra.selector && !ra.target_refs.empty())
      r.Error(spec,
              h.what + ": only one of selector and targetRef(s) may be set");
    yaml::Node rules = r.Child(spec, "jwtRules");
    if (r.IsList(rules, h.what + ": spec.jwtRules")) {
      for (size_t i = 0; i < rules.size(); ++i) {
        const std::string w =
            h.what + ": spec.jwtRules[" + std::to_string(i) + "]";
        if (!r.IsMap(rules[i], w)) continue;
        JwtRule rule;
        rule.issuer =
            r.String(r.Child(rules[i], "issuer"), w + ".issuer").value_or("");
        // istiod's validation (validateJwtRule) wants an issuer or a
        // jwksUri; without an issuer Envoy checks none.
        // The CRD takes the proto's own name too (`jwks_uri`), as every
        // protobuf JSON reader does.
        auto jwks_uri = [&](const char* name) {
          return r.String(r.Child(rules[i], name), w + "." + name).value_or("");
        };
        // Before 1.27 validateJwtRule wants the issuer itself.
        if (rule.issuer.empty() && !sink.version.AtLeast(1, 27))
          r.Error(rules[i], w + ": issuer must be set (istiod's validation "
                                "before Istio 1.27 refuses a rule without "
                                "one; 1.27 takes a jwksUri instead)");
        else if (rule.issuer.empty() && jwks_uri("jwksUri").empty() &&
                 jwks_uri("jwks_uri").empty())
          r.Error(rules[i], w + ": one of issuer or jwksUri is required");
        // The CRD's validation rule: one spelling, not both.
        if (r.Child(rules[i], "jwksUri") && r.Child(rules[i], "jwks_uri"))
          r.Error(rules[i], w + ": set jwksUri or jwks_uri, not both (the "
                                "CRD refuses both)");
        CheckJwksSource(r, rules[i], w, sink.version);
        // §16.4: a token is what the scenario says it is; the keys that
        // would check its signature are read as given.
        rules[i]["jwks"].MarkRead();
        rules[i]["jwksUri"].MarkRead();
        rules[i]["jwks_uri"].MarkRead();
        rule.audiences =
            r.StringList(r.Child(rules[i], "audiences"), w + ".audiences")
                .value_or(std::vector<std::string>{});
        for (const std::string& a : rule.audiences)
          if (a.empty())
            r.Error(r.Child(rules[i], "audiences"),
                    w + ".audiences must not contain an empty string");
        // §16.4: Envoy's default locations only when the rule names none
        // (fromHeaders, fromParams, fromCookies); an Authorization entry
        // reads the token after its prefix.
        yaml::Node headers = r.Child(rules[i], "fromHeaders");
        const bool own_locations =
            r.Child(rules[i], "fromParams").IsDefined() ||
            r.Child(rules[i], "fromCookies").IsDefined();
        if (headers.IsDefined() || own_locations)
          rule.reads = JwtRule::Reads::kNothing;
        if (r.IsList(headers, w + ".fromHeaders")) {
          for (const yaml::Node& fh : headers) {
            if (!fh.IsMap()) continue;
            std::string name =
                r.String(r.Child(fh, "name"), w + ".fromHeaders[].name")
                    .value_or("");
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            const std::string prefix =
                r.String(r.Child(fh, "prefix"), w + ".fromHeaders[].prefix")
                    .value_or("");
            if (name != "authorization") continue;
            if (prefix == "Bearer " || prefix == "Bearer")
              rule.reads = JwtRule::Reads::kToken;
            else if (rule.reads == JwtRule::Reads::kNothing &&
                     std::string("Bearer ").find(prefix) != std::string::npos)
              rule.reads = JwtRule::Reads::kMalformed;
          }
        }
        r.Child(rules[i], "fromCookies").MarkRead();
        rule.forward = r.Bool(r.Child(rules[i], "forwardOriginalToken"),
                              w + ".forwardOriginalToken")
                           .value_or(false);
        ra.rules.push_back(std::move(rule));
      }
    }
  }
  cluster.request_authentications.push_back(std::move(ra));
}

}  // namespace meshsim::io
