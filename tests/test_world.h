// Small builders for test worlds: each returns one Kubernetes object as YAML,
// to be placed in a scenario's inline `resources`. A test composes a mesh in a
// few lines and runs it through the same loader users run.
//
//   World w;
//   w.Add("east", Ns("shop", {{"istio.io/dataplane-mode", "ambient"}}));
//   w.Add("east", Deploy("shop", "cart", 2));
//   w.Traffic("t", "{cluster: east, namespace: shop, workload: cart}", "{host:
//   cart, port: 80}"); Scenario s = w.Load();
#ifndef MESHSIM_TESTS_TEST_WORLD_H_
#define MESHSIM_TESTS_TEST_WORLD_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/io/loader.h"

namespace meshsim::testing {

using KV = std::map<std::string, std::string>;

// The whole of a file ("" when it cannot be read).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string LabelsYaml(const KV& labels, int indent) {
  if (labels.empty()) return "";
  std::string pad(indent, ' ');
  std::string out = pad + "labels:\n";
  for (const auto& [k, v] : labels) out += pad + "  " + k + ": \"" + v + "\"\n";
  return out;
}

inline std::string Ns(const std::string& name, const KV& labels = {}) {
  return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n" +
         LabelsYaml(labels, 2);
}

inline std::string Ambient() { return "istio.io/dataplane-mode"; }

// A Deployment whose pods carry app=<name> plus `pod_labels`.
inline std::string Deploy(const std::string& ns, const std::string& name,
                          int replicas = 1, const KV& pod_labels = {},
                          const std::string& extra_spec = "") {
  KV labels = pod_labels;
  labels["app"] = name;
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns +
         "\nspec:\n  replicas: " + std::to_string(replicas) +
         "\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n" + LabelsYaml(labels, 6) +
         "    spec:\n" + extra_spec +
         "      containers:\n      - name: app\n        image: x\n";
}

inline std::string Svc(const std::string& ns, const std::string& name,
                       int port = 80, const KV& labels = {},
                       const std::string& extra_spec = "",
                       const std::string& selector_app = "") {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns + "\n" + LabelsYaml(labels, 2) +
         "spec:\n  selector:\n    app: " +
         (selector_app.empty() ? name : selector_app) +
         "\n  ports:\n  - port: " + std::to_string(port) +
         "\n    name: http\n" + extra_spec;
}

// A waypoint Gateway (class istio-waypoint unless given).
inline std::string Waypoint(const std::string& ns, const std::string& name,
                            const std::string& waypoint_for = "",
                            const std::string& allowed_routes = "",
                            const std::string& cls = "istio-waypoint",
                            const std::string& status = "",
                            const KV& extra_labels = {}) {
  KV labels = extra_labels;
  if (!waypoint_for.empty()) labels["istio.io/waypoint-for"] = waypoint_for;
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n "
         " name: " +
         name + "\n  namespace: " + ns + "\n" + LabelsYaml(labels, 2) +
         "spec:\n  gatewayClassName: " + cls +
         "\n  listeners:\n  - name: mesh\n    port: 15008\n    protocol: "
         "HBONE\n" +
         allowed_routes + status;
}

inline std::string EastWest(const std::string& network) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n "
         " name: "
         "istio-eastwestgateway\n  namespace: istio-system\n  labels:\n    "
         "topology.istio.io/network: " +
         network +
         "\nspec:\n  gatewayClassName: istio-east-west\n  listeners:\n  - "
         "name: mesh\n    port: "
         "15008\n    protocol: HBONE\n    tls:\n      mode: Terminate\n"
         "      options:\n        gateway.istio.io/tls-terminate-mode: "
         "ISTIO_MUTUAL\n";
}

inline std::string Ingress(const std::string& ns, const std::string& name,
                           int port = 80) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n "
         " name: " +
         name + "\n  namespace: " + ns +
         "\nspec:\n  gatewayClassName: istio\n  listeners:\n  - name: "
         "http\n    port: " +
         std::to_string(port) +
         "\n    protocol: HTTP\n    allowedRoutes:\n      namespaces:\n  "
         "      from: All\n";
}

inline std::string IngressRoute(const std::string& ns, const std::string& name,
                                const std::string& gw_ns, const std::string& gw,
                                const std::string& backend, int port) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: "
         "HTTPRoute\nmetadata:\n  name: " +
         name + "\n  namespace: " + ns +
         "\nspec:\n  parentRefs:\n  - name: " + gw +
         "\n    namespace: " + gw_ns +
         "\n  rules:\n  - backendRefs:\n    - name: " + backend +
         "\n      port: " + std::to_string(port) + "\n";
}

class World {
 public:
  explicit World(std::string istio = "") : istio_(std::move(istio)) {}

