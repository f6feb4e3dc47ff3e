// Solo's peering multicluster, §15.2: segments, peers, export scope and the
// generated `autogen.*` ServiceEntries (Solo's platform/discovery/peering
// controller.go reconcileServiceEntryForSegment, watcher.go CalculateScope).
#include "model/peering.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/binding.h"
#include "model/labels.h"

namespace meshsim {

namespace {

constexpr char kDefaultSegment[] = "default";
constexpr char kRemoteClass[] = "istio-remote";
constexpr char kRemotePeerPrefix[] = "istio-remote-peer-";

const Labels kNoLabels;

const Labels& NamespaceLabelsOf(const Cluster& c, const std::string& ns) {
  const Namespace* n = c.FindNamespace(ns);
  return n ? n->labels : kNoLabels;
}

// §15.2: the cluster's Segment, from its system namespace's label.
std::string SegmentOf(const IstioSettings& istio, const Cluster& c) {
  const std::string* s =
      FindLabel(NamespaceLabelsOf(c, istio.root_namespace), kLabelSegment);
  return s && !s->empty() ? *s : kDefaultSegment;
}

// The peer a cluster's istio-remote Gateway links to: its
// topology.istio.io/cluster label, else the name istioctl gives it.
std::string PeerNameOf(const Gateway& gw) {
  if (const std::string* c = FindLabel(gw.labels, kLabelTopologyCluster))
    return *c;
  if (gw.name.rfind(kRemotePeerPrefix, 0) == 0)
    return gw.name.substr(sizeof(kRemotePeerPrefix) - 1);
  return "";
}

int ClusterIndex(const Mesh& mesh, const std::string& name) {
  for (size_t i = 0; i < mesh.clusters.size(); ++i)
    if (mesh.clusters[i].name == name) return static_cast<int>(i);
  return -1;
}

// solo.io/draining-weight as 0..100; a value over 100 (or not a number)
// counts as 0, as Solo's controller does, with a warning.
int DrainingWeight(const Gateway& gw, Diagnostics& diags) {
  const std::string* v = FindLabel(gw.annotations, kAnnotationDrainingWeight);
  if (!v) return 0;
  char* end = nullptr;
  long w = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || w < 0 || w > 100) {
    diags.Warning(gw.location, "Gateway " + gw.Key() + " has " +
                                   kAnnotationDrainingWeight + " '" + *v +
                                   "'; expected 0 to 100; Solo reads it as 0 "
                                   "(§15.2)");
    return 0;
  }
  return static_cast<int>(w);
}

// §15.2: the clusters `a` imports from. The scenario's `peers:` list, else
// the clusters its istio-remote Gateways link, else every other cluster.
std::vector<int> PeersOf(const Mesh& mesh, int ai, Diagnostics& diags) {
  const Cluster& a = mesh.clusters[ai];
  std::set<int> out;
  if (a.peers) {
    for (const std::string& name : *a.peers) {
      int pi = ClusterIndex(mesh, name);
      if (pi >= 0 && pi != ai) out.insert(pi);
    }
    return {out.begin(), out.end()};
  }
  bool any_remote = false;
  for (const auto& [key, gw] : a.gateways) {
    if (gw.class_name != kRemoteClass) continue;
    any_remote = true;
    const std::string name = PeerNameOf(gw);
    int pi = ClusterIndex(mesh, name);
    if (pi < 0 || pi == ai) {
      diags.Warning(
          gw.location,
          "istio-remote Gateway " + gw.Key() + " in cluster " + a.name +
              " links " +
              (name.empty() ? "no cluster (no " +
                                  std::string(kLabelTopologyCluster) + " label)"
                            : "cluster '" + name + "'") +
              ", which is not another cluster of the scenario; "
              "it peers nothing (§15.2)");
      continue;
    }
    const Cluster& p = mesh.clusters[pi];
    if (const std::string* net = FindLabel(gw.labels, kLabelNetwork);
        net && *net != p.network)
      diags.Warning(gw.location, "istio-remote Gateway " + gw.Key() +
                                     " says cluster " + p.name +
                                     " is on network " + *net +
                                     ", but the scenario puts it on " +
                                     p.network + "; the scenario's is used");
    out.insert(pi);
  }
  if (!any_remote)
    for (size_t i = 0; i < mesh.clusters.size(); ++i)
      if (static_cast<int>(i) != ai) out.insert(static_cast<int>(i));
  return {out.begin(), out.end()};
}

// The traffic distribution a peered ServiceEntry takes: the local Service's
// annotation, then its spec; without a local Service, the value every
// exporter agrees on; else PEERING_DISCOVERY_DEFAULT_TRAFFIC_DISTRIBUTION
// (PreferNetwork). Values normalise as istiod's GetTrafficDistribution.
std::string NormalizeDistribution(const std::string& v) {
  std::string l;
  for (char ch : v) l += static_cast<char>(std::tolower(ch));
  if (l == "preferclose" || l == "prefersamezone") return "PreferClose";
  if (l == "prefersamenode") return "PreferSameNode";
  if (l == "prefernetwork") return "PreferNetwork";
  if (l == "preferregion") return "PreferRegion";
  return "Any";
}

std::string DistributionOf(const Service& s) {
  if (const std::string* a =
          FindLabel(s.annotations, kAnnotationTrafficDistribution))
    return *a;
  return s.traffic_distribution;
}

struct Export {
  int cluster;
  const Service* svc;
};

// One imported service in an importing cluster: its exporters.
struct Group {
  std::string segment, domain, ns, name;
  std::vector<Export> exporters;
};

// solo.io/service-takeover, then global-only (watcher.go
// shouldTakeoverInternal): the local Service, then its Namespace, then an
// exporter.
bool Takeover(const Cluster& a, const Service* local, const Group& g,
              const Mesh& mesh) {
  auto explicit_value = [](const Labels& l) -> std::optional<bool> {
    const std::string* v = FindLabel(l, kLabelServiceTakeover);
    if (!v) return std::nullopt;
    return ParseGoBool(*v).value_or(false);
  };
  if (local)
    if (auto v = explicit_value(local->labels)) return *v;
  if (auto v = explicit_value(NamespaceLabelsOf(a, g.ns))) return *v;
  for (const Export& e : g.exporters)
    if (auto v = explicit_value(e.svc->labels)) return *v;
  if (local) return ServicePeerScope(a, *local).global_only;
  for (const Export& e : g.exporters)
    if (ServicePeerScope(mesh.clusters[e.cluster], *e.svc).global_only)
      return true;
  return false;
}

// Per cluster: the waypoints (ns/name) some exported Service there uses;
// their Services are exported too (isGlobalWaypoint).
using GlobalWaypoints = std::vector<std::set<std::string>>;

// Builds the ServiceEntry cluster `ai` gets for group `g`.
Service PeeredEntry(const Mesh& mesh, int ai, const Group& g,
                    const GlobalWaypoints& global_wps, Diagnostics& diags) {
  const Cluster& a = mesh.clusters[ai];
  const Service* local = a.FindService(g.ns + "/" + g.name);
  if (local && local->kind != "Service") local = nullptr;
  Service se;
  se.kind = "ServiceEntry";
  se.ns = g.ns;  // istiod treats it as living in the service's namespace
  // controller.go ServiceEntryName: the segment is in the name whenever it
  // is not the default one (in its own segment's clusters too).
  se.name = g.segment == kDefaultSegment
                ? "autogen." + g.ns + "." + g.name
                : "autogen." + g.segment + "." + g.ns + "." + g.name;
  se.hosts = {g.name + "." + g.ns + "." + g.domain};
  se.resolution = "STATIC";
  se.location_kind = "MESH_INTERNAL";
  const Service& model = local ? *local : *g.exporters.front().svc;
  se.ports = model.ports;
  se.location = model.location;
  if (local) {
    se.labels = local->labels;
    se.annotations = local->annotations;
    se.label_locations = local->label_locations;
  }
  // §15.2 (controller.go, "no local service, aggregate from remotes"):
  // without a local Service the entry takes istio.io/ingress-use-waypoint
  // from an exporter's Service that sets it (a safeguard for an ingress
  // cluster that does not run the service).
  if (!local)
    for (const Export& e : g.exporters) {
      const std::string* v = FindLabel(e.svc->labels, kLabelIngressUseWaypoint);
      if (v && ParseGoBool(*v).value_or(false)) {
        se.labels[kLabelIngressUseWaypoint] = "true";
        break;
      }
    }
  PeeredService p;
  p.service = g.ns + "/" + g.name;
  p.segment = g.segment;
  bool have_local_net = false;
  for (const Export& e : g.exporters) {
    const Cluster& ec = mesh.clusters[e.cluster];
    PeeredService::Exporter x;
    x.cluster = e.cluster;
    x.flat = ec.network == a.network &&
             mesh.istio.Flag("PEERING_ENABLE_FLAT_NETWORKS", true);
    Binding b = ServiceWaypoint(mesh, ec, *e.svc);
    if (b.status == BindingStatus::kAccepted) x.waypoint = b.waypoint->Key();
    if (e.cluster == ai) {
      have_local_net = true;
      se.selector = e.svc->selector;
    } else {
      have_local_net = have_local_net || x.flat;
      // Draining: A's istio-remote Gateway for the peer, or the peer's own
      // istio-eastwest Gateway; the larger counts.
      for (const auto& [key, gw] : a.gateways)
        if (gw.class_name == kRemoteClass && PeerNameOf(gw) == ec.name)
          x.draining = std::max(x.draining, DrainingWeight(gw, diags));
      for (const auto& [key, gw] : ec.gateways)
        if (gw.role == GatewayRole::kEastWest)
          x.draining = std::max(x.draining, DrainingWeight(gw, diags));
    }
    p.exporters.push_back(x);
  }
  // §15.2 waypoints: any remote exporter's waypoint marks the entry; the
  // first one (in cluster order) becomes the global waypoint when the
  // service has an instance on A's network and A does not name another
  // waypoint or none.
  std::string remote_wp;
  for (const PeeredService::Exporter& x : p.exporters)
    if (x.cluster != ai && !x.waypoint.empty()) {
      remote_wp = x.waypoint;
      break;
    }
  if (!remote_wp.empty()) {
    se.labels[kLabelRemoteWaypoint] = "true";
    const std::string* own =
        local ? FindLabel(local->labels, kLabelUseWaypoint) : nullptr;
    const Labels* holder = local ? &local->labels : nullptr;
    if (!own) {
      own = FindLabel(NamespaceLabelsOf(a, g.ns), kLabelUseWaypoint);
      holder = &NamespaceLabelsOf(a, g.ns);
    }
    bool overrides = false;
    if (own) {
      const std::string* wns = FindLabel(*holder, kLabelUseWaypointNamespace);
      overrides =
          *own == "none" || (wns ? *wns : g.ns) + "/" + *own != remote_wp;
    }
    if (have_local_net && !overrides) {
      p.global_waypoint = remote_wp;
      const size_t slash = remote_wp.find('/');
      se.labels[kLabelUseGlobalWaypoint] = remote_wp.substr(slash + 1) + "." +
                                           remote_wp.substr(0, slash) + "." +
                                           g.domain;
      // Its peered copy: the same-named waypoint's pods in this cluster and
      // in flat peers, where a peered service uses it; other networks'
      // waypoints are never peered.
      if (global_wps[ai].count(remote_wp)) p.waypoint_clusters.push_back(ai);
      for (int pi : a.peer_clusters)
        if (mesh.clusters[pi].network == a.network &&
            mesh.istio.Flag("PEERING_ENABLE_FLAT_NETWORKS", true) &&
            global_wps[pi].count(remote_wp))
          p.waypoint_clusters.push_back(pi);
      std::sort(p.waypoint_clusters.begin(), p.waypoint_clusters.end());
    }
  }
  // Traffic distribution.
  std::string td;
  if (local && !DistributionOf(*local).empty()) {
    td = DistributionOf(*local);
    p.distribution_source = "service " + local->Key() + " in cluster " + a.name;
  } else if (!local) {
    std::set<std::string> seen;
    for (const Export& e : g.exporters) seen.insert(DistributionOf(*e.svc));
    if (seen.size() == 1 && !seen.begin()->empty()) {
      td = *seen.begin();
      p.distribution_source = "every exporting Service";
    }
  }
  if (td.empty()) {
    auto it =
        mesh.istio.flags.find("PEERING_DISCOVERY_DEFAULT_TRAFFIC_DISTRIBUTION");
    td = it != mesh.istio.flags.end() ? it->second : "PreferNetwork";
    p.distribution_source = "the peering default";
  }
  se.traffic_distribution = NormalizeDistribution(td);
  // Takeover without a local Service: the entry answers the cluster.local
  // name too (with one, ApplyPeering links the Service instead).
  if (!local && g.segment == a.segment && Takeover(a, nullptr, g, mesh))
    se.hosts.push_back(g.name + "." + g.ns + ".svc.cluster.local");
  se.peered = std::move(p);
  return se;
}

}  // namespace

