#include "verify/verifier.h"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <tuple>

#include "model/binding.h"
#include "model/parallel.h"
#include "verify/deadline.h"
#include "verify/encoder.h"
#include "verify/finding_fixes.h"
#include "verify/lint.h"
#include "verify/router.h"
#include "verify/slice_plan.h"

namespace meshsim {

const char* ProofResultName(ProofResult r) {
  switch (r) {
    case ProofResult::kProved:
      return "proved";
    case ProofResult::kViolated:
      return "violated";
    case ProofResult::kUnknown:
      return "unknown";
    case ProofResult::kNotApplicable:
      return "not-applicable";
  }
  return "?";
}

namespace {

using verify::CrossClusterFix;
using verify::Encoded;
using verify::Encoder;
using verify::Endpoint;
using verify::FixFor;
using verify::GuardYaml;
using verify::PlanSlices;
using verify::SliceDestination;
using verify::SlicePlan;
using verify::SlicePlanOptions;
using verify::UnguardableFix;

std::string ClassLabel(const SourceClass& k) {
  if (k.kind == ClientKind::kIngress) return "ingress " + k.gateway;
  if (k.workload.empty()) return "a pod outside the mesh";
  const std::string owner =
      k.id.substr(k.id.rfind('/', k.id.rfind('/') - 1) + 1);
  return (k.kind == ClientKind::kAmbient   ? "ambient workload "
          : k.kind == ClientKind::kSidecar ? "sidecar workload "
                                           : "uncaptured workload ") +
         owner;
}

struct Query {
  ProofResult result;
  std::string reason;
  std::optional<z3::model> model;
  std::vector<std::string> core;
};

Query Check(z3::solver& s, const std::vector<z3::expr>& assumptions,
            const Deadline& deadline, unsigned rlimit) {
  Query q;
  if (deadline.Expired()) {
    q.result = ProofResult::kUnknown;
    q.reason = deadline.Reason();
    return q;
  }
  deadline.Arm(s);
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
    q.reason = deadline.Expired()
                   ? deadline.Reason()
                   : SolverUnknownReason(s.reason_unknown(), rlimit);
  }
  return q;
}

// Whether property `p` is checked (every one when none is named).
bool Wanted(const VerifyOptions& options, const std::string& p) {
  return options.properties.empty() ||
         std::find(options.properties.begin(), options.properties.end(), p) !=
             options.properties.end();
}

// A distinct query's answer, reused by every destination whose slice gives
// the same terms.
struct Answer {
  ProofResult first = ProofResult::kProved;  // the query's verdict
  ProofResult last = ProofResult::kProved;   // after blocking found kinds
  std::string reason;
  std::vector<z3::model> models;  // up to one per kind of client
  std::vector<std::string> core;
  bool enumerated = false;  // models were looked for
};

// One verify run. One context, one encoder and one solver for the run: each
// slice is asserted in its own scope. Request variables are named alike in
// every slice, so destinations that behave alike have the same formulas (Z3
// hash-conses terms); each distinct query is answered once and its answer
// reused, decoded against each destination's own sources and endpoints.
//
// A Prover proves one chunk of destinations (VerifyChunk): what it finds
// depends only on the chunk, never on what another chunk, thread or shard
// proved, since Z3's answers depend on the history of its context.
class Prover {
 public:
  Prover(const Scenario& sc, const VerifyOptions& options,
         const Deadline& deadline,
         std::shared_ptr<const verify::PrincipalIndex> index)
      : sc_(sc),
        options_(options),
        deadline_(deadline),
        s_(ctx_),
        enc_(sc, ctx_, classes_, std::move(index)) {
    z3::params params(ctx_);
    params.set("rlimit", options.rlimit);
    s_.set(params);
    enc_.slice().UseLocalNames(options.local_names);
  }

  // Encodes destination `d` with its source classes and proves the wanted
  // properties on it: the verdict of each, its counterexamples (up to
  // --max-findings per property in the chunk) and its proof core.
  VerifyResult Prove(const SliceDestination& d,
                     std::vector<SourceClass> classes,
                     const std::optional<std::set<std::string>>& scope);
  bool intent_seen() const { return intent_seen_; }
  bool passes_seen() const { return passes_seen_; }
  const std::set<std::string>& policy_namespaces() {
    return enc_.slice().policy_namespaces();
  }

