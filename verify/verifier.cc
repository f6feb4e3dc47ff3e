#include "verify/verifier.h"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "model/binding.h"
#include "model/labels.h"
#include "model/policy.h"
#include "verify/encoding.h"

namespace meshsim {

const char* ProofResultName(ProofResult r) {
  switch (r) {
    case ProofResult::kProved:
      return "proved";
    case ProofResult::kViolated:
      return "violated";
    case ProofResult::kUnknown:
      return "unknown";
  }
  return "?";
}

namespace {

using verify::Attrs;
using verify::Slice;

bool GlobalLabel(const Labels& l) {
  const std::string* v = FindLabel(l, kLabelGlobal);
  return v && *v == "true";
}

// A destination endpoint of a slice.
struct Endpoint {
  int cluster;
  size_t wi;
};

// The formulas of one destination slice.
struct Encoded {
  z3::expr src, ep, port, http, method, path, host;
  z3::expr passes, outcome, intent, valid, self;
  std::vector<Endpoint> eps;
  std::string dest;  // "service shop/cart" or "pod shop/cart-0"
  const Service* svc = nullptr;
  const Workload* pod = nullptr;
  std::vector<std::string> intended;  // the waypoints the destination asks for
};

class Encoder {
 public:
  Encoder(const Scenario& sc, z3::context& c,
          const std::vector<SourceClass>& classes)
      : sc_(sc), c_(c), classes_(classes), slice_(sc, c) {}

  Slice& slice() { return slice_; }

  // ---- shared pieces --------------------------------------------------------
  z3::expr SrcIs(const Encoded& e,
                 const std::function<bool(const SourceClass&)>& pred) {
    z3::expr out = c_.bool_val(false);
    for (size_t k = 0; k < classes_.size(); ++k)
      if (pred(classes_[k]))
        out = out || e.src == c_.int_val(static_cast<int>(k));
    return out;
  }

  // ite over source classes of a per-class string.

  Attrs MakeAttrs(
      const Encoded& e, z3::expr principal, z3::expr has_id, z3::expr ns,
      std::function<z3::expr(const std::vector<std::string>&)> ip_in) {
    return Attrs{principal,
                 has_id,
                 ns,
                 e.port,
                 e.http,
                 e.method,
                 e.path,
                 e.host,
                 ip_in,
                 [this](const std::string& n) {
                   return c_.string_const(("header:" + n).c_str());
                 },
                 [this](const std::string& n) {
                   return c_.bool_const(("has-header:" + n).c_str());
                 }};
  }

  static std::string NsOfPrincipal(const std::string& p) {
    size_t i = p.find("/ns/");
    if (i == std::string::npos) return "";
    size_t j = p.find('/', i + 4);
    return p.substr(i + 4,
                    j == std::string::npos ? std::string::npos : j - i - 4);
  }

  std::string ClassPrincipal(const SourceClass& k) const {
    if (k.kind == "uncaptured") return "";
    return SpiffePrincipal(k.ns, k.service_account);
  }

  std::string ClassIp(const SourceClass& k) const {
    if (k.workload.empty()) return "";
    const Workload* w = sc_.mesh.clusters[k.cluster].FindWorkload(k.workload);
    return w ? w->ip : "";
  }

  // Intent (docs/verification.md): a use-waypoint label (not none) on the
  // object or inherited from its namespace, or an ingress opt-in.
  bool Intent(int ci, const Labels& labels, const std::string& ns,
              std::string* which) const {
    const Labels& nsl = sc_.mesh.clusters[ci].NamespaceLabels(ns);
    const std::string* obj = FindLabel(labels, kLabelUseWaypoint);
    const std::string* nsv = FindLabel(nsl, kLabelUseWaypoint);
    const std::string* v = obj ? obj : nsv;
    if (v && *v != "none") {
      const std::string* wns =
          FindLabel(obj ? labels : nsl, kLabelUseWaypointNamespace);
      *which = (wns ? *wns : ns) + "/" + *v;
      return true;
    }
    return false;
  }

  // The destination's policies and identity-dependent decision at endpoint
  // `e.eps[i]`, given the identity that reaches it.
  z3::expr DeniedAtDestination(const Encoded& e, size_t i, z3::expr principal,
                               z3::expr has_id, z3::expr plaintext) {
    const Endpoint& ep = e.eps[i];
    const Cluster& c = sc_.mesh.clusters[ep.cluster];
    const Workload& w = c.workloads[ep.wi];
    if (w.capture == Capture::kUncaptured || w.kind == "WorkloadEntry")
      return c_.bool_val(false);
    const bool zt = w.capture == Capture::kAmbient;
    auto ns = z3::ite(has_id, NsExpr(principal), c_.string_val(""));
    Attrs a = MakeAttrs(
        e, principal, has_id, ns, [&](const std::vector<std::string>& blocks) {
          // Source address: the peer's; only classes with a pod have one.
          z3::expr out = c_.bool_val(false);
          for (size_t k = 0; k < classes_.size(); ++k) {
            std::string ip = ClassIp(classes_[k]);
            bool in = false;
            for (const std::string& b : blocks)
              in = in || (!ip.empty() && IpInBlock(b, ip));
            if (in) out = out || e.src == c_.int_val(static_cast<int>(k));
          }
          return out;
        });
    z3::expr denied =
        slice_.Denied(slice_.PodPolicies(ep.cluster, w, zt), a, zt);
    if (zt) {
      std::string pa;
      if (PeerAuthenticationMode(sc_.mesh, c, w, &pa) == "STRICT")
        denied = denied || plaintext;
    }
    return denied;
  }

  z3::expr NsExpr(const z3::expr& principal) {
    // The namespace of a principal: the known principals are finite.
    z3::expr out = c_.string_val("");
    for (const std::string& p : known_principals_)
      out = z3::ite(principal == c_.string_val(p),
                    c_.string_val(NsOfPrincipal(p)), out);
    return out;
  }

  void KnowPrincipal(const std::string& p) {
    if (!p.empty()) known_principals_.insert(p);
  }

