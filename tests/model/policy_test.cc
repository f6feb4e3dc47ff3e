// AuthorizationPolicy matching and evaluation (docs/semantics.md §8.2,
// §8.3) on policies loaded from YAML, evaluated directly.
#include "model/policy.h"

#include <gtest/gtest.h>

#include "tests/path_template_cases.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

TEST(IstioMatchTest, StringForms) {
  EXPECT_TRUE(
      IstioStringMatch("cluster.local/ns/a/sa/b", "cluster.local/ns/a/sa/b"));
  EXPECT_TRUE(
      IstioStringMatch("cluster.local/ns/a/*", "cluster.local/ns/a/sa/b"));
  EXPECT_TRUE(IstioStringMatch("*/sa/b", "cluster.local/ns/a/sa/b"));
  EXPECT_TRUE(IstioStringMatch("*", "x"));
  EXPECT_FALSE(IstioStringMatch("*", ""));
  EXPECT_FALSE(
      IstioStringMatch("cluster.local/ns/a/*", "cluster.local/ns/ab/sa/b"));
}

// matcher/string.go StringMatcherWithPrefix: a leading '*' is read first,
// the rest literally: "*admin*" is the suffix "admin*"; any other '*' is
// literal.
TEST(IstioMatchTest, ALeadingStarIsReadFirst) {
  EXPECT_TRUE(IstioStringMatch("*admin*", "super-admin*"));
  EXPECT_FALSE(IstioStringMatch("*admin*", "*admin-x"));
  EXPECT_FALSE(IstioStringMatch("*admin*", "admin-x"));
  EXPECT_TRUE(IstioStringMatch("a*b", "a*b"));
  EXPECT_FALSE(IstioStringMatch("a*b", "axb"));
  EXPECT_TRUE(IstioStringMatch("a*b*", "a*bc"));
}

TEST(IstioMatchTest, PathsAndTemplates) {
  EXPECT_TRUE(IstioPathMatch("/api/*", "/api/v1?x=1"));
  EXPECT_FALSE(IstioPathMatch("/api", "/api/v1"));
  EXPECT_TRUE(IstioPathMatch("/api/{*}/items", "/api/v1/items"));
  EXPECT_FALSE(IstioPathMatch("/api/{*}/items", "/api/v1/v2/items"));
  EXPECT_TRUE(IstioPathMatch("/api/{**}", "/api/v1/v2/items"));
}

// §8.4: the shared table the verifier's encoding passes too.
TEST(IstioMatchTest, PathTemplateTable) {
  for (const testing::PathTemplateCase& c : testing::kPathTemplateCases)
    EXPECT_EQ(IstioPathMatch(c.templ, c.path), c.matches)
        << c.templ << " on " << c.path;
}

// §8.4: Istio's validation of templates.
TEST(IstioMatchTest, PathTemplateValidation) {
  EXPECT_EQ(PathTemplateError("/a/{*}/b/{**}"), std::nullopt);
  EXPECT_EQ(PathTemplateError("/plain/*"), std::nullopt);
  EXPECT_EQ(*PathTemplateError("/a/{**}/b/{**}"),
            "{**} must be the last operator of a template");
  EXPECT_EQ(*PathTemplateError("/a/{**}/{*}"),
            "{**} must be the last operator of a template");
  EXPECT_EQ(*PathTemplateError("/a/x{*}"),
            "segment 'x{*}' holds '{' or '}' beyond the operators {*} and "
            "{**}, which must each be a whole segment");
  EXPECT_EQ(*PathTemplateError("/a b/{*}"),
            "segment 'a b' holds ' ', which is not a path character (RFC "
            "3986 pchar)");
  EXPECT_EQ(*PathTemplateError("a/{*}"), "a path template must start with '/'");
}

// Many {**} used to be matched by backtracking, exponential in their number;
// the loader now refuses them, and matching is one pass.
TEST(IstioMatchTest, PathTemplateMatchingIsLinear) {
  std::string path(200000, 'a');
  for (size_t i = 1; i < path.size(); i += 2) path[i] = '/';
  EXPECT_TRUE(IstioPathMatch("/{*}/{**}", "/" + path));
  EXPECT_FALSE(IstioPathMatch("/{*}/{*}", "/" + path));
}

