// Sharding (docs/scale-out.md): long work split into independent shards that
// separate processes, pods or CI jobs run, and merged into exactly what one
// process would have printed.
//
//   meshsim check scenarios/ --shard 1/3 --shard-out s1.json   # on each node
//   meshsim merge s0.json s1.json s2.json                      # anywhere
//
// A shard owns the units (scenario files of `check`, destination slices of
// `verify` and `diff`, replications of `run`, grid points of `sweep`) whose
// index i has i mod N == I. Its file holds what the command computed for
// them, as value types (never rendered text), and what identifies the work:
// meshsim's version, the command and its arguments, the number of units and
// a digest of every input file it read. `MergeShards` refuses shards that
// are missing, given twice or of other work, naming the file.
#ifndef MESHSIM_APP_SHARD_H_
#define MESHSIM_APP_SHARD_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/check_result.h"
#include "sim/result.h"
#include "verify/diff.h"
#include "verify/result.h"
#include "verify/verifier.h"

namespace meshsim {

// Shard `index` (0-based) of `count`.
struct ShardSpec {
  int index = 0;
  int count = 1;
  bool Owns(size_t unit) const {
    return static_cast<int>(unit % static_cast<size_t>(count)) == index;
  }
};

// "I/N" with 0 <= I < N <= 100000; nullopt with `error` set otherwise.
std::optional<ShardSpec> ParseShard(const std::string& s, std::string* error);

// What every unit of a shard carries besides its result: the text the
// command wrote to stderr while computing it, replayed by `merge` in unit
// order.
struct ShardUnit {
  size_t index = 0;
  std::string err;
  // One of these, by command.
  std::optional<ScenarioCheck> check;  // check
  std::optional<SimResult> run;        // run --replications
  std::optional<SweepPoint> point;     // sweep
  // verify, diff: one result per destination slice of the unit.
  std::vector<VerifyResult> slices;
  // diff: one result per destination of the unit.
  std::vector<DiffResult> diffs;
  std::map<std::string, std::string> extra;  // command-specific scalars
};

struct ShardFile {
  std::string path;     // where it was read from (for errors)
  std::string meshsim;  // the version that wrote it
  std::string command;  // check | verify | diff | run | sweep
  // The command's arguments that decide its result, as given (the shard
  // options, -j and the output options removed).
  std::vector<std::string> args;
  // The output options the command was given (format, junit, sarif, csv,
  // github, ...): `merge` uses them unless it is given its own.
  std::map<std::string, std::string> output;
  // What the merge needs of the command's other options (--strict, the
  // seed, ...); they are in `args` too.
  std::map<std::string, std::string> settings;
  ShardSpec shard;
  size_t units = 0;  // the work's units, over all shards
  // Every input file the shard read: path -> SHA-256 of its bytes.
  std::map<std::string, std::string> inputs;
  // What the whole work shares (the scenario's name, its warnings, the
  // verifier's lint findings): the same in every shard.
  std::string name;
  std::vector<Diagnostic> warnings;
  std::optional<VerifyResult> common;
  std::optional<DiffResult> common_diff;  // diff: the changed objects
  std::string preamble_err;  // stderr before the first unit (load warnings)
  std::vector<ShardUnit> results;  // the units this shard owns, in order
};

// The file `meshsim COMMAND ... --shard-out FILE` writes (versioned JSON).
std::string ShardJson(const ShardFile& f);
// Reads a shard file; nullopt with `error` ("FILE: what is wrong").
std::optional<ShardFile> ReadShard(const std::string& path, std::string* error);
// The same from its text (`path` names it in errors). Shard files come from
// other machines: any text gives a shard or an error, never a crash
// (fuzz/fuzz_shard.cc).
std::optional<ShardFile> ParseShardText(const std::string& text,
                                        const std::string& path,
                                        std::string* error);

// Checks that `shards` are the N shards of one piece of work, each once,
// and returns their units in index order; nullopt with `error` naming the
// missing, duplicated or foreign shard.
std::optional<std::vector<ShardUnit>> MergeShards(
    const std::vector<ShardFile>& shards, std::string* error);

// "meshsim check scenarios/ --strict": the work, as errors name it.
std::string ShardWork(const ShardFile& f);

// A chunk of `verify` as JSON text and back (nullopt when the text is not
// one), as shard files hold it: `verify --cache` stores chunks so.
std::string VerifyChunkJson(const VerifyChunk& chunk);
std::optional<VerifyChunk> ParseVerifyChunk(const std::string& text);
// The form `verify --cache` keeps a chunk in (app/verify_cache.h): each
// distinct slice once, then the slices in order as indexes into that table,
// without seconds (a reused chunk spent none). Most slices of a chunk are
// alike, so an entry reads many times faster than VerifyChunkJson's.
// Parsing refuses (nullopt) an entry whose slice count is not `slices` or
// whose results name a property `verify` does not have: a damaged or
// hostile entry can neither multiply memory nor reach CombineVerify.
std::string CachedVerifyChunkJson(const VerifyChunk& chunk);
std::optional<VerifyChunk> ParseCachedVerifyChunk(const std::string& text,
                                                  size_t slices);
// Likewise a chunk of `diff` (`diff --cache`).
std::string DiffChunkJson(const DiffChunk& chunk);
std::optional<DiffChunk> ParseDiffChunk(const std::string& text);

// Records the SHA-256 of every input file meshsim reads from now on (all
// threads); `TakeRecordedInputs` returns them and stops recording,
// `RecordedInputs` returns them so far.
void RecordInputs();
std::map<std::string, std::string> TakeRecordedInputs();
std::map<std::string, std::string> RecordedInputs();

// While alive, and while RecordInputs records, also keeps the inputs read
// on this thread: those of one scenario when `check` loads several at once.
class InputCapture {
 public:
  InputCapture();
  ~InputCapture();
  InputCapture(const InputCapture&) = delete;
  InputCapture& operator=(const InputCapture&) = delete;
  const std::map<std::string, std::string>& inputs() const { return inputs_; }

 private:
  std::map<std::string, std::string> inputs_;
  std::map<std::string, std::string>* outer_;
};

}  // namespace meshsim

#endif  // MESHSIM_APP_SHARD_H_