  // ---- a service reached by its VIP -----------------------------------------
  std::optional<Encoded> ServiceSlice(const std::string& key) {
    std::vector<int> clusters;
    for (size_t ci = 0; ci < sc_.mesh.clusters.size(); ++ci) {
      const Service* s = sc_.mesh.clusters[ci].FindService(key);
      if (s && !s->vips.empty() && !s->external_name)
        clusters.push_back(static_cast<int>(ci));
    }
    if (clusters.empty()) return std::nullopt;
    Encoded e = Fresh("svc:" + key);
    const Service& base = *sc_.mesh.clusters[clusters[0]].FindService(key);
    e.svc = &base;
    e.dest = (base.kind == "Service" ? "service " : "ServiceEntry ") + key;
    auto svc_in = [&](int ci) {
      return sc_.mesh.clusters[ci].FindService(key);
    };
    auto global_in = [&](int ci) {
      const Service* s = svc_in(ci);
      if (!s) return false;
      if (GlobalLabel(s->labels)) return true;
      Binding b = ServiceWaypoint(sc_.mesh, sc_.mesh.clusters[ci], *s);
      return b.waypoint && (GlobalLabel(b.waypoint->labels) ||
                            GlobalLabel(b.waypoint->infrastructure_labels));
    };
    for (int ci : clusters) {
      const Cluster& c = sc_.mesh.clusters[ci];
      size_t si = c.service_by_key.at(key);
      for (size_t wi : c.service_endpoints[si])
        if (c.workloads[wi].ready) e.eps.push_back({ci, wi});
    }
    // Which cluster's view a source class uses (§7.2: its own cluster's
    // Service, else a global one elsewhere), and whether it can reach it.
    std::vector<int> view(classes_.size(), -1);
    for (size_t k = 0; k < classes_.size(); ++k) {
      const SourceClass& cls = classes_[k];
      if (svc_in(cls.cluster)) {
        view[k] = cls.cluster;
      } else {
        for (int ci : clusters)
          if (global_in(ci) && (cls.kind == "ambient")) {
            view[k] = ci;
            break;
          }
      }
      if (cls.kind == "ingress" && !IngressReaches(cls, key)) view[k] = -1;
      if (cls.kind == "uncaptured" && base.kind == "ServiceEntry")
        view[k] = -1;  // kube-proxy
    }
    const bool multi = MultiNetwork();
    // Per cluster view: the binding formulas.
    struct View {
      z3::expr bound;
      std::vector<std::pair<const Gateway*, z3::expr>> per;
      bool ingress_opt_in = false;
    };
    std::map<int, View> views;
    for (int ci : clusters) {
      const Service& s = *svc_in(ci);
      std::vector<std::pair<const Gateway*, z3::expr>> per;
      z3::expr bound = slice_.AnyBound(ci, s.labels, s.ns, true,
                                       IsGatewayService(ci, s), &per);
      views.emplace(ci, View{bound, per, IngressOptIn(ci, s)});
    }
    z3::expr valid = c_.bool_val(false);
    z3::expr passes_local = c_.int_val(0);
    z3::expr failed = c_.bool_val(false);
    z3::expr ew_pass = c_.bool_val(false);
    z3::expr denied_wp = c_.bool_val(false);
    z3::expr remote_no_gw = c_.bool_val(false);
    z3::expr dst_principal = c_.string_val("");
    z3::expr dst_has_id = c_.bool_val(false);
    z3::expr plaintext = c_.bool_val(false);
    const bool interop =
        sc_.mesh.istio.Flag("ENABLE_WAYPOINT_INTEROP",
                            sc_.mesh.istio.distribution == Distribution::kSolo);
    std::vector<z3::expr> pass_terms, fail_terms, deny_terms;
    for (size_t k = 0; k < classes_.size(); ++k) {
      if (view[k] < 0) continue;
      const SourceClass& cls = classes_[k];
      const int vc = view[k];
      const View& v = views.at(vc);
      const Cluster& home = sc_.mesh.clusters[cls.cluster];
      const IstioVersion ver = home.VersionOr(sc_.mesh.istio.version);
      z3::expr is_k = e.src == c_.int_val(static_cast<int>(k));
      // §3.1 / §5 / §6 / §15.1: does this client's first proxy send to the
      // service waypoint?
      z3::expr local = c_.bool_val(false);
      if (cls.kind == "ambient") local = v.bound;
      if (cls.kind == "ingress")
        local = v.bound &&
                c_.bool_val(v.ingress_opt_in &&
                            sc_.mesh.istio.Flag(
                                "ENABLE_INGRESS_WAYPOINT_ROUTING", true));
      if (cls.kind == "sidecar") local = v.bound && c_.bool_val(interop);
      for (size_t i = 0; i < e.eps.size(); ++i) {
        const Endpoint& ep = e.eps[i];
        const Workload& pod = sc_.mesh.clusters[ep.cluster].workloads[ep.wi];
        const bool same_cluster = ep.cluster == cls.cluster;
        const bool same_network = pod.network == home.network;
        // Which endpoints this client's data plane may pick.
        bool reach = same_cluster || (global_in(vc) && global_in(ep.cluster));
        if (cls.kind == "uncaptured") reach = same_cluster;
        if (cls.kind == "sidecar") reach = reach && same_network;
        if (!same_network && !multi) reach = false;
        if (!same_network && cls.kind == "ingress")
          reach = reach && ver.AtLeast(1, 30) &&
                  sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_INGRESS",
                                      false);
        if (!reach) continue;
        z3::expr here = is_k && e.ep == c_.int_val(static_cast<int>(i));
        // A pre-1.28 waypoint does not route to other networks.
        z3::expr ok = c_.bool_val(true);
        if (!same_network &&
            !(ver.AtLeast(1, 28) &&
              sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK_WAYPOINT",
                                  true)))
          ok = !local;
        valid = valid || (here && ok);
        // §7.2: the east-west gateway of the endpoint's network decides by
        // the x-istio-source header and its own cluster's binding.
        z3::expr ew = c_.bool_val(false);
        if (!same_network) {
          if (!HasEastWest(pod.network)) remote_no_gw = remote_no_gw || here;
          const Service* rs = svc_in(ep.cluster);
          if (rs) {
            const View& rv = views.at(ep.cluster);
            const IstioVersion bver =
                sc_.mesh.clusters[ep.cluster].VersionOr(sc_.mesh.istio.version);
            z3::expr header_waypoint =
                local ||
                c_.bool_val(cls.kind == "ingress" && !ver.AtLeast(1, 31));
            z3::expr header_gateway =
                !local &&
                c_.bool_val(cls.kind == "ingress" && ver.AtLeast(1, 31));
            z3::expr to_wp =
                c_.bool_val(!bver.AtLeast(1, 28)) ||
                (!header_waypoint &&
                 z3::ite(header_gateway,
                         c_.bool_val(bver.AtLeast(1, 31) && rv.ingress_opt_in),
                         c_.bool_val(true)));
            ew = rv.bound && to_wp;
            for (const auto& [gw, b] : rv.per) {
              // E/W uses its own cluster's replicas only (§3.6: fail closed).
              if (!LocalReady(ep.cluster, *gw))
                fail_terms.push_back(here && ew && b);
              deny_terms.push_back(
                  here && ew && b &&
                  WaypointDenies(e, ep.cluster, *gw, rs, ClientPrincipal(cls)));
            }
          }
        }
        ew_pass = ew_pass || (here && ew);
        pass_terms.push_back(here && local);
        for (const auto& [gw, b] : v.per) {
          if (!slice_.Healthy(vc, *gw))
            fail_terms.push_back(here && local && b);
          deny_terms.push_back(
              here && local && b &&
              WaypointDenies(e, vc, *gw, svc_in(vc), ClientPrincipal(cls)));
        }
        // The identity the destination sees (§8.1): the last waypoint's, else
        // the gateway's or the client's; plaintext from uncaptured clients.
        z3::expr p = c_.string_val(ClassPrincipal(cls));
        z3::expr has = c_.bool_val(cls.kind != "uncaptured");
        KnowPrincipal(ClassPrincipal(cls));
        for (const auto& [gw, b] : v.per) {
          KnowPrincipal(slice_.WaypointPrincipal(vc, *gw));
          p = z3::ite(local && b,
                      c_.string_val(slice_.WaypointPrincipal(vc, *gw)), p);
          has = has || (local && b);
        }
        if (!same_network && svc_in(ep.cluster)) {
          for (const auto& [gw, b] : views.at(ep.cluster).per) {
            KnowPrincipal(slice_.WaypointPrincipal(ep.cluster, *gw));
            p = z3::ite(
                ew && b,
                c_.string_val(slice_.WaypointPrincipal(ep.cluster, *gw)), p);
            has = has || (ew && b);
          }
        }
        dst_principal = z3::ite(here, p, dst_principal);
        dst_has_id = z3::ite(here, has, dst_has_id);
      }
    }
    for (const auto& t : pass_terms)
      passes_local = passes_local + z3::ite(t, c_.int_val(1), c_.int_val(0));
    for (const auto& t : fail_terms) failed = failed || t;
    for (const auto& t : deny_terms) denied_wp = denied_wp || t;
    failed = failed || remote_no_gw;
    plaintext = !dst_has_id;
    z3::expr denied_dst = c_.bool_val(false);
    for (size_t i = 0; i < e.eps.size(); ++i)
      denied_dst = denied_dst || (e.ep == c_.int_val(static_cast<int>(i)) &&
                                  DeniedAtDestination(e, i, dst_principal,
                                                      dst_has_id, plaintext));
    e.passes = passes_local + z3::ite(ew_pass, c_.int_val(1), c_.int_val(0));
    e.outcome =
        z3::ite(failed, c_.int_val(2),
                z3::ite(denied_wp || denied_dst, c_.int_val(1), c_.int_val(0)));
    e.valid = valid;
    if (!base.ports.empty()) {
      z3::expr in = c_.bool_val(false);
      for (const ServicePort& sp : base.ports)
        in = in || e.port == c_.int_val(sp.port);
      e.valid = e.valid && in;
    }
    // Intent: the destination pod, through any service that selects it.
    e.intent = c_.bool_val(false);
    std::set<std::string> intended;
    for (size_t i = 0; i < e.eps.size(); ++i) {
      std::string which;
      if (PodIntent(e.eps[i], &which)) {
        e.intent = e.intent || e.ep == c_.int_val(static_cast<int>(i));
        intended.insert(which);
      }
    }
    e.intended.assign(intended.begin(), intended.end());
    return e;
  }

