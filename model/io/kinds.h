// Internal: the Kubernetes and Istio kinds meshsim models, one handler per
// kind, found through one table (kinds.cc). manifest_loader.cc reads an
// object's header and hands the object to its kind's handler; a kind without
// a table entry is skipped with a note. Adding a kind is a handler (in the
// kinds_<family>.cc of its family, or a new file) and one table entry.
#ifndef MESHSIM_MODEL_IO_KINDS_H_
#define MESHSIM_MODEL_IO_KINDS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/io/manifest_sink.h"
#include "model/io/yaml_reader.h"
#include "model/mesh.h"

namespace meshsim::io {

// What every object carries, read before its kind's handler runs.
struct ObjectHeader {
  std::string kind;
  std::string api_version;
  std::string ns;
  std::string name;
  Labels labels;
  Labels annotations;
  std::map<std::string, SourceLocation> label_locs;
  std::string what;  // "Kind ns/name"
  SourceLocation loc;
};

// Reads one object of its kind into `cluster`, or into `sink` what is
// finished once every file of the cluster is read (pods, controllers). A
// function type: `KindHandlerFn LoadPod;` declares a handler.
using KindHandlerFn = void(Reader& r, const ObjectHeader& h,
                           const yaml::Node& obj, Cluster& cluster,
                           ManifestSink& sink);

struct KindEntry {
  // API group of apiVersion ("" for the core group, apiVersion v1).
  std::string group;
  std::string kind;
  KindHandlerFn* load = nullptr;
  bool cluster_scoped = false;  // no metadata.namespace is read
};

// The entry of `kind` in API group `group`, or nullptr when meshsim does not
// model it.
const KindEntry* FindKind(const std::string& group, const std::string& kind);

// Counts an object of a kind meshsim does not model, for the one note per
// kind and file (its first location is kept).
void SkipObject(ManifestSink& sink, const std::string& kind,
                const std::string& group, const SourceLocation& loc);

// kinds_workloads.cc: Namespace, Pod, the controllers (Deployment,
// StatefulSet, DaemonSet, ReplicaSet) and WorkloadEntry.
KindHandlerFn LoadNamespace, LoadPod, LoadController, LoadWorkloadEntry;
// Adds `pods` to `count` (Pods written, or pods controllers will create);
// false, with an error, past the sink's budget (kinds_workloads.cc).
bool CountPods(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
               size_t pods, size_t& count, ManifestSink& sink);
// kinds_endpoints.cc: discovery.k8s.io EndpointSlice and core Endpoints
// (§3.4: the endpoints of a Service without a selector).
KindHandlerFn LoadEndpointSlice, LoadEndpoints;
// kinds_services.cc: Service, ServiceEntry and Solo's Segment.
KindHandlerFn LoadService, LoadServiceEntry, LoadSegment;
// A ServiceEntry endpoint's or a WorkloadEntry's `ports`: port name to the
// port the endpoint listens on (§3.4).
void ReadEndpointPorts(Reader& r, const yaml::Node& n, const std::string& what,
                       std::map<std::string, int>& out);
// kinds_gateway_api.cc: Gateway, GatewayClass, the routes (HTTPRoute,
// GRPCRoute, TCPRoute, TLSRoute) and ReferenceGrant.
KindHandlerFn LoadGateway, LoadGatewayClass, LoadRoute, LoadReferenceGrant;
// kinds_networking.cc: VirtualService, DestinationRule and the Istio
// Gateway (networking.istio.io, §16.1–§16.3).
KindHandlerFn LoadVirtualService, LoadDestinationRule, LoadIstioGateway;
// kinds_security.cc: AuthorizationPolicy, PeerAuthentication and
// RequestAuthentication.
KindHandlerFn LoadAuthorizationPolicy, LoadPeerAuthentication,
    LoadRequestAuthentication;
// kinds_network_policy.cc: Kubernetes NetworkPolicy (§4.6).
KindHandlerFn LoadNetworkPolicy;

// Helpers the families share (RequireSpec and CheckOneOf are defined in
// manifest_loader.cc, ReadRef in kinds_gateway_api.cc).

// A model object of the object's kind with its namespace, name and location.
template <typename T>
T Named(const ObjectHeader& h) {
  T t;
  t.ns = h.ns;
  t.name = h.name;
  t.location = h.loc;
  return t;
}

// Calls read(item, "<what>.<key>[i]") for each item of the list parent.key
// that is a map; an item that is not is reported and skipped.
template <typename Read>
void ForEachMap(Reader& r, const yaml::Node& parent, const char* key,
                const std::string& what, Read read) {
  yaml::Node list = r.Child(parent, key);
  if (!r.IsList(list, what + "." + key)) return;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item = what + "." + key + "[" + std::to_string(i) + "]";
    if (r.IsMap(list[i], item)) read(list[i], item);
  }
}

// The port protocols istiod knows (protocol.Parse, upper-cased), as a
// Gateway server or a ServiceEntry port names them.
const std::vector<std::string>& IstioPortProtocols();

// metadata.creationTimestamp, an RFC 3339 time, as UTC in whole seconds
// (strings then order as times: istiod's "oldest first" rules);
// "" when absent; an error when it is no such time.
std::string CreationTimestamp(Reader& r, const yaml::Node& obj,
                              const std::string& what);
