// `meshsim merge`: the shards of one piece of work, printed as the command
// would have printed it in one process (docs/scale-out.md).
#include <memory>

#include "commands/commands.h"

namespace meshsim::commands {

int RunMerge(const MergeOptions& o, const Streams& io) {
  std::vector<ShardFile> shards;
  std::string error;
  for (const std::string& path : o.files) {
    std::optional<ShardFile> f = ReadShard(path, &error);
    if (!f) {
      io.err << "meshsim: error: " << error << "\n";
      return 2;
    }
    shards.push_back(std::move(*f));
  }
  std::optional<std::vector<ShardUnit>> units = MergeShards(shards, &error);
  if (!units) {
    io.err << "meshsim: error: " << error << "\n";
    return 2;
  }
  const ShardFile& first = shards.front();
  // A shard file is untrusted input (docs/security.md): it may choose how
  // the merge prints (text or JSON, GitHub annotations), never a file the
  // merge writes. Where the shards were given --junit, --sarif or --csv,
  // the merge says so and writes only what its own options name.
  OutputOptions output;
  for (const auto& [key, value] : first.output) {
    if (key == "format" && (value == "text" || value == "json"))
      output[key] = value;
    else if (key == "github" && value == "1")
      output[key] = value;
    else if (!value.empty() &&
             (key == "junit" || key == "sarif" || key == "csv") &&
             (o.output.count(key) == 0 || o.output.at(key).empty()))
      io.err << "meshsim: note: the shards were run with --" << key
             << "; a shard file does not choose where merge writes: give "
                "merge its own --"
             << key << " FILE\n";
  }
  for (const auto& [key, value] : o.output)
    if (!value.empty()) output[key] = value;
  if (o.github) output["github"] = "1";
  for (const char* key : {"format", "junit", "sarif", "csv", "github"})
    output.try_emplace(key, "");
  if (output["format"].empty()) output["format"] = "text";
  const std::string& c = first.command;
  try {
    if (c == "check") return MergeCheck(first, std::move(*units), output, io);
    if (c == "run") return MergeRun(first, std::move(*units), output, io);
    if (c == "sweep") return MergeSweep(first, std::move(*units), output, io);
    if (c == "verify") return MergeVerify(first, std::move(*units), output, io);
    if (c == "diff") return MergeDiff(first, std::move(*units), output, io);
  } catch (const std::exception&) {
    // A setting the command records is missing or not a number.
    io.err << "meshsim: error: " << first.path
           << ": not a valid shard file of `" << ShardWork(first)
           << "` (a setting is missing or malformed)\n";
    return 2;
  }
  io.err << "meshsim: error: " << first.path << ": shards of `meshsim " << c
         << "` cannot be merged (check, verify, diff, run and sweep can)\n";
  return 2;
}

}  // namespace meshsim::commands
