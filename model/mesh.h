// The resolved mesh: clusters, nodes, namespaces, workloads (pods), services,
// ServiceEntries, gateways (waypoints, ingress, east-west), routes and
// policies, each with the source location it came from.
//
// A Mesh is built either by the loaders in model/io (from manifests and a
// scenario file) or directly in code through MeshBuilder (tests do this). After
// Finalize() the indexes are valid and the binding rules (binding.h) can run.
//
//   Mesh mesh;
//   Cluster& c = mesh.AddCluster("east", "net-east");
//   ...
//   mesh.Finalize();
#ifndef MESHSIM_MODEL_MESH_H_
#define MESHSIM_MODEL_MESH_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/diagnostics.h"
#include "model/releases.h"
#include "model/route_types.h"

namespace meshsim {

// The releases whose rules are modelled: ambient with explicit
// istio.io/use-waypoint binding starts at 1.22 (§2.5).
inline constexpr IstioVersion kOldestModelledVersion{1, 22};
inline constexpr IstioVersion kNewestModelledVersion{1, 31};

enum class Distribution { kCommunity, kSolo };

// A Kubernetes LabelSelector: matchLabels and matchExpressions (In, NotIn,
// Exists, DoesNotExist). An empty selector matches everything.
struct LabelSelector {
  struct Expression {
    std::string key;
    std::string op;  // In | NotIn | Exists | DoesNotExist
    std::vector<std::string> values;
  };
  Labels match_labels;
  std::vector<Expression> expressions;
  bool Matches(const Labels& labels) const;
};

// MeshConfig serviceScopeConfigs[] (§16.6): Services whose namespace and own
// labels match both selectors (an absent one matches all) get `scope`.
struct ServiceScopeConfig {
  std::optional<LabelSelector> namespace_selector, services_selector;
  bool global = false;  // scope GLOBAL; LOCAL entries change nothing
};

// MeshConfig serviceEntryVisibility.policies[] (§2.4, 1.31+): ServiceEntries
// in namespaces that every rule's selector matches get `visibility`.
struct EntryVisibilityPolicy {
  std::string visibility;  // PUBLIC | NAMESPACE
  std::vector<LabelSelector> namespace_selectors;
  bool unmatchable = false;  // a rule without a namespaceSelector matches none
};

struct IstioSettings {
  IstioVersion version = kNewestModelledVersion;
  Distribution distribution = Distribution::kCommunity;
  std::map<std::string, std::string> flags;  // istiod feature flags, as given
  std::string root_namespace = "istio-system";
  // §16.11: istiod's revision (Helm's `revision`, "default" unless set):
  // it reads no configuration labelled istio.io/rev with another. "": all.
  std::string revision = "default";
  // MeshConfig serviceScopeConfigs (`istio.meshConfig.serviceScopeConfigs`);
  // unset: the ambient profile's one entry, `istio.io/global=true` → GLOBAL.
  std::optional<std::vector<ServiceScopeConfig>> service_scope_configs;
  // MeshConfig discoverySelectors (`istio.meshConfig.discoverySelectors`,
  // §16.9): istiod reads only the namespaces any selector matches; empty:
  // every namespace.
  std::vector<LabelSelector> discovery_selectors;
  // MeshConfig serviceEntryVisibility (`istio.meshConfig.
  // serviceEntryVisibility`, §2.4): unset, every ServiceEntry is PUBLIC.
  std::string entry_visibility_default = "PUBLIC";
  // serviceEntryVisibility.applyToSidecars: sidecars, too, see a NAMESPACE
  // entry only from its own namespace (§2.4).
  bool entry_visibility_sidecars = false;
  std::vector<EntryVisibilityPolicy> entry_visibility_policies;
  bool registry_only = false;  // outboundTrafficPolicy REGISTRY_ONLY (§6)
  bool auto_mtls = true;       // enableAutoMtls (§16.1)
  SourceLocation location;