  // ---- a pod reached by its IP ----------------------------------------------
  std::optional<Encoded> PodSlice(int cp, size_t pwi) {
    const Cluster& c = sc_.mesh.clusters[cp];
    const Workload& p = c.workloads[pwi];
    if (!p.ready || p.role != WorkloadRole::kApplication ||
        p.ip.rfind("node:", 0) == 0)
      return std::nullopt;
    Encoded e = Fresh("pod:" + c.name + "/" + p.Key());
    e.pod = &p;
    e.dest = "pod " + p.Key();
    e.eps.push_back({cp, pwi});
    std::vector<std::pair<const Gateway*, z3::expr>> per;
    slice_.AnyBound(cp, p.labels, p.ns, false, !p.gateway.empty(), &per);
    z3::expr valid = c_.bool_val(false);
    z3::expr passes = c_.int_val(0);
    z3::expr failed = c_.bool_val(false);
    z3::expr denied_wp = c_.bool_val(false);
    z3::expr self = c_.bool_val(false);
    z3::expr principal = c_.string_val("");
    z3::expr has_id = c_.bool_val(false);
    for (size_t k = 0; k < classes_.size(); ++k) {
      const SourceClass& cls = classes_[k];
      if (cls.kind == "ingress") continue;  // ingress reaches services only
      if (sc_.mesh.clusters[cls.cluster].network != p.network) continue;
      z3::expr is_k = e.src == c_.int_val(static_cast<int>(k));
      valid = valid || is_k;
      if (cls.workload ==
          p.Key()) {  // §3.2: calls to one's own pod IP are not captured
        self = self || is_k;
        continue;
      }
      KnowPrincipal(ClassPrincipal(cls));
      z3::expr pr = c_.string_val(ClassPrincipal(cls));
      z3::expr has = c_.bool_val(cls.kind != "uncaptured");
      if (cls.kind == "ambient") {
        for (const auto& [gw, b] : per) {
          // §3.5: a source that is an instance of the waypoint is not sent
          // back.
          if (cls.gateway == gw->Key()) continue;
          passes = passes + z3::ite(is_k && b, c_.int_val(1), c_.int_val(0));
          if (!slice_.Healthy(cp, *gw)) failed = failed || (is_k && b);
          denied_wp = denied_wp || (is_k && b &&
                                    WaypointDenies(e, cp, *gw, nullptr,
                                                   ClientPrincipal(cls)));
          KnowPrincipal(slice_.WaypointPrincipal(cp, *gw));
          pr = z3::ite(b, c_.string_val(slice_.WaypointPrincipal(cp, *gw)), pr);
          has = has || b;
        }
      }
      principal = z3::ite(is_k, pr, principal);
      has_id = z3::ite(is_k, has, has_id);
    }
    e.valid = valid && e.ep == c_.int_val(0);
    e.self = self;
    // Requests go to ports the pod declares or its services target; any port
    // when none is declared.
    std::set<int> ports;
    for (const ContainerPort& cp : p.ports) ports.insert(cp.port);
    for (size_t si = 0; si < c.services.size(); ++si) {
      const auto& eps = c.service_endpoints[si];
      if (std::find(eps.begin(), eps.end(), pwi) == eps.end()) continue;
      for (const ServicePort& sp : c.services[si].ports)
        if (sp.target_port)
          ports.insert(sp.target_port);
        else if (sp.target_port_name.empty())
          ports.insert(sp.port);
    }
    if (!ports.empty()) {
      z3::expr in = c_.bool_val(false);
      for (int pt : ports) in = in || e.port == c_.int_val(pt);
      e.valid = e.valid && in;
    }
    e.passes = passes;
    z3::expr denied_dst = DeniedAtDestination(e, 0, principal, has_id, !has_id);
    e.outcome = z3::ite(self, c_.int_val(0),
                        z3::ite(failed, c_.int_val(2),
                                z3::ite(denied_wp || denied_dst, c_.int_val(1),
                                        c_.int_val(0))));
    std::string which;
    e.intent = c_.bool_val(PodIntent(e.eps[0], &which));
    if (!which.empty()) e.intended = {which};
    return e;
  }

 private:
  Encoded Fresh(const std::string& tag) {
    return Encoded{c_.int_const(("src@" + tag).c_str()),
                   c_.int_const(("ep@" + tag).c_str()),
                   c_.int_const(("port@" + tag).c_str()),
                   c_.bool_const(("http@" + tag).c_str()),
                   c_.string_const(("method@" + tag).c_str()),
                   c_.string_const(("path@" + tag).c_str()),
                   c_.string_const(("host@" + tag).c_str()),
                   c_.int_val(0),
                   c_.int_val(0),
                   c_.bool_val(false),
                   c_.bool_val(false),
                   c_.bool_val(false),
                   {},
                   "",
                   nullptr,
                   nullptr,
                   {}};
  }

  std::string ClientPrincipal(const SourceClass& k) const {
    return ClassPrincipal(k);
  }

