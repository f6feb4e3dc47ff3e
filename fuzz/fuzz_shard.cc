// libFuzzer target: shard files as `meshsim merge` reads them
// (docs/scale-out.md). They come from other CI jobs or pods: any text must
// give a shard file or an error, and merging what parses must give units or
// an error — never a crash, a huge allocation or a long loop.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/shard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<meshsim::ShardFile> f =
      meshsim::ParseShardText(text, "fuzz/shard.json", &error);
  if (!f) return 0;
  const std::vector<meshsim::ShardFile> shards = {*f};
  (void)meshsim::MergeShards(shards, &error);
  (void)meshsim::ShardJson(*f);
  return 0;
}
