// AuthorizationPolicy and PeerAuthentication patterns that match nothing in
// the mesh: a source principal or namespace no workload has (§8.1, a typo
// turns an ALLOW into deny-all and a DENY into nothing), and a selector that
// selects no pod; and PeerAuthentication port entries ztunnel does not
// enforce as written (§16.5).
#include <algorithm>
#include <map>
#include <set>

#include "lint/rules.h"
#include "model/binding.h"
#include "model/network_policy.h"
#include "model/networking.h"
#include "model/policy.h"

namespace meshsim::lint {

namespace {

struct Identities {
  std::vector<std::string> principals;  // cluster.local/ns/<ns>/sa/<sa>
  std::vector<std::string> namespaces;
};

Identities MeshIdentities(const Scenario& sc) {
  std::set<std::string> principals, namespaces;
  for (const Cluster& c : sc.mesh.clusters) {
    for (const Workload& w : c.workloads) {
      principals.insert(SpiffePrincipal(w.ns, w.service_account));
      namespaces.insert(w.ns);
    }
    for (const auto& [name, ns] : c.namespaces) namespaces.insert(name);
    // A gateway's service account exists whatever its replica count (a
    // waypoint scaled to 0 keeps its identity, §2.1).
    for (const auto& [key, gw] : c.gateways)
      principals.insert(SpiffePrincipal(gw.ns, GeneratedDeploymentName(gw)));
  }
  return {{principals.begin(), principals.end()},
          {namespaces.begin(), namespaces.end()}};
}

bool MatchesAny(const std::string& pattern,
                const std::vector<std::string>& values) {
  for (const std::string& v : values)
    if (IstioStringMatch(pattern, v)) return true;
  return false;
}

// What a pattern that matches nothing does to its rule (§8.1): a positive
// one matches no request by it; a negative one (notPrincipals,
// notNamespaces) excludes no one, so the field holds for every source.
std::string FixFor(PolicyAction action, const std::string& field) {
  if (field.find(".not") != std::string::npos)
    return action == PolicyAction::kDeny
               ? "correct the name: as written it excludes no one, so this "
                 "DENY applies to every source the rest of the rule matches"
               : "correct the name: as written it excludes no one, so this "
                 "rule admits every source the rest of it matches";
  return action == PolicyAction::kDeny
             ? "correct the name: as written it matches no source, so this "
               "DENY never applies by it"
             : "correct the name: as written it matches no source, so no "
               "request matches this rule by it";
}

// Each pattern of `patterns` (a source field of rule `ri`) that matches no
// value of `values`.
void Unmatched(const AuthorizationPolicy& p, const Cluster& c, size_t ri,
               const PolicySource& src, const char* field,
               const std::vector<std::string>& patterns,
               const std::vector<std::string>& values, const std::string& rule,
               const char* what, std::vector<LintFinding>& out) {
  for (const std::string& pattern : patterns) {
    if (MatchesAny(pattern, values)) continue;
    out.push_back(Make(rule,
                       "AuthorizationPolicy " + p.Key() + ": rules[" +
                           std::to_string(ri) + "].from." + field + " '" +
                           pattern + "' matches no " + what + " of the mesh" +
                           DidYouMean(pattern, values),
                       src.location.Known() ? src.location : p.location,
                       {"AuthorizationPolicy", p.ns, p.name, c.name},
                       FixFor(p.action, field)));
  }
}

}  // namespace

void PatternsMatchNothing(const Scenario& sc, std::vector<LintFinding>& out) {
  const Identities ids = MeshIdentities(sc);
  // principal-matches-nothing first, then namespace-matches-nothing, each in
  // policy order (the catalogue order of Lint).
  for (const bool principals : {true, false})
    for (const Cluster& c : sc.mesh.clusters)
      for (const AuthorizationPolicy& p : c.authorization_policies)
        for (size_t ri = 0; ri < p.rules.size(); ++ri)
          for (const PolicySource& src : p.rules[ri].from) {
            if (principals) {
              Unmatched(p, c, ri, src, "source.principals", src.principals,
                        ids.principals, "principal-matches-nothing", "identity",
                        out);
              Unmatched(p, c, ri, src, "source.notPrincipals",
                        src.not_principals, ids.principals,
                        "principal-matches-nothing", "identity", out);
            } else {
              Unmatched(p, c, ri, src, "source.namespaces", src.namespaces,
                        ids.namespaces, "namespace-matches-nothing",
                        "namespace", out);
              Unmatched(p, c, ri, src, "source.notNamespaces",
                        src.not_namespaces, ids.namespaces,
                        "namespace-matches-nothing", "namespace", out);
            }
          }
}

void SelectorMatchesNothing(const Scenario& sc, std::vector<LintFinding>& out) {
  const std::string& root = sc.mesh.istio.root_namespace;
  // One object with a selector: a policy in the root namespace selects pods
  // of the whole mesh, elsewhere only of its namespace.
  // §3.4: istiod picks a ServiceEntry endpoint's policies by the entry's
  // labels (buildWorkloadPolicies), not the endpoint's.
  auto labels_of = [](const Cluster& c, const Workload& w) -> const Labels& {
    if (!w.service_entry.empty())
      for (const Service& s : c.services)
        if (s.kind == "ServiceEntry" && s.ns == w.ns &&
            s.name == w.service_entry)
          return s.labels;
    return w.labels;
  };
  // §8.1 (policyattachment.go ShouldAttachPolicy): a waypoint takes no
  // selector policy (AuthorizationPolicy, RequestAuthentication), so its
  // pods are no match for one; `waypoint_blind`.
  auto check = [&](const Cluster& c, const char* kind, const auto& p,
                   const char* what, bool waypoint_blind) {
    if (!p.selector || p.selector->empty()) return;
    std::string waypoint;  // a waypoint whose pods alone it selects
    for (const Workload& w : c.workloads) {
      if ((p.ns != root && w.ns != p.ns) ||
          !SelectorMatches(*p.selector, labels_of(c, w)))
        continue;
      if (!waypoint_blind || w.role != WorkloadRole::kWaypoint) return;
      if (waypoint.empty()) waypoint = w.gateway;
    }
    std::string sel;
    for (const auto& [k, v] : *p.selector)
      sel += (sel.empty() ? "" : ",") + k + "=" + v;
    const std::string where = p.ns == root ? "the mesh" : "namespace " + p.ns;
    const SourceLocation& at =
        p.selector_location.Known() ? p.selector_location : p.location;
    if (!waypoint.empty()) {
      out.push_back(Make(
          "selector-matches-nothing",
          std::string(kind) + " " + p.Key() + ": selector " + sel +
              " selects only pods of waypoint " + waypoint +
              ", and a waypoint takes no selector policy (§8.1)",
          at, {kind, p.ns, p.name, c.name},
          "attach it to the waypoint with targetRefs (kind Gateway, name " +
              waypoint.substr(waypoint.find('/') + 1) +
              ") or to the Services it serves; as written the " + what +
              " applies nowhere"));
      return;
    }
    out.push_back(Make("selector-matches-nothing",
                       std::string(kind) + " " + p.Key() + ": selector " + sel +
                           " selects no pod in " + where,
                       at, {kind, p.ns, p.name, c.name},
                       std::string("match the pods' labels; as written the ") +
                           what + " applies nowhere"));
  };
  for (const Cluster& c : sc.mesh.clusters) {
    for (const AuthorizationPolicy& p : c.authorization_policies)
      check(c, "AuthorizationPolicy", p, "policy", true);
    for (const RequestAuthentication& p : c.request_authentications)
      check(c, "RequestAuthentication", p, "policy", true);
    for (const PeerAuthentication& p : c.peer_authentications)
      check(c, "PeerAuthentication", p, "mode", false);
  }
}

void PeerAuthenticationPortNotEnforced(const Scenario& sc,
                                       std::vector<LintFinding>& out) {
  // Per workload PeerAuthentication: the ports where ztunnel (istiod's
  // conversion) and the policy's own reading (a sidecar's) disagree, on any
  // ambient pod it governs.
  for (const Cluster& c : sc.mesh.clusters) {
    std::map<const PeerAuthentication*, std::map<int, bool>> differ;
    for (const Workload& w : c.workloads) {
      if (w.capture != Capture::kAmbient) continue;
      const PeerAuthentication* pa = WorkloadPeerAuthentication(sc.mesh, c, w);
      if (!pa || pa->port_modes.empty()) continue;
      // 0 stands for every port the entries do not list.
      std::set<int> ports = {0};
      for (const auto& [port, mode] : pa->port_modes) ports.insert(port);
      for (int port : ports) {
        const bool zt = ZtunnelRefusesPlaintext(sc.mesh, c, w, port, nullptr);
        const bool meant =
            PeerAuthenticationMode(sc.mesh, c, w, port, nullptr) == "STRICT";
        if (zt != meant) differ[pa][port] = zt;
      }
    }
    for (const PeerAuthentication& p : c.peer_authentications) {
      auto it = differ.find(&p);
      if (it == differ.end()) continue;
      std::string open, closed;
      for (const auto& [port, refused] : it->second) {
        std::string& list = refused ? closed : open;
        list += (list.empty() ? "" : ", ") +
                (port == 0 ? std::string("every port it does not list")
                           : "port " + std::to_string(port));
      }
      std::string message = "PeerAuthentication " + p.Key() + ":";
      if (!open.empty())
        message += " on ambient pods ztunnel accepts plaintext on " + open +
                   ", which the policy makes STRICT";
      if (!closed.empty())
        message += std::string(open.empty() ? "" : ";") +
                   " on ambient pods ztunnel refuses plaintext on " + closed +
                   ", which the policy opens";
      message +=
          ": istiod's conversion of port-level mTLS for ztunnel does not "
          "keep these entries with this policy's mode and its namespace's "
          "and mesh's (§16.5)";
      out.push_back(
          Make("peer-authentication-port-not-enforced", message, p.location,
               {"PeerAuthentication", p.ns, p.name, c.name},
               "give the policy a mode of its own (STRICT with PERMISSIVE port "
               "entries, or PERMISSIVE with STRICT ones) and its namespace a "
               "PeerAuthentication with a mode"));
    }
  }
}

void NetworkPolicyBlocksHbone(const Scenario& sc,
                              std::vector<LintFinding>& out) {
  // §4.6: pods that receive HBONE on 15008: captured pods, waypoints,
  // east-west gateways, and sidecars once any pod is captured (ambient
  // clients reach them over HBONE).
  bool any_ambient = false;
  for (const Cluster& c : sc.mesh.clusters)
    for (const Workload& w : c.workloads)
      any_ambient = any_ambient || w.capture == Capture::kAmbient;
  for (const Cluster& c : sc.mesh.clusters) {
    if (c.network_policies.empty()) continue;
    // The isolating policies (as one key) -> the pods they leave closed.
    std::map<std::vector<std::string>, std::vector<const Workload*>> closed;
    std::map<const NetworkPolicyPeer*, bool> pod_peers;
    for (const Workload& w : c.workloads) {
      if (w.kind != "Pod") continue;
      const bool hbone = w.capture == Capture::kAmbient ||
                         w.role == WorkloadRole::kWaypoint ||
                         w.role == WorkloadRole::kEastWest ||
                         (any_ambient && w.capture == Capture::kSidecar);
      if (!hbone) continue;
      std::vector<std::string> isolating;
      if (!NetworkPolicyAdmitsPortFromAnyone(c, w, kHboneInboundPort,
                                             &isolating, &pod_peers,
                                             &sc.mesh.clusters))
        closed[isolating].push_back(&w);
    }
    for (const auto& [policies, pods] : closed) {
      const NetworkPolicy* first = nullptr;
      for (const NetworkPolicy& np : c.network_policies)
        if (np.Key() == policies.front()) first = &np;
      std::string names, which;
      for (const std::string& p : policies)
        names += (names.empty() ? "" : ", ") + p;
      for (size_t i = 0; i < pods.size() && i < 3; ++i)
        which += (i ? ", " : "") + pods[i]->Key();
      if (pods.size() > 3)
        which += " and " + std::to_string(pods.size() - 3) + " more";
      out.push_back(Make(
          "network-policy-blocks-hbone",
          "NetworkPolicy " + names +
              (policies.size() > 1 ? " isolate " : " isolates ") + "pod" +
              (pods.size() > 1 ? "s " : " ") + which +
              " for ingress and allow" + (policies.size() > 1 ? "" : "s") +
              " no pod's traffic on TCP port 15008, where every HBONE "
              "connection "
              "arrives (mesh clients' ztunnels, waypoints, east-west "
              "gateways): the CNI drops them, and only plain TCP on the "
              "allowed ports gets through (§4.6)",
          first->location, {"NetworkPolicy", first->ns, first->name, c.name},
          "add port 15008 (TCP) to the ingress rule that admits the mesh's "
          "clients; keep admitting 169.254.7.127/32, the address ambient "
          "gives the kubelet's health probes"));
    }
  }
}

void RequestAuthenticationWithoutWaypoint(const Scenario& sc,
                                          std::vector<LintFinding>& out) {
  const std::string& root = sc.mesh.istio.root_namespace;
  for (const Cluster& c : sc.mesh.clusters)
    for (const RequestAuthentication& ra : c.request_authentications) {
      if (!ra.target_refs.empty()) continue;  // a waypoint's or a gateway's
      // The ambient application pods it would apply to (§8.1's attachment:
      // the root namespace's to every namespace), and whether any pod it
      // applies to has an Envoy of its own that reads it.
      size_t ambient = 0, envoy = 0;
      std::string example;
      for (const Workload& w : c.workloads) {
        if (w.kind != "Pod" || (ra.ns != root && w.ns != ra.ns)) continue;
        if (ra.selector && !SelectorMatches(*ra.selector, w.labels)) continue;
        if (w.capture == Capture::kAmbient &&
            w.role == WorkloadRole::kApplication) {
          if (example.empty()) example = w.Key();
          ++ambient;
        } else if (w.capture == Capture::kSidecar ||
                   w.role == WorkloadRole::kIngress) {
          ++envoy;
        }
      }
      if (ambient == 0) continue;
      out.push_back(Make(
          "request-authentication-without-waypoint",
          "RequestAuthentication " + ra.Key() + " applies to " +
              std::to_string(ambient) + " ambient pod" +
              (ambient == 1 ? "" : "s") + " (" + example +
              (ambient > 1 ? ", ..." : "") + ")" +
              (ra.selector     ? " by selector"
               : ra.ns == root ? " from the root namespace, with no selector"
                               : " of its namespace, with no selector") +
              ": ztunnel validates no token and a waypoint reads only "
              "RequestAuthentications with targetRefs, so tokens sent to "
              "them are never checked" +
              (envoy ? " (its " + std::to_string(envoy) +
                           " sidecar or gateway pods do check them)"
                     : std::string()) +
              " (§16.4)",
          ra.location, {"RequestAuthentication", ra.ns, ra.name, c.name},
          "attach it to the waypoint with targetRefs (Gateway or Service) "
          "and bind the workloads"));
    }
}

void PolicyTargetNotBound(const Scenario& sc, std::vector<LintFinding>& out) {
  auto check = [&](const Cluster& c, const char* kind, const std::string& ns,
                   const std::string& name, const SourceLocation& where,
                   const std::vector<ParentRef>& refs) {
    for (const ParentRef& r : refs) {
      const Gateway* gw =
          r.kind == "Gateway" ? c.FindGateway(ns + "/" + r.name) : nullptr;
      if (gw && gw->agentgateway)
        out.push_back(Make(
            "policy-at-agentgateway",
            std::string(kind) + " " + ns + "/" + name + " targets Gateway " +
                gw->Key() + ", an agentgateway proxy (class " + gw->class_name +
                "): istiod gives it no Istio policy, so nothing enforces "
                "this one (§16)",
            r.location.Known() ? r.location : where, {kind, ns, name, c.name},
            "use an Envoy gateway class for Istio policies, or "
            "agentgateway's own policy"));
      if (r.kind != "Service" && r.kind != "ServiceEntry") continue;
      const Service* s =
          c.FindService((r.ns.empty() ? ns : r.ns) + "/" + r.name);
      // A target that does not exist is reference-not-found's.
      if (!s || s->kind != r.kind) continue;
      const Binding b = ServiceWaypoint(sc.mesh, c, *s);
      if (b.status == BindingStatus::kAccepted && b.waypoint->agentgateway) {
        out.push_back(Make(
            "policy-at-agentgateway",
            std::string(kind) + " " + ns + "/" + name + " targets " + r.kind +
                " " + s->Key() + ", whose waypoint " + b.waypoint->Key() +
                " is an agentgateway proxy (class " + b.waypoint->class_name +
                "): istiod gives it no Istio policy, so nothing enforces "
                "this one (§16)",
            r.location.Known() ? r.location : where, {kind, ns, name, c.name},
            "serve " + s->Key() +
                " by an Envoy waypoint (istio-waypoint) for Istio policies, "
                "or use agentgateway's own policy"));
        continue;
      }
      if (b.status == BindingStatus::kAccepted ||
          b.status == BindingStatus::kIsWaypoint)
        continue;
      out.push_back(Make(
          "policy-target-not-bound",
          std::string(kind) + " " + ns + "/" + name + " targets " + r.kind +
              " " + s->Key() + ", which no waypoint serves in cluster " +
              c.name +
              " (AncestorNotBound): nothing enforces it, since "
              "ztunnel reads no targetRefs policy (§8.1)" +
              (b.why.empty() ? std::string() : "; " + b.why),
          r.location.Known() ? r.location : where, {kind, ns, name, c.name},
          "bind " + s->Key() +
              " to a waypoint (istio.io/use-waypoint), or, for L4 rules, "
              "select its pods"));
    }
  };
  for (const Cluster& c : sc.mesh.clusters) {
    for (const AuthorizationPolicy& p : c.authorization_policies)
      check(c, "AuthorizationPolicy", p.ns, p.name, p.location, p.target_refs);
    for (const RequestAuthentication& p : c.request_authentications)
      check(c, "RequestAuthentication", p.ns, p.name, p.location,
            p.target_refs);
  }
}

void RemoteIpFromHeader(const Scenario& sc, std::vector<LintFinding>& out) {
  const std::string& root = sc.mesh.istio.root_namespace;
  for (const Cluster& c : sc.mesh.clusters)
    for (const AuthorizationPolicy& p : c.authorization_policies) {
      bool remote = false;
      for (const PolicyRule& r : p.rules) {
        for (const PolicySource& s : r.from)
          remote = remote || !s.remote_ip_blocks.empty() ||
                   !s.not_remote_ip_blocks.empty();
        for (const PolicyCondition& w : r.when)
          remote = remote || w.key == "remote.ip";
      }
      if (!remote) continue;
      // Which Envoy inside the mesh enforces it: a waypoint (targetRefs
      // other than an ingress Gateway), or a sidecar pod it selects.
      std::string at;
      for (const ParentRef& t : p.target_refs) {
        const Gateway* g =
            t.kind == "Gateway" ? c.FindGateway(p.ns + "/" + t.name) : nullptr;
        if (t.kind != "Gateway" || (g && g->role == GatewayRole::kWaypoint))
          at = "the waypoint it targets";
      }
      if (p.target_refs.empty())
        for (const Workload& w : c.workloads)
          if (w.kind == "Pod" && w.capture == Capture::kSidecar &&
              (p.ns == root || w.ns == p.ns) &&
              (!p.selector || SelectorMatches(*p.selector, w.labels))) {
            at = "sidecar pod " + w.Key();
            break;
          }
      if (at.empty()) continue;
      out.push_back(Make(
          "remote-ip-from-header",
          "AuthorizationPolicy " + p.Key() +
              " matches remote addresses (remoteIpBlocks or remote.ip), which "
              "its enforcer, " +
              at +
              ", takes from the last X-Forwarded-For entry: any client sets "
              "that header, so the rule can be bypassed or triggered at will; "
              "meshsim matches the connection's address (§8.2)",
          p.location, {"AuthorizationPolicy", p.ns, p.name, c.name},
          "match ipBlocks (the peer's address) inside the mesh; match remote "
          "addresses at the ingress gateway, which sets X-Forwarded-For "
          "itself"));
    }
}

}  // namespace meshsim::lint