  z3::expr WaypointDenies(const Encoded& e, int ci, const Gateway& gw,
                          const Service* svc, const std::string& client) {
    auto policies = slice_.WaypointPolicies(ci, gw, svc);
    if (policies.empty()) return c_.bool_val(false);
    z3::expr p = c_.string_val(client);
    z3::expr has = c_.bool_val(!client.empty());
    Attrs a = MakeAttrs(
        e, p, has, c_.string_val(NsOfPrincipal(client)),
        [this](const std::vector<std::string>&) { return c_.bool_val(false); });
    return slice_.Denied(policies, a, false);
  }

  bool MultiNetwork() const {
    std::set<std::string> nets;
    for (const Cluster& c : sc_.mesh.clusters) nets.insert(c.network);
    return nets.size() > 1 &&
           sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", true);
  }

  bool HasEastWest(const std::string& network) const {
    for (const Cluster& c : sc_.mesh.clusters)
      for (const auto& [k, g] : c.gateways)
        if (g.role == GatewayRole::kEastWest && g.network == network) {
          auto it = c.gateway_pods.find(k);
          if (it == c.gateway_pods.end()) continue;
          for (size_t wi : it->second)
            if (c.workloads[wi].ready) return true;
        }
    return false;
  }

  bool LocalReady(int ci, const Gateway& gw) const {
    const Cluster& c = sc_.mesh.clusters[ci];
    auto it = c.gateway_pods.find(gw.Key());
    if (it == c.gateway_pods.end()) return false;
    for (size_t wi : it->second)
      if (c.workloads[wi].ready) return true;
    return false;
  }

  bool IsGatewayService(int ci, const Service& s) const {
    if (FindLabel(s.labels, kLabelGatewayManaged)) return true;
    const std::string* g = FindLabel(s.labels, kLabelGatewayName);
    return g && sc_.mesh.clusters[ci].FindGateway(s.ns + "/" + *g);
  }

  // §5: ingress-use-waypoint on the Service/ServiceEntry, else its
  // Namespace, with the release gates; Go's ParseBool.
  bool IngressOptIn(int ci, const Service& s) const {
    const IstioVersion ver =
        sc_.mesh.clusters[ci].VersionOr(sc_.mesh.istio.version);
    const bool own_ok =
        s.kind == "Service" ? ver.AtLeast(1, 24) : ver.AtLeast(1, 25);
    const std::string* v =
        own_ok ? FindLabel(s.labels, kLabelIngressUseWaypoint) : nullptr;
    if (!v && ver.AtLeast(1, 25))
      v = FindLabel(sc_.mesh.clusters[ci].NamespaceLabels(s.ns),
                    kLabelIngressUseWaypoint);
    return v && ParseGoBool(*v).value_or(false);
  }

  bool IngressReaches(const SourceClass& cls, const std::string& key) const {
    const Cluster& c = sc_.mesh.clusters[cls.cluster];
    const std::string gns = cls.gateway.substr(0, cls.gateway.find('/'));
    const std::string gname = cls.gateway.substr(cls.gateway.find('/') + 1);
    for (const HttpRoute& r : c.routes) {
      bool attached = false;
      for (const ParentRef& p : r.parents)
        attached |= p.kind == "Gateway" && p.ns == gns && p.name == gname;
      if (!attached) continue;
      for (const HttpRouteRule& rule : r.rules)
        for (const BackendRef& b : rule.backends)
          if (b.ns + "/" + b.name == key && b.weight > 0) return true;
    }
    return false;
  }

  bool PodIntent(const Endpoint& ep, std::string* which) const {
    const Cluster& c = sc_.mesh.clusters[ep.cluster];
    const Workload& w = c.workloads[ep.wi];
    if (Intent(ep.cluster, w.labels, w.ns, which)) return true;
    // K12: intent belongs to the workload, not the pod: a sibling pod (same
    // controller, or bare pods with the same app label) that asks for a
    // waypoint makes this pod intended too.
    const std::string* app = FindLabel(w.labels, "app");
    for (const Workload& o : c.workloads) {
      if (&o == &w || o.ns != w.ns || o.role != WorkloadRole::kApplication)
        continue;
      const bool sibling =
          o.owner_kind == "Pod"
              ? (app && FindLabel(o.labels, "app") &&
                 *FindLabel(o.labels, "app") == *app)
              : o.owner == w.owner && o.owner_kind == w.owner_kind;
      if (sibling && FindLabel(o.labels, kLabelUseWaypoint) &&
          Intent(ep.cluster, o.labels, o.ns, which))
        return true;
    }
    for (size_t si = 0; si < c.services.size(); ++si) {
      const auto& eps = c.service_endpoints[si];
      if (std::find(eps.begin(), eps.end(), ep.wi) == eps.end()) continue;
      if (Intent(ep.cluster, c.services[si].labels, c.services[si].ns, which))
        return true;
      if (IngressOptIn(ep.cluster, c.services[si])) {
        *which = "(ingress-use-waypoint)";
        return true;
      }
    }
    return false;
  }

  const Scenario& sc_;
  z3::context& c_;
  const std::vector<SourceClass>& classes_;
  Slice slice_;
  std::set<std::string> known_principals_;
};

}  // namespace

std::vector<SourceClass> SourceClasses(const Scenario& sc) {
  std::vector<SourceClass> out;
  std::set<std::string> seen;
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci) {
    const Cluster& c = sc.mesh.clusters[ci];
    std::vector<const Workload*> pods;
    for (const Workload& w : c.workloads) pods.push_back(&w);
    std::sort(pods.begin(), pods.end(),
              [](const Workload* a, const Workload* b) {
                return a->Key() < b->Key();
              });
    for (const Workload* w : pods) {
      if (w->kind != "Pod" || !w->ready) continue;
      SourceClass k;
      k.cluster = static_cast<int>(ci);
      k.ns = w->ns;
      k.service_account = w->service_account;
      k.workload = w->Key();
      if (w->role == WorkloadRole::kIngress) {
        k.kind = "ingress";
        k.gateway = w->gateway;
        k.id = c.name + "/ingress/" + w->gateway;
      } else if (w->role == WorkloadRole::kApplication) {
        k.kind = w->capture == Capture::kAmbient   ? "ambient"
                 : w->capture == Capture::kSidecar ? "sidecar"
                                                   : "uncaptured";
        // One class per workload: identity, capture and labels decide.
        k.id = c.name + "/" + k.kind + "/" + w->ns + "/" + w->owner;
      } else {
        continue;
      }
      if (seen.insert(k.id).second) out.push_back(k);
    }
    // Any pod the cluster could run outside the mesh (K1): plaintext, no
    // identity.
    SourceClass any;
    any.cluster = static_cast<int>(ci);
    any.kind = "uncaptured";
    any.id = c.name + "/uncaptured/(any pod outside the mesh)";
    if (seen.insert(any.id).second) out.push_back(any);
  }
  return out;
}

