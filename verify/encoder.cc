// The slice encoder (encoder.h): one destination's routing, waypoint passes,
// policies and outcome as Z3 terms over the symbolic request, for the source
// classes of the slice (docs/verification.md).
#include "verify/encoder.h"

#include <algorithm>

#include "model/binding.h"
#include "model/labels.h"
#include "model/networking.h"
#include "model/policy.h"
#include "model/text.h"
#include "verify/encoder_plan.h"
#include "verify/mutation.h"
#include "verify/route_signature.h"

namespace meshsim::verify {

namespace {}  // namespace

Encoder::Encoder(const Scenario& sc, z3::context& c,
                 const std::vector<SourceClass>& classes,
                 std::shared_ptr<const PrincipalIndex> index)
    : sc_(sc),
      c_(c),
      classes_(&classes),
      slice_(sc, c),
      index_(index ? std::move(index) : IndexPrincipals(sc)),
      peering_(PeeringOn(sc.mesh)),
      flat_networks_(!peering_ ||
                     sc.mesh.istio.Flag("PEERING_ENABLE_FLAT_NETWORKS", true)),
      envoy_multi_(
          sc.mesh.istio.Flag("ENABLE_AMBIENT_ENVOY_MULTI_NETWORK", true)) {
  // EastWestCluster is asked per remote endpoint: scanning here, once.
  for (size_t ci = 0; ci < sc.mesh.clusters.size(); ++ci)
    for (const auto& [k, g] : sc.mesh.clusters[ci].gateways)
      if (IsNetworkGateway(sc.mesh.istio, g) &&  // §7.1
          HasReadyPod(sc.mesh.clusters[ci], k)) {
        east_west_first_.emplace(g.network, static_cast<int>(ci));
        east_west_at_.insert({static_cast<int>(ci), g.network});
      }
}

const std::string& Encoder::Principal(int id) const {
  const size_t i = static_cast<size_t>(id);
  return i < index_->principals.size()
             ? index_->principals[i]
             : extra_principals_[i - index_->principals.size()];
}

// ---- shared pieces ----------------------------------------------------------
z3::expr Encoder::SrcIs(const Encoded& e,
                        const std::function<bool(const SourceClass&)>& pred) {
  AnyOf out(c_);
  for (size_t k = 0; k < classes().size(); ++k)
    if (pred(classes()[k])) out.Add(e.src == c_.int_val(static_cast<int>(k)));
  return out.Build();
}

// `principal`: an identity id (Pid), -1 without one.
Attrs Encoder::MakeAttrs(
    const Encoded& e, int cluster, z3::expr principal, z3::expr has_id,
    std::function<z3::expr(const std::vector<std::string>&)> ip_in) {
  Attrs out{[this, principal, has_id](const std::vector<std::string>& ps) {
              return IdIn(principal, has_id, ps, false);
            },
            [this, principal, has_id](const std::vector<std::string>& ps) {
              return IdIn(principal, has_id, ps, true);
            },
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
              header_names_.insert(n);
              return c_.bool_const(("has-header:" + n).c_str());
            },
            std::nullopt,
            std::nullopt,
            std::nullopt,
            {},
            !e.http && !e.http_port};
  out.version = sc_.mesh.clusters[static_cast<size_t>(cluster)].VersionOr(
      sc_.mesh.istio.version);
  // §8.7: Envoys read source trust domains from 1.30 (ztunnel never:
  // Slice::RuleMatches uses this only away from ztunnel).
  if (out.version.AtLeast(1, 30))
    out.td_in = [this, principal, has_id](const std::vector<std::string>& ps) {
      return IdIn(principal, has_id, ps, false, true);
    };
  return out;
}

std::string Encoder::ClassPrincipal(const SourceClass& k) const {
  if (k.kind == ClientKind::kUncaptured) return "";
  return SpiffePrincipal(k.ns, k.service_account);
}

std::string Encoder::ClassIp(const SourceClass& k) const {
  if (k.workload.empty()) return "";
  const Workload* w = sc_.mesh.clusters[k.cluster].FindWorkload(k.workload);
  return w ? w->ip : "";
}

