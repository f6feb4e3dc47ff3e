// §7.1: which east-west Gateways istiod takes as a network's gateway
// (pilot/pkg/serviceregistry/ambient/networks.go,
// remoteK8sGatewayToNetworkGateways), and the warning for those it does not.
#include <string>

#include "model/labels.h"
#include "model/mesh.h"
#include "model/peering.h"

namespace meshsim {

std::string NetworkGatewayRefusal(const IstioSettings& istio, const Gateway& gw,
                                  std::optional<IstioVersion> reader) {
  if (PeeringEnabled(istio)) return "";  // §15.2: peering's own rules
  if (reader && !reader->AtLeast(1, 27))
    return "istiod " + reader->ToString() +
           " takes no east-west Gateway of another cluster as a network "
           "gateway (ambient multi-network arrived in 1.27)";
  if (!FindLabel(gw.labels, kLabelNetwork))
    return std::string("it has no ") + kLabelNetwork + " label";
  if (gw.class_name != "istio-east-west" &&
      istio.distribution != Distribution::kSolo)
    return "its class " + gw.class_name +
           " is the Solo distribution's; did you mean 'istio-east-west'?";
  bool terminating = false, on_15008 = false;
  int port = 0;
  for (const Listener& l : gw.listeners)
    if (l.protocol == "HBONE" && l.tls_mode == "Terminate") {
      terminating = true;
      on_15008 = on_15008 || l.port == 15008;
      port = l.port;
    }
  // networks.go sets no HBONE port for another cluster's gateway: ztunnel
  // dials it on 15008, and the generated Service exposes the listeners'
  // ports only.
  if (terminating && !on_15008)
    return "its HBONE listener is on port " + std::to_string(port) +
           ", but ztunnel dials another network's gateway on 15008";
  if (!terminating)
    return "it has no HBONE listener with tls.mode Terminate (add tls: "
           "{mode: Terminate, options: {gateway.istio.io/tls-terminate-mode: "
           "ISTIO_MUTUAL}} to its HBONE listener, as `istioctl multicluster "
           "expose` writes it)";
  if (gw.has_status && gw.status_addresses.empty())
    return "its status lists no address";
  if (gw.has_status && gw.status_ip_or_hostname == 0)
    return "its status lists no address of type IPAddress or Hostname "
           "(istiod skips the others)";
  return "";
}

// Called by Mesh::Finalize: a warning at each east-west Gateway istiod
// ignores, since requests to its network's endpoints from other networks
// then find no gateway (§7.2).
void WarnNetworkGateways(const IstioSettings& istio, const Cluster& c,
                         Diagnostics& diags) {
  for (const auto& [key, gw] : c.gateways) {
    if (gw.role != GatewayRole::kEastWest) continue;
    const std::string why = NetworkGatewayRefusal(istio, gw);
    if (!why.empty())
      diags.Warning(gw.location,
                    "east-west Gateway " + key + " in cluster " + c.name +
                        " is no network gateway for istiod: " + why +
                        "; other networks' requests to network " + gw.network +
                        " find no gateway (§7.1, §7.2)");
  }
}

}  // namespace meshsim