bool PeeringEnabled(const IstioSettings& istio) {
  return istio.distribution == Distribution::kSolo &&
         istio.Flag("ENABLE_PEERING_DISCOVERY", false);
}

PeerScope ServicePeerScope(const Cluster& cluster, const Service& svc) {
  PeerScope out;
  if (svc.kind != "Service") return out;
  if (const std::string* v = FindLabel(svc.labels, kLabelServiceScope)) {
    out.value = *v;
    out.from = "service";
    auto it = svc.label_locations.find(kLabelServiceScope);
    if (it != svc.label_locations.end()) out.location = it->second;
  } else if (const Namespace* n = cluster.FindNamespace(svc.ns)) {
    if (const std::string* nv = FindLabel(n->labels, kLabelServiceScope)) {
      out.value = *nv;
      out.from = "namespace";
      out.location = n->location;
    }
  }
  const std::string& v = out.value;
  out.global_only = v == "global-only";
  out.segment_only = v == "segment";
  out.exported = v == "global" || v == "segment" || v == "global-only";
  out.known = out.exported || v.empty() || v == "cluster" || v == "local";
  return out;
}

std::string SegmentDomain(const IstioSettings& istio, const Cluster& cluster,
                          const std::string& segment) {
  if (segment == kDefaultSegment) {
    auto it = istio.flags.find("PEERING_DISCOVERY_SUFFIX");
    return it != istio.flags.end() ? it->second : "mesh.internal";
  }
  auto it = cluster.segments.find(segment);
  return it == cluster.segments.end() ? "" : it->second.domain;
}

