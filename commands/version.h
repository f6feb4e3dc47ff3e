// meshsim's own version (`meshsim --version`); it changes whenever an answer
// may change, so caches and result files can name it.
#ifndef MESHSIM_COMMANDS_VERSION_H_
#define MESHSIM_COMMANDS_VERSION_H_

namespace meshsim {

inline constexpr char kMeshsimVersion[] = "0.6.0";

}  // namespace meshsim

#endif  // MESHSIM_COMMANDS_VERSION_H_