namespace {

std::string ClassLabel(const SourceClass& k) {
  if (k.kind == "ingress") return "ingress " + k.gateway;
  if (k.workload.empty()) return "a pod outside the mesh";
  const std::string owner =
      k.id.substr(k.id.rfind('/', k.id.rfind('/') - 1) + 1);
  return (k.kind == "ambient"   ? "ambient workload "
          : k.kind == "sidecar" ? "sidecar workload "
                                : "uncaptured workload ") +
         owner;
}

std::string FixFor(const SourceClass& k, const Encoded& e) {
  if (e.pod)
    return "bind the pods themselves (istio.io/use-waypoint with a waypoint of "
           "type workload or all), "
           "or allow only the waypoint's principal at the destination (§4.3)";
  if (k.kind == "ingress")
    return "label the service istio.io/ingress-use-waypoint=true, or allow "
           "only the waypoint's "
           "principal at the destination (§4.3)";
  if (k.kind == "sidecar")
    return "move the client to ambient, or allow only the waypoint's principal "
           "at the destination (§4.3)";
  if (k.kind == "uncaptured")
    return "enrol the client in ambient, or allow only the waypoint's "
           "principal at the destination "
           "(§4.3; STRICT PeerAuthentication also refuses plaintext)";
  return "make the binding valid (a programmed waypoint of the right "
         "istio.io/waypoint-for, "
         "admitted by allowedRoutes), and allow only the waypoint's principal "
         "at the destination (§4.3)";
}

struct Query {
  ProofResult result;
  std::string reason;
  std::optional<z3::model> model;
  std::vector<std::string> core;
};

Query Check(z3::solver& s, const std::vector<z3::expr>& assumptions) {
  Query q;
  z3::expr_vector av(s.ctx());
  for (const auto& a : assumptions) av.push_back(a);
  z3::check_result r;
  try {
    r = s.check(av);
  } catch (const z3::exception& ex) {
    q.result = ProofResult::kUnknown;
    q.reason = ex.msg();
    return q;
  }
  if (r == z3::sat) {
    q.result = ProofResult::kViolated;
    q.model = s.get_model();
  } else if (r == z3::unsat) {
    q.result = ProofResult::kProved;
    z3::expr_vector core = s.unsat_core();
    for (unsigned i = 0; i < core.size(); ++i) {
      std::string n = core[i].to_string();
      if (n.rfind("|policy:", 0) == 0) n = n.substr(1, n.size() - 2);
      if (n.rfind("policy:", 0) == 0) q.core.push_back(n.substr(7));
    }
  } else {
    q.result = ProofResult::kUnknown;
    q.reason = s.reason_unknown();
  }
  return q;
}

}  // namespace