bool IsPeeringHost(const Mesh& mesh, const std::string& host) {
  auto ends_with = [&](const std::string& domain) {
    return !domain.empty() && host.size() > domain.size() + 1 &&
           host.compare(host.size() - domain.size(), domain.size(), domain) ==
               0 &&
           host[host.size() - domain.size() - 1] == '.';
  };
  if (ends_with(SegmentDomain(mesh.istio, Cluster{}, kDefaultSegment)))
    return true;
  for (const Cluster& c : mesh.clusters)
    for (const auto& [name, seg] : c.segments)
      if (ends_with(seg.domain)) return true;
  return false;
}

void ApplyPeering(Mesh& mesh, Diagnostics& diags) {
  const size_t n = mesh.clusters.size();
  for (Cluster& c : mesh.clusters) {
    c.segment = SegmentOf(mesh.istio, c);
    if (SegmentDomain(mesh.istio, c, c.segment).empty()) {
      const Namespace* sys = c.FindNamespace(mesh.istio.root_namespace);
      diags.Error(sys ? sys->location : c.location,
                  "cluster " + c.name + " joins Segment '" + c.segment +
                      "' (label " + kLabelSegment + " on namespace " +
                      mesh.istio.root_namespace +
                      "), but no Segment object of that name "
                      "(admin.solo.io/v1alpha1) gives its domain (§15.2)");
    }
  }
  for (size_t ai = 0; ai < n; ++ai)
    mesh.clusters[ai].peer_clusters =
        PeersOf(mesh, static_cast<int>(ai), diags);

  GlobalWaypoints global_wps(n);
  for (size_t ci = 0; ci < n; ++ci) {
    const Cluster& c = mesh.clusters[ci];
    for (const Service& s : c.services) {
      if (!ServicePeerScope(c, s).exported) continue;
      Binding b = ServiceWaypoint(mesh, c, s);
      if (b.status == BindingStatus::kAccepted)
        global_wps[ci].insert(b.waypoint->Key());
    }
  }
  std::vector<std::vector<Service>> added(n);
  std::vector<std::vector<std::pair<std::string, int>>> takeovers(n);
  for (size_t ai = 0; ai < n; ++ai) {
    const Cluster& a = mesh.clusters[ai];
    const std::string own_domain = SegmentDomain(mesh.istio, a, a.segment);
    // Exporters by (segment, namespace, name): this cluster, then its peers.
    std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
    std::vector<int> sources = {static_cast<int>(ai)};
    for (int pi : a.peer_clusters) sources.push_back(pi);
    std::sort(sources.begin(), sources.end());
    for (int bi : sources) {
      const Cluster& b = mesh.clusters[bi];
      std::string domain = SegmentDomain(mesh.istio, b, b.segment);
      if (b.segment != a.segment) {
        // validatePeerSegment: the importer must know the peer's Segment,
        // with the same domain.
        if (SegmentDomain(mesh.istio, a, b.segment) != domain || domain.empty())
          continue;
      }
      for (const Service& s : b.services) {
        if (s.kind != "Service" || s.peered) continue;
        PeerScope scope = ServicePeerScope(b, s);
        if (!scope.exported) continue;
        if (scope.segment_only && b.segment != a.segment) continue;
        Group& g = groups[{b.segment, s.ns, s.name}];
        g.segment = b.segment;
        g.domain = b.segment == a.segment ? own_domain : domain;
        g.ns = s.ns;
        g.name = s.name;
        g.exporters.push_back({bi, &s});
      }
    }
    for (const auto& [key, g] : groups) {
      Service se =
          PeeredEntry(mesh, static_cast<int>(ai), g, global_wps, diags);
      const Service* local = a.FindService(g.ns + "/" + g.name);
      if (local && local->kind == "Service" && g.segment == a.segment &&
          Takeover(a, local, g, mesh)) {
        for (const Export& e : g.exporters)
          if (e.cluster != static_cast<int>(ai))
            takeovers[ai].push_back({g.ns + "/" + g.name, e.cluster});
      }
      added[ai].push_back(std::move(se));
    }
  }
  for (size_t ai = 0; ai < n; ++ai) {
    Cluster& a = mesh.clusters[ai];
    for (auto& [key, ci] : takeovers[ai])
      for (Service& s : a.services)
        if (s.kind == "Service" && s.Key() == key)
          s.takeover_from.push_back(ci);
    for (Service& se : added[ai]) a.services.push_back(std::move(se));
  }
}

unsigned PeerCapacity(size_t pods) {
  if (pods == 0) return 0;
  unsigned b = 1;
  while (b < 2048 && b * 2 <= pods) b *= 2;
  return b;
}

}  // namespace meshsim
