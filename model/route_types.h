// Routes as the model holds them (part of the resolved mesh, model/mesh.h):
// Gateway API HTTPRoute/GRPCRoute/TCPRoute/TLSRoute and Istio
// VirtualService rules, their matches, filters, backends and parents; and
// the DestinationRules that shape where they send (§16.1).
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
  // VirtualService withoutHeaders (§16.2): the match fails when one of these
  // matches; type "Present" (an empty match or regex "*"): when the header
  // is there at all; otherwise an absent header reads as "".
  std::vector<Header> without_headers;
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
  // Gateway API, as written: `namespace` given, and the types of the
  // backendRef's own filters (§9: istiod rejects a route for some).
  bool ns_given = false;
  std::vector<std::string> filter_types;
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

// §16.2: a root VirtualService route's `delegate`, the VirtualService
// without hosts whose routes Mesh::Finalize puts in its place.
struct DelegateRef {
  std::string ns;
  std::string name;
  SourceLocation location;
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
  // VirtualService only: retries and mirrorPercentage written (a delegate's
  // route takes the root's when it writes none, §16.2), and the delegate
  // this route stands for until Finalize merges it.
  bool retries_given = false, mirror_percent_given = false;
  bool headers_given =
      false;  // the route's own `headers` (not a destination's)
  std::optional<DelegateRef> delegate;
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

// DestinationRule traffic policy (§16.1), the fields meshsim models.
struct TrafficPolicy {
  std::string lb_simple;  // LEAST_REQUEST (default) | ROUND_ROBIN | RANDOM
                          // | PASSTHROUGH
  // localityLbSetting (absent: MeshConfig's, enabled).
  std::optional<bool> locality_enabled;
  std::vector<std::string> failover_priority;
  std::vector<std::pair<std::string, std::string>> failover;  // from -> to
  // distribute: from a locality ("region/zone/subzone", `*` any), the
  // weight of each destination locality.
  struct Distribute {
    std::string from;
    std::vector<std::pair<std::string, int64_t>> to;  // sorted by locality
  };
  std::vector<Distribute> distribute;
  // Whether the policy writes a loadBalancer or connectionPool (a subset's
  // replaces the rule's whole group, even with fields meshsim does not read).
  bool load_balancer = false, connection_pool = false;
  // connectionPool (absent or 0: no limit, Envoy's 2^32-1).
  std::optional<int64_t> max_connections, http1_max_pending, http2_max_requests,
      max_retries;
  // outlierDetection: present or not, and its thresholds; consecutive_5xx 0
  // never ejects (Istio's enforcing 0).
  bool outlier_detection = false;
  int64_t consecutive_5xx = 5;
  int64_t interval_ns = 10'000'000'000;
  int64_t base_ejection_ns = 30'000'000'000;
  int64_t max_ejection_percent = 10;
  int64_t min_health_percent = 0;  // Envoy's panic threshold when set
  std::string tls_mode;            // DISABLE | SIMPLE | MUTUAL | ISTIO_MUTUAL
  SourceLocation location;
};

struct DestinationRuleSubset {
  std::string name;
  Labels labels;
  std::optional<TrafficPolicy> policy;
  std::map<int, TrafficPolicy> port_policies;  // its portLevelSettings
  SourceLocation location;
};

// DestinationRule (networking.istio.io v1, v1beta1, v1alpha3), §16.1.
struct DestinationRule {
  std::string ns;
  std::string name;
  std::string host;
  std::string creation_timestamp;
  std::vector<std::string> export_to;
  std::optional<Labels> workload_selector;
  std::optional<TrafficPolicy> policy;
  std::map<int, TrafficPolicy> port_policies;  // portLevelSettings
  std::vector<DestinationRuleSubset> subsets;
  SourceLocation location;
  // §16.1: the later rules of its namespace and host istiod merged into
  // this one (their keys), oldest first.
  std::vector<std::string> merged;
  // §16.1: in Cluster::consolidated_destination_rules, the index istiod
  // keeps it in (push_context.go destinationRuleIndex).
  static constexpr char kLocal = 0, kExported = 1, kRootPrivate = 2;
  char index = kLocal;
  std::string Key() const { return ns + "/" + name; }
  const DestinationRuleSubset* FindSubset(const std::string& name) const;
  // The policy for `port` and `subset` (""): the port's over the rule's,
  // then the subset's over both, field by field as Istio merges them.
  std::optional<TrafficPolicy> PolicyFor(int port,
                                         const std::string& subset) const;
  // §16.1 (mtls_checker.go): the tls.mode EDS reads: the subset's (else
  // the rule's), a port entry's own over it; "" when none is set.
  std::string EdsTlsMode(int port, const std::string& subset) const;
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_ROUTE_TYPES_H_