 private:
  // The static part of one slice's queries, asserted once in a scope of its
  // own when the first of them needs the solver.
  struct SliceQueries {
    const Encoded& e;
    z3::expr statics;
    std::string kinds;  // the kinds of the slice's source classes
    size_t pairs;       // (source class, endpoint) pairs it stands for
    bool pushed = false;
  };

  ProofResult Run(SliceQueries& q, VerifyResult& slice,
                  const std::string& property, const z3::expr& goal,
                  const std::vector<z3::expr>& assumptions,
                  const std::string& what);
  void Solve(SliceQueries& q, Answer& ans, const z3::expr& goal,
             const std::vector<z3::expr>& assumptions, bool want_models);
  Finding Decode(const Encoded& e, const z3::model& m, const std::string& rule,
                 const std::string& what);

  const Scenario& sc_;
  const VerifyOptions& options_;
  const Deadline& deadline_;
  bool intent_seen_ = false, passes_seen_ = false;
  std::map<std::string, size_t> reported_;  // in this chunk
  z3::context ctx_;
  z3::solver s_;
  std::vector<SourceClass> classes_;  // the current slice's
  Encoder enc_;
  // Keyed by the query's terms (kept alive here, so their ids stay unique)
  // and the kinds of the slice's source classes.
  std::map<std::string, Answer> answers_;
  std::vector<z3::expr> keep_alive_;
};

VerifyResult Prover::Prove(const SliceDestination& d,
                           std::vector<SourceClass> classes,
                           const std::optional<std::set<std::string>>& scope) {
  VerifyResult slice;
  // Three properties at most: one allocation per destination, which the
  // run keeps until the chunks merge (a fifth less memory at 10x).
  slice.properties.reserve(3);
  classes_ = std::move(classes);
  enc_.Begin(classes_);
  std::optional<Encoded> built =
      d.service ? enc_.ServiceSlice(d.key) : enc_.PodSlice(d.at[0], d.wi);
  if (!built) return slice;
  const Encoded& e = *built;
  const size_t pairs =
      classes_.size() * std::max<size_t>(1, e.eps.size()) * d.weight;
  z3::expr statics =
      e.valid && e.ep >= 0 &&
      e.ep <
          ctx_.int_val(static_cast<int>(std::max<size_t>(1, e.eps.size()))) &&
      e.port >= 1 && e.port <= 65535;
  // The assumptions in the order of their terms (slice-local names: alike
  // slices list alike literals, whatever their objects' keys sort as).
  std::vector<z3::expr> all_on, nothing_deleted;
  for (const auto& [k, v] : enc_.slice().enabled()) all_on.push_back(v);
  for (const auto& [k, v] : enc_.slice().deleted())
    nothing_deleted.push_back(!v);
  auto by_id = [](const z3::expr& a, const z3::expr& b) {
    return a.id() < b.id();
  };
  std::sort(all_on.begin(), all_on.end(), by_id);
  std::sort(nothing_deleted.begin(), nothing_deleted.end(), by_id);
  std::string kinds;
  for (const SourceClass& k : classes_)
    kinds += std::string(ClientKindName(k.kind)) + ",";
  SliceQueries q{e, statics, kinds, pairs};
  std::vector<z3::expr> assume = all_on;
  assume.insert(assume.end(), nothing_deleted.begin(), nothing_deleted.end());
  // K11: delivered past a backend's own waypoint counts as a bypass too.
  z3::expr unguarded = e.intent && !e.self && e.outcome == 0 && e.passes == 0;
  if (e.route_bypass)
    unguarded = unguarded || (*e.route_bypass && !e.self && e.outcome == 0);
  // A destination that asks for a waypoint concerns the bypass properties;
  // one a request can pass a waypoint on the way to, the double pass.
  // Simplified only until the first such slice, and never where the
  // encoder stated a constant (no waypoint can be passed, none asked for).
  auto may = [](const z3::expr& t) {
    return !t.is_false() && !t.simplify().is_false();
  };
  if (!intent_seen_ && may(e.intent)) intent_seen_ = true;
  if (!passes_seen_ &&
      !(e.passes.is_numeral() && e.passes.get_numeral_int() < 1) &&
      may(e.passes >= 1))
    passes_seen_ = true;
  ProofResult br = ProofResult::kProved;
  if (Wanted(options_, "waypoint-bypass"))
    br = Run(q, slice, "waypoint-bypass", unguarded, assume,
             "reaches without any waypoint");
  // Exposure is asked where no bypass exists with every waypoint up; where
  // that is undecided, so is exposure (never proved by default).
  if (Wanted(options_, "fail-open-exposure") && br == ProofResult::kProved)
    Run(q, slice, "fail-open-exposure", unguarded, all_on,
        "would reach without any waypoint");
  if (Wanted(options_, "fail-open-exposure") && br == ProofResult::kUnknown) {
    PropertyResult pr{"fail-open-exposure"};
    pr.result = ProofResult::kUnknown;
    pr.classes_checked = q.pairs;
    pr.reason = "undecided because waypoint-bypass is (" + e.dest + ")";
    slice.properties.push_back(std::move(pr));
  }
  if (Wanted(options_, "waypoint-double-pass"))
    Run(q, slice, "waypoint-double-pass", e.passes >= 2, assume,
        "passes two waypoints on the way to");
  if (q.pushed) s_.pop();
  // The classes were keyed by the policies of `scope`: an encoding that read
  // others may have merged sources those policies tell apart. Never
  // reported as proved or violated, then.
  if (scope)
    for (const std::string& ns : enc_.slice().slice_policy_namespaces())
      if (!scope->count(ns)) {
        slice.findings.clear();
        for (PropertyResult& p : slice.properties) {
          p.result = ProofResult::kUnknown;
          p.core.clear();
          p.reason = "the slice plan did not key " + e.dest +
                     "'s sources by the policies of namespace " + ns +
                     " (a meshsim defect; please report it)";
        }
        break;
      }
  return slice;
}

// Answers `property` on the slice (or reuses the answer of the same query
// in this chunk) and records its verdict, counterexamples and proof core.
ProofResult Prover::Run(SliceQueries& q, VerifyResult& slice,
                        const std::string& property, const z3::expr& goal,
                        const std::vector<z3::expr>& assumptions,
                        const std::string& what) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string key = property + "|" + q.kinds + "|" +
                    std::to_string(q.statics.id()) + "|" +
                    std::to_string(goal.id());
  for (const z3::expr& a : assumptions) key += "," + std::to_string(a.id());
  auto [it, fresh] = answers_.try_emplace(key);
  Answer& ans = it->second;
  const bool want_models = reported_[property] < options_.max_findings;
  if (fresh) {
    keep_alive_.push_back(q.statics);
    keep_alive_.push_back(goal);
    keep_alive_.insert(keep_alive_.end(), assumptions.begin(),
                       assumptions.end());
  }
  if (fresh ||
      (want_models && !ans.enumerated && ans.first == ProofResult::kViolated))
    Solve(q, ans, goal, assumptions, want_models);
  PropertyResult pr{property};
  pr.classes_checked = q.pairs;
  pr.result = ans.first;
  if (ans.first == ProofResult::kViolated && want_models) {
    for (const z3::model& m : ans.models) {
      ++reported_[property];
      slice.findings.push_back(Decode(q.e, m, property, what));
    }
  } else if (ans.first == ProofResult::kUnknown) {
    pr.reason = ans.reason + " (" + q.e.dest + ")";
  } else if (ans.first == ProofResult::kProved) {
    // The core names this slice's policies by slice-local names.
    for (const std::string& n : ans.core)
      pr.core.push_back(enc_.slice().Real(n));
  }
  pr.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  slice.properties.push_back(std::move(pr));
  return ans.first;
}