z3::expr Encoder::DeniedAtDestination(const Encoded& e, size_t i,
                                      z3::expr principal, z3::expr has_id,
                                      z3::expr plaintext,
                                      const z3::expr& gone) {
  const Endpoint& ep = e.eps[i];
  const Cluster& c = sc_.mesh.clusters[ep.cluster];
  const Workload& w = c.workloads[ep.wi];
  // §1.1: only a WorkloadEntry that speaks HBONE has a ztunnel in front.
  if (w.capture == Capture::kUncaptured ||
      (w.kind == "WorkloadEntry" && w.capture != Capture::kAmbient))
    return c_.bool_val(false);
  const bool zt = w.capture == Capture::kAmbient;
  Attrs a = MakeAttrs(e, ep.cluster, principal, has_id,
                      [&](const std::vector<std::string>& blocks) {
                        // Source address: the peer's; only classes with a pod
                        // have one.
                        AnyOf out(c_);
                        for (size_t k = 0; k < classes().size(); ++k) {
                          std::string ip = ClassIp(classes()[k]);
                          bool in = false;
                          for (const std::string& b : blocks)
                            in = in || (!ip.empty() && IpInBlock(b, ip));
                          if (in)
                            out.Add(e.src == c_.int_val(static_cast<int>(k)));
                        }
                        return out.Build();
                      });
  // The destination's proxy sees the port the connection reaches on the
  // pod: the service port's targetPort (§8.1; what a policy's `ports`
  // match there), the backend's when a route chose it.
  a.port = PodPort(e, w, i);
  a.dest_ip = w.ip;
  if (!zt) {
    // §8.6: the pod port's inbound chain (InboundChainAt) decides: TCP
    // reads no HTTP, whatever the client sent through.
    const InboundChain in = InboundChainAt(ep.cluster, ep.wi, a.port);
    a.http = a.http && !in.tcp;
    a.tcp_chain =
        (!e.http || in.tcp) && !z3::ite(in.known, in.http, e.http_port);
  }
  // §16.4: a sidecar authenticates the token before its policies (a 401
  // when they reject it); ztunnel never does.
  slice_.ReadPolicies(w.ns);  // RequestAuthentications, PeerAuthentications
  slice_.ReadPolicies(sc_.mesh.istio.root_namespace);
  // A waypoint or an ingress before it may have removed the token.
  if (!zt) {
    const auto ras = PodAuthentications(sc_.mesh, c, w);
    if (!ras.empty()) {
      const z3::expr removed = gone || IngressRemovedToken(e);
      Authenticate(ras, a, &removed);
    }
  }
  z3::expr denied = slice_.Denied(slice_.PodPolicies(ep.cluster, w, zt), a, zt);
  if (a.jwt_rejected) denied = denied || (a.http && *a.jwt_rejected);
  // §4.4: both ztunnel and a sidecar refuse plaintext to a STRICT port.
  const z3::expr pod_port = PodPort(e, w, i);
  denied = denied || (plaintext && RefusesPlaintext(c, w, pod_port, zt));
  // §4.1: and any connection to their own ports.
  for (const int own : {15000, 15001, 15006, 15008})
    if (ProxyOwnPort(own, zt)) denied = denied || pod_port == own;
  // §4.4: with istio-cni's ingress mode plain TCP never meets ztunnel.
  if (zt && BypassesInboundCapture(w)) denied = !plaintext && denied;
  return denied;
}

z3::expr Encoder::Pid(const std::string& p) {
  if (p.empty()) return c_.int_val(-1);
  int id;
  if (auto it = index_->ids.find(p); it != index_->ids.end()) {
    id = it->second;
  } else {  // not indexed up front: this encoder's own
    auto [e, fresh] = extra_ids_.emplace(
        p,
        static_cast<int>(index_->principals.size() + extra_principals_.size()));
    if (fresh) extra_principals_.push_back(p);
    id = e->second;
  }
  slice_ids_.insert(id);
  return c_.int_val(id);
}

z3::expr Encoder::IdIn(const z3::expr& pid, const z3::expr& has_id,
                       const std::vector<std::string>& patterns, bool by_ns,
                       bool by_trust_domain) {
  auto match = [&](int id) {
    const std::string& p = Principal(id);
    if (by_trust_domain) {  // §8.7: the part before the first '/'
      const std::string td = p.substr(0, p.find('/'));
      for (const std::string& pat : patterns)
        if (TrustDomainMatches(pat, td)) return true;
      return false;
    }
    const std::string v = by_ns ? NsOfPrincipal(p) : p;
    for (const std::string& pat : patterns)
      if (IstioStringMatch(pat, v)) return true;
    return false;
  };
  if (pid.is_numeral()) {
    const int id = pid.get_numeral_int();
    return c_.bool_val(id >= 0 && match(id));
  }
  AnyOf out(c_);
  bool all = true;
  for (int id : slice_ids_) {
    if (match(id)) {
      out.Add(pid == c_.int_val(id));
    } else {
      all = false;
    }
  }
  return all ? has_id : has_id && out.Build();
}

