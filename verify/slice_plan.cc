// The slice planner (slice_plan.h): destinations, aligned source classes
// and class keys, for `verify` (one version) and `diff` (old and new).
#include "verify/slice_plan.h"

#include <algorithm>
#include <cstdint>
#include <future>
#include <iterator>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "model/labels.h"
#include "model/parallel.h"
#include "model/policy.h"
#include "model/sha256.h"
#include "verify/encoding.h"

namespace meshsim::verify {

// What a class's key is made of that no policy changes, found once per
// version (SlicePlan::facts_): the id of its (cluster, kind, gateway) and of
// its identity, the principal a policy pattern is matched against (none for
// an uncaptured source, which no pattern matches).
struct ClassFacts {
  std::vector<uint32_t> base, identity;  // per class
  std::vector<std::string> principals;   // per identity; "" for none
  std::vector<std::string> namespaces;   // per identity
  size_t bases = 0;                      // distinct base ids
};

namespace {

// The principal, namespace and address patterns of the policies that
// count: every policy of the scenario, or with `only_ns` only those of
// these namespaces (§8.1: a destination's, the root namespace and its
// waypoints'). Sorted, without repeats.
struct Patterns {
  std::vector<std::string> patterns, blocks;
  std::string Signature() const {
    std::string s;
    for (const std::string& p : patterns) s += p + '\n';
    s += '\f';
    for (const std::string& b : blocks) s += b + '\n';
    return s;
  }
};

Patterns PolicyPatterns(const Scenario& sc,
                        const std::set<std::string>* only_ns) {
  std::vector<std::string> patterns, blocks;
  for (const Cluster& c : sc.mesh.clusters)
    for (const AuthorizationPolicy& p : c.authorization_policies) {
      if (only_ns && !only_ns->count(p.ns)) continue;
      for (const PolicyRule& r : p.rules) {
        for (const PolicySource& src : r.from) {
          for (const auto* v : {&src.principals, &src.not_principals})
            patterns.insert(patterns.end(), v->begin(), v->end());
          for (const auto* v : {&src.namespaces, &src.not_namespaces})
            for (const std::string& n : *v) patterns.push_back("ns:" + n);
          for (const auto* v :
               {&src.ip_blocks, &src.not_ip_blocks, &src.remote_ip_blocks,
                &src.not_remote_ip_blocks})
            blocks.insert(blocks.end(), v->begin(), v->end());
        }
        for (const PolicyCondition& w : r.when) {
          if (w.key == "source.principal" || w.key == "source.serviceAccount")
            for (const auto* v : {&w.values, &w.not_values})
              patterns.insert(patterns.end(), v->begin(), v->end());
          if (w.key == "source.namespace")
            for (const std::string& n : w.values) patterns.push_back("ns:" + n);
          if (w.key == "source.ip")
            blocks.insert(blocks.end(), w.values.begin(), w.values.end());
        }
      }
    }
  std::sort(patterns.begin(), patterns.end());
  patterns.erase(std::unique(patterns.begin(), patterns.end()), patterns.end());
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  return {std::move(patterns), std::move(blocks)};
}

template <typename Key>
uint32_t DenseId(std::unordered_map<Key, uint32_t>& ids, const Key& k) {
  return ids.try_emplace(k, static_cast<uint32_t>(ids.size())).first->second;
}

ClassFacts FactsOf(const std::vector<SourceClass>& classes) {
  ClassFacts f;
  std::unordered_map<std::string, uint32_t> bases, identities;
  f.base.reserve(classes.size());
  f.identity.reserve(classes.size());
  for (const SourceClass& k : classes) {
    f.base.push_back(DenseId(
        bases, std::to_string(k.cluster) + "|" + ClientKindName(k.kind) +
                   (k.dns_capture ? "|" : "|no-dns|") + k.gateway));
    const std::string principal =
        k.kind == ClientKind::kUncaptured
            ? ""
            : SpiffePrincipal(k.ns, k.service_account);
    const uint32_t id = DenseId(identities, principal + '\n' + k.ns);
    if (id == f.principals.size()) {
      f.principals.push_back(principal);
      f.namespaces.push_back(k.ns);
    }
    f.identity.push_back(id);
  }
  f.bases = bases.size();
  return f;
}

// One key per source class, as a dense id: classes with equal keys behave
// alike towards the destinations whose policies gave `pat`, because they
// share cluster, kind and gateway and match the same patterns
// (docs/verification.md, "slicing"). Patterns are matched once per
// identity, not per class.
std::vector<uint32_t> ClassKeys(const Scenario& sc,
                                const std::vector<SourceClass>& classes,
                                const ClassFacts& facts, const Patterns& pat) {
  const std::vector<std::string>& patterns = pat.patterns;
  const std::vector<std::string>& blocks = pat.blocks;
  // Identities that match the same patterns share a match id.
  std::unordered_map<std::string, uint32_t> matches;
  std::vector<uint32_t> match_of(facts.principals.size());
  for (size_t id = 0; id < facts.principals.size(); ++id) {
    const std::string& principal = facts.principals[id];
    std::string bits;
    bits.reserve(patterns.size());
    for (const std::string& p : patterns) {
      const bool m =
          p.rfind("ns:", 0) == 0
              ? (!principal.empty() &&
                 IstioStringMatch(p.substr(3), facts.namespaces[id]))
              : (!principal.empty() && IstioStringMatch(p, principal));
      bits += m ? '1' : '0';
    }
    match_of[id] = DenseId(matches, bits);
  }
  std::vector<uint32_t> out;
  out.reserve(classes.size());
  if (blocks.empty()) {
    // Few bases and few match ids: a table of every pair, not a hash map.
    const size_t nm = matches.size();
    std::vector<uint32_t> id_of(facts.bases * nm, UINT32_MAX);
    uint32_t next = 0;
    for (size_t i = 0; i < classes.size(); ++i) {
      uint32_t& id = id_of[facts.base[i] * nm + match_of[facts.identity[i]]];
      if (id == UINT32_MAX) id = next++;
      out.push_back(id);
    }
    return out;
  }
  std::unordered_map<std::string, uint32_t> keys;
  for (size_t i = 0; i < classes.size(); ++i) {
    const SourceClass& k = classes[i];
    std::string key = std::to_string(facts.base[i]) + "|" +
                      std::to_string(match_of[facts.identity[i]]) + "|";
    const Workload* w =
        k.workload.empty()
            ? nullptr
            : sc.mesh.clusters[k.cluster].FindWorkload(k.workload);
    for (const std::string& b : blocks)
      key += (w && IpInBlock(b, w->ip)) ? '1' : '0';
    out.push_back(DenseId(keys, key));
  }
  return out;
}

// The pods of one workload that look alike share this key.
std::string PodGroupKey(const Workload& w) {
  std::string key =
      w.ns + "|" + w.owner_kind + "|" + w.owner + "|" + w.network + "|" +
      std::to_string(static_cast<int>(w.capture)) + "|" + (w.ready ? "r" : "n");
  for (const auto& [k, v] : w.labels) key += "|" + k + "=" + v;
  for (const ContainerPort& cp : w.ports) key += "|" + std::to_string(cp.port);
  return key;
}

// What aligns a source class across versions: a workload's class by its
// cluster, namespace and owner, whatever its kind (a namespace leaving or
// joining ambient makes the same pods another kind of client, whose
// requests may change fate); an ingress's and the synthetic class by id.
std::string AlignKey(const SourceClass& k) {
  if (k.kind == ClientKind::kIngress || k.workload.empty()) return k.id;
  const size_t a = k.id.find('/');
  const size_t b = a == std::string::npos ? a : k.id.find('/', a + 1);
  if (b == std::string::npos) return k.id;
  return k.id.substr(0, a) + "/workload" + k.id.substr(b);
}

// The source classes every version has, in the first version's order, each
// moved to its own version's slot of the same cluster: paired by id, and a
// class left unpaired by its AlignKey when that key is one class's in every
// version (a workload whose pods are of two kinds keeps its ids); notes the
// sources only one version has.
void AlignClasses(const std::vector<const Scenario*>& versions,
                  std::vector<std::vector<SourceClass>>& aligned,
                  std::vector<std::string>& notes) {
  aligned.assign(versions.size(), {});
  if (versions.size() == 1) {  // `verify`: nothing to align
    aligned[0] = SourceClasses(*versions[0]);
    return;
  }
  const Scenario& first = *versions.front();
  std::vector<std::vector<SourceClass>> all;
  all.reserve(versions.size());
  std::vector<std::map<std::string, const SourceClass*>> by_id(versions.size());
  std::vector<std::map<std::string, std::vector<const SourceClass*>>> by_key(
      versions.size());
  for (size_t v = 0; v < versions.size(); ++v) {
    all.push_back(SourceClasses(*versions[v]));
    for (const SourceClass& k : all[v]) {
      by_id[v][k.id] = &k;
      by_key[v][AlignKey(k)].push_back(&k);
    }
  }
  // The class of version v that `k` (of the first) pairs with, or nullptr.
  auto partner = [&](const SourceClass& k, size_t v) -> const SourceClass* {
    if (auto it = by_id[v].find(k.id); it != by_id[v].end()) return it->second;
    const std::string key = AlignKey(k);
    auto mine = by_key[0].find(key);
    auto theirs = by_key[v].find(key);
    if (mine == by_key[0].end() || theirs == by_key[v].end() ||
        mine->second.size() != 1 || theirs->second.size() != 1 ||
        by_id[0].count(theirs->second.front()->id))
      return nullptr;
    return theirs->second.front();
  };
  std::vector<std::set<const SourceClass*>> paired(versions.size());
  for (const SourceClass& k : all[0]) {
    std::vector<SourceClass> row = {k};
    for (size_t v = 1; v < versions.size(); ++v) {
      const SourceClass* p = partner(k, v);
      if (!p) {
        notes.push_back("source " + k.id + " exists only in the old version");
        break;
      }
      // The class must sit in the same cluster slot of its version.
      SourceClass n = *p;
      const int nc = ClusterIndex(
          *versions[v],
          first.mesh.clusters[static_cast<size_t>(k.cluster)].name);
      if (nc < 0) break;
      n.cluster = nc;
      paired[v].insert(p);
      row.push_back(n);
    }
    if (row.size() != versions.size()) continue;
    for (size_t v = 0; v < versions.size(); ++v)
      aligned[v].push_back(std::move(row[v]));
  }
  for (size_t v = 1; v < versions.size(); ++v)
    for (const SourceClass& k : all[v])
      if (!paired[v].count(&k))
        notes.push_back("source " + k.id + " exists only in the new version");
}

// The services every version has, by name; notes the others.
void PlanServices(const std::vector<const Scenario*>& versions,
                  const SlicePlanOptions& options,
                  std::vector<SliceDestination>& out,
                  std::vector<std::string>& notes) {
  std::vector<std::set<std::string>> keys(versions.size());
  for (size_t v = 0; v < versions.size(); ++v)
    for (const Cluster& c : versions[v]->mesh.clusters)
      for (const Service& s : c.services) keys[v].insert(s.Key());
  for (const std::string& k : keys[0]) {
    bool everywhere = true;
    for (const auto& other : keys) everywhere = everywhere && other.count(k);
    if (everywhere) {
      SliceDestination d;
      d.service = true;
      d.key = k;
      out.push_back(std::move(d));
    } else {
      notes.push_back("service " + k + " exists only in the old version");
    }
  }
  for (size_t v = 1; v < versions.size(); ++v)
    for (const std::string& k : keys[v])
      if (!keys[0].count(k))
        notes.push_back("service " + k + " exists only in the new version");
  if (!options.one_version_services || versions.size() != 2) return;
  for (int v : {0, 1})
    for (const std::string& k : keys[static_cast<size_t>(v)])
      if (!keys[static_cast<size_t>(1 - v)].count(k)) {
        SliceDestination d;
        d.service = true;
        d.key = k;
        d.only = v;
        out.push_back(std::move(d));
      }
}

// The pods of cluster `ci` of the last version that every version has (by
// cluster name and pod key), one destination per group of alike pods.
std::vector<SliceDestination> PlanClusterPods(
    const std::vector<const Scenario*>& versions,
    const SlicePlanOptions& options, size_t ci) {
  std::vector<SliceDestination> out;
  const Cluster& c = versions.back()->mesh.clusters[ci];
  // At most a destination per pod: reserved (untouched memory costs
  // nothing), so that none is moved as the vector grows.
  out.reserve(c.workloads.size());
  std::vector<const Cluster*> in;  // the cluster in each earlier version
  std::vector<int> at;
  for (size_t v = 0; v + 1 < versions.size(); ++v) {
    const int i = ClusterIndex(*versions[v], c.name);
    if (i < 0) return out;
    in.push_back(&versions[v]->mesh.clusters[static_cast<size_t>(i)]);
    at.push_back(i);
  }
  at.push_back(static_cast<int>(ci));
  std::unordered_map<std::string, size_t> group;  // by pod keys, per version
  for (size_t wi = 0; wi < c.workloads.size(); ++wi) {
    const Workload& w = c.workloads[wi];
    if (options.application_pods_only && w.role != WorkloadRole::kApplication)
      continue;
    std::string key;
    bool everywhere = true;
    for (const Cluster* oc : in) {
      const Workload* ow = oc->FindWorkload(w.Key());
      everywhere = everywhere && ow;
      if (ow) key += PodGroupKey(*ow) + "||";
    }
    if (!everywhere) continue;
    key += PodGroupKey(w);
    auto [it, fresh] = group.emplace(std::move(key), out.size());
    if (!fresh) {
      ++out[it->second].weight;
      continue;
    }
    SliceDestination d;
    d.key = w.Key();
    d.cluster = c.name;
    d.at = at;
    d.wi = wi;
    out.push_back(std::move(d));
  }
  return out;
}

// Every cluster's pods (PlanClusterPods), a thread per cluster, appended in
// cluster order.
void PlanPods(const std::vector<const Scenario*>& versions,
              const SlicePlanOptions& options,
              std::vector<SliceDestination>& out) {
  const size_t n = versions.back()->mesh.clusters.size();
  std::vector<std::vector<SliceDestination>> per(n);
  ParallelFor(n, HardwareJobs(n), [&](size_t ci) {
    per[ci] = PlanClusterPods(versions, options, ci);
  });
  size_t total = out.size();
  for (const std::vector<SliceDestination>& pods : per) total += pods.size();
  out.reserve(total);
  for (std::vector<SliceDestination>& pods : per)
    std::move(pods.begin(), pods.end(), std::back_inserter(out));
}

// §8.1: the namespaces whose policies can apply to any destination besides
// its own: the root namespace, those a use-waypoint-namespace or
// use-waypoint-canary-namespace label names (where a waypoint of another
// namespace lives, §2.6), and the ingress pods' (their own policies decide
// before they route, §16.3).
std::set<std::string> WaypointNamespaces(
    const std::vector<const Scenario*>& versions) {
  std::set<std::string> out;
  for (const Scenario* sc : versions) out.insert(sc->mesh.istio.root_namespace);
  for (const Scenario* sc : versions)
    for (const Cluster& c : sc->mesh.clusters) {
      auto note = [&](const Labels& l) {
        for (const char* key :
             {kLabelUseWaypointNamespace, kLabelUseWaypointCanaryNamespace})
          if (const std::string* v = FindLabel(l, key)) out.insert(*v);
      };
      for (const auto& [n, ns] : c.namespaces) note(ns.labels);
      for (const Service& sv : c.services) {
        note(sv.labels);
        // §15.2: a peered entry's global waypoint, `ns/name`.
        const std::string global = GlobalWaypointLabel(sv);
        if (!global.empty()) out.insert(global.substr(0, global.find('/')));
      }
      for (const Workload& w : c.workloads) {
        note(w.labels);
        if (w.role == WorkloadRole::kIngress) out.insert(w.ns);
      }
    }
  return out;
}

// §9, §3.7: a route on a service (a GAMMA parent, or a VirtualService's
// host) sends its requests to pods of its backends, in their namespaces,
// whose policies then decide: per namespace of routed services, the
// namespaces of their routes' backends.
std::map<std::string, std::set<std::string>> RouteNamespaces(
    const std::vector<const Scenario*>& versions) {
  std::map<std::string, std::set<std::string>> out;
  for (const Scenario* sc : versions)
    for (const Cluster& c : sc->mesh.clusters)
      for (const HttpRoute& r : c.routes) {
        std::set<std::string> from, to;
        // A host written short is in the namespace of the object that
        // wrote it: a delegate's routes merged into a root keep the
        // delegate's (BackendRef::ns, §16.2).
        auto host_ns = [&](const std::string& host, const std::string& ns,
                           std::set<std::string>& s) {
          for (size_t i : c.ServicesForHost(host, ns))
            s.insert(c.services[i].ns);
        };
        for (const ParentRef& p : r.parents)
          if (p.kind == "Service" || p.kind == "ServiceEntry")
            from.insert(p.ns.empty() ? r.ns : p.ns);
        if (r.IsVirtualService())
          for (const std::string& h : r.hostnames) host_ns(h, r.ns, from);
        for (const HttpRouteRule& rule : r.rules)
          for (const BackendRef& b : rule.backends) {
            if (b.kind == "Hostname") {
              host_ns(b.name, b.ns.empty() ? r.ns : b.ns, to);
            } else {
              to.insert(b.ns.empty() ? r.ns : b.ns);
            }
          }
        for (const std::string& f : from) out[f].insert(to.begin(), to.end());
      }
  return out;
}

}  // namespace

int ClusterIndex(const Scenario& sc, const std::string& name) {
  for (size_t i = 0; i < sc.mesh.clusters.size(); ++i)
    if (sc.mesh.clusters[i].name == name) return static_cast<int>(i);
  return -1;
}

SlicePlan PlanSlices(const std::vector<const Scenario*>& versions,
                     const SlicePlanOptions& options) {
  SlicePlan plan;
  plan.versions_ = versions;
  plan.options_ = options;
  // The source classes beside the destinations: neither reads the other.
  std::vector<std::string> class_notes;
  std::future<void> classes = std::async(std::launch::async, [&] {
    AlignClasses(versions, plan.classes_, class_notes);
  });
  std::vector<std::string> service_notes;
  std::vector<SliceDestination> dests;
  PlanServices(versions, options, dests, service_notes);
  PlanPods(versions, options, dests);
  classes.get();
  plan.notes_ = std::move(class_notes);
  plan.notes_.insert(plan.notes_.end(), service_notes.begin(),
                     service_notes.end());
  // Each namespace's destinations together (its services, then its pods
  // cluster by cluster): a namespace's policies are then read by one or
  // two chunks, which is all `--cache` re-solves after one of them changes
  // (docs/verification.md#chunks). A stable sort of indexes by each
  // namespace, found once; each destination moved once.
  std::vector<std::pair<std::string_view, size_t>> by_ns(dests.size());
  for (size_t i = 0; i < dests.size(); ++i)
    by_ns[i] = {
        std::string_view(dests[i].key).substr(0, dests[i].key.find('/')), i};
  std::stable_sort(
      by_ns.begin(), by_ns.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  plan.destinations_.reserve(dests.size());
  for (const auto& [ns, i] : by_ns)
    plan.destinations_.push_back(std::move(dests[i]));
  if (options.keys_by_namespace) {
    plan.waypoint_namespaces_ = WaypointNamespaces(versions);
    plan.route_namespaces_ = RouteNamespaces(versions);
  }
  plan.class_of_pod_.resize(versions[0]->mesh.clusters.size());
  for (size_t i = 0; i < plan.classes_[0].size(); ++i) {
    const SourceClass& k = plan.classes_[0][i];
    if (!k.workload.empty())
      plan.class_of_pod_[static_cast<size_t>(k.cluster)].emplace(k.workload, i);
  }
  return plan;
}

const SlicePlan::KeyGroups& SlicePlan::GroupsFor(const SliceDestination& d) {
  const std::string ns = d.key.substr(0, d.key.find('/'));
  const std::string slot = options_.keys_by_namespace ? ns : "";
  auto it = groups_by_ns_.find(slot);
  if (it != groups_by_ns_.end()) return *it->second;
  std::set<std::string> only = waypoint_namespaces_;
  only.insert(ns);
  if (auto r = route_namespaces_.find(ns); r != route_namespaces_.end())
    only.insert(r->second.begin(), r->second.end());
  const std::set<std::string>* scope =
      options_.keys_by_namespace ? &only : nullptr;
  // Namespaces whose policies give the same patterns share one grouping
  // (most namespaces have none of their own): memory per distinct pattern
  // set, not per namespace.
  std::vector<Patterns> pats;
  std::string signature;
  for (const Scenario* v : versions_) {
    pats.push_back(PolicyPatterns(*v, scope));
    signature += pats.back().Signature() + '\v';
  }
  auto [g, fresh] = groups_by_patterns_.try_emplace(signature);
  if (fresh) {
    if (facts_.empty())
      for (const std::vector<SourceClass>& version : classes_)
        facts_.push_back(std::make_shared<ClassFacts>(FactsOf(version)));
    // A class's key in every version, as one dense id.
    std::vector<uint32_t> keys;
    for (size_t v = 0; v < versions_.size(); ++v) {
      std::vector<uint32_t> k =
          ClassKeys(*versions_[v], classes_[v], *facts_[v], pats[v]);
      if (v == 0) {
        keys = std::move(k);
        continue;
      }
      std::unordered_map<uint64_t, uint32_t> joint;
      for (size_t i = 0; i < keys.size(); ++i)
        keys[i] = DenseId(joint, (uint64_t{keys[i]} << 32) | k[i]);
    }
    // Groups numbered in the order of their first member.
    KeyGroups groups;
    groups.group_of.reserve(keys.size());
    std::vector<uint32_t> group_of_key(keys.size(), KeyGroups::kNone);
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto n = static_cast<uint32_t>(i);
      uint32_t& gk = group_of_key[keys[i]];
      if (gk == KeyGroups::kNone) {
        gk = static_cast<uint32_t>(groups.first.size());
        groups.first.push_back(n);
        groups.second.push_back(KeyGroups::kNone);
      } else if (groups.second[gk] == KeyGroups::kNone) {
        groups.second[gk] = n;
      }
      groups.group_of.push_back(gk);
    }
    g->second = std::make_unique<KeyGroups>(std::move(groups));
  }
  groups_by_ns_.emplace(slot, g->second.get());
  return *g->second;
}

std::optional<std::set<std::string>> SlicePlan::PolicyScope(
    const SliceDestination& d) const {
  if (!options_.keys_by_namespace) return std::nullopt;
  std::set<std::string> scope = waypoint_namespaces_;
  const std::string ns = d.key.substr(0, d.key.find('/'));
  scope.insert(ns);
  if (auto r = route_namespaces_.find(ns); r != route_namespaces_.end())
    scope.insert(r->second.begin(), r->second.end());
  return scope;
}

std::optional<size_t> SlicePlan::ClassOfPod(const SliceDestination& d) const {
  const size_t ci = static_cast<size_t>(d.at[0]);
  if (ci >= class_of_pod_.size()) return std::nullopt;
  auto it = class_of_pod_[ci].find(d.key);
  if (it == class_of_pod_[ci].end()) return std::nullopt;
  return it->second;
}

SliceClasses SlicePlan::ClassesFor(const SliceDestination& d) {
  std::lock_guard<std::mutex> lock(*mu_);
  const KeyGroups& groups = GroupsFor(d);
  SliceClasses out;
  if (!d.service) {
    if (std::optional<size_t> self = ClassOfPod(d)) out.self = *self;
  }
  // The first member of each key other than the pod's own class; that class
  // on its own.
  for (size_t g = 0; g < groups.first.size(); ++g) {
    const size_t i =
        groups.first[g] != out.self ? groups.first[g] : groups.second[g];
    if (i != KeyGroups::kNone) out.index.push_back(i);
  }
  if (out.self != SliceClasses::kNone) {
    out.index.push_back(out.self);
    std::sort(out.index.begin(), out.index.end());
  }
  out.versions.resize(versions_.size());
  for (size_t v = 0; v < versions_.size(); ++v)
    for (size_t i : out.index) out.versions[v].push_back(classes_[v][i]);
  return out;
}

std::string SlicePlan::ClassTableDigest() {
  std::lock_guard<std::mutex> lock(*mu_);
  if (classes_digest_.empty()) {
    Sha256 h;
    for (const std::vector<SourceClass>& version : classes_) {
      h.Field("version " + std::to_string(version.size()));
      for (const SourceClass& k : version) {
        const std::string kind = ClientKindName(k.kind);
        for (const std::string* f :
             {&k.id, &kind, &k.ns, &k.service_account, &k.gateway, &k.workload})
          h.Field(*f);
        h.Field(std::to_string(k.cluster));
        h.Field(std::string(k.router ? "router" : "") +
                (k.dns_capture ? "" : " no-dns"));
      }
    }
    classes_digest_ = h.Hex();
  }
  return classes_digest_;
}

std::vector<std::string> SlicePlan::ClassesKeys(
    const std::vector<SliceDestination>& dests, size_t begin, size_t end) {
  std::lock_guard<std::mutex> lock(*mu_);
  std::vector<std::string> out;
  const KeyGroups* last = nullptr;  // a chunk's destinations come by namespace
  const std::string* digest = nullptr;
  for (size_t i = begin; i < end; ++i) {
    const SliceDestination& d = dests[i];
    const KeyGroups& groups = GroupsFor(d);
    if (&groups != last) {
      last = &groups;
      std::string& text = group_digests_[&groups];
      if (text.empty()) {
        // The partition of the classes: each class's group, groups
        // numbered in the order of their first member, as 32-bit
        // little-endian numbers.
        std::string bytes;
        bytes.reserve(4 * groups.group_of.size());
        for (uint32_t g : groups.group_of)
          for (int b = 0; b < 4; ++b) bytes += static_cast<char>(g >> (8 * b));
        Sha256 h;
        h.Field("groups " + std::to_string(groups.first.size()));
        h.Field(bytes);
        text = h.Hex();
      }
      digest = &text;
    }
    std::string self = "none";
    if (!d.service) {
      if (std::optional<size_t> i = ClassOfPod(d)) self = std::to_string(*i);
    }
    out.push_back(*digest + " self=" + self);
  }
  return out;
}

std::vector<std::string> SlicePlan::Alike(const SliceDestination& d,
                                          const SliceClasses& classes,
                                          size_t k) {
  std::lock_guard<std::mutex> lock(*mu_);
  std::vector<std::string> out;
  const size_t first = classes.index[k];
  if (first == classes.self) return out;
  const KeyGroups& groups = GroupsFor(d);
  const uint32_t group = groups.group_of[first];
  for (size_t i = 0; i < groups.group_of.size(); ++i) {
    if (groups.group_of[i] != group) continue;
    const SourceClass& c = classes_[0][i];
    if (i == first || i == classes.self || c.workload.empty()) continue;
    out.push_back(c.kind == ClientKind::kIngress ? c.gateway : c.workload);
  }
  return out;
}

}  // namespace meshsim::verify
