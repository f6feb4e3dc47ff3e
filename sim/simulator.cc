#include "sim/simulator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "model/mesh_queries.h"
#include "model/networking.h"
#include "model/parallel.h"
#include "sim/dataplane.h"

namespace meshsim {

namespace {

// §16.2: the proxies on one path whose fault delays are split into held and
// not-held shares (2^n routes per path); a path crosses at most an ingress,
// a sidecar and a waypoint, so further ones cannot occur in practice.
constexpr size_t kMaxDelayedRoutes = 6;

// Defaults from Istio's published figures (docs/semantics.md §11), see
// docs/latency-model.md for the derivation of each.
StationPerf DefaultProxy(const std::string& kind) {
  if (kind == "ztunnel")
    return {2,
            {ServiceTimeDistribution::kExponential, 0.06, 0},
            {}};  // 0.06 vCPU / 1000 rps
  if (kind == "waypoint")
    return {2,
            {ServiceTimeDistribution::kExponential, 0.25, 0},
            {}};  // 0.25 vCPU / 1000 rps
  if (kind == "sidecar")
    return {2,
            {ServiceTimeDistribution::kExponential, 0.20, 0},
            {}};  // 0.20 vCPU / 1000 rps
  return {2,
          {ServiceTimeDistribution::kExponential, 0.25, 0},
          {}};  // ingress, eastwest: Envoy, as a waypoint
}

ServiceTime ToServiceTime(const ServiceTimeSpec& s) {
  const double mean = s.mean_ms * 1e-3;
  if (s.distribution == ServiceTimeDistribution::kConstant)
    return ServiceTime::Constant(mean);
  if (s.distribution == ServiceTimeDistribution::kLognormal)
    return ServiceTime::Lognormal(mean, s.p99_ms * 1e-3);
  return ServiceTime::Exponential(mean);
}

class ModelBuilder {
 public:
  ModelBuilder(const Scenario& sc, SimModel& model) : sc_(sc), m_(model) {}

  void Build() {
    // Fault windows: every boundary starts an epoch with its own mesh state.
    std::set<int64_t> bounds = {0};
    for (const FaultSpec& f : sc_.faults) {
      bounds.insert(f.at_ns);
      if (f.until_ns) bounds.insert(*f.until_ns);
    }
    m_.epoch_starts.assign(bounds.begin(), bounds.end());
    FindFaultTargets();
    for (size_t ti = 0; ti < sc_.traffic.size(); ++ti) {
      const TrafficEntry& t = sc_.traffic[ti];
      entry_name_ = t.name;
      entry_location_ = t.location;
      SourceSpec src;
      src.name = t.name;
      src.rate = t.rate;
      src.poisson = t.arrival == Arrival::kPoisson;
      src.start_ns = t.start_ns;
      src.end_ns = t.requests ? 0 : t.start_ns + t.duration_ns;
      src.concurrency = t.concurrency;
      // A closed loop for a duration is bounded by the request cap too.
      src.max_requests = t.requests;
      if (t.concurrency && !t.requests) src.max_requests = 100'000'000;
      src.profile = t.profile;
      src.ramp = t.ramp;
      std::map<std::string, int> path_ids;  // distinct paths across epochs
      m_.entry_names.push_back(t.name);
      m_.entry_paths.emplace_back();
      for (size_t e = 0; e < m_.epoch_starts.size(); ++e) {
        SourceSpec::Epoch epoch;
        epoch.start_ns = m_.epoch_starts[e];
        const Mesh& mesh = MeshAt(epoch.start_ns);
        std::vector<Path> paths = EnumeratePaths(BuildForwardingGraph(mesh, t));
        const Path* src_fail = SourceDown(mesh, t);
        if (src_fail) paths = {*src_fail};
        // The budget checked for the whole epoch before any is allocated.
        size_t need = histograms_;
        for (const Path& p : paths) need += p.hops.size() + 1;
        if (need > kMaxRouteHistograms) Over();
        AnswerWithErrors(epoch.start_ns, paths);
        for (const Path& p : paths) {
          std::string key = Describe(p) + "|" + OutcomeName(p.outcome);
          auto [it, fresh] =
              path_ids.emplace(key, static_cast<int>(path_ids.size()));
          if (fresh) {
            std::vector<Hop> hops = p.hops;
            for (Hop& h : hops) h.policies.clear();
            m_.entry_paths.back().push_back(
                {p.waypoints, p.outcome, Describe(p), std::move(hops), {}, {}});
          }
          // §16.2 fault.delay: each proxy on the path holds its share of
          // the requests, independently of the others (an ingress's and a
          // waypoint's delay add up for the requests both hold).
          std::vector<const PathRoute*> delayed;
          for (const PathRoute& r : p.routes)
            if (r.delay_ns > 0 && r.delay_percent > 0 &&
                delayed.size() < kMaxDelayedRoutes)
              delayed.push_back(&r);
          if (delayed.empty()) {
            epoch.routes.push_back(AddRoute(mesh, t, p, it->second));
            continue;
          }
          for (uint32_t mask = 0; mask < (1u << delayed.size()); ++mask) {
            double share = 1.0;
            std::vector<std::pair<int, int64_t>> holds;
            for (size_t k = 0; k < delayed.size(); ++k) {
              const double held =
                  std::min(1.0, delayed[k]->delay_percent / 100.0);
              const bool holds_it = (mask >> k) & 1u;
              share *= holds_it ? held : 1.0 - held;
              if (holds_it)
                holds.emplace_back(delayed[k]->hop, delayed[k]->delay_ns);
            }
            if (share <= 0) continue;
            Path variant = p;
            variant.weight = p.weight * share;
            epoch.routes.push_back(
                AddRoute(mesh, t, variant, it->second, holds));
          }
        }
        if (epoch.routes.empty()) {
          Path none;
          none.outcome = Outcome::kFailed;
          none.reason = "no path";
          epoch.routes.push_back(AddRoute(mesh, t, none, 0));
        }
        src.epochs.push_back(std::move(epoch));
      }
      m_.net.AddSource(std::move(src));
    }
    m_.net.SetPools(
        pools_.size(),
        static_cast<int64_t>(sc_.performance.hbone_handshake_ms * 1e6));
  }