// ---- a service reached by its VIP -------------------------------------------
std::optional<Encoded> Encoder::ServiceSlice(const std::string& key) {
  ServicePlan plan = PlanService(key);
  if (plan.clusters.empty()) return std::nullopt;
  Encoded e = Fresh();
  waypoint_denies_.clear();
  ingress_removed_.reset();
  e.svc = plan.base;
  // §8.6: a port declared HTTP meets the proxies' HTTP filter chain, one
  // declared TCP their TCP chain.
  for (const ServicePort& sp : plan.base->ports) {
    const char chain = DeclaredChain(sp);
    if (chain == 'h')
      e.http_port = e.http_port || e.port == c_.int_val(sp.port);
    if (chain == 't') e.tcp_port = e.tcp_port || e.port == c_.int_val(sp.port);
  }
  e.dest = (plan.base->kind == "Service" ? "service " : "ServiceEntry ") + key;
  e.eps = plan.eps;
  // Per cluster view: the binding formulas.
  for (int ci : plan.clusters) {
    const Service& s = *plan.In(ci);
    std::vector<std::pair<const Gateway*, z3::expr>> per;
    // §15.2: a peered entry naming a global waypoint binds its copy.
    // §3.4: an entry the ambient index leaves out binds nothing.
    const bool indexed = !OutsideAmbientIndex(
        s, sc_.mesh.clusters[ci].VersionOr(sc_.mesh.istio.version));
    z3::expr bound =
        !indexed ? c_.bool_val(false)
        : plan.peered && !GlobalWaypointLabel(s).empty()
            ? slice_.PeeredCopy(s, &per)
            : slice_.AnyBound(ci, s.labels, s.ns, true, IsGatewayService(ci, s),
                              &per, s.namespace_only);
    plan.views.emplace(
        ci, ServiceView{bound, per, IngressViaWaypoint(ci, s),
                        plan.peered ? std::nullopt : slice_.CanaryFor(ci, s)});
  }
  // §9, §16.2: the routes of its waypoints and sidecar clients.
  plan.routes = PlanRoutes(plan, e);
  plan.eps = e.eps;
  ServiceTerms t(c_);
  for (size_t i = 0; i < e.eps.size(); ++i)
    t.unserved.push_back(Unserved(plan, e, i));
  for (size_t k = 0; k < classes().size(); ++k)
    if (plan.view[k] >= 0) ServiceClassTerms(plan, k, e, t);
  FinishServiceSlice(plan, t, e);
  return e;
}

// The terms of source class `k` towards every endpoint it may pick.
void Encoder::ServiceClassTerms(const ServicePlan& plan, size_t k, Encoded& e,
                                ServiceTerms& t) {
  const SourceClass& cls = classes()[k];
  const ServiceView& v = plan.views.at(plan.view[k]);
  z3::expr is_k = e.src == c_.int_val(static_cast<int>(k));
  if (cls.kind == ClientKind::kUncaptured && plan.peered) {
    // §15.2 addressing: no DNS outside the mesh resolves a peering name.
    const z3::expr ends = is_k && e.ep == 0;
    t.valid.Add(ends);
    t.fail_terms.Add(ends);
    return;
  }
  // §3.1 / §5 / §6 / §15.1: does this client's first proxy send to the
  // service waypoint?
  z3::expr local = c_.bool_val(false);
  if (cls.kind == ClientKind::kAmbient) local = v.bound;
  if (cls.kind == ClientKind::kIngress)
    local =
        v.bound && c_.bool_val(v.ingress_opt_in &&
                               sc_.mesh.istio.Flag(
                                   "ENABLE_INGRESS_WAYPOINT_ROUTING", true));
  if (cls.kind == ClientKind::kSidecar)
    local = v.bound && c_.bool_val(plan.interop);
  if (cls.kind == ClientKind::kIngress) {
    // §5, §9: the ingress's routes pick the backend. Requests whose chosen
    // rule sends here reach the service; those whose rule sends here with
    // no ReferenceGrant allowing it end at the ingress (500). Without a
    // chain the encoding states (regex, hostnames), every request reaches.
    z3::expr reach = c_.bool_val(true), refused = c_.bool_val(false);
    IngressTerms(plan.key, plan.refused[k] != 0, k, e, reach, refused);
    // The ingress's own policies decide before it routes (§8.1, §16.4):
    // a request it would send here, or refuse to, ends denied there.
    const z3::expr denied = IngressDenies(e, k);
    const z3::expr ends_denied =
        is_k && (reach || refused) && denied && e.ep == 0;
    t.valid.Add(ends_denied);
    t.deny_terms.Add(ends_denied);
    const z3::expr ends = is_k && !denied && refused && e.ep == 0;
    t.valid.Add(ends);
    t.fail_terms.Add(ends);
    is_k = is_k && !denied && reach;
  }
  ClassTerms ct{{}, c_.bool_val(false), c_.bool_val(false), false};
  for (size_t i = 0; i < e.eps.size(); ++i)
    ServiceEndpointTerms(plan, k, is_k, local, ct, i, e, t);
}