  World& Cluster(const std::string& name, const std::string& network,
                 int nodes = 2) {
    order_.push_back(name);
    networks_[name] = network;
    nodes_[name] = nodes;
    return *this;
  }
  // The cluster's own `istio` settings (e.g. "{version: \"1.29\"}").
  World& ClusterIstio(const std::string& cluster, const std::string& istio) {
    cluster_istio_[cluster] = istio;
    return *this;
  }
  World& Add(const std::string& cluster, const std::string& object_yaml) {
    if (!networks_.count(cluster)) Cluster(cluster, cluster);
    objects_[cluster].push_back(object_yaml);
    return *this;
  }
  World& Traffic(const std::string& name, const std::string& from,
                 const std::string& to, const std::string& http = "") {
    traffic_ +=
        "- name: " + name + "\n  from: " + from + "\n  to: " + to + "\n";
    if (!http.empty()) traffic_ += "  http: " + http + "\n";
    return *this;
  }

  std::string Text() const {
    std::ostringstream s;
    s << "name: test world\n";
    if (!istio_.empty()) s << "istio: " << istio_ << "\n";
    s << "clusters:\n";
    for (const std::string& c : order_) {
      s << "- name: " << c << "\n  network: " << networks_.at(c)
        << "\n  nodes: " << nodes_.at(c) << "\n";
      if (auto ci = cluster_istio_.find(c); ci != cluster_istio_.end())
        s << "  istio: " << ci->second << "\n";
      s << "  resources:";
      auto it = objects_.find(c);
      s << (it == objects_.end() ? " []\n" : "\n");
      if (it == objects_.end()) continue;
      for (const std::string& obj : it->second) {
        // Indent the object as a list item under resources.
        std::istringstream in(obj);
        std::string line;
        bool first = true;
        while (std::getline(in, line)) {
          s << (first ? "  - " : "    ") << line << "\n";
          first = false;
        }
      }
    }
    s << "traffic:\n" << traffic_;
    return s.str();
  }

  Scenario Load(Diagnostics* out_diags = nullptr) const {
    Diagnostics diags;
    std::optional<Scenario> sc =
        LoadScenarioText(Text(), "world.yaml", ".", diags);
    if (out_diags) *out_diags = diags;
    if (!sc || diags.HasErrors()) {
      std::ostringstream msg;
      diags.Print(msg);
      ADD_FAILURE() << "world failed to load:\n" << msg.str() << "\n" << Text();
      return Scenario{};
    }
    return *sc;
  }

 private:
  std::string istio_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> networks_;
  std::map<std::string, std::string> cluster_istio_;
  std::map<std::string, int> nodes_;
  std::map<std::string, std::vector<std::string>> objects_;
  std::string traffic_;
};

// An istio-ingressgateway Deployment (label istio: ingressgateway) in
// istio-system of cluster east, and its Service mapping 80 -> 8080: the
// Router Istio Gateways select (§16.3).
inline void AddIngressGateway(World& w) {
  w.Add("east", Ns("istio-system"));
  w.Add("east", Deploy("istio-system", "istio-ingressgateway", 1,
                       {{"istio", "ingressgateway"}}));
  w.Add("east",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: "
        "istio-ingressgateway\n  namespace: istio-system\nspec:\n  selector:\n"
        "    istio: ingressgateway\n  ports:\n  - name: http2\n    port: 80\n"
        "    targetPort: 8080\n");
}

// An Istio Gateway (networking.istio.io) shop/gw selecting the classic
// ingress gateway's pods, one HTTP server on port 80 for `hosts` (a YAML
// list).
inline std::string IstioGatewayShopGw(const std::string& hosts = "[\"*\"]") {
  return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
         "  name: gw\n  namespace: shop\nspec:\n  selector:\n"
         "    istio: ingressgateway\n  servers:\n"
         "  - port: {number: 80, name: http, protocol: HTTP}\n"
         "    hosts: " +
         hosts + "\n";
}

// A VirtualService `name` bound to shop/gw for `hosts` (a YAML list),
// sending every request to cart:80.
inline std::string VirtualServiceToCart(const std::string& name,
                                        const std::string& hosts) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
         "metadata:\n  name: " +
         name + "\n  namespace: shop\nspec:\n  hosts: " + hosts +
         "\n  gateways: [gw]\n  http:\n"
         "  - route:\n    - destination: {host: cart, port: {number: 80}}\n";
}

// ShopWorld's client and destination as a traffic entry's `from` and `to`.
inline constexpr char kFromCurl[] =
    "{cluster: east, namespace: client, workload: curl}";
inline constexpr char kToCart[] =
    "{host: cart.shop.svc.cluster.local, port: 80}";

// An ambient client namespace with Deployment curl, and namespace shop with
// Deployment and Service cart (port 80).
inline World ShopWorld(const KV& shop_ns_labels = {{Ambient(), "ambient"}},
                       const KV& cart_svc_labels = {},
                       const KV& cart_pod_labels = {},
                       const std::string& istio = "") {
  World w(istio);
  w.Cluster("east", "net-east", 2);
  w.Add("east", Ns("client", {{Ambient(), "ambient"}}));
  w.Add("east", Deploy("client", "curl"));
  w.Add("east", Ns("shop", shop_ns_labels));
  w.Add("east", Deploy("shop", "cart", 1, cart_pod_labels));
  w.Add("east", Svc("shop", "cart", 80, cart_svc_labels));
  return w;
}

}  // namespace meshsim::testing

#endif  // MESHSIM_TESTS_TEST_WORLD_H_