// Asks the solver whether `goal` holds on the slice; on a violation, and
// when counterexamples are still wanted, one per kind of client (ambient,
// sidecar, uncaptured, ingress): each is a different mechanism with a
// different fix.
void Prover::Solve(SliceQueries& q, Answer& ans, const z3::expr& goal,
                   const std::vector<z3::expr>& assumptions, bool want_models) {
  if (!q.pushed) {
    s_.push();
    s_.add(q.statics);
    q.pushed = true;
  }
  s_.push();
  s_.add(goal);
  Query r = Check(s_, assumptions, deadline_, options_.rlimit);
  ans.first = ans.last = r.result;
  ans.reason = r.reason;
  ans.core = r.core;
  if (r.result == ProofResult::kViolated && want_models) {
    ans.enumerated = true;
    for (int n = 0; n < 4 && r.result == ProofResult::kViolated; ++n) {
      // A counterexample a client can send and `paths` can replay: when the
      // violation allows it, an HTTP request with a standard method and an
      // absolute path (the solver is free to leave both empty). Only the
      // witness is chosen so; the verdict above covers every request.
      s_.push();
      s_.add(z3::implies(q.e.http,
                         enc_.HttpMethod(q.e.method) &&
                             z3::prefixof(s_.ctx().string_val("/"), q.e.path)));
      Query sendable = Check(s_, assumptions, deadline_, options_.rlimit);
      s_.pop();
      if (sendable.result == ProofResult::kViolated) r.model = sendable.model;
      ans.models.push_back(*r.model);
      const int k = r.model->eval(q.e.src, true).get_numeral_int();
      const ClientKind kind = classes_[static_cast<size_t>(std::clamp<int>(
                                           k, 0, classes_.size() - 1))]
                                  .kind;
      s_.add(!enc_.SrcIs(q.e,
                         [&](const SourceClass& c) { return c.kind == kind; }));
      r = Check(s_, assumptions, deadline_, options_.rlimit);
    }
    ans.last = r.result;
  }
  s_.pop();
}