 private:
  // The workloads each fault stops, found once: (cluster, workload) indexes
  // into the scenario's mesh. A network-link fault stops both networks'
  // east-west gateways (exact with two networks).
  void FindFaultTargets() {
    const Mesh& mesh = sc_.mesh;
    for (const FaultSpec& f : sc_.faults) {
      std::vector<std::pair<size_t, size_t>>& out =
          fault_targets_.emplace_back();
      std::string a, b;
      if (f.kind == FaultKind::kNetworkLink) {
        a = f.target.substr(0, f.target.find(','));
        b = f.target.substr(f.target.find(',') + 1);
      }
      for (size_t ci = 0; ci < mesh.clusters.size(); ++ci) {
        const Cluster& c = mesh.clusters[ci];
        if (f.kind != FaultKind::kNetworkLink && c.name != f.cluster) continue;
        // Pods and gateways by index (2,000 pod faults on 20,000 pods
        // scanned 40 M pod names); nodes and east-west gateways by a scan.
        if (f.kind == FaultKind::kPod) {
          auto it = c.workload_by_key.find(f.target);
          if (it != c.workload_by_key.end()) out.push_back({ci, it->second});
          continue;
        }
        if (f.kind == FaultKind::kWaypoint || f.kind == FaultKind::kGateway) {
          auto it = c.gateway_pods.find(f.target);
          if (it != c.gateway_pods.end())
            for (size_t wi : it->second) out.push_back({ci, wi});
          continue;
        }
        for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
          const Workload& w = c.workloads[wi];
          const bool stops =
              f.kind == FaultKind::kNetworkLink
                  ? w.role == WorkloadRole::kEastWest &&
                        (w.network == a || w.network == b)
                  : f.kind == FaultKind::kNode && w.node == f.target;
          if (stops) out.push_back({ci, wi});
        }
      }
    }
  }

  // The mesh as it is at time `t`: the scenario's own when no fault is
  // active, else one working copy (made once, at 200,000 pods about 600 MB)
  // with the workloads that are down then marked not ready. Every fault
  // window shares that copy; only `ready` flags change between windows, so
  // 2,000 pod faults cost 2,000 flag lists, not 4,000 meshes.
  const Mesh& MeshAt(int64_t t) {
    std::vector<size_t> active;
    for (size_t i = 0; i < sc_.faults.size(); ++i) {
      const FaultSpec& f = sc_.faults[i];
      if (t >= f.at_ns && (!f.until_ns || t < *f.until_ns)) active.push_back(i);
    }
    if (active.empty()) return sc_.mesh;
    if (!work_) work_ = std::make_unique<Mesh>(sc_.mesh);
    if (active == work_faults_) return *work_;
    for (const auto& [ci, wi] : downed_) {
      const Workload& was = sc_.mesh.clusters[ci].workloads[wi];
      work_->clusters[ci].workloads[wi].ready = was.ready;
      work_->clusters[ci].workloads[wi].terminal = was.terminal;
    }
    downed_.clear();
    for (size_t i : active)
      for (const auto& [ci, wi] : fault_targets_[i]) {
        if (sc_.faults[i].errors) continue;  // ready, answering 503
        // Down: no endpoint, even of a Service publishing not-ready ones.
        work_->clusters[ci].workloads[wi].ready = false;
        work_->clusters[ci].workloads[wi].terminal = true;
        downed_.push_back({ci, wi});
      }
    work_faults_ = std::move(active);
    return *work_;
  }

