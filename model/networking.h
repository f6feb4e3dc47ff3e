// Which VirtualServices, DestinationRules and Istio Gateways a proxy
// applies (docs/semantics.md §16.1–§16.3): the lookup rules of istiod's
// PushContext (VirtualServicesForGateway, destinationRule, mergeGateways),
// shared by the simulator's path resolution and by `meshsim diff`'s route
// signature (the verifier's own statements are in verify/; see
// docs/verification.md for what is shared).
//
//   auto vss = VirtualServicesAtWaypoint(cluster, waypoint, service, {}, v);
//   const DestinationRule* dr =
//       DestinationRuleFor(mesh, cluster, waypoint.ns, nullptr, service);
//   if (dr) { const DestinationRuleSubset* s = dr->FindSubset("v2"); ... }
#ifndef MESHSIM_MODEL_NETWORKING_H_
#define MESHSIM_MODEL_NETWORKING_H_

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/mesh.h"

namespace meshsim {

// §16.1, §16.2: whether an object of namespace `obj_ns` with `export_to`
// is visible in namespace `ns`: absent or "*" everywhere, "." its own
// namespace, otherwise the namespaces named.
bool ExportedTo(const std::vector<std::string>& export_to,
                const std::string& obj_ns, const std::string& ns);

// A host as an Istio object in `ns` writes it, made a full name: a short
// name is a Service of `ns` ("reviews" -> reviews.<ns>.svc.cluster.local).
std::string ExpandHost(const std::string& host, const std::string& ns);
// Host pattern matching as Istio's host.Name.Matches, case-insensitive:
// "*" matches all, "*.suffix" any name ending in ".suffix".
bool IstioHostMatches(const std::string& pattern, const std::string& host);

// Whether host pattern `pattern` (a full name or *.suffix) covers one of
// the service's hostnames.
bool HostCoversService(const std::string& pattern, const Service& s);
// Istio's host.Name.Matches: as written (case counts); equal names, or a
// wildcard ("*" or "*suffix") on either side covering the other (both
// wildcards: the longer suffix ends with the shorter). A waypoint compares
// a VirtualService's hosts with the service's so (§16.2), and istiod's
// validation two VirtualServices' hosts.
bool HostNameMatches(const std::string& n, const std::string& o);
// §16.1: the same, as istiod looks a DestinationRule's host up: case counts.
bool HostCoversServiceAsWritten(const std::string& pattern, const Service& s);

// §9, §16.2: the port of the parentRef by which GAMMA route `r` attaches to
// service `s` on service port `port` (0: a parentRef without a port), or -1
// when no parentRef names `s` there.
int GammaParentPort(const HttpRoute& r, const Service& s, int port);

// §16.2: the VirtualServices (and GAMMA HTTPRoutes, which istiod turns into
// VirtualServices) a waypoint applies to service `s`, in the order Envoy
// sees their routes: VirtualServices private to the waypoint's namespace,
// GAMMA HTTPRoutes, then the other VirtualServices, each group by creation
// time. The GAMMA routes (`attached`) come in runs, one per VirtualService
// istiod makes of them: same namespace and parentRef port (GammaParentPort),
// oldest run first. Only those for `mesh`, in the waypoint's or the
// service's namespace (1.24+); VirtualServices also exported to the
// waypoint's namespace, with a host covering the service. Before 1.28 only
// the first (VirtualService or run) applies. With `port`
// (a service port), a VirtualService none of whose HTTP rules keeps a match
// there (every match has sourceLabels, which a waypoint drops, or another
// port, WaypointKeepsMatch) is left out: istiod omits it ("no routes matched"),
// and with nothing left the waypoint routes to the service itself. `tcp`: for
// the waypoint's TCP chain, which reads every VirtualService's tls, then tcp,
// rules in this order (getWaypointTCPRoutes).
// §16.2 (waypoint_clusters.cc): whether waypoint `wp` of cluster `c` has a
// cluster for service `dest`: its inbound one when it serves `dest`, else an
// outbound one, which istiod builds only when a mesh VirtualService whose
// hosts, as written (short names expanded), include the exact hostname of
// a service `wp` serves names `dest` as a destination or mirror. A route to
// a destination without one answers 503.
bool WaypointHasClusterFor(const Mesh& mesh, const Cluster& c,
                           const Gateway& wp, const Service& dest);

// §16.2 (listener_waypoint.go waypointInboundRoute, route.go
// sourceMatchHTTP): whether a waypoint of namespace `wp_ns` at release `v`
// keeps VirtualService match `m` on service port `port` (0: any). Never one
// for another port; from 1.25 none with sourceLabels (dropped); from 1.26
// one with gateways only when they name "mesh", and one with a
// sourceNamespace only when it is the waypoint's. Before, those conditions
// were not read: the match held on its other fields alone.
bool WaypointKeepsMatch(const HttpMatch& m, int port, const std::string& wp_ns,
                        const IstioVersion& v);

std::vector<const HttpRoute*> VirtualServicesAtWaypoint(
    const Cluster& c, const Gateway& wp, const Service& s,
    const std::vector<const HttpRoute*>& gamma_routes, IstioVersion version,
    int port = 0, bool tcp = false);

// §16.2, §9: how istiod orders routes of the same creation time, as a key
// to compare after it: a VirtualService by name, then namespace
// (sortConfigByCreationTime); an HTTPRoute or GRPCRoute by namespace, then
// the name of the VirtualService istiod generates from it, "<name>~..."
// (sortRoutesByCreationTime), so `cart-extra` sorts before `cart`; a
// TCPRoute or TLSRoute, a VirtualService "<name>~tcp~..." of its own, by
// that name, then namespace.
std::string RouteOrderKey(const HttpRoute& r);
// Oldest first, then by RouteOrderKey.
bool RouteOlder(const HttpRoute& a, const HttpRoute& b);

// §16.2 (push_context.go): a VirtualService's bucket for a proxy of
// namespace `ns`: 0 private to it, 1 exported to it by name, 2 public.
int VirtualServiceBucket(const HttpRoute& r, const std::string& ns);

// §16.2, §6: the VirtualServices for `mesh` a sidecar in `client_ns` sees
// whose hosts match service `s`, in the order it reads them (private,
// exported by name, public; each oldest first). Its TCP listener reads
// them all, the first matching tcp rule winning (tls.go getConfigsForHost).
// `host`: the host asked for ("" any host of `s`).
std::vector<const HttpRoute*> VirtualServicesForSidecar(
    const Cluster& c, const std::string& client_ns, const Service& s,
    const std::string& host = "");

// §16.2, §6: the one VirtualService whose HTTP routes a sidecar in
// `client_ns` applies to service `s`: the first of those above that names
// a host of `s` exactly, else the first of the most specific wildcard
// matching it; nullptr if none. Given the service `port` and the client's
// labels, one that keeps no HTTP route there for that client is skipped.
// `host`: the host asked for (a ServiceEntry's hosts are services of their
// own); "" every host of `s`. `by_wildcard`: set when no VirtualService
// names the host exactly (a Gateway API route of the service, which istiod
// turns into one that does, then comes first).
const HttpRoute* VirtualServiceForSidecar(const Cluster& c,
                                          const std::string& client_ns,
                                          const Service& s, int port = 0,
                                          const Labels* client_labels = nullptr,
                                          const std::string& host = "",
                                          bool* by_wildcard = nullptr);

// §16.3: the Istio Gateways that select Router pod `pod` (any namespace,
// PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false), by key.
std::vector<const IstioGateway*> IstioGatewaysForPod(const Cluster& c,
                                                     const Workload& pod);

// §16.3: the port a server's `number` binds on Router pod `pod`: the
// targetPort of a Service port `number` of a Service selecting the pod,
// else the number itself; a Service labelled
// experimental.istio.io/disable-gateway-port-translation is skipped.
int IstioServerListenPort(const Cluster& c, const Workload& pod, int number);
// §16.3: the pod port a client's connection to Service port `number` of
// Router pod `pod` reaches (kube-proxy's targetPort, whatever the label
// above says), else the number itself.
int RouterPodPort(const Cluster& c, const Workload& pod, int number);

// §16.3: server host `pattern` ("[ns/]host") of a Gateway in `gw_ns` for a
// VirtualService of namespace `vs_ns`: its host part, lower-case, when its
// namespace part ("*", "." for the Gateway's, or a name) admits that
// namespace (host.NamesForNamespace); nullopt otherwise.
std::optional<std::string> ServerHostFor(const std::string& pattern,
                                         const std::string& gw_ns,
                                         const std::string& vs_ns);

// §16.3: one virtual host of a Router's listener: a domain (a host of a
// bound VirtualService intersected with a server host: the narrower of the
// two, lower-case) and the VirtualServices whose routes it holds, oldest
// first.
struct IstioVirtualHost {
  std::string domain;  // a name, "*.suffix" or "*"
  std::vector<const HttpRoute*> routes;
  // Per routes[i]: the gateway ("ns/name") and the server port its routes
  // were built for, against which a match's `gateways` and `port` are
  // read (gateway.go builds a VirtualService's routes once per gateway, at
  // the port of the first of its servers that takes the VirtualService).
  std::vector<std::pair<std::string, int>> origins;
  // §16.3 (gateway.go RequireTls): a server with tls.httpsRedirect built
  // it or names its domain: it answers plain HTTP with a redirect.
  bool require_tls = false;
};

// §16.3: the virtual hosts `servers` (the Istio Gateway servers one
// listener port serves, with their gateways, in istiod's merged order)
// build, by domain (istiod's buildGatewayHTTPRouteConfig): server by server,
// each VirtualService bound to the server's gateway appends its routes to
// each domain its hosts and the server's hosts intersect in, once per
// gateway; nothing re-sorts them but the catch-alls (SortVHostRoutes, left
// to the reader). The domains only: which one a request takes is
// VirtualHostFor (the simulator) or the encoding's own statement. A
// VirtualService's short hosts are names in its namespace. With `proxy_ns`
// (the gateway pod's namespace), only VirtualServices exported there, per
// gateway in push_context.go's order: private to it, exported to it by
// name, public, each oldest first; without, every one, oldest first.
std::vector<IstioVirtualHost> IstioVirtualHosts(
    const Cluster& c,
    const std::vector<std::pair<const IstioGateway*, const IstioServer*>>&
        servers,
    const std::string& proxy_ns = "", const Labels* proxy_labels = nullptr);

// §16.3: the virtual host Envoy picks for Host `host` (port stripped): the
// exact domain, else the longest suffix wildcard, else "*"; nullptr when
// none matches (404).
const IstioVirtualHost* VirtualHostFor(
    const std::vector<IstioVirtualHost>& vhosts, const std::string& host);

// §16.2: the kind a GAMMA route's VirtualService is grouped by: from 1.30 an
// HTTPRoute and a GRPCRoute are one (controller.go runs mergeHTTPRoutes
// over both kinds, istio/istio#59222); before, one each.
std::string GammaKindGroup(const std::string& kind, IstioVersion version);

// §16.3 (gateway.go MergeGateways, buildGatewayListeners): one filter chain
// of a Router's listener port. A port whose first server is plaintext HTTP
// has one chain, every HTTP server's (one route configuration,
// http.<port>); other servers on it conflict and are dropped. Otherwise
// each server with tls settings is a chain of its own, matched by SNI
// against its hosts (an HTTPS one that terminates routes HTTP by its own
// route configuration, https.<port>.<name>.<gateway>; a passthrough one
// routes the encrypted connection), and the TCP servers without tls share
// one chain that takes any connection.
struct IstioChain {
  std::vector<std::pair<const IstioGateway*, const IstioServer*>> servers;
  bool http = false;  // routes HTTP (plaintext, or a terminating server)
  // The server names it matches, lower-case ("*": any); empty: it takes
  // any connection no other chain's names match.
  std::vector<std::string> sni;
};
std::vector<IstioChain> IstioChains(
    const std::vector<std::pair<const IstioGateway*, const IstioServer*>>&
        at_port);
// The chain Envoy gives a connection for `host` (SNI, the Host for
// plaintext): the chain with the most specific matching name (exact, then
// the longest wildcard, then "*"; the first on a tie), else the one that
// takes any; nullptr when none does (the TLS handshake fails).
const IstioChain* IstioChainFor(const std::vector<IstioChain>& chains,
                                const std::string& host);
// How specific a host pattern is: an exact name over any wildcard, a
// longer wildcard over a shorter one.
size_t HostSpecificity(const std::string& pattern);

// §16.1 (push_context.go BestEffortInferServiceMTLSMode, istio/istio#54921):
// a sidecar reaches a pod by its IP through an ORIGINAL_DST cluster (a
// headless Service's listener) or its PassthroughCluster, neither with
// tunnel metadata, so never over HBONE. The ports of `pod` it reaches with
// Istio mTLS: those of a headless Service listing the pod whose every
// endpoint has a sidecar (or is labelled security.istio.io/tlsMode=istio),
// unless the Service namespace's PeerAuthentication mode (else the mesh's)
// is DISABLE; on any other port it sends plaintext.
std::set<int> SidecarMtlsPodPorts(const Mesh& mesh, const Cluster& c,
                                  const Workload& pod);

// §16.3: whether a VirtualService match (nullptr: a rule without matches)
// is a catch-all route at a gateway: path prefix "/" (or none, or regex
// ".*") with no method, header or query match (istiod's IsCatchAllRoute).
bool IsCatchAllMatch(const HttpMatch* m);

// §9 (conditions.go generateSupportedKinds): the route kinds a listener
// takes: HTTP/HTTPS HTTPRoute and GRPCRoute, TCP TCPRoute, TLS TLSRoute (and
// TCPRoute when it terminates), narrowed by allowedRoutes.kinds; empty for
// other protocols (HBONE), which refuse no kind here.
std::vector<std::string> ListenerKinds(const Listener& l);

// §9, §2.4: whether `listener` of Gateway `gw` takes route `r`: a parentRef
// names the Gateway (and this listener by sectionName, or its port, when
// given) and the listener's allowedRoutes admit the route's namespace.
bool ListenerTakesRoute(const Cluster& c, const Gateway& gw,
                        const Listener& listener, const HttpRoute& r);

// §9, §16.3: the virtual host domains a Gateway API route attached to
// `listener` of `gw` builds: each of its hostnames ("*" when it has none),
// narrowed by the listener's hostname (istiod makes one VirtualService per
// route hostname, route_collections.go, and the gateway intersects it with
// the server host); a hostname another listener on the same port and
// protocol serves more exactly is left out (listener isolation,
// hostnameAllowedByIsolation).
std::vector<std::string> GatewayRouteDomains(const HttpRoute& r,
                                             const Gateway& gw,
                                             const Listener& listener);

// §9 (conditions.go NoMatchingListenerHostname): whether one of the
// route's hostnames (any, when it has none) and the listener's hostname
// (any, when it has none) have a name in common.
bool RouteHostnamesMeetListener(const HttpRoute& r, const Listener& listener);

// §16.2, §16.3: the VirtualServices of the virtual host that one server of
// Istio Gateway `gw` builds for `host`, by creation time.
std::vector<const HttpRoute*> VirtualServicesAtIstioGateway(
    const Cluster& c, const IstioGateway& gw, const IstioServer& server,
    const std::string& host);

// §16.1 (push_context.go setDestinationRules, destination_rule.go
// mergeDestinationRule): the cluster's DestinationRules in istiod's three
// indexes (each namespace's local rules, its exported ones, the root
// namespace's private ones), selector rules first then by age; in an
// index, rules of one namespace and host with equal exportTo and no
// workloadSelector (or equal ones) merge into the first: its subsets, then
// the others' of new names; the first top-level traffic policy. Into
// `c.consolidated_destination_rules`; `root` is the root namespace.
void ConsolidateDestinationRules(Cluster& c, const std::string& root);

// §16.2: each root VirtualService route with `delegate` replaced by the
// delegate's routes merged with it, as istiod merges them; warns of a
// delegate not found, not exported, a route dropped for conflicting
// matches, and a delegate nothing delegates to (vs_delegation.cc).
void MergeDelegateVirtualServices(Cluster& c, Diagnostics& diags);

// §16.1 (push_context.go destinationRule): the DestinationRule a proxy in
// `proxy_ns` applies to service `s`. Steps, each at its most specific
// host, the first step with a rule for the host deciding: the proxy's
// namespace (the root namespace's private rules when the proxy is in the
// root namespace), then the service's namespace's rules exported to the
// proxy's, then the root namespace's exported ones. Of the rules a step
// finds, one whose workloadSelector selects `proxy_labels` (a sidecar's or
// gateway's; nullptr: a waypoint's inbound lookup), else the one without a
// selector, else none (sidecar.go DestinationRule).
const DestinationRule* DestinationRuleFor(const Mesh& mesh, const Cluster& c,
                                          const std::string& proxy_ns,
                                          const Labels* proxy_labels,
                                          const Service& s);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_NETWORKING_H_