  // Value of a boolean istiod flag: the scenario's setting, else `def`.
  bool Flag(const std::string& name, bool def) const;
  // §16.9: whether istiod discovers a namespace with these labels.
  bool Discovers(const Labels& ns_labels) const;
  // §2.4: the visibility of a ServiceEntry in a namespace with these labels
  // (the first policy whose rules all match, else the default).
  const std::string& EntryVisibility(const Labels& ns_labels) const;
};

struct Node {
  std::string name;
  std::string zone;
  std::string region;
  std::string subzone;  // topology.istio.io/subzone (§16.1)
};

struct Namespace {
  std::string name;
  Labels labels;
  Labels annotations;
  SourceLocation location;
  bool declared = false;  // false: implied by an object in it
};

struct ContainerPort {
  std::string name;
  int port = 0;
};

// How a pod takes part in the data plane (§1.1).
enum class Capture {
  kAmbient,     // redirected to the node's ztunnel
  kUncaptured,  // plain kube-proxy networking, never a waypoint
  kSidecar,     // has its own Envoy (§6)
};

enum class WorkloadRole {
  kApplication,
  kWaypoint,  // a pod of a waypoint Gateway
  kIngress,   // a pod of an ingress Gateway
  kEastWest,  // a pod of an east-west Gateway
};

// A pod or a WorkloadEntry: something with an address that serves traffic.
struct Workload {
  std::string kind;  // Pod | WorkloadEntry | EndpointSlice
  std::string ns;
  std::string name;   // pod name, e.g. productpage-v1-0
  std::string owner;  // Deployment/StatefulSet/... name, or the pod name
  std::string
      owner_kind;  // Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod
  Labels labels;
  Labels annotations;
  std::string service_account = "default";
  std::string node;  // empty for WorkloadEntries
  std::string ip;
  std::string network;
  bool host_network = false;
  bool sidecar_injected = false;  // dump shows it injected, or injector would
  bool ready = true;
  // Phase Succeeded or Failed, or down in a fault window of `run`: no
  // Service's endpoint, even one publishing not-ready addresses (§3.6).
  bool terminal = false;
  std::vector<ContainerPort> ports;
  WorkloadRole role = WorkloadRole::kApplication;
  std::string gateway;  // "ns/name" of the Gateway this pod belongs to
  // An inline endpoint of this ServiceEntry (same namespace), which istiod
  // makes a workload (kind WorkloadEntry): its own labels pick its waypoint,
  // and only this entry selects it (§3.4).
  std::string service_entry;
  // §3.4: an inline endpoint's policies are chosen by its entry's labels
  // (`entry_labels`), not its own; see SelectorLabels.
  std::shared_ptr<const Labels> entry_labels;
  // Kind EndpointSlice (§3.4): an opaque endpoint of this Service (same
  // namespace) alone; `ports` are the slice's, `name` "<slice>@<address>";
  // `slice_mirrored`: from a v1 Endpoints (counts for a selectorless one).
  std::string slice_service;
  bool slice_mirrored = false;
  // §1.1: a WorkloadEntry (or entry endpoint) speaks HBONE: its tunnel
  // label or redirection annotation says so (for an endpoint, its
  // ServiceEntry's). Set by the loaders; DeriveCapture reads it.
  bool hbone_tunnel = false;
  // §1.1: a sidecar pod accepts HBONE: injected by the ambient profile (its
  // networking.istio.io/tunnel=http), or a dump labelled or annotated so.
  bool sidecar_hbone = true;
  // A Router pod that Istio Gateways (networking.istio.io) select; its
  // `gateway` is then ns/<its Deployment> (§16.3).
  bool router = false;
  bool scaled = false;  // a replica `sweep` or `plan` added (placed last)
  // §3.4: an inline endpoint of a ServiceEntry istiod keeps no service of
  // (PrunesEntryEndpoints): not sent to ztunnel. Set by Finalize.
  bool out_of_ambient_index = false;
  SourceLocation location;
  std::map<std::string, SourceLocation> label_locations;
  // Filled by Finalize().
  Capture capture = Capture::kUncaptured;
  std::string capture_why;

  std::string Key() const { return ns + "/" + name; }
  // The labels an AuthorizationPolicy's, PeerAuthentication's or
  // RequestAuthentication's selector reads: for a ServiceEntry's inline
  // endpoint, the entry's (istiod's buildWorkloadPolicies gets se.Labels),
  // for every other workload its own (§3.4, §8.1).
  const Labels& SelectorLabels() const {
    return entry_labels ? *entry_labels : labels;
  }
  // For messages: "pod ns/name", "WorkloadEntry ns/name" or "ServiceEntry
  // ns/entry endpoint address".
  std::string Subject() const {
    if (!service_entry.empty())
      return "ServiceEntry " + ns + "/" + service_entry + " endpoint " + ip;
    if (!slice_service.empty())
      return "EndpointSlice " + ns + "/" + name.substr(0, name.rfind('@')) +
             " endpoint " + ip;
    return (kind == "Pod" ? "pod " : kind + " ") + Key();
  }
};
struct ServicePort {
  std::string name;
  int port = 0;
  int target_port = 0;           // 0: same as port, or named
  std::string target_port_name;  // a named targetPort
  std::string protocol = "TCP";  // a ServiceEntry's: as written, "" if none
  std::string app_protocol;
  bool entry = false;  // a ServiceEntry's port (`protocol` is Istio's)
};

// §15.2: what Solo's peering controller generated an `autogen.*`
// ServiceEntry from, in the cluster that holds it.
struct PeeredService {
  std::string service;  // ns/name of the exported Kubernetes Service
  std::string segment;  // the exporters' Segment
  struct Exporter {
    int cluster = -1;
    bool flat = false;     // same network: its pods are reached directly
    std::string waypoint;  // ns/name of the waypoint it reports, if any
    int draining = 0;      // solo.io/draining-weight towards it (0..100)
  };
  std::vector<Exporter> exporters;  // in cluster order, this one included
  // solo.io/use-global-waypoint as ns/name ("" = none), and the clusters
  // whose pods of that waypoint form its peered copy on this network.
  std::string global_waypoint;
  std::vector<int> waypoint_clusters;
  // Which label decided the traffic distribution, for `why`.
  std::string distribution_source;
};

// An optional value kept on the heap: what std::optional gives (a value,
// copied with its owner), at the size of a pointer while empty. For large
// parts most objects lack (200,000 Services with no peering at 10x).
template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(T v) {
    p_ = std::make_unique<T>(std::move(v));
    return *this;
  }
  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }

 private:
  std::unique_ptr<T> p_;
};

