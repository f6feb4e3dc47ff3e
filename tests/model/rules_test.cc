// The rule catalogue (model/rules.h) is the one list of rule ids: unique ids,
// each documented in docs/rules.md under its own anchor, each anchor pointing
// there, each kind's id list in catalogue order.
#include "model/rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/test_world.h"

namespace meshsim {
namespace {

using testing::ReadFile;

TEST(RulesTest, IdsAreUniqueAndFindable) {
  std::set<std::string_view> seen;
  for (const Rule& r : RuleCatalogue()) {
    EXPECT_TRUE(seen.insert(r.id).second) << r.id;
    ASSERT_EQ(FindRule(r.id), &r);
    EXPECT_EQ(RuleSeverity(r.id), r.severity);
  }
  EXPECT_EQ(FindRule("waypoint-bypas"), nullptr);
  EXPECT_EQ(RuleSeverity("no-such-rule"), Severity::kError);
}

TEST(RulesTest, EveryRuleIsDocumentedUnderItsAnchor) {
  const std::string doc = ReadFile("docs/rules.md");
  ASSERT_FALSE(doc.empty());
  for (const Rule& r : RuleCatalogue()) {
    const std::string id(r.id);
    EXPECT_EQ(r.anchor, "docs/rules.md#" + id);
    EXPECT_NE(doc.find("<a id=\"" + id + "\"></a>"), std::string::npos) << id;
    EXPECT_NE(doc.find(std::string(r.title)), std::string::npos) << id;
    EXPECT_FALSE(r.help.empty()) << id;
  }
}

TEST(RulesTest, KindListsFollowCatalogueOrder) {
  EXPECT_EQ(RuleIdList(RuleKind::kProperty),
            "waypoint-bypass, waypoint-double-pass, fail-open-exposure, "
            "double-l7");
  EXPECT_EQ(RulesOfKind(RuleKind::kDiff).size(), 7u);
  EXPECT_EQ(RulesOfKind(RuleKind::kCheck).front().id, "check-failed");
}

}  // namespace
}  // namespace meshsim