// Finding `rule` from a counterexample: the request it describes, the
// objects it involves and a fix for the source's kind.
Finding Prover::Decode(const Encoded& e, const z3::model& m,
                       const std::string& rule, const std::string& what) {
  Finding f;
  f.rule = rule;
  f.severity = RuleSeverity(rule);
  const int k = m.eval(e.src, true).get_numeral_int();
  const int i = m.eval(e.ep, true).get_numeral_int();
  const SourceClass& cls =
      classes_[static_cast<size_t>(std::clamp<int>(k, 0, classes_.size() - 1))];
  const Endpoint& ep =
      e.eps[static_cast<size_t>(std::clamp<int>(i, 0, e.eps.size() - 1))];
  const Cluster& dc = sc_.mesh.clusters[ep.cluster];
  const Workload& pod = dc.workloads[ep.wi];
  f.from =
      cls.workload.empty()
          ? ClassLabel(cls)
          : (cls.kind == ClientKind::kIngress ? cls.gateway : cls.workload);
  f.from_cluster = sc_.mesh.clusters[cls.cluster].name;
  f.client_kind = ClientKindName(cls.kind);
  const int port = m.eval(e.port, true).get_numeral_int();
  f.to = e.svc
             ? e.svc->Hostname() + ":" + std::to_string(port)
             : pod.ip + ":" + std::to_string(port) + " (" + pod.Subject() + ")";
  f.cluster = dc.name;
  const bool http = m.eval(e.http, true).is_true();
  if (http)
    f.http = m.eval(e.method, true).get_string() + " " +
             m.eval(e.path, true).get_string();
  // §16.4: a counterexample that needs a token says which.
  if (std::optional<JwtToken> tok = verify::WitnessToken(ctx_, m, http))
    f.http += " with a JWT " + tok->Text();
  if (cls.kind == ClientKind::kIngress) {
    f.req_from_ingress = cls.gateway;
  } else {
    f.req_from_workload = cls.workload;
  }
  if (e.svc && cls.kind == ClientKind::kIngress && !cls.router) {
    // §9: the Host the outside client sends, as the solver chose it for the
    // ingress's routes (any, when no route reads it).
    const std::string host = m.eval(e.host, true).get_string();
    f.req_to_host = host.empty() ? "counterexample.example.com" : host;
  } else if (e.svc) {
    f.req_to_host = e.svc->Hostname();
  } else {
    f.req_to_pod = pod.Key();
  }
  f.req_port = port;
  // The outside client dials the ingress's listener, not the backend's port.
  if (e.svc && cls.kind == ClientKind::kIngress && !cls.router)
    f.req_port = verify::IngressListenerPort(sc_.mesh.clusters[cls.cluster],
                                             cls, f.req_to_host, port);
  if (http) {
    f.req_method = m.eval(e.method, true).get_string();
    f.req_path = m.eval(e.path, true).get_string();
  }
  if (cls.router && e.svc) {
    // §16.3: the outside client dials an Istio Gateway of the Router.
    const Cluster& rc = sc_.mesh.clusters[cls.cluster];
    if (const Service* local = rc.FindService(e.svc->Key()))
      if (std::optional<verify::RouterEntry> in =
              verify::RouterEntryTo(rc, cls, *local))
        verify::EnterThrough(*in, f);
  }
  std::string intended;
  for (const std::string& w : e.intended)
    intended += (intended.empty() ? "" : ", ") + w;
  f.message = ClassLabel(cls) + " in cluster " + f.from_cluster + " " + what +
              " " + e.dest + " (" + pod.Subject() + " in cluster " + dc.name +
              ")" +
              (intended.empty()
                   ? ""
                   : ", whose configuration asks for waypoint " + intended);
  // The replay's path should end where this counterexample does.
  f.landing_pod = pod.Key();
  const size_t ei =
      static_cast<size_t>(std::clamp<int>(i, 0, e.eps.size() - 1));
  if (e.route_bypass && m.eval(*e.route_bypass, true).is_true() &&
      ei < e.ep_svc.size() && e.ep_svc[ei]) {
    // K11: say which route and which waypoint the backend asked for.
    intended = e.ep_intended[ei];
    std::string rule_name = "a route";
    const HttpRoute* route = nullptr;
    for (const Encoded::RouteRule& r : e.route_rules)
      if (m.eval(r.first, true).is_true()) {
        rule_name = r.name;
        route = r.route;
      }
    const std::string via = enc_.slice().Real(m.eval(e.via, true).get_string());
    f.message = ClassLabel(cls) + " in cluster " + f.from_cluster +
                " is sent by " + rule_name + " of " + e.dest + " at waypoint " +
                via + " to service " + e.ep_svc[ei]->Key() + " (" +
                pod.Subject() + "), whose configuration asks for waypoint " +
                intended +
                ", which a waypoint never forwards to: the request skips it "
                "(§3.7, K11)";
    f.objects.push_back(
        {e.ep_svc[ei]->kind, e.ep_svc[ei]->Key(), e.ep_svc[ei]->location});
    f.past_backend_waypoint = true;
    f.landing_pod = pod.Key();
    f.fix = "route to a service served by the same waypoint, or apply " +
            intended + "'s policies at " + via + " too";
    // The route errs, not the service: it comes first.
    if (route)
      f.objects.insert(f.objects.begin(),
                       {route->kind, route->Key(), route->location});
  }
  if (e.svc) f.objects.push_back({e.svc->kind, e.svc->Key(), e.svc->location});
  if (pod.service_entry.empty())
    f.objects.push_back({pod.kind, pod.Key(), pod.location});
  else  // §3.4: the endpoint is written in its ServiceEntry
    f.objects.push_back(
        {"ServiceEntry", pod.ns + "/" + pod.service_entry, pod.location});
  if (!cls.workload.empty()) {
    const Workload* sw =
        sc_.mesh.clusters[cls.cluster].FindWorkload(cls.workload);
    if (sw) f.objects.push_back({"Pod", sw->Key(), sw->location});
  }
  if (f.fix.empty() && &sc_.mesh.clusters[cls.cluster] != &dc)
    f.fix = CrossClusterFix(sc_.mesh, cls, e);
  if (f.fix.empty()) f.fix = FixFor(cls, e);
  // §4.3 needs an enforcement point at the destination: one outside the
  // mesh (an uncaptured pod, a plain WorkloadEntry, an EndpointSlice's
  // opaque address) has none, so no policy there can guard it.
  const bool unguardable = pod.capture == Capture::kUncaptured;
  if (unguardable) f.fix = UnguardableFix(pod, e);
  // The root cause: the destination's namespace admits requests that skip
  // the waypoint it asks for; one guard there fixes every such finding.
  // K10: a waypoint only headless Services ask for passes no request to
  // the pod: a guard would deny every one.
  const bool bypass = rule == "waypoint-bypass" || rule == "fail-open-exposure";
  const bool no_route_in =
      bypass && !unguardable &&
      verify::HeadlessCause(sc_.mesh, dc, ep.wi, intended, &f.cause, &f.fix);
  if (bypass && !intended.empty() && !unguardable && !no_route_in) {
    f.cause = "namespace " + pod.ns + " in cluster " + dc.name +
              " has no L4 guard for waypoint " + intended;
    const Gateway* gw = dc.FindGateway(intended);
    if (gw)
      f.fix_yaml =
          GuardYaml(pod.ns, enc_.slice().WaypointPrincipal(ep.cluster, *gw));
  } else if (rule == "waypoint-double-pass") {
    f.cause = e.dest + " in cluster " + dc.name +
              " can be reached through two waypoints";
  }
  // Waypoints the model deleted (fail-open exposure).
  for (const auto& [key, v] : enc_.slice().deleted())
    if (m.eval(v, true).is_true())
      f.message += "; when waypoint " + key + " is missing or not ready";
  return f;
}