// A Kubernetes Service or an Istio ServiceEntry, the unit a client addresses.
struct Service {
  std::string kind;  // Service | ServiceEntry
  std::string ns;
  std::string name;
  Labels labels;
  Labels annotations;
  std::vector<ServicePort> ports;
  // Service: spec.selector; ServiceEntry: spec.workloadSelector.labels.
  std::optional<Labels> selector;
  std::vector<std::string> vips;  // empty: headless (no VIP in WDS, §3.3)
  // §16.7: addresses kube-proxy serves outside WDS: spec.externalIPs,
  // spec.loadBalancerIP and status.loadBalancer.ingress[].ip.
  std::vector<std::string> external_addresses;
  bool headless = false;
  bool external_name = false;   // ExternalName: not in WDS (§2.3 item 6)
  std::string external_target;  // its spec.externalName
  // §3.8: spec.trafficDistribution as loaded; then (Finalize) the effective
  // one (spec, annotation, namespace's): PreferClose, PreferSameZone,
  // PreferSameNode, Any, or "" when nothing sets one.
  std::string traffic_distribution;
  bool auto_allocated = false;     // §3.4: by istiod; only the DNS proxy tells
  std::string creation_timestamp;  // metadata.creationTimestamp, as given
  // §2.4: NAMESPACE visibility (1.31+): seen only from its namespace;
  // NONE (also namespace_only): not even there.
  bool namespace_only = false, namespace_only_sidecars = false;
  bool visibility_none = false;
  // §3.4 (selectWorkloadServices): (host, holder) for each host an older
  // entry or a Kubernetes Service of its namespace holds (IndexServices);
  // all held (Shadowed): the entry is out of WDS, addresses and endpoints.
  std::vector<std::pair<std::string, std::string>> shadowed_hosts;
  bool ShadowedHost(const std::string& h) const {
    for (const auto& [host, holder] : shadowed_hosts)
      if (host == h) return true;
    return false;
  }
  // §3.4 (before 1.30): istiod converts only single addresses for ztunnel
  // and leaves an entry with a wider address block out of the ambient
  // index entirely: no ztunnel knows its hosts or addresses, and it binds
  // no waypoint. Envoys (sidecars, waypoints, gateways) still have it.
  // Set by Finalize from the cluster's release.
  bool out_of_ambient_index = false;
  bool Shadowed() const {
    if (shadowed_hosts.empty()) return false;
    for (const std::string& h : hosts)  // a host listed twice counts once
      if (!ShadowedHost(h)) return false;
    return true;
  }
  // §3.8: spec.internalTrafficPolicy Local: every proxy keeps only the
  // endpoints on its own node.
  bool node_local = false;
  // §3.6: spec.publishNotReadyAddresses: its pods that are not ready are
  // still its endpoints (EndpointReady).
  bool publish_not_ready = false;
  // ServiceEntry only.
  std::vector<std::string> hosts;
  std::string
      resolution;  // NONE | STATIC | DNS | DNS_ROUND_ROBIN | DYNAMIC_DNS
  std::string location_kind;  // MESH_EXTERNAL | MESH_INTERNAL
  struct Endpoint {
    std::string address;
    Labels labels;
    std::string network;
    std::string service_account;
    std::map<std::string, int> ports;  // port name -> the endpoint's port
    // An IP address: the endpoint is also a workload of the cluster
    // (Workload::service_entry names this entry, §3.4). A hostname is not.
    bool workload = false;
  };
  std::vector<Endpoint> inline_endpoints;
  // §15.2: set on the ServiceEntries peering generates.
  Boxed<PeeredService> peered;
  // §15.2 takeover: other clusters whose exported pods this cluster.local
  // Service also reaches (ascending).
  std::vector<int> takeover_from;
  SourceLocation location;
  std::map<std::string, SourceLocation> label_locations;

  std::string Key() const { return ns + "/" + name; }
  // The hostname clients use: name.ns.svc.cluster.local, or the SE's first
  // host.
  std::string Hostname() const;
  const ServicePort* FindPort(int port) const;
  // §3.4: whether clients resolving host `h` (one of `hosts`) get an
  // address: istiod allocates per host, never for a wildcard host unless
  // the entry resolves DYNAMIC_DNS; `spec.addresses` serve every host.
  bool HostHasAddress(const std::string& h) const {
    return !vips.empty() && !(auto_allocated && !h.empty() && h[0] == '*' &&
                              resolution != "DYNAMIC_DNS");
  }
};

