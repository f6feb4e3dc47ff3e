// The block YAML parser (model/io/yaml_block.cc) against libyaml: wherever
// it takes a text, the tree must be libyaml's to the last mark, and what it
// does not take goes to libyaml. Checked on every YAML and JSON file of the
// repository, on each construct written several ways, and on mutations of
// them that libyaml must reject or read the same.
#include "model/io/yaml_block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/io/yaml_reader.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  bool block_took = false;
  std::string difference;  // block parser against libyaml, when it took
};

Outcome Compare(const std::string& text) {
  return {yaml::ParseBlockYaml(text, nullptr),
          io::BlockParserDisagreement(text)};
}

std::vector<fs::path> RepositoryYaml() {
  std::vector<fs::path> files;
  for (const char* dir : {"scenarios", "tests/data", "examples", "bench"}) {
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() &&
          (ext == ".yaml" || ext == ".yml" || ext == ".json"))
        files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(YamlBlockTest, EveryRepositoryFileReadsAsLibyamlReadsIt) {
  size_t taken = 0, files = 0;
  for (const fs::path& p : RepositoryYaml()) {
    ++files;
    const Outcome o = Compare(Read(p));
    taken += o.block_took;
    EXPECT_EQ(o.difference, "") << p;
  }
  // Most of the repository's YAML is plain block YAML: a parser that took
  // nothing would pass the loop above.
  EXPECT_GT(files, 300u);
  EXPECT_GT(taken * 2, files) << taken << " of " << files;
}

// Each construct the block parser reads, as manifests write it: all must
// be taken (the fast path is for them) and read as libyaml reads them.
TEST(YamlBlockTest, TakesTheConstructsManifestsUse) {
  const std::vector<std::string> taken = {
      "a: 1\n",
      "a: 1",
      "a: 1\n\n\n",
      "a:\n  b: c\n  d: e\nf: g\n",
      "a:\n- x\n- y\nb: z\n",
      "a:\n  - x\n  -   y\n",
      "- a\n- b: c\n  d: e\n-\n- f\n",
      "- a: 1\n  b:\n  - 2\n  c: 3\n- d\n",
      "-\n  a: b\n",
      "a:\nb:   \nc: # note\nd: ~\ne: null\n",
      "a: \"x y\"\nb: 'z'\nc: \"\"\nd: ''\ne: \"#not a comment\"\n",
      "a: b # comment\n# whole line\n  # indented comment\nc: d\n",
      "a: {x: 1, y: [2, 3], z: {}}\nb: []\nc: {}\n",
      "a: [{n: 1, p: \"v\"}, {n: 2}]\n",
      "a: {k: \"v\", 'q': w}\n",
      "---\na: 1\n---\nb: 2\n",
      "---\n---\na: 1\n---\n",
      "--- # first\na: 1\n...x: 2\n",
      "# only a comment\n",
      "",
      "\n\n",
      "---",
      "a: 1\n---",
      "a: http://x:80/y\nb: image:1.2\nc: a#b\nd: -1\ne: a,b[c]{d}\n",
      "a: {u: http://x/y, i: nginx:1.2}\n",
      "  a: 1\n  b: 2\n",
      "a: x  y   \n",
      "key with spaces: v\n\"q\": 1\n",
      "scalar\n",
      "a:\n  scalar on its own line\nb: 1\n",
      "a: true\nb: 1.5\nc: 0x1F\nd: Null\ne: NULL\n",
      // Characters past ASCII: marks count characters, as libyaml's do.
      "a: caf\xc3\xa9\nb: \xe6\x97\xa5\xe6\x9c\xac\nc:\n",
      "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87: v\nn\xc3\xa4me:\n- "
      "\xf0\x9f\x98\x80\n-\n",
      "a: {\xc3\xa4: \xc3\xb6, k: \"\xc3\xa9\"}\nb: [x\xc3\xa9, y]\n",
      "# comment \xc3\xa9\n---\na: \xc3\xa9\n---\n",
      "a: x\xc2\xa0\n",
  };
  for (const std::string& t : taken) {
    const Outcome o = Compare(t);
    EXPECT_EQ(o.difference, "") << t;
  }
  // The ones the fast path exists for.
  for (const char* t :
       {"a: 1\n", "a:\n  b: c\n", "a:\n- x\n", "- a: 1\n  b: 2\n",
        "a: {x: 1, y: [2, 3]}\n", "a: \"x\"\n", "---\na: 1\n---\nb: 2\n",
        "a:\nb: ~\n", "a: b # c\n", "", "a: caf\xc3\xa9\n"})
    EXPECT_TRUE(yaml::ParseBlockYaml(t, nullptr)) << t;
}

// What it leaves to libyaml, which reads it or says what is wrong.
TEST(YamlBlockTest, LeavesTheRestToLibyaml) {
  for (const char* t : {"a: &x 1\nb: *x\n",
                        "a: !!str 1\n",
                        "a: |\n  text\n",
                        "a: >\n  text\n",
                        "a: \"x\\ny\"\n",
                        "a: 'it''s'\n",
                        "a: two\n  lines\n",
                        "a: {x: 1,\n  y: 2}\n",
                        "a:\tb\n",
                        "a: b\r\n",
                        "a: x\xc2\x85y\n",  // NEL, a line break to libyaml
                        "a: \xe2\x80\xa8\n",
                        "\xef\xbb\xbf"
                        "a: 1\n",
                        "a: \xc3\n",      // no UTF-8
                        "a: \xc2\x9f\n",  // a C1 control
                        "%YAML 1.1\n---\na: 1\n",
                        "a: 1\n...\n",
                        "? a\n: b\n",
                        "a: b: c\n",
                        "- - a\n",
                        "a: {x}\n",
                        "a: {x: 1,}\n",
                        "a: [1,]\n",
                        "a: {\"x\":1}\n",
                        "a:\n  b: 1\n c: 2\n",
                        "a: 1\n  b: 2\n",
                        "[a]: b\n",
                        "a: @x\n",
                        "a: `x\n",
                        "a: {x: a:}\n"}) {
    EXPECT_FALSE(yaml::ParseBlockYaml(t, nullptr)) << t;
    // Whatever libyaml makes of it is what meshsim reads.
    Diagnostics d1, d2;
    auto fast = io::ParseDocuments(t, "t.yaml", d1, true);
    auto slow = io::ParseDocuments(t, "t.yaml", d2, false);
    ASSERT_EQ(fast.has_value(), slow.has_value()) << t;
    EXPECT_EQ(d1.all().size(), d2.all().size()) << t;
  }
}

// libyaml forgets a possible key once its ':' is over 1024 characters on
// (a block key's trailing spaces count), then refuses the text: the block
// parser must leave such keys to it, block or flow (found by review).
TEST(YamlBlockTest, KeysPastLibyamlsLimitGoToLibyaml) {
  const std::vector<std::string> long_keys = {
      "a" + std::string(1024, ' ') + ": b\n",
      std::string(1000, 'a') + std::string(30, ' ') + ": b\n",
      "{" + std::string(1025, 'k') + ": b}\n",
      "x: {\"" + std::string(1025, 'k') + "\": b}\n",
      "x: {k" + std::string(1100, ' ') + ": b}\n",
  };
  for (const std::string& t : long_keys) {
    EXPECT_FALSE(yaml::ParseBlockYaml(t, nullptr)) << t.size();
    EXPECT_EQ(io::BlockParserDisagreement(t), "") << t.size();
  }
  for (const std::string& t : {std::string(900, 'a') + ": b\n",
                               "{" + std::string(900, 'k') + ": b}\n"}) {
    EXPECT_TRUE(yaml::ParseBlockYaml(t, nullptr)) << t.size();
    EXPECT_EQ(io::BlockParserDisagreement(t), "") << t.size();
  }
}

// What fuzz_yaml_block once found (tests/data/fuzz/README.md).
TEST(YamlBlockTest, FuzzFindingsReadAsLibyamlReadsThem) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator("tests/data/fuzz/yaml_block")) {
    EXPECT_EQ(io::BlockParserDisagreement(Read(e.path())), "") << e.path();
    ++n;
  }
  EXPECT_GE(n, 2u);
}

