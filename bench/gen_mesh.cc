// Generates a large multicluster scenario for `meshsim paths` benchmarks:
//
//   gen_mesh OUT_DIR [--clusters 3] [--services 2000] [--pods 20000] [--traffic
//   300] [--policies 0|1] [--policy-namespaces N]
//
// Writes OUT_DIR/scenario.yaml and OUT_DIR/<cluster>.yaml. Services are spread
// over namespaces of 20; every namespace is ambient, every other namespace
// has a namespace waypoint, one service in ten has its own waypoint, one in
// four is global, and each cluster has an east-west gateway on its own
// network. Pods are split evenly over the services of each cluster. With
// --policies 1, each namespace of each cluster has two AuthorizationPolicies:
// `guard` (its pods admit only their namespace and the waypoint) and `l7`
// (the waypoint admits GET from its namespace and the next); with
// --policy-namespaces N, only namespaces ns0 to ns(N-1) have them.
// Deterministic: the same arguments give the same files.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: gen_mesh OUT_DIR [--clusters N] [--services N] "
                 "[--pods N] [--traffic N] [--policies 0|1] "
                 "[--policy-namespaces N]\n";
    return 2;
  }
  std::filesystem::path out = argv[1];
  int clusters = 3, services = 2000, pods = 20000, traffic = 300, policies = 0,
      policy_namespaces = -1;
  double rate = 10, duration = 10;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--clusters")
      clusters = v;
    else if (k == "--services")
      services = v;
    else if (k == "--pods")
      pods = v;
    else if (k == "--traffic")
      traffic = v;
    else if (k == "--policies")
      policies = v;
    else if (k == "--policy-namespaces")
      policy_namespaces = v;
    else if (k == "--rate")
      rate = std::atof(argv[i + 1]);
    else if (k == "--duration")
      duration = std::atof(argv[i + 1]);
    else {
      std::cerr << "gen_mesh: unknown option " << k << "\n";
      return 2;
    }
  }
  if (clusters < 1 || services < 1 || pods < services) {
    std::cerr << "gen_mesh: need clusters >= 1 and pods >= services >= 1\n";
    return 2;
  }
  std::filesystem::create_directories(out);
  const int per_ns = 20;
  const int namespaces = (services + per_ns - 1) / per_ns;
  // Services are shared by name across clusters; each cluster runs
  // pods/clusters pods.
  const int pods_per_cluster = pods / clusters;
  for (int c = 0; c < clusters; ++c) {
    std::ofstream f(out / ("c" + std::to_string(c) + ".yaml"));
    f << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "
         "istio-system\n---\n";
    f << "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n "
         " name: eastwest\n"
         "  namespace: istio-system\n  labels:\n    topology.istio.io/network: "
         "net-"
      << c
      << "\nspec:\n  gatewayClassName: istio-east-west\n  listeners:\n  - "
         "{name: mesh, port: 15008, protocol: HBONE, tls: {mode: Terminate, "
         "options: {gateway.istio.io/tls-terminate-mode: ISTIO_MUTUAL}}}"
         "\n---\n";
    for (int n = 0; n < namespaces; ++n) {
      f << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns" << n
        << "\n  labels:\n    istio.io/dataplane-mode: ambient\n";
      if (n % 2 == 0) f << "    istio.io/use-waypoint: waypoint\n";
      f << "---\n";
      {  // every namespace runs a waypoint; only even ones bind it by namespace
         // label
        f << "apiVersion: gateway.networking.k8s.io/v1\nkind: "
             "Gateway\nmetadata:\n  name: waypoint\n"
             "  namespace: ns"
          << n
          << "\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n  - "
             "{name: mesh, port: 15008, protocol: HBONE, tls: {mode: "
             "Terminate}}"
             "\n---\n";
      }
      if (policies && (policy_namespaces < 0 || n < policy_namespaces)) {
        f << "apiVersion: security.istio.io/v1\nkind: "
             "AuthorizationPolicy\nmetadata:\n  name: guard\n  namespace: ns"
          << n
          << "\nspec:\n  action: ALLOW\n  rules:\n  - from:\n    - "
             "source:\n        principals: [cluster.local/ns/ns"
          << n << "/sa/waypoint]\n    - source:\n        namespaces: [ns" << n
          << "]\n---\n";
        f << "apiVersion: security.istio.io/v1\nkind: "
             "AuthorizationPolicy\nmetadata:\n  name: l7\n  namespace: ns"
          << n
          << "\nspec:\n  targetRefs:\n  - {kind: Gateway, group: "
             "gateway.networking.k8s.io, name: waypoint}\n  action: ALLOW\n"
             "  rules:\n  - from:\n    - source:\n        namespaces: [ns"
          << n << ", ns" << (n + 1) % namespaces
          << "]\n    to:\n    - operation:\n        methods: [GET]\n---\n";
      }
    }
    for (int s = 0; s < services; ++s) {
      const int n = s / per_ns;
      const int replicas = pods_per_cluster / services +
                           (s < pods_per_cluster % services ? 1 : 0);
      f << "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc" << s
        << "\n  namespace: ns" << n;
      if (s % 10 == 0 || s % 4 == 0) {
        f << "\n  labels:";
        if (s % 10 == 0) f << "\n    istio.io/use-waypoint: waypoint";
        if (s % 4 == 0) f << "\n    istio.io/global: \"true\"";
      }
      f << "\nspec:\n  selector: {app: svc" << s
        << "}\n  ports: [{port: 80, name: http}]\n---\n";
      f << "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc" << s
        << "\n  namespace: ns" << n << "\nspec:\n  replicas: " << replicas
        << "\n  selector: {matchLabels: {app: svc" << s
        << "}}\n  template:\n    metadata: {labels: {app: svc" << s
        << "}}\n    spec: {containers: [{name: app, image: app}]}\n---\n";
    }
  }
  std::ofstream sc(out / "scenario.yaml");
  sc << "name: generated mesh (" << clusters << " clusters, " << services
     << " services, " << pods
     << " pods)\nistio: {version: \"1.31\"}\nclusters:\n";
  for (int c = 0; c < clusters; ++c)
    sc << "  - name: c" << c << "\n    network: net-" << c
       << "\n    nodes: 50\n    manifests: [c" << c << ".yaml]\n";
  sc << "traffic:\n";
  for (int t = 0; t < traffic; ++t) {
    const int from = (t * 7919) % services, to = (t * 104729 + 13) % services;
    const int c = t % clusters;
    sc << "  - name: t" << t << "\n    from: {cluster: c" << c
       << ", namespace: ns" << from / per_ns << ", workload: svc" << from
       << "}\n";
    if (t % 5 == 4) {
      sc << "    to: {pod: ns" << to / per_ns << "/svc" << to
         << ", port: 80}\n";
    } else {
      sc << "    to: {host: svc" << to << ".ns" << to / per_ns
         << ", port: 80}\n";
    }
    sc << "    http: {method: GET, path: /}\n    rate: " << rate
       << "\n    duration: " << duration << "s\n";
  }
  std::cout << "wrote " << (out / "scenario.yaml").string() << "\n";
  return 0;
}
