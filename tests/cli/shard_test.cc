// Sharding (issue 22, docs/scale-out.md): for check, verify, diff, run
// --replications and sweep, `meshsim merge` of the N shard files prints the
// same bytes, to stdout and stderr, and exits with the same code as the
// single run, for N = 1, 2, 3, 7; a missing, duplicated or foreign shard is
// an error naming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/cli/cli_outcome.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

using cli_test::Cli;
using cli_test::NoTimes;
using cli_test::Outcome;

class ShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("meshsim-shard-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `args` as N shards and merges them with `merge_flags`; the merge.
  Outcome Sharded(const std::vector<std::string>& args, int n,
                  const std::vector<std::string>& merge_flags = {}) {
    std::vector<std::string> merge = {"merge"};
    for (int i = 0; i < n; ++i) {
      const std::string file =
          (dir_ / ("shard-" + std::to_string(i) + ".json")).string();
      std::vector<std::string> a = args;
      a.insert(a.end(), {"--shard", std::to_string(i) + "/" + std::to_string(n),
                         "--shard-out", file});
      const Outcome s = Cli(a);
      EXPECT_EQ(s.code, 0) << s.err;
      // Given in reverse: the order of the files does not matter.
      merge.insert(merge.begin() + 1, file);
    }
    merge.insert(merge.end(), merge_flags.begin(), merge_flags.end());
    return Cli(merge);
  }

  // The single run and the merge of N = 1, 2, 3, 7 shards agree.
  void ExpectSameAsSingleRun(const std::vector<std::string>& args,
                             bool mask_times = false, bool bad_input = false) {
    const Outcome single = Cli(args);
    if (!bad_input) {
      ASSERT_NE(single.code, 2) << single.err;
    }
    for (int n : {1, 2, 3, 7}) {
      const Outcome merged = Sharded(args, n);
      EXPECT_EQ(merged.code, single.code) << "N=" << n << "\n" << merged.err;
      if (mask_times) {
        EXPECT_EQ(NoTimes(merged.out), NoTimes(single.out)) << "N=" << n;
      } else {
        EXPECT_EQ(merged.out, single.out) << "N=" << n;
      }
      EXPECT_EQ(merged.err, single.err) << "N=" << n;
    }
  }

  // A mesh of `services` services behind a namespace waypoint, reachable
  // from an uncaptured client: more destinations than one chunk of
  // `verify` or `diff` holds, and a bypass finding for each.
  std::string WriteMesh(int services, const std::string& more = "") {
    fs::create_directories(dir_ / "mesh" / "manifests");
    std::ofstream m(dir_ / "mesh" / "manifests" / "shop.yaml");
    m << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
         "  labels:\n    istio.io/dataplane-mode: ambient\n"
         "    istio.io/use-waypoint: waypoint\n---\n"
         "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
         "metadata:\n  name: waypoint\n  namespace: shop\n  labels:\n"
         "    istio.io/waypoint-for: service\nspec:\n"
         "  gatewayClassName: istio-waypoint\n  listeners:\n  - name: mesh\n"
         "    port: 15008\n    protocol: HBONE\n---\n"
         "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n---\n"
         "apiVersion: v1\nkind: Pod\nmetadata:\n  name: curl\n"
         "  namespace: default\n  labels:\n    app: curl\nspec:\n"
         "  containers:\n  - name: curl\n    image: curl\n";
    for (int i = 0; i < services; ++i) {
      const std::string s = "svc-" + std::to_string(i);
      m << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " << s
        << "\n  namespace: shop\nspec:\n  ports:\n  - port: 8080\n"
           "    name: http\n  selector:\n    app: "
        << s << "\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " << s
        << "-0\n  namespace: shop\n  labels:\n    app: " << s
        << "\nspec:\n  containers:\n  - name: app\n    image: app\n"
           "    ports:\n    - containerPort: 8080\n";
    }
    std::ofstream sc(dir_ / "mesh" / "scenario.yaml");
    sc << "name: sharded mesh\nclusters:\n  - name: east\n    nodes: 2\n"
          "    manifests: [manifests/]\ntraffic:\n  - name: curl-to-svc-0\n"
          "    from: {cluster: east, namespace: default, workload: curl}\n"
          "    to: {host: svc-0.shop.svc.cluster.local, port: 8080}\n"
          "    http: {method: GET, path: /}\n    rate: 50\n"
          "    duration: 2s\n"
       << more;
    return (dir_ / "mesh" / "scenario.yaml").string();
  }

  fs::path dir_;
};

