// libFuzzer target: AuthorizationPolicy matching (principals, namespaces,
// IP blocks, hosts, ports, methods, paths and path templates, `when`
// conditions on headers) at every enforcement point, for policies loaded
// from fuzzed manifest text and a fuzzed request (request_text.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "fuzz/request_text.h"
#include "model/io/loader.h"
#include "model/mesh.h"
#include "model/mesh_builder.h"
#include "model/policy.h"

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
  if (c.authorization_policies.empty()) return 0;

  RequestAttributes req;
  req.principal = fr.principal;
  req.source_ip = fr.source_ip;
  req.destination_ip = fr.destination_ip;
  req.destination_port = fr.port;
  req.method = fr.method;
  req.path = fr.path;
  req.host = fr.host;
  req.headers = fr.headers;
  std::vector<const AuthorizationPolicy*> policies;
  for (const AuthorizationPolicy& p : c.authorization_policies)
    policies.push_back(&p);
  for (bool http : {false, true}) {
    req.http = http;
    for (EnforcementPoint point :
         {EnforcementPoint::kZtunnel, EnforcementPoint::kWaypoint,
          EnforcementPoint::kGateway, EnforcementPoint::kSidecar})
      Evaluate(mesh, mesh.istio.version, point, policies, req);
  }
  // The policies each enforcement point would pick up for each workload.
  for (const Workload& w : c.workloads) {
    std::vector<AuthorizationPolicy> synthesized;
    PoliciesAtZtunnel(mesh, c, w, &synthesized);
    PoliciesAtProxy(mesh, c, w, nullptr);
    std::string pa;
    for (const ContainerPort& cp : w.ports)
      PeerAuthenticationMode(mesh, c, w, cp.port, &pa);
    PeerAuthenticationMode(mesh, c, w, 0, &pa);
  }
  // The string matchers on their own, with the request's values.
  for (const AuthorizationPolicy& p : c.authorization_policies)
    for (const PolicyRule& rule : p.rules) {
      for (const PolicyOperation& op : rule.to)
        for (const std::string& path : op.paths) IstioPathMatch(path, fr.path);
      for (const PolicySource& src : rule.from) {
        for (const std::string& pr : src.principals)
          IstioStringMatch(pr, fr.principal.value_or(""));
        for (const std::string& block : src.ip_blocks)
          IpInBlock(block, fr.source_ip);
      }
    }
  return 0;
}
