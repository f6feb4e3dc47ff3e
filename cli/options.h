// Internal to cli/: each subcommand registers its options on the CLI11 app
// and the call that runs it (options.cc); the work is in commands/.
#ifndef MESHSIM_CLI_OPTIONS_H_
#define MESHSIM_CLI_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "commands/commands.h"

namespace meshsim::cli {

using commands::Streams;

struct Command {
  CLI::App* app;
  std::function<int(const Streams&)> run;
};

// Every subcommand, in the order `meshsim --help` lists them.
void AddCommands(CLI::App& app, std::vector<Command>& commands);

}  // namespace meshsim::cli

#endif  // MESHSIM_CLI_OPTIONS_H_