// Lint findings (no solver): docs/verification.md lists each.
void Lint(const Scenario& sc, VerifyResult& out) {
  std::set<std::string> waypoint_clusters_missing;
  for (const Cluster& c : sc.mesh.clusters) {
    auto objects_of = [&](const std::string& kind, const std::string& name,
                          const SourceLocation& loc) {
      return std::vector<FindingObject>{{kind, name, loc}};
    };
    for (const Service& s : c.services) {
      Binding b = ServiceWaypoint(sc.mesh, c, s);
      const std::string subj =
          (s.kind == "Service" ? "service " : "ServiceEntry ") + s.Key();
      auto add = [&](const std::string& rule, const std::string& fix) {
        Finding f;
        f.rule = rule;
        f.severity = "warning";
        f.message = b.why;
        f.cluster = c.name;
        f.objects = objects_of(
            s.kind, s.Key(),
            b.label_location.Known() ? b.label_location : s.location);
        f.fix = fix;
        out.findings.push_back(f);
      };
      if (b.status == BindingStatus::kNotReady)
        add("dangling-use-waypoint",
            "create the waypoint Gateway " + b.requested + " or fix the label");
      if (b.status == BindingStatus::kUnsupportedTrafficType)
        add("waypoint-for-mismatch",
            "set istio.io/waypoint-for: service (or all) on the waypoint");
      if (b.status == BindingStatus::kAttachmentDenied)
        add("waypoint-attachment-denied",
            "allow namespace " + s.ns + " in the waypoint's allowedRoutes");
      if (b.waypoint) {
        // §3.6, K17: bound and valid, but no ready replica anywhere it may use.
        bool ready = false;
        auto it = c.gateway_pods.find(b.waypoint->Key());
        if (it != c.gateway_pods.end())
          for (size_t wi : it->second) ready = ready || c.workloads[wi].ready;
        if (!ready && !(GlobalLabel(b.waypoint->labels) ||
                        GlobalLabel(b.waypoint->infrastructure_labels)))
          add("waypoint-unavailable",
              "waypoint " + b.waypoint->Key() +
                  " has no ready replica: every request to " + s.Key() +
                  " fails closed (§3.6, K17); scale it up");
      }
      if (b.waypoint && b.waypoint->class_name == "gloo-waypoint") {
        std::string iwhy;
        if (sc.mesh.clusters.size() > 1)
          add("gloo-waypoint-unsupported",
              "Gloo Gateway waypoints are supported only in single-cluster "
              "meshes (§15)");
        if (IngressUsesWaypoint(sc.mesh, c, s, b, &iwhy))
          add("gloo-waypoint-unsupported",
              "istio.io/ingress-use-waypoint is not supported with Gloo "
              "Gateway waypoints (§15)");
      }
      // §7.2: a global service whose waypoint is missing in another cluster.
      if (b.waypoint && (GlobalLabel(s.labels) ||
                         GlobalLabel(b.waypoint->infrastructure_labels))) {
        for (const Cluster& o : sc.mesh.clusters) {
          if (&o == &c) continue;
          const Service* os = o.FindService(s.Key());
          if (!os) continue;
          Binding ob = ServiceWaypoint(sc.mesh, o, *os);
          if (!ob.waypoint &&
              waypoint_clusters_missing.insert(o.name + s.Key()).second) {
            Finding f;
            f.rule = "waypoint-missing-in-cluster";
            f.severity = "warning";
            f.message = subj + " is bound to waypoint " + b.waypoint->Key() +
                        " in cluster " + c.name + " but to none in cluster " +
                        o.name +
                        ": requests that land there skip it (§7.2, K13)";
            f.cluster = o.name;
            f.objects = {{os->kind, os->Key(), os->location}};
            f.fix =
                "deploy the waypoint and the use-waypoint label in every "
                "cluster that runs the service";
            out.findings.push_back(f);
          }
        }
      }
    }
    for (const Workload& w : c.workloads) {
      if (w.role != WorkloadRole::kApplication ||
          !FindLabel(w.labels, kLabelUseWaypoint))
        continue;
      Binding b = WorkloadWaypoint(sc.mesh, c, w);
      if (b.status == BindingStatus::kNotReady ||
          b.status == BindingStatus::kUnsupportedTrafficType ||
          b.status == BindingStatus::kAttachmentDenied) {
        Finding f;
        f.rule = b.status == BindingStatus::kNotReady ? "dangling-use-waypoint"
                 : b.status == BindingStatus::kUnsupportedTrafficType
                     ? "waypoint-for-mismatch"
                     : "waypoint-attachment-denied";
        f.severity = "warning";
        f.message = b.why;
        f.cluster = c.name;
        f.objects = {
            {w.kind, w.Key(),
             b.label_location.Known() ? b.label_location : w.location}};
        out.findings.push_back(f);
      }
    }
    for (const HttpRoute& r : c.routes) {
      for (const ParentRef& p : r.parents) {
        if (p.kind != "Service" && p.kind != "ServiceEntry") continue;
        const Service* s = c.FindService(p.ns + "/" + p.name);
        if (!s) continue;
        Binding b = ServiceWaypoint(sc.mesh, c, *s);
        if (b.status == BindingStatus::kAccepted) {
          // K11: a route at this waypoint to another service with its own
          // waypoint.
          for (const HttpRouteRule& rule : r.rules)
            for (const BackendRef& be : rule.backends) {
              const Service* bs = c.FindService(be.ns + "/" + be.name);
              if (!bs || bs == s) continue;
              Binding bb = ServiceWaypoint(sc.mesh, c, *bs);
              if (bb.waypoint && bb.waypoint != b.waypoint) {
                Finding f;
                f.rule = "waypoint-bypass";
                f.severity = "error";
                f.message = "HTTPRoute " + r.Key() + " at waypoint " +
                            b.waypoint->Key() + " sends to " + bs->Key() +
                            ", whose waypoint " + bb.waypoint->Key() +
                            " a waypoint never forwards to: those requests "
                            "skip it (§3.7, K11)";
                f.cluster = c.name;
                f.objects = {{"HTTPRoute", r.Key(), be.location},
                             {bs->kind, bs->Key(), bs->location}};
                f.fix =
                    "route to a service served by the same waypoint, or "
                    "apply " +
                    bb.waypoint->Key() + "'s policies at " + b.waypoint->Key() +
                    " too";
                out.findings.push_back(f);
              }
            }
          continue;
        }
        Finding f;
        f.rule = "route-not-respected";
        f.severity = "warning";
        f.message = "HTTPRoute " + r.Key() + " is attached to " + s->Key() +
                    ", which has no waypoint: ambient clients ignore it (§9)";
        f.cluster = c.name;
        f.objects = {{"HTTPRoute", r.Key(), p.location}};
        f.fix = "bind " + s->Key() + " to a waypoint (istio.io/use-waypoint)";
        out.findings.push_back(f);
      }
    }
    for (const AuthorizationPolicy& p : c.authorization_policies) {
      if (!p.selector || p.target_refs.size()) continue;
      bool http = false;
      for (const PolicyRule& r : p.rules) http = http || verify::RuleHasHttp(r);
      if (!http || p.action == "CUSTOM" || p.action == "AUDIT") continue;
      Finding f;
      f.rule = "l7-policy-without-waypoint";
      f.severity = "warning";
      f.message = "AuthorizationPolicy " + p.Key() + " (" + p.action +
                  ") selects workloads by label and has HTTP attributes: "
                  "ztunnel enforces it at L4 only, "
                  "where an ALLOW rule with HTTP attributes never matches "
                  "(deny-all) and an L7-only DENY "
                  "is a no-op (§8.2, K19)";
      f.cluster = c.name;
      f.objects = {{"AuthorizationPolicy", p.Key(), p.location}};
      f.fix =
          "attach it to the waypoint with targetRefs (Gateway or Service) and "
          "bind the workloads";
      out.findings.push_back(f);
    }
    for (const Diagnostic& d : sc.mesh.notes) {
      if (d.message.find("use-waypoint=auto") == std::string::npos) continue;
      Finding f;
      f.rule = "auto-waypoint-collision";
      f.severity = "warning";
      f.message = d.message;
      f.objects = {{"Service", "", d.location}};
      f.fix =
          "label either the namespace or its services with "
          "istio.io/use-waypoint=auto, not both";
      out.findings.push_back(f);
    }
    // K15 / §15: L7 of the same kind at both tiers.
    for (const auto& [gk, gw] : c.gateways) {
      if (gw.role != GatewayRole::kIngress) continue;
      for (const HttpRoute& r : c.routes) {
        bool attached = false;
        for (const ParentRef& p : r.parents)
          attached |= p.kind == "Gateway" && p.ns == gw.ns && p.name == gw.name;
        if (!attached) continue;
        for (const HttpRouteRule& rule : r.rules) {
          for (const BackendRef& be : rule.backends) {
            const Service* s = c.FindService(be.ns + "/" + be.name);
            if (!s) continue;
            Binding b = ServiceWaypoint(sc.mesh, c, *s);
            std::string iwhy;
            if (!IngressUsesWaypoint(sc.mesh, c, *s, b, &iwhy)) continue;
            bool ingress_l7 = rule.backends.size() > 1 || !rule.filters.empty();
            bool waypoint_l7 = false;
            for (const HttpRoute& mr : c.routes)
              for (const ParentRef& p : mr.parents)
                waypoint_l7 |=
                    (p.kind == "Service" && p.ns == s->ns && p.name == s->name);
            if (!(ingress_l7 && waypoint_l7)) continue;
            Finding f;
            f.rule = "double-l7";
            f.severity = "warning";
            f.message = "requests from ingress " + gw.Key() + " to " +
                        s->Key() + " get routing at both tiers: HTTPRoute " +
                        r.Key() + " at the ingress and the " +
                        "service's routes at waypoint " + b.waypoint->Key() +
                        " (K15, §15)";
            f.cluster = c.name;
            f.objects = {{"HTTPRoute", r.Key(), rule.location}};
            f.fix =
                "keep only backend selection at the gateway and the rest at "
                "the waypoint";
            out.findings.push_back(f);
          }
        }
      }
    }
  }
}

