#include <exception>
#include <iostream>
#include <new>

#include "cli/cli.h"
#include "commands/commands.h"

// The backstop of docs/security.md: an exception that escapes every handler
// below is a bug, but it ends the process with exit 2 and one line naming it,
// never with std::terminate's abort (exit 134) in a CI log.
int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    const int code = meshsim::RunCli(args, std::cout, std::cerr,
                                     /*process_exits_after=*/true);
    // Output that did not reach its reader (a full disk, a closed pipe) is
    // a failure, not a success with a short answer.
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "meshsim: error: cannot write standard output (disk full "
                   "or pipe closed); the output is incomplete\n";
      return 2;
    }
    return code;
  } catch (const std::bad_alloc&) {
    std::cout.flush();
    std::cerr << "meshsim: error: out of memory; the input asks for more than "
                 "this machine has (docs/robustness.md lists the limits)\n";
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "meshsim: internal error: " << e.what()
              << " (please report it with the input that caused it)\n";
  } catch (...) {
    std::cerr << "meshsim: internal error: an unknown exception (please report "
                 "it with the input that caused it)\n";
  }
  return 2;
}
