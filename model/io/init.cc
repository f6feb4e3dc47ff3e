#include "model/io/init.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "model/io/files.h"
#include "model/io/yaml_reader.h"
#include "model/labels.h"
#include "model/mesh.h"

namespace meshsim::io {

namespace fs = std::filesystem;

namespace {

struct NodeInfo {
  std::string name, zone, region, subzone;
};

// What one cluster's dump says.
// A Service of the dump and its first port, for a suggested traffic entry.
struct ServiceInfo {
  std::string ns, name;
  int port = 0;
  bool http = false;  // port name http*/grpc*, or appProtocol http*
  std::map<std::string, std::string> selector;
};

// A workload controller of the dump: a possible client.
struct WorkloadInfo {
  std::string ns, name;
  std::map<std::string, std::string> labels;  // its pod template's
};

struct ClusterFacts {
  std::string network;
  std::vector<NodeInfo> nodes;
  std::string istiod_image;
  std::map<std::string, std::string> flags;
  std::vector<ServiceInfo> services;
  std::vector<WorkloadInfo> workloads;
  // East-west gateways (§7.1): "ns/name" and the network label they carry
  // ("" = the cluster's network).
  struct EastWest {
    std::string key, network;  // network: its label, "" without one
    std::string refusal;       // why istiod ignores it (NetworkGatewayRefusal)
  };
  std::vector<EastWest> east_west;
  size_t objects = 0;
};

// Namespaces whose objects are the platform's, not the application's.
bool SystemNamespace(const std::string& ns) {
  return ns == "istio-system" || ns == "kube-system" || ns == "kube-public" ||
         ns == "kube-node-lease" || ns.empty();
}

std::map<std::string, std::string> StringMap(const yaml::Node& n) {
  std::map<std::string, std::string> out;
  if (n.IsDefined() && n.IsMap())
    for (const auto& kv : n)
      if (kv.first.IsScalar() && kv.second.IsScalar())
        out[kv.first.Scalar()] = kv.second.Scalar();
  return out;
}

std::string Label(const yaml::Node& obj, const char* key) {
  return obj["metadata"]["labels"][key].Scalar();
}

// istiod's container: "discovery", else the first.
void ReadIstiod(const yaml::Node& obj, ClusterFacts& f) {
  yaml::Node containers = obj["spec"]["template"]["spec"]["containers"];
  if (!containers.IsSequence() || containers.size() == 0) return;
  yaml::Node c = containers[0];
  for (const yaml::Node& x : containers)
    if (x.IsMap() && x["name"].Scalar() == "discovery") c = x;
  if (!c.IsMap()) return;
  f.istiod_image = c["image"].Scalar();
  yaml::Node env = c["env"];
  if (!env.IsSequence()) return;
  for (const yaml::Node& e : env) {
    if (!e.IsMap()) continue;
    const std::string name = e["name"].Scalar();
    std::string value = e["value"].Scalar();
    std::transform(value.begin(), value.end(), value.begin(), ::tolower);
    // istiod's feature flags are booleans; other settings are left out.
    if (!name.empty() && (value == "true" || value == "false"))
      f.flags[name] = value;
  }
}

void Observe(const yaml::Node& obj, ClusterFacts& f) {
  if (!obj.IsMap()) return;
  ++f.objects;
  const std::string kind = obj["kind"].Scalar();
  const std::string name = obj["metadata"]["name"].Scalar();
  const std::string ns = obj["metadata"]["namespace"].Scalar();
  if (kind == "Node") {
    NodeInfo n{name, Label(obj, "topology.kubernetes.io/zone"),
               Label(obj, "topology.kubernetes.io/region"),
               Label(obj, "topology.istio.io/subzone")};
    if (n.zone.empty())
      n.zone = Label(obj, "failure-domain.beta.kubernetes.io/zone");
    if (n.region.empty())
      n.region = Label(obj, "failure-domain.beta.kubernetes.io/region");
    if (!name.empty()) f.nodes.push_back(n);
  } else if (kind == "Gateway" &&
             obj["apiVersion"].Scalar().rfind("gateway.networking.k8s.io/",
                                              0) == 0 &&
             (obj["spec"]["gatewayClassName"].Scalar() == "istio-east-west" ||
              obj["spec"]["gatewayClassName"].Scalar() == "istio-eastwest")) {
    // §7.1: class istio-east-west (Solo: istio-eastwest); what istiod
    // requires of it, as the model states it.
    Gateway gw;
    gw.class_name = obj["spec"]["gatewayClassName"].Scalar();
    gw.role = GatewayRole::kEastWest;
    const std::string net = Label(obj, kLabelNetwork);
    if (!net.empty()) gw.labels[kLabelNetwork] = net;
    for (const yaml::Node& l : obj["spec"]["listeners"]) {
      Listener li;
      li.protocol = l["protocol"].Scalar();
      li.port = std::atoi(l["port"].Scalar().c_str());
      if (l["tls"].IsMap())
        li.tls_mode = l["tls"]["mode"].Scalar().empty()
                          ? "Terminate"
                          : l["tls"]["mode"].Scalar();
      gw.listeners.push_back(li);
    }
    gw.has_status = obj["status"].IsMap();
    for (const yaml::Node& a : obj["status"]["addresses"])
      gw.status_addresses.push_back(a["value"].Scalar());
    f.east_west.push_back(
        {ns + "/" + name, net, NetworkGatewayRefusal(IstioSettings{}, gw)});
  } else if (kind == "Namespace" && name == "istio-system") {
    f.network = Label(obj, "topology.istio.io/network");
  } else if (kind == "Deployment" && ns == "istio-system" &&
             name.rfind("istiod", 0) == 0 && f.istiod_image.empty()) {
    ReadIstiod(obj, f);
  } else if (kind == "Service" && !SystemNamespace(ns) && !name.empty()) {
    yaml::Node ports = obj["spec"]["ports"];
    if (!ports.IsSequence() || ports.size() == 0 || !ports[0].IsMap()) return;
    ServiceInfo si{ns, name, 0, false, StringMap(obj["spec"]["selector"])};
    try {
      si.port = std::stoi(ports[0]["port"].Scalar());
    } catch (const std::exception&) {
      return;
    }
    const std::string pname = ports[0]["name"].Scalar();
    const std::string proto = ports[0]["appProtocol"].Scalar();
    si.http = pname.rfind("http", 0) == 0 || proto.rfind("http", 0) == 0;
    // A gateway's own Service is not an application's.
    if (Label(obj, "gateway.networking.k8s.io/gateway-name").empty())
      f.services.push_back(std::move(si));
  } else if ((kind == "Deployment" || kind == "StatefulSet") &&
             !SystemNamespace(ns) && !name.empty() &&
             Label(obj, "gateway.networking.k8s.io/gateway-name").empty()) {
    f.workloads.push_back(
        {ns, name, StringMap(obj["spec"]["template"]["metadata"]["labels"])});
  }
}

// Up to five traffic entries from the dumps, commented out: to each
// application Service, from a workload of the same cluster that it does not
// select (a curl or sleep client first), on its first port.
std::string SuggestedTraffic(const std::vector<InitCluster>& clusters,
                             const std::vector<ClusterFacts>& facts) {
  std::ostringstream s;
  int written = 0;
  std::set<std::string> names;
  for (size_t i = 0; i < clusters.size() && written < 5; ++i) {
    const ClusterFacts& f = facts[i];
    for (const ServiceInfo& svc : f.services) {
      if (written >= 5) break;
      const WorkloadInfo* client = nullptr;
      for (const WorkloadInfo& w : f.workloads) {
        bool selected = !svc.selector.empty();
        for (const auto& [k, v] : svc.selector) {
          auto it = w.labels.find(k);
          selected = selected && it != w.labels.end() && it->second == v;
        }
        if (selected) continue;
        const bool tool = w.name == "curl" || w.name == "sleep";
        if (!client ||
            (tool && client->name != "curl" && client->name != "sleep"))
          client = &w;
      }
      if (!client) continue;
      // Names are unique across clusters: the cluster's name is added to
      // one that another cluster's entry took.
      std::string name = client->name + "-to-" + svc.name;
      if (!names.insert(name).second) {
        name += "-" + clusters[i].name;
        names.insert(name);
      }
      s << "#   - name: " << name << "\n"
        << "#     from: {cluster: " << clusters[i].name
        << ", namespace: " << client->ns << ", workload: " << client->name
        << "}\n"
        << "#     to: {host: " << svc.name << "." << svc.ns
        << ".svc.cluster.local, port: " << svc.port << "}\n";
      if (svc.http) s << "#     http: {method: GET, path: /}\n";
      ++written;
    }
  }
  return written ? "# traffic:\n" + s.str() : "";
}

bool ReadDump(const InitCluster& c, ClusterFacts& f, Diagnostics& diags) {
  const fs::path dump(c.dump);
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(dump, ec)) {
    FileWalk walk = FilesUnder(dump, {".yaml", ".yml", ".json"}, dump);
    for (const std::string& e : walk.errors)
      diags.Error(SourceLocation{c.dump, 0, 0}, "cluster " + c.name + ": " + e);
    files = walk.files;
    if (files.empty())
      diags.Error(SourceLocation{c.dump, 0, 0},
                  "cluster " + c.name + ": folder " + c.dump +
                      " holds no .yaml, .yml or .json file");
  } else {
    files.push_back(dump);
  }
  bool ok = !diags.HasErrors();
  for (const fs::path& p : files) {
    auto text = ReadTextFile(p.string(), SourceLocation{c.dump, 0, 0},
                             "cluster " + c.name + " dump", diags);
    if (!text) {
      ok = false;
      continue;
    }
    ok = StreamDocuments(*text, p.string(), diags,
                         [&](const yaml::Node& obj) { Observe(obj, f); }) &&
         ok;
  }
  return ok;
}

// "1.24" from ".../pilot:1.24.2-solo" (the tag's major.minor).
std::string VersionOf(const std::string& image) {
  const size_t colon = image.rfind(':');
  if (colon == std::string::npos || image.find('/', colon) != std::string::npos)
    return "";
  const std::string tag = image.substr(colon + 1);
  size_t i = 0;
  auto number = [&]() {
    size_t start = i;
    while (i < tag.size() && isdigit(static_cast<unsigned char>(tag[i]))) ++i;
    return tag.substr(start, i - start);
  };
  const std::string major = number();
  if (major.empty() || i >= tag.size() || tag[i] != '.') return "";
  ++i;
  const std::string minor = number();
  return minor.empty() ? "" : major + "." + minor;
}

bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char ch : s)
    if (!(islower(static_cast<unsigned char>(ch)) ||
          isdigit(static_cast<unsigned char>(ch)) || ch == '-'))
      return false;
  return s.front() != '-' && s.back() != '-';
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// §7.1, §7.2: with more than one network, each network needs an east-west
// gateway for requests from the others to reach its pods. Says which serve
// which network and which network has none (a warning: those requests
// fail), as comments above the traffic.
std::string EastWestComment(const std::vector<InitCluster>& clusters,
                            const std::vector<ClusterFacts>& facts,
                            const std::map<std::string, std::string>& flags,
                            Diagnostics& diags) {
  std::map<std::string, std::vector<std::string>> clusters_of, gateways_of;
  for (size_t i = 0; i < clusters.size(); ++i) {
    const std::string net =
        facts[i].network.empty() ? clusters[i].name : facts[i].network;
    clusters_of[net].push_back(clusters[i].name);
    for (const ClusterFacts::EastWest& gw : facts[i].east_west) {
      if (!gw.refusal.empty()) {
        diags.Warning(
            SourceLocation{clusters[i].dump, 0, 0},
            "east-west Gateway " + gw.key + " in cluster " + clusters[i].name +
                " is no network gateway for istiod: " + gw.refusal + " (§7.1)");
        continue;
      }
      gateways_of[gw.network].push_back(gw.key + " in cluster " +
                                        clusters[i].name);
    }
  }
  if (clusters_of.size() < 2) return "";
  std::ostringstream s;
  s << "# Networks and their east-west gateways (docs/scenario-format.md,\n"
       "# \"East-west gateways\"):\n";
  for (const auto& [net, members] : clusters_of) {
    std::string who;
    for (const std::string& m : members) who += (who.empty() ? "" : ", ") + m;
    const auto it = gateways_of.find(net);
    if (it != gateways_of.end()) {
      std::string gws;
      for (const std::string& g : it->second)
        gws += (gws.empty() ? "" : ", ") + g;
      s << "#   network " << net << " (" << who << "): " << gws << "\n";
      continue;
    }
    s << "#   network " << net << " (" << who
      << "): NO east-west gateway; requests from other networks to its pods "
         "fail (§7.2)\n";
    diags.Warning(SourceLocation{clusters.front().dump, 0, 0},
                  "network " + net + " (cluster " + who +
                      ") has no east-west gateway: requests from other "
                      "networks to its pods will fail (§7.2). Declare a "
                      "Gateway of class istio-east-west in istio-system with "
                      "label topology.istio.io/network: " +
                      net +
                      " and listener mesh/15008/HBONE with tls.mode "
                      "Terminate, or add it to the dump "
                      "(docs/scenario-format.md)");
  }
  const auto flag = flags.find("AMBIENT_ENABLE_MULTI_NETWORK");
  if (flag == flags.end() || flag->second != "true") {
    s << "#   istiod's AMBIENT_ENABLE_MULTI_NETWORK is not true: ambient does "
         "not route across networks\n";
    diags.Note(SourceLocation{clusters.front().dump, 0, 0},
               "the clusters are on " + std::to_string(clusters_of.size()) +
                   " networks, but istiod's AMBIENT_ENABLE_MULTI_NETWORK is "
                   "not true: ambient does not route across networks (§7.1)");
  }
  return s.str();
}

}  // namespace

