// The Z3 encoding of ambient routing and destination policy (§2, §3, §5, §6,
// §7.2, §8), one slice per destination (a service reached by VIP, or a pod
// reached by IP). Configuration facts (label values, waypoint readiness,
// versions) enter as constants; the decisions — which waypoint a label
// resolves to, whether the client's ztunnel, an ingress or an east-west
// gateway sends the request through it, which policy rule matches — are Z3
// formulas over the symbolic request.
#include "verify/encoding.h"

#include <algorithm>
#include <set>

#include "model/binding.h"  // ParseGoBool only
#include "model/labels.h"
#include "model/policy.h"  // IpInBlock, SpiffePrincipal, template operators only
#include "model/text.h"
#include "verify/mutation.h"

namespace meshsim::verify {

namespace {

const std::string* Label(const Labels& l, const char* k) {
  return FindLabel(l, k);
}

}  // namespace

bool GlobalScope(const Mesh& mesh, const Cluster& c, const std::string& ns,
                 const Labels& labels) {
  // §15.2: no §7 merge with peering or DISABLE_LEGACY_MULTICLUSTER (Solo).
  if (mesh.istio.distribution == Distribution::kSolo &&
      (PeeringOn(mesh) ||
       mesh.istio.Flag("DISABLE_LEGACY_MULTICLUSTER", false)))
    return false;
  // §7.1: nor without AMBIENT_ENABLE_MULTI_NETWORK, which is on unless
  // stated when the clusters span several networks ([Choices]).
  const bool several_networks =
      std::any_of(mesh.clusters.begin(), mesh.clusters.end(),
                  [&](const Cluster& o) { return o.network != c.network; });
  if (!mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", several_networks))
    return false;
  const Labels nsl = c.SelectorLabels(ns);
  const auto& configs = mesh.istio.service_scope_configs;
  if (!configs) {  // the ambient profile: istio.io/global=true
    const std::string* v = FindLabel(labels, kLabelGlobal);
    return v && *v == "true";
  }
  return std::any_of(
      configs->begin(), configs->end(), [&](const ServiceScopeConfig& e) {
        return e.global &&
               (!e.namespace_selector || e.namespace_selector->Matches(nsl)) &&
               (!e.services_selector || e.services_selector->Matches(labels));
      });
}

bool GlobalService(const Mesh& mesh, const Cluster& c, const Service& s) {
  return s.kind == "Service" && GlobalScope(mesh, c, s.ns, s.labels);
}

bool GlobalWaypoint(const Mesh& mesh, const Cluster& c, const Gateway& w) {
  if (const Service* own = c.FindService(w.Key());
      own && own->kind == "Service")
    return GlobalScope(mesh, c, w.ns, own->labels);
  Labels generated = w.labels;
  for (const auto& [k, v] : w.infrastructure_labels) generated[k] = v;
  return GlobalScope(mesh, c, w.ns, generated);
}

z3::expr AnyOf::Build() const {
  if (parts_.empty()) return parts_.ctx().bool_val(false);
  if (parts_.size() == 1) return parts_[0];
  return z3::mk_or(parts_);
}

z3::expr ExclusiveCases::Build(size_t column, const z3::expr& otherwise) const {
  if (when_.empty()) return otherwise;
  return Build(column, 0, when_.size(), otherwise);
}

const z3::expr& ExclusiveCases::AnyIn(size_t lo, size_t hi) const {
  auto it = any_in_.find({lo, hi});
  if (it != any_in_.end()) return it->second;
  AnyOf any(when_[lo].ctx());
  for (size_t i = lo; i < hi; ++i) any.Add(when_[i]);
  return any_in_.emplace(std::pair{lo, hi}, any.Build()).first->second;
}

// Cases [lo, hi): the first half's value when any of its conditions holds,
// else the second half's.
z3::expr ExclusiveCases::Build(size_t column, size_t lo, size_t hi,
                               const z3::expr& otherwise) const {
  if (hi - lo == 1) return z3::ite(when_[lo], values_[lo][column], otherwise);
  const size_t mid = lo + (hi - lo) / 2;
  return z3::ite(AnyIn(lo, mid), Build(column, lo, mid, otherwise),
                 Build(column, mid, hi, otherwise));
}

bool HasReadyPod(const Cluster& c, const std::string& key) {
  auto it = c.gateway_pods.find(key);
  if (it == c.gateway_pods.end()) return false;
  for (size_t wi : it->second)
    if (c.workloads[wi].ready) return true;
  return false;
}

bool HasHbonePod(const Cluster& c, const Gateway& w, bool need_15008) {
  // §2.1: ztunnel reaches a waypoint on 15008 only (its Service's port),
  // an ingress Gateway used as one too.
  if (need_15008 && !w.ListensOn15008()) return false;
  auto it = c.gateway_pods.find(w.Key());
  if (it == c.gateway_pods.end()) return false;
  for (size_t wi : it->second) {
    const Workload& p = c.workloads[wi];
    if (!p.ready) continue;
    if (w.role != GatewayRole::kIngress || p.capture == Capture::kAmbient)
      return true;
    // istio-cni's enablement selector: the pod's namespace is ambient and
    // the pod does not opt out (the ingress template sets no
    // dataplane-mode, unlike the waypoint's).
    const std::string* pod_mode = FindLabel(p.labels, kLabelDataplaneMode);
    const std::string* ns_mode =
        FindLabel(c.NamespaceLabels(p.ns), kLabelDataplaneMode);
    if (ns_mode && *ns_mode == "ambient" && !(pod_mode && *pod_mode == "none"))
      return true;
  }
  return false;
}

bool PeeringOn(const Mesh& mesh) {
  return mesh.istio.distribution == Distribution::kSolo &&
         mesh.istio.Flag("ENABLE_PEERING_DISCOVERY", false);
}

std::string GlobalWaypointLabel(const Service& s) {
  const std::string* v = FindLabel(s.labels, kLabelUseGlobalWaypoint);
  if (!v) return "";
  const size_t a = v->find('.');
  const size_t b = a == std::string::npos ? a : v->find('.', a + 1);
  if (b == std::string::npos) return "";
  return v->substr(a + 1, b - a - 1) + "/" + v->substr(0, a);
}

bool PeerExports(const Service& s, int cj) {
  if (!s.peered) return false;
  for (const PeeredService::Exporter& x : s.peered->exporters)
    if (x.cluster == cj) return x.draining < 100;
  return false;
}

namespace {
const std::string kEmpty;
}  // namespace

Slice::Slice(const Scenario& sc, z3::context& ctx) : sc_(sc), c_(ctx) {}

const std::string& Slice::Local(const std::string& key) {
  if (!local_names_) return key;
  auto [it, fresh] = tokens_.try_emplace(key);
  if (fresh) {
    it->second = "#" + std::to_string(reals_.size());
    reals_.push_back(key);
  }
  return it->second;
}

const std::string& Slice::Real(const std::string& name) const {
  if (!local_names_ || name.size() < 2 || name[0] != '#') return name;
  size_t n = 0;
  for (size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return name;
    n = n * 10 + static_cast<size_t>(name[i] - '0');
    if (n >= reals_.size()) return name;
  }
  return reals_[n];
}

z3::expr Slice::PeeredCopy(
    const Service& s, std::vector<std::pair<const Gateway*, z3::expr>>* per) {
  const std::string key = GlobalWaypointLabel(s);
  if (!s.peered || key.empty()) return c_.bool_val(false);
  for (int cj : s.peered->waypoint_clusters) {
    const Gateway* w = sc_.mesh.clusters[cj].FindGateway(key);
    if (!w || w->role == GatewayRole::kRemote || !w->Programmed()) continue;
    z3::expr b = !Deleted(cj, *w);
    per->push_back({w, b});
    return b;
  }
  return c_.bool_val(false);
}

bool Slice::CopyHealthy(const Service& s, const Gateway& w) const {
  if (!s.peered) return false;
  for (int cj : s.peered->waypoint_clusters)
    if (HasHbonePod(sc_.mesh.clusters[cj], w)) return true;
  return false;
}

// §2.3 ref(obj) and resolve(obj): is `holder` bound to gateway `w` of
// cluster `ci`? `for_service` selects service vs workload waypoints. The
// configuration decides all but whether `w` is deleted (a literal).
z3::expr Slice::BoundTo(int ci, const Labels& labels, const std::string& ns,
                        bool for_service, bool is_gateway_holder,
                        const Gateway& w, bool own_namespace_only) {
  const Cluster& cl = sc_.mesh.clusters[ci];
  const IstioVersion ver = cl.VersionOr(sc_.mesh.istio.version);
  const Labels& nsl = cl.NamespaceLabels(ns);
  const std::string* obj = Label(labels, kLabelUseWaypoint);
  const std::string* nsv = Label(nsl, kLabelUseWaypoint);
  const std::string* objns =
      ver.AtLeast(1, 23) ? Label(labels, kLabelUseWaypointNamespace) : nullptr;
  const std::string* nsns =
      ver.AtLeast(1, 23) ? Label(nsl, kLabelUseWaypointNamespace) : nullptr;
  // Every input here is a constant of the configuration, so the reference
  // is resolved in C++ (terms that carry only its verdict, not the names
  // it compared, let alike slices share terms: Slice::Local).
  const bool obj_has = obj != nullptr, obj_none = obj && *obj == "none";
  const bool ns_has = nsv != nullptr, ns_none = nsv && *nsv == "none";
  const std::string& obj_name = obj ? *obj : kEmpty;
  const std::string& ns_name = nsv ? *nsv : kEmpty;
  const std::string& obj_wns = objns ? *objns : ns;
  const std::string& ns_wns = nsns ? *nsns : ns;
  // The object's label wins, `none` included; the namespace's otherwise.
  bool has_ref = obj_has ? !obj_none : ns_has && !ns_none;
  const std::string* ref_name = obj_has ? &obj_name : &ns_name;
  const std::string* ref_ns = obj_has ? &obj_wns : &ns_wns;
  if (Mutated(Mutation::kNamespaceOverObject)) {  // wrong on purpose
    has_ref = ns_has ? !ns_none : obj_has && !obj_none;
    ref_name = ns_has ? &ns_name : &obj_name;
    ref_ns = ns_has ? &ns_wns : &obj_wns;
  } else if (Mutated(Mutation::kNoneFallsThrough)) {  // wrong on purpose
    const bool obj_ref = obj_has && !obj_none;
    has_ref = obj_ref || (ns_has && !ns_none);
    ref_name = obj_ref ? &obj_name : &ns_name;
    ref_ns = obj_ref ? &obj_wns : &ns_wns;
  }
  // The waypoint's own facts: programmed (§2.1), type (§2.2), allowedRoutes
  // (§2.4); whether it is deleted or mis-bound is the symbolic `deleted`.
  std::string type =
      WaypointTrafficOf(cl, w, cl.VersionOr(sc_.mesh.istio.version));
  const bool type_ok = Mutated(Mutation::kWaypointForIgnored) ||
                       (for_service ? (type == "service" || type == "all")
                                    : (type == "workload" || type == "all"));
  const bool programmed = w.role != GatewayRole::kRemote && w.Programmed();
  const bool refers = has_ref && *ref_name == w.name && *ref_ns == w.ns &&
                      programmed && type_ok &&
                      WaypointAdmitsNamespace(
                          cl, w, ns, cl.VersionOr(sc_.mesh.istio.version)) &&
                      !is_gateway_holder && (!own_namespace_only || w.ns == ns);
  if (!refers) return c_.bool_val(false);
  return !Deleted(ci, w);
}

z3::expr Slice::Deleted(int ci, const Gateway& w) {
  const std::string key = sc_.mesh.clusters[ci].name + "/" + w.Key();
  auto it = deleted_.find(key);
  if (it != deleted_.end()) return it->second;
  z3::expr v = c_.bool_const(("deleted:" + Local(key)).c_str());
  deleted_.emplace(key, v);
  return v;
}

// Whether a bound waypoint has a ready replica: its own cluster's pods, or a
// global same-named waypoint's elsewhere (§7.2 fail-over).
bool Slice::Healthy(int ci, const Gateway& w) const {
  if (Mutated(Mutation::kFailOpen)) return true;  // wrong on purpose
  auto ready = [&](int cj) {
    const Cluster& c = sc_.mesh.clusters[cj];
    const Gateway* g = c.FindGateway(w.Key());
    return HasHbonePod(c, g ? *g : w);
  };
  if (ready(ci)) return true;
  if (!GlobalWaypoint(sc_.mesh, sc_.mesh.clusters[ci], w)) return false;
  for (size_t cj = 0; cj < sc_.mesh.clusters.size(); ++cj)
    if (static_cast<int>(cj) != ci &&
        sc_.mesh.clusters[cj].FindGateway(w.Key()) && ready(cj))
      return true;
  return false;
}

bool Slice::KnownTo(int client, const Gateway& w) const {
  for (size_t cj = 0; cj < sc_.mesh.clusters.size(); ++cj) {
    const Cluster& c = sc_.mesh.clusters[cj];
    const Gateway* g = c.FindGateway(w.Key());
    if (!g || g->role != GatewayRole::kWaypoint) continue;
    if (static_cast<int>(cj) == client || GlobalWaypoint(sc_.mesh, c, *g))
      return true;
  }
  return false;
}

std::string Slice::WaypointPrincipal(int ci, const Gateway& w) const {
  return WaypointPrincipalOf(sc_.mesh.clusters[ci], w);
}

std::string WaypointPrincipalOf(const Cluster& c, const Gateway& w) {
  auto it = c.gateway_pods.find(w.Key());
  if (it != c.gateway_pods.end() && !it->second.empty())
    return SpiffePrincipal(w.ns,
                           c.workloads[it->second.front()].service_account);
  return SpiffePrincipal(w.ns, w.name);
}

// Bound-to formulas for every candidate waypoint of a holder; returns the
// disjunction and fills `per`.
z3::expr Slice::AnyBound(int ci, const Labels& labels, const std::string& ns,
                         bool for_service, bool is_gateway_holder,
                         std::vector<std::pair<const Gateway*, z3::expr>>* per,
                         bool own_namespace_only) {
  z3::expr any = c_.bool_val(false);
  // Only gateways some label names can be bound (ref_name == name and
  // ref_ns == namespace in BoundTo); the others' formulas are false, so they
  // are not built.
  const Cluster& cl = sc_.mesh.clusters[ci];
  const bool ns_label = cl.VersionOr(sc_.mesh.istio.version).AtLeast(1, 23);
  const Labels& nsl = cl.NamespaceLabels(ns);
  const std::string* obj = FindLabel(labels, kLabelUseWaypoint);
  const std::string* nsv = FindLabel(nsl, kLabelUseWaypoint);
  const std::string* objns =
      ns_label ? FindLabel(labels, kLabelUseWaypointNamespace) : nullptr;
  const std::string* nsns =
      ns_label ? FindLabel(nsl, kLabelUseWaypointNamespace) : nullptr;
  // At most two: the object's label's and its namespace's, looked up by
  // key and taken in the gateway map's (key) order.
  std::set<std::string> keys;
  if (obj) keys.insert((objns ? *objns : ns) + "/" + *obj);
  if (nsv) keys.insert((nsns ? *nsns : ns) + "/" + *nsv);
  for (const std::string& key : keys) {
    auto it = cl.gateways.find(key);
    if (it == cl.gateways.end()) continue;
    const Gateway& gw = it->second;
    if (gw.role == GatewayRole::kRemote) continue;
    z3::expr b = BoundTo(ci, labels, ns, for_service, is_gateway_holder, gw,
                         own_namespace_only);
    per->push_back({&gw, b});
    any = any || b;
  }
  return any;
}

namespace {

// A source's fields only an Envoy reads: request principals (§16.4: those
// its RequestAuthentications accept; none: requestPrincipals never match,
// notRequestPrincipals do), trust domains (§8.7, 1.30+) and remote
// addresses. `tcp_wide` widens what a TCP chain cannot read (§8.6).
z3::expr SourceEnvoyTerms(
    z3::context& c, const PolicySource& s, const Attrs& a,
    const std::function<z3::expr(const z3::expr&)>& tcp_wide) {
  z3::expr sm = c.bool_val(true);
  if (!s.request_principals.empty())
    sm = sm && tcp_wide(AnyRequestPrincipal(c, s.request_principals, a));
  if (!s.not_request_principals.empty())
    sm = sm && !AnyRequestPrincipal(c, s.not_request_principals, a);
  if (a.td_in && !s.trust_domains.empty()) sm = sm && a.td_in(s.trust_domains);
  if (a.td_in && !s.not_trust_domains.empty())
    sm = sm && !a.td_in(s.not_trust_domains);
  if (!s.remote_ip_blocks.empty()) sm = sm && a.ip_in(s.remote_ip_blocks);
  if (!s.not_remote_ip_blocks.empty())
    sm = sm && !a.ip_in(s.not_remote_ip_blocks);
  return sm;
}

// §8.1: whether a `destination.ip` condition holds for the pod address `ip`.
bool DestIpCondition(const PolicyCondition& w, const std::string& ip) {
  auto any = [&](const std::vector<std::string>& blocks) {
    return std::any_of(blocks.begin(), blocks.end(),
                       [&](const std::string& b) { return IpInBlock(b, ip); });
  };
  return (w.values.empty() || any(w.values)) &&
         (w.not_values.empty() || !any(w.not_values));
}

// §8.6: whether `rule` has a field an Envoy's TCP filter chain cannot read.
bool EnvoyTcpCannotRead(const PolicyRule& rule) {
  bool http_only = false;
  for (const PolicySource& s : rule.from)
    http_only |=
        !s.request_principals.empty() || !s.not_request_principals.empty();
  for (const PolicyOperation& o : rule.to)
    http_only |= !o.hosts.empty() || !o.not_hosts.empty() ||
                 !o.methods.empty() || !o.not_methods.empty() ||
                 !o.paths.empty() || !o.not_paths.empty();
  for (const PolicyCondition& w : rule.when)
    http_only |= w.key.rfind("request.", 0) == 0;
  return http_only;
}

}  // namespace

namespace {
// Whether a source names anything ztunnel reads (§8.2).
bool SourceHasL4Fields(const PolicySource& s) {
  return !s.principals.empty() || !s.not_principals.empty() ||
         !s.service_accounts.empty() || !s.not_service_accounts.empty() ||
         !s.namespaces.empty() || !s.not_namespaces.empty() ||
         !s.ip_blocks.empty() || !s.not_ip_blocks.empty();
}
}  // namespace

// The L4 condition keys are the ones ztunnel can evaluate.
bool RuleHasHttp(const PolicyRule& r) {
  for (const auto& s : r.from)
    if (!s.request_principals.empty() || !s.not_request_principals.empty() ||
        !s.remote_ip_blocks.empty() || !s.not_remote_ip_blocks.empty())
      return true;
  for (const auto& o : r.to)
    if (!o.hosts.empty() || !o.not_hosts.empty() || !o.methods.empty() ||
        !o.not_methods.empty() || !o.paths.empty() || !o.not_paths.empty())
      return true;
  for (const auto& w : r.when)
    if (w.key != "source.ip" && w.key != "source.namespace" &&
        w.key != "source.principal" && w.key != "destination.ip" &&
        w.key != "destination.port")
      return true;
  return false;
}

// One rule as a formula over the request attributes (§8.2 at ztunnel when
// `l4`): ALLOW rules with HTTP attributes never match there; DENY rules lose
// their HTTP parts, and a clause left empty never matches.
z3::expr Slice::RuleMatches(const AuthorizationPolicy& p,
                            const PolicyRule& rule, const Attrs& a, bool l4) {
  if (l4 && RuleHasHttp(rule) && p.action == PolicyAction::kAllow)
    return c_.bool_val(false);
  // §8.6: on a TCP chain a DENY/AUDIT rule loses its HTTP-only fields
  // (tcp_wide: true there) and an ALLOW rule with one is dropped.
  const bool deny_like = p.action != PolicyAction::kAllow;
  auto tcp_wide = [&](const z3::expr& x) {
    return deny_like ? (a.tcp_chain || x) : x;
  };
  const bool http_only = EnvoyTcpCannotRead(rule);
  z3::expr m = c_.bool_val(true);
  if (!rule.from.empty()) {
    AnyOf any(c_);
    bool clause = false;
    for (const PolicySource& s : rule.from) {
      if (l4 && !SourceHasL4Fields(s)) continue;
      clause = true;
      z3::expr sm = SourceL4Terms(c_, s, a);
      if (!l4) sm = sm && SourceEnvoyTerms(c_, s, a, tcp_wide);
      any.Add(sm);
    }
    if (!clause) return c_.bool_val(false);
    m = m && any.Build();
  }
  if (!rule.to.empty()) {
    AnyOf any(c_);
    bool clause = false;
    for (const PolicyOperation& o : rule.to) {
      if (l4 && o.ports.empty() && o.not_ports.empty()) continue;
      clause = true;
      z3::expr om = c_.bool_val(true);
      auto port_in = [&](const std::vector<std::string>& ports) {
        AnyOf e(c_);
        for (const std::string& pt : ports)
          e.Add(a.port == c_.int_val(std::atoi(pt.c_str())));
        return e.Build();
      };
      if (!o.ports.empty()) om = om && port_in(o.ports);
      if (!o.not_ports.empty()) om = om && !port_in(o.not_ports);
      if (!l4) {
        if (!o.methods.empty())
          om = om && tcp_wide(a.http && AnyPattern(c_, o.methods, a.method,
                                                   c_.bool_val(true)));
        if (!o.not_methods.empty())
          om = om && !(a.http && AnyPattern(c_, o.not_methods, a.method,
                                            c_.bool_val(true)));
        if (!o.paths.empty())
          om = om && tcp_wide(a.http && AnyPathPattern(c_, o.paths, a.path));
        if (!o.not_paths.empty())
          om = om && !(a.http && AnyPathPattern(c_, o.not_paths, a.path));
        if (!o.hosts.empty())
          om = om && tcp_wide(a.http && AnyHost(c_, o.hosts, a.host));
        if (!o.not_hosts.empty())
          om = om && !(a.http && AnyHost(c_, o.not_hosts, a.host));
      }
      any.Add(om);
    }
    if (!clause) return c_.bool_val(false);
    m = m && any.Build();
  }
  bool when_clause = rule.when.empty();
  for (const PolicyCondition& w : rule.when) {
    z3::expr val = c_.string_val("");
    z3::expr present = c_.bool_val(true);
    bool ip = false;
    const std::function<z3::expr(const std::vector<std::string>&)>* id_in =
        nullptr;
    // §8.7: source.trustDomain: ztunnel does not read it, an Envoy from
    // 1.30; source.serviceAccount (principal patterns) is an HTTP-level
    // key at ztunnel (below).
    if (w.key == "source.trustDomain") {
      if (l4 || !a.td_in) return c_.bool_val(false);
      when_clause = true;
      if (!w.values.empty()) m = m && a.td_in(w.values);
      if (!w.not_values.empty()) m = m && !a.td_in(w.not_values);
      continue;
    }
    if (w.key == "source.principal" ||
        (!l4 && w.key == "source.serviceAccount")) {
      id_in = &a.principal_in;
    } else if (w.key == "source.namespace") {
      id_in = &a.ns_in;
    } else if (w.key == "destination.port") {
      when_clause = true;
      AnyOf in(c_), out(c_);
      for (const std::string& v : w.values)
        in.Add(a.port == c_.int_val(std::atoi(v.c_str())));
      for (const std::string& v : w.not_values)
        out.Add(a.port == c_.int_val(std::atoi(v.c_str())));
      if (!w.values.empty()) m = m && in.Build();
      if (!w.not_values.empty()) m = m && !out.Build();
      continue;
    } else if (w.key == "source.ip") {
      ip = true;
    } else if (w.key == "destination.ip" && !a.dest_ip.empty()) {
      when_clause = true;  // §8.1: the pod's own address, known here
      if (!DestIpCondition(w, a.dest_ip)) m = c_.bool_val(false);
      continue;
    } else if (l4 && w.key == "destination.ip") {
      continue;  // not encoded (the destination's address is not a term)
    } else if (l4) {
      // §8.2: each condition is a clause of its own; an HTTP one is left
      // empty at ztunnel and never matches, so neither does the rule.
      return c_.bool_val(false);
    } else if (w.key.rfind("request.headers[", 0) == 0) {
      std::string name = w.key.substr(16, w.key.size() - 17);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      val = a.header(name);
      present = a.http && a.has_header(name);
    } else if (w.key == "request.auth.principal") {
      // §16.4: issuer and subject matched apart, as requestPrincipals.
      when_clause = true;
      z3::expr cm = c_.bool_val(true);
      if (!w.values.empty()) cm = cm && AnyRequestPrincipal(c_, w.values, a);
      if (!w.not_values.empty())
        cm = cm && !AnyRequestPrincipal(c_, w.not_values, a);
      m = m && tcp_wide(cm);
      continue;
    } else if (w.key.rfind("request.auth.", 0) == 0 && a.auth) {
      auto [v, p] = a.auth(w.key);
      val = v;
      present = p;
    } else {
      present = c_.bool_val(false);
    }
    when_clause = true;
    z3::expr cm = c_.bool_val(true);
    if (ip) {
      if (!w.values.empty()) cm = cm && a.ip_in(w.values);
      if (!w.not_values.empty()) cm = cm && !a.ip_in(w.not_values);
    } else if (id_in) {
      if (!w.values.empty()) cm = cm && (*id_in)(w.values);
      if (!w.not_values.empty()) cm = cm && !(*id_in)(w.not_values);
    } else {
      if (!w.values.empty()) cm = cm && AnyPattern(c_, w.values, val, present);
      if (!w.not_values.empty())
        cm = cm && !AnyPattern(c_, w.not_values, val, present);
    }
    m = m && (w.key.rfind("request.", 0) == 0 ? tcp_wide(cm) : cm);
  }
  if (!when_clause) return c_.bool_val(false);
  if (!l4 && http_only && !deny_like) m = m && !a.tcp_chain;  // §8.6
  return m;
}

// §8.3: DENY first; with ALLOW policies present, one must match. Each
// policy's part is guarded by its tracking literal, for unsat cores.
z3::expr Slice::Denied(const std::vector<const AuthorizationPolicy*>& policies,
                       const Attrs& a, bool l4) {
  // Flat n-ary disjunctions: a chain one level per policy made Z3 take
  // seconds to delete the context of a slice under thousands of policies.
  AnyOf deny(c_), allow_exists(c_), allow(c_);
  // §8.2: an Envoy given CUSTOM policies of several providers (dry-run ones
  // too) denies what each enforced CUSTOM rule matches, unless
  // PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS.
  std::set<std::string> providers;
  for (const AuthorizationPolicy* p : policies)
    if (p->action == PolicyAction::kCustom) providers.insert(p->provider);
  const bool custom_denies =
      !l4 && providers.size() > 1 &&
      !(a.version.AtLeast(1, 30) &&
        sc_.mesh.istio.Flag("PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS",
                            false));
  for (const AuthorizationPolicy* p : policies) {
    ReadPolicies(p->ns);  // already, by its lookup; kept true here too
    // §8.5: a dry-run policy decides nothing at Envoy, nor at ztunnel from
    // 1.25 (istiod withholds it, or marks it log-only); before 1.25 ztunnel
    // got it as an ordinary policy.
    // From 1.30 a dry-run CUSTOM policy at an Envoy is the exception: its
    // rules are the RBAC filter's enforced ones, of action DENY (builder.go),
    // unless several providers turn the enforced CUSTOM rules into DENYs.
    const bool dry_custom_denies = p->dry_run && !l4 &&
                                   p->action == PolicyAction::kCustom &&
                                   !custom_denies && a.version.AtLeast(1, 30);
    if (p->dry_run && (!l4 || a.version.AtLeastPatch(1, 25, 2)) &&
        !dry_custom_denies)
      continue;
    z3::expr en = Enabled(*p);
    AnyOf rules(c_);
    for (const PolicyRule& r : p->rules) rules.Add(RuleMatches(*p, r, a, l4));
    const z3::expr any_rule = rules.Build();
    if (p->action == PolicyAction::kDeny || dry_custom_denies ||
        (p->action == PolicyAction::kCustom && custom_denies))
      deny.Add(en && any_rule);
    if (p->action == PolicyAction::kAllow) {
      allow_exists.Add(en);
      allow.Add(en && any_rule);
    }
  }
  return deny.Build() || (allow_exists.Build() && !allow.Build());
}

z3::expr Slice::Enabled(const AuthorizationPolicy& p) {
  const std::string key = p.Key();
  auto it = enabled_.find(key);
  if (it != enabled_.end()) return it->second;
  z3::expr v = c_.bool_const(("policy:" + Local(key)).c_str());
  enabled_.emplace(key, v);
  policy_objects_[key] = &p;
  return v;
}

// Selector, namespace and root policies of the destination pod (§8.1); at a
// ztunnel, CUSTOM and AUDIT are never sent.
std::vector<const AuthorizationPolicy*> Slice::PodPolicies(int ci,
                                                           const Workload& w,
                                                           bool ztunnel) {
  std::vector<const AuthorizationPolicy*> out;
  const Cluster& c = sc_.mesh.clusters[ci];
  ReadPolicies(w.ns);
  ReadPolicies(sc_.mesh.istio.root_namespace);
  for (const AuthorizationPolicy& p : c.authorization_policies) {
    if (!p.target_refs.empty()) continue;
    if (p.ns != w.ns && p.ns != sc_.mesh.istio.root_namespace) continue;
    if (p.selector && !SelectorMatches(*p.selector, w.SelectorLabels()))
      continue;
    // §8.1: ztunnel attaches no selector policy without matchLabels.
    if (ztunnel &&
        (p.action == PolicyAction::kCustom ||
         p.action == PolicyAction::kAudit || p.selector_without_labels))
      continue;
    out.push_back(&p);
  }
  // §4.3 PILOT_AUTO_ALLOW_WAYPOINT_POLICY: an ALLOW for the waypoint's service
  // accounts on each workload bound to it.
  if (ztunnel &&
      sc_.mesh.istio.Flag("PILOT_AUTO_ALLOW_WAYPOINT_POLICY", false)) {
    std::set<const Gateway*> wps;
    for (const auto& [key, gw] : c.gateways) {
      bool bound = false;
      Binding wb = WorkloadWaypoint(sc_.mesh, c, w);
      if (wb.waypoint == &gw) bound = true;
      for (size_t si = 0; si < c.services.size() && !bound; ++si) {
        const auto& eps = c.service_endpoints[si];
        if (std::find(eps.begin(), eps.end(), c.workload_by_key.at(w.Key())) ==
            eps.end())
          continue;
        if (ServiceWaypoint(sc_.mesh, c, c.services[si]).waypoint == &gw)
          bound = true;
      }
      if (bound) wps.insert(&gw);
    }
    for (const Gateway* gw : wps) {
      auto p = std::make_unique<AuthorizationPolicy>();
      p->ns = w.ns;
      p->name = "istio_allow_waypoint_" + gw->ns + "_" + gw->name;
      p->synthesized = true;
      PolicyRule r;
      PolicySource src;
      src.principals.push_back(WaypointPrincipal(ci, *gw));
      r.from.push_back(src);
      p->rules.push_back(r);
      out.push_back(p.get());
      synthesized_.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<const AuthorizationPolicy*> Slice::WaypointPolicies(
    int ci, const Gateway& w, const Service* svc) {
  std::vector<const AuthorizationPolicy*> out;
  // §16: an agentgateway waypoint applies no AuthorizationPolicy.
  if (w.agentgateway) return out;
  ReadPolicies(w.ns);
  ReadPolicies(sc_.mesh.istio.root_namespace);
  if (svc) ReadPolicies(svc->ns);
  const IstioVersion v =
      sc_.mesh.clusters[ci].VersionOr(sc_.mesh.istio.version);
  const std::string& root = sc_.mesh.istio.root_namespace;
  for (const AuthorizationPolicy& p :
       sc_.mesh.clusters[ci].authorization_policies) {
    for (const ParentRef& t : p.target_refs) {
      if (!v.AtLeast(1, 25)) {
        // §8.1 before 1.25: istiod's lookup namespaces and matches by name.
        // 1.24: a service's chain reads its namespace alone, a Gateway or
        // the service named there; otherwise (1.22-1.23, and a pod's chain
        // in 1.24) the root's and the waypoint's, a Gateway named so, or
        // (before 1.24) a Service.
        const bool by_svc = v.AtLeast(1, 24) && svc;
        const bool looked_up =
            by_svc ? p.ns == svc->ns : (p.ns == root || p.ns == w.ns);
        const bool named =
            (t.kind == "Gateway" && t.name == w.name) ||
            (svc && t.name == svc->name &&
             (by_svc ? t.kind == svc->kind
                     : !v.AtLeast(1, 24) && t.kind == "Service" &&
                           svc->kind == "Service"));
        if (looked_up && named) {
          out.push_back(&p);
          break;
        }
        continue;
      }
      bool hit = (t.kind == "Gateway" && t.name == w.name && p.ns == w.ns) ||
                 (t.kind == "GatewayClass" && t.name == "istio-waypoint" &&
                  w.role == GatewayRole::kWaypoint &&
                  w.class_name != "gloo-waypoint" &&
                  p.ns == sc_.mesh.istio.root_namespace) ||
                 (svc && t.kind == svc->kind && t.name == svc->name &&
                  p.ns == svc->ns);
      if (hit) {
        out.push_back(&p);
        break;
      }
    }
  }
  return out;
}

void OrderAuthentications(std::vector<const RequestAuthentication*>& ras,
                          const std::string& proxy_ns,
                          const std::string& root) {
  // §16.4: istiod's order: the proxy's namespace, the root namespace, the
  // rest; the oldest first in each, then by name.
  auto key = [&](const RequestAuthentication* p) {
    return std::make_tuple(p->ns == proxy_ns ? 0
                           : p->ns == root   ? 1
                                             : 2,
                           p->creation_timestamp, p->name);
  };
  std::stable_sort(ras.begin(), ras.end(), [&](const auto* a, const auto* b) {
    return key(a) < key(b);
  });
}

std::vector<const RequestAuthentication*> WaypointAuthentications(
    const Mesh& mesh, const Cluster& c, const Gateway& w, const Service* svc) {
  std::vector<const RequestAuthentication*> out;
  if (w.agentgateway) return out;  // §16: nor a RequestAuthentication
  const IstioVersion v = c.VersionOr(mesh.istio.version);
  const std::string& root = mesh.istio.root_namespace;
  for (const RequestAuthentication& ra : c.request_authentications) {
    const bool hit = std::any_of(
        ra.target_refs.begin(), ra.target_refs.end(), [&](const ParentRef& t) {
          if (!v.AtLeast(1, 25)) {
            // §16.4 before 1.25: the root's and the waypoint's namespaces
            // (and from 1.24.2 the service's) hold the policies; a Gateway
            // is named, or the service (from 1.24 in its namespace).
            const bool in_ns =
                ra.ns == root || ra.ns == w.ns ||
                (svc && ra.ns == svc->ns && v.AtLeastPatch(1, 24, 2));
            const bool names_service =
                svc && t.kind == svc->kind && t.name == svc->name &&
                (v.AtLeast(1, 24) ? ra.ns == svc->ns : svc->kind == "Service");
            return in_ns &&
                   ((t.kind == "Gateway" && t.name == w.name) || names_service);
          }
          return (t.kind == "Gateway" && t.name == w.name && ra.ns == w.ns) ||
                 // §8.1: at every Envoy waypoint, whatever its class.
                 (t.kind == "GatewayClass" && t.name == "istio-waypoint" &&
                  w.role == GatewayRole::kWaypoint &&
                  w.class_name != "gloo-waypoint" &&
                  ra.ns == mesh.istio.root_namespace) ||
                 (svc && t.kind == svc->kind && t.name == svc->name &&
                  ra.ns == svc->ns);
        });
    if (hit) out.push_back(&ra);
  }
  OrderAuthentications(out, w.ns, root);
  return out;
}

std::vector<const RequestAuthentication*> PodAuthentications(
    const Mesh& mesh, const Cluster& c, const Workload& w) {
  std::vector<const RequestAuthentication*> out;
  for (const RequestAuthentication& ra : c.request_authentications) {
    if (!ra.target_refs.empty()) continue;
    if (ra.ns != w.ns && ra.ns != mesh.istio.root_namespace) continue;
    if (ra.selector && !SelectorMatches(*ra.selector, w.SelectorLabels()))
      continue;
    out.push_back(&ra);
  }
  OrderAuthentications(out, w.ns, mesh.istio.root_namespace);
  return out;
}

std::shared_ptr<const PrincipalIndex> IndexPrincipals(const Scenario& sc) {
  auto index = std::make_shared<PrincipalIndex>();
  std::set<std::string> all;
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci) {
    const Cluster& c = sc.mesh.clusters[ci];
    index->labelled.emplace_back();
    for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
      const Workload& w = c.workloads[wi];
      all.insert(SpiffePrincipal(w.ns, w.service_account));
      if (FindLabel(w.labels, kLabelUseWaypoint))
        index->labelled.back().push_back(wi);
    }
    for (const auto& [k, gw] : c.gateways)
      all.insert(WaypointPrincipalOf(c, gw));
  }
  for (const std::string& p : all) {
    index->ids.emplace(p, static_cast<int>(index->principals.size()));
    index->principals.push_back(p);
  }
  return index;
}

}  // namespace meshsim::verify
