#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "model/io/loader.h"

#if __has_include(<mimalloc.h>)
#include <mimalloc.h>
#define MESHSIM_MIMALLOC_HEADER 1
#endif

namespace meshsim::commands {

#ifdef MESHSIM_MIMALLOC_HEADER
namespace {

// Found in the process at run time: the executable links mimalloc, the
// libraries and their tests do not.
using OptionFn = void (*)(mi_option_t);
OptionFn enable_option = nullptr;
OptionFn disable_option = nullptr;

// While a scenario loads, mimalloc backs new memory with 2 MB pages: the
// loaded mesh is hundreds of MB of small objects, and the first touch of
// each 4 KB page faulted, a fifth of the 10x loading time
// (bench/README.md, 2026-12-07). Back to 4 KB pages after, so that the
// solver's memory goes back to the system as it is freed (2 MB pages stay).
void LargePagesWhileLoading(bool loading) {
  (loading ? enable_option : disable_option)(mi_option_large_os_pages);
}

// Manifests become a mesh several times their size (the generator's 10x
// mesh: 85 MB of YAML, about 700 MB of objects), written once into memory
// the process has never touched: each first touch of a 4 KB page is a page
// fault, which on the 2-core CI machine costs about 10 us (bench/README.md:
// touching 800 MB page by page took 2.2 s, mapping it populated 0.1 s).
// So, as each manifest file is about to load, the heap is handed arenas
// the kernel has populated in one call, enough for eight times the bytes
// of the distinct files read so far (a file loaded again, as a sweep's
// points do, reuses what its first load freed), at most kArenaCap in all
// and an eighth of the machine's memory. mimalloc places its segments in them
// before asking the system; an arena is the process's until it exits, but what
// is freed in it is used again, so a run that needs the memory anyway costs
// nothing more. The cap keeps the 10x `verify --cache` filling the cache under
// 1 GiB (1,006 MiB at 640 MiB of arenas, 1,041 MiB at 768; its warm run 5.2-5.7
// s against 5.8 s at 512 MiB and 6.6-7.5 s with none).
constexpr size_t kArenaBytes = size_t{64} << 20;  // two mimalloc segments
constexpr size_t kArenaAlign = size_t{32} << 20;  // its segment alignment
constexpr size_t kArenaCap = size_t{640} << 20;
constexpr size_t kBytesPerManifestByte = 8;

using ManageFn = bool (*)(void*, size_t, bool, bool, bool, int, bool,
                          mi_arena_id_t*);
ManageFn manage_os_memory = nullptr;
std::mutex arena_mutex;
std::set<std::string> manifests_seen;  // under arena_mutex
size_t manifest_bytes = 0;             // under arena_mutex
size_t arena_bytes = 0;                // under arena_mutex

// One populated arena of kArenaBytes, aligned as mimalloc's segments are;
// false when the system refuses it (the heap then asks the system itself).
bool AddPopulatedArena() {
  const size_t span = kArenaBytes + kArenaAlign;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return false;
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (base + kArenaAlign - 1) & ~(kArenaAlign - 1);
  if (start > base) munmap(raw, start - base);
  if (const uintptr_t end = start + kArenaBytes; end < base + span)
    munmap(reinterpret_cast<void*>(end), base + span - end);
  void* arena = reinterpret_cast<void*>(start);
#ifdef MADV_POPULATE_WRITE
  // Linux 5.14 and later; on older kernels the arena is faulted as used.
  madvise(arena, kArenaBytes, MADV_POPULATE_WRITE);
#endif
  if (manage_os_memory(arena, kArenaBytes, /*is_committed=*/true,
                       /*is_large=*/false, /*is_zero=*/true,
                       /*numa_node=*/-1, /*exclusive=*/false, nullptr))
    return true;
  munmap(arena, kArenaBytes);
  return false;
}

void ArenasForManifest(const std::string& path, size_t bytes) {
  static const size_t cap = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return size_t{0};
    return std::min(kArenaCap,
                    static_cast<size_t>(pages) * static_cast<size_t>(page) / 8);
  }();
  const std::lock_guard<std::mutex> lock(arena_mutex);
  if (!manifests_seen.insert(path).second) return;
  manifest_bytes += bytes;
  const size_t want = std::min(cap, manifest_bytes * kBytesPerManifestByte);
  while (arena_bytes + kArenaBytes <= want) {
    if (!AddPopulatedArena()) {
      arena_bytes = cap;  // no more tries
      return;
    }
    arena_bytes += kArenaBytes;
  }
}

}  // namespace
#endif

void PrepareHeapForManifests() {
#ifdef MESHSIM_MIMALLOC_HEADER
  manage_os_memory =
      reinterpret_cast<ManageFn>(dlsym(RTLD_DEFAULT, "mi_manage_os_memory_ex"));
  if (manage_os_memory) SetManifestHeapHook(ArenasForManifest);
#endif
}

void PreferLargePagesWhileLoading(const std::vector<std::string>& args) {
#ifdef MESHSIM_MIMALLOC_HEADER
  if (std::getenv("MIMALLOC_LARGE_OS_PAGES")) return;  // the user decides
  // Not for the commands that run the solver: their peak is the solver's,
  // on top of the mesh, and 2 MB pages kept what loading freed (10x
  // `verify -j 2`: 1,007 MiB against 934 MiB, over the issue-21 budget).
  for (const std::string& a : args) {
    if (a.empty() || a[0] == '-') continue;
    if (a == "verify" || a == "check" || a == "diff" || a == "report") return;
    break;
  }
  enable_option =
      reinterpret_cast<OptionFn>(dlsym(RTLD_DEFAULT, "mi_option_enable"));
  disable_option =
      reinterpret_cast<OptionFn>(dlsym(RTLD_DEFAULT, "mi_option_disable"));
  if (enable_option && disable_option)
    SetLoadingHeapHook(LargePagesWhileLoading);
#endif
}

}  // namespace meshsim::commands