struct Listener {
  std::string name;
  int port = 0;
  std::string protocol;
  std::string hostname;
  std::string tls_mode;  // tls.mode: Terminate | Passthrough | "" (none)
  // tls.certificateRefs of kind Secret: (namespace as written, "" for the
  // Gateway's; name). §9: one in another namespace needs a ReferenceGrant.
  std::vector<std::pair<std::string, std::string>> secret_refs;
  int cert_refs = 0;  // tls.certificateRefs entries of any kind
  // tls.options gateway.istio.io/tls-terminate-mode ISTIO_SIMPLE or
  // ISTIO_MUTUAL: istiod reads no certificateRefs then.
  bool istio_tls_terminate = false;
  // §9: false when istiod does not program it (every certificate refused):
  // it stays a route parent but serves nothing.
  bool programmed = true;
  std::string allowed_from = "Same";  // Same | All | Selector
  // §9: allowedRoutes.kinds as written (gateway.networking.k8s.io kinds);
  // empty: the protocol's (ListenerKinds).
  std::vector<std::string> allowed_kinds;
  // When Selector; unset (no selector given) matches no namespace.
  std::optional<LabelSelector> allowed_selector;
  SourceLocation location;
};

enum class GatewayRole { kWaypoint, kIngress, kEastWest, kRemote };

struct GatewayClass {
  std::string name;
  std::string controller;
  Labels labels;
  Labels annotations;
  SourceLocation location;
};
// Gateway API ReferenceGrant (§9): lets objects of `from` (kind in its
// namespace) refer to objects of `to` (kind, and a name or every name) in
// the grant's namespace. Entries of groups Istio does not read are left out.
struct ReferenceGrant {
  std::string ns;
  std::string name;
  std::vector<std::pair<std::string, std::string>> from;  // (kind, namespace)
  std::vector<std::pair<std::string, std::string>> to;    // (kind, name|"")
  SourceLocation location;
};

struct Gateway {
  std::string ns;
  std::string name;
  std::string class_name;
  Labels labels;
  Labels annotations;
  Labels infrastructure_labels;  // spec.infrastructure.labels
  std::vector<Listener> listeners;
  bool has_status = false;
  std::vector<std::string> status_addresses;
  // Of them, those of type IPAddress or Hostname (or none: the API's
  // default is IPAddress); istiod skips the others for a network gateway
  // (§7.1, networks.go).
  int status_ip_or_hostname = 0;
  bool synthesized = false;  // created by the Solo auto-waypoint controller
  SourceLocation location;
  // Filled by Finalize().
  GatewayRole role = GatewayRole::kIngress;
  std::string network;
  // The class is built in (istio, istio-waypoint, istio-east-west, Solo's
  // istio-eastwest, istio-remote, gloo-waypoint) or defined by a
  // GatewayClass of the cluster.
  bool class_known = true;
  // §2.1, §16: an agentgateway proxy (class istio-agentgateway or
  // istio-agentgateway-waypoint, or a GatewayClass whose controller is
  // agentgateway's): istiod programs it from the Gateway API alone, so no
  // VirtualService, DestinationRule, AuthorizationPolicy or
  // RequestAuthentication applies at it.
  bool agentgateway = false;

  std::string Key() const { return ns + "/" + name; }
  // §2.1: istiod builds a Waypoint only once status.addresses is non-empty. A
  // Gateway written for kubectl apply (no status) is taken as programmed when
  // a controller exists for its class; nothing programs an unknown class.
  bool Programmed() const {
    return has_status ? !status_addresses.empty() : class_known;
  }
  // §2.1: a listener on port 15008, which the generated Service then
  // exposes; ztunnel reaches a waypoint only there.
  bool ListensOn15008() const {
    for (const Listener& l : listeners)
      if (l.port == 15008) return true;
    return false;
  }
};

// An Istio Gateway (networking.istio.io, §16.3): which Router pods listen
// on which ports for which hosts.
struct IstioServer {
  int port = 0;  // spec.servers[].port.number, as written
  std::string port_name;
  std::string protocol;  // upper-cased (istio's protocol.Parse ignores case)
  std::vector<std::string> hosts;  // [ns/]host; "*" and *.suffix allowed
  // §16.3 tls.httpsRedirect: the server answers plain HTTP with a 301 to
  // https (gateway.go: RequireTls on its virtual hosts).
  bool https_redirect = false;
  bool tls = false;  // a tls block is set
  // tls.mode; PASSTHROUGH when `tls` is set without one (the API's enum
  // default), "" without a tls block.
  std::string tls_mode;
  SourceLocation location;
  // §16.3 (model/networking.cc): a plaintext HTTP server; an HTTPS one that
  // decrypts and routes HTTP by a route configuration of its own; one whose
  // connection goes on encrypted; one that proxies it without reading HTTP.
  bool PlainHttp() const;
  bool Terminates() const;
  bool PassesTls() const;
  bool ProxiesTcp() const;
};

