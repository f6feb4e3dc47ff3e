// The meshsim command line, as a testable function: main() only forwards to
// RunCli. Exit codes: 0 success, 1 findings or failed expectations, 2 bad
// input or usage, 3 a solver result that is unknown.
#ifndef MESHSIM_CLI_CLI_H_
#define MESHSIM_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "model/version.h"

namespace meshsim {

// `process_exits_after`: main() returns right after, so a loaded scenario
// need not be freed (commands/commands.h KeepUntilExit).
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool process_exits_after = false);

}  // namespace meshsim

#endif  // MESHSIM_CLI_CLI_H_
