// Internal to verify/: the one slice planner of `verify` and `diff`. Slicing
// (as Minesweeper did): one query per destination, with the sources reduced
// to those that can behave differently for it, and the pods of one workload
// checked once (docs/verification.md, "slicing"). `verify` plans one version
// of a mesh, `diff` two (old, new), aligned so that destination and source
// class `i` are the same in both.
//
//   SlicePlan plan = PlanSlices({&scenario}, SlicePlanOptions{});
//   for (const SliceDestination& d : plan.destinations()) {
//     SliceClasses classes = plan.ClassesFor(d);
//     ...  // encode d for classes.versions[0]
//   }
#ifndef MESHSIM_VERIFY_SLICE_PLAN_H_
#define MESHSIM_VERIFY_SLICE_PLAN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/scenario.h"
#include "verify/source_class.h"

namespace meshsim::verify {

// A destination every version has: a service by name, or a pod standing for
// the pods of its workload that look alike in every version (same labels,
// ports, capture, network and readiness).
struct SliceDestination {
  bool service = false;
  std::string key;      // the service's ns/name, or the pod's
  std::string cluster;  // a pod's cluster ("" for a service)
  std::vector<int> at;  // a pod's cluster index, per version
  size_t wi = 0;        // the pod's index in its cluster of the last version
  size_t weight = 1;    // the pods it stands for
  // A service only one version has (SlicePlanOptions::one_version_services):
  // that version's index; -1 when every version has it.
  int only = -1;
};

// The source classes a destination is encoded with: the first of each class
// key, and the destination pod's own class apart (§3.2: calls to one's own
// pod IP are not captured), in the plan's order.
struct SliceClasses {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<std::vector<SourceClass>> versions;  // per version, aligned
  std::vector<size_t> index;  // per class: its index in the plan's classes
  size_t self = kNone;        // the plan's index of the pod's own class, if any
};

struct SlicePlanOptions {
  // Only application pods are destinations (diff); otherwise every workload
  // is planned and the encoder skips those it cannot reach by IP (verify).
  bool application_pods_only = false;
  // Class keys from the policies that can apply to the destination (§8.1:
  // its namespace, the root namespace, and the namespaces a
  // use-waypoint-namespace or solo.io/use-global-waypoint label names)
  // instead of every policy.
  bool keys_by_namespace = false;
  // A service only one of two versions has is a destination too (diff:
  // requests to it fail in the version without it, §3.1).
  bool one_version_services = false;
};

struct ClassFacts;  // slice_plan.cc

class SlicePlan {
 public:
  // Per version: the source classes every version has, aligned by id in the
  // first version's order; each sits in its own version's cluster slot.
  const std::vector<SourceClass>& classes(size_t version) const {
    return classes_[version];
  }
  // By namespace: its services (by name) first, then its pods, cluster by
  // cluster.
  const std::vector<SliceDestination>& destinations() const {
    return destinations_;
  }
  // Sources and services only one version has.
  const std::vector<std::string>& notes() const { return notes_; }

  // Both cache what they compute and may be called from several threads
  // (the chunks of verify and diff).
  SliceClasses ClassesFor(const SliceDestination& d);
  // What ClassesFor(d) is made of, as text, for each d of
  // dests[begin, end): the key groups of d's namespace by a SHA-256
  // computed once, and d's own class. Together with ClassTableDigest, equal
  // texts give equal classes: `verify --cache` keys a chunk's work by them
  // instead of listing every class of every destination.
  std::vector<std::string> ClassesKeys(
      const std::vector<SliceDestination>& dests, size_t begin, size_t end);
  // The SHA-256 of every version's classes, computed once.
  std::string ClassTableDigest();
  // The namespaces whose policies the class keys of `d` were made from;
  // nullopt: every namespace's. An encoding of `d` that reads a policy of
  // another namespace was given classes too coarse for it (verifier.cc
  // reports that slice unknown).
  std::optional<std::set<std::string>> PolicyScope(
      const SliceDestination& d) const;
  // The other sources of class `k` of `classes` (ns/pod, or ns/gateway for
  // an ingress): those of its key, which behave exactly like it towards `d`.
  std::vector<std::string> Alike(const SliceDestination& d,
                                 const SliceClasses& classes, size_t k);

 private:
  friend SlicePlan PlanSlices(const std::vector<const Scenario*>& versions,
                              const SlicePlanOptions& options);
  // The aligned classes grouped by key (one key per class, joined over the
  // versions): classes with equal keys behave alike towards the destinations
  // of namespace `ns`.
  // Groups are numbered in the order of their first member; a group's
  // members are the classes whose group_of is its number. 32-bit numbers:
  // one grouping per distinct pattern set, each of every class (200,000 at
  // 10x).
  struct KeyGroups {
    static constexpr uint32_t kNone = UINT32_MAX;
    std::vector<uint32_t> group_of;       // per class
    std::vector<uint32_t> first, second;  // per group; second may be kNone
  };
  const KeyGroups& GroupsFor(const SliceDestination& d);
  // Per version, what class keys are made of besides the patterns (in
  // slice_plan.cc), found on the first GroupsFor.
  std::vector<std::shared_ptr<const ClassFacts>> facts_;

  std::vector<const Scenario*> versions_;
  SlicePlanOptions options_;
  std::vector<std::vector<SourceClass>> classes_;
  std::string classes_digest_;  // of classes_, once; ClassTableDigest
  std::map<const KeyGroups*, std::string> group_digests_;  // ClassesKeys
  std::vector<SliceDestination> destinations_;
  std::vector<std::string> notes_;
  std::set<std::string> waypoint_namespaces_;
  // Per namespace, those its services' routes send to: their pods'
  // policies apply to requests to the routed service (§9, §3.7).
  std::map<std::string, std::set<std::string>> route_namespaces_;
  std::map<std::string, const KeyGroups*> groups_by_ns_;
  // By the signature of the policy patterns they were keyed by.
  std::map<std::string, std::unique_ptr<KeyGroups>> groups_by_patterns_;
  // The class whose representative is pod (cluster, ns/pod), first version.
  // Per cluster (of the first version): a pod's key -> its class's index.
  std::vector<std::unordered_map<std::string, size_t>> class_of_pod_;
  // The class index of pod destination `d`, if it has a class.
  std::optional<size_t> ClassOfPod(const SliceDestination& d) const;
  std::unique_ptr<std::mutex> mu_ = std::make_unique<std::mutex>();
};

// The index of the cluster named `name`, -1 if there is none.
int ClusterIndex(const Scenario& sc, const std::string& name);

// Plans the slices of one version (verify) or of old and new (diff).
SlicePlan PlanSlices(const std::vector<const Scenario*>& versions,
                     const SlicePlanOptions& options);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_SLICE_PLAN_H_
