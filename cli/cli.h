// The meshsim command line, as a testable function: main() only forwards to
// RunCli. Exit codes: 0 success, 1 findings or failed expectations, 2 bad
// input or usage, 3 a solver result that is unknown.
#ifndef MESHSIM_CLI_CLI_H_
#define MESHSIM_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace meshsim {

// meshsim's own version (`meshsim --version`); it changes whenever an answer
// may change, so caches and result files can name it.
inline constexpr char kMeshsimVersion[] = "0.6.0";

// `process_exits_after`: main() returns right after, so a loaded scenario
// need not be freed (cli/commands.h KeepUntilExit).
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool process_exits_after = false);

}  // namespace meshsim

#endif  // MESHSIM_CLI_CLI_H_