  // Faults of `mode: errors` active at `t`: a path delivered to such a pod
  // gets a 503 from it instead (the pod stays ready and in every endpoint
  // list; outlier detection, §16.1, is what moves load off it).
  void AnswerWithErrors(int64_t t, std::vector<Path>& paths) const {
    std::set<std::pair<std::string, std::string>> erroring;
    for (const FaultSpec& f : sc_.faults)
      if (f.errors && t >= f.at_ns && (!f.until_ns || t < *f.until_ns))
        erroring.insert({f.cluster, f.target});
    if (erroring.empty()) return;
    for (Path& p : paths) {
      if (p.outcome != Outcome::kDelivered || p.hops.empty()) continue;
      const Hop& last = p.hops.back();
      if (last.kind != HopKind::kWorkload ||
          !erroring.count({last.cluster, last.name}))
        continue;
      p.outcome = Outcome::kFailed;
      p.upstream_status = 503;
      p.reason = "503 from " + last.name +
                 ": the pod answers with errors while ready (fault mode "
                 "errors)";
    }
  }

  // A client on a node that is down sends nothing that arrives anywhere.
  const Path* SourceDown(const Mesh& mesh, const TrafficEntry& t) {
    if (!t.from.ingress.empty()) return nullptr;
    const Cluster* c = mesh.FindCluster(t.from.cluster);
    auto pods = c->WorkloadsOf(t.from.ns, t.from.workload);
    // §3.6: a pod that is not ready still sends; one that has ended, or
    // that a fault window took down, does not.
    if (pods.empty() || !pods.front()->terminal) return nullptr;
    down_path_ = Path{};
    down_path_.hops.push_back({HopKind::kWorkload,
                               pods.front()->Key(),
                               c->name,
                               pods.front()->node,
                               {},
                               {}});
    down_path_.outcome = Outcome::kFailed;
    down_path_.reason = "the client pod " + pods.front()->Key() + " is down";
    return &down_path_;
  }

  static std::string Describe(const Path& p) { return PathText(p.hops); }

  const Node* NodeOf(const Mesh& mesh, const Hop& h) const {
    const Cluster* c = mesh.FindCluster(h.cluster);
    if (!c) return nullptr;
    return c->FindNode(h.kind == HopKind::kZtunnel ? h.name : h.node);
  }

  std::string NetworkOf(const Mesh& mesh, const Hop& h) const {
    const Cluster* c = mesh.FindCluster(h.cluster);
    if (!c) return "";
    if (h.kind == HopKind::kWorkload || h.kind == HopKind::kSidecar) {
      if (const Workload* w = c->FindWorkload(h.name)) return w->network;
    }
    return c->network;
  }

  // One-way network delay between two consecutive hops, by locality.
  int64_t LinkNs(const Mesh& mesh, const Hop& a, const Hop& b) const {
    const PerformanceSpec& p = sc_.performance;
    double ms;
    if (a.kind == HopKind::kExternal || b.kind == HopKind::kExternal) {
      ms = p.external_ms;
    } else if (NetworkOf(mesh, a) != NetworkOf(mesh, b)) {
      ms = p.cross_network_ms;
    } else if (a.cluster != b.cluster) {
      ms = p.cross_region_ms;
    } else {
      const Node* na = NodeOf(mesh, a);
      const Node* nb = NodeOf(mesh, b);
      if (na && nb && na == nb) {
        ms = p.same_node_ms;
      } else if (na && nb && !na->region.empty() && !nb->region.empty() &&
                 na->region != nb->region) {
        ms = p.cross_region_ms;
      } else if (na && nb && !na->zone.empty() && !nb->zone.empty() &&
                 na->zone != nb->zone) {
        ms = p.cross_zone_ms;
      } else {
        ms = p.same_zone_ms;
      }
    }
    return static_cast<int64_t>(ms * 1e6);
  }

