// discovery.k8s.io/v1 EndpointSlice and core v1 Endpoints (§3.4): the
// endpoints of a Service that has no selector (an external database, a VM,
// the API server). The schema has checked the shapes
// (data/schemas/kubernetes.json); this reads what istiod reads
// (endpointSlicesBuilder, matchingServicesWithoutSelectors) and what the
// EndpointSlice mirroring controller makes of an Endpoints object.
#include <arpa/inet.h>

#include <set>
#include <string>
#include <vector>

#include "model/io/kinds.h"

namespace meshsim::io {
namespace {

constexpr char kLabelServiceName[] = "kubernetes.io/service-name";
constexpr char kLabelSkipMirror[] = "endpointslice.kubernetes.io/skip-mirror";
constexpr char kLabelManagedBy[] = "endpointslice.kubernetes.io/managed-by";
constexpr char kMirroringController[] =
    "endpointslicemirroring-controller.k8s.io";

// What one object (a slice, or an Endpoints subset) gives every endpoint.
struct SliceSource {
  std::string service;
  std::vector<ContainerPort> ports;  // the named TCP ports
  bool mirrored = false;
  std::set<std::string> addresses;  // seen, per object
};

// The ports istiod keeps: TCP ones. The API server defaults a port's name
// to "" and its protocol to TCP (SetDefaults_EndpointPort; mirroring
// copies an Endpoints port's name, "" included).
void ReadPorts(Reader& r, const yaml::Node& list, const std::string& what,
               SliceSource& src) {
  if (!list.IsDefined() || !r.IsList(list, what)) return;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item = what + "[" + std::to_string(i) + "]";
    if (!r.IsMap(list[i], item)) continue;
    auto name = r.String(r.Child(list[i], "name"), item + ".name");
    auto port = r.Int(r.Child(list[i], "port"), item + ".port", 1, 65535);
    const std::string protocol =
        r.String(r.Child(list[i], "protocol"), item + ".protocol")
            .value_or("TCP");
    if (!port || protocol != "TCP") continue;
    src.ports.push_back({name.value_or(""), static_cast<int>(*port)});
  }
}

// One endpoint: a pod named by targetRef, else a host-network workload.
void AddEndpoint(Reader& r, const ObjectHeader& h, const yaml::Node& at,
                 const std::string& address, bool ready,
                 const yaml::Node& target_ref, const std::string& what,
                 SliceSource& src, Cluster& cluster) {
  if (target_ref.IsMap() &&
      r.String(r.Child(target_ref, "kind"), what + ".targetRef.kind")
              .value_or("") == "Pod") {
    // istiod finds the pod by kind, namespace, name and uid
    // (matchingServicesWithoutSelectors); Envoy's EDS by namespace and
    // name: a targetRef without them names no pod.
    const std::string name =
        r.String(r.Child(target_ref, "name"), what + ".targetRef.name")
            .value_or("");
    const auto ns = r.String(r.Child(target_ref, "namespace"),
                             what + ".targetRef.namespace");
    if (name.empty() || !ns) {
      r.Warning(target_ref,
                what + ".targetRef names a Pod without " +
                    (name.empty() ? "a name" : "a namespace") +
                    ": istiod matches a pod by namespace and name, so the "
                    "endpoint reaches no pod (write namespace: " +
                    h.ns + ") (§3.4)");
      return;
    }
    cluster.slice_pod_refs.push_back(
        {h.ns, src.service, *ns + "/" + name, src.mirrored, r.Loc(at)});
    return;
  }
  if (!IsIpAddress(address)) {
    r.Warning(at, what + ": '" + address +
                      "' is not an IP address: istiod skips the endpoint "
                      "(§3.4)");
    return;
  }
  if (!src.addresses.insert(address).second) {
    r.Warning(
        at,
        what + ": address " + address +
            " is listed twice in this object: meshsim keeps the first (§3.4)");
    return;
  }
  Workload w;
  w.kind = "EndpointSlice";
  w.ns = h.ns;
  w.name = h.name + "@" + address;
  w.owner = w.name;
  w.owner_kind = "EndpointSlice";
  w.service_account.clear();  // istiod knows none
  w.ip = address;
  w.host_network = true;
  w.ready = ready;
  w.ports = src.ports;
  w.slice_service = src.service;
  w.slice_mirrored = src.mirrored;
  w.location = r.Loc(at);
  cluster.workloads.push_back(std::move(w));
}

}  // namespace

