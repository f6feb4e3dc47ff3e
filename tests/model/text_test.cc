// model/text.h: the small text helpers every output uses.
#include "model/text.h"

#include <gtest/gtest.h>

namespace meshsim {
namespace {

// Counts agree with their nouns: "1 request class", never "1 request
// classes" (issue 19's "1 services").
TEST(TextTest, CountedAgreesInNumber) {
  EXPECT_EQ(Counted(1, "chunk"), "1 chunk");
  EXPECT_EQ(Counted(0, "chunk"), "0 chunks");
  EXPECT_EQ(Counted(2, "chunk"), "2 chunks");
  EXPECT_EQ(Counted(1, "request class", "request classes"), "1 request class");
  EXPECT_EQ(Counted(7, "request class", "request classes"),
            "7 request classes");
}

TEST(TextTest, AsciiLowerLeavesUtf8Alone) {
  EXPECT_EQ(AsciiLower("Shop.Example.COM"), "shop.example.com");
  EXPECT_EQ(AsciiLower("Ünï"), "Ünï");
}

}  // namespace
}  // namespace meshsim
