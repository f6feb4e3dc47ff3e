#include <dlfcn.h>

#include <cstdlib>
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

}  // namespace
#endif

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