VerifyResult Verify(const Scenario& sc, const VerifyOptions& options) {
  VerifyResult out;
  auto wanted = [&](const std::string& p) {
    return options.properties.empty() ||
           std::find(options.properties.begin(), options.properties.end(), p) !=
               options.properties.end();
  };
  const std::vector<SourceClass> all_classes = SourceClasses(sc);
  // Slicing (as Minesweeper did): one query per destination, with the
  // sources reduced to those that can behave differently for it, and pods
  // of one workload checked once (docs/verification.md).
  struct SliceSpec {
    bool service;
    std::string key;
    int cluster;
    size_t wi;
    size_t weight;
  };
  std::vector<SliceSpec> specs;
  std::set<std::string> svc_keys;
  for (const Cluster& c : sc.mesh.clusters)
    for (const Service& s : c.services) svc_keys.insert(s.Key());
  for (const std::string& k : svc_keys) specs.push_back({true, k, 0, 0, 1});
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci) {
    std::map<std::string, size_t>
        group;  // pods of one workload with the same labels
    const Cluster& c = sc.mesh.clusters[ci];
    for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
      const Workload& w = c.workloads[wi];
      std::string key = w.ns + "|" + w.owner_kind + "|" + w.owner + "|" +
                        w.network + "|" +
                        std::to_string(static_cast<int>(w.capture)) + "|" +
                        (w.ready ? "r" : "n");
      for (const auto& [k, v] : w.labels) key += "|" + k + "=" + v;
      for (const ContainerPort& cp : w.ports)
        key += "|" + std::to_string(cp.port);
      auto [it, fresh] = group.emplace(key, specs.size());
      if (fresh) {
        specs.push_back({false, "", static_cast<int>(ci), wi, 1});
      } else {
        ++specs[it->second].weight;
      }
    }
  }
  // Principal and address patterns any policy can test: sources that match
  // the same ones are interchangeable.
  std::vector<std::string> patterns, blocks;
  for (const Cluster& c : sc.mesh.clusters)
    for (const AuthorizationPolicy& p : c.authorization_policies)
      for (const PolicyRule& r : p.rules) {
        for (const PolicySource& src : r.from) {
          for (const auto* v : {&src.principals, &src.not_principals})
            patterns.insert(patterns.end(), v->begin(), v->end());
          for (const auto* v : {&src.namespaces, &src.not_namespaces})
            for (const std::string& n : *v) patterns.push_back("ns:" + n);
          for (const auto* v :
               {&src.ip_blocks, &src.not_ip_blocks, &src.remote_ip_blocks,
                &src.not_remote_ip_blocks})
            blocks.insert(blocks.end(), v->begin(), v->end());
        }
        for (const PolicyCondition& w : r.when) {
          if (w.key == "source.principal")
            patterns.insert(patterns.end(), w.values.begin(), w.values.end());
          if (w.key == "source.namespace")
            for (const std::string& n : w.values) patterns.push_back("ns:" + n);
          if (w.key == "source.ip")
            blocks.insert(blocks.end(), w.values.begin(), w.values.end());
        }
      }
  auto reduce = [&](const std::string& self_pod, int self_cluster) {
    std::vector<SourceClass> out;
    std::set<std::string> seen;
    for (const SourceClass& k : all_classes) {
      std::string key =
          std::to_string(k.cluster) + "|" + k.kind + "|" + k.gateway + "|" +
          (k.cluster == self_cluster && k.workload == self_pod ? "self" : "");
      const std::string principal =
          k.kind == "uncaptured" ? ""
                                 : SpiffePrincipal(k.ns, k.service_account);
      for (const std::string& p : patterns) {
        bool m =
            p.rfind("ns:", 0) == 0
                ? (!principal.empty() && IstioStringMatch(p.substr(3), k.ns))
                : (!principal.empty() && IstioStringMatch(p, principal));
        key += m ? "1" : "0";
      }
      if (!blocks.empty()) {
        const Workload* w =
            k.workload.empty()
                ? nullptr
                : sc.mesh.clusters[k.cluster].FindWorkload(k.workload);
        for (const std::string& b : blocks)
          key += (w && IpInBlock(b, w->ip)) ? "1" : "0";
      }
      if (seen.insert(key).second) out.push_back(k);
    }
    return out;
  };

  PropertyResult bypass{"waypoint-bypass"}, dbl{"waypoint-double-pass"},
      exposure{"fail-open-exposure"};
  std::set<std::string> core;
  std::map<std::string, size_t> reported, suppressed;
  // Contexts are shared by batches of slices: creating one costs more than
  // most queries, but one context for everything keeps every term alive and
  // slows term construction down as the mesh grows.
  constexpr size_t kSlicesPerContext = 32;
  std::unique_ptr<z3::context> ctx_holder;
  size_t slice_index = 0;
  for (const SliceSpec& spec : specs) {
    if (slice_index++ % kSlicesPerContext == 0) {
      ctx_holder.reset();
      ctx_holder = std::make_unique<z3::context>();
    }
    z3::context& ctx = *ctx_holder;
    z3::params params(ctx);
    params.set("rlimit", options.rlimit);
    const Workload* self_pod =
        spec.service ? nullptr
                     : &sc.mesh.clusters[spec.cluster].workloads[spec.wi];
    std::vector<SourceClass> classes =
        reduce(self_pod ? self_pod->Key() : "", spec.cluster);
    Encoder enc(sc, ctx, classes);
    std::optional<Encoded> built = spec.service
                                       ? enc.ServiceSlice(spec.key)
                                       : enc.PodSlice(spec.cluster, spec.wi);
    if (!built) continue;
    const Encoded& e = *built;
    {
      const size_t pairs =
          classes.size() * std::max<size_t>(1, e.eps.size()) * spec.weight;
      z3::solver s(ctx);
      s.set(params);
      s.add(e.valid);
      s.add(e.ep >= 0 && e.ep < ctx.int_val(static_cast<int>(
                                    std::max<size_t>(1, e.eps.size()))));
      s.add(e.port >= 1 && e.port <= 65535);
      std::vector<z3::expr> all_on, nothing_deleted;
      for (const auto& [k, v] : enc.slice().enabled()) all_on.push_back(v);
      for (const auto& [k, v] : enc.slice().deleted())
        nothing_deleted.push_back(!v);
      auto decode = [&](const z3::model& m, const std::string& rule,
                        const std::string& severity, const std::string& what) {
        Finding f;
        f.rule = rule;
        f.severity = severity;
        const int k = m.eval(e.src, true).get_numeral_int();
        const int i = m.eval(e.ep, true).get_numeral_int();
        const SourceClass& cls = classes[static_cast<size_t>(
            std::clamp<int>(k, 0, classes.size() - 1))];
        const Endpoint& ep =
            e.eps[static_cast<size_t>(std::clamp<int>(i, 0, e.eps.size() - 1))];
        const Cluster& dc = sc.mesh.clusters[ep.cluster];
        const Workload& pod = dc.workloads[ep.wi];
        f.from = cls.workload.empty()
                     ? ClassLabel(cls)
                     : (cls.kind == "ingress" ? cls.gateway : cls.workload);
        f.from_cluster = sc.mesh.clusters[cls.cluster].name;
        const int port = m.eval(e.port, true).get_numeral_int();
        f.to = e.svc ? e.svc->Hostname() + ":" + std::to_string(port)
                     : pod.ip + ":" + std::to_string(port) + " (pod " +
                           pod.Key() + ")";
        f.cluster = dc.name;
        const bool http = m.eval(e.http, true).is_true();
        if (http)
          f.http = m.eval(e.method, true).get_string() + " " +
                   m.eval(e.path, true).get_string();
        if (cls.kind == "ingress") {
          f.req_from_ingress = cls.gateway;
        } else {
          f.req_from_workload = cls.workload;
        }
        if (e.svc) {
          f.req_to_host = e.svc->Hostname();
        } else {
          f.req_to_pod = pod.Key();
        }
        f.req_port = port;
        if (http) {
          f.req_method = m.eval(e.method, true).get_string();
          f.req_path = m.eval(e.path, true).get_string();
        }
        std::string intended;
        for (const std::string& w : e.intended)
          intended += (intended.empty() ? "" : ", ") + w;
        f.message =
            ClassLabel(cls) + " in cluster " + f.from_cluster + " " + what +
            " " + e.dest + " (pod " + pod.Key() + " in cluster " + dc.name +
            ")" +
            (intended.empty()
                 ? ""
                 : ", whose configuration asks for waypoint " + intended);
        if (e.svc)
          f.objects.push_back({e.svc->kind, e.svc->Key(), e.svc->location});
        f.objects.push_back({pod.kind, pod.Key(), pod.location});
        if (!cls.workload.empty()) {
          const Workload* sw =
              sc.mesh.clusters[cls.cluster].FindWorkload(cls.workload);
          if (sw) f.objects.push_back({"Pod", sw->Key(), sw->location});
        }
        f.fix = FixFor(cls, e);
        // Waypoints the model deleted (fail-open exposure).
        for (const auto& [key, v] : enc.slice().deleted())
          if (m.eval(v, true).is_true())
            f.message += "; when waypoint " + key + " is missing or not ready";
        return f;
      };
      auto run = [&](PropertyResult& pr, z3::expr goal,
                     std::vector<z3::expr> assumptions,
                     const std::string& severity,
                     const std::string& what) -> ProofResult {
        const auto t0 = std::chrono::steady_clock::now();
        s.push();
        s.add(goal);
        Query q = Check(s, assumptions);
        ProofResult first = q.result;
        // One counterexample per kind of client (ambient, sidecar, uncaptured,
        // ingress): each is a different mechanism with a different fix.
        if (q.result == ProofResult::kViolated &&
            reported[pr.name] >= options.max_findings) {
          ++suppressed[pr.name];
          if (pr.result != ProofResult::kUnknown)
            pr.result = ProofResult::kViolated;
          q.result =
              ProofResult::kProved;  // stop here; `first` keeps the verdict
        }
        for (int n = 0; n < 4 && q.result == ProofResult::kViolated; ++n) {
          if (pr.result != ProofResult::kUnknown)
            pr.result = ProofResult::kViolated;
          ++reported[pr.name];
          out.findings.push_back(decode(*q.model, pr.name, severity, what));
          const int k = q.model->eval(e.src, true).get_numeral_int();
          const std::string kind = classes[static_cast<size_t>(std::clamp<int>(
                                               k, 0, classes.size() - 1))]
                                       .kind;
          s.add(!enc.SrcIs(
              e, [&](const SourceClass& c) { return c.kind == kind; }));
          q = Check(s, assumptions);
        }
        s.pop();
        pr.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                .count();
        pr.classes_checked += pairs;
        if (first == ProofResult::kViolated) {
          return first;
        } else if (q.result == ProofResult::kUnknown) {
          pr.result = ProofResult::kUnknown;
          pr.reason = q.reason + " (" + e.dest + ")";
        } else {
          for (const std::string& c : q.core) core.insert(c);
        }
        return first;
      };
      std::vector<z3::expr> assume = all_on;
      assume.insert(assume.end(), nothing_deleted.begin(),
                    nothing_deleted.end());
      ProofResult br = ProofResult::kProved;
      if (wanted("waypoint-bypass"))
        br = run(bypass, e.intent && !e.self && e.outcome == 0 && e.passes == 0,
                 assume, "error", "reaches without any waypoint");
      if (wanted("fail-open-exposure") && br == ProofResult::kProved)
        run(exposure, e.intent && !e.self && e.outcome == 0 && e.passes == 0,
            all_on, "warning", "would reach without any waypoint");
      if (wanted("waypoint-double-pass"))
        run(dbl, e.passes >= 2, assume, "error",
            "passes two waypoints on the way to");
    }
  }
  for (const auto& [name, n] : suppressed) {
    Finding f;
    f.rule = name;
    f.severity = name == "fail-open-exposure" ? "warning" : "error";
    f.message = std::to_string(n) + " more destinations violate " + name +
                " (only the first " + std::to_string(options.max_findings) +
                " counterexamples are reported; raise --max-findings)";
    out.findings.push_back(f);
  }
  bypass.core.assign(core.begin(), core.end());
  // K11 lint findings count against the bypass property too.
  VerifyResult lint;
  Lint(sc, lint);
  for (const Finding& f : lint.findings) {
    if (f.rule == "waypoint-bypass" && bypass.result == ProofResult::kProved)
      bypass.result = ProofResult::kViolated;
    if (wanted(f.rule) || options.properties.empty()) out.findings.push_back(f);
  }
  if (wanted("waypoint-bypass")) out.properties.push_back(bypass);
  if (wanted("waypoint-double-pass")) out.properties.push_back(dbl);
  if (wanted("fail-open-exposure")) out.properties.push_back(exposure);
  if (wanted("double-l7")) {
    PropertyResult d{"double-l7"};
    for (const Finding& f : out.findings)
      if (f.rule == "double-l7") d.result = ProofResult::kViolated;
    out.properties.push_back(d);
  }
  return out;
}