// `--cache`: a chunk's work (ChunkCache) as text, each field length-prefixed;
// the plan's classes by SlicePlan::ClassTableDigest, each destination's by
// SlicePlan::ClassesKeys.
std::string ChunkWork(const VerifyOptions& o,
                      const std::vector<SliceDestination>& dests, size_t begin,
                      const std::string& class_table,
                      const std::vector<std::string>& class_keys) {
  std::string w;
  auto field = [&w](const std::string& s) {
    w += std::to_string(s.size()) + ":" + s;
  };
  field("rlimit=" + std::to_string(o.rlimit));
  field("max_findings=" + std::to_string(o.max_findings));
  field(o.keys_by_namespace ? "keys=namespace" : "keys=mesh");
  field(o.local_names ? "names=local" : "names=keys");
  for (const std::string& p : o.properties) field("property=" + p);
  field("class-table=" + class_table);
  for (size_t i = 0; i < class_keys.size(); ++i) {
    const SliceDestination& d = dests[begin + i];
    field(d.service ? "service" : "pod");
    field(d.key);
    field(d.cluster);
    for (int a : d.at) field(std::to_string(a));
    field(std::to_string(d.wi) + "x" + std::to_string(d.weight));
    field("classes=" + class_keys[i]);
  }
  return w;
}

