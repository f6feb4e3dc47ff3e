// Request overrides for `meshsim paths`: keep only some traffic entries, and
// replace their HTTP method and path or add headers, without editing the
// scenario file.
#ifndef MESHSIM_APP_REQUESTS_H_
#define MESHSIM_APP_REQUESTS_H_

#include <optional>
#include <string>
#include <vector>

#include "model/scenario.h"

namespace meshsim {

struct RequestOverrides {
  std::vector<std::string> traffic;  // entries to keep (empty: all)
  std::string http;                  // "METHOD /path?query", or ""
  std::vector<std::string> headers;  // "name=value"
};

// Applies `o` to `sc.traffic`. On a malformed value or an unknown entry name
// returns the error message (with a did-you-mean) and leaves `sc` unchanged
// in meaning; nullopt on success.
std::optional<std::string> ApplyRequestOverrides(const RequestOverrides& o,
                                                 Scenario& sc);

}  // namespace meshsim

#endif  // MESHSIM_APP_REQUESTS_H_