// What every endpoint's terms of class `k` share, built at its first
// reachable endpoint: the first hop's waypoints and what each contributes,
// and the class's identity.
void Encoder::BuildClassTerms(const ServicePlan& plan, size_t k,
                              const Encoded& e, ClassTerms& ct) {
  const SourceClass& cls = classes()[k];
  const int vc = plan.view[k];
  z3::expr no_waypoint_left = c_.bool_val(false);
  for (const auto& [gw, b] :
       FirstHopWaypoints(plan.views.at(vc), vc, cls, &no_waypoint_left)) {
    // §7.2: another cluster's record names the waypoint by host name, and
    // the client's ztunnel fails the connection when its own cluster's view
    // has no such waypoint (UnknownWaypoint).
    const bool unknown = cls.kind == ClientKind::kAmbient &&
                         vc != cls.cluster && !plan.peered &&
                         !slice_.KnownTo(cls.cluster, *gw);
    const bool healthy =
        plan.peered && !GlobalWaypointLabel(*plan.In(vc)).empty()
            ? slice_.CopyHealthy(*plan.In(vc), *gw)
            : !unknown && slice_.Healthy(vc, *gw);
    ct.first.push_back({gw, b, Pid(slice_.WaypointPrincipal(vc, *gw)),
                        c_.string_val(slice_.Local(gw->Key())),
                        WaypointDenies(e, vc, *gw, plan.In(vc)),
                        WaypointRemovesToken(e, vc, *gw, plan.In(vc)),
                        healthy});
  }
  ct.no_waypoint_left = no_waypoint_left;
  ct.principal = Pid(ClassPrincipal(cls));
  ct.built = true;
}

// The terms of source class `k` sending to endpoint `e.eps[i]`; `local`:
// its first proxy sends to the service waypoint.
void Encoder::ServiceEndpointTerms(const ServicePlan& plan, size_t k,
                                   const z3::expr& is_k, const z3::expr& local,
                                   ClassTerms& ct, size_t i, Encoded& e,
                                   ServiceTerms& t) {
  const SourceClass& cls = classes()[k];
  const int vc = plan.view[k];
  const Cluster& home = sc_.mesh.clusters[cls.cluster];
  const IstioVersion ver = home.VersionOr(sc_.mesh.istio.version);
  const Endpoint& ep = e.eps[i];
  const bool direct = Direct(cls.cluster, ep);
  bool via_waypoint_only = false, direct_only = false;
  if (!Reaches(plan, cls, vc, ep, &via_waypoint_only, &direct_only)) return;
  if (i < plan.unready.size() && plan.unready[i] && peering_) {
    PeerUnreadyTerms(plan, k, is_k, local, via_waypoint_only, ct, i, e, t);
    return;
  }
  if (i < plan.unready.size() && plan.unready[i]) {
    // §7.2: only ztunnel picks a network by its split-horizon workload; its
    // gateway has no ready pod there to send to.
    const std::string& net =
        sc_.mesh.clusters[ep.cluster].workloads[ep.wi].network;
    if (cls.kind != ClientKind::kAmbient || direct || via_waypoint_only ||
        EastWestCluster(net, ep.cluster, peering_, cls.cluster) < 0)
      return;
    z3::expr here = is_k && !local && e.ep == c_.int_val(static_cast<int>(i));
    // §3.4: a pod that declares no port of the name is no endpoint of it;
    // and the choice fails only where no ready pod of its network serves
    // the request's port (else the gateway sends it to one of those).
    if (!t.unserved[i].is_false()) here = here && !t.unserved[i];
    for (size_t j = 0; j < plan.unready.size(); ++j) {
      const Endpoint& r = e.eps[j];
      if (plan.unready[j] ||
          sc_.mesh.clusters[r.cluster].workloads[r.wi].network != net)
        continue;
      here = here && t.unserved[j];
    }
    if (here.simplify().is_false()) return;
    t.valid.Add(here);
    t.fail_ew_terms.Add(here);
    return;
  }
  if (!ct.built) BuildClassTerms(plan, k, e, ct);
  z3::expr here = is_k && e.ep == c_.int_val(static_cast<int>(i));
  if (!t.unserved[i].is_false()) here = here && !t.unserved[i];
  if (via_waypoint_only) here = here && local;
  if (direct_only) here = here && !local;
  // §9, §16.2, §6: the routing proxy (a sidecar client, else the service
  // waypoint the request meets) applies its chain; others, and requests
  // on a port the chain has no route for, reach the service's own pods.
  std::vector<std::pair<z3::expr, const RouteChain*>> routing;
  z3::expr to_other = c_.bool_val(false);  // K11: at a waypoint
  if (plan.routes) {
    const RoutePlan& rp = *plan.routes;
    const z3::expr own = c_.bool_val(rp.in_base[i] != 0);
    if (cls.kind == ClientKind::kSidecar) {
      const RouteChain& ch = rp.chains[rp.at_sidecar.at(cls.id)];
      const bool sidecar_routes = !Mutated(Mutation::kSidecarSkipsRoutes);
      // §6, §8.6: its outbound listener for a port declared TCP is a TCP
      // proxy: no HTTP route.
      routing.push_back(
          {e.http && !e.tcp_port && c_.bool_val(sidecar_routes) && ch.applies,
           &ch});
    } else {
      for (const ClassTerms::Hop& h : ct.first) {
        const RouteChain& ch = rp.chains[rp.at_waypoint.at(h.gw)];
        routing.push_back(
            {e.http && !e.tcp_port && local && h.bound && ch.applies, &ch});
        to_other = to_other || (local && h.bound && ch.to_other[i]);
      }
    }
    z3::expr reach = own;
    // A request the proxy ends (404, a redirect, an abort) stands on the
    // service's own endpoints, as one with no route does.
    for (const auto& [at, ch] : routing)
      reach = z3::ite(at,
                      z3::ite(ch->none || ch->redirected || ch->aborted, own,
                              ch->routed_to[i]),
                      reach);
    here = here && reach;
    for (const auto& [at, ch] : routing) {
      t.route_fail.Add(here && at && (ch->none || ch->aborted));
      t.answered.Add(here && at && ch->redirected);
      t.routed.Add(here && at && !ch->none && !ch->aborted && !ch->redirected);
    }
  }
  // A pre-1.28 waypoint does not route to other networks.
  z3::expr ok = c_.bool_val(true);
  if (!direct &&
      !(peering_ ? envoy_multi_
                 : ver.AtLeast(1, 28) &&
                       sc_.mesh.istio.Flag(
                           "AMBIENT_ENABLE_MULTI_NETWORK_WAYPOINT", true)))
    ok = !local;
  t.valid.Add(here && ok);
  int gc = -1;  // the cluster of the east-west gateway in between, if any
  z3::expr ew = EastWestTerms(plan, k, local, i, here, e, t, &gc);
  const bool behind_gateway = !direct && gc >= 0 && plan.In(gc);
  t.ew_pass.Add(here && ew);
  t.pass_terms.Add(here && local);
  FirstWaypointTerms(here, local, ct, t);
  t.fail_terms.Add(here && SidecarMutualFails(cls, e, i));
  // The identity the destination sees (§8.1): the last waypoint's, else
  // the gateway's or the client's; plaintext from uncaptured clients.
  z3::expr p = ct.principal;
  z3::expr has = c_.bool_val(cls.kind != ClientKind::kUncaptured &&
                             !ZtunnelPlaintext(cls, e.eps[i])) &&
                 !SidecarPlaintext(cls, e, i);
  for (const ClassTerms::Hop& h : ct.first) {
    p = z3::ite(local && h.bound, h.principal, p);
    has = has || (local && h.bound);
  }
  if (behind_gateway) {
    for (const auto& [gw, b] : plan.views.at(gc).per) {
      p = z3::ite(ew && b, Pid(slice_.WaypointPrincipal(gc, *gw)), p);
      has = has || (ew && b);
    }
  }
  z3::expr via = c_.string_val("");
  z3::expr gone = c_.bool_val(false);  // §16.4: the last waypoint's removal
  for (const ClassTerms::Hop& h : ct.first) {
    via = z3::ite(local && h.bound, h.via, via);
    gone = z3::ite(local && h.bound, h.removes, gone);
  }
  if (behind_gateway)
    for (const auto& [gw, b] : plan.views.at(gc).per) {
      via = z3::ite(ew && b, c_.string_val(slice_.Local(gw->Key())), via);
      gone =
          z3::ite(ew && b, WaypointRemovesToken(e, gc, *gw, plan.In(gc)), gone);
    }
  t.seen.Add(here, {p, has, via, gone});
  // K11, §3.7: a waypoint's route sent the request to a backend whose own
  // configuration asks for another waypoint, which it never passes.
  if (plan.routes && i < e.ep_intended.size() && !e.ep_intended[i].empty())
    t.route_bypass.Add(
        here && e.http && to_other &&
        via != c_.string_val(slice_.Local(e.ep_intended[i])) &&
        // a request a client can send: a standard method, an absolute path
        HttpMethod(e.method) && z3::prefixof(c_.string_val("/"), e.path));
}