struct IstioGateway {
  std::string ns;
  std::string name;
  std::optional<Labels> selector;  // absent: every gateway pod
  std::vector<IstioServer> servers;
  std::string creation_timestamp;  // istiod merges Gateways oldest first
  SourceLocation location;
  std::string Key() const { return ns + "/" + name; }
};

// AuthorizationPolicy (security.istio.io v1/v1beta1), as written; policy.h
// evaluates it (§8).
struct PolicySource {
  std::vector<std::string> principals, not_principals;
  std::vector<std::string> namespaces, not_namespaces;
  std::vector<std::string> ip_blocks, not_ip_blocks;
  std::vector<std::string> remote_ip_blocks, not_remote_ip_blocks;
  std::vector<std::string> request_principals, not_request_principals;
  // §8.7 serviceAccounts (1.25+), read as principal patterns
  // "*/ns/<ns>/sa/<name>" (a bare name is in the policy's namespace).
  std::vector<std::string> service_accounts, not_service_accounts;
  // §8.7 trustDomains (1.30+): the peer identity's trust domain.
  std::vector<std::string> trust_domains, not_trust_domains;
  SourceLocation location;
};

struct PolicyOperation {
  std::vector<std::string> hosts, not_hosts;
  std::vector<std::string> ports, not_ports;
  std::vector<std::string> methods, not_methods;
  std::vector<std::string> paths, not_paths;
  SourceLocation location;
};

struct PolicyCondition {
  std::string key;  // e.g. request.headers[x-user], source.namespace
  std::vector<std::string> values, not_values;
  SourceLocation location;
};

struct PolicyRule {
  std::vector<PolicySource> from;     // OR
  std::vector<PolicyOperation> to;    // OR
  std::vector<PolicyCondition> when;  // AND
  SourceLocation location;
};

// An AuthorizationPolicy's `action`.
enum class PolicyAction { kAllow, kDeny, kAudit, kCustom };
const char* PolicyActionName(PolicyAction a);  // ALLOW | DENY | AUDIT | CUSTOM
std::optional<PolicyAction> ParsePolicyAction(std::string_view name);

struct AuthorizationPolicy {
  std::string ns;
  std::string name;
  PolicyAction action = PolicyAction::kAllow;
  std::string provider;  // CUSTOM's extension provider
  std::optional<Labels> selector;
  std::vector<ParentRef> target_refs;
  std::vector<PolicyRule> rules;
  bool dry_run = false;      // istio.io/dry-run annotation
  bool synthesized = false;  // istiod-generated (§4.3)
  // §8.1: `selector` given without `matchLabels`: sidecars take it for
  // every pod of the namespace, ztunnel for none.
  bool selector_without_labels = false;
  SourceLocation location;
  SourceLocation selector_location;  // spec.selector, when given
  std::string Key() const { return ns + "/" + name; }
};

// The JWT a request carries (`http.jwt`, §16.4), as its claims; sent as
// `Authorization: Bearer`. Its proxies' RequestAuthentications validate it.
struct JwtToken {
  std::string iss, sub, azp;
  std::vector<std::string> aud;
  // Other claims: name -> values (a string claim has one); a nested claim
  // a.b is stored under "a][b", the text between the brackets of
  // request.auth.claims[a][b].
  std::map<std::string, std::vector<std::string>> claims;
  bool expired = false;
  std::vector<std::string> Claim(const std::string& name) const;  // "a][b"
  bool operator==(const JwtToken& o) const {
    return iss == o.iss && sub == o.sub && azp == o.azp && aud == o.aud &&
           claims == o.claims && expired == o.expired;
  }
  // "iss=... sub=..." and every other field that is set, as a witness
  // names the token it carries (enough to send it again).
  std::string Text() const {
    std::string out = "iss=" + iss + " sub=" + sub;
    for (const std::string& a : aud) out += " aud=" + a;
    if (!azp.empty()) out += " azp=" + azp;
    for (const auto& [k, vs] : claims)
      for (const std::string& v : vs) out += " " + k + "=" + v;
    if (expired) out += " (expired)";
    return out;
  }
};

// RequestAuthentication (§16.4): the JWT issuers an Envoy proxy accepts.
struct JwtRule {
  std::string issuer;
  std::vector<std::string> audiences;  // empty: any
  // §16.4: what the rule takes from the token meshsim sends
  // ("Authorization: Bearer <jwt>"): the token (by default, or a fromHeaders
  // entry for Authorization with prefix "Bearer "), something that is no
  // JWT (that header with no prefix, or one that cuts into "Bearer": Envoy
  // takes what follows, and answers 401), or nothing (other locations only:
  // fromHeaders, fromParams or fromCookies without it).
  enum class Reads { kToken, kMalformed, kNothing };
  Reads reads = Reads::kToken;
  // §16.4: forwardOriginalToken. Unset (false), the proxy that verifies the
  // token removes it from the request before the next hop.
  bool forward = false;
};

