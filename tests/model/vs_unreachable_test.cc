// §16.2: istiod's warnings about VirtualService rules no request reaches
// (IST0130) and matches an earlier one shadows (IST0131), as its
// validation's analyzeUnreachable*Rules computes them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "tests/test_world.h"

namespace meshsim {
namespace {

// The messages of `rule` the loader reports for a VirtualService of `spec`.
std::vector<std::string> Findings(const std::string& spec,
                                  const std::string& rule,
                                  const std::string& version = "") {
  testing::World w(version.empty() ? "" : "{version: \"" + version + "\"}");
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("shop", {}));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: r, namespace: shop}\nspec:\n  hosts: [cart]\n" +
            spec);
  Diagnostics d;
  w.Load(&d);
  std::vector<std::string> out;
  for (const Diagnostic& x : d.all())
    if (x.rule == rule) {
      EXPECT_EQ(x.object.kind, "VirtualService");
      EXPECT_EQ(x.object.name, "r");
      out.push_back(x.message);
    }
  return out;
}

const char* kUnreachable = "virtual-service-unreachable-rule";
const char* kIneffective = "virtual-service-ineffective-match";

TEST(VsUnreachableTest, OnlyTheLastRuleMayHaveNoMatches) {
  const std::string two_catch_alls =
      "  http:\n"
      "  - fault: {delay: {fixedDelay: 1s, percentage: {value: 100}}}\n"
      "    route: [{destination: {host: cart}}]\n"
      "  - mirror: {host: cart}\n"
      "    route: [{destination: {host: cart}}]\n";
  const auto found = Findings(two_catch_alls, kUnreachable);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("VirtualService shop/r: rule #1 not used (only the "
                          "last rule can have no matches"),
            std::string::npos)
      << found[0];
  // A matching rule after the catch-all: each of its matches is reported.
  const auto after = Findings(
      "  http:\n  - route: [{destination: {host: cart}}]\n"
      "  - name: late\n"
      "    match: [{uri: {prefix: /a}}, {uri: {prefix: /b}}]\n"
      "    route: [{destination: {host: cart}}]\n",
      kUnreachable);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NE(after[0].find("rule \"late\" not used (route without matches "
                          "defined before"),
            std::string::npos)
      << after[0];
  // The catch-all last: nothing to report.
  EXPECT_TRUE(Findings("  http:\n  - match: [{uri: {prefix: /a}}]\n"
                       "    route: [{destination: {host: cart}}]\n"
                       "  - route: [{destination: {host: cart}}]\n",
                       kUnreachable)
                  .empty());
}

TEST(VsUnreachableTest, AMatchEqualToAnEarlierOneButForItsNameIsShadowed) {
  const std::string spec =
      "  http:\n"
      "  - name: first\n"
      "    match: [{name: a, uri: {exact: /x}, headers: {u: {exact: v}}}]\n"
      "    route: [{destination: {host: cart}}]\n"
      "  - name: second\n"
      "    match:\n"
      "    - {headers: {u: {exact: v}}, uri: {exact: /x}, ignoreUriCase: "
      "false}\n"
      "    - {uri: {exact: /y}}\n"
      "    route: [{destination: {host: cart}}]\n";
  const auto shadowed = Findings(spec, kIneffective);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_NE(shadowed[0].find("rule \"second\" match #0 is not used "
                             "(duplicate/overlapping match in rule \"first\""),
            std::string::npos)
      << shadowed[0];
  // One match of two is new: the rule is still reached.
  EXPECT_TRUE(Findings(spec, kUnreachable).empty());
  // Every match seen before: the rule is never reached.
  const auto all = Findings(
      "  tcp:\n  - match: [{port: 5432}]\n    route: [{destination: {host: "
      "cart}}]\n  - match: [{port: 5432}]\n    route: [{destination: {host: "
      "cart}}]\n",
      kUnreachable);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].find("rule #1 not used (all matches used by prior rules"),
            std::string::npos)
      << all[0];
  // A different value is a different match.
  EXPECT_TRUE(Findings("  http:\n  - match: [{uri: {exact: /x}}]\n"
                       "    route: [{destination: {host: cart}}]\n"
                       "  - match: [{uri: {exact: /x}, ignoreUriCase: true}]\n"
                       "    route: [{destination: {host: cart}}]\n",
                       kIneffective)
                  .empty());
}