// §3.4 stated for the encoding: the requests endpoint `e.eps[i]` does not
// serve: on a port of the Service listing it (a route's backend, else its
// own cluster's Service of the name, for a peered entry the exporter's)
// whose targetPort is a name the workload declares no port for.
z3::expr Encoder::Unserved(const ServicePlan& plan, const Encoded& e,
                           size_t i) {
  const Endpoint& ep = e.eps[i];
  const Cluster& c = sc_.mesh.clusters[ep.cluster];
  const bool backend = i < e.ep_svc.size() && e.ep_svc[i];
  const Service* svc = backend ? e.ep_svc[i] : plan.In(ep.cluster);
  if (svc && svc->peered) svc = c.FindService(svc->peered->service);
  if (!svc || svc->kind != "Service") return c_.bool_val(false);
  const z3::expr port = backend ? RequestPort(e, i) : e.port;
  AnyOf out(c_);
  for (const ServicePort& sp : svc->ports)
    if (!Declares(*svc, sp.port, c.workloads[ep.wi]))
      out.Add(port == c_.int_val(sp.port));
  return out.Build();
}

// The slice's passes, outcome, admitted requests and intent from the terms
// gathered per (source class, endpoint).
void Encoder::FinishServiceSlice(const ServicePlan& plan, ServiceTerms& t,
                                 Encoded& e) {
  // One pair holds at a time, so at most one pass term does: the local
  // passes are whether any holds (a sum of hundreds of `ite` terms cost
  // the solver twenty times more to refute).
  const z3::expr passes_local =
      z3::ite(t.pass_terms.Build(), c_.int_val(1), c_.int_val(0));
  const z3::expr failed_local = t.fail_terms.Build();
  AnyOf any_ew(c_);
  any_ew.Add(t.remote_no_gw.Build());
  any_ew.Add(t.fail_ew_terms.Build());
  const z3::expr failed_ew = any_ew.Build();
  const z3::expr denied_wp = t.deny_terms.Build();
  const z3::expr denied_ew = t.deny_ew_terms.Build();
  const z3::expr dst_principal =
      t.seen.Build(ServiceTerms::kPrincipal, c_.int_val(-1));
  const z3::expr dst_has_id =
      t.seen.Build(ServiceTerms::kHasId, c_.bool_val(false));
  const z3::expr plaintext = !dst_has_id;
  const z3::expr route_fail = t.route_fail.Build();
  const z3::expr answered = t.answered.Build();
  if (plan.routes) {
    e.routed = t.routed.Build();
    e.route_bypass = t.route_bypass.Build();
  }
  AnyOf denied_dst(c_);
  for (size_t i = 0; i < e.eps.size(); ++i)
    denied_dst.Add(e.ep == c_.int_val(static_cast<int>(i)) &&
                   DeniedAtDestination(
                       e, i, dst_principal, dst_has_id, plaintext,
                       t.seen.Build(ServiceTerms::kGone, c_.bool_val(false))));
  // A request that fails closed never passes the waypoint it was sent to.
  e.passes = z3::ite(failed_local, c_.int_val(0),
                     passes_local + z3::ite(t.ew_pass.Build() && !failed_ew,
                                            c_.int_val(1), c_.int_val(0)));
  e.via = z3::ite(failed_local, c_.string_val(""),
                  t.seen.Build(ServiceTerms::kVia, e.via));
  // In the order the hops decide: the client side's waypoint (fail closed,
  // its policies, then its routes: a 404), the east-west gateway and the
  // waypoint behind it, the destination.
  const z3::expr two = c_.int_val(2), one = c_.int_val(1);
  e.decided_before_endpoint =
      failed_local || denied_wp || route_fail || answered;
  e.outcome = z3::ite(
      failed_local, two,
      z3::ite(denied_wp, one,
              z3::ite(route_fail, two,
                      z3::ite(answered, c_.int_val(0),
                              z3::ite(failed_ew, two,
                                      z3::ite(denied_ew, one,
                                              z3::ite(denied_dst.Build(), one,
                                                      c_.int_val(0))))))));
  e.valid = t.valid.Build();
  if (!plan.base->ports.empty()) {
    AnyOf in(c_);
    for (const ServicePort& sp : plan.base->ports)
      in.Add(e.port == c_.int_val(sp.port));
    e.valid = e.valid && in.Build();
  }
  // Intent: the destination pod, through any service that selects it.
  std::set<std::string> intended;
  // §15.2: a peered entry asks for a waypoint for every endpoint when one
  // of its clusters' entries names one: its own label, the namespace's, a
  // global waypoint, or a peer's (solo.io/remote-waypoint).
  for (int ci : plan.peered ? plan.clusters : std::vector<int>{}) {
    const Service& s = *plan.In(ci);
    std::string which;
    if (Intent(ci, s.labels, s.ns, &which)) {
      intended.insert(which);
    } else if (!GlobalWaypointLabel(s).empty()) {
      intended.insert(GlobalWaypointLabel(s));
    } else if (FindLabel(s.labels, kLabelRemoteWaypoint)) {
      for (const PeeredService::Exporter& x : s.peered->exporters)
        if (!x.waypoint.empty()) intended.insert(x.waypoint);
    }
  }
  AnyOf intent(c_);
  if (!intended.empty()) intent.Add(c_.bool_val(true));
  for (size_t i = 0; i < e.eps.size(); ++i) {
    std::string which;
    if (PodIntent(e.eps[i], &which, plan.In(e.eps[i].cluster))) {
      intent.Add(e.ep == c_.int_val(static_cast<int>(i)));
      intended.insert(which);
    }
  }
  e.intent = intent.Build();
  e.intended.assign(intended.begin(), intended.end());
}