  // §15.2: Solo's istio-eastwest class runs ztunnel in gateway mode (the
  // Envoy template only with upstream AMBIENT_ENABLE_MULTI_NETWORK set), so
  // it costs what a ztunnel costs.
  bool ZtunnelEastWest(const Mesh& mesh, const Hop& h) const {
    if (h.kind != HopKind::kEastWest ||
        mesh.istio.distribution != Distribution::kSolo)
      return false;
    auto it = mesh.istio.flags.find("AMBIENT_ENABLE_MULTI_NETWORK");
    if (it != mesh.istio.flags.end() && mesh.istio.Flag(it->first, false))
      return false;
    const Cluster* c = mesh.FindCluster(h.cluster);
    const Gateway* gw = c ? c->FindGateway(h.name) : nullptr;
    return gw && gw->class_name == "istio-eastwest";
  }

  // A gateway's replicas on one node are one hop in a path (named after the
  // gateway and the node), so their station gets all their workers: `plan`
  // and `sweep` may put several replicas on a node.
  int ReplicasOnNode(const Hop& h) const {
    if (h.kind != HopKind::kWaypoint && h.kind != HopKind::kIngress &&
        h.kind != HopKind::kEastWest)
      return 1;
    const Cluster* c = sc_.mesh.FindCluster(h.cluster);
    if (!c) return 1;
    auto it = c->gateway_pods.find(h.name);
    if (it == c->gateway_pods.end()) return 1;
    int n = 0;
    for (size_t wi : it->second) n += c->workloads[wi].node == h.node;
    return std::max(n, 1);
  }

  static bool IsProxy(HopKind k) {
    return k == HopKind::kZtunnel || k == HopKind::kWaypoint ||
           k == HopKind::kIngress || k == HopKind::kEastWest ||
           k == HopKind::kSidecar;
  }

  uint32_t StationFor(const Mesh& mesh, const Hop& h) {
    const std::string key =
        std::string(HopKindName(h.kind)) + " " + h.cluster + "/" + h.name +
        (h.node.empty() || h.kind == HopKind::kZtunnel ? "" : "@" + h.node);
    auto it = stations_.find(key);
    if (it != stations_.end()) return it->second;
    StationSpec spec;
    spec.name = key;
    spec.kind = HopKindName(h.kind);
    spec.cluster = h.cluster;
    StationPerf perf;
    if (h.kind == HopKind::kWorkload) {
      perf = sc_.performance.default_workload;
      const Cluster* c = mesh.FindCluster(h.cluster);
      const Workload* w = c ? c->FindWorkload(h.name) : nullptr;
      if (w) {
        auto wp = sc_.performance.workloads.find(w->ns + "/" + w->owner);
        if (wp != sc_.performance.workloads.end()) perf = wp->second;
      }
    } else {
      auto pp = sc_.performance.proxies.find(spec.kind);
      perf = pp != sc_.performance.proxies.end() ? pp->second
                                                 : DefaultProxy(spec.kind);
      if (pp == sc_.performance.proxies.end() && ZtunnelEastWest(mesh, h))
        perf = DefaultProxy("ztunnel");
    }
    spec.workers = perf.workers * ReplicasOnNode(h);
    spec.service = ToServiceTime(perf.service);
    // A bounded queue (docs/latency-model.md#bounded-queues); 0 lets no
    // request wait: one finding every worker busy fails.
    spec.queue_limit = perf.queue_limit;
    spec.queue_reason = m_.net.AddReason(
        "queue full at a " + spec.kind + " (queue_limit " +
        std::to_string(perf.queue_limit) +
        " under performance): the request fails at once, as " +
        (h.kind == HopKind::kWorkload
             ? "an application past its backlog answers 503"
             : "a proxy past its pending-request limit answers 503"));
    uint32_t id = m_.net.AddStation(spec);
    stations_.emplace(key, id);
    return id;
  }

  uint32_t Counter(const std::string& policy, std::optional<int> rule,
                   const std::string& effect) {
    const std::string key =
        policy + "#" + (rule ? std::to_string(*rule) : "-") + "#" + effect;
    auto it = counters_.find(key);
    if (it != counters_.end()) return it->second;
    uint32_t id = m_.net.AddPolicyCounter();
    m_.policy_counters.push_back({policy, rule, effect});
    counters_.emplace(key, id);
    return id;
  }

