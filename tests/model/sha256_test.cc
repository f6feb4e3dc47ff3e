// SHA-256 against the FIPS 180-4 examples (NIST's "SHA256.pdf") and the
// block boundaries its padding turns on.
#include "model/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace meshsim {
namespace {

TEST(Sha256Test, MatchesTheFipsExamples) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PiecesHashAsTheWholeAcrossBlockBoundaries) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('a' + i % 26);
  for (size_t n : {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300}) {
    const std::string whole = text.substr(0, n);
    Sha256 h;
    for (size_t at = 0; at < n; at += 7) h.Update(whole.substr(at, 7));
    EXPECT_EQ(h.Hex(), Sha256Hex(whole)) << n;
  }
}

TEST(Sha256Test, FieldsAreLengthPrefixed) {
  Sha256 a, b;
  a.Field("ab");
  a.Field("c");
  b.Field("a");
  b.Field("bc");
  EXPECT_NE(a.Hex(), b.Hex());
}

}  // namespace
}  // namespace meshsim