std::optional<std::string> InitScenario(
    const std::vector<InitCluster>& clusters, const std::string& scenario_path,
    Diagnostics& diags) {
  const SourceLocation here{"meshsim init", 0, 0};
  if (clusters.empty()) {
    diags.Error(here, "give at least one --cluster NAME=DUMP");
    return std::nullopt;
  }
  std::set<std::string> names;
  std::vector<ClusterFacts> facts(clusters.size());
  for (size_t i = 0; i < clusters.size(); ++i) {
    const InitCluster& c = clusters[i];
    if (!IsDnsLabel(c.name))
      diags.Error(here, "--cluster " + c.name + "=" + c.dump +
                            ": the name must be a DNS label (lowercase "
                            "letters, digits and '-'), got '" +
                            c.name + "'");
    if (!names.insert(c.name).second)
      diags.Error(here, "--cluster " + c.name + " is given twice");
    ReadDump(c, facts[i], diags);
  }
  if (diags.HasErrors()) return std::nullopt;

  const fs::path base =
      fs::absolute(fs::path(scenario_path)).lexically_normal().parent_path();
  std::string version, distribution = "community";
  std::map<std::string, std::string> flags;
  for (size_t i = 0; i < clusters.size(); ++i) {
    const ClusterFacts& f = facts[i];
    if (f.istiod_image.empty()) {
      diags.Note(SourceLocation{clusters[i].dump, 0, 0},
                 "cluster " + clusters[i].name +
                     ": no istiod Deployment in istio-system; the dump "
                     "should hold `kubectl get deploy -n istio-system -o "
                     "yaml` (the Istio release is left at meshsim's newest)");
      continue;
    }
    if (version.empty()) version = VersionOf(f.istiod_image);
    if (f.istiod_image.find("solo") != std::string::npos) distribution = "solo";
    for (const auto& [k, v] : f.flags) flags.emplace(k, v);
  }

  std::ostringstream s;
  s << "# Generated by `meshsim init` from";
  for (const InitCluster& c : clusters) s << " " << c.name << "=" << c.dump;
  s << ".\n# Add traffic entries (and `expect:`) below; see "
       "docs/scenario-format.md.\n";
  std::string title;
  for (const InitCluster& c : clusters)
    title += (title.empty() ? "" : ", ") + c.name;
  s << "name: "
    << Quote("mesh of cluster" + std::string(clusters.size() > 1 ? "s " : " ") +
             title)
    << "\n";
  s << "istio:\n";
  if (!version.empty()) s << "  version: " << Quote(version) << "\n";
  s << "  distribution: " << distribution << "\n";
  if (!flags.empty()) {
    s << "  flags:\n";
    for (const auto& [k, v] : flags) s << "    " << k << ": " << v << "\n";
  }
  s << "clusters:\n";
  for (size_t i = 0; i < clusters.size(); ++i) {
    const InitCluster& c = clusters[i];
    const ClusterFacts& f = facts[i];
    s << "  - name: " << c.name << "\n";
    if (!f.network.empty()) {
      s << "    network: " << Quote(f.network) << "\n";
    } else if (clusters.size() > 1) {
      diags.Note(
          SourceLocation{c.dump, 0, 0},
          "cluster " + c.name +
              ": Namespace istio-system has no topology.istio.io/network "
              "label; the network is the cluster's name");
    }
    if (const std::string v = VersionOf(f.istiod_image);
        !v.empty() && v != version)
      s << "    istio: {version: " << Quote(v) << "}\n";
    if (f.nodes.empty()) {
      diags.Note(SourceLocation{c.dump, 0, 0},
                 "cluster " + c.name +
                     ": no Node objects; one node is assumed (add `kubectl "
                     "get nodes -o yaml` to the dump for zones and regions)");
    } else {
      s << "    nodes:\n";
      for (const NodeInfo& n : f.nodes) {
        s << "      - {name: " << Quote(n.name);
        if (!n.zone.empty()) s << ", zone: " << Quote(n.zone);
        if (!n.region.empty()) s << ", region: " << Quote(n.region);
        if (!n.subzone.empty()) s << ", subzone: " << Quote(n.subzone);
        s << "}\n";
      }
    }
    fs::path dump = fs::absolute(fs::path(c.dump)).lexically_normal();
    std::string rel = dump.lexically_relative(base).generic_string();
    std::error_code ec;
    if (fs::is_directory(dump, ec) && (rel.empty() || rel.back() != '/'))
      rel += "/";
    if (rel.rfind("../", 0) == 0)
      diags.Note(SourceLocation{c.dump, 0, 0},
                 "cluster " + c.name +
                     ": the dump is outside the scenario's "
                     "folder; meshsim reads it only under the same repository "
                     "(a .git above both) or with --root (docs/security.md)");
    s << "    manifests: [" << Quote(rel) << "]\n";
  }
  s << EastWestComment(clusters, facts, flags, diags);
  s << "traffic: []\n";
  const std::string suggested = SuggestedTraffic(clusters, facts);
  if (!suggested.empty())
    s << "# Suggested from the dumps' Services (uncomment, in place of\n"
         "# `traffic: []`, the ones you want):\n"
      << suggested;
  return s.str();
}

}  // namespace meshsim::io