  // The network's route `r`, within the budget of latency histograms (one
  // per hop and one per route, about 5 KB each): past it the model would
  // not fit in memory, and the run stops with exit 2 before allocating it.
  uint32_t Added(RouteSpec r) {
    histograms_ += r.stations.size() + 1;
    if (histograms_ > kMaxRouteHistograms) Over();
    return m_.net.AddRoute(std::move(r));
  }

  [[noreturn]] void Over() const {
    {
      Diagnostic d;
      d.location = entry_location_;
      d.message = "traffic entry '" + entry_name_ +
                  "': the traffic's paths reach more than " +
                  std::to_string(kMaxRouteHistograms) +
                  " route hops in all (each path of each entry, per fault "
                  "window), whose latency histograms would not fit in memory "
                  "(docs/robustness.md#limits); give the workloads fewer "
                  "replicas or the scenario fewer traffic entries (`paths` "
                  "still lists them)";
      throw LimitExceeded(std::move(d));
    }
  }

  // `holds`: (hop, ns) of the fault delays this share of the path's
  // requests is held (§16.2).
  uint32_t AddRoute(const Mesh& mesh, const TrafficEntry& t, const Path& p,
                    int path_index,
                    const std::vector<std::pair<int, int64_t>>& holds = {}) {
    RouteSpec r;
    r.outcome = p.outcome;
    r.weight = p.weight;
    r.path_index = path_index;
    if (p.outcome == Outcome::kFailed) r.reason = m_.net.AddReason(p.reason);
    if (p.route) r.backend = m_.net.AddBackend(p.backend);
    // §16.2, §9: only an upstream answer a retry policy names is retried;
    // the proxies' own answers (no route, no endpoint, 500s) are not. The
    // proxy nearest the upstream whose policy names it retries (an outer
    // one would retry the inner one's answer: not modelled, one layer).
    for (auto it = p.routes.rbegin(); it != p.routes.rend(); ++it) {
      const std::vector<int>& codes = it->retry_codes;
      if (it->retries.value_or(0) > 0 && p.upstream_status &&
          std::find(codes.begin(), codes.end(), p.upstream_status) !=
              codes.end()) {
        r.retries = *it->retries;
        r.retriable = true;
        break;
      }
    }
    // The client workload is not a station; every later hop is, including the
    // destination application. External destinations cost network time only.
    size_t first = (!p.hops.empty() && p.hops[0].kind == HopKind::kWorkload &&
                    t.from.ingress.empty())
                       ? 1
                       : 0;
    std::map<size_t, uint32_t> position;  // hop -> index into r.stations
    int64_t tail_ns = 0;  // of link_ns.back(): the links past the last station
    for (size_t i = first; i < p.hops.size(); ++i) {
      const Hop& h = p.hops[i];
      for (const PolicyEvaluation& hp : h.policies)
        r.hits.push_back(Counter(hp.policy, hp.matched_rule, hp.effect));
      if (h.kind == HopKind::kExternal) {
        // Charge the link to the outside as the last network delay (its
        // time is the same there; a timer knows it comes after the last
        // station, `tail_ns`).
        if (!r.link_ns.empty()) {
          const int64_t out = LinkNs(mesh, p.hops[i - 1], h);
          r.link_ns.back() += out;
          tail_ns += out;
        }
        continue;
      }
      tail_ns = 0;
      position[i] = static_cast<uint32_t>(r.stations.size());
      r.stations.push_back(StationFor(mesh, h));
      r.link_ns.push_back(i > 0 ? LinkNs(mesh, p.hops[i - 1], h) : 0);
      int32_t pool = -1;
      if (i > 0 && IsProxy(p.hops[i - 1].kind) && IsProxy(h.kind) &&
          h.kind != HopKind::kSidecar) {
        const std::string key = std::string(HopKindName(p.hops[i - 1].kind)) +
                                p.hops[i - 1].cluster + p.hops[i - 1].name +
                                p.hops[i - 1].node + ">" + HopKindName(h.kind) +
                                h.cluster + h.name + h.node;
        auto [it, fresh] =
            pools_.emplace(key, static_cast<int32_t>(pools_.size()));
        pool = it->second;
      }
      r.pool.push_back(pool);
    }
    AddTimersAndHolds(p, holds, position, tail_ns, r);
    AddMirror(mesh, p, position, r);
    // §16.1: each proxy replica's breaker for the service, checked as the
    // request enters the station after the proxy.
    for (const PathBreaker& b : p.breakers) {
      auto at = position.find(static_cast<size_t>(b.hop));
      if (at == position.end() || at->second + 1 >= r.stations.size()) continue;
      const uint32_t proxy = r.stations[at->second];
      // §16.1: one breaker per Envoy cluster (service port and subset).
      const std::string key = std::to_string(proxy) + "|" + b.dr + "|" +
                              b.service + "|" + std::to_string(b.port) + "|" +
                              b.subset;
      if (b.outlier) AddOutlier(p, b, proxy, key, position, r);
      if (b.limit <= 0) continue;
      auto it = breakers_.find(key);
      if (it == breakers_.end()) {
        const int reason = m_.net.AddReason(
            "connection pool overflow at " + m_.net.stations()[proxy].name +
            ": DestinationRule " + b.dr + " admits " + std::to_string(b.limit) +
            " request(s) to " + b.service +
            (b.subset.empty() ? "" : " subset " + b.subset) +
            " at once (503 UO, §16.1)");
        it = breakers_.emplace(key, m_.net.AddBreaker(b.limit, reason)).first;
      }
      r.breakers.push_back({it->second, at->second + 1});
    }
    return Added(std::move(r));
  }

