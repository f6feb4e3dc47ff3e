#include "model/policy.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>
#include <type_traits>

#include "model/binding.h"

namespace meshsim {

std::string SpiffePrincipal(const std::string& ns, const std::string& sa) {
  return "cluster.local/ns/" + ns + "/sa/" + sa;
}

namespace {

// Selector, namespace-wide and root-namespace policies that apply to `w`
// (§8.1 rows 1-2, and the same attachment for RequestAuthentication, §16.4):
// selector policies in w's namespace or in the root namespace, selector-less
// policies in w's namespace or the root namespace.
template <typename T>
void AddWorkloadPolicies(const Mesh& mesh, const std::vector<T>& all,
                         const Workload& w, std::vector<const T*>& out) {
  const std::string& root = mesh.istio.root_namespace;
  for (const T& p : all) {
    if (!p.target_refs.empty()) continue;
    if (p.ns != w.ns && p.ns != root) continue;
    if (p.selector && !SelectorMatches(*p.selector, w.SelectorLabels()))
      continue;
    out.push_back(&p);
  }
}

template <typename T>
void SortByKey(std::vector<const T*>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const T* a, const T* b) { return a->Key() < b->Key(); });
}

// §8.1: an AuthorizationPolicy's targetRef at waypoint `wp` for a request
// to `svc` (none: to a pod) before 1.25, when istiod looked policies up in
// other namespaces and matched targets by name (authorization.go
// ListAuthorizationPolicies, policyattachment.go ShouldAttachPolicy):
// 1.22-1.23 searched the root and the waypoint's namespaces for a Gateway
// or a Service of that name; 1.24 searched a service chain's Service's
// namespace alone (the Gateway by name) and a pod's chain the root and
// the waypoint's namespaces.
bool AttachedBefore125(const IstioVersion& v, const std::string& root,
                       const AuthorizationPolicy& p, const ParentRef& t,
                       const Gateway& wp, const Service* svc) {
  const bool gateway = t.kind == "Gateway" && t.name == wp.name;
  if (v.AtLeast(1, 24) && svc)
    return p.ns == svc->ns &&
           (gateway || (t.kind == svc->kind && t.name == svc->name));
  if (p.ns != root && p.ns != wp.ns) return false;
  if (v.AtLeast(1, 24)) return gateway;
  return gateway || (svc && svc->kind == "Service" && t.kind == "Service" &&
                     t.name == svc->name);
}

// §16.4: a RequestAuthentication's targetRef at waypoint `wp` for a
// request to `svc` before 1.25 (authentication.go getConfigsForWorkload,
// policyattachment.go ShouldAttachPolicy): looked up in the waypoint's and
// the root namespaces, from 1.24.2 in the service's too; a Gateway matched
// by name; a service by kind and name, from 1.24 only from its own
// namespace.
bool AuthenticationAttachedBefore125(const IstioVersion& v,
                                     const std::string& root,
                                     const RequestAuthentication& p,
                                     const ParentRef& t, const Gateway& wp,
                                     const Service* svc) {
  const bool looked_up = p.ns == root || p.ns == wp.ns ||
                         (svc && p.ns == svc->ns && v.AtLeastPatch(1, 24, 2));
  if (!looked_up) return false;
  if (t.kind == "Gateway" && t.name == wp.name) return true;
  if (!svc || t.kind != svc->kind || t.name != svc->name) return false;
  return v.AtLeast(1, 24) ? p.ns == svc->ns : svc->kind == "Service";
}

// §8.1, §16.4: targetRef policies at waypoint `wp` for a request to `svc`;
// `version`, for a policy before 1.25 (AttachedBefore125,
// AuthenticationAttachedBefore125).
template <typename T>
std::vector<const T*> AttachedToWaypoint(const Mesh& mesh,
                                         const std::vector<T>& all,
                                         const Gateway& wp, const Service* svc,
                                         const IstioVersion* version) {
  std::vector<const T*> out;
  // §16: istiod gives an agentgateway waypoint none of Istio's policies.
  if (wp.agentgateway) return out;
  const std::string& root = mesh.istio.root_namespace;
  for (const T& p : all) {
    for (const ParentRef& t : p.target_refs) {
      bool hit = false;
      if (version && !version->AtLeast(1, 25)) {
        bool before = false;
        if constexpr (std::is_same_v<T, AuthorizationPolicy>)
          before = AttachedBefore125(*version, root, p, t, wp, svc);
        else
          before =
              AuthenticationAttachedBefore125(*version, root, p, t, wp, svc);
        if (before) {
          out.push_back(&p);
          break;
        }
        continue;
      }
      if (t.kind == "Gateway") {
        hit = t.name == wp.name && p.ns == wp.ns;
      } else if (t.kind == "GatewayClass") {
        // §8.1: only the class name istio-waypoint attaches, in the root
        // namespace, to every waypoint istiod programs as Envoy, whatever
        // its own class (policyattachment.go reads IsWaypoint, not the
        // class); not to Gloo's or agentgateway's proxies.
        hit = t.name == "istio-waypoint" && p.ns == root &&
              wp.role == GatewayRole::kWaypoint &&
              wp.class_name != "gloo-waypoint";
      } else if (svc && (t.kind == "Service" || t.kind == "ServiceEntry")) {
        hit = t.kind == svc->kind && t.name == svc->name && p.ns == svc->ns;
      }
      if (hit) {
        out.push_back(&p);
        break;
      }
    }
  }
  SortByKey(out);
  return out;
}

