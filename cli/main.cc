#include <iostream>

#include "cli/cli.h"
#include "commands/commands.h"

// The backstop of docs/security.md (commands::Backstop).
int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  meshsim::commands::PreferLargePagesWhileLoading(args);
  meshsim::commands::PrepareHeapForManifests();
  return meshsim::commands::Backstop([&] {
    return meshsim::RunCli(args, std::cout, std::cerr,
                           /*process_exits_after=*/true);
  });
}