  // §16.2: each fault delay held on the link leaving its proxy (the last
  // link when the request ends there), and each route timeout as a timer
  // of its proxy's (RouteSpec::Timer).
  // `tail_ns`: the part of the last link that lies past the last station
  // (an external destination's link, charged there).
  static void AddTimersAndHolds(
      const Path& p, const std::vector<std::pair<int, int64_t>>& holds,
      const std::map<size_t, uint32_t>& position, int64_t tail_ns,
      RouteSpec& r) {
    if (r.link_ns.empty()) return;
    auto station_of = [&](int hop) -> std::optional<size_t> {
      auto at = position.find(static_cast<size_t>(std::max(0, hop)));
      if (at == position.end()) return std::nullopt;
      return at->second;
    };
    std::vector<int64_t> hold_at(r.link_ns.size(), 0);
    std::map<int, std::pair<size_t, int64_t>> own;  // hop -> (link, ns)
    for (const auto& [hop, ns] : holds) {
      const std::optional<size_t> at = station_of(hop);
      const size_t link =
          at && *at + 1 < r.link_ns.size() ? *at + 1 : r.link_ns.size() - 1;
      hold_at[link] += ns;
      own[hop] = {link, own[hop].second + ns};
    }
    for (const PathRoute& route : p.routes) {
      if (route.timeout.empty()) continue;
      const std::optional<int64_t> timeout =
          ParseGatewayDuration(route.timeout);
      const std::optional<size_t> at = station_of(route.hop);
      if (!timeout || *timeout <= 0 || !at) continue;  // 0s: none (Envoy)
      RouteSpec::Timer tm;
      tm.at = static_cast<uint32_t>(*at);
      tm.timeout_ns = *timeout;
      for (size_t i = 0; i < r.link_ns.size(); ++i) {
        if (i <= *at) tm.back_ns += r.link_ns[i];
        if (i > *at) tm.fixed_ns += 2 * r.link_ns[i] + hold_at[i];
      }
      auto mine = own.find(route.hop);
      if (mine != own.end() && mine->second.first > *at) {
        tm.start_ns = mine->second.second;
        tm.fixed_ns -= mine->second.second;
      }
      if (*at + 1 == r.stations.size() && tail_ns > 0) {
        // The proxy is the last station and sends outside: the link out
        // (charged before the proxy) is the timer's, both ways.
        tm.start_ns -= tail_ns;
        tm.back_ns -= tail_ns;
        tm.fixed_ns += 2 * tail_ns;
      }
      r.timers.push_back(tm);
    }
    for (size_t i = 0; i < hold_at.size(); ++i) {
      r.link_ns[i] += hold_at[i];
      r.held_ns += hold_at[i];
    }
  }

  // §16.1 outlierDetection: the proxy replica's detector for the service,
  // and the host the path reaches through it (the first hop after the proxy
  // that is not a ztunnel: the pod, its sidecar, a waypoint or an east-west
  // gateway).
  void AddOutlier(const Path& p, const PathBreaker& b, uint32_t proxy,
                  const std::string& key,
                  const std::map<size_t, uint32_t>& position, RouteSpec& r) {
    std::optional<uint32_t> host;
    for (size_t i = static_cast<size_t>(b.hop) + 1; i < p.hops.size(); ++i) {
      if (p.hops[i].kind == HopKind::kZtunnel) continue;
      auto at = position.find(i);
      if (at != position.end()) host = r.stations[at->second];
      break;
    }
    if (!host) return;
    auto it = detectors_.find(key);
    if (it == detectors_.end()) {
      const PathBreaker::Outlier& o = *b.outlier;
      OutlierSpec spec{o.consecutive_5xx,
                       o.interval_ns,
                       o.base_ejection_ns,
                       o.max_ejection_percent,
                       o.min_health_percent,
                       m_.net.stations()[proxy].name + " -> " + b.service +
                           (b.subset.empty() ? "" : " subset " + b.subset) +
                           " (DestinationRule " + b.dr + ")"};
      it = detectors_.emplace(key, m_.net.AddOutlierDetector(std::move(spec)))
               .first;
    }
    r.outliers.push_back({it->second, *host});
  }

