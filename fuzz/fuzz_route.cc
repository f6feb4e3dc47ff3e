// libFuzzer target: Gateway API route selection (hostnames, path Exact /
// PathPrefix / RegularExpression, methods, headers, query parameters,
// precedence) and request filters (header modifiers, URL rewrites,
// redirects), for routes loaded from fuzzed manifest text and a fuzzed
// request (request_text.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "fuzz/request_text.h"
#include "model/io/loader.h"
#include "model/mesh.h"
#include "model/mesh_builder.h"
#include "sim/routing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshsim;
  if (fuzz::AsksForManyPods(
          std::string(reinterpret_cast<const char*>(data), size)))
    return -1;
  fuzz::FuzzRequest fr;
  const std::string manifest = fuzz::SplitRequest(
      std::string(reinterpret_cast<const char*>(data), size), fr);
  MeshBuilder builder("fuzz");
  builder.Cluster("east", "east", 1);
  Diagnostics diags;
  LoadManifestText(manifest, "fuzz.yaml", *builder.current(), diags);
  const Mesh mesh = builder.Build(diags);
  const Cluster& c = mesh.clusters[0];
  if (c.routes.empty()) return 0;

  std::vector<const HttpRoute*> routes;
  for (const HttpRoute& r : c.routes) routes.push_back(&r);
  for (bool http : {true, false}) {
    RoutedRequest req;
    req.host = fr.host;
    if (http) {
      HttpRequest h;
      h.method = fr.method;
      h.path = fr.path;
      h.headers = fr.headers;
      req.http = h;
    }
    RouteChoice choice = SelectRoute(routes, req);
    if (choice.matched && choice.rule) {
      RoutedRequest next = ApplyFilters(*choice.rule, req);
      RedirectOf(*choice.rule, next, 80);
    }
    for (const HttpRoute* r : routes)
      for (const std::string& h : r->hostnames) HostnameMatches(h, fr.host);
  }
  return 0;
}
