// Istio's string, path and trust-domain patterns in AuthorizationPolicies
// (model/policy.h; §8, §8.4, §8.7), shared by the simulator and the
// encoding.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/policy.h"

namespace meshsim {

bool TrustDomainMatches(const std::string& pattern, const std::string& td) {
  if (td.empty()) return false;
  if (pattern == "*") return true;
  const size_t star = pattern.find('*');
  if (star == std::string::npos) return pattern == td;
  // srcTrustDomainGenerator: prefix, then [^/]*, then the rest literally.
  const std::string prefix = pattern.substr(0, star);
  const std::string suffix = pattern.substr(star + 1);
  return td.size() >= prefix.size() + suffix.size() &&
         td.compare(0, prefix.size(), prefix) == 0 &&
         td.compare(td.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         td.find('/', prefix.size()) >=
             td.size() - suffix.size();  // the wildcard spans no '/'
}

// §16.4 (generator.go requestPrincipalGenerator): a requestPrincipals (or
// request.auth.principal) value is split at its last '/' into an issuer
// and a subject, each matched against the token's own claim: "*" any
// (non-empty) pair; "*x/y" an issuer ending in x ("*" any) and subject y;
// "x/y*" issuer x and a subject starting with y ("*" any); "*x" (no '/')
// any issuer and a subject ending in x; "x*" an issuer starting with x;
// else exactly the issuer and the subject. So "https://iss*" asks for
// issuer "https:/", and "iss/a/b" does not match subject "a/b".
bool RequestPrincipalMatch(const std::string& p, const JwtToken& t) {
  const size_t idx = p.rfind('/');
  const bool found = idx != std::string::npos;
  const std::string iss = found ? p.substr(0, idx) : p;
  const std::string sub = found ? p.substr(idx + 1) : "";
  auto any = [](const std::string& v) { return !v.empty(); };
  auto ends = [](const std::string& v, const std::string& x) {
    return v.size() >= x.size() &&
           v.compare(v.size() - x.size(), x.size(), x) == 0;
  };
  auto starts = [](const std::string& v, const std::string& x) {
    return v.compare(0, x.size(), x) == 0;
  };
  if (p == "*") return any(t.iss) && any(t.sub);
  if (!p.empty() && p.front() == '*') {
    if (!found) return any(t.iss) && ends(t.sub, p.substr(1));
    return (iss == "*" ? any(t.iss) : ends(t.iss, iss.substr(1))) &&
           t.sub == sub;
  }
  if (!p.empty() && p.back() == '*') {
    if (!found) return starts(t.iss, p.substr(0, p.size() - 1)) && any(t.sub);
    return t.iss == iss &&
           (sub == "*" ? any(t.sub)
                       : starts(t.sub, sub.substr(0, sub.size() - 1)));
  }
  return t.iss == iss && t.sub == sub;
}

// matcher/string.go StringMatcherWithPrefix: "*" any non-empty value; a
// leading '*' first (so "*a*" is the suffix "a*", taken literally), then a
// trailing one; any other '*' is literal.
bool IstioStringMatch(const std::string& pattern, const std::string& value) {
  if (pattern == "*") return !value.empty();
  if (pattern.size() > 1 && pattern.front() == '*') {
    const std::string suffix = pattern.substr(1);
    return value.size() >= suffix.size() &&
           value.compare(value.size() - suffix.size(), suffix.size(), suffix) ==
               0;
  }
  if (pattern.size() > 1 && pattern.back() == '*') {
    const std::string prefix = pattern.substr(0, pattern.size() - 1);
    return value.compare(0, prefix.size(), prefix) == 0;
  }
  return pattern == value;
}

namespace {

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(
        start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

// RFC 3986 pchar, as Envoy's uri_template matcher admits it in a segment
// (§8.4).
bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') ||
         std::string_view("-._~%!$&'()+,;:@=").find(c) !=
             std::string_view::npos;
}

// Linear in the path: {**} is the last operator (ValidatePathTemplate), so
// the literal segments after it, if any, are the path's last ones.
bool TemplateMatch(const std::vector<std::string>& pat,
                   const std::vector<std::string>& segs) {
  size_t si = 0;
  for (size_t pi = 0; pi < pat.size(); ++pi) {
    if (si == segs.size()) return false;
    if (pat[pi] == kMatchAnySegments) {
      // Zero or more pchars or '/' (Envoy's uri_template), then the literal
      // segments after it (`/a/{**}/x`: "/a/" + [pchar/]* + "/x"): those
      // are the path's last ones, after at least one (maybe empty) more.
      const size_t tail = pat.size() - pi - 1;
      if (segs.size() - si < tail + 1) return false;
      for (size_t k = 0; k < tail; ++k)
        if (pat[pi + 1 + k] != segs[segs.size() - tail + k]) return false;
      for (; si < segs.size() - tail; ++si)
        for (char c : segs[si])
          if (!IsPathChar(c)) return false;
      return true;
    }
    if (pat[pi] == kMatchOneSegment) {
      if (segs[si].empty()) return false;
      for (char c : segs[si])
        if (!IsPathChar(c)) return false;
    } else if (pat[pi] != segs[si]) {
      return false;
    }
    ++si;
  }
  return si == segs.size();
}

}  // namespace

bool IstioPathMatch(const std::string& pattern, const std::string& raw_path) {
  const std::string path = raw_path.substr(0, raw_path.find('?'));
  if (pattern.find('{') != std::string::npos && !pattern.empty() &&
      pattern[0] == '/' && !path.empty() && path[0] == '/') {
    return TemplateMatch(Segments(pattern), Segments(path));
  }
  return IstioStringMatch(pattern, path);
}

std::optional<std::string> PathTemplateError(const std::string& pattern) {
  if (pattern.find_first_of("{}") == std::string::npos) return std::nullopt;
  if (pattern.empty() || pattern[0] != '/')
    return "a path template must start with '/'";
  bool any_seen = false;
  for (const std::string& seg : Segments(pattern)) {
    if (seg == kMatchOneSegment || seg == kMatchAnySegments) {
      if (any_seen) return "{**} must be the last operator of a template";
      any_seen = seg == kMatchAnySegments;
      continue;
    }
    if (seg.find_first_of("{}") != std::string::npos)
      return "segment '" + seg +
             "' holds '{' or '}' beyond the operators {*} and {**}, which "
             "must each be a whole segment";
    for (char c : seg)
      if (!IsPathChar(c))
        return "segment '" + seg + "' holds '" + std::string(1, c) +
               "', which is not a path character (RFC 3986 pchar)";
  }
  return std::nullopt;
}

}  // namespace meshsim