  // §16.2: a route's mirror. The proxy that applied the route (the last
  // waypoint or ingress of the path, else the client's sidecar) copies
  // `mirror_percent`% of the requests to the mirror host's ready endpoints
  // (of its `subset`, as the proxy's DestinationRule defines it, §16.1; an
  // undefined subset is a cluster Envoy does not have, so nothing is
  // copied), evenly: shadow routes through each endpoint's ztunnel or
  // sidecar to the workload, started as the request leaves the proxy.
  void AddMirror(const Mesh& mesh, const Path& p,
                 const std::map<size_t, uint32_t>& position, RouteSpec& r) {
    // The first route on the path that mirrors (one mirror per request in
    // the model: an ingress's and a waypoint's both mirroring is rare).
    const PathRoute* route = nullptr;
    for (const PathRoute& pr : p.routes)
      if (!pr.mirror_host.empty() && pr.mirror_percent > 0) {
        route = &pr;
        break;
      }
    if (!route) return;
    const std::optional<size_t> proxy =
        static_cast<size_t>(std::max(0, route->hop));
    if (*proxy >= p.hops.size() || !position.count(*proxy)) return;
    const Hop& from = p.hops[*proxy];
    const Cluster* c = mesh.FindCluster(from.cluster);
    if (!c) return;
    std::vector<size_t> idx =
        c->ServicesForHost(route->mirror_host, route->mirror_ns);
    if (idx.empty()) return;
    const Labels* subset = nullptr;
    if (!route->mirror_subset.empty()) {
      // The proxy's namespace (and a sidecar's pod labels) pick the rule.
      const std::string proxy_ns = from.name.substr(0, from.name.find('/'));
      const Workload* pod =
          from.kind == HopKind::kSidecar ? c->FindWorkload(from.name) : nullptr;
      const DestinationRule* dr =
          DestinationRuleFor(mesh, *c, proxy_ns, pod ? &pod->labels : nullptr,
                             c->services[idx.front()]);
      const DestinationRuleSubset* sub =
          dr ? dr->FindSubset(route->mirror_subset) : nullptr;
      if (!sub) return;
      subset = &sub->labels;
    }
    RouteSpec::Mirror m;
    m.at = position.at(*proxy) + 1;
    m.share = std::min(1.0, route->mirror_percent / 100.0);
    for (size_t wi : c->service_endpoints[idx.front()]) {
      const Workload& w = c->workloads[wi];
      if (!EndpointReady(c->services[idx.front()], w) || w.node.empty())
        continue;
      if (subset && !SubsetMatches(*subset, *c, w)) continue;
      std::vector<Hop> hops;
      if (w.capture == Capture::kAmbient)
        hops.push_back({HopKind::kZtunnel, w.node, c->name, "", {}, {}});
      else if (w.capture == Capture::kSidecar)
        hops.push_back({HopKind::kSidecar, w.Key(), c->name, w.node, {}, {}});
      hops.push_back({HopKind::kWorkload, w.Key(), c->name, w.node, {}, {}});
      RouteSpec shadow;
      const Hop* prev = &from;
      for (const Hop& h : hops) {
        shadow.stations.push_back(StationFor(mesh, h));
        shadow.link_ns.push_back(LinkNs(mesh, *prev, h));
        shadow.pool.push_back(-1);
        prev = &h;
      }
      m.routes.push_back(Added(std::move(shadow)));
    }
    if (!m.routes.empty()) r.mirror = std::move(m);
  }