struct RequestAuthentication {
  std::string ns;
  std::string name;
  std::optional<Labels> selector;
  std::vector<ParentRef> target_refs;
  std::vector<JwtRule> rules;
  // §16.4: istiod lists a proxy's RequestAuthentications by namespace, then
  // creation time, then name.
  std::string creation_timestamp;
  SourceLocation location;
  SourceLocation selector_location;  // spec.selector, when given
  std::string Key() const { return ns + "/" + name; }
};

struct PeerAuthentication {
  std::string ns;
  std::string name;
  std::optional<Labels> selector;
  std::string mode;  // STRICT | PERMISSIVE | DISABLE | UNSET
  // spec.portLevelMtls: the workload (target) port -> its mode; honoured
  // only on a PeerAuthentication with a selector (§4.4).
  std::map<int, std::string> port_modes;
  std::string creation_timestamp;  // the oldest of a level decides (§16.5)
  // `selector: {}`: selector-less for sidecars, not quite at ztunnel (§16.5).
  bool empty_selector = false;
  SourceLocation location;
  SourceLocation selector_location;  // spec.selector, when given
  std::string Key() const { return ns + "/" + name; }
};

// A Kubernetes NetworkPolicy (networking.k8s.io/v1, §4.6): the CNI's L3/L4
// filter on the pods it selects, outside the pod, so it sees the port a
// connection reaches the pod on (15008 for HBONE).
struct NetworkPolicyPeer {
  std::optional<LabelSelector> pod_selector, namespace_selector;
  std::string cidr;  // ipBlock.cidr ("" when not an ipBlock)
  std::vector<std::string> except;
};
struct NetworkPolicyPort {
  std::string protocol = "TCP";
  int port = 0;           // 0: every port (unless named)
  std::string port_name;  // a named port of the destination pod
  int end_port = 0;       // a range port..end_port
};
struct NetworkPolicyRule {
  bool any_peer = true;  // no from/to: every peer
  std::vector<NetworkPolicyPeer> peers;
  std::vector<NetworkPolicyPort> ports;  // empty: every port
};
struct NetworkPolicy {
  std::string ns;
  std::string name;
  LabelSelector pod_selector;  // empty: every pod of the namespace
  bool ingress = true;         // policyTypes
  bool egress = false;
  std::vector<NetworkPolicyRule> ingress_rules, egress_rules;
  SourceLocation location;
  std::string Key() const { return ns + "/" + name; }
};

// A manifest object as written, for `meshsim diff`: a digest of its
// content (status included; server-set metadata such as resourceVersion,
// uid and managedFields excluded) and where it is.
struct ObjectDigest {
  uint64_t digest = 0;
  SourceLocation location;
};

// A manifest object as read, for `verify --cache` (app/verify_cache.h): the
// SHA-256 of its content (document order, tags included) and place, and,
// for an AuthorizationPolicy, PeerAuthentication or RequestAuthentication,
// its namespace. Recorded only while io::SetRecordObjects(true).
struct ObjectRecord {
  std::string sha;  // hex
  bool policy = false;
  std::string policy_ns;
};

// admin.solo.io Segment (§15.2): a peering segment's name and domain.
struct Segment {
  std::string name;
  std::string domain;
  SourceLocation location;
};