bool Decided(const VerifyChunk& chunk) {
  if (!chunk.expired.empty()) return false;
  for (const VerifyResult& s : chunk.slices)
    for (const PropertyResult& p : s.properties)
      if (p.result == ProofResult::kUnknown) return false;
  return true;
}

}  // namespace

size_t VerifyChunkCount(const Scenario& sc, size_t chunk) {
  const SlicePlan plan = PlanSlices({&sc}, SlicePlanOptions{});
  chunk = std::max<size_t>(1, chunk);
  return (plan.destinations().size() + chunk - 1) / chunk;
}

std::vector<std::pair<size_t, VerifyChunk>> ProveChunks(
    const Scenario& sc, const VerifyOptions& options,
    const std::function<bool(size_t)>& owns) {
  // Sources told apart by the policies that can apply to each destination
  // (§8.1), not by every policy of the mesh: with a policy per namespace,
  // every namespace would otherwise be a class of its own everywhere.
  SlicePlanOptions plan_options;
  plan_options.keys_by_namespace = options.keys_by_namespace;
  SlicePlan plan = PlanSlices({&sc}, plan_options);
  const std::vector<SliceDestination>& dests = plan.destinations();
  std::vector<std::pair<size_t, VerifyChunk>> out;
  const size_t chunk_size = std::max<size_t>(1, options.chunk);
  for (size_t c = 0; c * chunk_size < dests.size(); ++c)
    if (!owns || owns(c)) out.emplace_back(c, VerifyChunk{});
  // One identity index for every chunk's encoder; each destination's source
  // classes are planned when its chunk is proved, never all at once.
  const std::shared_ptr<const verify::PrincipalIndex> index =
      verify::IndexPrincipals(sc);
  const Deadline deadline(options.timeout_s);
  ParallelFor(out.size(), options.jobs, [&](size_t k) {
    const size_t c = out[k].first;
    const size_t begin = c * chunk_size;
    const size_t end = std::min(dests.size(), begin + chunk_size);
    VerifyChunk& chunk = out[k].second;
    std::string work;
    if (options.cache) {
      const std::vector<std::string> keys = plan.ClassesKeys(dests, begin, end);
      work = ChunkWork(options, dests, begin, plan.ClassTableDigest(), keys);
      if (std::optional<VerifyChunk> hit =
              options.cache->Find(work, end - begin)) {
        chunk = std::move(*hit);
        // Seconds are this run's: none were spent proving it.
        for (VerifyResult& slice : chunk.slices)
          for (PropertyResult& p : slice.properties) p.seconds = 0;
        return;
      }
    }
    Prover prover(sc, options, deadline, index);
    for (size_t i = begin; i < end; ++i) {
      if (deadline.Expired()) {
        chunk.expired = deadline.Reason();
        break;
      }
      chunk.slices.push_back(prover.Prove(
          dests[i], std::move(plan.ClassesFor(dests[i]).versions[0]),
          plan.PolicyScope(dests[i])));
    }
    chunk.intent = prover.intent_seen();
    chunk.passes = prover.passes_seen();
    if (options.cache && Decided(chunk))
      options.cache->Store(work, prover.policy_namespaces(), chunk);
  });
  return out;
}

