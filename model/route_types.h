// Routes as the model holds them (part of the resolved mesh, model/mesh.h):
// Gateway API HTTPRoute/GRPCRoute/TCPRoute/TLSRoute and Istio
// VirtualService rules, their matches, filters, backends and parents.
#ifndef MESHSIM_MODEL_ROUTE_TYPES_H_
#define MESHSIM_MODEL_ROUTE_TYPES_H_

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/diagnostics.h"

namespace meshsim {

using Labels = std::map<std::string, std::string>;

struct HttpMatch {
  // Exact | PathPrefix | RegularExpression ("" = any); a VirtualService's
  // uri.prefix is Prefix (a plain string prefix, not whole segments).
  std::string path_type;
  std::string path_value;
  // VirtualService ignoreUriCase (§16.2): Envoy's case_sensitive false, for
  // exact and prefix paths (a regular expression keeps its case).
  bool ignore_uri_case = false;
  std::string method;
  struct Header {
    std::string name;
    std::string type = "Exact";  // Exact | RegularExpression | Prefix (VS)
    std::string value;
  };
  std::vector<Header> headers;
  std::vector<Header> query_params;
  // VirtualService only (§16.2): sourceLabels (the client pod's labels; a
  // waypoint drops such a match) and port (the service port).
  std::optional<Labels> source_labels;
  int port = 0;
  // VirtualService only (§16.2, route.go sourceMatchHTTP): the gateways a
  // match applies at ("mesh", or ns/name; empty: the VirtualService's own),
  // and the proxy namespace it needs (sourceNamespace).
  std::vector<std::string> gateways;
  std::string source_namespace;
};

// §16.2 (pkg/jwt/routing.go ToRoutingClaim): a VirtualService header
// match named "@request.auth.claims.a.b" or "@request.auth.claims[a][b]"
// (the prefix in any case) matches claim a.b of the token the proxy's
// RequestAuthentications validated, not a header. The claim as "a][b";
// nullopt for any other name.
inline std::optional<std::string> JwtClaimRoute(const std::string& header) {
  static const std::string kPrefix = "@request.auth.claims";
  if (header.size() < kPrefix.size()) return std::nullopt;
  for (size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kPrefix[i])
      return std::nullopt;
  const std::string rest = header.substr(kPrefix.size());
  if (rest.size() > 1 && rest[0] == '.') {
    std::string out = rest.substr(1);
    for (size_t at = out.find('.'); at != std::string::npos;
         at = out.find('.', at + 2))
      out.replace(at, 1, "][");
    return out;
  }
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']')
    return rest.substr(1, rest.size() - 2);
  return std::nullopt;
}

// An HTTP header name as RFC 7230 allows it (a token: letters, digits and
// !#$%&'*+-.^_`|~), which Istio's validation and Envoy's codec require.
inline bool HttpHeaderToken(const std::string& name) {
  static const std::string kTchars = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        kTchars.find(c) == std::string::npos)
      return false;
  return true;
}

struct BackendRef {
  std::string kind = "Service";  // Service | ServiceEntry (group
                                 // networking.istio.io) | Hostname
  std::string ns;
  std::string name;  // for Hostname: the host, as written
  int port = 0;
  int weight = 1;
  std::string subset;  // VirtualService destination.subset (§16.1)
  SourceLocation location;
};

struct ParentRef {
  std::string kind = "Gateway";  // Gateway | Service | ServiceEntry
  std::string group;             // canonical: "core" for the empty group
  std::string ns;
  std::string name;
  std::string section_name;
  int port = 0;
  SourceLocation location;
};

// HTTPRoute filters meshsim applies to the request (Gateway API).
struct HttpFilter {
  std::string
      type;  // RequestHeaderModifier | RequestRedirect | URLRewrite | other
  std::map<std::string, std::string> set_headers,
      add_headers;  // lowercase names
  std::vector<std::string> remove_headers;
  // RequestRedirect
  std::string redirect_scheme, redirect_hostname, redirect_path;
  int redirect_port = 0;
  // §9: a Gateway API redirect without port or scheme keeps the port the
  // request came in on (conversion.go: FROM_REQUEST_PORT).
  bool redirect_port_from_request = false;
  int redirect_status = 302;
  // URLRewrite (and RequestRedirect's path): ReplaceFullPath |
  // ReplacePrefixMatch
  std::string rewrite_hostname, path_type, path_value;
};

// A VirtualService's fault injection (§16.2): a share of the requests is
// answered by the proxy with `abort_status`, a share is held `delay_ns`.
struct FaultInjection {
  double abort_percent = 0;  // 0..100
  int abort_status = 0;
  double delay_percent = 0;  // 0..100
  int64_t delay_ns = 0;
};

struct HttpRouteRule {
  std::string name;                // a VirtualService route's name
  std::vector<HttpMatch> matches;  // empty: matches everything ("/" prefix)
  std::vector<BackendRef> backends;
  std::vector<HttpFilter> filters;
  std::string timeout;  // timeouts.request, recorded for the simulator
  std::optional<int>
      retry_attempts;  // retry.attempts, recorded for the simulator
  // §16.2, §9 (retry.go ConvertPolicy, conversion.go): the HTTP statuses
  // from the upstream its retries retry: an HTTPRoute's retry.codes; a
  // VirtualService's retryOn codes, 5xx (every 5xx) and gateway-error
  // (502-504). None by default: Istio's default retryOn retries
  // connection failures, and retriable-status-codes without codes.
  std::vector<int> retry_codes;
  std::optional<FaultInjection> fault;  // VirtualService only
  // §16.2 directResponse.status: the proxy answers itself (VirtualService).
  std::optional<int> direct_status;
  std::optional<BackendRef> mirror;  // VirtualService only
  double mirror_percent = 100;
  // A VirtualService's `tls` rule (in `tcp_rules`, before its `tcp` ones).
  bool tls = false;
  SourceLocation location;
};

// A Gateway API route, or a VirtualService (kind "VirtualService", §16.2),
// which Istio itself turns HTTPRoutes into. A VirtualService's `tcp` and
// `tls` sections are rules whose matches are empty; it selects its rule by
// first match, not by Gateway API precedence.
struct HttpRoute {
  std::string kind = "HTTPRoute";  // HTTPRoute | GRPCRoute | TCPRoute |
                                   // TLSRoute | VirtualService
  std::string ns;
  std::string name;
  std::string creation_timestamp;
  std::vector<ParentRef> parents;
  std::vector<std::string> hostnames;  // VirtualService: spec.hosts
  std::vector<HttpRouteRule> rules;    // VirtualService: spec.http
  // VirtualService only: spec.gateways ("mesh", or ns/name of an Istio
  // Gateway; empty means mesh), spec.exportTo, and the tcp/tls rules.
  std::vector<std::string> gateways;
  std::vector<std::string> export_to;
  std::vector<HttpRouteRule> tcp_rules;
  SourceLocation location;

  std::string Key() const { return ns + "/" + name; }
  bool IsVirtualService() const { return kind == "VirtualService"; }
  // VirtualService: whether it applies to sidecars and waypoints.
  bool ForMesh() const;
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_ROUTE_TYPES_H_