TEST(IstioMatchTest, IpBlocks) {
  EXPECT_TRUE(IpInBlock("10.0.0.0/8", "10.1.2.3"));
  EXPECT_TRUE(IpInBlock("10.1.2.3", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("10.0.0.0/16", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("garbage", "10.1.2.3"));
  EXPECT_TRUE(IpInBlock("0.0.0.0/0", "192.168.1.1"));
  EXPECT_TRUE(IpInBlock("10.1.2.3/32", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("10.1.2.3/32", "10.1.2.4"));
  EXPECT_TRUE(IpInBlock("10.1.2.0/23", "10.1.3.255"));
  EXPECT_FALSE(IpInBlock("10.1.2.0/23", "10.1.4.0"));
  EXPECT_FALSE(IpInBlock("10.0.0.0/33", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("10.0.0.0/", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("10.0.0.0/08", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("10.0.0.0/000", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("010.0.0.1", "10.0.0.1"));
  EXPECT_FALSE(IpInBlock("::ffff:10.0.0.0/104", "10.0.0.1"));
  EXPECT_FALSE(IpInBlock("10.0.0.256", "10.0.0.256"));
  // IPv6 blocks match IPv6 addresses; the families never match each other.
  EXPECT_TRUE(IpInBlock("2001:db8::/32", "2001:db8:1::5"));
  EXPECT_FALSE(IpInBlock("2001:db8::/32", "2001:db9::5"));
  EXPECT_TRUE(IpInBlock("2001:db8::/33", "2001:db8:7fff::1"));
  EXPECT_FALSE(IpInBlock("2001:db8::/33", "2001:db8:8000::1"));
  EXPECT_TRUE(IpInBlock("::/0", "fd00::1"));
  EXPECT_TRUE(IpInBlock("fd00::1", "fd00:0::1"));
  EXPECT_FALSE(IpInBlock("fd00::/128", "fd00::1"));
  EXPECT_FALSE(IpInBlock("fd00::/129", "fd00::"));
  EXPECT_FALSE(IpInBlock("::/0", "10.1.2.3"));
  EXPECT_FALSE(IpInBlock("0.0.0.0/0", "fd00::1"));
}

// Loads the policies of a world and evaluates them at `point` for `req`.
PolicyDecision Decide(const std::vector<std::string>& policies,
                      EnforcementPoint point, const RequestAttributes& req,
                      const std::string& istio = "") {
  testing::World w(istio);
  w.Cluster("east", "east", 1);
  for (const std::string& p : policies) w.Add("east", p);
  Scenario s = w.Load();
  std::vector<const AuthorizationPolicy*> ptrs;
  for (const AuthorizationPolicy& p : s.mesh.clusters[0].authorization_policies)
    ptrs.push_back(&p);
  // The decision refers to policies by name only, so the scenario may go.
  return Evaluate(s.mesh, s.mesh.istio.version, point, ptrs, req);
}

std::string Policy(const std::string& name, const std::string& action,
                   const std::string& rules) {
  return "apiVersion: security.istio.io/v1\nkind: "
         "AuthorizationPolicy\nmetadata:\n  name: " +
         name + "\n  namespace: shop\nspec:\n  action: " + action + "\n" +
         rules;
}

RequestAttributes Http(const std::string& principal, const std::string& method,
                       const std::string& path, int port = 80) {
  RequestAttributes r;
  if (!principal.empty()) r.principal = principal;
  r.http = true;
  r.method = method;
  r.path = path;
  r.destination_port = port;
  r.host = "cart.shop.svc.cluster.local";
  return r;
}

const char kCurl[] = "cluster.local/ns/client/sa/curl";

// §8.3 ztunnel: no ALLOW policy at all => allow.
TEST(EvaluateTest, NoPolicyAllows) {
  EXPECT_TRUE(
      Decide({}, EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/")).allowed);
}

// §8.3: an ALLOW policy with no rules allows nothing (allow-nothing).
TEST(EvaluateTest, AllowNothing) {
  auto d = Decide({Policy("allow-nothing", "ALLOW", "")},
                  EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.denied_by->action, "ALLOW (no rule matched)");
  EXPECT_EQ(d.denied_by->policy, "shop/allow-nothing");
}

// §8.3: DENY is evaluated before ALLOW.
TEST(EvaluateTest, DenyBeforeAllow) {
  auto d = Decide(
      {Policy("allow-all", "ALLOW", "  rules:\n  - {}\n"),
       Policy("deny-curl", "DENY",
              "  rules:\n  - from:\n    - source:\n        principals: [\"" +
                  std::string(kCurl) + "\"]\n")},
      EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.denied_by->policy, "shop/deny-curl");
  EXPECT_EQ(d.denied_by->rule, 0);
}

// §8.2: an ALLOW rule with HTTP attributes is dropped at ztunnel: if it was
// the only ALLOW, traffic is denied (§13 case 35, TestAuthorizationL7).
TEST(EvaluateTest, Case35_AllowWithHttpDroppedAtZtunnel) {
  const std::string p =
      Policy("get-only", "ALLOW",
             "  rules:\n  - to:\n    - operation:\n        methods: [GET]\n");
  auto zt = Decide({p}, EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/"));
  EXPECT_FALSE(zt.allowed);
  EXPECT_NE(zt.evaluated[0].note.find("dropped at ztunnel"), std::string::npos);
  // The same policy at a waypoint (full L7) allows GET.
  EXPECT_TRUE(Decide({p}, EnforcementPoint::kWaypoint, Http(kCurl, "GET", "/"))
                  .allowed);
  EXPECT_FALSE(
      Decide({p}, EnforcementPoint::kWaypoint, Http(kCurl, "POST", "/"))
          .allowed);
}

// §8.2: a DENY with only L7 attributes is a no-op at ztunnel.
TEST(EvaluateTest, Case35_L7OnlyDenyIsNoOpAtZtunnel) {
  const std::string p =
      Policy("deny-post", "DENY",
             "  rules:\n  - to:\n    - operation:\n        methods: [POST]\n");
  auto zt = Decide({p}, EnforcementPoint::kZtunnel, Http(kCurl, "POST", "/"));
  EXPECT_TRUE(zt.allowed);
  EXPECT_EQ(zt.evaluated[0].effect, "no-op");
  EXPECT_FALSE(
      Decide({p}, EnforcementPoint::kWaypoint, Http(kCurl, "POST", "/"))
          .allowed);
}

// §8.2: "L4 From and L7-only To methods is a no-op due to AND empty clause".
TEST(EvaluateTest, L4FromWithL7OnlyToIsNoOpAtZtunnel) {
  const std::string p =
      Policy("deny", "DENY",
             "  rules:\n  - from:\n    - source:\n        namespaces: "
             "[client]\n    to:\n    - operation:\n"
             "        methods: [POST]\n");
  EXPECT_TRUE(Decide({p}, EnforcementPoint::kZtunnel, Http(kCurl, "POST", "/"))
                  .allowed);
}

// §8.2: a DENY rule with L4 parts is enforced without its HTTP conditions.
TEST(EvaluateTest, DenyWithL4PartEnforcedWithoutHttp) {
  const std::string p = Policy("deny", "DENY",
                               "  rules:\n  - to:\n    - operation:\n        "
                               "ports: [\"80\"]\n        methods: [POST]\n");
  auto d = Decide({p}, EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/"));
  EXPECT_FALSE(d.allowed);  // the method is ignored; port 80 matches
}

// §8.3 Envoy: AUDIT never decides; CUSTOM is assumed to allow.
TEST(EvaluateTest, AuditNeverDecides) {
  auto d = Decide({Policy("audit", "AUDIT", "  rules:\n  - {}\n")},
                  EnforcementPoint::kWaypoint, Http(kCurl, "GET", "/"));
  EXPECT_TRUE(d.allowed);
  ASSERT_EQ(d.evaluated.size(), 1u);
  EXPECT_EQ(d.evaluated[0].effect, "no-op");
}

// Plaintext clients have no identity: principal and namespace rules fail.
TEST(EvaluateTest, PlaintextHasNoIdentity) {
  const std::string p = Policy(
      "allow-ns", "ALLOW",
      "  rules:\n  - from:\n    - source:\n        namespaces: [\"*\"]\n");
  EXPECT_FALSE(
      Decide({p}, EnforcementPoint::kZtunnel, Http("", "GET", "/")).allowed);
  EXPECT_TRUE(
      Decide({p}, EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/")).allowed);
}

TEST(EvaluateTest, WhenConditions) {
  const std::string p =
      Policy("by-header", "ALLOW",
             "  rules:\n  - when:\n    - key: request.headers[x-user]\n      "
             "values: [admin]\n"
             "    - key: source.namespace\n      notValues: [blocked]\n");
  RequestAttributes r = Http(kCurl, "GET", "/");
  EXPECT_FALSE(Decide({p}, EnforcementPoint::kWaypoint, r).allowed);
  r.headers["x-user"] = "admin";
  EXPECT_TRUE(Decide({p}, EnforcementPoint::kWaypoint, r).allowed);
}

TEST(EvaluateTest, NotFieldsAndHosts) {
  const std::string p = Policy("hosts", "ALLOW",
                               "  rules:\n  - to:\n    - operation:\n        "
                               "hosts: [\"cart.shop.svc.cluster.local\"]\n"
                               "        notPaths: [\"/admin/*\"]\n");
  EXPECT_TRUE(Decide({p}, EnforcementPoint::kWaypoint, Http(kCurl, "GET", "/x"))
                  .allowed);
  EXPECT_FALSE(
      Decide({p}, EnforcementPoint::kWaypoint, Http(kCurl, "GET", "/admin/x"))
          .allowed);
}

// §8.2 (matcher.HostMatcher): `hosts` match the whole :authority, port
// included, case-insensitively; "host:*" covers every port.
TEST(EvaluateTest, HostsMatchTheAuthorityWithItsPort) {
  const std::string exact =
      Policy("exact", "ALLOW",
             "  rules:\n  - to:\n    - operation:\n"
             "        hosts: [Cart.shop.svc.cluster.local]\n");
  const std::string any_port =
      Policy("any-port", "ALLOW",
             "  rules:\n  - to:\n    - operation:\n"
             "        hosts: [\"cart.shop.svc.cluster.local:*\"]\n");
  const std::string not_hosts =
      Policy("not-hosts", "DENY",
             "  rules:\n  - to:\n    - operation:\n"
             "        notHosts: [cart.shop.svc.cluster.local]\n");
  RequestAttributes r = Http(kCurl, "GET", "/");
  EXPECT_TRUE(Decide({exact}, EnforcementPoint::kWaypoint, r).allowed);
  EXPECT_FALSE(Decide({any_port}, EnforcementPoint::kWaypoint, r).allowed);
  EXPECT_TRUE(Decide({not_hosts}, EnforcementPoint::kWaypoint, r).allowed);
  r.host = "cart.shop.svc.cluster.local:9080";
  EXPECT_FALSE(Decide({exact}, EnforcementPoint::kWaypoint, r).allowed);
  EXPECT_TRUE(Decide({any_port}, EnforcementPoint::kWaypoint, r).allowed);
  EXPECT_FALSE(Decide({not_hosts}, EnforcementPoint::kWaypoint, r).allowed);
}

// §8.2: connection.sni is the TLS server name of the connection the proxy
// terminates; a request inside HBONE or Istio mTLS has none, whatever its
// Host, so `values` never match and `notValues` always do.
TEST(EvaluateTest, ConnectionSniIsNotTheHost) {
  const std::string allow =
      Policy("sni", "ALLOW",
             "  rules:\n  - when:\n    - key: connection.sni\n"
             "      values: [cart.shop.svc.cluster.local]\n");
  const std::string deny =
      Policy("not-sni", "DENY",
             "  rules:\n  - when:\n    - key: connection.sni\n"
             "      notValues: [cart.shop.svc.cluster.local]\n");
  const RequestAttributes r = Http(kCurl, "GET", "/");
  EXPECT_FALSE(Decide({allow}, EnforcementPoint::kWaypoint, r).allowed);
  EXPECT_FALSE(Decide({deny}, EnforcementPoint::kWaypoint, r).allowed);
}

// §8.5: a dry-run DENY (annotation read as Go's ParseBool: "True")
// decides nothing at a waypoint, nor at ztunnel from 1.25.2 (istiod
// withholds it); before, ztunnel enforces it; with the flag from 1.29 ztunnel
// logs.
TEST(EvaluateTest, DryRunByEnforcementPointAndRelease) {
  const std::string p =
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
      "metadata:\n  name: dry-deny\n  namespace: shop\n  annotations:\n"
      "    istio.io/dry-run: \"True\"\nspec:\n  action: DENY\n"
      "  rules:\n  - {}\n";
  const RequestAttributes r = Http(kCurl, "GET", "/");
  const PolicyDecision wp = Decide({p}, EnforcementPoint::kWaypoint, r);
  EXPECT_TRUE(wp.allowed);
  EXPECT_EQ(wp.evaluated[0].note, "dry-run: logged only");
  const PolicyDecision zt = Decide({p}, EnforcementPoint::kZtunnel, r);
  EXPECT_TRUE(zt.allowed);
  EXPECT_EQ(zt.evaluated[0].note, "dry-run: not sent to ztunnel (§8.5)");
  const PolicyDecision old =
      Decide({p}, EnforcementPoint::kZtunnel, r, "{version: \"1.24\"}");
  EXPECT_FALSE(old.allowed);
  EXPECT_NE(old.evaluated[0].note.find("not read by ztunnel before 1.25.2"),
            std::string::npos);
  // The check came in 1.25.2 (policies.go): an explicit 1.25.1 enforces, a
  // 1.25 without its patch is its latest patch.
  EXPECT_FALSE(
      Decide({p}, EnforcementPoint::kZtunnel, r, "{version: \"1.25.1\"}")
          .allowed);
  EXPECT_TRUE(
      Decide({p}, EnforcementPoint::kZtunnel, r, "{version: \"1.25.2\"}")
          .allowed);
  EXPECT_TRUE(Decide({p}, EnforcementPoint::kZtunnel, r, "{version: \"1.25\"}")
                  .allowed);
  EXPECT_TRUE(Decide({p}, EnforcementPoint::kWaypoint, r, "{version: \"1.24\"}")
                  .allowed);
  const PolicyDecision flag = Decide(
      {p}, EnforcementPoint::kZtunnel, r,
      "{flags: {AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY: \"true\"}}");
  EXPECT_TRUE(flag.allowed);
  EXPECT_EQ(flag.evaluated[0].note, "dry-run: logged only by ztunnel");
  // A value Go's ParseBool refuses is not dry-run: enforced everywhere.
  std::string enforced = p;
  enforced.replace(enforced.find("\"True\""), 6, "\"yes\"");
  EXPECT_FALSE(Decide({enforced}, EnforcementPoint::kWaypoint, r).allowed);
}

RequestAttributes Tcp(const std::string& principal, int port) {
  RequestAttributes r;
  r.principal = principal;
  r.destination_port = port;
  return r;
}

// §8.6: a TCP connection meets an Envoy's TCP filter chain: a DENY loses its
// HTTP-only fields and becomes wider (an HTTP-only DENY denies every
// connection), an ALLOW rule with one is dropped.
TEST(EvaluateTest, EnvoyTcpChainWidensDenyAndDropsAllow) {
  const std::string deny_post =
      Policy("deny-post", "DENY",
             "  rules:\n  - to:\n    - operation:\n        methods: [POST]\n");
  const PolicyDecision tcp =
      Decide({deny_post}, EnforcementPoint::kWaypoint, Tcp(kCurl, 9000));
  EXPECT_FALSE(tcp.allowed);
  EXPECT_NE(tcp.evaluated[0].note.find("ignored on a TCP connection"),
            std::string::npos);
  EXPECT_TRUE(
      Decide({deny_post}, EnforcementPoint::kWaypoint, Http(kCurl, "GET", "/"))
          .allowed);
  // A port declared HTTP is served on the HTTP chain: the DENY keeps its
  // method, which a connection that is not HTTP never has.
  RequestAttributes to_http_port = Tcp(kCurl, 80);
  to_http_port.http_port = true;
  EXPECT_TRUE(
      Decide({deny_post}, EnforcementPoint::kWaypoint, to_http_port).allowed);
  // At ztunnel the same DENY is a no-op (§8.2).
  EXPECT_TRUE(Decide({deny_post}, EnforcementPoint::kZtunnel, Tcp(kCurl, 9000))
                  .allowed);
  const std::string allow_not_delete = Policy(
      "allow", "ALLOW",
      "  rules:\n  - to:\n    - operation:\n        notMethods: [DELETE]\n");
  EXPECT_FALSE(
      Decide({allow_not_delete}, EnforcementPoint::kWaypoint, Tcp(kCurl, 9000))
          .allowed);
  EXPECT_TRUE(Decide({allow_not_delete}, EnforcementPoint::kWaypoint,
                     Http(kCurl, "GET", "/"))
                  .allowed);
  // A DENY whose HTTP-only field sits next to an L4 one keeps the L4 one.
  const std::string deny_port_post =
      Policy("deny", "DENY",
             "  rules:\n  - to:\n    - operation:\n        ports: [\"9000\"]\n"
             "        methods: [POST]\n");
  EXPECT_FALSE(
      Decide({deny_port_post}, EnforcementPoint::kSidecar, Tcp(kCurl, 9000))
          .allowed);
  EXPECT_TRUE(
      Decide({deny_port_post}, EnforcementPoint::kSidecar, Tcp(kCurl, 9001))
          .allowed);
}

// §8.2: each `when` condition is a clause of its own at ztunnel; an HTTP
// one is left empty and never matches, so a DENY with an L4 and an HTTP
// condition is a no-op there.
TEST(EvaluateTest, DenyWithAnHttpConditionIsNoOpAtZtunnel) {
  const std::string p =
      Policy("deny", "DENY",
             "  rules:\n  - when:\n    - key: source.namespace\n      values: "
             "[client]\n"
             "    - key: request.headers[x-debug]\n      values: [\"1\"]\n");
  EXPECT_TRUE(
      Decide({p}, EnforcementPoint::kZtunnel, Http(kCurl, "GET", "/")).allowed);
}

// §8.7: source.serviceAccounts (1.25+) match the peer's namespace and
// service account; a bare name is in the policy's namespace (here shop).
TEST(EvaluateTest, ServiceAccountsMatchThePeerIdentity) {
  auto allow = [](const std::string& list) {
    return Policy("allow-sa", "ALLOW",
                  "  rules:\n  - from:\n    - source:\n        " + list + "\n");
  };
  for (const EnforcementPoint at :
       {EnforcementPoint::kZtunnel, EnforcementPoint::kWaypoint}) {
    const RequestAttributes r = Http(kCurl, "GET", "/");
    EXPECT_TRUE(
        Decide({allow("serviceAccounts: [client/curl]")}, at, r).allowed);
    EXPECT_FALSE(Decide({allow("serviceAccounts: [curl]")}, at, r).allowed);
    EXPECT_TRUE(Decide({allow("notServiceAccounts: [curl]")}, at, r).allowed);
    EXPECT_FALSE(
        Decide({allow("notServiceAccounts: [client/curl]")}, at, r).allowed);
    RequestAttributes shop = r;
    shop.principal = "cluster.local/ns/shop/sa/curl";
    EXPECT_TRUE(Decide({allow("serviceAccounts: [curl]")}, at, shop).allowed);
  }
}

// A PeerAuthentication in `ns`; `selector` is its YAML selector line(s).
std::string PeerAuthYaml(const std::string& name, const std::string& ns,
                         const std::string& mode, const std::string& selector) {
  return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
         "metadata: {name: " +
         name + ", namespace: " + ns + "}\nspec:\n" + selector +
         "  mtls: {mode: " + mode + "}\n";
}

// Deployment `ns`/cart's pod in a one-cluster world with `objects`: the
// mode a sidecar reads on port 8080 and the policy deciding it, and whether
// ztunnel refuses plaintext there.
struct CartMode {
  std::string mode, by;
  bool ztunnel_refuses = false;
};
CartMode CartPeerAuthentication(const std::string& ns,
                                const testing::KV& ns_labels,
                                const std::vector<std::string>& objects) {
  testing::World w;
  w.Cluster("east", "east", 1);
  w.Add("east", testing::Ns(ns, ns_labels));
  w.Add("east", testing::Deploy(ns, "cart"));
  for (const std::string& o : objects) w.Add("east", o);
  Scenario s = w.Load();
  const Cluster& c = s.mesh.clusters[0];
  CartMode out;
  for (const Workload& x : c.workloads)
    if (x.ns == ns && x.owner == "cart") {
      out.mode = PeerAuthenticationMode(s.mesh, c, x, 8080, &out.by);
      out.ztunnel_refuses =
          ZtunnelRefusesPlaintext(s.mesh, c, x, 8080, nullptr);
    }
  return out;
}

// §16.5: for a workload of the root namespace, the root namespace's
// PeerAuthentication without a selector is the mesh policy, and one with a
// selector counts for nothing (istiod's level split), for sidecars and
// ztunnel alike.
TEST(PeerAuthenticationLevelsTest,
     RootNamespaceSelectorPoliciesCountForNothing) {
  const std::string cart = "  selector: {matchLabels: {app: cart}}\n";
  for (const std::string mesh_mode : {"PERMISSIVE", "STRICT"}) {
    const std::string other = mesh_mode == "STRICT" ? "PERMISSIVE" : "STRICT";
    const CartMode got = CartPeerAuthentication(
        "istio-system", {},
        {PeerAuthYaml("cart", "istio-system", other, cart),
         PeerAuthYaml("mesh", "istio-system", mesh_mode, "")});
    EXPECT_EQ(got.mode, mesh_mode);
    EXPECT_EQ(got.by, "istio-system/mesh");
    EXPECT_EQ(got.ztunnel_refuses, mesh_mode == "STRICT");
  }
}

// §4.4: a PeerAuthentication whose selector has no matchLabels is
// namespace-wide, as istiod reads it: the first namespace-wide policy
// decides, not the selector one listed after it.
TEST(PeerAuthenticationLevelsTest, EmptyMatchLabelsIsNamespaceWide) {
  for (const std::string first : {"PERMISSIVE", "STRICT"}) {
    const std::string second = first == "STRICT" ? "PERMISSIVE" : "STRICT";
    const CartMode got =
        CartPeerAuthentication("shop", {{testing::Ambient(), "ambient"}},
                               {PeerAuthYaml("empty", "shop", second,
                                             "  selector: {matchLabels: {}}\n"),
                                PeerAuthYaml("a-ns", "shop", first, "")});
    // Both namespace-wide: the older decides, here by name (no
    // creationTimestamp); a workload policy would win instead.
    EXPECT_EQ(got.mode, first);
    EXPECT_EQ(got.by, "shop/a-ns");
    EXPECT_EQ(got.ztunnel_refuses, first == "STRICT");
  }
}

// §16.5 (convertedSelectorPeerAuthentications, getOldestPeerAuthn): of two
// namespace-wide PeerAuthentications the oldest decides, whatever order the
// manifests list them in.
TEST(PeerAuthenticationLevelsTest, TheOldestOfALevelDecidesInAnyOrder) {
  auto aged = [](const std::string& name, const std::string& mode,
                 const std::string& ts) {
    return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
           "metadata: {name: " +
           name + ", namespace: shop, creationTimestamp: \"" + ts +
           "\"}\nspec:\n  mtls: {mode: " + mode + "}\n";
  };
  const std::string older = aged("z-strict", "STRICT", "2026-01-01T00:00:00Z");
  const std::string newer =
      aged("a-permissive", "PERMISSIVE", "2026-06-01T00:00:00Z");
  for (const std::vector<std::string>& objects :
       {std::vector<std::string>{older, newer},
        std::vector<std::string>{newer, older}}) {
    const CartMode got = CartPeerAuthentication(
        "shop", {{testing::Ambient(), "ambient"}}, objects);
    EXPECT_EQ(got.by, "shop/z-strict");
    EXPECT_EQ(got.mode, "STRICT");
    EXPECT_TRUE(got.ztunnel_refuses);
  }
}

}  // namespace
}  // namespace meshsim
