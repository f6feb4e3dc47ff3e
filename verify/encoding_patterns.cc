// AuthorizationPolicy string, host, path-template and request-principal
// patterns stated for Z3 (docs/semantics.md §8, §8.4, §16.4), on their own:
// the simulator's are model/policy_strings.cc and model/policy.cc.
#include <string>
#include <vector>

#include "model/policy.h"
#include "model/text.h"
#include "verify/encoding.h"

namespace meshsim::verify {

// Istio string pattern on a Z3 string (§8: exact, prefix*, *suffix, *).
z3::expr PatternMatch(z3::context& c, const std::string& p, const z3::expr& v,
                      const z3::expr& present) {
  if (p == "*") return present;
  // A leading '*' is read first ("*a*": the suffix "a*", literally).
  if (p.size() > 1 && p.front() == '*')
    return present && z3::suffixof(c.string_val(p.substr(1)), v);
  if (p.size() > 1 && p.back() == '*')
    return present && z3::prefixof(c.string_val(p.substr(0, p.size() - 1)), v);
  return present && v == c.string_val(p);
}

z3::expr AnyPattern(z3::context& c, const std::vector<std::string>& ps,
                    const z3::expr& v, const z3::expr& present) {
  // One n-ary `or`: a chain of binary ones is as deep as the list, and Z3
  // flattens it into quadratically many terms (a policy of 10,000 notHosts
  // took 45 s and 490 MB to tear down).
  AnyOf out(c);
  for (const std::string& p : ps) out.Add(PatternMatch(c, p, v, present));
  return out.Build();
}

// §4.2: AuthorizationPolicy `hosts` compare case-insensitively: the
// patterns are lowered, and a request stands for every spelling of its
// Host by its lower-case one (docs/verification.md#hosts).
z3::expr AnyHost(z3::context& c, std::vector<std::string> ps,
                 const z3::expr& host) {
  for (std::string& p : ps) p = AsciiLower(p);
  return AnyPattern(c, ps, host, c.bool_val(true));
}

z3::expr ReUnion(z3::context& c, const std::vector<z3::expr>& parts) {
  std::vector<Z3_ast> asts(parts.begin(), parts.end());
  Z3_ast r = Z3_mk_re_union(c, static_cast<unsigned>(asts.size()), asts.data());
  c.check_error();
  return z3::expr(c, r);
}

// A path template (§8.4) as a Z3 regular expression, stated here on its own
// (the simulator walks segments): a segment of pchars; {*} one or more of
// them, {**} zero or more of them or '/'; literal segments may follow {**}
// (the loader has refused other templates that are not valid).
z3::expr TemplateRegex(z3::context& c, const std::string& t) {
  std::vector<z3::expr> chars = {
      z3::range(c.string_val("a"), c.string_val("z")),
      z3::range(c.string_val("A"), c.string_val("Z")),
      z3::range(c.string_val("0"), c.string_val("9"))};
  for (char ch : std::string("-._~%!$&'()+,;:@="))
    chars.push_back(z3::to_re(c.string_val(std::string(1, ch))));
  const z3::expr pchar = ReUnion(c, chars);
  chars.push_back(z3::to_re(c.string_val("/")));
  const z3::expr pchar_or_slash = ReUnion(c, chars);
  z3::expr re = z3::to_re(c.string_val(""));
  size_t start = 1;
  while (start <= t.size()) {
    size_t slash = t.find('/', start);
    const std::string seg = t.substr(
        start, slash == std::string::npos ? std::string::npos : slash - start);
    re = z3::concat(re, z3::to_re(c.string_val("/")));
    if (seg == kMatchAnySegments) {
      re = z3::concat(re, z3::star(pchar_or_slash));
    } else if (seg == kMatchOneSegment) {
      re = z3::concat(re, z3::plus(pchar));
    } else if (!seg.empty()) {
      re = z3::concat(re, z3::to_re(c.string_val(seg)));
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return re;
}

// Path patterns: templates as regular expressions, the rest as any string
// pattern. A query string ('?' and after) is not part of the path.
z3::expr AnyPathPattern(z3::context& c, const std::vector<std::string>& ps,
                        const z3::expr& v) {
  AnyOf out(c);
  for (const std::string& p : ps) {
    if (!p.empty() && p[0] == '/' && p.find('{') != std::string::npos) {
      z3::sort str = c.string_sort();
      const z3::expr query =
          z3::concat(z3::to_re(c.string_val("?")), z3::re_full(c.re_sort(str)));
      out.Add(z3::in_re(v, z3::concat(TemplateRegex(c, p), z3::option(query))));
    } else {
      out.Add(PatternMatch(c, p, v, c.bool_val(true)));
    }
  }
  return out.Build();
}

// §8.1: a source's identity and address fields, which every enforcement
// point reads; §8.7: service accounts are principal patterns after loading.
z3::expr SourceL4Terms(z3::context& c, const PolicySource& s, const Attrs& a) {
  z3::expr sm = c.bool_val(true);
  auto both = [&](const auto& in, const std::vector<std::string>& yes,
                  const std::vector<std::string>& no) {
    if (!yes.empty()) sm = sm && in(yes);
    if (!no.empty()) sm = sm && !in(no);
  };
  both(a.principal_in, s.principals, s.not_principals);
  both(a.principal_in, s.service_accounts, s.not_service_accounts);
  both(a.ns_in, s.namespaces, s.not_namespaces);
  both(a.ip_in, s.ip_blocks, s.not_ip_blocks);
  return sm;
}

// §16.4 stated for the encoding (generator.go requestPrincipalGenerator):
// whether a validated token's issuer and subject match requestPrincipals
// value `p`, which is split at its last '/'; "*" parts match any non-empty
// claim, a leading '*' is a suffix, a trailing one a prefix.
z3::expr RequestPrincipalTerm(z3::context& c, const std::string& p,
                              const z3::expr& iss, const z3::expr& sub) {
  const size_t idx = p.rfind('/');
  const bool found = idx != std::string::npos;
  const std::string pi = found ? p.substr(0, idx) : p;
  const std::string ps = found ? p.substr(idx + 1) : "";
  const z3::expr empty = c.string_val("");
  auto is = [&](const z3::expr& v, const std::string& x) {
    return v == c.string_val(x);
  };
  if (p == "*") return iss != empty && sub != empty;
  if (!p.empty() && p.front() == '*') {
    if (!found)
      return iss != empty && z3::suffixof(c.string_val(p.substr(1)), sub);
    return (pi == "*" ? iss != empty
                      : z3::suffixof(c.string_val(pi.substr(1)), iss)) &&
           is(sub, ps);
  }
  if (!p.empty() && p.back() == '*') {
    if (!found)
      return z3::prefixof(c.string_val(p.substr(0, p.size() - 1)), iss) &&
             sub != empty;
    return is(iss, pi) &&
           (ps == "*"
                ? sub != empty
                : z3::prefixof(c.string_val(ps.substr(0, ps.size() - 1)), sub));
  }
  return is(iss, pi) && is(sub, ps);
}

// Any of `ps` for the request's validated token (false without one).
z3::expr AnyRequestPrincipal(z3::context& c, const std::vector<std::string>& ps,
                             const Attrs& a) {
  if (!a.has_req_principal || !a.req_iss || !a.req_sub)
    return c.bool_val(false);
  AnyOf out(c);
  for (const std::string& p : ps)
    out.Add(RequestPrincipalTerm(c, p, *a.req_iss, *a.req_sub));
  return *a.has_req_principal && out.Build();
}

}  // namespace meshsim::verify
