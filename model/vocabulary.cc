// The name and parse functions of the enums a scenario and its manifests
// spell as words (model/scenario.h, model/mesh.h): one table per vocabulary.
#include <iterator>
#include <utility>

#include "model/mesh.h"
#include "model/scenario.h"

namespace meshsim {
namespace {

// Each vocabulary is one table: its names and its values, in order.
template <typename E, size_t N>
using Names = std::pair<E, const char*>[N];

template <typename E, size_t N>
const char* NameIn(const Names<E, N>& table, E e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

template <typename E, size_t N>
std::optional<E> ParseIn(const Names<E, N>& table, std::string_view s) {
  for (const auto& [value, name] : table)
    if (s == name) return value;
  return std::nullopt;
}

constexpr std::pair<ServiceTimeDistribution, const char*> kDistributions[] = {
    {ServiceTimeDistribution::kConstant, "constant"},
    {ServiceTimeDistribution::kExponential, "exponential"},
    {ServiceTimeDistribution::kLognormal, "lognormal"}};
constexpr std::pair<Arrival, const char*> kArrivals[] = {
    {Arrival::kPoisson, "poisson"}, {Arrival::kConstant, "constant"}};
constexpr std::pair<FaultKind, const char*> kFaultKinds[] = {
    {FaultKind::kNode, "node"},
    {FaultKind::kPod, "pod"},
    {FaultKind::kWaypoint, "waypoint"},
    {FaultKind::kGateway, "gateway"},
    {FaultKind::kNetworkLink, "network-link"}};
constexpr std::pair<PolicyAction, const char*> kActions[] = {
    {PolicyAction::kAllow, "ALLOW"},
    {PolicyAction::kDeny, "DENY"},
    {PolicyAction::kAudit, "AUDIT"},
    {PolicyAction::kCustom, "CUSTOM"}};

}  // namespace

const char* ServiceTimeDistributionName(ServiceTimeDistribution d) {
  return NameIn(kDistributions, d);
}
std::optional<ServiceTimeDistribution> ParseServiceTimeDistribution(
    std::string_view name) {
  return ParseIn(kDistributions, name);
}
const char* ArrivalName(Arrival a) { return NameIn(kArrivals, a); }
std::optional<Arrival> ParseArrival(std::string_view name) {
  return ParseIn(kArrivals, name);
}
const char* FaultKindName(FaultKind k) { return NameIn(kFaultKinds, k); }
std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  return ParseIn(kFaultKinds, name);
}
const char* PolicyActionName(PolicyAction a) { return NameIn(kActions, a); }
std::optional<PolicyAction> ParsePolicyAction(std::string_view name) {
  return ParseIn(kActions, name);
}

}  // namespace meshsim