// Policies an Envoy gateway or sidecar uses for its pod `w`; `version`, for
// a policy before 1.25, whose Gateway targetRef istiod also took from the
// root namespace (§8.1, §16.4; AttachedBefore125).
template <typename T>
std::vector<const T*> AttachedToProxy(const Mesh& mesh,
                                      const std::vector<T>& all,
                                      const Workload& w, const Gateway* gateway,
                                      const IstioVersion* version) {
  std::vector<const T*> out;
  // §16: nor an agentgateway ingress, by selector or by targetRefs.
  if (gateway && gateway->agentgateway) return out;
  AddWorkloadPolicies(mesh, all, w, out);
  const bool root_too = version && !version->AtLeast(1, 25);
  if (gateway) {
    for (const T& p : all) {
      for (const ParentRef& t : p.target_refs) {
        if (t.kind == "Gateway" && t.name == gateway->name &&
            (p.ns == gateway->ns ||
             (root_too && p.ns == mesh.istio.root_namespace))) {
          out.push_back(&p);
          break;
        }
      }
    }
  }
  SortByKey(out);
  return out;
}

}  // namespace

std::vector<const AuthorizationPolicy*> PoliciesAtZtunnel(
    const Mesh& mesh, const Cluster& cluster, const Workload& w,
    std::vector<AuthorizationPolicy>* synthesized_out) {
  std::vector<const AuthorizationPolicy*> out;
  std::vector<const AuthorizationPolicy*> all;
  AddWorkloadPolicies(mesh, cluster.authorization_policies, w, all);
  for (const AuthorizationPolicy* p : all) {
    // §8.2: CUSTOM and AUDIT are not sent to ztunnel; §8.1: nor is a
    // selector without matchLabels attached to any workload.
    if (p->action == PolicyAction::kCustom ||
        p->action == PolicyAction::kAudit || p->selector_without_labels)
      continue;
    out.push_back(p);
  }
  // §4.3: PILOT_AUTO_ALLOW_WAYPOINT_POLICY synthesizes an ALLOW for the
  // waypoint's service accounts on every workload bound to that waypoint,
  // directly or through a service.
  if (synthesized_out &&
      mesh.istio.Flag("PILOT_AUTO_ALLOW_WAYPOINT_POLICY", false)) {
    std::set<std::string> waypoints;
    Binding wb = WorkloadWaypoint(mesh, cluster, w);
    if (wb.waypoint) waypoints.insert(wb.waypoint->Key());
    for (size_t si = 0; si < cluster.services.size(); ++si) {
      const auto& eps = cluster.service_endpoints[si];
      size_t wi = cluster.workload_by_key.count(w.Key())
                      ? cluster.workload_by_key.at(w.Key())
                      : SIZE_MAX;
      if (std::find(eps.begin(), eps.end(), wi) == eps.end()) continue;
      Binding sb = ServiceWaypoint(mesh, cluster, cluster.services[si]);
      if (sb.waypoint) waypoints.insert(sb.waypoint->Key());
    }
    synthesized_out->reserve(waypoints.size());
    for (const std::string& key : waypoints) {
      const Gateway* gw = cluster.FindGateway(key);
      AuthorizationPolicy p;
      p.ns = w.ns;
      p.name = "istio_allow_waypoint_" + gw->ns + "_" + gw->name;
      p.action = PolicyAction::kAllow;
      p.synthesized = true;
      p.location = gw->location;
      PolicyRule rule;
      PolicySource src;
      std::set<std::string> sas;
      auto it = cluster.gateway_pods.find(key);
      if (it != cluster.gateway_pods.end())
        for (size_t wi : it->second)
          sas.insert(
              SpiffePrincipal(gw->ns, cluster.workloads[wi].service_account));
      if (sas.empty()) sas.insert(SpiffePrincipal(gw->ns, gw->name));
      src.principals.assign(sas.begin(), sas.end());
      rule.from.push_back(src);
      p.rules.push_back(rule);
      synthesized_out->push_back(p);
    }
    for (const AuthorizationPolicy& p : *synthesized_out) out.push_back(&p);
  }
  SortByKey(out);
  return out;
}

