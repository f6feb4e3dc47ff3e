// Shared by the matcher fuzz targets: an input is manifest text, then a line
// "---request", then one attribute per line:
//
//   method GET | path /x?y=1 | host a.example.com | principal cluster.local/..
//   header name=value | sourceip 10.0.0.1 | destip 10.0.0.2 | port 9080
//
// so that seeds are readable manifests from scenarios/ and tests/data/, and
// every pattern a matcher sees went through the loader's validation, as it
// does for a user.
#ifndef MESHSIM_FUZZ_REQUEST_TEXT_H_
#define MESHSIM_FUZZ_REQUEST_TEXT_H_

#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace meshsim::fuzz {

struct FuzzRequest {
  std::string method = "GET";
  std::string path = "/";
  std::string host;
  std::optional<std::string> principal;
  std::map<std::string, std::string> headers;
  std::string source_ip = "10.0.0.1";
  std::string destination_ip = "10.0.0.2";
  int port = 80;
};

// Splits `input` at the first "\n---request\n" line: manifest text before,
// request attributes after (defaults when there is none).
inline std::string SplitRequest(const std::string& input, FuzzRequest& req) {
  static const std::string kMarker = "\n---request\n";
  size_t at = input.find(kMarker);
  if (at == std::string::npos) return input;
  std::istringstream lines(input.substr(at + kMarker.size()));
  for (std::string line; std::getline(lines, line);) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "method") req.method = value;
    if (key == "path") req.path = value;
    if (key == "host") req.host = value;
    if (key == "principal") req.principal = value;
    if (key == "sourceip") req.source_ip = value;
    if (key == "destip") req.destination_ip = value;
    if (key == "port") req.port = std::atoi(value.substr(0, 6).c_str());
    if (key == "header") {
      size_t eq = value.find('=');
      req.headers[value.substr(0, eq)] =
          eq == std::string::npos ? "" : value.substr(eq + 1);
    }
  }
  return input.substr(0, at + 1);
}

}  // namespace meshsim::fuzz

#endif  // MESHSIM_FUZZ_REQUEST_TEXT_H_
