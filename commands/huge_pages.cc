// Transparent huge pages for the heap: see PreferHugePages in commands.h.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "commands/commands.h"

namespace meshsim::commands {

void PreferHugePages(char** argv) {
  // Only when asked, only once (the tunable is then set), and never against
  // the user's own tunables.
  const char* opt = std::getenv("MESHSIM_HUGE_PAGES");
  if (!opt || std::strcmp(opt, "1") != 0) return;
  if (std::getenv("GLIBC_TUNABLES")) return;
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // No /proc (or exec refused): carry on with the ordinary heap.
  unsetenv("GLIBC_TUNABLES");
}

}  // namespace meshsim::commands