TEST_F(ShardTest, CheckMergesToTheSingleRun) {
  ExpectSameAsSingleRun({"check", "scenarios/peering/", "-j", "1"});
  // Failed expectations, a file that does not load, and their exit code:
  // the same.
  ExpectSameAsSingleRun({"check", "tests/data/check/"}, false, true);
  EXPECT_EQ(Cli({"check", "tests/data/check/"}).code, 2);
}

TEST_F(ShardTest, CheckMergeWritesTheSameJUnit) {
  const std::string single = (dir_ / "single.xml").string();
  const std::string merged = (dir_ / "merged.xml").string();
  Cli({"check", "scenarios/peering/", "--junit", single});
  Sharded({"check", "scenarios/peering/"}, 3, {"--junit", merged});
  std::ifstream a(single), b(merged);
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  EXPECT_FALSE(sa.str().empty());
  EXPECT_EQ(sa.str(), sb.str());
}

// A shard file is untrusted: the files its recorded options name (a path
// anywhere) are never written by the merge, which notes them; its own
// options decide.
TEST_F(ShardTest, MergeWritesNoFileAShardNames) {
  const fs::path planted = dir_ / "planted.sarif";
  const Outcome merged =
      Sharded({"check", "scenarios/peering/", "--sarif", planted.string(),
               "--junit", (dir_ / "planted.xml").string()},
              2);
  EXPECT_NE(merged.code, 2) << merged.err;
  EXPECT_FALSE(fs::exists(planted));
  EXPECT_FALSE(fs::exists(dir_ / "planted.xml"));
  EXPECT_NE(merged.err.find("the shards were run with --sarif"),
            std::string::npos)
      << merged.err;
  const fs::path own = dir_ / "own.sarif";
  std::vector<std::string> merge = {"merge", (dir_ / "shard-0.json").string(),
                                    (dir_ / "shard-1.json").string(), "--sarif",
                                    own.string()};
  EXPECT_NE(Cli(merge).code, 2);
  EXPECT_TRUE(fs::exists(own));
  EXPECT_FALSE(fs::exists(planted));
}

TEST_F(ShardTest, VerifyMergesToTheSingleRunOverManyChunks) {
  const std::string mesh = WriteMesh(70);  // 140 destinations: 3 chunks
  const Outcome single =
      Cli({"verify", mesh, "--chunk", "64", "--format", "json"});
  ASSERT_EQ(single.code, 1) << single.err;
  EXPECT_NE(single.out.find("\"waypoint-bypass\""), std::string::npos);
  ExpectSameAsSingleRun({"verify", mesh, "--chunk", "64", "--format", "json"},
                        true);
  // It is split in more than one unit (chunk of destinations).
  const std::string file = (dir_ / "all.json").string();
  ASSERT_EQ(Cli({"verify", mesh, "--chunk", "64", "--shard", "0/1",
                 "--shard-out", file})
                .code,
            0);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"units\":3,"), std::string::npos);
  // At the default size (256 destinations) the same mesh is one unit, and
  // `--chunk 30` makes five.
  for (const auto& [args, units] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{}, "\"units\":1,"}, {{"--chunk", "30"}, "\"units\":5,"}}) {
    std::vector<std::string> cmd = {"verify", mesh,          "--shard",
                                    "0/1",    "--shard-out", file};
    cmd.insert(cmd.end(), args.begin(), args.end());
    ASSERT_EQ(Cli(cmd).code, 0);
    std::ifstream again(file);
    std::stringstream t;
    t << again.rdbuf();
    EXPECT_NE(t.str().find(units), std::string::npos) << units;
  }
  // The --max-findings cap falls inside a chunk another shard proved.
  ExpectSameAsSingleRun(
      {"verify", mesh, "--chunk", "64", "--max-findings", "3"}, true);
  // And on a bundled scenario with findings of every kind of client.
  ExpectSameAsSingleRun({"verify",
                         "scenarios/conformance/simple-http-sandwich/"
                         "scenario.yaml"},
                        true);
}

TEST_F(ShardTest, VerifyJobsDoNotChangeTheOutput) {
  const std::string mesh = WriteMesh(70);
  const Outcome one =
      Cli({"verify", mesh, "--chunk", "64", "--format", "json", "-j", "1"});
  const Outcome two =
      Cli({"verify", mesh, "--chunk", "64", "--format", "json", "-j", "2"});
  EXPECT_EQ(one.code, two.code);
  EXPECT_EQ(NoTimes(one.out), NoTimes(two.out));
}

TEST_F(ShardTest, PathsJobsDoNotChangeTheOutput) {
  // Many traffic entries, resolved on one thread and on two.
  for (const char* sc : {"scenarios/bookinfo/scenario.yaml",
                         "scenarios/peering/a-f-and-x/scenario.yaml"}) {
    const Outcome one = Cli({"paths", sc, "--format", "json", "-j", "1"});
    const Outcome two = Cli({"paths", sc, "--format", "json", "-j", "2"});
    ASSERT_EQ(one.code, 0) << one.err;
    EXPECT_EQ(one.out, two.out) << sc;
    EXPECT_EQ(one.err, two.err) << sc;
  }
}

