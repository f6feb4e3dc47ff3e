#include "verify/diff.h"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>

#include "verify/encoder.h"

namespace meshsim {

const std::vector<std::string>& DiffRules() {
  static const std::vector<std::string> kRules = [] {
    std::vector<std::string> ids;
    for (const Rule& r : RulesOfKind(RuleKind::kDiff)) ids.emplace_back(r.id);
    return ids;
  }();
  return kRules;
}

namespace {

using verify::Encoded;
using verify::Encoder;

const char* OutcomeWord(int o) {
  return o == 0 ? "delivered" : o == 1 ? "denied" : "failed";
}

// The namespace of "ns/name"; "" for cluster-scoped names.
std::string NsOf(const std::string& name) {
  size_t slash = name.find('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}

// ---- HTTPRoute selection, stated on its own for Z3 (§9) --------------------
// The backends (with weights and filters) a request's route picks, as a Z3
// string: "" when no route applies. Gateway API precedence across matches:
// exact path, longest prefix, method, most headers, most query parameters,
// then the oldest route, then ns/name, then rule order.
class RouteEncoder {
 public:
  RouteEncoder(z3::context& c, const Encoded& e) : c_(c), e_(e) {}

  z3::expr Signature(const Cluster& cluster, const Service& svc) {
    struct Candidate {
      std::tuple<int, int, int, int, int> score;
      std::string created, key;
      size_t rule, match;
      const HttpRoute* route;
      const HttpMatch* m;  // nullptr: the rule has no matches (all of "/")
    };
    std::vector<Candidate> cands;
    static const HttpMatch kAll{"PathPrefix", "/", "", {}, {}};
    for (const HttpRoute& r : cluster.routes) {
      if (r.kind != "HTTPRoute" && r.kind != "GRPCRoute") continue;
      bool attached = false;
      for (const ParentRef& p : r.parents)
        attached |= p.kind == "Service" && p.ns == svc.ns && p.name == svc.name;
      if (!attached) continue;
      for (size_t i = 0; i < r.rules.size(); ++i) {
        const auto& ms = r.rules[i].matches;
        for (size_t j = 0; j < std::max<size_t>(1, ms.size()); ++j) {
          const HttpMatch& m = ms.empty() ? kAll : ms[j];
          const int rank = m.path_type == "Exact"               ? 3
                           : m.path_type == "RegularExpression" ? 1
                                                                : 2;
          const int len =
              rank == 2 ? static_cast<int>(
                              m.path_type.empty() ? 1 : m.path_value.size())
                        : 0;
          cands.push_back({{rank, len, m.method.empty() ? 0 : 1,
                            static_cast<int>(m.headers.size()),
                            static_cast<int>(m.query_params.size())},
                           r.creation_timestamp,
                           r.Key(),
                           i,
                           j,
                           &r,
                           &m});
        }
      }
    }
    // Highest precedence first; ties to the oldest route, then ns/name, then
    // rule and match order.
    std::stable_sort(
        cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
          if (a.score != b.score) return a.score > b.score;
          if (a.created != b.created) return a.created < b.created;
          if (a.key != b.key) return a.key < b.key;
          return std::tie(a.rule, a.match) < std::tie(b.rule, b.match);
        });
    z3::expr sig = c_.string_val("");
    for (auto it = cands.rbegin(); it != cands.rend(); ++it)
      sig = z3::ite(Matches(*it->m),
                    c_.string_val(Backends(it->route->rules[it->rule])), sig);
    return sig;
  }

 private:
  static std::string Backends(const HttpRouteRule& rule) {
    std::vector<std::string> parts;
    for (const BackendRef& b : rule.backends)
      parts.push_back(b.kind + " " + b.ns + "/" + b.name + ":" +
                      std::to_string(b.port) + " weight " +
                      std::to_string(b.weight));
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    if (out.empty()) out = "(no backends)";
    for (const HttpFilter& f : rule.filters) {
      out += "; " + f.type;
      if (!f.path_value.empty()) out += " " + f.path_type + " " + f.path_value;
      if (!f.redirect_path.empty()) out += " " + f.redirect_path;
      if (!f.redirect_hostname.empty()) out += " " + f.redirect_hostname;
      for (const auto& [k, v] : f.set_headers) out += " " + k + "=" + v;
      for (const auto& [k, v] : f.add_headers) out += " +" + k + "=" + v;
      for (const std::string& k : f.remove_headers) out += " -" + k;
    }
    return out;
  }

  z3::expr Matches(const HttpMatch& m) {
    z3::expr ok = c_.bool_val(true);
    if (m.path_type == "Exact") {
      ok = ok && e_.path == c_.string_val(m.path_value);
    } else if (m.path_type == "RegularExpression") {
      // Regular expressions are not encoded: an opaque condition, so a
      // witness may need another path (docs/diff.md).
      ok = ok && c_.bool_const(("route-regex:" + m.path_value).c_str());
    } else if (!m.path_type.empty()) {
      // PathPrefix matches whole segments.
      std::string v = m.path_value;
      while (v.size() > 1 && v.back() == '/') v.pop_back();
      if (!(v.empty() || v == "/"))
        ok = ok && (e_.path == c_.string_val(v) ||
                    z3::prefixof(c_.string_val(v + "/"), e_.path));
    }
    if (!m.method.empty()) ok = ok && e_.method == c_.string_val(m.method);
    for (const HttpMatch::Header& h : m.headers) {
      std::string name = h.name;
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      if (name == "host" || name == ":authority") {
        ok = ok && e_.host == c_.string_val(h.value);
        continue;
      }
      z3::expr has = c_.bool_const(("has-header:" + name).c_str());
      z3::expr val = c_.string_const(("header:" + name).c_str());
      ok =
          ok && has &&
          (h.type == "RegularExpression"
               ? c_.bool_const(("header-regex:" + name + ":" + h.value).c_str())
               : val == c_.string_val(h.value));
    }
    for (const HttpMatch::Header& q : m.query_params)
      ok = ok && c_.bool_const(("query:" + q.name + "=" + q.value).c_str());
    return ok;
  }

  z3::context& c_;
  const Encoded& e_;
};

// A destination both versions have: a service by name, or a pod (and the
// pods of its workload with the same labels) by key.
struct DiffSpec {
  bool service;
  std::string key;  // service ns/name, or pod ns/name
  std::string cluster;
  size_t weight = 1;
};

std::string PodGroupKey(const Workload& w) {
  std::string key =
      w.ns + "|" + w.owner_kind + "|" + w.owner + "|" + w.network + "|" +
      std::to_string(static_cast<int>(w.capture)) + "|" + (w.ready ? "r" : "n");
  for (const auto& [k, v] : w.labels) key += "|" + k + "=" + v;
  for (const ContainerPort& cp : w.ports) key += "|" + std::to_string(cp.port);
  return key;
}

int ClusterIndex(const Scenario& sc, const std::string& name) {
  for (size_t i = 0; i < sc.mesh.clusters.size(); ++i)
    if (sc.mesh.clusters[i].name == name) return static_cast<int>(i);
  return -1;
}

// A hostname under which ingress `gateway` routes to service `key` (for
// replaying a witness); the service's own name when the route has none.
std::string IngressHost(const Scenario& sc, const SourceClass& k,
                        const Service& svc) {
  const Cluster& c = sc.mesh.clusters[static_cast<size_t>(k.cluster)];
  for (const HttpRoute& r : c.routes) {
    bool attached = false;
    for (const ParentRef& p : r.parents)
      attached |= p.kind == "Gateway" && p.ns + "/" + p.name == k.gateway;
    if (!attached) continue;
    for (const HttpRouteRule& rule : r.rules)
      for (const BackendRef& b : rule.backends)
        if (b.ns + "/" + b.name == svc.Key() && b.weight > 0) {
          for (const std::string& h : r.hostnames)
            if (!h.empty() && h[0] != '*') return h;
          return svc.Hostname();
        }
  }
  return svc.Hostname();
}

std::string ClassText(const SourceClass& k) {
  if (k.kind == "ingress") return "ingress " + k.gateway;
  if (k.workload.empty()) return "a pod outside the mesh";
  return k.kind + " workload " + k.workload;
}

}  // namespace

std::vector<ObjectChange> ChangedObjects(const Scenario& old_sc,
                                         const Scenario& new_sc) {
  std::vector<ObjectChange> out;
  std::set<std::string> clusters;
  for (const Cluster& c : old_sc.mesh.clusters) clusters.insert(c.name);
  for (const Cluster& c : new_sc.mesh.clusters) clusters.insert(c.name);
  static const std::map<std::string, ObjectDigest> kNone;
  for (const std::string& name : clusters) {
    const int oi = ClusterIndex(old_sc, name), ni = ClusterIndex(new_sc, name);
    const auto& a = oi >= 0 ? old_sc.mesh.clusters[oi].objects : kNone;
    const auto& b = ni >= 0 ? new_sc.mesh.clusters[ni].objects : kNone;
    auto split = [](const std::string& key, ObjectChange& ch) {
      size_t sp = key.find(' ');
      ch.kind = key.substr(0, sp);
      ch.name = key.substr(sp + 1);
    };
    for (const auto& [key, d] : a) {
      ObjectChange ch;
      ch.cluster = name;
      split(key, ch);
      ch.old_location = d.location;
      auto it = b.find(key);
      if (it == b.end()) {
        ch.change = "removed";
      } else if (it->second.digest != d.digest) {
        ch.change = "modified";
        ch.new_location = it->second.location;
      } else {
        continue;
      }
      out.push_back(ch);
    }
    for (const auto& [key, d] : b) {
      if (a.count(key)) continue;
      ObjectChange ch;
      ch.cluster = name;
      split(key, ch);
      ch.change = "added";
      ch.new_location = d.location;
      out.push_back(ch);
    }
  }
  return out;
}

DiffResult Diff(const Scenario& old_sc, const Scenario& new_sc,
                const DiffOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  DiffResult out;
  out.changes = ChangedObjects(old_sc, new_sc);

  // Source classes both versions have, aligned by id; the others are noted.
  std::vector<SourceClass> old_all = SourceClasses(old_sc);
  std::vector<SourceClass> new_all = SourceClasses(new_sc);
  std::vector<SourceClass> ko, kn;
  {
    std::map<std::string, const SourceClass*> by_id;
    for (const SourceClass& k : new_all) by_id[k.id] = &k;
    std::set<std::string> old_ids;
    for (const SourceClass& k : old_all) {
      old_ids.insert(k.id);
      auto it = by_id.find(k.id);
      if (it == by_id.end()) {
        out.notes.push_back("source " + k.id +
                            " exists only in the old version");
        continue;
      }
      // The new version's class must sit in the same cluster slot.
      SourceClass n = *it->second;
      const int nc = ClusterIndex(
          new_sc, old_sc.mesh.clusters[static_cast<size_t>(k.cluster)].name);
      if (nc < 0) continue;
      n.cluster = nc;
      ko.push_back(k);
      kn.push_back(n);
    }
    for (const SourceClass& k : new_all)
      if (!old_ids.count(k.id))
        out.notes.push_back("source " + k.id +
                            " exists only in the new version");
  }

  // Destinations both versions have.
  std::vector<DiffSpec> specs;
  {
    std::set<std::string> a, b;
    for (const Cluster& c : old_sc.mesh.clusters)
      for (const Service& s : c.services) a.insert(s.Key());
    for (const Cluster& c : new_sc.mesh.clusters)
      for (const Service& s : c.services) b.insert(s.Key());
    for (const std::string& k : a) {
      if (b.count(k)) {
        specs.push_back({true, k, "", 1});
      } else {
        out.notes.push_back("service " + k + " exists only in the old version");
      }
    }
    for (const std::string& k : b)
      if (!a.count(k))
        out.notes.push_back("service " + k + " exists only in the new version");
    for (const Cluster& nc : new_sc.mesh.clusters) {
      const int oi = ClusterIndex(old_sc, nc.name);
      if (oi < 0) continue;
      const Cluster& oc = old_sc.mesh.clusters[static_cast<size_t>(oi)];
      std::map<std::string, size_t> group;
      for (const Workload& w : nc.workloads) {
        if (w.role != WorkloadRole::kApplication) continue;
        const Workload* ow = oc.FindWorkload(w.Key());
        if (!ow) continue;
        auto [it, fresh] = group.emplace(
            PodGroupKey(*ow) + "||" + PodGroupKey(w), specs.size());
        if (fresh) {
          specs.push_back({false, w.Key(), nc.name, 1});
        } else {
          ++specs[it->second].weight;
        }
      }
    }
  }

  const std::vector<std::string>& rules = DiffRules();
  // Sources listed with one finding before "and more".
  constexpr size_t kMaxAlike = 64;
  std::map<std::string, size_t> reported;
  // A context, two encoders and one incremental solver serve a batch of
  // destinations (all of them when the process exits afterwards), each
  // asserted in its own scope: creating contexts and solvers per destination
  // cost more than most queries, and deleting a context that held a large
  // mesh's queries costs more than answering them.
  std::vector<SourceClass> rko, rkn;
  struct Session {
    Session(const Scenario& o, const Scenario& n, std::vector<SourceClass>& ko,
            std::vector<SourceClass>& kn, unsigned rlimit)
        : s(ctx), eo(o, ctx, ko), en(n, ctx, kn) {
      z3::params params(ctx);
      params.set("rlimit", rlimit);
      s.set(params);
    }
    z3::context ctx;
    z3::solver s;
    Encoder eo, en;
  };
  constexpr size_t kDestinationsPerSession = 64;
  std::unique_ptr<Session> session;
  size_t in_session = 0;
  struct Scope {
    z3::solver& s;
    explicit Scope(z3::solver& solver) : s(solver) { s.push(); }
    ~Scope() { s.pop(); }
  };
  // Sources alike in both versions are one class (verify::ClassKeys); the
  // others of a class are listed with its findings. Only the policies that
  // can apply to a destination tell its sources apart (§8.1): those of its
  // namespace, the root namespace, and any namespace a use-waypoint-namespace
  // label names (where a waypoint of another namespace lives).
  std::set<std::string> waypoint_nss = {old_sc.mesh.istio.root_namespace,
                                        new_sc.mesh.istio.root_namespace};
  for (const Scenario* sc : {&old_sc, &new_sc})
    for (const Cluster& c : sc->mesh.clusters) {
      auto note = [&](const Labels& l) {
        if (const std::string* v = FindLabel(l, kLabelUseWaypointNamespace))
          waypoint_nss.insert(*v);
      };
      for (const auto& [n, ns] : c.namespaces) note(ns.labels);
      for (const Service& sv : c.services) note(sv.labels);
      for (const Workload& w : c.workloads) note(w.labels);
    }
  std::map<std::string, std::vector<std::string>> keys_by_ns;
  auto keys_for =
      [&](const std::string& ns) -> const std::vector<std::string>& {
    auto it = keys_by_ns.find(ns);
    if (it != keys_by_ns.end()) return it->second;
    std::set<std::string> only = waypoint_nss;
    only.insert(ns);
    std::vector<std::string> a = verify::ClassKeys(old_sc, ko, &only);
    std::vector<std::string> b = verify::ClassKeys(new_sc, kn, &only);
    std::vector<std::string> k;
    for (size_t i = 0; i < ko.size(); ++i) k.push_back(a[i] + "#" + b[i]);
    return keys_by_ns.emplace(ns, std::move(k)).first->second;
  };
  for (const DiffSpec& spec : specs) {
    const std::vector<std::string>& keys =
        keys_for(spec.key.substr(0, spec.key.find('/')));
    if (!session || (++in_session == kDestinationsPerSession &&
                     !options.process_exits_after)) {
      session.reset();
      session =
          std::make_unique<Session>(old_sc, new_sc, rko, rkn, options.rlimit);
      in_session = 0;
    }
    z3::context& ctx = session->ctx;
    z3::solver& s = session->s;
    Encoder& eo = session->eo;
    Encoder& en = session->en;
    rko.clear();
    rkn.clear();
    std::vector<std::vector<std::string>> alike;
    {
      std::map<std::string, size_t> seen;
      for (size_t i = 0; i < ko.size(); ++i) {
        const bool self =
            !spec.service && ko[i].workload == spec.key &&
            old_sc.mesh.clusters[static_cast<size_t>(ko[i].cluster)].name ==
                spec.cluster;
        auto [it, fresh] =
            seen.emplace(keys[i] + (self ? "|self" : ""), rko.size());
        if (fresh) {
          rko.push_back(ko[i]);
          rkn.push_back(kn[i]);
          alike.emplace_back();
        } else if (!ko[i].workload.empty()) {
          alike[it->second].push_back(ko[i].kind == "ingress" ? ko[i].gateway
                                                              : ko[i].workload);
        }
      }
    }
    eo.Begin(rko);
    en.Begin(rkn);
    std::optional<Encoded> a, b;
    const Service* osvc = nullptr;
    const Service* nsvc = nullptr;
    int oci = -1, nci = -1;
    if (spec.service) {
      a = eo.ServiceSlice(spec.key);
      b = en.ServiceSlice(spec.key);
    } else {
      oci = ClusterIndex(old_sc, spec.cluster);
      nci = ClusterIndex(new_sc, spec.cluster);
      const Cluster& oc = old_sc.mesh.clusters[static_cast<size_t>(oci)];
      const Cluster& nc = new_sc.mesh.clusters[static_cast<size_t>(nci)];
      a = eo.PodSlice(oci, oc.workload_by_key.at(spec.key));
      b = en.PodSlice(nci, nc.workload_by_key.at(spec.key));
    }
    if (!a || !b) continue;
    ++out.destinations;
    osvc = a->svc;
    nsvc = b->svc;
    z3::expr sig_a = ctx.string_val(""), sig_b = ctx.string_val("");
    if (osvc && nsvc && osvc->kind == "Service") {
      // Routes live in the Service's cluster; the first cluster that has it.
      auto sig = [&](const Scenario& sc, const Encoded& e,
                     Encoder& enc) -> z3::expr {
        for (const Cluster& c : sc.mesh.clusters) {
          const Service* s = c.FindService(spec.key);
          if (!s) continue;
          RouteEncoder re(ctx, e);
          z3::expr applied = e.http && (e.passes >= 1 ||
                                        enc.SrcIs(e, [](const SourceClass& k) {
                                          return k.kind == "sidecar";
                                        }));
          return z3::ite(applied, re.Signature(c, *s), ctx.string_val(""));
        }
        return ctx.string_val("");
      };
      sig_a = sig(old_sc, *a, eo);
      sig_b = sig(new_sc, *b, en);
    }

    // Identical formulas over identical endpoints: nothing differs for this
    // destination, without asking the solver (Z3 shares equal terms).
    {
      bool same = a->eps.size() == b->eps.size() && z3::eq(sig_a, sig_b);
      for (size_t i = 0; same && i < a->eps.size(); ++i)
        same = old_sc.mesh.clusters[static_cast<size_t>(a->eps[i].cluster)]
                   .workloads[a->eps[i].wi]
                   .Key() ==
               new_sc.mesh.clusters[static_cast<size_t>(b->eps[i].cluster)]
                   .workloads[b->eps[i].wi]
                   .Key();
      for (auto [x, y] : {std::pair{&a->passes, &b->passes},
                          {&a->outcome, &b->outcome},
                          {&a->valid, &b->valid},
                          {&a->self, &b->self},
                          {&a->via, &b->via}})
        same = same && z3::eq(*x, *y);
      if (same) {
        out.classes_checked += ko.size() * a->eps.size() * spec.weight;
        continue;
      }
    }
    // When both versions have the same endpoints in the same order, they
    // share the endpoint variable, so whatever did not change is the same
    // term in both and its goals are false without asking the solver.
    // Otherwise the new version chooses its endpoint on its own variable and
    // the two choices are tied to the same pod (docs/diff.md).
    bool same_eps = a->eps.size() == b->eps.size();
    for (size_t i = 0; same_eps && i < a->eps.size(); ++i)
      same_eps =
          old_sc.mesh.clusters[static_cast<size_t>(a->eps[i].cluster)].name ==
              new_sc.mesh.clusters[static_cast<size_t>(b->eps[i].cluster)]
                  .name &&
          old_sc.mesh.clusters[static_cast<size_t>(a->eps[i].cluster)]
                  .workloads[a->eps[i].wi]
                  .Key() ==
              new_sc.mesh.clusters[static_cast<size_t>(b->eps[i].cluster)]
                  .workloads[b->eps[i].wi]
                  .Key();
    z3::expr same_pod = ctx.bool_val(false);
    size_t pairs = 0;
    if (same_eps) {
      same_pod = ctx.bool_val(true);
      pairs = a->eps.size();
    } else {
      z3::expr ep_new = ctx.int_const(("ep-new@" + spec.key).c_str());
      {
        z3::expr_vector from(ctx), to(ctx);
        from.push_back(b->ep);
        to.push_back(ep_new);
        for (z3::expr* x : {&b->passes, &b->outcome, &b->valid, &b->self,
                            &b->intent, &b->via, &sig_b})
          *x = x->substitute(from, to);
        b->ep = ep_new;
      }
      for (size_t i = 0; i < a->eps.size(); ++i) {
        const auto& ea = a->eps[i];
        const Cluster& ca =
            old_sc.mesh.clusters[static_cast<size_t>(ea.cluster)];
        const std::string pa = ca.workloads[ea.wi].Key();
        for (size_t j = 0; j < b->eps.size(); ++j) {
          const auto& eb = b->eps[j];
          const Cluster& cb =
              new_sc.mesh.clusters[static_cast<size_t>(eb.cluster)];
          if (cb.name != ca.name || cb.workloads[eb.wi].Key() != pa) continue;
          same_pod = same_pod || (a->ep == ctx.int_val(static_cast<int>(i)) &&
                                  b->ep == ctx.int_val(static_cast<int>(j)));
          ++pairs;
        }
      }
    }
    if (pairs == 0) continue;
    Scope scope(s);
    s.add(a->valid && b->valid && same_pod);
    s.add(!a->self && !b->self);
    // Ingress gateways take HTTP (their listeners here are HTTP).
    s.add(z3::implies(
        eo.SrcIs(*a, [](const SourceClass& k) { return k.kind == "ingress"; }),
        a->http));
    s.add(a->port >= 1 && a->port <= 65535);
    for (Encoder* enc : {&eo, &en}) {
      for (const auto& [k, v] : enc->slice().enabled()) s.add(v);
      for (const auto& [k, v] : enc->slice().deleted()) s.add(!v);
    }
    const z3::expr& ao = a->outcome;
    const z3::expr& bo = b->outcome;
    const z3::expr bypass = a->passes >= 1 && b->passes == 0 && bo == 0;
    std::map<std::string, z3::expr> goals = {
        {"diff-newly-allowed", ao != 0 && bo == 0},
        {"diff-newly-denied", ao != 1 && bo == 1},
        {"diff-newly-failed", ao != 2 && bo == 2},
        {"diff-new-bypass", bypass},
        {"diff-double-pass", b->passes >= 2 && a->passes < 2},
        {"diff-waypoint-changed",
         (a->passes >= 1 || b->passes >= 1) && a->via != b->via && !bypass},
        {"diff-route-changed", ao == 0 && bo == 0 && sig_a != sig_b},
    };
    // Parts that are the same term in both versions cannot differ.
    {
      const bool same_outcome = z3::eq(ao, bo);
      const bool same_waypoints =
          z3::eq(a->passes, b->passes) && z3::eq(a->via, b->via);
      for (auto& [rule, g] : goals) {
        const bool outcome_rule = rule == "diff-newly-allowed" ||
                                  rule == "diff-newly-denied" ||
                                  rule == "diff-newly-failed";
        if ((outcome_rule && same_outcome) ||
            (rule == "diff-route-changed" && z3::eq(sig_a, sig_b)) ||
            (!outcome_rule && rule != "diff-route-changed" && same_waypoints))
          g = ctx.bool_val(false);
      }
    }
    out.classes_checked += ko.size() * pairs * spec.weight;
    // Readable witnesses first: a common method and a short absolute path.
    z3::expr_vector nice(ctx);
    {
      z3::expr m = ctx.bool_val(false);
      for (const char* v :
           {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
        m = m || a->method == ctx.string_val(v);
      nice.push_back(z3::implies(
          a->http, m && z3::prefixof(ctx.string_val("/"), a->path) &&
                       a->path.length() <= 40));
    }
    auto check = [&](std::optional<z3::model>* model, bool readable = false) {
      z3::check_result r;
      try {
        r = readable ? s.check(nice) : s.check();
        if (readable && r == z3::unsat) r = s.check();
      } catch (const z3::exception& ex) {
        out.result = ProofResult::kUnknown;
        out.reason = std::string(ex.msg()) + " (" + spec.key + ")";
        return z3::unknown;
      }
      if (r == z3::unknown) {
        out.result = ProofResult::kUnknown;
        out.reason = s.reason_unknown() + " (" + spec.key + ")";
      }
      if (r == z3::sat && model) *model = s.get_model();
      return r;
    };
    // One query decides whether anything differs for this destination.
    {
      z3::expr any = ctx.bool_val(false);
      bool possible = false;
      for (const auto& [r, g] : goals)
        if (!g.is_false()) {
          any = any || g;
          possible = true;
        }
      if (!possible) continue;
      s.push();
      s.add(any);
      const z3::check_result r = check(nullptr);
      s.pop();
      if (r != z3::sat) continue;
    }
    for (const std::string& rule : rules) {
      if (goals.at(rule).is_false()) continue;
      s.push();
      s.add(goals.at(rule));
      do {
        std::optional<z3::model> m;
        if (check(&m, true) != z3::sat) break;
        if (out.result != ProofResult::kUnknown)
          out.result = ProofResult::kViolated;
        const int k = m->eval(a->src, true).get_numeral_int();
        const size_t ki =
            static_cast<size_t>(std::clamp<int>(k, 0, rko.size() - 1));
        if (reported[rule] >= options.max_findings) {
          ++out.more[rule];
        } else {
          ++reported[rule];
          DiffFinding df;
          Finding& f = df.finding;
          f.rule = rule;
          const SourceClass& cls = rkn[ki];
          df.alike = alike[ki];
          const int i = m->eval(a->ep, true).get_numeral_int();
          const auto& ea = a->eps[static_cast<size_t>(
              std::clamp<int>(i, 0, a->eps.size() - 1))];
          const Cluster& dc =
              old_sc.mesh.clusters[static_cast<size_t>(ea.cluster)];
          const Workload& pod = dc.workloads[ea.wi];
          const int port = m->eval(a->port, true).get_numeral_int();
          const bool http = m->eval(a->http, true).is_true();
          f.from = cls.workload.empty()
                       ? ClassText(cls)
                       : (cls.kind == "ingress" ? cls.gateway : cls.workload);
          f.from_cluster = new_sc.mesh.clusters[cls.cluster].name;
          f.cluster = dc.name;
          if (b->svc) {
            f.req_to_host = cls.kind == "ingress"
                                ? IngressHost(new_sc, cls, *b->svc)
                                : b->svc->Hostname();
            f.to = f.req_to_host + ":" + std::to_string(port);
          } else {
            f.to = pod.ip + ":" + std::to_string(port) + " (pod " + pod.Key() +
                   ")";
            f.req_to_pod = pod.Key();
          }
          f.req_port = port;
          if (cls.kind == "ingress") {
            f.req_from_ingress = cls.gateway;
          } else {
            f.req_from_workload = cls.workload;
          }
          if (http) {
            f.req_method = m->eval(a->method, true).get_string();
            f.req_path = m->eval(a->path, true).get_string();
            if (f.req_method.empty()) f.req_method = "GET";
            if (f.req_path.empty() || f.req_path[0] != '/')
              f.req_path = "/" + f.req_path;
            f.http = f.req_method + " " + f.req_path;
            // Headers the model sets.
            for (unsigned d = 0; d < m->num_consts(); ++d) {
              z3::func_decl decl = m->get_const_decl(d);
              const std::string name = decl.name().str();
              if (name.rfind("has-header:", 0) != 0) continue;
              if (!m->get_const_interp(decl).is_true()) continue;
              const std::string h = name.substr(11);
              z3::expr v = ctx.string_const(("header:" + h).c_str());
              df.headers[h] = m->eval(v, true).get_string();
            }
          }
          auto side = [&](const Encoded& e, const z3::expr& sig) {
            DiffSide sd;
            sd.outcome =
                OutcomeWord(m->eval(e.outcome, true).get_numeral_int());
            sd.passes = m->eval(e.passes, true).get_numeral_int();
            sd.via = m->eval(e.via, true).get_string();
            sd.route = m->eval(sig, true).get_string();
            return sd;
          };
          df.old_side = side(*a, sig_a);
          df.new_side = side(*b, sig_b);
          const std::string dest =
              (b->svc ? b->svc->Key() : pod.Key()) + ":" + std::to_string(port);
          const std::string what =
              rule == "diff-newly-allowed"      ? "newly allowed"
              : rule == "diff-newly-denied"     ? "newly denied"
              : rule == "diff-newly-failed"     ? "newly failed"
              : rule == "diff-new-bypass"       ? "new waypoint bypass"
              : rule == "diff-double-pass"      ? "now passes two waypoints"
              : rule == "diff-waypoint-changed" ? "waypoint changed"
                                                : "route changed";
          f.message =
              what + ": " + (f.http.empty() ? "TCP" : f.http) + " from " +
              ClassText(cls) + " (cluster " + f.from_cluster + ") to " + dest +
              " was " + df.old_side.outcome +
              (df.old_side.passes ? " via " + df.old_side.via
                                  : std::string(" without a waypoint")) +
              ", now " + df.new_side.outcome +
              (df.new_side.passes ? " via " + df.new_side.via
                                  : std::string(" without a waypoint"));
          if (rule == "diff-route-changed")
            f.message += "; backends were [" + df.old_side.route + "], now [" +
                         df.new_side.route + "]";
          if (b->svc)
            f.objects.push_back(
                {b->svc->kind, b->svc->Key(), b->svc->location});
          const Workload* npod =
              new_sc.mesh
                  .clusters[static_cast<size_t>(ClusterIndex(new_sc, dc.name))]
                  .FindWorkload(pod.Key());
          if (npod)
            f.objects.push_back({npod->kind, npod->Key(), npod->location});
          // The changed objects in the namespaces that decide this request:
          // the destination's, its waypoints', the source's, the root.
          std::set<std::string> nss = {
              b->svc ? b->svc->ns : pod.ns, NsOf(df.old_side.via),
              NsOf(df.new_side.via), cls.ns, new_sc.mesh.istio.root_namespace};
          for (const ObjectChange& ch : out.changes) {
            const std::string ns =
                ch.kind == "Namespace" ? ch.name : NsOf(ch.name);
            if (nss.count(ns)) df.changed.push_back(ch);
          }
          if (df.changed.empty()) df.changed = out.changes;
          if (df.changed.size() > 8) df.changed.resize(8);
          // The other sources this change reaches: first those for which
          // the witness itself holds with only the source changed (model
          // evaluation, no solver), then the solver for the rest, each
          // asked once.
          size_t n = 0;
          auto add_alike = [&](size_t k2i) {
            const SourceClass& c2 = rkn[k2i];
            df.alike.push_back(
                c2.workload.empty()
                    ? ClassText(c2)
                    : (c2.kind == "ingress" ? c2.gateway : c2.workload));
            df.alike.insert(df.alike.end(), alike[k2i].begin(),
                            alike[k2i].end());
            s.add(a->src != ctx.int_val(static_cast<int>(k2i)));
            if (++n == kMaxAlike) df.alike_truncated = true;
          };
          s.add(a->src != ctx.int_val(k));
          {
            // The witness's model, with the source changed in place (it is
            // not needed afterwards).
            const z3::expr all = z3::mk_and(s.assertions());
            z3::func_decl src_decl = a->src.decl();
            for (size_t k2 = 0; k2 < rko.size() && n < kMaxAlike; ++k2) {
              if (k2 == ki) continue;
              z3::expr v = ctx.int_val(static_cast<int>(k2));
              m->add_const_interp(src_decl, v);
              if (m->eval(all, true).is_true()) add_alike(k2);
            }
          }
          while (n < kMaxAlike) {
            std::optional<z3::model> m2;
            if (check(&m2) != z3::sat) break;
            const int k2 = m2->eval(a->src, true).get_numeral_int();
            add_alike(
                static_cast<size_t>(std::clamp<int>(k2, 0, rko.size() - 1)));
          }
          if (!df.alike.empty())
            df.finding.message +=
                " (and from " + std::to_string(df.alike.size()) +
                (df.alike_truncated ? "+" : "") + " more sources)";
          out.findings.push_back(std::move(df));
        }
      } while (false);
      s.pop();
    }
  }
  // Z3 tears a large context down more slowly than the diff took; a process
  // about to exit leaves that to the operating system (docs/diff.md).
  if (options.process_exits_after) (void)session.release();
  // Most relevant first, then a stable order.
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [&](const DiffFinding& x, const DiffFinding& y) {
                     auto rank = [&](const std::string& r) {
                       return std::find(rules.begin(), rules.end(), r) -
                              rules.begin();
                     };
                     return rank(x.finding.rule) < rank(y.finding.rule);
                   });
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return out;
}

}  // namespace meshsim
