// `meshsim verify --cache DIR` (docs/verification.md, "incremental
// verification"): each chunk of destination slices is stored under a digest
// of exactly what its answer depends on, so a second run solves again only
// the chunks whose inputs changed, and prints what a cold run prints.
//
//   io::SetRecordObjects(true);  RecordInputs();      // before loading
//   std::optional<Scenario> sc = ...;
//   VerifyCacheLog log;
//   auto cache = VerifyCache::Open(dir, version, *sc, RecordedInputs(), &log,
//                                  &error);
//   options.cache = cache.get();
//   VerifyResult r = Verify(*sc, options);
//   log.Report(dir, std::cerr);   // "cache DIR: 31 of 32 chunks reused"
//
// An entry's file name is the SHA-256 of meshsim's version and executable,
// the configuration except security policies (every other object, with its
// place, every cluster's settings and every input file that is not a
// manifest), and the chunk's work (ChunkCache). Inside, it records the
// digest of the policies of each namespace the chunk's encoding read; it is
// used only when all of them still hold. A damaged, foreign or stale entry
// is ignored with a warning and solved again, never trusted.
#ifndef MESHSIM_APP_VERIFY_CACHE_H_
#define MESHSIM_APP_VERIFY_CACHE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "model/scenario.h"
#include "verify/diff.h"
#include "verify/verifier.h"

namespace meshsim {

// What the caches of one command reused and solved, and their warnings
// (damaged or foreign entries, writes that failed); `check` opens one cache
// per scenario file and logs them together. Thread-safe.
class VerifyCacheLog {
 public:
  void Count(bool reused);
  void Warn(const std::string& w);
  // The warnings, sorted, then "meshsim: cache DIR: N of M chunks reused,
  // K solved".
  void Report(const std::string& dir, std::ostream& err) const;
  size_t reused() const;
  size_t solved() const;

 private:
  mutable std::mutex mu_;
  size_t reused_ = 0, solved_ = 0;
  std::set<std::string> warnings_;
};

// `--cache DIR` of a command: where, which meshsim, and the log.
struct CacheSettings {
  std::string dir, version;
  VerifyCacheLog* log = nullptr;
};

// While alive, loading records what `--cache` keys chunks by (object
// digests, io::SetRecordObjects; input files, RecordInputs); both stop when
// it ends. `on`: false does nothing.
class CacheRecording {
 public:
  explicit CacheRecording(bool on);
  ~CacheRecording();
  CacheRecording(const CacheRecording&) = delete;
  CacheRecording& operator=(const CacheRecording&) = delete;

 private:
  bool on_;
};

class VerifyCache : public ChunkCache {
 public:
  // Makes `dir` if needed. nullptr with `error` set when it cannot be made
  // or meshsim cannot read its own executable. `inputs`: every file read
  // while loading `sc` (path -> SHA-256, RecordedInputs).
  // settings.version: meshsim's, in every key. Needs
  // io::SetRecordObjects(true) while `sc` was loaded.
  static std::unique_ptr<VerifyCache> Open(
      const CacheSettings& settings, const Scenario& sc,
      const std::map<std::string, std::string>& inputs, std::string* error);

  std::optional<VerifyChunk> Find(const std::string& work,
                                  size_t slices) override;
  void Store(const std::string& work,
             const std::set<std::string>& policy_namespaces,
             const VerifyChunk& chunk) override;

 private:
  VerifyCache() = default;
  std::string EntryName(const std::string& work) const;
  std::string PolicyDigest(const std::string& ns) const;
  std::string dir_, version_;
  VerifyCacheLog* log_ = nullptr;
  std::string config_;  // SHA-256 of all but the security policies
  std::map<std::string, std::string> policies_;  // namespace -> SHA-256
};

// `meshsim diff --cache DIR`: each chunk of compared destinations (before
// the witnesses are replayed) under a digest of meshsim, both versions'
// whole configurations and the options that change answers; a re-run of an
// unchanged pair (a retried CI job, a second `--format`) compares nothing
// again and prints what a cold run prints. Coarser than verify's keys: any
// change to either version solves every chunk again. Entries are checked
// like verify's (docs/diff.md, "cache").
class DiffCache {
 public:
  static std::unique_ptr<DiffCache> Open(
      const CacheSettings& settings, const Scenario& old_sc,
      const Scenario& new_sc, const std::map<std::string, std::string>& inputs,
      std::string* error);
  std::optional<DiffChunk> Find(size_t index, const DiffOptions& o);
  // Only a decided chunk (no timeout, no unknown destination) is kept.
  void Store(size_t index, const DiffOptions& o, const DiffChunk& chunk);

 private:
  DiffCache() = default;
  std::string EntryName(size_t index, const DiffOptions& o) const;
  std::string dir_, version_;
  VerifyCacheLog* log_ = nullptr;
  std::string config_;
};

// `diff --cache`: the chunks `cache` holds for this pair are read, the
// others compared (options.jobs threads) and stored; then, as shards merge,
// every chunk's witnesses are replayed (ExplainDiff with `fail_on`) and the
// chunks combined with `common` (DiffCommon's): what Diff and ExplainDiff
// give in one run.
DiffResult CachedDiffResult(const Scenario& old_sc, const Scenario& new_sc,
                            const DiffOptions& options,
                            const std::set<std::string>& fail_on,
                            DiffResult common, DiffCache& cache);

}  // namespace meshsim

#endif  // MESHSIM_APP_VERIFY_CACHE_H_