VerifyResult VerifyLint(const Scenario& sc) {
  verify::LintResult lint = verify::Lint(sc);
  VerifyResult out;
  out.findings = std::move(lint.findings);
  // double-l7 is decided here, with no solver: violated by a finding,
  // proved over the ingress routes it concerns, or not applicable.
  PropertyResult d{"double-l7"};
  d.classes_checked = lint.double_l7_concerned;
  if (lint.double_l7_concerned == 0) {
    d.result = ProofResult::kNotApplicable;
    d.reason =
        "no ingress route sends requests to a service through its waypoint";
  }
  for (const Finding& f : out.findings)
    if (f.rule == "double-l7") d.result = ProofResult::kViolated;
  out.properties.push_back(d);
  return out;
}

VerifyResult CombineVerify(const std::vector<VerifyChunk>& chunks,
                           const VerifyResult& lint,
                           const VerifyOptions& options) {
  VerifyResult out;
  PropertyResult bypass{"waypoint-bypass"}, dbl{"waypoint-double-pass"},
      exposure{"fail-open-exposure"};
  std::map<std::string, PropertyResult*> by_name = {
      {bypass.name, &bypass}, {dbl.name, &dbl}, {exposure.name, &exposure}};
  std::set<std::string> core;
  std::map<std::string, size_t> reported, suppressed;
  bool intent_seen = false, passes_seen = false;
  std::string expired;
  // Destination by destination, in the plan's order: the verdicts, and the
  // counterexamples up to --max-findings per property.
  for (const VerifyChunk& chunk : chunks) {
    intent_seen = intent_seen || chunk.intent;
    passes_seen = passes_seen || chunk.passes;
    if (!chunk.expired.empty()) expired = chunk.expired;
    for (const VerifyResult& slice : chunk.slices)
      for (const PropertyResult& p : slice.properties) {
        PropertyResult& pr = *by_name.at(p.name);
        pr.classes_checked += p.classes_checked;
        pr.seconds += p.seconds;
        if (p.result == ProofResult::kViolated) {
          if (pr.result != ProofResult::kUnknown)
            pr.result = ProofResult::kViolated;
          if (reported[p.name] >= options.max_findings) {
            ++suppressed[p.name];
            continue;
          }
          for (const Finding& f : slice.findings)
            if (f.rule == p.name) {
              ++reported[p.name];
              out.findings.push_back(f);
            }
        } else if (p.result == ProofResult::kUnknown) {
          pr.result = ProofResult::kUnknown;
          pr.reason = p.reason;
        } else {
          core.insert(p.core.begin(), p.core.end());
        }
      }
  }
  // The --timeout expired: every property not already violated is
  // unknown, since slices were left unsolved.
  if (!expired.empty())
    for (PropertyResult* pr : {&bypass, &dbl, &exposure}) {
      if (pr->result == ProofResult::kViolated) continue;
      pr->result = ProofResult::kUnknown;
      pr->reason = expired;
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
  for (const Finding& f : lint.findings) {
    if (f.rule == "waypoint-bypass" && bypass.result == ProofResult::kProved) {
      bypass.result = ProofResult::kViolated;
      bypass.core.clear();
    }
    if (f.rule == "waypoint-double-pass" &&
        dbl.result == ProofResult::kProved) {
      dbl.result = ProofResult::kViolated;
      dbl.core.clear();
    }
    if (Wanted(options, f.rule) || options.properties.empty())
      out.findings.push_back(f);
  }
  // A property no request concerns is not applicable, never proved.
  auto vacuous = [](PropertyResult& pr, bool concerned, const char* why) {
    if (concerned || pr.result != ProofResult::kProved) return;
    pr.result = ProofResult::kNotApplicable;
    pr.reason = why;
    pr.core.clear();
  };
  const char* no_intent =
      "no destination the encoding covers asks for a waypoint (a "
      "ServiceEntry without endpoints in the mesh is not encoded)";
  vacuous(bypass, intent_seen, no_intent);
  vacuous(exposure, intent_seen, no_intent);
  vacuous(dbl, passes_seen,
          "no request the encoding covers can pass a waypoint");
  // Exposure is asked only where no bypass exists with every waypoint up:
  // where every such destination already has one, nothing was asked.
  if (exposure.result == ProofResult::kProved && exposure.classes_checked == 0)
    vacuous(exposure, false,
            "every destination that asks for a waypoint already violates "
            "waypoint-bypass, so exposure (a bypass only while a waypoint is "
            "down) was asked of none");
  if (Wanted(options, "waypoint-bypass")) out.properties.push_back(bypass);
  if (Wanted(options, "waypoint-double-pass")) out.properties.push_back(dbl);
  if (Wanted(options, "fail-open-exposure")) out.properties.push_back(exposure);
  for (const PropertyResult& p : lint.properties)
    if (Wanted(options, p.name)) out.properties.push_back(p);
  out.groups = GroupFindings(out.findings);
  return out;
}

std::vector<FindingGroup> GroupFindings(const std::vector<Finding>& findings) {
  std::vector<FindingGroup> out;
  std::map<std::pair<std::string, std::string>, size_t> index;
  std::vector<std::set<std::string>> dests, clients;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    size_t g;
    auto it = f.cause.empty() ? index.end() : index.find({f.rule, f.cause});
    if (it != index.end()) {
      g = it->second;
    } else {
      g = out.size();
      FindingGroup fg;
      fg.rule = f.rule;
      fg.cause = f.cause.empty() ? f.message : f.cause;
      fg.representative = i;
      fg.fix = f.fix;
      fg.fix_yaml = f.fix_yaml;
      if (!f.fix_yaml.empty())
        fg.fix =
            "make the waypoint mandatory (§4.3): apply the AuthorizationPolicy "
            "below, which allows only the waypoint's principal at these "
            "destinations (merge it with ALLOW policies the namespace already "
            "has)";
      out.push_back(std::move(fg));
      dests.emplace_back();
      clients.emplace_back();
      if (!f.cause.empty()) index.emplace(std::make_pair(f.rule, f.cause), g);
    }
    ++out[g].count;
    // The representative: the first by message, whatever order the
    // findings came in (the same manifests in another order give the same
    // groups, docs/robustness.md).
    if (f.message < findings[out[g].representative].message)
      out[g].representative = i;
    if (!f.objects.empty()) dests[g].insert(f.objects.front().name);
    if (!f.client_kind.empty()) clients[g].insert(f.client_kind);
  }
  for (size_t g = 0; g < out.size(); ++g) {
    out[g].destinations.assign(dests[g].begin(), dests[g].end());
    out[g].clients.assign(clients[g].begin(), clients[g].end());
  }
  std::stable_sort(
      out.begin(), out.end(), [](const FindingGroup& a, const FindingGroup& b) {
        return std::tie(a.rule, a.cause) < std::tie(b.rule, b.cause);
      });
  return out;
}

VerifyResult Verify(const Scenario& sc, const VerifyOptions& options) {
  // With more than one job, the lint rules (no solver) run on a thread of
  // their own while the chunks are proved; both only read the scenario.
  std::future<VerifyResult> lint;
  if (options.jobs > 1)
    lint = std::async(std::launch::async, [&sc] { return VerifyLint(sc); });
  std::vector<VerifyChunk> chunks;
  for (auto& [index, chunk] : ProveChunks(sc, options, nullptr))
    chunks.push_back(std::move(chunk));
  return CombineVerify(chunks, lint.valid() ? lint.get() : VerifyLint(sc),
                       options);
}

}  // namespace meshsim
