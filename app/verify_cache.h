// `meshsim verify --cache DIR` (docs/verification.md, "incremental
// verification"): each chunk of destination slices is stored under a digest
// of exactly what its answer depends on, so a second run solves again only
// the chunks whose inputs changed, and prints what a cold run prints.
//
//   io::SetRecordObjects(true);  RecordInputs();      // before loading
//   std::optional<Scenario> sc = ...;
//   auto cache = VerifyCache::Open(dir, *sc, RecordedInputs(), &error);
//   options.cache = cache.get();
//   VerifyResult r = Verify(*sc, options);
//   cache->Report(std::cerr);   // "cache: 31 of 32 chunks reused"
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
#include "verify/verifier.h"

namespace meshsim {

class VerifyCache : public ChunkCache {
 public:
  // Makes `dir` if needed. nullptr with `error` set when it cannot be made
  // or meshsim cannot read its own executable. `inputs`: every file read
  // while loading `sc` (path -> SHA-256, RecordedInputs).
  // `version`: meshsim's, in every key. Needs io::SetRecordObjects(true)
  // while `sc` was loaded.
  static std::unique_ptr<VerifyCache> Open(
      const std::string& dir, const std::string& version, const Scenario& sc,
      const std::map<std::string, std::string>& inputs, std::string* error);

  std::optional<VerifyChunk> Find(const std::string& work) override;
  void Store(const std::string& work,
             const std::set<std::string>& policy_namespaces,
             const VerifyChunk& chunk) override;

  // "meshsim: cache DIR: N of M chunks reused", and the warnings (damaged
  // or foreign entries, writes that failed), sorted.
  void Report(std::ostream& err) const;
  size_t reused() const { return reused_; }
  size_t solved() const { return solved_; }

 private:
  VerifyCache() = default;
  std::string EntryName(const std::string& work) const;
  std::string PolicyDigest(const std::string& ns) const;
  void Warn(const std::string& w);

  std::string dir_, version_;
  std::string config_;  // SHA-256 of all but the security policies
  std::map<std::string, std::string> policies_;  // namespace -> SHA-256
  mutable std::mutex mu_;
  size_t reused_ = 0, solved_ = 0;
  std::set<std::string> warnings_;
};

}  // namespace meshsim

#endif  // MESHSIM_APP_VERIFY_CACHE_H_