// Single-byte edits of taken texts: the block parser must either decline
// or agree with libyaml, which must then accept; an edit it took that
// libyaml rejects would be a wrong tree meshsim acts on.
TEST(YamlBlockTest, MutationsNeverTakeWhatLibyamlReadsOtherwise) {
  const std::vector<std::string> seeds = {
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels:\n"
      "    app: a\n    x: \"y\"\nspec:\n  selector: {app: a}\n"
      "  ports: [{port: 80, name: http}]\n---\n",
      "a:\n- b: 1\n  c:\n  - d\n  - e: f\n- g\nh: {i: [j, k], l: 'm'}\n",
      "# c\n---\na: 1 # x\nb:\n  c: \"d\"\n\n---\n- 1\n-\n  - 2\n",
      "n\xc3\xa4me: caf\xc3\xa9 # \xe2\x82\xac\nl:\n- {\xc3\xa9: 1}\n-\n---\n",
  };
  const std::string alphabet = " :-#{}[],'\"\n\tab1?&*!|>%.~";
  std::mt19937 rng(2026);
  size_t took = 0;
  for (const std::string& seed : seeds) {
    for (int k = 0; k < 1500; ++k) {
      std::string t = seed;
      const size_t at = rng() % (t.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          t.insert(at, 1, c);
          break;
        case 1:
          if (at < t.size()) t.erase(at, 1);
          break;
        default:
          if (at < t.size()) t[at] = c;
      }
      const Outcome o = Compare(t);
      took += o.block_took;
      ASSERT_EQ(o.difference, "") << t;
    }
  }
  // Many edits keep the text in the subset (a letter for a letter, a
  // space at a line's end): the comparison above had work to do.
  EXPECT_GT(took, 1000u);
}

}  // namespace
}  // namespace meshsim