struct Cluster {
  std::string name;
  std::string network;
  // Where the scenario's `network:` key is; unset when it was left out.
  std::optional<SourceLocation> network_location;
  // §15.2: the scenario's `peers:` (names of clusters this one imports
  // from); unset: its istio-remote Gateways, else every other cluster.
  std::optional<std::vector<std::string>> peers;
  SourceLocation peers_location;
  std::map<std::string, Segment> segments;  // Segment objects, by name
  // Filled by Finalize() when peering is on: this cluster's Segment and the
  // clusters it imports from (ascending).
  std::string segment;
  std::vector<int> peer_clusters;
  std::vector<Node> nodes;
  // Per-cluster override of the Istio version (mixed-version meshes, K14).
  std::optional<IstioVersion> version;
  std::map<std::string, Namespace> namespaces;
  std::vector<Workload> workloads;
  // §3.4: a pod a slice endpoint names by targetRef serves its Service too.
  struct SlicePodRef {
    std::string ns, service;  // the slice's namespace and Service
    std::string pod;          // the pod's key (ns/name)
    bool mirrored = false;    // from a v1 Endpoints (Workload::slice_mirrored)
    SourceLocation location;
  };
  std::vector<SlicePodRef> slice_pod_refs;
  // ns/service with a slice of the mirroring controller (read, not its
  // Endpoints); by ns/service: its slice workloads and slice_pod_refs.
  std::set<std::string> mirror_managed_services;
  std::unordered_map<std::string, std::vector<size_t>>
      slice_workloads_by_service, slice_refs_by_service;
  std::vector<Service> services;
  std::map<std::string, Gateway> gateways;  // by ns/name
  // Every modelled object by "Kind ns/name" (first definition wins).
  std::map<std::string, ObjectDigest> objects;
  // Every object read (also skipped kinds and List items), in reading
  // order, and the manifest files read, while io::SetRecordObjects(true).
  std::vector<ObjectRecord> records;
  std::vector<std::string> manifest_files;
  std::map<std::string, GatewayClass> gateway_classes;
  std::vector<ReferenceGrant> reference_grants;
  std::vector<HttpRoute> routes;  // Gateway API routes and VirtualServices
  // §16.2: VirtualServices without hosts, which act only through a root's
  // `delegate` (merged into the root's rules by Mesh::Finalize).
  std::vector<HttpRoute> delegate_virtual_services;
  std::vector<DestinationRule> destination_rules;
  // §16.1: destination_rules as istiod consolidates them (Finalize,
  // ConsolidateDestinationRules): rules of one namespace for one host
  // merged; what DestinationRuleFor reads.
  std::vector<DestinationRule> consolidated_destination_rules;
  std::map<std::string, IstioGateway> istio_gateways;  // by ns/name
  std::vector<AuthorizationPolicy> authorization_policies;
  std::vector<PeerAuthentication> peer_authentications;
  std::vector<NetworkPolicy> network_policies;  // §4.6
  std::vector<RequestAuthentication> request_authentications;
  // Generated gateway Deployments found in the manifests (a kubectl dump),
  // by gateway ns/name, with their replica count (§2.1).
  std::map<std::string, int> gateway_deployments;
  SourceLocation location;
  // §16.9, filled by Finalize(): the namespaces MeshConfig
  // discoverySelectors leave out, and their Services, which kube-dns and
  // kube-proxy serve but no mesh component knows (with their own indexes).
  std::vector<std::string> undiscovered_namespaces;  // ascending
  std::vector<Service> undiscovered_services;
  std::map<std::string, size_t> undiscovered_by_vip, undiscovered_by_host;
  // §3.3: pods with a DNS name of their own, by "hostname.subdomain.ns"
  // (a pod's spec.hostname and spec.subdomain; a StatefulSet's pods are
  // named so by its spec.serviceName) -> the pod's index in `workloads`.
  std::map<std::string, size_t> pod_dns_names;

  // Indexes, valid after Mesh::Finalize().
  std::map<std::string, size_t> workload_by_key;
  std::map<std::string, size_t> workload_by_ip;
  // "ns/owner" -> the pods a controller made (WorkloadsOf), and whether
  // the workload indexes are built (before Finalize, WorkloadsOf scans).
  std::map<std::string, std::vector<size_t>> workloads_by_owner;
  bool workloads_indexed = false;
  std::map<std::string, size_t>
      service_by_key;  // ns/name (Service wins over SE)
  std::map<std::string, std::vector<size_t>> service_by_vip;
  // §3.4: the services with an address block (CIDR), in index order.
  std::vector<size_t> cidr_services;
  // §16.7: a Service's external addresses (the first Service wins).
  std::map<std::string, size_t> service_by_external_address;
  std::map<std::string, std::vector<size_t>> service_by_host;
  std::vector<std::vector<size_t>> service_endpoints;  // per service: workloads
  // The reverse: per workload, the services that select it (ascending).
  std::vector<std::vector<size_t>> workload_services;
  std::map<std::string, std::vector<size_t>>
      gateway_pods;  // gateway key -> workloads
  // Istio Gateway key -> the Router pods it selects (§16.3).
  std::map<std::string, std::vector<size_t>> istio_gateway_pods;