struct OutcomeOracle::Impl {
  explicit Impl(const Scenario& s)
      : sc(s), classes(SourceClasses(s)), enc(s, ctx, classes) {}
  const Scenario& sc;
  z3::context ctx;
  std::vector<SourceClass> classes;
  Encoder enc;
  std::map<std::string, std::optional<Encoded>> slices;
  std::map<std::string, std::unique_ptr<z3::solver>> solvers;
};

OutcomeOracle::OutcomeOracle(const Scenario& scenario)
    : impl_(std::make_unique<Impl>(scenario)) {}
OutcomeOracle::~OutcomeOracle() = default;

EncodedOutcomes OutcomeOracle::Outcomes(const SourceClass& src,
                                        const std::string& to_service,
                                        const std::string& to_pod, int port,
                                        const std::string& method,
                                        const std::string& path) {
  EncodedOutcomes out;
  z3::context& ctx = impl_->ctx;
  int k = -1;
  for (size_t i = 0; i < impl_->classes.size(); ++i)
    if (impl_->classes[i].id == src.id) k = static_cast<int>(i);
  const std::string key =
      to_service.empty() ? "pod:" + std::to_string(src.cluster) + ":" + to_pod
                         : "svc:" + to_service;
  auto it = impl_->slices.find(key);
  if (it == impl_->slices.end()) {
    std::optional<Encoded> e;
    if (!to_service.empty()) {
      e = impl_->enc.ServiceSlice(to_service);
    } else {
      const Cluster& c = impl_->sc.mesh.clusters[src.cluster];
      auto wi = c.workload_by_key.find(to_pod);
      if (wi != c.workload_by_key.end())
        e = impl_->enc.PodSlice(src.cluster, wi->second);
    }
    it = impl_->slices.emplace(key, e).first;
  }
  if (k < 0 || !it->second) {
    out.unknown = true;
    return out;
  }
  const Encoded& e = *it->second;
  auto& slot = impl_->solvers[key];
  if (!slot) {
    // The slice's static part once; each request is a push/pop on top.
    slot = std::make_unique<z3::solver>(ctx);
    slot->add(e.valid);
    for (const auto& [name, v] : impl_->enc.slice().enabled()) slot->add(v);
    for (const auto& [name, v] : impl_->enc.slice().deleted()) slot->add(!v);
  }
  z3::solver& s = *slot;
  s.push();
  s.add(e.src == ctx.int_val(k));
  s.add(e.port == ctx.int_val(port));
  s.add(e.http == ctx.bool_val(!method.empty()));
  if (!method.empty()) {
    s.add(e.method == ctx.string_val(method));
    s.add(e.path == ctx.string_val(path));
  }
  for (int guard = 0; guard < 16; ++guard) {
    z3::check_result r = s.check();
    if (r == z3::unknown) {
      out.unknown = true;
      break;
    }
    if (r == z3::unsat) break;
    z3::model m = s.get_model();
    const int passes = m.eval(e.passes, true).get_numeral_int();
    const int oc = m.eval(e.outcome, true).get_numeral_int();
    out.outcomes.insert({passes, oc == 0   ? Outcome::kDelivered
                                 : oc == 1 ? Outcome::kDenied
                                           : Outcome::kFailed});
    s.add(!(e.passes == ctx.int_val(passes) && e.outcome == ctx.int_val(oc)));
  }
  s.pop();
  return out;
}

}  // namespace meshsim
