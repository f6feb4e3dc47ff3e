// Building a Mesh in code: the programmatic twin of the manifest loaders
// (model/io), for tests, fuzz targets, benchmarks and tools. Objects are added
// to the current cluster (the last one named); Build() runs Mesh::Finalize,
// so capture, placement, addresses and indexes come out exactly as for a
// loaded mesh.
//
//   MeshBuilder b("shop");
//   b.Cluster("east", "net-east", 2)
//       .Namespace("shop", {{"istio.io/dataplane-mode", "ambient"}})
//       .Deployment("shop", "cart", 2)
//       .Service("shop", "cart", 80, {{"istio.io/use-waypoint", "waypoint"}})
//       .Waypoint("shop", "waypoint");
//   Diagnostics diags;
//   Mesh mesh = b.Build(diags);
//
// Names follow the controllers: a Deployment `cart` with 2 replicas has pods
// `cart-0` and `cart-1` labelled app=cart; a Service selects app=<name>
// unless given a selector.
#ifndef MESHSIM_MODEL_MESH_BUILDER_H_
#define MESHSIM_MODEL_MESH_BUILDER_H_

#include <optional>
#include <string>

#include "model/diagnostics.h"
#include "model/mesh.h"

namespace meshsim {

class MeshBuilder {
 public:
  explicit MeshBuilder(std::string name = "built in code");

  MeshBuilder& Istio(IstioVersion version,
                     Distribution distribution = Distribution::kCommunity);
  // An istiod feature flag, as a scenario's `istio.flags` sets it.
  MeshBuilder& Flag(const std::string& name, const std::string& value);

  // Starts a cluster with `nodes` nodes <name>-node-0..; later objects go
  // into it.
  MeshBuilder& Cluster(const std::string& name, const std::string& network,
                       int nodes = 2);
  MeshBuilder& Namespace(const std::string& name, const Labels& labels = {});
  // Pods <name>-0 .. <name>-(replicas-1) of a Deployment, labelled app=<name>
  // plus `pod_labels`, running as `service_account`.
  MeshBuilder& Deployment(const std::string& ns, const std::string& name,
                          int replicas = 1, const Labels& pod_labels = {},
                          const std::string& service_account = "default");
  // A ClusterIP Service with one TCP port named http; selects app=<name>
  // unless `selector` is given.
  MeshBuilder& Service(const std::string& ns, const std::string& name,
                       int port = 80, const Labels& labels = {},
                       std::optional<Labels> selector = std::nullopt);
  // A waypoint Gateway with the HBONE listener on 15008; `waypoint_for` is
  // the istio.io/waypoint-for label ("" leaves it unset: service).
  MeshBuilder& Waypoint(const std::string& ns, const std::string& name,
                        const std::string& waypoint_for = "",
                        const Labels& labels = {},
                        const std::string& class_name = "istio-waypoint");
  // An ingress Gateway (class istio) with one HTTP listener admitting routes
  // from all namespaces.
  MeshBuilder& IngressGateway(const std::string& ns, const std::string& name,
                              int port = 80);
  // The east-west gateway of `network` (istio-system/istio-eastwestgateway).
  MeshBuilder& EastWestGateway(const std::string& network);
  MeshBuilder& Policy(AuthorizationPolicy policy);
  MeshBuilder& PeerAuth(PeerAuthentication peer_authentication);
  MeshBuilder& Route(HttpRoute route);

  // The current cluster, for what the methods above do not cover; nullptr
  // before the first Cluster().
  meshsim::Cluster* current();

  // Finalizes and returns the mesh; diagnostics (e.g. duplicate objects) go
  // to `diags`. The builder is left empty.
  Mesh Build(Diagnostics& diags);

 private:
  meshsim::Cluster& Current();
  Mesh mesh_;
};

}  // namespace meshsim

#endif  // MESHSIM_MODEL_MESH_BUILDER_H_
