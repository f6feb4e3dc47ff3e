// size-budget: RuleCatalogue() is one data table (an entry per rule), not
// logic; splitting it would scatter the catalogue it exists to keep whole.
#include "model/rules.h"

namespace meshsim {

namespace {

constexpr Severity kE = Severity::kError;
constexpr Severity kW = Severity::kWarning;

}  // namespace

const std::vector<Rule>& RuleCatalogue() {
  // Order is SARIF `ruleIndex`: append, never reorder.
  static const std::vector<Rule> kRules = {
      {"waypoint-bypass", RuleKind::kProperty, kE, kE,
       "A request skips the waypoint its destination asks for",
       "A request is delivered to a destination bound to a waypoint by intent "
       "(istio.io/use-waypoint) without passing that waypoint, and no "
       "destination policy denies it: every L7 policy on the waypoint is "
       "skipped. Example: an uncaptured client reaches a pod by its IP while "
       "only the Service is bound (§2.3, §4.4). Fix: bind the workloads "
       "(istio.io/waypoint-for: all), or deny plaintext with a STRICT "
       "PeerAuthentication, or admit only the waypoint's identity with an "
       "ALLOW policy on the destination (§8.1).",
       "docs/rules.md#waypoint-bypass"},
      {"waypoint-double-pass", RuleKind::kProperty, kE, kE,
       "A request passes waypoints twice",
       "A request passes two waypoints, or one twice, or loops: its retries, "
       "splits and rate limits apply twice. Example: a captured egress "
       "waypoint passing a ServiceEntry back through to its own address "
       "(§3.5). Fix: make the waypoint's traffic type or the use-waypoint "
       "labels name one waypoint per destination (§2.2, §2.3).",
       "docs/rules.md#waypoint-double-pass"},
      {"fail-open-exposure", RuleKind::kProperty, kW, kW,
       "A waypoint outage opens a bypass",
       "If some waypoints are deleted, not ready or mis-bound, requests reach "
       "their destination without a waypoint (fail open, §2.3, §3.6). Fix: "
       "add an ALLOW policy at the destination that admits only the "
       "waypoint's identity, so that traffic fails closed (§8.1).",
       "docs/rules.md#fail-open-exposure"},
      {"double-l7", RuleKind::kProperty, kW, kW, "L7 handling at two tiers",
       "A request gets L7 routing or policy of the same kind at the ingress "
       "gateway and at a waypoint (istio.io/ingress-use-waypoint, §5). "
       "Example: an HTTPRoute with retries on the ingress and another on the "
       "waypoint. Fix: keep the L7 rule at one tier.",
       "docs/rules.md#double-l7"},
      {"dangling-use-waypoint", RuleKind::kLint, kW, kE,
       "use-waypoint names a missing waypoint",
       "An istio.io/use-waypoint label names a waypoint that does not exist "
       "or is not ready; traffic fails open (§2.3, §3.6). Fix: create the "
       "waypoint Gateway, or correct the label's name and namespace.",
       "docs/rules.md#dangling-use-waypoint"},
      {"waypoint-for-mismatch", RuleKind::kLint, kW, kE,
       "Waypoint of the wrong type",
       "The bound waypoint's istio.io/waypoint-for does not cover this kind "
       "of destination, so the binding is ignored (§2.2). Fix: set "
       "istio.io/waypoint-for to service, workload or all as the binding "
       "needs.",
       "docs/rules.md#waypoint-for-mismatch"},
      {"waypoint-attachment-denied", RuleKind::kLint, kW, kE,
       "Cross-namespace waypoint not allowed",
       "The waypoint's allowedRoutes do not admit the namespace that binds to "
       "it, or (1.31) a ServiceEntry of NAMESPACE visibility names another "
       "namespace's waypoint (§2.4). Fix: set the HBONE listener's "
       "allowedRoutes.namespaces to All or to a selector matching the binding "
       "namespace; for the ServiceEntry, a waypoint of its own namespace.",
       "docs/rules.md#waypoint-attachment-denied"},
      {"route-not-respected", RuleKind::kLint, kW, kW,
       "HTTPRoute ignored by ambient clients",
       "An HTTPRoute attached to a Service without a waypoint is not applied "
       "to ambient traffic (§9). Fix: bind the Service to a waypoint "
       "(istio.io/use-waypoint on it or its namespace); a waypoint Gateway "
       "takes no route as a parent.",
       "docs/rules.md#route-not-respected"},
      {"l7-policy-without-waypoint", RuleKind::kLint, kW, kE,
       "L7 policy that ztunnel cannot enforce",
       "An AuthorizationPolicy with L7 attributes is attached by selector to "
       "ambient pods, or to a whole namespace (no selector; in the root "
       "namespace, the mesh), whose ztunnel cannot read them (§8.2). The "
       "finding names them and the effect rule by rule (istiod's status says "
       "\"deny more broadly\" of every DENY): an ALLOW's rules with them "
       "never match (it allows less); a DENY entry (a source or an "
       "operation) that keeps an L4 field is enforced without them (it "
       "denies more), an entry or rule left with HTTP fields only is left out "
       "(it denies less), and a DENY with no rule left whole has no effect. "
       "Fix: attach it to the waypoint with targetRefs.",
       "docs/rules.md#l7-policy-without-waypoint"},
      {"auto-waypoint-collision", RuleKind::kLint, kW, kW,
       "Solo auto waypoint on namespace and service",
       "istio.io/use-waypoint=auto is set on both a namespace and a service in "
       "it (§15.1). Fix: keep the label at one level.",
       "docs/rules.md#auto-waypoint-collision"},
      {"gloo-waypoint-unsupported", RuleKind::kLint, kW, kW,
       "Gloo waypoint where it is unsupported",
       "A Gloo waypoint in a multicluster mesh or with ingress-use-waypoint "
       "(§15.1). Fix: use the istio-waypoint class there.",
       "docs/rules.md#gloo-waypoint-unsupported"},
      {"waypoint-missing-in-cluster", RuleKind::kLint, kW, kE,
       "Global service's waypoint missing",
       "A global service's waypoint is deployed in only some clusters "
       "(§7.2); with Solo peering, a peered entry binds no waypoint in a "
       "cluster while an exporter's Service uses one (§15.2). Fix: deploy "
       "the waypoint in every cluster of the service.",
       "docs/rules.md#waypoint-missing-in-cluster"},
      {"east-west-gateways-share-network", RuleKind::kLint, kW, kW,
       "Several east-west gateways on one network",
       "More than one ready east-west gateway serves one network in a "
       "community multicluster mesh: istiod sends that network's "
       "cross-network traffic through one of them, whichever it finds first "
       "(§7.2, istio/istio#56960), and each routes with its own cluster's "
       "view. meshsim assumes the first cluster's. Fix: keep one east-west "
       "gateway per network.",
       "docs/rules.md#east-west-gateways-share-network"},
      {"network-without-east-west-gateway", RuleKind::kLint, kW, kE,
       "Network without an east-west gateway",
       "A network has no ready east-west gateway while a global service has "
       "ready endpoints on it and also lives on another network: istiod "
       "builds no cross-network endpoint without the gateway, so clients on "
       "other networks never reach those pods (§7.2). A Gateway istiod does "
       "not take as the network's gateway (no network label, no HBONE "
       "listener terminating TLS, an empty status; §7.1) does not count. "
       "Fix: declare a Gateway of class istio-east-west labelled with the "
       "network, its HBONE listener with tls.mode Terminate, with a ready "
       "replica.",
       "docs/rules.md#network-without-east-west-gateway"},
      {"waypoint-unavailable", RuleKind::kLint, kW, kW,
       "Bound waypoint has no ready replica",
       "A destination is bound to a waypoint that exists but has no ready "
       "replica in reach: its requests fail closed (§3.6); or an ingress "
       "Gateway named as a waypoint whose pods ambient does not capture, "
       "which takes no HBONE (§2.1). Fix: scale the waypoint up, or check "
       "its pods' readiness and placement; name an istio-waypoint Gateway.",
       "docs/rules.md#waypoint-unavailable"},
      {"diff-newly-allowed", RuleKind::kDiff, kE, kE,
       "Change allows requests that were denied",
       "Requests that the old configuration denied (or failed) are delivered "
       "by the new one.",
       "docs/rules.md#diff-newly-allowed"},
      {"diff-newly-denied", RuleKind::kDiff, kE, kE,
       "Change denies requests that were delivered",
       "Requests the old configuration delivered are denied by the new one.",
       "docs/rules.md#diff-newly-denied"},
      {"diff-new-bypass", RuleKind::kDiff, kE, kE,
       "Change makes requests bypass their waypoint",
       "Requests that passed a waypoint are delivered without one.",
       "docs/rules.md#diff-new-bypass"},
      {"diff-waypoint-changed", RuleKind::kDiff, kE, kW,
       "Change moves requests to another waypoint",
       "Requests pass a different waypoint, or one where they passed none.",
       "docs/rules.md#diff-waypoint-changed"},
      {"diff-double-pass", RuleKind::kDiff, kE, kE,
       "Change makes requests pass waypoints twice",
       "Requests now pass two waypoints.", "docs/rules.md#diff-double-pass"},
      {"diff-route-changed", RuleKind::kDiff, kE, kW,
       "Change routes requests to other backends",
       "An HTTPRoute now picks other backends, weights or filters.",
       "docs/rules.md#diff-route-changed"},
      {"diff-newly-failed", RuleKind::kDiff, kE, kE,
       "Change makes requests fail",
       "Requests that were delivered or denied now fail in the data plane.",
       "docs/rules.md#diff-newly-failed"},
      {"check-failed", RuleKind::kCheck, kE, kE,
       "A scenario expectation does not hold",
       "An `expect:` entry of a scenario file (paths, outcome, deciding "
       "policy, latency, verified property) does not hold.",
       "docs/rules.md#check-failed"},
      {"load-error", RuleKind::kCheck, kE, kE,
       "A scenario or its manifests do not load",
       "A scenario file or one of its manifests has an error (syntax, an "
       "unknown field or kind, a reference to nothing): nothing in it was "
       "checked. Fix: the error names the file, line and column.",
       "docs/rules.md#load-error"},
      {"scenario-warning", RuleKind::kCheck, kW, kW,
       "A scenario or its manifests have a warning",
       "Loading a scenario reported a warning: something meshsim reads may "
       "not mean what it seems (a duplicate object, a label value Istio "
       "ignores, a skipped object). `meshsim check --strict` fails on it. "
       "Fix: the warning names the file, line and column.",
       "docs/rules.md#scenario-warning"},
      {"unknown-kind", RuleKind::kLint, kE, kE,
       "A kind that does not exist in a known API group",
       "An object's kind is not one of its API group's kinds "
       "(security.istio.io, networking.istio.io, gateway.networking.k8s.io, "
       "telemetry.istio.io, extensions.istio.io, networking.k8s.io, core v1, "
       "apps/v1, batch/v1); kubectl "
       "apply would refuse it, and skipping it would silently drop a policy. "
       "Example: kind: AuthorisationPolicy. Fix: correct the kind "
       "(did-you-mean gives the nearest).",
       "docs/rules.md#unknown-kind"},
      {"unknown-field", RuleKind::kLint, kE, kE,
       "A field the kind's schema does not have",
       "A field is not in the published schema of the kind; kubectl apply "
       "--validate=strict refuses it, and meshsim would otherwise ignore it. "
       "Example: spec.acton. Fix: correct the field name (did-you-mean gives "
       "the nearest).",
       "docs/rules.md#unknown-field"},
      {"invalid-value", RuleKind::kLint, kE, kE,
       "A value outside the field's type, enum or range",
       "A value has the wrong type or lies outside its enum or range. Example: "
       "port 70000, action ALOW. Fix: use one of the values the message lists.",
       "docs/rules.md#invalid-value"},
      {"reference-not-found", RuleKind::kLint, kW, kW,
       "A reference names no object",
       "A targetRefs entry, an HTTPRoute parentRef or backendRef, a "
       "VirtualService destination host, subset or gateway, a "
       "DestinationRule host, an istio.io/use-waypoint label, a ServiceEntry "
       "workloadSelector, or a denied_by/via in expect: names an object that "
       "does not exist. Example: "
       "backendRefs: [{name: reviws}]. Fix: name an existing object "
       "(did-you-mean gives the nearest).",
       "docs/rules.md#reference-not-found"},
      {"reference-not-permitted", RuleKind::kLint, kW, kW,
       "A gateway route's backend in another namespace without a "
       "ReferenceGrant",
       "An HTTPRoute (or GRPCRoute, TCPRoute, TLSRoute) attached to a Gateway "
       "sends to a Service in another namespace, and no ReferenceGrant in "
       "that namespace lets routes of the route's namespace refer to it: "
       "Istio refuses the backend and the gateway answers 500 (mesh routes "
       "need no grant). Fix: add the ReferenceGrant, or move the route.",
       "docs/rules.md#reference-not-permitted"},
      {"principal-matches-nothing", RuleKind::kLint, kW, kW,
       "A policy principal that no identity of the mesh has",
       "An AuthorizationPolicy source principal (or notPrincipal) pattern "
       "matches no service account identity in the mesh. A principal then "
       "matches no source (the field's only one: an ALLOW rule admits no "
       "one, a DENY rule never applies); a notPrincipal excludes no one, so "
       "the field holds for every source (§8.1). Example: "
       "cluster.local/ns/shop/sa/shop-prodcutpage. Fix: correct the principal "
       "(the nearest identities are named).",
       "docs/rules.md#principal-matches-nothing"},
      {"namespace-matches-nothing", RuleKind::kLint, kW, kW,
       "A policy namespace that the mesh does not have",
       "An AuthorizationPolicy source namespace (or notNamespace) pattern "
       "matches no namespace of the mesh: a namespace then matches no source, "
       "a notNamespace excludes no one (§8.1). Fix: correct the namespace.",
       "docs/rules.md#namespace-matches-nothing"},
      {"selector-matches-nothing", RuleKind::kLint, kW, kW,
       "A policy selector that selects no pod",
       "An AuthorizationPolicy or PeerAuthentication selector selects no pod "
       "in its namespace (or the mesh, in the root namespace): it applies "
       "nowhere. Fix: match the pods' labels.",
       "docs/rules.md#selector-matches-nothing"},
      {"peer-authentication-port-not-enforced", RuleKind::kLint, kW, kW,
       "PeerAuthentication port entry ztunnel does not enforce",
       "A workload PeerAuthentication's portLevelMtls, with its own mode and "
       "its namespace's and mesh's, is one istiod's conversion for ztunnel "
       "does not keep: on ambient pods a port the policy makes STRICT "
       "accepts plaintext, or one it opens stays STRICT (§16.5). Fix: give "
       "the policy a mode of its own and its namespace a PeerAuthentication "
       "with a mode.",
       "docs/rules.md#peer-authentication-port-not-enforced"},
      {"network-policy-blocks-hbone", RuleKind::kLint, kW, kE,
       "NetworkPolicy that drops the mesh's HBONE traffic",
       "A Kubernetes NetworkPolicy isolates a pod that receives HBONE (a "
       "captured pod, a waypoint, an east-west gateway, or a sidecar once "
       "ambient clients exist) for ingress and allows nothing on TCP port "
       "15008. The CNI enforces it outside the pod, where every HBONE "
       "connection arrives on 15008, so mesh traffic to the pod is dropped "
       "while plain TCP on the allowed ports still passes (§4.6). Example: a "
       "policy allowing only port 8080 to an app enrolled in ambient. Fix: "
       "add port 15008 to the ingress rule that admits the mesh's clients.",
       "docs/rules.md#network-policy-blocks-hbone"},
      {"unknown-gateway-class", RuleKind::kLint, kW, kW,
       "A Gateway class nothing implements",
       "A Gateway's gatewayClassName is neither built in (istio, "
       "istio-waypoint, istio-east-west, ...) nor defined by a GatewayClass: "
       "no controller programs it, so it is not a waypoint and not a gateway "
       "(§2.1). Example: istio-waypont. Fix: use istio-waypoint or istio.",
       "docs/rules.md#unknown-gateway-class"},
      {"unknown-label-value", RuleKind::kLint, kW, kW,
       "A label value Istio ignores",
       "A label meshsim reads (istio.io/dataplane-mode, istio.io/waypoint-for, "
       "istio.io/ingress-use-waypoint, istio-injection, "
       "sidecar.istio.io/inject, istio.io/global) has a value Istio does not "
       "act on. Example: istio.io/dataplane-mode: ambiant leaves the namespace "
       "uncaptured (§1.1). Fix: use one of the listed values.",
       "docs/rules.md#unknown-label-value"},
      {"inject-annotation-ignored", RuleKind::kLint, kW, kW,
       "A sidecar.istio.io/inject annotation the injector never reads",
       "A pod carries sidecar.istio.io/inject: \"true\" as an annotation "
       "only, in a namespace that does not enable injection: the injector's "
       "webhook selects pods by label, so the pod gets no sidecar, and in an "
       "ambient namespace it is captured instead (§1.1). Example: a "
       "Deployment left over from a sidecar setup. Fix: use the label, or "
       "remove the annotation.",
       "docs/rules.md#inject-annotation-ignored"},
      {"ambient-namespace-injected", RuleKind::kLint, kW, kW,
       "An ambient namespace that also injects sidecars",
       "A namespace labelled istio.io/dataplane-mode=ambient that also asks "
       "for sidecar injection (istio-injection=enabled, or istio.io/rev "
       "without istio-injection): its pods get sidecars, which ztunnel never "
       "captures, so no waypoint or ztunnel policy applies to them (§1.1; "
       "istioctl analyze IST0123). Example: a namespace moved to ambient "
       "with its injection label left on. Fix: remove the injection label, "
       "or the dataplane-mode label to keep sidecars.",
       "docs/rules.md#ambient-namespace-injected"},
      {"subset-selects-nothing", RuleKind::kLint, kW, kW,
       "A DestinationRule subset that selects no endpoint",
       "A DestinationRule subset that a VirtualService routes to, whose "
       "labels match none of the endpoints of the services its host covers, in "
       "any cluster: requests a route "
       "sends to the subset find no healthy upstream and fail with 503 "
       "(§16.1; istioctl analyze IST0173). Example: subset v2 with labels "
       "version: v2 before any v2 pod exists. Fix: match the endpoints' "
       "labels.",
       "docs/rules.md#subset-selects-nothing"},
      {"conflicting-virtual-services", RuleKind::kLint, kW, kW,
       "Two VirtualServices for one host",
       "Two VirtualServices of one namespace for mesh name the same host: a "
       "sidecar applies only the older one's routes, a waypoint too before "
       "1.28 and from 1.28 both, the older one's rules first (§16.2; "
       "istioctl analyze IST0109). Example: a canary VirtualService added "
       "beside the service's existing one. Fix: route the host from one "
       "VirtualService.",
       "docs/rules.md#conflicting-virtual-services"},
      {"virtual-service-host-not-in-gateway", RuleKind::kLint, kW, kW,
       "A VirtualService whose hosts its Istio Gateway does not serve",
       "A VirtualService bound to an Istio Gateway none of whose servers "
       "takes any of its hosts for the VirtualService's namespace: the "
       "gateway serves none of its routes, and requests for those hosts "
       "answer 404 (§16.3; istioctl analyze IST0132). Example: a server "
       "host restricted to another namespace (other/*.example.com). Fix: add "
       "the host to a server of the Gateway, or bind the VirtualService to "
       "the Gateway that serves it.",
       "docs/rules.md#virtual-service-host-not-in-gateway"},
      {"virtual-service-unreachable-rule", RuleKind::kLint, kW, kW,
       "A VirtualService rule no request reaches",
       "A rule of a VirtualService's http, tcp or tls list after a rule "
       "without matches (which takes every request), or every one of whose "
       "matches an earlier rule already has: istiod warns on apply and never "
       "uses it (§16.2; istioctl analyze IST0130). Example: two http rules "
       "without match, one with a fault, one with a mirror. Fix: merge them "
       "into one rule, or move the catch-all rule last.",
       "docs/rules.md#virtual-service-unreachable-rule"},
      {"virtual-service-ineffective-match", RuleKind::kLint, kW, kW,
       "A VirtualService match an earlier one shadows",
       "A match of a VirtualService rule equal to an earlier match (its name "
       "aside), or, for uri prefixes, one istiod's overlap check finds "
       "covered by an earlier prefix: the request it names goes to the "
       "earlier rule (§16.2; istioctl analyze IST0131). Example: prefix "
       "/api/v1/products after prefix /api/v1/product with the same method. "
       "Fix: put the more specific match first.",
       "docs/rules.md#virtual-service-ineffective-match"},
      {"jwt-claim-route-without-authentication", RuleKind::kLint, kW, kW,
       "A JWT-claim route where no token is validated",
       "A VirtualService bound to an Istio Gateway matches a header "
       "@request.auth.claims..., but no RequestAuthentication applies to "
       "the gateway's pods: no token is validated there, so the claim is "
       "never set and the rule never matches (§16.4; istioctl analyze "
       "IST0149). Example: claim-based canary routing at the ingress with "
       "the RequestAuthentication in the application's namespace. Fix: add "
       "a RequestAuthentication selecting the gateway's pods.",
       "docs/rules.md#jwt-claim-route-without-authentication"},
      {"jwt-not-forwarded", RuleKind::kLint, kW, kW,
       "A token the ingress removes before a proxy that checks it again",
       "A Gateway API ingress verifies tokens of an issuer by a jwtRule "
       "without forwardOriginalToken, so Envoy removes them from the "
       "request, and sends a service's requests to a proxy that verifies "
       "the same issuer again (the service's waypoint with "
       "ingress-use-waypoint, or its sidecar pods): that proxy never sees "
       "the token, so it has no request principal and a requestPrincipals "
       "policy there denies what the ingress accepted (§16.4). Example: the "
       "edge validates end-user JWTs and the waypoint admits only "
       "requestPrincipals. Fix: set forwardOriginalToken: true on the "
       "ingress's rule, or validate the token in one place.",
       "docs/rules.md#jwt-not-forwarded"},
      {"policy-target-not-bound", RuleKind::kLint, kW, kW,
       "A policy targeting a Service that no waypoint serves",
       "An AuthorizationPolicy or RequestAuthentication whose targetRefs "
       "name a Service or ServiceEntry that is bound to no waypoint in the "
       "cluster: istiod marks it AncestorNotBound, and nothing enforces it "
       "(ztunnel reads no targetRefs policy, and no waypoint serves the "
       "Service) (§8.1, §16.4). Fix: bind the Service to a waypoint "
       "(istio.io/use-waypoint), or, for L4 rules, select the pods.",
       "docs/rules.md#policy-target-not-bound"},
      {"policy-at-agentgateway", RuleKind::kLint, kW, kW,
       "A policy an agentgateway proxy does not read",
       "An AuthorizationPolicy or RequestAuthentication whose targetRefs "
       "name a Gateway of an agentgateway class, or a Service whose "
       "waypoint is one: istiod programs agentgateway from the Gateway API "
       "alone, so nothing enforces it (§16). Fix: use an Envoy waypoint "
       "(istio-waypoint) for Istio policies, or agentgateway's own policy.",
       "docs/rules.md#policy-at-agentgateway"},
      {"remote-ip-from-header", RuleKind::kLint, kW, kW,
       "A remote-address rule a waypoint or sidecar reads from a header",
       "An AuthorizationPolicy enforced by a waypoint (targetRefs) or a "
       "sidecar matches remoteIpBlocks, notRemoteIpBlocks or the `when` key "
       "remote.ip: those Envoys keep the connection's address only for "
       "ipBlocks and take the remote address from the last "
       "X-Forwarded-For entry (use_remote_address false, no trusted hops), "
       "which any client sets, so the rule is bypassed or triggered at will "
       "(§8.2). meshsim takes the connection's address. Fix: match ipBlocks "
       "(the peer's address) inside the mesh, and remote addresses at the "
       "ingress gateway, which sets X-Forwarded-For itself.",
       "docs/rules.md#remote-ip-from-header"},
      {"request-authentication-without-waypoint", RuleKind::kLint, kW, kW,
       "A RequestAuthentication that only ztunnel would apply",
       "A RequestAuthentication attached by selector, or to a whole "
       "namespace (the root namespace's: the mesh), applies to ambient "
       "pods, which no sidecar serves: ztunnel validates no token, and a "
       "waypoint reads only RequestAuthentications with targetRefs (§16.4). "
       "Tokens sent to those pods are never checked, an invalid one is not "
       "refused with 401, and no request principal is set. Example: a "
       "sidecar-era RequestAuthentication kept through a move to ambient. "
       "Fix: attach it to the waypoint with targetRefs (Gateway or Service) "
       "and bind the workloads.",
       "docs/rules.md#request-authentication-without-waypoint"},
      {"port-not-on-service", RuleKind::kLint, kW, kW,
       "Traffic to a port its Service does not have",
       "A traffic entry sends to a Service by name on a port the Service does "
       "not declare: nothing listens there, and paths, run and verify show the "
       "request failed. Fix: send to one of the Service's ports.",
       "docs/rules.md#port-not-on-service"},
      {"headless-service-waypoint", RuleKind::kLint, kW, kW,
       "A headless Service bound to a waypoint",
       "A Service with clusterIP: None carries istio.io/use-waypoint (its "
       "own or its namespace's) and the waypoint accepts it, but a headless "
       "Service has no VIP: its DNS name answers with pod IPs, so every "
       "request is workload-addressed and meets only the pods' own waypoint "
       "(§3.3, K10). The waypoint, and policies that target the Service, "
       "see none of its traffic. Fix: bind the pods (istio.io/use-waypoint "
       "on the pods or namespace, with a waypoint of type workload or all), "
       "or give the Service a cluster IP.",
       "docs/rules.md#headless-service-waypoint"},
      {"tcp-to-http-port", RuleKind::kLint, kW, kW,
       "Plain TCP to a port declared HTTP",
       "A traffic entry has no http section, so it is a plain TCP "
       "connection, to a Service port declared HTTP (its name, appProtocol "
       "or a ServiceEntry's protocol) that a waypoint serves, or from a "
       "sidecar client. The waypoint has the port's HTTP filter chain alone, "
       "whose codec closes a connection that does not speak HTTP; a "
       "sidecar's HTTP listener routes none of it (§8.6); meshsim follows "
       "the entry as the connection it describes. Example: to: {host: "
       "reviews.bookinfo, port: 9080} without http. Fix: give the entry "
       "http: {method: GET, path: /}, or name the port tcp-... if the client "
       "speaks plain TCP.",
       "docs/rules.md#tcp-to-http-port"},
      {"target-port-undeclared", RuleKind::kLint, kW, kW,
       "A Service port whose named targetPort its workloads do not declare",
       "A Service port's targetPort is a name that none, or only some, of "
       "the pods it selects declare as a container port (or WorkloadEntries "
       "in their ports map): istiod leaves that port out of those "
       "workloads, so requests to it reach only the ones that declare it, "
       "and fail when none does (§3.4). Example: targetPort: http on a "
       "Deployment that declares no ports. Fix: name the container port, or "
       "give the targetPort as a number.",
       "docs/rules.md#target-port-undeclared"},
      {"service-entry-shadowed", RuleKind::kLint, kW, kW,
       "A ServiceEntry host another service of its namespace holds",
       "Two ServiceEntries of one namespace name the same host, or a "
       "ServiceEntry names its namespace's Kubernetes Service: istiod keeps "
       "one per namespace and host (the Kubernetes Service, else the oldest "
       "entry) and leaves the other out of ztunnel's view, so its address, "
       "waypoint and endpoints take no traffic for that host (§3.4). Fix: "
       "merge the entries, or delete the one that loses.",
       "docs/rules.md#service-entry-shadowed"},
      {"service-entry-address-block", RuleKind::kLint, kW, kW,
       "A ServiceEntry address block ambient ignores before 1.30",
       "Before 1.30 istiod converts only single addresses (and blocks of "
       "one) for the ambient index; a ServiceEntry that lists a wider block "
       "in spec.addresses is left out whole: no ztunnel knows its hosts or "
       "addresses, ambient clients' requests to it pass through, and it "
       "binds no waypoint, so an egress waypoint's policies never run for "
       "it (§3.4). Sidecars and gateways still have the entry. Fires in a "
       "cluster that runs ambient, or when the entry asks for a waypoint. "
       "Fix: list single addresses, or upgrade to 1.30.",
       "docs/rules.md#service-entry-address-block"},
      {"mixed-route-apis", RuleKind::kLint, kW, kW,
       "A VirtualService and an HTTPRoute for the same service",
       "A VirtualService for mesh and a GAMMA HTTPRoute both route one "
       "service. Istio documents mixing them for one workload as unsupported "
       "with undefined behaviour: istiod concatenates both, so whichever comes "
       "first can hide the other (§16.2). Fix: keep one API per service "
       "(HTTPRoute is the recommended one in ambient).",
       "docs/rules.md#mixed-route-apis"},
      {"peering-host-not-exported", RuleKind::kLint, kW, kE,
       "Peering name nobody exports",
       "A traffic entry or a route names a host in a peering domain "
       "(mesh.internal or a Segment's domain) that no peer exports to the "
       "client's cluster: there is no autogen ServiceEntry for it, so the "
       "name does not resolve and requests fail (§15.2). Fix: export the "
       "Service from a peered cluster with solo.io/service-scope, or correct "
       "the name.",
       "docs/rules.md#peering-host-not-exported"},
      {"undiscovered-namespace", RuleKind::kLint, kW, kW,
       "Istio configuration istiod never reads",
       "A namespace that istio.meshConfig.discoverySelectors leave out holds "
       "Istio or Gateway API objects (policies, routes, Gateways, "
       "ServiceEntries), which istiod ignores, or a pod enrolled in ambient, "
       "which no ztunnel knows (§16.9). Fix: label the namespace so that a "
       "discovery selector matches it, or move the objects to a discovered "
       "namespace.",
       "docs/rules.md#undiscovered-namespace"},
  };
  return kRules;
}

const Rule* FindRule(std::string_view id) {
  for (const Rule& r : RuleCatalogue())
    if (r.id == id) return &r;
  return nullptr;
}

Severity RuleSeverity(std::string_view id) {
  const Rule* r = FindRule(id);
  return r ? r->severity : Severity::kError;
}

std::vector<Rule> RulesOfKind(RuleKind kind) {
  std::vector<Rule> out;
  for (const Rule& r : RuleCatalogue())
    if (r.kind == kind) out.push_back(r);
  return out;
}

std::string RuleIdList(RuleKind kind) {
  std::string out;
  for (const Rule& r : RulesOfKind(kind))
    out += (out.empty() ? "" : ", ") + std::string(r.id);
  return out;
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "note";
}

}  // namespace meshsim