// ---- a pod reached by its IP ----------------------------------------------
std::optional<Encoded> Encoder::PodSlice(int cp, size_t pwi) {
  const Cluster& c = sc_.mesh.clusters[cp];
  const Workload& p = c.workloads[pwi];
  // §3.6: a pod that is not ready still takes traffic to its own address
  // (its health only filters a Service's endpoints); an ended one has none.
  // §3.4: ztunnel indexes no EndpointSlice endpoint by its address (a
  // host-network workload); a request to it passes through, not planned.
  if (p.terminal || p.role != WorkloadRole::kApplication ||
      p.ip.rfind("node:", 0) == 0 || p.kind == "EndpointSlice")
    return std::nullopt;
  // §3.4: an entry or endpoint whose address a pod has is not dialled by
  // it (IndexWorkloads gives the address to the pod).
  if (p.kind != "Pod")
    if (auto owner = c.workload_by_ip.find(p.ip);
        owner != c.workload_by_ip.end() && owner->second != pwi)
      return std::nullopt;
  Encoded e = Fresh();
  waypoint_denies_.clear();
  ingress_removed_.reset();
  e.pod = &p;
  e.dest = p.Subject();
  e.eps.push_back({cp, pwi});
  std::vector<std::pair<const Gateway*, z3::expr>> per;
  // §2.3: an instance of a Gateway with status addresses gets no waypoint.
  const Gateway* instance_of =
      p.gateway.empty() ? nullptr : c.FindGateway(p.gateway);
  slice_.AnyBound(cp, p.labels, p.ns, false,
                  instance_of && instance_of->Programmed(), &per);
  AnyOf mtls_ports(c_);
  for (int pt : SidecarMtlsPodPorts(sc_.mesh, c, p))
    mtls_ports.Add(e.port == c_.int_val(pt));
  const z3::expr sidecar_mtls = mtls_ports.Build();
  // §7.1: the clusters share a view only with AMBIENT_ENABLE_MULTI_NETWORK
  // (on by default when they span several networks).
  std::set<std::string> nets;
  for (const Cluster& o : sc_.mesh.clusters) nets.insert(o.network);
  const bool multicluster =
      !peering_ &&
      sc_.mesh.istio.Flag("AMBIENT_ENABLE_MULTI_NETWORK", nets.size() > 1);
  // §3.4: an endpoint istiod prunes with its entry is unknown to ztunnel.
  const bool pruned = PrunedEndpoint(c, p, sc_.mesh.istio.version);
  // Per source class, which is exclusive (AnyOf, ExclusiveCases).
  AnyOf valid(c_), failed(c_), denied_wp(c_), self(c_);
  z3::expr_vector passes(c_);
  // Per class: the identity the pod sees, whether it has one, the
  // waypoint passed (ExclusiveCases columns).
  enum { kPrincipal, kHasId, kVia, kGone };
  ExclusiveCases seen;
  for (size_t k = 0; k < classes().size(); ++k) {
    const SourceClass& cls = classes()[k];
    if (cls.kind == ClientKind::kIngress)
      continue;  // ingress reaches services only
    if (sc_.mesh.clusters[cls.cluster].network != p.network) continue;
    z3::expr is_k = e.src == c_.int_val(static_cast<int>(k));
    valid.Add(is_k);
    if (cls.workload ==
        p.Key()) {  // §3.2: calls to one's own pod IP are not captured
      self.Add(is_k);
      continue;
    }
    z3::expr pr = Pid(ClassPrincipal(cls));
    z3::expr has = c_.bool_val(cls.kind != ClientKind::kUncaptured &&
                               !ZtunnelPlaintext(cls, e.eps[0]));
    // §16.1: a sidecar reaches a pod IP without HBONE, with Istio mTLS only
    // on the ports a headless Service of sidecar endpoints gives it.
    if (cls.kind == ClientKind::kSidecar) has = sidecar_mtls;
    z3::expr via_k = c_.string_val("");
    z3::expr gone = c_.bool_val(false);  // §16.4
    // §3.4: an address of a ServiceEntry that ztunnel finds before the
    // workload and passes through: plain TCP, no identity, no waypoint.
    const Cluster& cc = sc_.mesh.clusters[cls.cluster];
    const bool passthrough =
        cls.kind == ClientKind::kAmbient &&
        (pruned ||
         cc.PassthroughEntryFor(p.ip, cls.ns,
                                cc.VersionOr(sc_.mesh.istio.version)) >= 0);
    if (passthrough) has = c_.bool_val(false);
    if (cls.kind == ClientKind::kAmbient && !passthrough) {
      for (const auto& [gw, b] : per) {
        // §3.5: a source that is an instance of the waypoint is not sent
        // back. A waypoint the pod cannot be bound to adds nothing.
        if (cls.gateway == gw->Key() || b.is_false()) continue;
        passes.push_back(z3::ite(is_k && b, c_.int_val(1), c_.int_val(0)));
        // §7.2: a pod of another cluster names its waypoint by host name,
        // looked up in the client's cluster's view (UnknownWaypoint).
        if (!slice_.Healthy(cp, *gw) || (cls.cluster != cp && multicluster &&
                                         !slice_.KnownTo(cls.cluster, *gw)))
          failed.Add(is_k && b);
        denied_wp.Add(is_k && b && WaypointDenies(e, cp, *gw, nullptr));
        gone = z3::ite(b, WaypointRemovesToken(e, cp, *gw, nullptr), gone);
        pr = z3::ite(b, Pid(slice_.WaypointPrincipal(cp, *gw)), pr);
        via_k = z3::ite(b, c_.string_val(slice_.Local(gw->Key())), via_k);
        has = has || b;
      }
    }
    seen.Add(is_k, {pr, has, via_k, gone});
  }
  e.valid = valid.Build() && e.ep == c_.int_val(0);
  e.self = self.Build();
  // Requests go to ports the pod declares or its services target; any port
  // when none is declared.
  std::set<int> ports;
  for (const ContainerPort& cp : p.ports) ports.insert(cp.port);
  for (size_t si : ServicesOf(c, pwi)) {
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
  // A request that fails closed never passes the waypoint it was sent to.
  const z3::expr any_failed = failed.Build();
  e.passes = passes.empty()
                 ? c_.int_val(0)
                 : z3::ite(any_failed, c_.int_val(0), z3::sum(passes));
  e.via = z3::ite(any_failed, c_.string_val(""),
                  seen.Build(kVia, c_.string_val("")));
  const z3::expr has_any = seen.Build(kHasId, c_.bool_val(false));
  z3::expr denied_dst =
      DeniedAtDestination(e, 0, seen.Build(kPrincipal, c_.int_val(-1)), has_any,
                          !has_any, seen.Build(kGone, c_.bool_val(false)));
  e.outcome = z3::ite(e.self, c_.int_val(0),
                      z3::ite(any_failed, c_.int_val(2),
                              z3::ite(denied_wp.Build() || denied_dst,
                                      c_.int_val(1), c_.int_val(0))));
  std::string which;
  e.intent = c_.bool_val(PodIntent(e.eps[0], &which));
  if (!which.empty()) e.intended = {which};
  return e;
}

Encoded Encoder::Fresh() {
  return Encoded{c_.int_const("src"),
                 c_.int_const("ep"),
                 c_.int_const("port"),
                 c_.bool_const("http"),
                 c_.string_const("method"),
                 c_.string_const("path"),
                 c_.string_const("host"),
                 c_.int_val(0),
                 c_.int_val(0),
                 c_.bool_val(false),
                 c_.bool_val(false),
                 c_.bool_val(false),
                 c_.string_val(""),
                 c_.bool_val(false),
                 c_.bool_val(false),
                 {},
                 {},
                 {},
                 "",
                 nullptr,
                 nullptr,
                 {},
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 {},
                 {}};
}

z3::expr Encoder::WaypointDenies(const Encoded& e, int ci, const Gateway& gw,
                                 const Service* svc) {
  // Kept for the slice (ServiceSlice and PodSlice clear it), which has
  // recorded the policies it read when it first asked.
  const auto key = std::make_tuple(ci, &gw, svc);
  auto it = waypoint_denies_.find(key);
  if (it != waypoint_denies_.end()) return it->second.denies;
  slice_.ReadPolicies(gw.ns);
  slice_.ReadPolicies(sc_.mesh.istio.root_namespace);
  if (svc) slice_.ReadPolicies(svc->ns);
  auto policies = slice_.WaypointPolicies(ci, gw, svc);
  auto ras = WaypointAuthentications(sc_.mesh, sc_.mesh.clusters[ci], gw, svc);
  z3::expr denied = c_.bool_val(false), removes = c_.bool_val(false);
  if (!policies.empty() || !ras.empty()) {
    z3::expr p = c_.int_val(-1);
    for (size_t k = 0; k < classes().size(); ++k)
      p = z3::ite(e.src == c_.int_val(static_cast<int>(k)),
                  Pid(ClassPrincipal(classes()[k])), p);
    Attrs a = MakeAttrs(
        e, ci, p, p >= 0,
        [this](const std::vector<std::string>&) { return c_.bool_val(false); });
    // §8.6: a service port declared TCP meets the waypoint's TCP chain: the
    // request is plain TCP there, whatever the client sent.
    if (svc) {
      a.http = a.http && !e.tcp_port;
      a.tcp_chain = (!e.http || e.tcp_port) && !e.http_port;
    }
    // §16.4: a token the waypoint's RequestAuthentications reject is 401
    // before any policy; an ingress before may have removed it.
    if (!ras.empty()) {
      const z3::expr gone = IngressRemovedToken(e);
      Authenticate(ras, a, &gone);
    }
    denied = slice_.Denied(policies, a, false);
    if (a.jwt_rejected) denied = denied || (a.http && *a.jwt_rejected);
    if (a.token_removed) removes = *a.token_removed;
  }
  waypoint_denies_.emplace(key, WaypointVerdict{denied, removes});
  return denied;
}

bool Encoder::LocalReady(int ci, const Gateway& gw) const {
  return HasReadyPod(sc_.mesh.clusters[ci], gw.Key());
}

// §2.3: the Services of waypoints and east-west gateways (the mesh
// controller's) never get a waypoint; an ingress gateway's Service does.
bool Encoder::IsGatewayService(int ci, const Service& s) const {
  if (const std::string* m = FindLabel(s.labels, kLabelGatewayManaged))
    if (*m == kGatewayManagedByMeshController) return true;
  const std::string* g = FindLabel(s.labels, kLabelGatewayName);
  if (!g) return false;
  const Gateway* gw = sc_.mesh.clusters[ci].FindGateway(s.ns + "/" + *g);
  return gw && (gw->role == GatewayRole::kWaypoint ||
                gw->role == GatewayRole::kEastWest);
}

}  // namespace meshsim::verify
