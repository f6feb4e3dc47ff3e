#include "app/requests.h"

#include <algorithm>
#include <cctype>

namespace meshsim {

std::optional<std::string> ApplyRequestOverrides(const RequestOverrides& o,
                                                 Scenario& sc) {
  if (!o.traffic.empty()) {
    std::vector<TrafficEntry> kept;
    for (const std::string& name : o.traffic) {
      auto it =
          std::find_if(sc.traffic.begin(), sc.traffic.end(),
                       [&](const TrafficEntry& t) { return t.name == name; });
      if (it == sc.traffic.end()) {
        std::vector<std::string> names;
        for (const TrafficEntry& t : sc.traffic) names.push_back(t.name);
        const std::string hint = ClosestMatch(name, names);
        return "--traffic '" + name + "' is not a traffic entry of " + sc.file +
               (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
      }
      kept.push_back(*it);
    }
    sc.traffic = kept;
  }
  if (o.http.empty() && o.headers.empty()) return std::nullopt;
  HttpRequest req;
  if (!o.http.empty()) {
    const size_t space = o.http.find(' ');
    if (space == std::string::npos || space == 0 || o.http.size() < space + 2 ||
        o.http[space + 1] != '/')
      return "--http must be \"METHOD /path\", for example \"GET "
             "/api/v1?x=1\", got '" +
             o.http + "'";
    req.method = o.http.substr(0, space);
    req.path = o.http.substr(space + 1);
  }
  for (const std::string& h : o.headers) {
    const size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0)
      return "--header must be name=value, got '" + h + "'";
    std::string name = h.substr(0, eq);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    req.headers[name] = h.substr(eq + 1);
  }
  for (TrafficEntry& t : sc.traffic) {
    HttpRequest merged = t.http.value_or(HttpRequest{});
    if (!o.http.empty()) {
      merged.method = req.method;
      merged.path = req.path;
    }
    for (const auto& [k, v] : req.headers) merged.headers[k] = v;
    t.http = merged;
  }
  return std::nullopt;
}

}  // namespace meshsim