  const Namespace* FindNamespace(const std::string& ns) const;
  const Workload* FindWorkload(const std::string& key) const;
  const Service* FindService(const std::string& key) const;
  // §9: whether a ReferenceGrant in `to_ns` lets a `from_kind` in `from_ns`
  // refer to the `to_kind` named `to_name` there.
  bool ReferenceGranted(const std::string& from_kind,
                        const std::string& from_ns, const std::string& to_kind,
                        const std::string& to_ns,
                        const std::string& to_name) const;
  const Gateway* FindGateway(const std::string& key) const;
  const Node* FindNode(const std::string& name) const;
  // Pods of the workload `name` in `ns` (a Deployment/StatefulSet/DaemonSet/
  // ReplicaSet name, or a Pod or WorkloadEntry name), ordered by pod name.
  std::vector<const Workload*> WorkloadsOf(const std::string& ns,
                                           const std::string& name) const;
  // Services and ServiceEntries a client in `client_ns` reaches by `host`:
  // full name, "name.ns", "name.ns.svc", a short name in the client's
  // namespace, or a ServiceEntry host (wildcards match suffixes). A shared
  // host prefers the client's namespace, then a Kubernetes Service, then the
  // oldest (§3.4); in an Envoy's view (`sidecar`: a sidecar, or a waypoint's
  // route backends) a Kubernetes Service, then the oldest (§6).
  // A ServiceEntry of NAMESPACE visibility is left out for clients of other
  // namespaces (ztunnel's; a sidecar's with applyToSidecars: `sidecar`).
  // `ztunnel_dns`: only what ztunnel's DNS proxy answers with (§3.4), empty
  // when it answers nothing (it then asks upstream).
  std::vector<size_t> ServicesForHost(const std::string& host,
                                      const std::string& client_ns,
                                      bool sidecar = false,
                                      bool ztunnel_dns = false) const;
  // §2.4: whether a client of `client_ns` sees `s` at all.
  static bool Visible(const Service& s, const std::string& client_ns,
                      bool sidecar) {
    if (!(sidecar ? s.namespace_only_sidecars : s.namespace_only)) return true;
    return s.ns == client_ns && !s.visibility_none;
  }
  // §16.9: the Service outside istiod's view that kube-dns resolves `host`
  // to for a client in `client_ns` (the forms ServicesForHost accepts,
  // without ServiceEntry wildcards), or nullptr.
  const Service* UndiscoveredServiceForHost(const std::string& host,
                                            const std::string& client_ns) const;
  // §3.3: the pod kube-dns resolves `host` to for a client in
  // `client_ns` (hostname.subdomain, with the namespace and
  // svc.cluster.local as a pod's search path adds them), when the subdomain
  // is a headless Service of the pod's namespace listing the pod as a ready
  // endpoint; nullopt otherwise. `ready_only` false: whether ready or not
  // (the name a pod would have; kube-dns answers only a ready one).
  std::optional<size_t> PodForDnsName(const std::string& host,
                                      const std::string& client_ns,
                                      bool ready_only = true) const;
  // §3.4 (ztunnel get_best_by_cidr_vip): of the services whose address
  // blocks (CIDR `addresses`) hold `ip` and that a client of `client_ns`
  // sees, the index of the one the client's proxy picks: its namespace's
  // first (ztunnel's only, not a sidecar's), then the longest prefix, then
  // a canonical one (a Kubernetes Service, else the oldest); -1 if none.
  int CidrServiceFor(const std::string& ip, const std::string& client_ns,
                     bool sidecar) const;
  // §3.4 (ztunnel find_upstream: services before workloads): the
  // ServiceEntry an ambient client of `client_ns` finds for pod address
  // `ip` (an exact address first, then a block, 1.30+: before, istiod sends
  // no entry with a block wider than one address) when ztunnel then passes
  // the connection through: resolution NONE, or STATIC without an endpoint
  // (its load_balance finds none); -1 otherwise.
  int PassthroughEntryFor(const std::string& ip, const std::string& client_ns,
                          IstioVersion version) const;
  // §16.9: the undiscovered Service whose ClusterIP is `ip`, or nullptr.
  const Service* UndiscoveredServiceForVip(const std::string& ip) const;
  // The ready pods kube-proxy sends a connection to `s`'s ClusterIP to:
  // the pods of its namespace its selector matches, by name.
  std::vector<size_t> KubeProxyEndpoints(const Service& s, int port = 0) const;
  // §3.4: the endpoints EndpointSlices (and Endpoints mirrored for a Service
  // without a selector) give `s`: their workloads of kind EndpointSlice,
  // then the pods their endpoints name by targetRef, each once, whatever
  // their readiness (model/endpoint_slices.cc).
  std::vector<size_t> SliceEndpoints(const Service& s) const;
  bool Discovered(const std::string& ns) const {
    return !std::binary_search(undiscovered_namespaces.begin(),
                               undiscovered_namespaces.end(), ns);
  }
  // Namespace labels, or an empty map for an undeclared namespace.
  const Labels& NamespaceLabels(const std::string& ns) const;
  // What a namespaceSelector sees: the labels and the one Kubernetes gives
  // every Namespace, kubernetes.io/metadata.name=<ns>.
  Labels SelectorLabels(const std::string& ns) const {
    Labels l = NamespaceLabels(ns);
    l["kubernetes.io/metadata.name"] = ns;
    return l;
  }
  IstioVersion VersionOr(const IstioVersion& mesh_version) const {
    return version.value_or(mesh_version);
  }
};

struct Mesh {
  std::string name;
  IstioSettings istio;
  std::vector<Cluster> clusters;
  std::vector<Diagnostic> notes;  // from loading and resolving, for review
  // Gateway replicas over the manifests' ("cluster/ns/name"): sweep, plan.
  std::map<std::string, int> replica_overrides;

  Cluster* FindCluster(const std::string& name);
  const Cluster* FindCluster(const std::string& name) const;
  // Derives capture, gateway roles, generated pods' placement, IPs,
  // networks and every index; once, after all objects are added.
  void Finalize(Diagnostics& diags);
};

}  // namespace meshsim

// The free functions over these types.
#include "model/mesh_queries.h"  // IWYU pragma: export

#endif  // MESHSIM_MODEL_MESH_H_
