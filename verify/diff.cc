#include "verify/diff.h"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>

#include "model/parallel.h"
#include "verify/deadline.h"
#include "verify/encoder.h"
#include "verify/route_signature.h"
#include "verify/router.h"
#include "verify/slice_plan.h"

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

using verify::ClusterIndex;
using verify::Encoded;
using verify::Encoder;
using verify::PlanSlices;
using verify::RouterEntry;
using verify::RouterEntryTo;
using verify::SliceClasses;
using verify::SliceDestination;
using verify::SlicePlan;
using verify::SlicePlanOptions;

// The encoding's outcome numbers (encoder.h): 0 delivered, 1 denied, else
// failed.
Outcome OutcomeOf(int o) {
  return o == 0   ? Outcome::kDelivered
         : o == 1 ? Outcome::kDenied
                  : Outcome::kFailed;
}

// The namespace of "ns/name"; "" for cluster-scoped names.
std::string NsOf(const std::string& name) {
  size_t slash = name.find('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
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
  if (k.kind == ClientKind::kIngress) return "ingress " + k.gateway;
  if (k.workload.empty()) return "a pod outside the mesh";
  return std::string(ClientKindName(k.kind)) + " workload " + k.workload;
}

// How a finding names its rule's change.
std::string RuleWhat(const std::string& rule) {
  return rule == "diff-newly-allowed"      ? "newly allowed"
         : rule == "diff-newly-denied"     ? "newly denied"
         : rule == "diff-newly-failed"     ? "newly failed"
         : rule == "diff-new-bypass"       ? "new waypoint bypass"
         : rule == "diff-double-pass"      ? "now passes two waypoints"
         : rule == "diff-waypoint-changed" ? "waypoint changed"
                                           : "route changed";
}

// "delivered via ns/waypoint", "denied without a waypoint", ...
std::string SideText(const DiffSide& side) {
  return OutcomeName(side.outcome) + (side.passes
                                          ? " via " + side.via
                                          : std::string(" without a waypoint"));
}

}  // namespace

namespace {

// Sources listed with one finding before "and more".
constexpr size_t kMaxAlike = 64;
SlicePlanOptions DiffPlanOptions() {
  SlicePlanOptions o;
  o.application_pods_only = true;
  o.keys_by_namespace = true;
  o.one_version_services = true;
  return o;
}

// One chunk of a diff (DiffChunk). A context, two encoders and one
// incremental solver serve the chunk's destinations, each in its own scope:
// contexts and solvers per destination cost more than most queries. A
// context per chunk makes its witnesses independent of other chunks, so
// shards and threads find the same ones. It is deleted when the chunk is
// done: at 1,001 destinations (bench/run-diff.sh) that costs 0.4 s of
// 1.3 s; left to the exiting process, they held 320 MB rather than 52 MB.
class DiffRun {
 public:
  // The identity indexes of the old and the new version, shared.
  using Indexes = std::pair<std::shared_ptr<const verify::PrincipalIndex>,
                            std::shared_ptr<const verify::PrincipalIndex>>;
  DiffRun(const Scenario& old_sc, const Scenario& new_sc,
          const DiffOptions& options, const Deadline& deadline,
          const std::vector<ObjectChange>& changes, const Indexes& indexes)
      : old_sc_(old_sc),
        new_sc_(new_sc),
        options_(options),
        deadline_(deadline),
        changes_(changes),
        indexes_(indexes) {}
  // Whether the run's --timeout has expired; then the diff is unknown,
  // since destinations were left uncompared.
  bool Expired() {
    if (!deadline_.Expired()) return false;
    out_->result = ProofResult::kUnknown;
    out_->reason = deadline_.Reason();
    return true;
  }

  // Every class of requests to `d` whose fate differs between the versions,
  // into `out` (one destination's result; DiffChunk).
  void Compare(SlicePlan& plan, const SliceClasses& classes,
               const SliceDestination& d, DiffResult& out);

 private:
  struct Session {
    // The encoders get each destination's classes from Encoder::Begin.
    Session(const Scenario& o, const Scenario& n, unsigned rlimit,
            const Indexes& indexes)
        : s(ctx),
          eo(o, ctx, kNoClasses, indexes.first),
          en(n, ctx, kNoClasses, indexes.second) {
      z3::params params(ctx);
      params.set("rlimit", rlimit);
      s.set(params);
    }
    static inline const std::vector<SourceClass> kNoClasses;
    z3::context ctx;
    z3::solver s;
    Encoder eo, en;
  };
  struct Scope {
    z3::solver& s;
    explicit Scope(z3::solver& solver) : s(solver) { s.push(); }
    ~Scope() { s.pop(); }
  };
  // The goal of each diff rule, and the bypass term two of them share (kept
  // as long as the goals, like every term of a destination's queries).
  struct Goals {
    z3::expr bypass;
    std::map<std::string, z3::expr> by_rule;
  };
  // One destination's slices in both versions and what the queries share.
  struct Slices {
    const SliceDestination& d;
    Encoded a, b;           // old, new
    z3::expr sig_a, sig_b;  // the backends a route picks (diff-route-changed)
  };