TEST_F(ShardTest, DiffMergesToTheSingleRunAndJobsDoNotChangeIt) {
  const std::string mesh = WriteMesh(70);
  // The new version: the namespace's waypoint label removed.
  fs::create_directories(dir_ / "new" / "manifests");
  std::ifstream in(dir_ / "mesh" / "manifests" / "shop.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string changed = text.str();
  changed.replace(changed.find("    istio.io/use-waypoint: waypoint\n"),
                  std::string("    istio.io/use-waypoint: waypoint\n").size(),
                  "");
  std::ofstream(dir_ / "new" / "manifests" / "shop.yaml") << changed;
  const std::vector<std::string> args = {
      "diff",           mesh, "--new-manifests", (dir_ / "new").string(),
      "--max-findings", "5"};
  const Outcome single = Cli(args);
  ASSERT_EQ(single.code, 1) << single.err;
  ExpectSameAsSingleRun(args, true);
  std::vector<std::string> json = args;
  json.insert(json.end(), {"--format", "json"});
  ExpectSameAsSingleRun(json, true);
  // Two threads over the two chunks of 71 pods.
  std::vector<std::string> one = json, two = json;
  one.insert(one.end(), {"-j", "1"});
  two.insert(two.end(), {"-j", "2"});
  EXPECT_EQ(NoTimes(Cli(one).out), NoTimes(Cli(two).out));
}

// A change near an egress ServiceEntry (not encoded) leaves the diff
// unknown (exit 3) however it is sharded: the merge keeps `not_encoded`.
TEST_F(ShardTest, AnEgressDiffStaysUnknownThroughMerge) {
  const std::string mesh = WriteMesh(3);
  fs::create_directories(dir_ / "new" / "manifests");
  const std::string entry =
      "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n"
      "  name: ext\n  namespace: shop\nspec:\n  hosts: [api.example.com]\n"
      "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
      "  resolution: DNS\n";
  std::ifstream in(dir_ / "mesh" / "manifests" / "shop.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::ofstream(dir_ / "mesh" / "manifests" / "entry.yaml") << entry;
  std::ofstream(dir_ / "new" / "manifests" / "shop.yaml") << text.str();
  std::ofstream(dir_ / "new" / "manifests" / "entry.yaml")
      << entry << "  exportTo: [\".\"]\n";
  const std::vector<std::string> args = {"diff", mesh, "--new-manifests",
                                         (dir_ / "new").string()};
  const Outcome single = Cli(args);
  ASSERT_EQ(single.code, 3) << single.out << single.err;
  ExpectSameAsSingleRun(args, true);
}

TEST_F(ShardTest, ReplicationsMergeToTheSingleRun) {
  const std::string mesh = WriteMesh(3);
  ExpectSameAsSingleRun({"run", mesh, "--replications", "5"});
  ExpectSameAsSingleRun(
      {"run", mesh, "--replications", "4", "--format", "json", "--seed", "9"});
  // One run, sharded: the plain run's output.
  ExpectSameAsSingleRun({"run", mesh});
}

TEST_F(ShardTest, SweepMergesToTheSingleRun) {
  // 3 rates x 2 replica counts: 6 grid points.
  const std::string mesh = WriteMesh(
      3,
      "sweep:\n  rate: [1, 2, 4]\n  replicas:\n    east/shop/waypoint: [1, 2]\n"
      "  replications: 2\n");
  ExpectSameAsSingleRun({"sweep", mesh, "--format", "json"});
  ExpectSameAsSingleRun({"sweep", mesh});
}

TEST_F(ShardTest, MissingDuplicatedAndForeignShardsAreErrorsNamingThem) {
  const std::string mesh = WriteMesh(3);
  auto shard = [&](const std::vector<std::string>& args, const std::string& s,
                   const std::string& name) {
    std::vector<std::string> a = args;
    const std::string file = (dir_ / name).string();
    a.insert(a.end(), {"--shard", s, "--shard-out", file});
    EXPECT_EQ(Cli(a).code, 0);
    return file;
  };
  const std::vector<std::string> run = {"run", mesh, "--replications", "3"};
  const std::string s0 = shard(run, "0/2", "s0.json");
  const std::string s1 = shard(run, "1/2", "s1.json");
  EXPECT_EQ(Cli({"merge", s0, s1}).code, 0);

  Outcome missing = Cli({"merge", s0});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("shard 1/2"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("is missing"), std::string::npos);

  Outcome twice = Cli({"merge", s0, s1, s1});
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.err.find(s1 + ": shard 1/2 is given twice"),
            std::string::npos)
      << twice.err;

  // Another scenario's, another split's, another seed's shard.
  const std::string other =
      shard({"run", "scenarios/service-waypoint/scenario.yaml",
             "--replications", "3"},
            "1/2", "other.json");
  Outcome foreign = Cli({"merge", s0, other});
  EXPECT_EQ(foreign.code, 2);
  EXPECT_NE(foreign.err.find(other + ": foreign shard"), std::string::npos)
      << foreign.err;
  const std::string third = shard(run, "1/3", "third.json");
  EXPECT_NE(Cli({"merge", s0, third}).err.find("one of 3 shards"),
            std::string::npos);
  const std::string seeded =
      shard({"run", mesh, "--replications", "3", "--seed", "7"}, "1/2",
            "seeded.json");
  EXPECT_NE(Cli({"merge", s0, seeded}).err.find("foreign shard"),
            std::string::npos);

  // The same arguments over changed inputs.
  {
    std::ofstream(dir_ / "mesh" / "manifests" / "shop.yaml", std::ios::app)
        << "# changed\n";
  }
  const std::string changed = shard(run, "1/2", "changed.json");
  Outcome drift = Cli({"merge", s0, changed});
  EXPECT_EQ(drift.code, 2);
  EXPECT_NE(drift.err.find("with other contents"), std::string::npos)
      << drift.err;
}

TEST_F(ShardTest, BadShardOptionsAndFilesAreBadInput) {
  const std::string out = (dir_ / "s.json").string();
  const char* sc = "scenarios/service-waypoint/scenario.yaml";
  for (const char* spec : {"3/3", "1", "a/b", "-1/2", "0/0"}) {
    Outcome o = Cli(
        {"verify", sc, "--chunk", "64", "--shard", spec, "--shard-out", out});
    EXPECT_EQ(o.code, 2) << spec;
    EXPECT_NE(o.err.find("--shard must be I/N"), std::string::npos) << o.err;
  }
  Outcome alone = Cli({"verify", sc, "--chunk", "64", "--shard", "0/2"});
  EXPECT_EQ(alone.code, 2);
  EXPECT_NE(alone.err.find("go together"), std::string::npos);
  EXPECT_FALSE(fs::exists(out));

  // A damaged count of units or shards: an error, never a long loop or a
  // huge allocation.
  const std::string mesh = WriteMesh(2);
  const std::string good = (dir_ / "good.json").string();
  ASSERT_EQ(Cli({"run", mesh, "--replications", "3", "--shard", "0/1",
                 "--shard-out", good})
                .code,
            0);
  std::stringstream text;
  text << std::ifstream(good).rdbuf();
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"\"units\":3", "\"units\":1000000000000"},
           {"\"count\":1", "\"count\":2000000000"}}) {
    std::string damaged = text.str();
    ASSERT_NE(damaged.find(from), std::string::npos) << from;
    damaged.replace(damaged.find(from), from.size(), to);
    std::ofstream(dir_ / "damaged.json") << damaged;
    Outcome o = Cli({"merge", (dir_ / "damaged.json").string()});
    EXPECT_EQ(o.code, 2) << to;
    EXPECT_NE(o.err.find("damaged.json"), std::string::npos) << o.err;
  }

  // Stderr text that would drive a terminal or a CI runner is refused.
  for (const char* injected :
       {"\"preamble_err\":\"\\u001b]0;owned\\u0007\",",
        "\"preamble_err\":\"ok\\n::error file=x::injected\\n\","}) {
    std::string bad = text.str();
    bad.insert(1, injected);
    std::ofstream(dir_ / "tainted.json") << bad;
    Outcome o = Cli({"merge", (dir_ / "tainted.json").string()});
    EXPECT_EQ(o.code, 2) << injected;
    EXPECT_NE(o.err.find("control characters or a workflow command"),
              std::string::npos)
        << o.err;
    EXPECT_EQ(o.err.find("owned"), std::string::npos);
  }

  std::ofstream(dir_ / "not-a-shard.json") << "{\"name\": 1}";
  Outcome bad = Cli({"merge", (dir_ / "not-a-shard.json").string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("not a meshsim shard file"), std::string::npos);
  std::ofstream(dir_ / "broken.json") << "{\"meshsim_shard\": 1, ";
  EXPECT_EQ(Cli({"merge", (dir_ / "broken.json").string()}).code, 2);
  EXPECT_EQ(Cli({"merge", (dir_ / "absent.json").string()}).code, 2);
}

}  // namespace
}  // namespace meshsim