std::optional<std::string> NormalizeTimestamp(const std::string& t);

// Sets `spec` to the object's spec; false, with an error, when it is not a
// map (the handler then reads no further).
bool RequireSpec(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                 yaml::Node& spec);

// Whether `value` is one of `allowed`; an error at `n` ("<what> must be one
// of A, B, got '<value>'") when not.
bool CheckOneOf(Reader& r, const yaml::Node& n, const std::string& what,
                const std::string& value,
                const std::vector<std::string>& allowed);

// A Gateway API object reference (parentRefs, backendRefs, and an
// AuthorizationPolicy's targetRefs), by its use: the default group, and what
// a group that is not its kind's means (a targetRef: an error, as Istio's
// webhook; a parent or backend: a warning, and a kind "Kind.group" that
// matches nothing, as Istio ignores it).
enum class RefUse { kParent, kBackend, kTarget };
ParentRef ReadRef(Reader& r, const yaml::Node& n, const std::string& what,
                  const std::string& default_ns,
                  const std::string& default_kind, RefUse use);

// A Kubernetes LabelSelector (matchLabels with label syntax checked,
// matchExpressions with their operators and values checked), as the API
// server validates it (kinds_network_policy.cc).
LabelSelector ReadLabelSelector(Reader& r, const yaml::Node& n,
                                const std::string& what);

// A RegularExpression match is RE2 syntax, as Envoy runs it (§9): an
// expression RE2 refuses is an error at its value (kinds_gateway_api.cc).
void CheckRe2(Reader& r, const yaml::Node& value, const std::string& what,
              const std::string& pattern);

// validation.go validateExportTo, for the list read from `n`: errors for
// what istiod refuses (`dr_selector`: a DestinationRule with a selector).
void CheckExportTo(Reader& r, const yaml::Node& n,
                   const std::vector<std::string>& list, const std::string& ns,
                   const std::string& what, bool dr_selector);

// §16.3: a VirtualService's reference `g` to a Gateway, resolved in the
// VirtualService's namespace `ns` as istiod resolves it (resolveGatewayName).
std::string ResolveGatewayName(const std::string& g, const std::string& ns);

// §16.2 (retry.go parseRetryOn): the HTTP statuses a retryOn list retries:
// its integers, 5xx (every 5xx), gateway-error (502, 503, 504) and
// retriable-4xx (409); Envoy's other conditions are connection failures
// (kinds_vs_rules.cc).
std::vector<int> RetriedStatuses(const std::string& retry_on);

// A VirtualService http rule's `retries` into `rule`, with what istiod's
// validation refuses (validateHTTPRetry) as errors (kinds_vs_rules.cc).
void ReadVsRetries(Reader& r, const yaml::Node& h, const std::string& hw,
                   HttpRouteRule& rule);

// An http rule needs one of route, redirect and directResponse, and no two
// of them (validateHTTPRoute), else an error at the rule.
void CheckVsHttpRuleShape(Reader& r, const yaml::Node& h,
                          const std::string& hw);

// A protobuf Duration as Istio's API writes it, Go style: one or more
// decimal numbers each with a unit (h, m, s, ms, us, ns), e.g. "5s", "0.5s",
// "1m30s". Nanoseconds, or nullopt when malformed (durations.cc).
std::optional<int64_t> ParseIstioDuration(const std::string& s);
// agent.ValidateDuration: at least 1ms and in whole milliseconds.
bool ValidIstioDuration(int64_t ns);

// istiod's warnings about a VirtualService's unreachable rules and
// ineffective matches (IST0130, IST0131), §16.2 (vs_unreachable.cc).
void AnalyzeUnreachableVsRules(Reader& r, const ObjectHeader& h,
                               const yaml::Node& spec,
                               const std::string& cluster,
                               const IstioVersion& version);

// What istiod's validation refuses in a VirtualService or DestinationRule
// beyond the CRD schema, as errors (§16.1, §16.2; istiod_validation.cc).
void CheckVirtualServiceWebhook(Reader& r, const ObjectHeader& h,
                                const yaml::Node& spec);
void CheckDestinationRuleWebhook(Reader& r, const ObjectHeader& h,
                                 const yaml::Node& spec,
                                 const IstioVersion& version);
void CheckIstioGatewayWebhook(Reader& r, const ObjectHeader& h,
                              const yaml::Node& obj, const yaml::Node& spec,
                              const IstioVersion& version);

// What istiod's validation refuses in a workload selector's matchLabels: an
// empty key, a '*' in a key or value (§16.10; istiod_validation.cc).
void CheckWorkloadSelector(Reader& r, const yaml::Node& match_labels,
                           const std::string& what);

// What agent.ValidateWildcardDomain says of a host ("" when it takes it):
// DNS labels, a '*' only at the start of the first, the last label not all
// digits (istiod_validation.cc).
std::string WildcardDomainError(const std::string& domain);

// What istiod's validateWorkloadEntry says of an endpoint's address ("" when
// it takes it): an IP, a host name, or unix:// with an absolute path and no
// ports (istiod_validation.cc).
std::string EndpointAddressError(const std::string& address, bool has_ports);

// An IPv4 or IPv6 address (no prefix length).
bool IsIpAddress(const std::string& a);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_KINDS_H_