  std::optional<Slices> Encode(const SliceDestination& d);
  Encoded Absent(const Encoded& present, bool exists);
  z3::expr RouteSignature(const Scenario& sc, const Encoded& e, Encoder& enc,
                          const std::string& key);
  bool SameTerms(const Slices& x) const;
  bool SameEndpoints(const Encoded& a, const Encoded& b, bool by_cluster) const;
  size_t PairEndpoints(Slices& x, z3::expr& same_pod);
  void Constrain(const Slices& x, const z3::expr& same_pod);
  Goals GoalsOf(const Slices& x);
  z3::expr_vector Readable(const Slices& x);
  bool AnyDiffers(const Slices& x, const Goals& goals);
  void RuleQuery(const Slices& x, const std::string& rule, const z3::expr& goal,
                 const z3::expr_vector& nice);
  z3::check_result Check(const Slices& x, std::optional<z3::model>* model,
                         const z3::expr_vector* nice = nullptr);
  DiffFinding Witness(const Slices& x, const std::string& rule,
                      const z3::model& m, size_t ki);
  void Alike(const Slices& x, DiffFinding& df, z3::model& m, int k, size_t ki);

  const Scenario& old_sc_;
  const Scenario& new_sc_;
  const DiffOptions& options_;
  const Deadline& deadline_;
  const std::vector<ObjectChange>& changes_;
  Indexes indexes_;
  SlicePlan* plan_ = nullptr;
  DiffResult* out_ = nullptr;               // the current destination's
  std::map<std::string, size_t> reported_;  // in this chunk
  SliceClasses classes_;                    // the current destination's
  std::unique_ptr<Session> session_;
};

void DiffRun::Compare(SlicePlan& plan, const SliceClasses& classes,
                      const SliceDestination& d, DiffResult& out) {
  if (!session_)
    session_ =
        std::make_unique<Session>(old_sc_, new_sc_, options_.rlimit, indexes_);
  plan_ = &plan;
  out_ = &out;
  z3::context& ctx = session_->ctx;
  classes_ = classes;
  const size_t all_classes = plan.classes(0).size();
  std::optional<Slices> x = Encode(d);
  if (!x) return;
  ++out_->destinations;
  // Identical formulas over identical endpoints: nothing differs for this
  // destination, without asking the solver (Z3 shares equal terms).
  if (SameTerms(*x)) {
    out_->classes_checked += all_classes * x->a.eps.size() * d.weight;
    return;
  }
  z3::expr same_pod = ctx.bool_val(false);
  // A version without the service or its endpoints (Absent) stands on the
  // other's endpoint variable: nothing to tie.
  const bool absent = x->a.eps.empty() || x->b.eps.empty();
  size_t pairs = absent ? 0 : PairEndpoints(*x, same_pod);
  if (pairs == 0) {
    // No pod serves `d` in both versions (scaled to zero, or every pod
    // replaced): a request's fate is what each version's own endpoints give
    // it, so any endpoint of one is compared with any of the other.
    same_pod = ctx.bool_val(true);
    pairs = std::max<size_t>(1, std::max(x->a.eps.size(), x->b.eps.size()));
  }
  Scope scope(session_->s);
  Constrain(*x, same_pod);
  const Goals goals = GoalsOf(*x);
  out_->classes_checked += all_classes * pairs * d.weight;
  const z3::expr_vector nice = Readable(*x);
  // One query decides whether anything differs for this destination.
  if (!AnyDiffers(*x, goals)) return;
  for (const std::string& rule : DiffRules())
    if (!goals.by_rule.at(rule).is_false())
      RuleQuery(*x, rule, goals.by_rule.at(rule), nice);
}

// Both versions' slices of `d` and their route signatures; nothing when
// either version cannot encode it.
std::optional<DiffRun::Slices> DiffRun::Encode(const SliceDestination& d) {
  Session& ss = *session_;
  ss.eo.Begin(classes_.versions[0]);
  ss.en.Begin(classes_.versions[1]);
  std::optional<Encoded> a, b;
  if (d.service && d.only >= 0) {
    // §3.1: the version without the service has no name or address for it:
    // every request to it fails there.
    std::optional<Encoded>& present = d.only == 0 ? a : b;
    present = (d.only == 0 ? ss.eo : ss.en).ServiceSlice(d.key);
    if (!present) return std::nullopt;
    (d.only == 0 ? b : a) = Absent(*present, false);
    const z3::expr none = ss.ctx.string_val("");
    return Slices{d, std::move(*a), std::move(*b), none, none};
  }
  if (d.service) {
    a = ss.eo.ServiceSlice(d.key);
    b = ss.en.ServiceSlice(d.key);
  } else {
    const Cluster& oc = old_sc_.mesh.clusters[static_cast<size_t>(d.at[0])];
    const Cluster& nc = new_sc_.mesh.clusters[static_cast<size_t>(d.at[1])];
    a = ss.eo.PodSlice(d.at[0], oc.workload_by_key.at(d.key));
    b = ss.en.PodSlice(d.at[1], nc.workload_by_key.at(d.key));
  }
  if (!a || !b) return std::nullopt;
  // A service with endpoints in one version only (scaled to zero, §3.1):
  // requests the other version delivers fail, whatever pod they went to.
  if (d.service && a->eps.empty() != b->eps.empty()) {
    const bool old_has = !a->eps.empty();
    (old_has ? b : a) = Absent(old_has ? *a : *b, true);
    const z3::expr none = ss.ctx.string_val("");
    return Slices{d, std::move(*a), std::move(*b), none, none};
  }
  z3::expr sig_a = ss.ctx.string_val(""), sig_b = ss.ctx.string_val("");
  if (a->svc && b->svc && a->svc->kind == "Service") {
    sig_a = RouteSignature(old_sc_, *a, ss.eo, d.key);
    sig_b = RouteSignature(new_sc_, *b, ss.en, d.key);
  }
  return Slices{d, std::move(*a), std::move(*b), sig_a, sig_b};
}

// The slice of a service in the version that lacks it (`exists` false) or
// has no endpoint for it (`exists`), over the request variables of
// `present`, the other version's slice. Without the service a request fails
// (no name, no address). Without endpoints it passes the same waypoints
// (bound by the service, §2.3) and fails upstream, unless a proxy decided
// it before any endpoint (failed closed, a waypoint's deny, a route's 404,
// redirect or direct response): that outcome stays.
Encoded DiffRun::Absent(const Encoded& present, bool exists) {
  z3::context& ctx = session_->ctx;
  Encoded e = present;  // the same endpoint variable: Compare ties nothing
  e.intent = e.self = ctx.bool_val(false);
  e.valid = ctx.bool_val(true);
  e.decided_before_endpoint.reset();
  if (exists) {
    e.outcome = present.decided_before_endpoint
                    ? z3::ite(*present.decided_before_endpoint, present.outcome,
                              ctx.int_val(2))
                    : ctx.int_val(2);
  } else {
    e.passes = ctx.int_val(0);
    e.outcome = ctx.int_val(2);
    e.via = ctx.string_val("");
  }
  e.eps.clear();
  e.ep_port.clear();
  e.ep_svc.clear();
  e.ep_intended.clear();
  e.intended.clear();
  e.routed.reset();
  e.route_bypass.reset();
  e.route_rules.clear();
  return e;
}

// The backends the routes of service `key` pick for a request a waypoint or
// a sidecar routes (by its HTTP or, §8.6, its TCP chain); routes live in
// the first cluster that has the Service.
z3::expr DiffRun::RouteSignature(const Scenario& sc, const Encoded& e,
                                 Encoder& enc, const std::string& key) {
  z3::context& ctx = session_->ctx;
  for (const Cluster& c : sc.mesh.clusters) {
    const Service* s = c.FindService(key);
    if (!s) continue;
    verify::RouteEncoder re(ctx, e, sc.mesh);
    const z3::expr routed =
        e.passes >= 1 || enc.SrcIs(e, [](const SourceClass& k) {
          return k.kind == ClientKind::kSidecar;
        });
    // §8.6: plain TCP to a port declared HTTP meets no route.
    return z3::ite(routed,
                   z3::ite(e.http && !e.tcp_port, re.Signature(c, *s),
                           z3::ite(e.http_port, ctx.string_val(""),
                                   re.TcpSignature(c, *s))),
                   ctx.string_val(""));
  }
  return ctx.string_val("");
}

// Whether both versions have the same endpoints, pod by pod (and with
// `by_cluster`, cluster by cluster), in the same order.
bool DiffRun::SameEndpoints(const Encoded& a, const Encoded& b,
                            bool by_cluster) const {
  if (a.eps.size() != b.eps.size()) return false;
  for (size_t i = 0; i < a.eps.size(); ++i) {
    const Cluster& ca =
        old_sc_.mesh.clusters[static_cast<size_t>(a.eps[i].cluster)];
    const Cluster& cb =
        new_sc_.mesh.clusters[static_cast<size_t>(b.eps[i].cluster)];
    if ((by_cluster && ca.name != cb.name) ||
        ca.workloads[a.eps[i].wi].Key() != cb.workloads[b.eps[i].wi].Key())
      return false;
  }
  return true;
}

bool DiffRun::SameTerms(const Slices& x) const {
  const Encoded& a = x.a;
  const Encoded& b = x.b;
  bool same = z3::eq(x.sig_a, x.sig_b) && SameEndpoints(a, b, false);
  for (auto [p, q] : {std::pair{&a.passes, &b.passes},
                      {&a.outcome, &b.outcome},
                      {&a.valid, &b.valid},
                      {&a.self, &b.self},
                      {&a.via, &b.via}})
    same = same && z3::eq(*p, *q);
  return same;
}

// The pairs of endpoints that are the same pod in both versions, and
// `same_pod`, the request choosing one. When both versions have the same
// endpoints in the same order, they share the endpoint variable, so whatever
// did not change is the same term in both and its goals are false without
// asking the solver. Otherwise the new version chooses its endpoint on its
// own variable and the two choices are tied to the same pod (docs/diff.md).
size_t DiffRun::PairEndpoints(Slices& x, z3::expr& same_pod) {
  z3::context& ctx = session_->ctx;
  Encoded& a = x.a;
  Encoded& b = x.b;
  if (SameEndpoints(a, b, true)) {
    same_pod = ctx.bool_val(true);
    return a.eps.size();
  }
  z3::expr ep_new = ctx.int_const(("ep-new@" + x.d.key).c_str());
  {
    z3::expr_vector from(ctx), to(ctx);
    from.push_back(b.ep);
    to.push_back(ep_new);
    for (z3::expr* e : {&b.passes, &b.outcome, &b.valid, &b.self, &b.intent,
                        &b.via, &x.sig_b})
      *e = e->substitute(from, to);
    b.ep = ep_new;
  }
  size_t pairs = 0;
  for (size_t i = 0; i < a.eps.size(); ++i) {
    const auto& ea = a.eps[i];
    const Cluster& ca = old_sc_.mesh.clusters[static_cast<size_t>(ea.cluster)];
    const std::string pa = ca.workloads[ea.wi].Key();
    for (size_t j = 0; j < b.eps.size(); ++j) {
      const auto& eb = b.eps[j];
      const Cluster& cb =
          new_sc_.mesh.clusters[static_cast<size_t>(eb.cluster)];
      if (cb.name != ca.name || cb.workloads[eb.wi].Key() != pa) continue;
      same_pod = same_pod || (a.ep == ctx.int_val(static_cast<int>(i)) &&
                              b.ep == ctx.int_val(static_cast<int>(j)));
      ++pairs;
    }
  }
  return pairs;
}

// The requests both versions admit to the same pod, and the policies and
// waypoints as configured.
void DiffRun::Constrain(const Slices& x, const z3::expr& same_pod) {
  z3::solver& s = session_->s;
  const Encoded& a = x.a;
  const Encoded& b = x.b;
  s.add(a.valid && b.valid && same_pod);
  s.add(!a.self && !b.self);
  // Ingress gateways take HTTP (their listeners here are HTTP).
  auto ingress = [](const SourceClass& k) {
    return k.kind == ClientKind::kIngress;
  };
  s.add(z3::implies(session_->eo.SrcIs(a, ingress), a.http));
  s.add(a.port >= 1 && a.port <= 65535);
  // §4.1: Istio reserves its proxies' own ports (applications must not
  // listen there): a change that only moves who refuses a connection to
  // one (ztunnel, or no listener once the pod leaves ambient) changes no
  // application request's fate. The pod port, after targetPort.
  s.add(!session_->eo.ToReservedPort(a) && !session_->en.ToReservedPort(b));
  for (Encoder* enc : {&session_->eo, &session_->en}) {
    for (const auto& [k, v] : enc->slice().enabled()) s.add(v);
    for (const auto& [k, v] : enc->slice().deleted()) s.add(!v);
  }
}

// The goal of each diff rule; false where the parts it compares are the
// same term in both versions, so cannot differ.
DiffRun::Goals DiffRun::GoalsOf(const Slices& x) {
  z3::context& ctx = session_->ctx;
  const Encoded& a = x.a;
  const Encoded& b = x.b;
  const z3::expr& ao = a.outcome;
  const z3::expr& bo = b.outcome;
  Goals goals{a.passes >= 1 && b.passes == 0 && bo == 0, {}};
  const z3::expr& bypass = goals.bypass;
  goals.by_rule = {
      {"diff-newly-allowed", ao != 0 && bo == 0},
      {"diff-newly-denied", ao != 1 && bo == 1},
      {"diff-newly-failed", ao != 2 && bo == 2},
      {"diff-new-bypass", bypass},
      {"diff-double-pass", b.passes >= 2 && a.passes < 2},
      {"diff-waypoint-changed",
       (a.passes >= 1 || b.passes >= 1) && a.via != b.via && !bypass},
      {"diff-route-changed", ao == 0 && bo == 0 && x.sig_a != x.sig_b},
  };
  const bool same_outcome = z3::eq(ao, bo);
  const bool same_waypoints =
      z3::eq(a.passes, b.passes) && z3::eq(a.via, b.via);
  for (auto& [rule, g] : goals.by_rule) {
    const bool outcome_rule = rule == "diff-newly-allowed" ||
                              rule == "diff-newly-denied" ||
                              rule == "diff-newly-failed";
    if ((outcome_rule && same_outcome) ||
        (rule == "diff-route-changed" && z3::eq(x.sig_a, x.sig_b)) ||
        (!outcome_rule && rule != "diff-route-changed" && same_waypoints) ||
        // A service one version lacks: there its requests fail before any
        // proxy (§3.1), so only their outcome changes.
        (!outcome_rule && x.d.only >= 0))
      g = ctx.bool_val(false);
  }
  return goals;
}

// Readable witnesses first: a common method and a short absolute path.
z3::expr_vector DiffRun::Readable(const Slices& x) {
  z3::context& ctx = session_->ctx;
  z3::expr_vector nice(ctx);
  z3::expr m = ctx.bool_val(false);
  for (const char* v :
       {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
    m = m || x.a.method == ctx.string_val(v);
  nice.push_back(
      z3::implies(x.a.http, m && z3::prefixof(ctx.string_val("/"), x.a.path) &&
                                x.a.path.length() <= 40));
  return nice;
}

// Asks the solver (with `nice`, the readable assumptions first); an unknown
// answer makes the whole diff unknown.
z3::check_result DiffRun::Check(const Slices& x,
                                std::optional<z3::model>* model,
                                const z3::expr_vector* nice) {
  z3::solver& s = session_->s;
  if (Expired()) return z3::unknown;
  deadline_.Arm(s);
  z3::check_result r;
  try {
    r = nice ? s.check(*nice) : s.check();
    if (nice && r == z3::unsat) r = s.check();
  } catch (const z3::exception& ex) {
    out_->result = ProofResult::kUnknown;
    out_->reason = std::string(ex.msg()) + " (" + x.d.key + ")";
    return z3::unknown;
  }
  if (r == z3::unknown && !Expired()) {
    out_->result = ProofResult::kUnknown;
    out_->reason = SolverUnknownReason(s.reason_unknown(), options_.rlimit) +
                   " (" + x.d.key + ")";
  }
  if (r == z3::sat && model) *model = s.get_model();
  return r;
}

// Whether any goal holds, in one query.
bool DiffRun::AnyDiffers(const Slices& x, const Goals& goals) {
  z3::solver& s = session_->s;
  z3::expr any = session_->ctx.bool_val(false);
  bool possible = false;
  for (const auto& [r, g] : goals.by_rule)
    if (!g.is_false()) {
      any = any || g;
      possible = true;
    }
  if (!possible) return false;
  s.push();
  s.add(any);
  const z3::check_result r = Check(x, nullptr);
  s.pop();
  return r == z3::sat;
}

// The witness of `rule` for this destination, if any, with the other
// sources it holds for.
void DiffRun::RuleQuery(const Slices& x, const std::string& rule,
                        const z3::expr& goal, const z3::expr_vector& nice) {
  // The witness's model goes before the scope does: Z3 reuses the ids of
  // freed terms, so the order terms are freed in shapes later queries.
  Scope scope(session_->s);
  session_->s.add(goal);
  std::optional<z3::model> m;
  if (Check(x, &m, &nice) == z3::sat) {
    if (out_->result != ProofResult::kUnknown)
      out_->result = ProofResult::kViolated;
    const int k = m->eval(x.a.src, true).get_numeral_int();
    const size_t ki =
        static_cast<size_t>(std::clamp<int>(k, 0, classes_.index.size() - 1));
    if (reported_[rule] >= options_.max_findings) {
      ++out_->more[rule];
    } else {
      ++reported_[rule];
      DiffFinding df = Witness(x, rule, *m, ki);
      Alike(x, df, *m, k, ki);
      out_->findings.push_back(std::move(df));
    }
  }
}

// The finding of `rule` from its witness `m`: the request (source class
// `ki`), how each version treats it, and the changed objects that decide it.
DiffFinding DiffRun::Witness(const Slices& x, const std::string& rule,
                             const z3::model& m, size_t ki) {
  z3::context& ctx = session_->ctx;
  const Encoded& a = x.a;
  const Encoded& b = x.b;
  DiffFinding df;
  Finding& f = df.finding;
  f.rule = rule;
  const SourceClass& cls = classes_.versions[1][ki];
  df.alike = plan_->Alike(x.d, classes_, ki);
  // The old version's endpoint; the new one's when the old has none.
  const bool old_ep = !a.eps.empty();
  const Encoded& e = old_ep ? a : b;
  const Scenario& esc = old_ep ? old_sc_ : new_sc_;
  // A service with no endpoint in either version: the first cluster that
  // has it stands for the pod's.
  const Cluster* dc = &esc.mesh.clusters.front();
  const Workload* pod = nullptr;
  if (!e.eps.empty()) {
    const int i = m.eval(e.ep, true).get_numeral_int();
    const int last = static_cast<int>(e.eps.size()) - 1;
    const auto& ea = e.eps[static_cast<size_t>(std::clamp<int>(i, 0, last))];
    dc = &esc.mesh.clusters[static_cast<size_t>(ea.cluster)];
    pod = &dc->workloads[ea.wi];
  } else {
    for (const Cluster& c : esc.mesh.clusters)
      if (e.svc && c.FindService(e.svc->Key())) {
        dc = &c;
        break;
      }
  }
  const int port = m.eval(a.port, true).get_numeral_int();
  const bool http = m.eval(a.http, true).is_true();
  const bool ingress = cls.kind == ClientKind::kIngress;
  f.from = cls.workload.empty() ? ClassText(cls)
                                : (ingress ? cls.gateway : cls.workload);
  f.from_cluster = new_sc_.mesh.clusters[cls.cluster].name;
  f.cluster = dc->name;
  if (b.svc) {
    f.req_to_host =
        ingress ? IngressHost(new_sc_, cls, *b.svc) : b.svc->Hostname();
    f.to = f.req_to_host + ":" + std::to_string(port);
  } else {
    f.to = pod->ip + ":" + std::to_string(port) + " (" + pod->Subject() + ")";
    f.req_to_pod = pod->Key();
  }
  f.req_port =
      b.svc && ingress && !cls.router
          ? verify::IngressListenerPort(new_sc_.mesh.clusters[cls.cluster], cls,
                                        f.req_to_host, port)
          : port;
  f.client_kind = ClientKindName(cls.kind);
  (ingress ? f.req_from_ingress : f.req_from_workload) =
      ingress ? cls.gateway : cls.workload;
  if (http) {
    f.req_method = m.eval(a.method, true).get_string();
    f.req_path = m.eval(a.path, true).get_string();
    if (f.req_method.empty()) f.req_method = "GET";
    if (f.req_path.empty() || f.req_path[0] != '/')
      f.req_path = "/" + f.req_path;
    f.http = f.req_method + " " + f.req_path;
    // Headers the model sets.
    for (unsigned d = 0; d < m.num_consts(); ++d) {
      z3::func_decl decl = m.get_const_decl(d);
      const std::string name = decl.name().str();
      if (name.rfind("has-header:", 0) != 0) continue;
      if (!m.get_const_interp(decl).is_true()) continue;
      const std::string h = name.substr(11);
      z3::expr v = ctx.string_const(("header:" + h).c_str());
      df.headers[h] = m.eval(v, true).get_string();
    }
    // §16.4: the token the witness carries, so that its replay sends it.
    if (std::optional<JwtToken> tok = verify::WitnessToken(ctx, m, http)) {
      f.http += " with a JWT " + tok->Text();
      df.jwt = *tok;
    }
  }
  if (cls.router && b.svc) {
    // §16.3: the outside client dials an Istio Gateway of the Router.
    const Cluster& rc = new_sc_.mesh.clusters[cls.cluster];
    if (const Service* local = rc.FindService(b.svc->Key()))
      if (std::optional<RouterEntry> in = RouterEntryTo(rc, cls, *local))
        verify::EnterThrough(*in, f);
  }
  auto side = [&](const Encoded& e, const z3::expr& sig) {
    DiffSide sd;
    sd.outcome = OutcomeOf(m.eval(e.outcome, true).get_numeral_int());
    sd.passes = m.eval(e.passes, true).get_numeral_int();
    sd.via = m.eval(e.via, true).get_string();
    sd.route = m.eval(sig, true).get_string();
    return sd;
  };
  df.old_side = side(a, x.sig_a);
  df.new_side = side(b, x.sig_b);
  const std::string dest =
      (b.svc ? b.svc->Key() : pod->Key()) + ":" + std::to_string(port);
  f.message = RuleWhat(rule) + ": " + (f.http.empty() ? "TCP" : f.http) +
              " from " + ClassText(cls) + " (cluster " + f.from_cluster +
              ") to " + dest + " was " + SideText(df.old_side) + ", now " +
              SideText(df.new_side);
  if (rule == "diff-route-changed")
    f.message += "; backends were [" + df.old_side.route + "], now [" +
                 df.new_side.route + "]";
  if (b.svc) f.objects.push_back({b.svc->kind, b.svc->Key(), b.svc->location});
  const int nci = ClusterIndex(new_sc_, dc->name);
  const Workload* npod =
      pod && nci >= 0
          ? new_sc_.mesh.clusters[static_cast<size_t>(nci)].FindWorkload(
                pod->Key())
          : nullptr;
  if (npod) f.objects.push_back({npod->kind, npod->Key(), npod->location});
  // The changed objects in the namespaces that decide this request: the
  // destination's, its waypoints', the source's, the root.
  std::set<std::string> nss = {b.svc ? b.svc->ns : pod->ns,
                               NsOf(df.old_side.via), NsOf(df.new_side.via),
                               cls.ns, new_sc_.mesh.istio.root_namespace};
  for (const ObjectChange& ch : changes_) {
    const std::string ns = ch.kind == "Namespace" ? ch.name : NsOf(ch.name);
    if (nss.count(ns)) df.changed.push_back(ch);
  }
  if (df.changed.empty()) df.changed = changes_;
  if (df.changed.size() > 8) df.changed.resize(8);
  return df;
}

// The other sources the change reaches: first those for which the witness
// itself holds with only the source changed (model evaluation, no solver),
// then the solver for the rest, each asked once. The witness's model `m`
// has its source changed in place (it is not needed afterwards).
void DiffRun::Alike(const Slices& x, DiffFinding& df, z3::model& m, int k,
                    size_t ki) {
  z3::context& ctx = session_->ctx;
  z3::solver& s = session_->s;
  const Encoded& a = x.a;
  size_t n = 0;
  auto add_alike = [&](size_t k2i) {
    const SourceClass& c2 = classes_.versions[1][k2i];
    df.alike.push_back(
        c2.workload.empty()
            ? ClassText(c2)
            : (c2.kind == ClientKind::kIngress ? c2.gateway : c2.workload));
    const std::vector<std::string> more = plan_->Alike(x.d, classes_, k2i);
    df.alike.insert(df.alike.end(), more.begin(), more.end());
    s.add(a.src != ctx.int_val(static_cast<int>(k2i)));
    if (++n == kMaxAlike) df.alike_truncated = true;
  };
  s.add(a.src != ctx.int_val(k));
  {
    const z3::expr all = z3::mk_and(s.assertions());
    z3::func_decl src_decl = a.src.decl();
    for (size_t k2 = 0; k2 < classes_.index.size() && n < kMaxAlike; ++k2) {
      if (k2 == ki) continue;
      z3::expr v = ctx.int_val(static_cast<int>(k2));
      m.add_const_interp(src_decl, v);
      if (m.eval(all, true).is_true()) add_alike(k2);
    }
  }
  while (n < kMaxAlike) {
    std::optional<z3::model> m2;
    if (Check(x, &m2) != z3::sat) break;
    const int k2 = m2->eval(a.src, true).get_numeral_int();
    add_alike(
        static_cast<size_t>(std::clamp<int>(k2, 0, classes_.index.size() - 1)));
  }
  if (!df.alike.empty())
    df.finding.message += " (and from " + std::to_string(df.alike.size()) +
                          (df.alike_truncated ? "+" : "") + " more sources)";
}

}  // namespace

DiffResult DiffCommon(const Scenario& old_sc, const Scenario& new_sc) {
  DiffResult out;
  out.changes = ChangedObjects(old_sc, new_sc);
  out.notes = PlanSlices({&old_sc, &new_sc}, DiffPlanOptions()).notes();
  out.not_encoded = NotEncodedEntries(old_sc, new_sc, out.changes);
  for (const std::string& e : out.not_encoded)
    out.notes.push_back(e +
                        " has no endpoint in the mesh: requests to it "
                        "(egress) are not in the encoding and were not "
                        "compared (docs/diff.md); `meshsim paths` on both "
                        "versions shows them");
  return out;
}

size_t DiffChunkCount(const Scenario& old_sc, const Scenario& new_sc) {
  const SlicePlan plan = PlanSlices({&old_sc, &new_sc}, DiffPlanOptions());
  return (plan.destinations().size() + kDiffChunk - 1) / kDiffChunk;
}

std::vector<std::pair<size_t, DiffChunk>> CompareChunks(
    const Scenario& old_sc, const Scenario& new_sc, const DiffOptions& options,
    const std::function<bool(size_t)>& owns) {
  SlicePlan plan = PlanSlices({&old_sc, &new_sc}, DiffPlanOptions());
  const std::vector<ObjectChange> changes = ChangedObjects(old_sc, new_sc);
  const std::vector<SliceDestination>& dests = plan.destinations();
  const Deadline deadline(options.timeout_s);
  std::vector<std::pair<size_t, DiffChunk>> out;
  for (size_t c = 0; c * kDiffChunk < dests.size(); ++c)
    if (!owns || owns(c)) out.emplace_back(c, DiffChunk{});
  const DiffRun::Indexes indexes = {verify::IndexPrincipals(old_sc),
                                    verify::IndexPrincipals(new_sc)};
  ParallelFor(out.size(), options.jobs, [&](size_t k) {
    const size_t c = out[k].first;
    DiffChunk& chunk = out[k].second;
    const auto t0 = std::chrono::steady_clock::now();
    DiffRun run(old_sc, new_sc, options, deadline, changes, indexes);
    for (size_t i = c * kDiffChunk;
         i < std::min(dests.size(), (c + 1) * kDiffChunk); ++i) {
      if (deadline.Expired()) {
        chunk.expired = deadline.Reason();
        break;
      }
      chunk.destinations.emplace_back();
      run.Compare(plan, plan.ClassesFor(dests[i]), dests[i],
                  chunk.destinations.back());
    }
    chunk.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
  });
  return out;
}

DiffResult CombineDiff(DiffResult common, const std::vector<DiffChunk>& chunks,
                       const DiffOptions& options) {
  DiffResult out = std::move(common);
  std::map<std::string, size_t> reported;
  std::string expired;
  // Destination by destination, in the plan's order: the verdict, and the
  // witnesses up to --max-findings per kind of change.
  for (const DiffChunk& chunk : chunks) {
    out.seconds += chunk.seconds;
    if (!chunk.expired.empty()) expired = chunk.expired;
    for (const DiffResult& d : chunk.destinations) {
      out.destinations += d.destinations;
      out.classes_checked += d.classes_checked;
      if (d.result == ProofResult::kUnknown) {
        out.result = ProofResult::kUnknown;
        out.reason = d.reason;
      } else if (d.result == ProofResult::kViolated &&
                 out.result != ProofResult::kUnknown) {
        out.result = ProofResult::kViolated;
      }
      for (const DiffFinding& f : d.findings) {
        if (reported[f.finding.rule] >= options.max_findings) {
          ++out.more[f.finding.rule];
          continue;
        }
        ++reported[f.finding.rule];
        out.findings.push_back(f);
      }
      for (const auto& [rule, n] : d.more) out.more[rule] += n;
    }
  }
  // The --timeout expired: destinations were left uncompared.
  if (!expired.empty()) {
    out.result = ProofResult::kUnknown;
    out.reason = expired;
  }
  // Equivalence is not claimed for requests the encoding does not state.
  if (out.result == ProofResult::kProved && !out.not_encoded.empty()) {
    out.result = ProofResult::kUnknown;
    out.reason =
        "the change may concern " + out.not_encoded.front() +
        (out.not_encoded.size() > 1
             ? " and " + std::to_string(out.not_encoded.size() - 1) + " more"
             : "") +
        ", which has no endpoint in the mesh: egress is not in the "
        "encoding";
  }
  // Most relevant first, then a stable order.
  const std::vector<std::string>& rules = DiffRules();
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [&](const DiffFinding& x, const DiffFinding& y) {
                     auto rank = [&](const std::string& r) {
                       return std::find(rules.begin(), rules.end(), r) -
                              rules.begin();
                     };
                     return rank(x.finding.rule) < rank(y.finding.rule);
                   });
  return out;
}

DiffResult Diff(const Scenario& old_sc, const Scenario& new_sc,
                const DiffOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<DiffChunk> chunks;
  for (auto& [index, chunk] : CompareChunks(old_sc, new_sc, options, nullptr))
    chunks.push_back(std::move(chunk));
  DiffResult out = CombineDiff(DiffCommon(old_sc, new_sc), chunks, options);
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return out;
}

}  // namespace meshsim