namespace meshsim::lint {
namespace {

// §16.4: the issuers whose tokens `ras` (in istiod's order) verify and
// remove: the rule that takes a token first (the rules sorted by issuer,
// stable, one without an issuer first) reads the default location and does
// not set forwardOriginalToken; "" when such a rule checks no issuer (it
// takes every token first). Each with the RequestAuthentication naming it.
// Audiences aside.
std::map<std::string, const RequestAuthentication*> RemovedIssuers(
    const std::vector<const RequestAuthentication*>& ras) {
  const auto rules = JwtRulesInOrder(ras);
  std::map<std::string, const RequestAuthentication*> out;
  std::set<std::string> decided;
  for (const auto& [ra, r] : rules) {
    if (r->reads != JwtRule::Reads::kToken) continue;
    if (decided.count("") || !decided.insert(r->issuer).second) continue;
    if (!r->forward) out.emplace(r->issuer, ra);
  }
  return out;
}

// The first rule of `ras` that verifies tokens `issuer` issues ("": any).
const RequestAuthentication* Verifies(
    const std::vector<const RequestAuthentication*>& ras,
    const std::string& issuer) {
  for (const RequestAuthentication* ra : ras)
    for (const JwtRule& r : ra->rules)
      if (r.reads != JwtRule::Reads::kNothing &&
          (r.issuer.empty() || issuer.empty() || r.issuer == issuer))
        return ra;
  return nullptr;
}

// The routes ingress pod `wi` serves: a Gateway API ingress's HTTPRoutes
// (a parent naming its Gateway), a Router's VirtualServices (bound to an
// Istio Gateway that selects it).
std::vector<const HttpRoute*> IngressPodRoutes(const Cluster& c, size_t wi) {
  const Workload& pod = c.workloads[wi];
  std::vector<const HttpRoute*> out;
  const Gateway* gw = pod.router ? nullptr : c.FindGateway(pod.gateway);
  for (const HttpRoute& route : c.routes) {
    bool attached = false;
    // §9: a listener takes it (parentRef, sectionName or port,
    // allowedRoutes).
    if (gw && !route.IsVirtualService())
      for (const Listener& l : gw->listeners)
        attached = attached || ListenerTakesRoute(c, *gw, l, route);
    if (pod.router && route.IsVirtualService())
      for (const std::string& g : route.gateways) {
        auto pods = c.istio_gateway_pods.find(g);
        attached = attached ||
                   (pods != c.istio_gateway_pods.end() &&
                    std::find(pods->second.begin(), pods->second.end(), wi) !=
                        pods->second.end());
      }
    if (attached) out.push_back(&route);
  }
  return out;
}

// The Kubernetes Service a route backend names (a VirtualService's host
// as an Envoy resolves it, §6), or nullptr.
const Service* BackendService(const Cluster& c, const HttpRoute& route,
                              const BackendRef& b) {
  const Service* s = nullptr;
  if (b.kind == "Service")
    s = c.FindService((b.ns.empty() ? route.ns : b.ns) + "/" + b.name);
  if (b.kind == "Hostname") {
    const std::vector<size_t> hits = c.ServicesForHost(b.name, route.ns, true);
    if (!hits.empty()) s = &c.services[hits.front()];
  }
  return s && s->kind == "Service" ? s : nullptr;
}

// The proxy an ingress hands service `svc` to that reads JWTs: its waypoint
// when the ingress uses it (§5), else its first sidecar pod; with that
// proxy's RequestAuthentications. Empty `name` when neither.
std::pair<std::string, std::vector<const RequestAuthentication*>> ProxyBehind(
    const Mesh& mesh, const Cluster& c, const Service& svc) {
  const Binding bind = ServiceWaypoint(mesh, c, svc);
  std::string why;
  if (bind.status == BindingStatus::kAccepted &&
      IngressUsesWaypoint(mesh, c, svc, bind, &why))
    return {"waypoint " + bind.waypoint->Key(),
            RequestAuthenticationsAtWaypoint(mesh, c, *bind.waypoint, &svc)};
  for (const Workload& w : c.workloads)
    if (w.kind == "Pod" && w.capture == Capture::kSidecar && w.ns == svc.ns &&
        svc.selector && SelectorMatches(*svc.selector, w.labels))
      return {"the sidecar of pod " + w.Key(),
              RequestAuthenticationsAtProxy(mesh, c, w, nullptr)};
  return {};
}

}  // namespace

// §16.4, §5: an ingress (a Gateway API one, or a Router of Istio Gateways)
// verifies tokens of an issuer without forwardOriginalToken, so Envoy
// removes them, and routes a service to a proxy that verifies the same
// issuer again: the service's waypoint (ingress-use-waypoint), or its
// sidecar pods. That proxy never sees the tokens: no request principal,
// and a requestPrincipals policy there denies what the ingress accepted.
void JwtNotForwarded(const Scenario& sc, std::vector<LintFinding>& out) {
  for (const Cluster& c : sc.mesh.clusters) {
    std::set<std::string> done;  // ingress, proxy, issuer
    for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
      const Workload& pod = c.workloads[wi];
      if (pod.kind != "Pod" || pod.role != WorkloadRole::kIngress) continue;
      const Gateway* gw = pod.router ? nullptr : c.FindGateway(pod.gateway);
      if (!pod.router && !gw) continue;
      const auto removed =
          RemovedIssuers(RequestAuthenticationsAtProxy(sc.mesh, c, pod, gw));
      if (removed.empty()) continue;
      const std::string ingress = gw ? gw->Key() : pod.gateway;
      for (const HttpRoute* route : IngressPodRoutes(c, wi))
        for (const HttpRouteRule& rule : route->rules)
          for (const BackendRef& b : rule.backends) {
            const Service* svc = BackendService(c, *route, b);
            if (!svc) continue;
            const auto [proxy, behind] = ProxyBehind(sc.mesh, c, *svc);
            for (const auto& [issuer, at_ingress] : removed) {
              const RequestAuthentication* again = Verifies(behind, issuer);
              if (!again ||
                  !done.insert(ingress + "|" + proxy + "|" + issuer).second)
                continue;
              const std::string tokens =
                  issuer.empty() ? "every token" : "tokens of issuer " + issuer;
              out.push_back(Make(
                  "jwt-not-forwarded",
                  "RequestAuthentication " + at_ingress->Key() +
                      " at ingress " + ingress + " verifies " + tokens +
                      " without forwardOriginalToken, so Envoy removes them "
                      "from the request; the ingress sends service " +
                      svc->Key() + " to " + proxy +
                      ", whose RequestAuthentication " + again->Key() +
                      " verifies them again and never sees them: no request "
                      "principal there, and a requestPrincipals policy "
                      "denies what the ingress accepted (§16.4)",
                  at_ingress->location,
                  {"RequestAuthentication", at_ingress->ns, at_ingress->name,
                   c.name},
                  "set forwardOriginalToken: true on the ingress's jwtRule "
                  "for that issuer, or validate the token in one place"));
            }
          }
    }
  }
}

}  // namespace meshsim::lint
