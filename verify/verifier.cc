#include "verify/verifier.h"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "model/binding.h"
#include "model/labels.h"
#include "model/policy.h"
#include "verify/encoder.h"

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
using verify::Encoded;
using verify::Encoder;
using verify::Endpoint;
using verify::GlobalLabel;
using verify::Slice;

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
        f.severity = RuleSeverity(f.rule);
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
      // §3.4, K9: a ServiceEntry bound to an (egress) waypoint that has no
      // address ztunnel can match: clients dial the real address, which
      // ztunnel passes through, so the waypoint never sees the request.
      if (s.kind == "ServiceEntry" && s.vips.empty() && !b.requested.empty()) {
        const bool wildcard =
            !s.hosts.empty() && s.hosts.front().rfind("*", 0) == 0;
        const std::string cause =
            s.resolution == "NONE" ? "resolution NONE"
            : wildcard && s.resolution != "DYNAMIC_DNS"
                ? "a wildcard host without resolution DYNAMIC_DNS"
                : "no spec.addresses and PILOT_ENABLE_IP_AUTOALLOCATE off";
        Finding f;
        f.rule = "waypoint-bypass";
        f.severity = RuleSeverity(f.rule);
        f.message = "every client of ServiceEntry " + s.Key() +
                    " reaches it without waypoint " + b.requested +
                    ": the entry has no address ztunnel can match (" + cause +
                    "), so clients dial the real address and ztunnel passes "
                    "it through (§3.4, K9)";
        f.cluster = c.name;
        f.objects = {{s.kind, s.Key(), s.location}};
        f.fix =
            "give the ServiceEntry an address: spec.addresses, or its hosts "
            "with resolution DNS so Istio allocates one and clients resolve it "
            "through ztunnel's DNS proxy";
        out.findings.push_back(f);
      }
      // §3.5, K18: a ServiceEntry passed through to its original address
      // (resolution NONE, no endpoints) by a captured ("sandwich") waypoint:
      // the waypoint dials the address itself, its ztunnel captures it, and
      // nothing keeps service-addressed traffic from returning to the
      // waypoint bound to that address.
      if (b.waypoint && s.kind == "ServiceEntry" && s.resolution == "NONE" &&
          !s.vips.empty() && s.inline_endpoints.empty() && !s.selector) {
        bool captured = false;
        auto it = c.gateway_pods.find(b.waypoint->Key());
        if (it != c.gateway_pods.end())
          for (size_t wi : it->second)
            captured |= c.workloads[wi].capture == Capture::kAmbient;
        if (captured) {
          Finding f;
          f.rule = "waypoint-double-pass";
          f.severity = RuleSeverity(f.rule);
          f.message = "requests to ServiceEntry " + s.Key() +
                      " loop through waypoint " + b.waypoint->Key() +
                      ": the waypoint is captured (a sandwich) and passes "
                      "them through to their original address, which its own "
                      "ztunnel sends back to the waypoint bound to it (§3.5, "
                      "K18)";
          f.cluster = c.name;
          f.objects = {{s.kind, s.Key(), s.location},
                       {"Gateway", b.waypoint->Key(), b.waypoint->location}};
          f.fix =
              "use a waypoint that is not captured (gatewayClassName "
              "istio-waypoint, or no istio.io/dataplane-mode=ambient on the "
              "gateway's pods), or give the ServiceEntry endpoints";
          out.findings.push_back(f);
        }
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
            f.severity = RuleSeverity(f.rule);
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
        f.severity = RuleSeverity(f.rule);
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
                f.severity = RuleSeverity(f.rule);
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
        f.severity = RuleSeverity(f.rule);
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
      f.severity = RuleSeverity(f.rule);
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
      f.severity = RuleSeverity(f.rule);
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
            f.severity = RuleSeverity(f.rule);
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
  // Sources that match the same principal and address patterns of every
  // policy are interchangeable (verify::ClassKeys).
  const std::vector<std::string> class_keys =
      verify::ClassKeys(sc, all_classes);
  // Per class key, its first two members: a slice keeps the first member of
  // every key, and the destination pod's own class apart (§3.2: calls to
  // one's own pod IP are not captured).
  std::map<std::string, std::pair<size_t, size_t>> key_members;
  std::vector<size_t> reps;
  std::map<std::pair<int, std::string>, size_t> class_of_pod;
  for (size_t i = 0; i < all_classes.size(); ++i) {
    auto [it, fresh] = key_members.emplace(class_keys[i], std::pair{i, i});
    if (fresh) {
      reps.push_back(i);
    } else if (it->second.second == it->second.first) {
      it->second.second = i;
    }
    if (!all_classes[i].workload.empty())
      class_of_pod.emplace(
          std::pair{all_classes[i].cluster, all_classes[i].workload}, i);
  }
  auto reduce = [&](const std::string& self_pod, int self_cluster) {
    std::vector<size_t> idx = reps;
    auto it = class_of_pod.find({self_cluster, self_pod});
    if (!self_pod.empty() && it != class_of_pod.end()) {
      const size_t self = it->second;
      const auto& [first, second] = key_members.at(class_keys[self]);
      if (first == self) {
        idx.erase(std::find(idx.begin(), idx.end(), self));
        if (second != self) idx.push_back(second);
      }
      idx.push_back(self);
      std::sort(idx.begin(), idx.end());
    }
    std::vector<SourceClass> out;
    out.reserve(idx.size());
    for (size_t i : idx) out.push_back(all_classes[i]);
    return out;
  };

  PropertyResult bypass{"waypoint-bypass"}, dbl{"waypoint-double-pass"},
      exposure{"fail-open-exposure"};
  std::set<std::string> core;
  std::map<std::string, size_t> reported, suppressed;
  // One context, one encoder and one solver for the run: each slice is
  // asserted in its own scope. Request variables are named alike in every
  // slice, so destinations that behave alike have the same formulas (Z3
  // hash-conses terms); each distinct query is answered once and its answer
  // reused, decoded against each destination's own sources and endpoints.
  z3::context ctx;
  z3::params params(ctx);
  params.set("rlimit", options.rlimit);
  z3::solver s(ctx);
  s.set(params);
  std::vector<SourceClass> classes;
  Encoder enc(sc, ctx, classes);
  struct Answer {
    ProofResult first = ProofResult::kProved;  // the query's verdict
    ProofResult last = ProofResult::kProved;   // after blocking found kinds
    std::string reason;
    std::vector<z3::model> models;  // up to one per kind of client
    std::vector<std::string> core;
    bool enumerated = false;  // models were looked for
  };
  // Keyed by the query's terms (kept alive here, so their ids stay unique)
  // and the kinds of the slice's source classes.
  std::map<std::string, Answer> answers;
  std::vector<z3::expr> keep_alive;
  for (const SliceSpec& spec : specs) {
    const Workload* self_pod =
        spec.service ? nullptr
                     : &sc.mesh.clusters[spec.cluster].workloads[spec.wi];
    classes = reduce(self_pod ? self_pod->Key() : "", spec.cluster);
    enc.Begin(classes);
    std::optional<Encoded> built = spec.service
                                       ? enc.ServiceSlice(spec.key)
                                       : enc.PodSlice(spec.cluster, spec.wi);
    if (!built) continue;
    const Encoded& e = *built;
    {
      const size_t pairs =
          classes.size() * std::max<size_t>(1, e.eps.size()) * spec.weight;
      z3::expr statics = e.valid && e.ep >= 0 &&
                         e.ep < ctx.int_val(static_cast<int>(
                                    std::max<size_t>(1, e.eps.size()))) &&
                         e.port >= 1 && e.port <= 65535;
      std::vector<z3::expr> all_on, nothing_deleted;
      for (const auto& [k, v] : enc.slice().enabled()) all_on.push_back(v);
      for (const auto& [k, v] : enc.slice().deleted())
        nothing_deleted.push_back(!v);
      std::string kinds;
      for (const SourceClass& k : classes) kinds += k.kind + ",";
      bool pushed = false;
      auto decode = [&](const z3::model& m, const std::string& rule,
                        const std::string& what) {
        Finding f;
        f.rule = rule;
        f.severity = RuleSeverity(rule);
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
      auto run = [&](PropertyResult& pr, const z3::expr& goal,
                     const std::vector<z3::expr>& assumptions,
                     const std::string& what) -> ProofResult {
        const auto t0 = std::chrono::steady_clock::now();
        std::string key = pr.name + "|" + kinds + "|" +
                          std::to_string(statics.id()) + "|" +
                          std::to_string(goal.id());
        for (const z3::expr& a : assumptions)
          key += "," + std::to_string(a.id());
        auto [it, fresh] = answers.try_emplace(key);
        Answer& ans = it->second;
        const bool want_models = reported[pr.name] < options.max_findings;
        if (fresh) {
          keep_alive.push_back(statics);
          keep_alive.push_back(goal);
          keep_alive.insert(keep_alive.end(), assumptions.begin(),
                            assumptions.end());
        }
        if (fresh || (want_models && !ans.enumerated &&
                      ans.first == ProofResult::kViolated)) {
          if (!pushed) {
            s.push();
            s.add(statics);
            pushed = true;
          }
          s.push();
          s.add(goal);
          Query q = Check(s, assumptions);
          ans.first = ans.last = q.result;
          ans.reason = q.reason;
          ans.core = q.core;
          // One counterexample per kind of client (ambient, sidecar,
          // uncaptured, ingress): each is a different mechanism with a
          // different fix.
          if (q.result == ProofResult::kViolated && want_models) {
            ans.enumerated = true;
            for (int n = 0; n < 4 && q.result == ProofResult::kViolated; ++n) {
              ans.models.push_back(*q.model);
              const int k = q.model->eval(e.src, true).get_numeral_int();
              const std::string kind =
                  classes[static_cast<size_t>(
                              std::clamp<int>(k, 0, classes.size() - 1))]
                      .kind;
              s.add(!enc.SrcIs(
                  e, [&](const SourceClass& c) { return c.kind == kind; }));
              q = Check(s, assumptions);
            }
            ans.last = q.result;
          }
          s.pop();
        }
        pr.classes_checked += pairs;
        if (ans.first == ProofResult::kViolated) {
          if (pr.result != ProofResult::kUnknown)
            pr.result = ProofResult::kViolated;
          if (reported[pr.name] >= options.max_findings) {
            ++suppressed[pr.name];
          } else {
            for (const z3::model& m : ans.models) {
              ++reported[pr.name];
              out.findings.push_back(decode(m, pr.name, what));
            }
          }
        } else if (ans.first == ProofResult::kUnknown) {
          pr.result = ProofResult::kUnknown;
          pr.reason = ans.reason + " (" + e.dest + ")";
        } else {
          core.insert(ans.core.begin(), ans.core.end());
        }
        pr.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                .count();
        return ans.first;
      };
      std::vector<z3::expr> assume = all_on;
      assume.insert(assume.end(), nothing_deleted.begin(),
                    nothing_deleted.end());
      const z3::expr unguarded =
          e.intent && !e.self && e.outcome == 0 && e.passes == 0;
      ProofResult br = ProofResult::kProved;
      if (wanted("waypoint-bypass"))
        br = run(bypass, unguarded, assume, "reaches without any waypoint");
      if (wanted("fail-open-exposure") && br == ProofResult::kProved)
        run(exposure, unguarded, all_on, "would reach without any waypoint");
      if (wanted("waypoint-double-pass"))
        run(dbl, e.passes >= 2, assume, "passes two waypoints on the way to");
      if (pushed) s.pop();
    }
  }
  for (const auto& [name, n] : suppressed) {
    Finding f;
    f.rule = name;
    f.severity = RuleSeverity(name);
    f.message = std::to_string(n) + " more destinations violate " + name +
                " (only the first " + std::to_string(options.max_findings) +
                " counterexamples are reported; raise --max-findings)";
    out.findings.push_back(f);
  }
  bypass.core.assign(core.begin(), core.end());
  // K9/K11 and K18 lint findings count against their properties too.
  VerifyResult lint;
  Lint(sc, lint);
  for (const Finding& f : lint.findings) {
    if (f.rule == "waypoint-bypass" && bypass.result == ProofResult::kProved)
      bypass.result = ProofResult::kViolated;
    if (f.rule == "waypoint-double-pass" && dbl.result == ProofResult::kProved)
      dbl.result = ProofResult::kViolated;
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