// asJSON keeps a map's entries whatever their values: a label "false" is a
// label of its own, not an absent field.
TEST(VsUnreachableTest, AMapEntryWithAFalseValueMakesADifferentMatch) {
  EXPECT_TRUE(Findings("  http:\n  - match: [{sourceLabels: {app: web}}]\n"
                       "    route: [{destination: {host: cart}}]\n"
                       "  - match: [{sourceLabels: {app: web, canary: "
                       "\"false\"}}]\n"
                       "    route: [{destination: {host: cart}}]\n",
                       kIneffective)
                  .empty());
}

// §16.10: a null entry is pruned before istiod sees the match, so a match
// that differs from an earlier one only by it is that match.
TEST(VsUnreachableTest, AMapEntryWithANullValueIsPrunedSoTheMatchIsShadowed) {
  const auto found = Findings(
      "  http:\n  - match: [{sourceLabels: {app: web}}]\n"
      "    route: [{destination: {host: cart}}]\n"
      "  - match: [{sourceLabels: {app: web, canary: ~}}]\n"
      "    route: [{destination: {host: cart}}]\n",
      kUnreachable);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("rule #1 not used (all matches used by prior rules"),
            std::string::npos)
      << found[0];
}

// Before 1.27 istiod did not report the matches of a rule after a rule
// without matches (istio commit d15a52c7674).
TEST(VsUnreachableTest, MatchesAfterACatchAllAreReportedFrom127) {
  const std::string spec =
      "  http:\n  - route: [{destination: {host: cart}}]\n"
      "  - match: [{uri: {prefix: /a}}]\n"
      "    route: [{destination: {host: cart}}]\n";
  EXPECT_EQ(Findings(spec, kUnreachable).size(), 1u);
  EXPECT_TRUE(Findings(spec, kUnreachable, "1.26").empty());
}

// validation.go coveredValidation: a longer uri prefix after a shorter one
// with the same port, method, authority and headers; a match without a
// method counts as exact GET there, as istiod writes it.
TEST(VsUnreachableTest, ALongerPrefixAfterAShorterOneIsCovered) {
  auto found = [](const std::string& first_method,
                  const std::string& second_method) {
    return Findings(
        "  http:\n  - name: short\n    match: [{uri: {prefix: "
        "/api/v1/prod}" +
            first_method +
            "}]\n    route: [{destination: {host: cart}}]\n"
            "  - name: long\n    match: [{uri: {prefix: "
            "/api/v1/products}" +
            second_method + "}]\n    route: [{destination: {host: cart}}]\n",
        kIneffective);
  };
  const auto same = found(", method: {exact: GET}", ", method: {exact: GET}");
  ASSERT_EQ(same.size(), 1u);
  EXPECT_NE(same[0].find("rule \"long\" match #0 of prefix /api/v1/products "
                         "is not used (duplicate/overlapping match in rule #0 "
                         "of prefix /api/v1/prod on \"short\""),
            std::string::npos)
      << same[0];
  EXPECT_EQ(found("", ", method: {exact: GET}").size(), 1u);
  EXPECT_TRUE(
      found(", method: {exact: GET}", ", method: {exact: POST}").empty());
  // The shorter prefix after the longer one covers nothing.
  EXPECT_TRUE(Findings("  http:\n  - match: [{uri: {prefix: /api/v1/products}}]"
                       "\n    route: [{destination: {host: cart}}]\n"
                       "  - match: [{uri: {prefix: /api/v1/prod}}]\n"
                       "    route: [{destination: {host: cart}}]\n",
                       kIneffective)
                  .empty());
}

// The analysis reads without marking fields read: a field meshsim does not
// model (here scheme) is still reported as such.
TEST(VsUnreachableTest, TheAnalysisLeavesUnmodelledFieldsReported) {
  testing::World w;
  w.Cluster("east", "net-east", 1);
  w.Add("east", testing::Ns("shop", {}));
  w.Add("east", testing::Svc("shop", "cart", 80));
  w.Add("east",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {name: r, namespace: shop}\nspec:\n  hosts: [cart]\n"
        "  http:\n  - match: [{scheme: {exact: https}}]\n"
        "    route: [{destination: {host: cart}}]\n");
  Diagnostics d;
  w.Load(&d);
  int unmodelled = 0;
  for (const Diagnostic& x : d.all())
    unmodelled +=
        x.message.find("does not model spec.http[0].match[0].scheme") !=
        std::string::npos;
  EXPECT_EQ(unmodelled, 1);
}

}  // namespace
}  // namespace meshsim
