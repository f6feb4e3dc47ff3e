// What istiod's validation webhook refuses in a VirtualService's http rule
// (pkg/config/validation: validateHTTPRoute, validateHTTPRetry), so
// `kubectl apply` fails, and the rule's retry policy (§16.2). See kinds.h.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/io/kinds.h"
#include "model/io/scenario_sections.h"

namespace meshsim::io {

namespace {

// retryOn conditions istiod accepts (validation.go supportedRetryOnPolicies:
// Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on conditions).
const std::vector<std::string>& RetryConditions() {
  static const std::vector<std::string> kConditions = {
      "5xx",
      "gateway-error",
      "reset",
      "reset-before-request",
      "connect-failure",
      "retriable-4xx",
      "refused-stream",
      "retriable-status-codes",
      "retriable-headers",
      "envoy-ratelimited",
      "http3-post-connect-failure",
      "cancelled",
      "deadline-exceeded",
      "internal",
      "resource-exhausted",
      "unavailable"};
  return kConditions;
}

// A retryOn entry as Go's strconv.Atoi reads it (an optional sign, then
// decimal digits: "0503" and "+503" are 503), as istiod's validation and
// its retry conversion (retry.go parseRetryOn) both do.
std::optional<int> Atoi(const std::string& t) {
  size_t i = !t.empty() && (t[0] == '+' || t[0] == '-') ? 1 : 0;
  if (i == t.size() || t.size() - i > 9 ||
      t.find_first_not_of("0123456789", i) != std::string::npos)
    return std::nullopt;
  const int n = std::stoi(t.substr(i));
  return t[0] == '-' ? -n : n;
}

// An HTTP status Go's net/http names (http.StatusText non-empty): a
// retryOn entry may be one.
bool KnownHttpStatus(const std::string& t) {
  const std::optional<int> n = Atoi(t);
  if (!n) return false;
  const int c = *n;
  static const std::set<int> kKnown = {
      100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208,
      226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403,
      404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416,
      417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500,
      501, 502, 503, 504, 505, 506, 507, 508, 510, 511};
  return kKnown.count(c) > 0;
}

}  // namespace

std::vector<int> RetriedStatuses(const std::string& retry_on) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= retry_on.size()) {
    size_t end = retry_on.find(',', start);
    if (end == std::string::npos) end = retry_on.size();
    std::string t = retry_on.substr(start, end - start);
    t.erase(0, t.find_first_not_of(' '));
    t.erase(t.find_last_not_of(' ') + 1);
    if (t == "5xx") {
      for (int c = 500; c < 600; ++c) out.push_back(c);
    } else if (t == "gateway-error") {
      out.insert(out.end(), {502, 503, 504});
    } else if (t == "retriable-4xx") {
      out.push_back(409);
    } else if (const std::optional<int> code = Atoi(t)) {
      out.push_back(*code);
    }
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ReadVsRetries(Reader& r, const yaml::Node& h, const std::string& hw,
                   HttpRouteRule& rule) {
  const yaml::Node retries = r.Child(h, "retries");
  if (!retries.IsDefined()) return;
  rule.retries_given = true;
  const std::string rw = hw + ".retries";
  const auto attempts =
      r.Int(r.Child(retries, "attempts"), rw + ".attempts", 0, 1000);
  if (attempts) rule.retry_attempts = static_cast<int>(*attempts);
  const auto on = r.String(r.Child(retries, "retryOn"), rw + ".retryOn");
  // validateHTTPRetry: attempts 0 (or none: the field's zero) disables
  // retries, and a policy given with it is refused.
  // (Looked up without marking them read: perTryTimeout and
  // retryRemoteLocalities stay warned as not modelled.) A null field is
  // absent, as the API server drops it, and an empty retryOn is none
  // (istiod: RetryOn != "").
  for (const char* field :
       {"retryOn", "perTryTimeout", "retryRemoteLocalities"})
    if (attempts.value_or(0) == 0 && retries[field].IsDefined() &&
        !retries[field].IsNull() &&
        !(retries[field].IsScalar() && retries[field].Scalar().empty())) {
      r.Error(retries[field],
              rw + "." + field + " is set while attempts is " +
                  (attempts ? "0" : "not set (0)") +
                  ", which disables retries; istiod's validation refuses it "
                  "(\"http retry policy configured when attempts are set to "
                  "0 (disabled)\"): set attempts, or drop the retry policy "
                  "(§16.2)");
      break;
    }
  if (!on || on->empty()) return;
  // Each comma-separated entry as written (istiod does not trim spaces): a
  // condition or an HTTP status.
  size_t start = 0;
  while (start <= on->size()) {
    size_t end = on->find(',', start);
    if (end == std::string::npos) end = on->size();
    const std::string t = on->substr(start, end - start);
    const auto& known = RetryConditions();
    if (!KnownHttpStatus(t) &&
        std::find(known.begin(), known.end(), t) == known.end()) {
      std::string trimmed = t;
      trimmed.erase(0, trimmed.find_first_not_of(' '));
      trimmed.erase(trimmed.find_last_not_of(' ') + 1);
      std::string hint;
      if (trimmed != t &&
          (KnownHttpStatus(trimmed) ||
           std::find(known.begin(), known.end(), trimmed) != known.end()))
        hint = " (did you mean '" + trimmed + "', without spaces?)";
      else
        hint = DidYouMean(t, known);
      r.Error(r.Child(retries, "retryOn"),
              rw + ".retryOn: '" + t +
                  "' is not a valid retryOn policy, as istiod's validation "
                  "says; expected an HTTP status or one of 5xx, "
                  "gateway-error, retriable-4xx, connect-failure, reset, "
                  "refused-stream, retriable-status-codes, ..." +
                  hint);
    }
    start = end + 1;
  }
  rule.retry_codes = RetriedStatuses(*on);
}

void CheckVsHttpRuleShape(Reader& r, const yaml::Node& h,
                          const std::string& hw) {
  // A null field is absent (the API server drops it).
  auto given = [&](const char* f) {
    return h[f].IsDefined() && !h[f].IsNull();
  };
  const bool route = h["route"].IsSequence() && h["route"].size() > 0;
  const bool redirect = given("redirect");
  const bool direct = given("directResponse");
  auto refuse = [&](const std::string& what, const std::string& istio) {
    r.Error(h, hw + ": " + what + "; istiod's validation refuses it (\"" +
                   istio + "\"), so kubectl apply fails (§16.2)");
  };
  if (given("delegate")) {
    // validateHTTPRouteConflict: a root route names its delegate, and
    // neither destinations nor a redirect.
    const std::string name = "root HTTP route " + h["name"].Scalar();
    if (redirect)
      refuse("a route with delegate has a redirect",
             name + " must not specify redirect");
    if (route)
      refuse("a route with delegate has a route",
             name + " must not specify route");
    return;
  }
  if (!route && !redirect && !direct)
    refuse("a rule needs route, redirect or directResponse",
           "HTTP route, redirect or direct_response is required");
  else if (route && redirect)
    refuse("a rule has both route and redirect",
           "HTTP route cannot contain both route and redirect");
  else if (route && direct)
    refuse("a rule has both route and directResponse",
           "HTTP route cannot contain both route and direct_response");
  else if (redirect && direct)
    refuse("a rule has both redirect and directResponse",
           "HTTP route rule cannot contain both direct_response and redirect");
  // validateHTTPRouteConflict: a redirect or direct response is the answer,
  // so nothing may change the request on the way.
  for (const auto& [answer, field, name] :
       {std::tuple{redirect, "fault", "redirect"},
        std::tuple{redirect, "rewrite", "redirect"},
        std::tuple{direct && !redirect, "fault", "directResponse"},
        std::tuple{direct && !redirect, "rewrite", "directResponse"}}) {
    if (!answer || !given(field)) continue;
    const std::string istio_name =
        std::string(name) == "redirect" ? "redirect" : "direct_response";
    refuse(
        std::string("a rule has both ") + field + " and " + name,
        std::string(std::string(field) == "fault" ? "HTTP route cannot"
                                                  : "HTTP route rule cannot") +
            " contain both " + field + " and " + istio_name);
  }
  if (given("mirror") && h["mirrors"].IsSequence() && h["mirrors"].size() > 0)
    refuse("a rule has both mirror and mirrors",
           "HTTP route cannot contain both mirror and mirrors");
}

}  // namespace meshsim::io