std::vector<const AuthorizationPolicy*> PoliciesAtWaypoint(
    const Mesh& mesh, const Cluster& cluster, const Gateway& wp,
    const Service* svc) {
  const IstioVersion v = cluster.VersionOr(mesh.istio.version);
  return AttachedToWaypoint(mesh, cluster.authorization_policies, wp, svc, &v);
}

std::vector<const AuthorizationPolicy*> PoliciesAtProxy(
    const Mesh& mesh, const Cluster& cluster, const Workload& w,
    const Gateway* gateway) {
  const IstioVersion v = cluster.VersionOr(mesh.istio.version);
  return AttachedToProxy(mesh, cluster.authorization_policies, w, gateway, &v);
}

std::vector<const RequestAuthentication*> RequestAuthenticationsAtWaypoint(
    const Mesh& mesh, const Cluster& cluster, const Gateway& wp,
    const Service* svc) {
  const IstioVersion v = cluster.VersionOr(mesh.istio.version);
  return OrderRequestAuthentications(
      AttachedToWaypoint(mesh, cluster.request_authentications, wp, svc, &v),
      wp.ns, mesh.istio.root_namespace);
}

std::vector<const RequestAuthentication*> RequestAuthenticationsAtProxy(
    const Mesh& mesh, const Cluster& cluster, const Workload& w,
    const Gateway* gateway) {
  const IstioVersion v = cluster.VersionOr(mesh.istio.version);
  return OrderRequestAuthentications(
      AttachedToProxy(mesh, cluster.request_authentications, w, gateway, &v),
      w.ns, mesh.istio.root_namespace);
}

