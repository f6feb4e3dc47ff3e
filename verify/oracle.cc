// OutcomeOracle (verify/verifier.h): the encoding asked about one concrete
// request at a time, for the differential test.
#include <z3++.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "model/text.h"
#include "verify/encoder.h"
#include "verify/verifier.h"

namespace meshsim {

using verify::Encoded;
using verify::Encoder;

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

EncodedOutcomes OutcomeOracle::Outcomes(
    const SourceClass& src, const std::string& to_service,
    const std::string& to_pod, int port, const std::string& method,
    const std::string& path, const JwtToken* jwt, const std::string& host,
    const std::map<std::string, std::string>* headers) {
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
      // The pod of the source's cluster, else the first other cluster's.
      const auto& clusters = impl_->sc.mesh.clusters;
      for (size_t n = 0; n < clusters.size() && !e; ++n) {
        const size_t ci =
            (static_cast<size_t>(src.cluster) + n) % clusters.size();
        auto wi = clusters[ci].workload_by_key.find(to_pod);
        if (wi != clusters[ci].workload_by_key.end())
          e = impl_->enc.PodSlice(static_cast<int>(ci), wi->second);
      }
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
  // The Host it names, when given (an ingress's routes read it, §9), by
  // its lower-case spelling, which stands for every other.
  if (!host.empty()) s.add(e.host == ctx.string_val(AsciiLower(host)));
  // The concrete request carries these headers only.
  for (const std::string& h : impl_->enc.HeaderNames()) {
    const auto* value =
        headers && headers->count(h) ? &headers->at(h) : nullptr;
    s.add(ctx.bool_const(("has-header:" + h).c_str()) == ctx.bool_val(value));
    if (value)
      s.add(ctx.string_const(("header:" + h).c_str()) ==
            ctx.string_val(*value));
  }
  s.add(ctx.bool_const("jwt:present") == ctx.bool_val(jwt != nullptr));
  if (jwt) {
    s.add(ctx.string_const("jwt:iss") == ctx.string_val(jwt->iss));
    s.add(ctx.string_const("jwt:sub") == ctx.string_val(jwt->sub));
    s.add(ctx.string_const("jwt:azp") == ctx.string_val(jwt->azp));
    s.add(ctx.string_const("jwt:aud") ==
          ctx.string_val(jwt->aud.empty() ? "" : jwt->aud.front()));
    s.add(ctx.bool_const("jwt:expired") == ctx.bool_val(jwt->expired));
    for (const auto& [name, values] : jwt->claims) {
      s.add(ctx.bool_const(("jwt-has-claim:" + name).c_str()));
      s.add(ctx.string_const(("jwt-claim:" + name).c_str()) ==
            ctx.string_val(values.empty() ? "" : values.front()));
    }
  }
  for (const std::string& name : impl_->enc.ClaimNames())
    if (!jwt || !jwt->claims.count(name))
      s.add(!ctx.bool_const(("jwt-has-claim:" + name).c_str()));
  for (int guard = 0; guard < 32; ++guard) {
    z3::check_result r = s.check();
    if (r == z3::unknown) {
      out.unknown = true;
      break;
    }
    if (r == z3::unsat) break;
    z3::model m = s.get_model();
    const int passes = m.eval(e.passes, true).get_numeral_int();
    const int oc = m.eval(e.outcome, true).get_numeral_int();
    const Outcome o = oc == 0   ? Outcome::kDelivered
                      : oc == 1 ? Outcome::kDenied
                                : Outcome::kFailed;
    const std::string via = m.eval(e.via, true).get_string();
    out.outcomes.insert({passes, o});
    out.detailed.insert({passes, via, o});
    s.add(!(e.passes == ctx.int_val(passes) && e.outcome == ctx.int_val(oc) &&
            e.via == ctx.string_val(via)));
  }
  s.pop();
  return out;
}

// The token a counterexample carries: what the oracle pins above, read
// back from a model.
std::optional<JwtToken> verify::WitnessToken(z3::context& ctx,
                                             const z3::model& m, bool http) {
  if (!http || !m.eval(ctx.bool_const("jwt:present"), true).is_true())
    return std::nullopt;
  auto str = [&](const std::string& name) {
    return m.eval(ctx.string_const(name.c_str()), true).get_string();
  };
  JwtToken tok;
  tok.iss = str("jwt:iss");
  tok.sub = str("jwt:sub");
  tok.azp = str("jwt:azp");
  if (std::string aud = str("jwt:aud"); !aud.empty()) tok.aud.push_back(aud);
  tok.expired = m.eval(ctx.bool_const("jwt:expired"), true).is_true();
  for (unsigned d = 0; d < m.num_consts(); ++d) {
    const std::string name = m.get_const_decl(d).name().str();
    if (name.rfind("jwt-has-claim:", 0) != 0) continue;
    if (!m.get_const_interp(m.get_const_decl(d)).is_true()) continue;
    const std::string claim = name.substr(14);
    tok.claims[claim] = {str("jwt-claim:" + claim)};
  }
  return tok;
}

}  // namespace meshsim
