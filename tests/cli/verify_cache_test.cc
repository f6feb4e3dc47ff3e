// `meshsim verify --cache DIR` (issue 21, docs/verification.md, "incremental
// verification"): a warm run prints what a cold run prints, byte for byte
// but for seconds; a change re-solves exactly the chunks whose inputs it
// touches — a policy only the chunks that read its namespace, a
// root-namespace policy or a namespace label every chunk — and a damaged or
// foreign entry is ignored with a warning, never trusted.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "model/sha256.h"
#include "tests/cli/cli_outcome.h"

namespace meshsim {
namespace {

namespace fs = std::filesystem;

using cli_test::Cli;
using cli_test::NoTimes;
using cli_test::Outcome;

// "N of M chunks reused" from the cache's line on stderr.
std::pair<int, int> Reused(const std::string& err) {
  std::smatch m;
  static const std::regex line(R"(: ([0-9]+) of ([0-9]+) chunks reused)");
  if (!std::regex_search(err, m, line)) return {-1, -1};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

class VerifyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("meshsim-cache-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "mesh" / "manifests");
    cache_ = (dir_ / "cache").string();
    scenario_ = (dir_ / "mesh" / "scenario.yaml").string();
    std::ofstream sc(scenario_);
    sc << "name: cached mesh\nclusters:\n  - name: east\n    nodes: 2\n"
          "    manifests: [manifests/]\n";
    WriteNamespace("shop", 100, "");
    WriteNamespace("pay", 5, "");
    WriteRoot("");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Namespace `ns` behind its waypoint with `services` services of one pod
  // each, an L4 guard and, last, `extra` manifests. Destinations sort by
  // namespace: 100 services in shop and 5 in pay, each with its pod, give
  // 210 destinations, 4 chunks of 64, and pay's 10 lie in the first.
  void WriteNamespace(const std::string& ns, int services,
                      const std::string& extra, const std::string& label = "") {
    std::ofstream m(dir_ / "mesh" / "manifests" / (ns + ".yaml"));
    m << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " << ns
      << "\n  labels:\n    istio.io/dataplane-mode: ambient\n"
         "    istio.io/use-waypoint: waypoint\n"
      << label
      << "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
         "metadata:\n  name: waypoint\n  namespace: "
      << ns
      << "\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n"
         "  - name: mesh\n    port: 15008\n    protocol: HBONE\n---\n"
         "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
         "metadata:\n  name: guard\n  namespace: "
      << ns
      << "\nspec:\n  action: ALLOW\n  rules:\n  - from:\n    - source:\n"
         "        principals: [cluster.local/ns/"
      << ns << "/sa/waypoint]\n";
    for (int i = 0; i < services; ++i) {
      const std::string s = "svc-" + std::to_string(i);
      m << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " << s
        << "\n  namespace: " << ns
        << "\nspec:\n  ports:\n  - port: 8080\n    name: http\n  selector:\n"
           "    app: "
        << s << "\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " << s
        << "-0\n  namespace: " << ns << "\n  labels:\n    app: " << s
        << "\nspec:\n  containers:\n  - name: app\n    image: app\n";
    }
    m << extra;
  }
  void WriteRoot(const std::string& extra) {
    std::ofstream m(dir_ / "mesh" / "manifests" / "root.yaml");
    m << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n"
         "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n"
         "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: curl\n"
         "  namespace: default\n  labels:\n    app: curl\nspec:\n"
         "  containers:\n  - name: curl\n    image: curl\n"
      << extra;
  }

  Outcome Cold() {
    return Cli({"verify", scenario_, "--chunk", "64", "--format", "json"});
  }
  Outcome Cached(const std::string& jobs = "2") {
    return Cli({"verify", scenario_, "--chunk", "64", "--format", "json",
                "--cache", cache_, "-j", jobs});
  }
  // A cached run: the same output and exit code as a cold one.
  std::pair<int, int> ExpectAsCold(const std::string& jobs = "2") {
    const Outcome cold = Cold();
    const Outcome cached = Cached(jobs);
    EXPECT_EQ(cached.code, cold.code) << cached.err;
    EXPECT_EQ(NoTimes(cached.out), NoTimes(cold.out));
    return Reused(cached.err);
  }
  std::vector<fs::path> Entries() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(cache_))
      out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  std::string cache_, scenario_;
};

const char kPayPost[] =
    "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
    "metadata:\n  name: no-post\n  namespace: pay\nspec:\n  targetRefs:\n"
    "  - {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}\n"
    "  action: DENY\n  rules:\n  - to:\n    - operation:\n"
    "        methods: [POST]\n";

TEST_F(VerifyCacheTest, AWarmRunPrintsWhatAColdRunPrintsAndSolvesNothing) {
  EXPECT_EQ(ExpectAsCold(), std::make_pair(0, 4));
  EXPECT_EQ(Entries().size(), 4u);
  EXPECT_EQ(ExpectAsCold(), std::make_pair(4, 4));
  // Whatever the number of jobs.
  EXPECT_EQ(ExpectAsCold("1"), std::make_pair(4, 4));
}

// Pruning by age keeps what recent runs used: a reused entry's time is
// refreshed.
TEST_F(VerifyCacheTest, AReusedEntryIsFreshAgain) {
  ExpectAsCold();
  const auto old =
      fs::file_time_type::clock::now() - std::chrono::hours(24 * 30);
  for (const fs::path& e : Entries()) fs::last_write_time(e, old);
  EXPECT_EQ(ExpectAsCold(), std::make_pair(4, 4));
  for (const fs::path& e : Entries())
    EXPECT_GT(fs::last_write_time(e), old + std::chrono::hours(24)) << e;
}

TEST_F(VerifyCacheTest, APolicyReSolvesOnlyTheChunksThatReadItsNamespace) {
  ExpectAsCold();
  // Last in its file: no other object moves. pay's destinations are all
  // in chunk 0 (of 0..3), which no other namespace's policies concern.
  WriteNamespace("pay", 5, kPayPost);
  EXPECT_EQ(ExpectAsCold(), std::make_pair(3, 4));
  // And back: the first entry of that chunk was replaced.
  WriteNamespace("pay", 5, "");
  EXPECT_EQ(ExpectAsCold(), std::make_pair(3, 4));
}

TEST_F(VerifyCacheTest, ARootNamespacePolicyReSolvesEveryChunk) {
  ExpectAsCold();
  // Touches no destination's namespace, but every encoding reads the root
  // namespace's policies (§8.1).
  WriteRoot(
      "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
      "metadata:\n  name: deny-admin\n  namespace: istio-system\nspec:\n"
      "  action: DENY\n  rules:\n  - to:\n    - operation:\n"
      "        paths: [/admin]\n");
  EXPECT_EQ(ExpectAsCold(), std::make_pair(0, 4));
}

TEST_F(VerifyCacheTest, ANamespaceLabelOrAnyOtherObjectReSolvesEveryChunk) {
  ExpectAsCold();
  WriteNamespace("pay", 5, "", "    team: payments\n");
  EXPECT_EQ(ExpectAsCold(), std::make_pair(0, 4));
  ExpectAsCold();
  // Dropping pay's waypoint label changes which requests pass a waypoint.
  std::ofstream(dir_ / "mesh" / "manifests" / "pay.yaml", std::ios::app)
      << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n"
         "  namespace: pay\nspec:\n  ports:\n  - port: 80\n";
  EXPECT_EQ(ExpectAsCold(), std::make_pair(0, 4));
}

TEST_F(VerifyCacheTest, DamagedAndForeignEntriesAreIgnoredWithAWarning) {
  ExpectAsCold();
  const std::vector<fs::path> entries = Entries();
  ASSERT_EQ(entries.size(), 4u);
  // Truncated, and one whose counts were edited without its checksum.
  fs::resize_file(entries[0], fs::file_size(entries[0]) / 2);
  {
    std::ifstream in(entries[1]);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    const std::string field = "\"classes_checked\":";
    const size_t at = text.find(field);
    ASSERT_NE(at, std::string::npos);
    text.insert(at + field.size(), "9");
    std::ofstream(entries[1]) << text;
  }
  // One another meshsim version wrote.
  {
    std::ifstream in(entries[2]);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    const size_t at = text.find("\"meshsim\":\"");
    ASSERT_NE(at, std::string::npos);
    text.insert(at + 11, "0.0.1-");
    std::ofstream(entries[2]) << text;
  }
  const Outcome cold = Cold();
  const Outcome cached = Cached();
  EXPECT_EQ(NoTimes(cached.out), NoTimes(cold.out));
  EXPECT_EQ(cached.code, cold.code);
  EXPECT_EQ(Reused(cached.err), std::make_pair(1, 4)) << cached.err;
  EXPECT_NE(cached.err.find(entries[0].string() + " is damaged"),
            std::string::npos)
      << cached.err;
  EXPECT_NE(cached.err.find("another meshsim"), std::string::npos);
  // Solved again and rewritten: the next run reuses all four.
  EXPECT_EQ(ExpectAsCold(), std::make_pair(4, 4));
}

// With MESHSIM_CACHE_KEY, an entry's digest is an HMAC under the key: one
// written without it (or forged by a job that edits an entry and hashes
// it again) is ignored with a warning and solved again; the entries then
// written under the key are reused; without the key they are not.
TEST_F(VerifyCacheTest, AKeyedCacheTrustsOnlyEntriesWrittenUnderItsKey) {
  ExpectAsCold();  // four entries, plain SHA-256
  ::setenv("MESHSIM_CACHE_KEY", "ci-secret", 1);
  const Outcome keyed = Cached();
  EXPECT_EQ(Reused(keyed.err), std::make_pair(0, 4)) << keyed.err;
  EXPECT_NE(keyed.err.find("MESHSIM_CACHE_KEY"), std::string::npos)
      << keyed.err;
  EXPECT_EQ(ExpectAsCold(), std::make_pair(4, 4));
  ::setenv("MESHSIM_CACHE_KEY", "another-secret", 1);
  EXPECT_EQ(Reused(Cached().err), std::make_pair(0, 4));
  ::unsetenv("MESHSIM_CACHE_KEY");
  EXPECT_EQ(Reused(Cached().err), std::make_pair(0, 4));
}

// Entries whose checksum holds but whose chunk names a slice its table
// does not have, or one slice more than the chunk has (written by a buggy
// or hostile job): not a chunk, ignored; and a header edited after it was
// written.
TEST_F(VerifyCacheTest, EntriesWithBadIndexesOrAnEditedHeaderAreIgnored) {
  ExpectAsCold();
  const std::vector<fs::path> entries = Entries();
  ASSERT_GE(entries.size(), 3u);
  const char* edits[] = {"99999", "0,"};  // past the table; one more slice
  for (size_t k = 0; k < 2; ++k) {
    std::string text;
    {
      std::ifstream in(entries[k]);
      std::stringstream s;
      s << in.rdbuf();
      text = s.str();
    }
    const size_t eol = text.find('\n');
    ASSERT_NE(eol, std::string::npos);
    nlohmann::json header = nlohmann::json::parse(text.substr(0, eol));
    std::string chunk = text.substr(eol + 1);
    const size_t at = chunk.find("\"slices\":[");
    ASSERT_NE(at, std::string::npos);
    chunk.insert(at + 10, edits[k]);
    header.erase("sha256");  // the checksum covers the header without it
    header["sha256"] = Sha256Hex(header.dump() + "\n" + chunk);
    std::ofstream(entries[k]) << header.dump() << "\n" << chunk;
  }
  // And one whose header lost a policy digest it depends on, its checksum
  // left as it was: the checksum covers the header too.
  {
    std::ifstream in(entries[2]);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    const size_t eol = text.find('\n');
    ASSERT_NE(eol, std::string::npos);
    nlohmann::json header = nlohmann::json::parse(text.substr(0, eol));
    ASSERT_FALSE(header.at("policies").empty());
    header["policies"].erase(header["policies"].begin());
    std::ofstream(entries[2]) << header.dump() << text.substr(eol);
  }
  const Outcome cached = Cached();
  EXPECT_EQ(NoTimes(cached.out), NoTimes(Cold().out));
  EXPECT_EQ(Reused(cached.err), std::make_pair(1, 4)) << cached.err;
  for (size_t k = 0; k < 2; ++k)
    EXPECT_NE(cached.err.find(entries[k].string() +
                              " is damaged (not a verify chunk)"),
              std::string::npos)
        << cached.err;
  EXPECT_NE(cached.err.find(entries[2].string() +
                            " is damaged, or not written under this "
                            "MESHSIM_CACHE_KEY (its checksum does not match)"),
            std::string::npos)
      << cached.err;
}

// `meshsim diff --cache DIR`: the old mesh against itself with pay's POST
// denied; a warm run of the same pair prints what a cold run prints and
// compares nothing again; any change to either version compares every
// chunk again; a damaged entry is ignored with a warning.
TEST_F(VerifyCacheTest, DiffReusesChunksOfAnUnchangedPairOnly) {
  fs::copy(dir_ / "mesh", dir_ / "new", fs::copy_options::recursive);
  std::ofstream(dir_ / "new" / "manifests" / "pay.yaml", std::ios::app)
      << kPayPost;
  const std::string new_scenario = (dir_ / "new" / "scenario.yaml").string();
  auto diff = [&](bool cached) {
    std::vector<std::string> args = {"diff", scenario_, new_scenario,
                                     "--format", "json"};
    if (cached) args.insert(args.end(), {"--cache", cache_});
    return Cli(args);
  };
  auto as_cold = [&]() {
    const Outcome cold = diff(false);
    const Outcome cached = diff(true);
    EXPECT_EQ(cached.code, cold.code) << cached.err;
    EXPECT_EQ(NoTimes(cached.out), NoTimes(cold.out));
    return Reused(cached.err);
  };
  const std::pair<int, int> first = as_cold();
  EXPECT_EQ(first.first, 0);
  ASSERT_GT(first.second, 0);
  EXPECT_EQ(diff(false).code, 1);  // pay's POST is newly denied
  EXPECT_EQ(as_cold(), std::make_pair(first.second, first.second));
  // A label in the old version: every chunk compared again.
  WriteNamespace("shop", 100, "", "    team: shop\n");
  EXPECT_EQ(as_cold(), std::make_pair(0, first.second));
  // A damaged entry: ignored with a warning, compared again.
  std::vector<fs::path> entries = Entries();
  ASSERT_FALSE(entries.empty());
  for (const fs::path& e : entries) fs::resize_file(e, fs::file_size(e) / 2);
  const Outcome damaged = diff(true);
  EXPECT_EQ(NoTimes(damaged.out), NoTimes(diff(false).out));
  EXPECT_NE(damaged.err.find("is damaged"), std::string::npos) << damaged.err;
  EXPECT_EQ(Reused(damaged.err).first, 0);
  // --cache and --shard do not combine.
  EXPECT_EQ(Cli({"diff", scenario_, new_scenario, "--cache", cache_, "--shard",
                 "1/2", "--shard-out", (dir_ / "s").string()})
                .code,
            2);
}

TEST_F(VerifyCacheTest, CheckKeepsEachScenarioFilesChunks) {
  // Two scenario files over the same manifests, checked on two threads:
  // each is keyed by its own inputs.
  const std::string expect =
      "expect:\n  - verify: [waypoint-bypass, waypoint-double-pass]\n";
  std::ofstream(scenario_, std::ios::app) << expect;
  fs::copy_file(scenario_, dir_ / "mesh" / "second.yaml");
  std::ofstream(dir_ / "mesh" / "second.yaml", std::ios::app) << "seed: 7\n";
  const std::string folder = (dir_ / "mesh").string();
  const Outcome cold = Cli({"check", folder});
  ASSERT_EQ(cold.code, 0) << cold.out << cold.err;
  const Outcome first = Cli({"check", folder, "--cache", cache_, "-j", "2"});
  EXPECT_EQ(first.out, cold.out);
  EXPECT_EQ(first.code, cold.code);
  // `check` proves in chunks of the default size, 1024 destinations: one
  // chunk per file here (210 destinations).
  EXPECT_EQ(Reused(first.err), std::make_pair(0, 2)) << first.err;
  const Outcome warm = Cli({"check", folder, "--cache", cache_, "-j", "2"});
  EXPECT_EQ(warm.out, cold.out);
  EXPECT_EQ(Reused(warm.err), std::make_pair(2, 2)) << warm.err;
  // A policy in pay: the one chunk of each file.
  WriteNamespace("pay", 5, kPayPost);
  const Outcome changed = Cli({"check", folder, "--cache", cache_});
  EXPECT_EQ(changed.out, Cli({"check", folder}).out);
  EXPECT_EQ(Reused(changed.err), std::make_pair(0, 2)) << changed.err;
}

TEST_F(VerifyCacheTest, ALinkPlantedAtAnEntryIsNeitherReadNorFollowed) {
  ExpectAsCold();
  const fs::path entry = Entries()[0];
  const fs::path secret = dir_ / "secret";
  std::ofstream(secret) << "do not touch\n";
  fs::remove(entry);
  fs::create_symlink(secret, entry);
  const Outcome cold = Cold();
  const Outcome cached = Cached();
  EXPECT_EQ(NoTimes(cached.out), NoTimes(cold.out));
  EXPECT_NE(cached.err.find(entry.string() + " is not a regular file"),
            std::string::npos)
      << cached.err;
  EXPECT_EQ(Reused(cached.err), std::make_pair(3, 4));
  std::ifstream in(secret);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "do not touch\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(entry)));
}

TEST_F(VerifyCacheTest, ACacheThatIsNotAFolderIsBadInput) {
  std::ofstream(dir_ / "file") << "x";
  const Outcome r = Cli({"verify", scenario_, "--chunk", "64", "--cache",
                         (dir_ / "file").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot make the folder"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace meshsim