namespace {

// Keys that ztunnel can evaluate (L4); every other `when` key is HTTP (§8.2).
bool IsL4ConditionKey(const std::string& key) {
  return key == "source.ip" || key == "source.namespace" ||
         key == "source.principal" || key == "destination.ip" ||
         key == "destination.port";
}

std::string NamespaceOf(const std::optional<std::string>& principal) {
  if (!principal) return "";
  const std::string& p = *principal;
  size_t ns = p.find("/ns/");
  if (ns == std::string::npos) return "";
  size_t end = p.find('/', ns + 4);
  return p.substr(ns + 4,
                  end == std::string::npos ? std::string::npos : end - ns - 4);
}

bool AnyMatch(const std::vector<std::string>& patterns, const std::string& v,
              bool path = false) {
  for (const std::string& p : patterns)
    if (path ? IstioPathMatch(p, v) : IstioStringMatch(p, v)) return true;
  return false;
}

bool AnyIp(const std::vector<std::string>& blocks, const std::string& ip) {
  for (const std::string& b : blocks)
    if (IpInBlock(b, ip)) return true;
  return false;
}

// A field with values "matches" when any value matches; a not-field when none
// does. Absent identity (plaintext) matches no principal or namespace.
// §8.7: whether the peer identity's trust domain (the part of its
// principal before the first '/') matches one of `patterns`; never without
// an identity.
bool TrustDomainIn(const std::vector<std::string>& patterns,
                   const RequestAttributes& r) {
  const std::string p = r.principal.value_or("");
  const std::string td = p.substr(0, p.find('/'));
  for (const std::string& x : patterns)
    if (TrustDomainMatches(x, td)) return true;
  return false;
}

bool AnyRequestPrincipal(const std::vector<std::string>& ps,
                         const RequestAttributes& r) {
  if (!r.request_principal || !r.jwt) return false;
  return std::any_of(ps.begin(), ps.end(), [&](const std::string& p) {
    return RequestPrincipalMatch(p, *r.jwt);
  });
}

bool SourceMatches(const PolicySource& s, const RequestAttributes& r,
                   bool l4_only) {
  const std::string principal = r.principal.value_or("");
  const std::string ns = NamespaceOf(r.principal);
  if (!s.principals.empty() &&
      (!r.principal || !AnyMatch(s.principals, principal)))
    return false;
  if (!s.not_principals.empty() && r.principal &&
      AnyMatch(s.not_principals, principal))
    return false;
  if (!s.namespaces.empty() && (ns.empty() || !AnyMatch(s.namespaces, ns)))
    return false;
  if (!s.not_namespaces.empty() && !ns.empty() &&
      AnyMatch(s.not_namespaces, ns))
    return false;
  if (!s.ip_blocks.empty() && !AnyIp(s.ip_blocks, r.source_ip)) return false;
  if (!s.not_ip_blocks.empty() && AnyIp(s.not_ip_blocks, r.source_ip))
    return false;
  // §8.7: serviceAccounts match the peer identity like principals.
  if (!s.service_accounts.empty() &&
      (!r.principal || !AnyMatch(s.service_accounts, principal)))
    return false;
  if (!s.not_service_accounts.empty() && r.principal &&
      AnyMatch(s.not_service_accounts, principal))
    return false;
  if (l4_only) return true;
  // §8.7 (1.30+, an Envoy): the peer identity's trust domain, the part of
  // its principal before the first '/'; none without an identity.
  if (r.trust_domains) {
    if (!s.trust_domains.empty() && !TrustDomainIn(s.trust_domains, r))
      return false;
    if (!s.not_trust_domains.empty() && TrustDomainIn(s.not_trust_domains, r))
      return false;
  }
  // remote.ip: the original client address, the same as source here.
  if (!s.remote_ip_blocks.empty() && !AnyIp(s.remote_ip_blocks, r.source_ip))
    return false;
  if (!s.not_remote_ip_blocks.empty() &&
      AnyIp(s.not_remote_ip_blocks, r.source_ip))
    return false;
  // §16.4: the request principal a RequestAuthentication set, if any; with
  // none, requestPrincipals never match and notRequestPrincipals always do.
  if (!s.request_principals.empty() &&
      !AnyRequestPrincipal(s.request_principals, r))
    return false;
  if (!s.not_request_principals.empty() &&
      AnyRequestPrincipal(s.not_request_principals, r))
    return false;
  return true;
}

// A port as istiod converts it (util.go convertToPort, ambient
// authorization.go stringToPort: a number, leading zeros and all); -1 for
// anything else.
int PortNumber(const std::string& p) {
  if (p.empty() || p.size() > 9 ||
      p.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoi(p);
}

bool PortIn(const std::vector<std::string>& ports, int port) {
  for (const std::string& p : ports)
    if (PortNumber(p) == port) return true;
  return false;
}

bool HostMatches(const std::vector<std::string>& hosts,
                 const std::string& host) {
  std::string h = host;
  std::transform(h.begin(), h.end(), h.begin(), ::tolower);
  // §8.2 (matcher.HostMatcher): the whole :authority, its port included
  // ("host:*" covers every port), case-insensitively.
  for (std::string p : hosts) {
    std::transform(p.begin(), p.end(), p.begin(), ::tolower);
    if (IstioStringMatch(p, h)) return true;
  }
  return false;
}

bool OperationMatches(const PolicyOperation& o, const RequestAttributes& r,
                      bool l4_only) {
  if (!o.ports.empty() && !PortIn(o.ports, r.destination_port)) return false;
  if (!o.not_ports.empty() && PortIn(o.not_ports, r.destination_port))
    return false;
  if (l4_only) return true;
  // HTTP attributes never match a plain TCP request.
  if (!o.hosts.empty() && (!r.http || !HostMatches(o.hosts, r.host)))
    return false;
  if (!o.not_hosts.empty() && r.http && HostMatches(o.not_hosts, r.host))
    return false;
  if (!o.methods.empty() && (!r.http || !AnyMatch(o.methods, r.method)))
    return false;
  if (!o.not_methods.empty() && r.http && AnyMatch(o.not_methods, r.method))
    return false;
  if (!o.paths.empty() && (!r.http || !AnyMatch(o.paths, r.path, true)))
    return false;
  if (!o.not_paths.empty() && r.http && AnyMatch(o.not_paths, r.path, true))
    return false;
  return true;
}

// request.auth.* (§16.4): values of the validated token, several for the
// audiences and list claims; none without a request principal.
std::vector<std::string> AuthValues(const std::string& key,
                                    const RequestAttributes& r) {
  if (!r.request_principal || !r.jwt) return {};
  if (key == "request.auth.principal") return {*r.request_principal};
  if (key == "request.auth.audiences") return r.jwt->aud;
  if (key == "request.auth.presenter")
    return r.jwt->azp.empty() ? std::vector<std::string>{}
                              : std::vector<std::string>{r.jwt->azp};
  const std::string claims = "request.auth.claims[";
  if (key.rfind(claims, 0) == 0 && key.back() == ']') {
    return r.jwt->Claim(
        key.substr(claims.size(), key.size() - claims.size() - 1));
  }
  return {};
}

std::optional<std::string> ConditionValue(const std::string& key,
                                          const RequestAttributes& r) {
  if (key == "source.ip") return r.source_ip;
  if (key == "source.namespace") {
    std::string ns = NamespaceOf(r.principal);
    if (ns.empty()) return std::nullopt;
    return ns;
  }
  // source.serviceAccount's values are principal patterns (the loader's).
  if (key == "source.principal" || key == "source.serviceAccount")
    return r.principal;
  if (key == "destination.ip") return r.destination_ip;
  if (key == "destination.port") return std::to_string(r.destination_port);
  if (key == "remote.ip") return r.source_ip;
  if (key.rfind("request.headers[", 0) == 0 && key.back() == ']') {
    std::string name = key.substr(16, key.size() - 17);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (!r.http) return std::nullopt;
    if (name == ":authority" || name == "host") return r.host;
    if (name == ":method") return r.method;
    if (name == ":path") return r.path;
    auto it = r.headers.find(name);
    if (it == r.headers.end()) return std::nullopt;
    return it->second;
  }
  // §8.2: connection.sni is the TLS server name of the connection the proxy
  // terminates: the client's HTTP inside HBONE or Istio mTLS has none.
  return std::nullopt;
}

bool ConditionMatches(const PolicyCondition& c, const RequestAttributes& r) {
  std::vector<std::string> vs;
  if (c.key == "source.trustDomain") {
    // §8.7: a principal match on the trust domain (none: no value).
    return (c.values.empty() || TrustDomainIn(c.values, r)) &&
           (c.not_values.empty() || !TrustDomainIn(c.not_values, r));
  }
  if (c.key == "request.auth.principal")  // issuer and subject apart
    return (c.values.empty() || AnyRequestPrincipal(c.values, r)) &&
           (c.not_values.empty() || !AnyRequestPrincipal(c.not_values, r));
  if (c.key.rfind("request.auth.", 0) == 0) {
    vs = AuthValues(c.key, r);
  } else if (std::optional<std::string> v = ConditionValue(c.key, r)) {
    vs.push_back(*v);
  }
  // A multi-valued attribute matches when any of its values does.
  auto match = [&](const std::vector<std::string>& pats) {
    for (const std::string& v : vs) {
      for (const std::string& p : pats) {
        if (c.key == "source.ip" || c.key == "destination.ip" ||
            c.key == "remote.ip") {
          if (IpInBlock(p, v)) return true;
        } else if (c.key == "destination.port") {
          if (PortNumber(p) == PortNumber(v)) return true;
        } else if (IstioStringMatch(p, v)) {
          return true;
        }
      }
    }
    return false;
  };
  if (!c.values.empty() && !match(c.values)) return false;
  if (!c.not_values.empty() && match(c.not_values)) return false;
  return true;
}

bool SourceHasHttp(const PolicySource& s) {
  return !s.request_principals.empty() || !s.not_request_principals.empty() ||
         !s.remote_ip_blocks.empty() || !s.not_remote_ip_blocks.empty();
}
bool SourceHasL4(const PolicySource& s) {
  return !s.principals.empty() || !s.not_principals.empty() ||
         !s.service_accounts.empty() || !s.not_service_accounts.empty() ||
         !s.namespaces.empty() || !s.not_namespaces.empty() ||
         !s.ip_blocks.empty() || !s.not_ip_blocks.empty();
}
bool OperationHasHttp(const PolicyOperation& o) {
  return !o.hosts.empty() || !o.not_hosts.empty() || !o.methods.empty() ||
         !o.not_methods.empty() || !o.paths.empty() || !o.not_paths.empty();
}
bool OperationHasL4(const PolicyOperation& o) {
  return !o.ports.empty() || !o.not_ports.empty();
}

}  // namespace

std::set<std::string> ZtunnelHttpAttributes(const PolicyRule& rule) {
  std::set<std::string> out;
  auto add = [&](bool present, const char* name) {
    if (present) out.insert(name);
  };
  for (const PolicySource& s : rule.from) {
    add(!s.request_principals.empty(), "requestPrincipals");
    add(!s.not_request_principals.empty(), "notRequestPrincipals");
    add(!s.remote_ip_blocks.empty(), "remoteIpBlocks");
    add(!s.not_remote_ip_blocks.empty(), "notRemoteIpBlocks");
  }
  for (const PolicyOperation& o : rule.to) {
    add(!o.hosts.empty(), "hosts");
    add(!o.not_hosts.empty(), "notHosts");
    add(!o.methods.empty(), "methods");
    add(!o.not_methods.empty(), "notMethods");
    add(!o.paths.empty(), "paths");
    add(!o.not_paths.empty(), "notPaths");
  }
  for (const PolicyCondition& c : rule.when)
    if (!IsL4ConditionKey(c.key)) out.insert(c.key);
  return out;
}

namespace {
// Whether `rule` has an attribute ztunnel cannot read (no names built).
bool HasHttpAttribute(const PolicyRule& rule) {
  for (const auto& s : rule.from)
    if (SourceHasHttp(s)) return true;
  for (const auto& o : rule.to)
    if (OperationHasHttp(o)) return true;
  for (const auto& c : rule.when)
    if (!IsL4ConditionKey(c.key)) return true;
  return false;
}
}  // namespace

DenyRuleChange ZtunnelDenyRuleChange(const PolicyRule& rule) {
  DenyRuleChange out;
  for (const PolicySource& x : rule.from)
    if (SourceHasHttp(x)) (SourceHasL4(x) ? out.widened : out.narrowed) = true;
  for (const PolicyOperation& x : rule.to)
    if (OperationHasHttp(x))
      (OperationHasL4(x) ? out.widened : out.narrowed) = true;
  return out;
}

bool ZtunnelDropsRule(const PolicyRule& rule, PolicyAction action) {
  if (!HasHttpAttribute(rule)) return false;
  if (action == PolicyAction::kAllow) return true;
  bool from_empty = !rule.from.empty();
  for (const auto& s : rule.from) from_empty = from_empty && !SourceHasL4(s);
  bool to_empty = !rule.to.empty();
  for (const auto& o : rule.to) to_empty = to_empty && !OperationHasL4(o);
  // Each `when` condition is a clause of its own: an HTTP one is left empty
  // and never matches, whatever the others do.
  bool when_empty = false;
  for (const auto& c : rule.when)
    when_empty = when_empty || !IsL4ConditionKey(c.key);
  return from_empty || to_empty || when_empty;
}

namespace {

enum class RuleResult { kMatch, kNoMatch, kDropped };

// §8.6: the fields an Envoy TCP filter chain cannot evaluate.
bool EnvoyHttpOnly(const PolicyRule& rule) {
  for (const PolicySource& s : rule.from)
    if (!s.request_principals.empty() || !s.not_request_principals.empty())
      return true;
  for (const PolicyOperation& o : rule.to)
    if (OperationHasHttp(o)) return true;
  for (const PolicyCondition& c : rule.when)
    if (c.key.rfind("request.", 0) == 0) return true;
  return false;
}

// `rule` without the fields of EnvoyHttpOnly: what a DENY or AUDIT rule
// becomes on a TCP filter chain (a `from`, `to` or `when` left with nothing
// matches anything).
PolicyRule WithoutHttpFields(const PolicyRule& rule) {
  PolicyRule out = rule;
  for (PolicySource& s : out.from) {
    s.request_principals.clear();
    s.not_request_principals.clear();
  }
  for (PolicyOperation& o : out.to) {
    o.hosts.clear(), o.not_hosts.clear(), o.methods.clear();
    o.not_methods.clear(), o.paths.clear(), o.not_paths.clear();
  }
  std::erase_if(out.when, [](const PolicyCondition& c) {
    return c.key.rfind("request.", 0) == 0;
  });
  return out;
}

// §8.2 at ztunnel. ALLOW: a rule with any HTTP attribute is dropped. DENY:
// HTTP attributes are removed; a clause (from / to / when) left empty never
// matches.
RuleResult MatchRule(const PolicyRule& rule, const RequestAttributes& r,
                     bool ztunnel, PolicyAction action, std::string* note) {
  // §8.2, §8.7: istiod's validation takes source.trustDomain; ztunnel reads
  // no such key, and an Envoy reads it only from 1.30 (before, its
  // authorization model skipped the rule).
  for (const PolicyCondition& c : rule.when)
    if (c.key == "source.trustDomain" && (ztunnel || !r.trust_domains)) {
      *note = std::string("rule has a source.trustDomain condition, which ") +
              (ztunnel ? "ztunnel does not read"
                       : "an Envoy reads only from Istio 1.30") +
              ": it never matches (§8.7)";
      return RuleResult::kDropped;
    }
  // §8.6: a connection that is not HTTP meets an Envoy (waypoint, sidecar,
  // gateway) on its TCP filter chain, which drops an ALLOW rule with
  // HTTP-only fields and evaluates a DENY or AUDIT rule without them.
  if (!ztunnel && !r.http && !r.http_port && EnvoyHttpOnly(rule)) {
    if (action == PolicyAction::kAllow) {
      *note =
          "rule has HTTP-only fields: dropped on a TCP connection, it never "
          "matches (§8.6)";
      return RuleResult::kDropped;
    }
    *note =
        "HTTP-only fields are ignored on a TCP connection: the rule is wider "
        "(§8.6)";
    return MatchRule(WithoutHttpFields(rule), r, false, action, note);
  }
  if (ztunnel && HasHttpAttribute(rule)) {
    if (action == PolicyAction::kAllow) {
      *note =
          "rule has HTTP attributes: dropped at ztunnel, it never matches "
          "(§8.2)";
      return RuleResult::kDropped;
    }
    if (action == PolicyAction::kDeny) {
      *note = "HTTP attributes are ignored at ztunnel (§8.2)";
      if (ZtunnelDropsRule(rule, action)) {
        *note =
            "rule is left with an empty clause once HTTP attributes are "
            "removed: a "
            "no-op at ztunnel (§8.2)";
        return RuleResult::kDropped;
      }
    }
  }
  if (!rule.from.empty()) {
    bool any = false;
    for (const auto& s : rule.from) {
      if (ztunnel && !SourceHasL4(s)) continue;
      any = any || SourceMatches(s, r, ztunnel);
    }
    if (!any) return RuleResult::kNoMatch;
  }
  if (!rule.to.empty()) {
    bool any = false;
    for (const auto& o : rule.to) {
      if (ztunnel && !OperationHasL4(o)) continue;
      any = any || OperationMatches(o, r, ztunnel);
    }
    if (!any) return RuleResult::kNoMatch;
  }
  for (const auto& c : rule.when) {
    if (ztunnel && !IsL4ConditionKey(c.key)) continue;
    if (!ConditionMatches(c, r)) return RuleResult::kNoMatch;
  }
  return RuleResult::kMatch;
}

// The first matching rule's index, or nullopt. `all_dropped` tells whether
// every rule was dropped (§8.2).
std::optional<int> FirstMatch(const AuthorizationPolicy& p,
                              const RequestAttributes& r, bool ztunnel,
                              std::string* note) {
  for (size_t i = 0; i < p.rules.size(); ++i) {
    std::string n;
    RuleResult rr = MatchRule(p.rules[i], r, ztunnel, p.action, &n);
    if (!n.empty() && note->empty()) *note = n;
    if (rr == RuleResult::kMatch) return static_cast<int>(i);
  }
  return std::nullopt;
}

// Why no ALLOW policy admitted the request (`d` denied by the first), and
// each ALLOW policy's part in it: ztunnel's dropped HTTP-only rules (§8.2)
// or no rule that matched.
void ExplainNoAllowMatched(bool zt, const std::string& who,
                           const std::set<std::string>& http_only_allows,
                           PolicyDecision& d) {
  std::vector<std::string> allows, dropped_only;
  for (const PolicyEvaluation& e : d.evaluated) {
    if (e.action != "ALLOW") continue;
    allows.push_back(e.policy);
    if (http_only_allows.count(e.policy)) dropped_only.push_back(e.policy);
  }
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (zt && !dropped_only.empty() && dropped_only.size() == allows.size()) {
    d.reason = "ALLOW policy " + list(dropped_only) +
               " has only rules with HTTP attributes, which ztunnel drops "
               "(§8.2); with no rule "
               "left to match, it denies every request. Attach it to a "
               "waypoint (targetRefs) "
               "and bind the destination to that waypoint";
  } else {
    d.reason = "no rule of ALLOW polic" +
               std::string(allows.size() == 1 ? "y " : "ies ") + list(allows) +
               " matches the request from " + who;
  }
  // With ALLOW policies present and none matching, each of them takes part
  // in the denial.
  for (PolicyEvaluation& e : d.evaluated) {
    if (e.action != "ALLOW" || e.note.rfind("dry-run", 0) == 0) continue;
    e.effect = "deny";
    if (e.note.empty()) e.note = "no rule matched";
  }
}

// §8.5 (builder.go, 1.30+): at an Envoy, the dry-run policies of a CUSTOM
// provider become the RBAC filter's `rules` (action DENY), which Envoy
// enforces: a matching request is denied. Not where istiod turns the
// enforced CUSTOM rules into DENYs instead (several providers, §8.2).
bool DryRunCustomDenies(const IstioVersion& version,
                        const AuthorizationPolicy& p, bool zt,
                        bool custom_denies) {
  return !zt && p.dry_run && p.action == PolicyAction::kCustom &&
         !custom_denies && version.AtLeast(1, 30);
}

}  // namespace

PolicyDecision Evaluate(const Mesh& mesh, const IstioVersion& version,
                        EnforcementPoint point,
                        const std::vector<const AuthorizationPolicy*>& policies,
                        const RequestAttributes& req) {
  PolicyDecision d;
  const bool zt = point == EnforcementPoint::kZtunnel;
  // §8.5 dry-run: Envoy evaluates and only logs. ztunnel: from 1.25.2 istiod
  // does not send the policy (from 1.29, with
  // AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY, it sends it marked dry-run
  // and ztunnel only logs); before, it sent it as an ordinary policy.
  auto dry = [&](const AuthorizationPolicy& p) {
    return p.dry_run && (!zt || version.AtLeastPatch(1, 25, 2));
  };
  auto dry_note = [&]() -> std::string {
    if (!zt) return "dry-run: logged only";
    if (version.AtLeast(1, 29) &&
        mesh.istio.Flag("AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY", false))
      return "dry-run: logged only by ztunnel";
    return "dry-run: not sent to ztunnel (§8.5)";
  };
  // §8.2: at an Envoy, CUSTOM policies of more than one provider (dry-run
  // ones count) without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS make
  // istiod turn every enforced CUSTOM rule into a DENY.
  std::set<std::string> providers;
  for (const AuthorizationPolicy* p : policies)
    if (p->action == PolicyAction::kCustom) providers.insert(p->provider);
  bool custom_denied = false, dry_custom = false;
  // §8.2: ALLOW policies every rule of which ztunnel drops.
  std::set<std::string> http_only_allows;
  // The flag exists from 1.30; before, one provider per workload only.
  const bool custom_denies =
      !zt && providers.size() > 1 &&
      !(version.AtLeast(1, 30) &&
        mesh.istio.Flag("PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS", false));
  // §8.7: Envoys read source trust domains from 1.30.
  RequestAttributes with_td = req;
  with_td.trust_domains = !zt && version.AtLeast(1, 30);
  std::vector<PolicyEvaluation> evals;
  bool denied = false, any_allow_policy = false, allow_matched = false;
  std::optional<DeniedBy> deny;
  const AuthorizationPolicy* first_allow = nullptr;
  // Envoy order: CUSTOM, DENY, ALLOW; AUDIT is looked at but never decides.
  for (const PolicyAction action :
       {PolicyAction::kCustom, PolicyAction::kDeny, PolicyAction::kAllow,
        PolicyAction::kAudit}) {
    for (const AuthorizationPolicy* p : policies) {
      if (p->action != action) continue;
      PolicyEvaluation e;
      e.policy = p->Key();
      e.action = PolicyActionName(p->action);
      e.matched_rule = FirstMatch(*p, with_td, zt, &e.note);
      e.effect = "no-op";
      if (p->dry_run && zt && !dry(*p))
        e.note =
            "istio.io/dry-run is not read by ztunnel before 1.25.2: "
            "enforced (§8.5)" +
            (e.note.empty() ? "" : "; " + e.note);
      if (dry(*p) && DryRunCustomDenies(version, *p, zt, custom_denies)) {
        // §8.5: from 1.30 istiod makes a dry-run CUSTOM policy's rules the
        // RBAC filter's enforced rules, of action DENY (builder.go).
        e.note =
            "dry-run CUSTOM at an Envoy from Istio 1.30: istiod makes its "
            "rules the RBAC filter's enforced DENY rules (§8.5)";
        if (e.matched_rule && !denied) {
          denied = true;
          e.effect = "deny";
          deny = DeniedBy{p->Key(), e.matched_rule, "DENY", req.principal};
          dry_custom = true;
        }
      } else if (dry(*p)) {
        e.note = dry_note();
      } else if (p->action == PolicyAction::kDeny) {
        if (e.matched_rule && !denied) {
          denied = true;
          e.effect = "deny";
          deny = DeniedBy{p->Key(), e.matched_rule, "DENY", req.principal};
        }
      } else if (p->action == PolicyAction::kAllow) {
        any_allow_policy = true;
        if (!first_allow) first_allow = p;
        if (zt && !p->rules.empty() &&
            std::all_of(p->rules.begin(), p->rules.end(), HasHttpAttribute))
          http_only_allows.insert(p->Key());
        if (e.matched_rule && !denied && !allow_matched) {
          allow_matched = true;
          e.effect = "allow";
        }
      } else if (p->action == PolicyAction::kCustom && custom_denies) {
        if (e.matched_rule && !denied) {
          denied = true;
          e.effect = "deny";
          deny = DeniedBy{p->Key(), e.matched_rule, "DENY", req.principal};
          custom_denied = true;
        }
        e.note = std::to_string(providers.size()) +
                 " CUSTOM providers apply here and "
                 "PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS is off: istiod "
                 "makes each CUSTOM rule a DENY (§8.2)";
      } else if (p->action == PolicyAction::kCustom) {
        if (e.matched_rule) {
          e.note =
              "the " +
              (p->provider.empty() ? std::string("external") : p->provider) +
              " authorizer decides; meshsim assumes it allows";
        }
      }
      evals.push_back(e);
    }
  }
  d.evaluated = std::move(evals);
  const std::string who = req.principal
                              ? "principal " + *req.principal
                              : std::string("a plaintext client (no identity)");
  if (denied) {
    d.allowed = false;
    d.denied_by = deny;
    d.reason =
        (custom_denied || dry_custom ? "CUSTOM policy " : "DENY policy ") +
        deny->policy + " rule " + std::to_string(*deny->rule) +
        " matches the request from " + who +
        (custom_denied ? " (a DENY: more than one CUSTOM provider "
                         "applies here, §8.2)"
         : dry_custom  ? " (dry-run, yet from 1.30 istiod makes its rules the "
                         "RBAC filter's enforced DENY rules, §8.5)"
                       : "");
    return d;
  }
  if (!any_allow_policy || allow_matched) return d;
  d.allowed = false;
  d.denied_by = DeniedBy{first_allow->Key(), std::nullopt,
                         "ALLOW (no rule matched)", req.principal};
  ExplainNoAllowMatched(zt, who, http_only_allows, d);
  return d;
}

}  // namespace meshsim
