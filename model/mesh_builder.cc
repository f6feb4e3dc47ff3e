#include "model/mesh_builder.h"

#include <utility>

#include "model/labels.h"

namespace meshsim {

namespace {

// The listener of waypoints and east-west gateways (§2.4).
Listener HboneListener() {
  Listener l;
  l.name = "mesh";
  l.port = 15008;
  l.protocol = "HBONE";
  return l;
}

}  // namespace

MeshBuilder::MeshBuilder(std::string name) { mesh_.name = std::move(name); }

MeshBuilder& MeshBuilder::Istio(IstioVersion version,
                                Distribution distribution) {
  mesh_.istio.version = version;
  mesh_.istio.distribution = distribution;
  return *this;
}

MeshBuilder& MeshBuilder::Flag(const std::string& name,
                               const std::string& value) {
  mesh_.istio.flags[name] = value;
  return *this;
}

MeshBuilder& MeshBuilder::Cluster(const std::string& name,
                                  const std::string& network, int nodes) {
  meshsim::Cluster c;
  c.name = name;
  c.network = network;
  for (int i = 0; i < nodes; ++i)
    c.nodes.push_back({name + "-node-" + std::to_string(i), "", "", ""});
  mesh_.clusters.push_back(std::move(c));
  return *this;
}

meshsim::Cluster* MeshBuilder::current() {
  return mesh_.clusters.empty() ? nullptr : &mesh_.clusters.back();
}

meshsim::Cluster& MeshBuilder::Current() {
  // Objects before any Cluster() go into a default one, as a scenario
  // without `clusters:` would not load at all; a builder is more forgiving.
  if (mesh_.clusters.empty()) Cluster("cluster", "network");
  return mesh_.clusters.back();
}

MeshBuilder& MeshBuilder::Namespace(const std::string& name,
                                    const Labels& labels) {
  meshsim::Namespace& ns = Current().namespaces[name];
  ns.name = name;
  ns.labels = labels;
  ns.declared = true;
  return *this;
}

MeshBuilder& MeshBuilder::Deployment(const std::string& ns,
                                     const std::string& name, int replicas,
                                     const Labels& pod_labels,
                                     const std::string& service_account) {
  meshsim::Cluster& c = Current();
  if (!c.namespaces.count(ns)) c.namespaces[ns].name = ns;
  for (int i = 0; i < replicas; ++i) {
    Workload w;
    w.kind = "Pod";
    w.ns = ns;
    w.owner = name;
    w.owner_kind = "Deployment";
    w.name = name + "-" + std::to_string(i);
    w.labels = pod_labels;
    w.labels["app"] = name;
    w.service_account = service_account;
    c.workloads.push_back(std::move(w));
  }
  return *this;
}

MeshBuilder& MeshBuilder::Service(const std::string& ns,
                                  const std::string& name, int port,
                                  const Labels& labels,
                                  std::optional<Labels> selector) {
  meshsim::Service s;
  s.kind = "Service";
  s.ns = ns;
  s.name = name;
  s.labels = labels;
  s.selector = selector ? std::move(selector) : Labels{{"app", name}};
  ServicePort p;
  p.name = "http";
  p.port = port;
  s.ports.push_back(p);
  Current().services.push_back(std::move(s));
  return *this;
}

MeshBuilder& MeshBuilder::Waypoint(const std::string& ns,
                                   const std::string& name,
                                   const std::string& waypoint_for,
                                   const Labels& labels,
                                   const std::string& class_name) {
  Gateway gw;
  gw.ns = ns;
  gw.name = name;
  gw.class_name = class_name;
  gw.labels = labels;
  if (!waypoint_for.empty()) gw.labels[kLabelWaypointFor] = waypoint_for;
  gw.listeners.push_back(HboneListener());
  Current().gateways[gw.Key()] = std::move(gw);
  return *this;
}

MeshBuilder& MeshBuilder::IngressGateway(const std::string& ns,
                                         const std::string& name, int port) {
  Gateway gw;
  gw.ns = ns;
  gw.name = name;
  gw.class_name = "istio";
  Listener l;
  l.name = "http";
  l.port = port;
  l.protocol = "HTTP";
  l.allowed_from = "All";
  gw.listeners.push_back(l);
  Current().gateways[gw.Key()] = std::move(gw);
  return *this;
}

MeshBuilder& MeshBuilder::EastWestGateway(const std::string& network) {
  Gateway gw;
  gw.ns = "istio-system";
  gw.name = "istio-eastwestgateway";
  gw.class_name = "istio-east-west";
  gw.labels[kLabelNetwork] = network;
  gw.listeners.push_back(HboneListener());
  Current().gateways[gw.Key()] = std::move(gw);
  return *this;
}

MeshBuilder& MeshBuilder::Policy(AuthorizationPolicy policy) {
  Current().authorization_policies.push_back(std::move(policy));
  return *this;
}

MeshBuilder& MeshBuilder::PeerAuth(PeerAuthentication peer_authentication) {
  Current().peer_authentications.push_back(std::move(peer_authentication));
  return *this;
}

MeshBuilder& MeshBuilder::Route(HttpRoute route) {
  Current().routes.push_back(std::move(route));
  return *this;
}

Mesh MeshBuilder::Build(Diagnostics& diags) {
  Mesh mesh = std::move(mesh_);
  mesh_ = Mesh{};
  mesh_.name = mesh.name;
  mesh.Finalize(diags);
  return mesh;
}

}  // namespace meshsim