void LoadEndpointSlice(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                       Cluster& cluster, ManifestSink& sink) {
  SliceSource src;
  const std::string* svc = FindLabel(h.labels, kLabelServiceName);
  if (!svc) {
    r.Warning(obj, h.what + " has no label " + kLabelServiceName +
                       ": istiod reads only a Service's slices, so it is "
                       "ignored (§3.4)");
    return;
  }
  src.service = *svc;
  if (const std::string* by = FindLabel(h.labels, kLabelManagedBy);
      by && *by == kMirroringController)
    cluster.mirror_managed_services.insert(h.ns + "/" + *svc);
  const std::string type =
      r.String(r.Child(obj, "addressType"), h.what + ": addressType")
          .value_or("");
  if (type == "FQDN") {
    r.Warning(r.Child(obj, "addressType"),
              h.what + ": istiod ignores slices of addressType FQDN (§3.4)");
    return;
  }
  ReadPorts(r, r.Child(obj, "ports"), h.what + ": ports", src);
  const yaml::Node eps = r.Child(obj, "endpoints");
  if (!eps.IsDefined() || !r.IsList(eps, h.what + ": endpoints")) return;
  if (!CountPods(r, h, obj, eps.size(), sink.declared_pods, sink)) return;
  for (size_t i = 0; i < eps.size(); ++i) {
    const std::string what = h.what + ": endpoints[" + std::to_string(i) + "]";
    if (!r.IsMap(eps[i], what)) continue;
    auto addresses =
        r.StringList(r.Child(eps[i], "addresses"), what + ".addresses");
    if (!addresses || addresses->empty()) continue;
    // A ready condition that is absent counts as ready.
    const bool ready = r.Bool(r.Child(r.Child(eps[i], "conditions"), "ready"),
                              what + ".conditions.ready")
                           .value_or(true);
    // Kubernetes sets one address per endpoint; istiod reads the first.
    AddEndpoint(r, h, eps[i], addresses->front(), ready,
                r.Child(eps[i], "targetRef"), what, src, cluster);
  }
}

void LoadEndpoints(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                   Cluster& cluster, ManifestSink& sink) {
  if (const std::string* skip = FindLabel(h.labels, kLabelSkipMirror);
      skip && *skip == "true")
    return;  // not mirrored: no slice, nothing istiod reads
  const yaml::Node subsets = r.Child(obj, "subsets");
  if (!subsets.IsDefined() || !r.IsList(subsets, h.what + ": subsets")) return;
  std::set<std::string> seen;  // an address once per object (its name)
  for (size_t s = 0; s < subsets.size(); ++s) {
    const std::string what = h.what + ": subsets[" + std::to_string(s) + "]";
    if (!r.IsMap(subsets[s], what)) continue;
    SliceSource src;
    src.addresses = seen;
    src.service = h.name;  // the mirrored slice's service-name label
    src.mirrored = true;
    ReadPorts(r, r.Child(subsets[s], "ports"), what + ".ports", src);
    for (const auto& [key, ready] :
         {std::pair<const char*, bool>{"addresses", true},
          {"notReadyAddresses", false}}) {
      const yaml::Node list = r.Child(subsets[s], key);
      if (!list.IsDefined() || !r.IsList(list, what + "." + key)) continue;
      if (!CountPods(r, h, obj, list.size(), sink.declared_pods, sink)) return;
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string item =
            what + "." + key + "[" + std::to_string(i) + "]";
        if (!r.IsMap(list[i], item)) continue;
        const std::string ip =
            r.String(r.Child(list[i], "ip"), item + ".ip").value_or("");
        AddEndpoint(r, h, list[i], ip, ready, r.Child(list[i], "targetRef"),
                    item, src, cluster);
      }
    }
    seen = src.addresses;
  }
}

}  // namespace meshsim::io