  const Scenario& sc_;
  SimModel& m_;
  std::map<std::string, uint32_t> stations_;
  std::map<std::string, uint32_t> counters_;
  std::map<std::string, int32_t> pools_;
  std::vector<std::vector<std::pair<size_t, size_t>>> fault_targets_;
  std::unique_ptr<Mesh> work_;       // the mesh under faults (MeshAt)
  std::vector<size_t> work_faults_;  // the faults applied to it
  std::vector<std::pair<size_t, size_t>> downed_;  // what they stopped
  std::map<std::string, uint32_t> breakers_;
  std::map<std::string, uint32_t> detectors_;
  Path down_path_;
  size_t histograms_ = 0;
  std::string entry_name_;         // the entry being modelled
  SourceLocation entry_location_;  // its location, for LimitExceeded
};

}  // namespace

SimModel BuildSimModel(const Scenario& scenario) {
  SimModel model;
  ModelBuilder(scenario, model).Build();
  return model;
}

SimResult ResultOf(const SimModel& model) {
  const QueueingNetwork& net = model.net;
  SimResult r;
  r.simulated_seconds = net.end_time().seconds();
  r.offered_seconds = static_cast<double>(net.window_end_ns()) * 1e-9;
  r.events = net.events();
  r.connections_opened = net.pools_opened();
  r.retries_refused = net.retries_refused();
  r.reasons = net.reasons();
  for (size_t i = 0; i < net.stations().size(); ++i) {
    const StationSpec& spec = net.stations()[i];
    r.stations.push_back({spec.name, spec.kind, spec.cluster, spec.workers,
                          net.station_stats()[i]});
  }
  for (size_t i = 0; i < model.policy_counters.size(); ++i) {
    const SimModel::PolicyCounter& pc = model.policy_counters[i];
    r.policy_counters.push_back(
        {pc.policy, pc.rule, pc.effect,
         i < net.policy_counters().size() ? net.policy_counters()[i] : 0});
  }
  for (const QueueingNetwork::OutlierStats& o : net.outlier_stats())
    r.outlier_detectors.push_back({o.name, o.hosts, o.ejections, o.refused});
  for (size_t si = 0; si < net.sources().size(); ++si) {
    SimEntry e;
    e.name = model.entry_names[si];
    e.stats = net.source_stats()[si];
    if (si < model.entry_paths.size()) e.paths = model.entry_paths[si];
    // The counters one attempt on each path increments: those of the first
    // route with that path index, in fault-window order.
    e.path_hits.resize(e.stats.per_path.size());
    std::vector<bool> seen(e.stats.per_path.size(), false);
    for (const SourceSpec::Epoch& ep : net.sources()[si].epochs) {
      for (uint32_t ri : ep.routes) {
        const RouteSpec& route = net.routes()[ri];
        const size_t pi = static_cast<size_t>(route.path_index);
        // Per-hop timing: the routes of one path (fault windows, delayed
        // shares) cross the same stations; their timings add up.
        if (pi < e.paths.size()) {
          e.paths[pi].latency.Merge(net.route_latency()[ri]);
          std::vector<PathHopTiming>& t = e.paths[pi].timing;
          const std::vector<HopTiming>& ht = net.hop_timing()[ri];
          if (t.empty())
            for (size_t h = 0; h < route.stations.size(); ++h)
              t.push_back({route.stations[h], {}});
          if (t.size() == ht.size())
            for (size_t h = 0; h < ht.size(); ++h) t[h].timing.Merge(ht[h]);
        }
        if (pi >= seen.size() || seen[pi]) continue;
        seen[pi] = true;
        e.path_hits[pi] = route.hits;
      }
    }
    r.entries.push_back(std::move(e));
  }
  return r;
}

SimResult RunSimulation(SimModel& model, const RunOptions& options) {
  if (options.progress) model.net.SetProgress(options.progress);
  if (options.trace) model.net.SetTrace(options.trace, options.trace_every);
  RunLimits limits;
  if (options.max_retries) limits.max_retries = *options.max_retries;
  model.net.Run(options.seed, limits);
  return ResultOf(model);
}

uint64_t ReplicationSeed(uint64_t seed, int i) {
  if (i == 0) return seed;
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(i);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<SimResult> RunReplications(const SimModel& model, uint64_t seed,
                                       int n, int jobs,
                                       const std::function<bool(int)>& wanted) {
  std::vector<SimResult> out(static_cast<size_t>(std::max(n, 0)));
  ParallelFor(out.size(), jobs, [&](size_t i) {
    const int r = static_cast<int>(i);
    if (wanted && !wanted(r)) return;
    SimModel copy = model;
    RunOptions ro;
    ro.seed = ReplicationSeed(seed, r);
    out[i] = RunSimulation(copy, ro);
  });
  return out;
}

}  // namespace meshsim
