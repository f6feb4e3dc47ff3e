#include "sim/queueing.h"

#include <algorithm>
#include <cassert>

namespace meshsim {

ServiceTime ServiceTime::Constant(double mean_s) {
  ServiceTime s;
  s.kind = Kind::kConstant;
  s.mean_s = mean_s;
  return s;
}

ServiceTime ServiceTime::Exponential(double mean_s) {
  ServiceTime s;
  s.kind = Kind::kExponential;
  s.mean_s = mean_s;
  return s;
}

ServiceTime ServiceTime::Lognormal(double mean_s, double p99_s) {
  // mean = exp(mu + sigma^2/2), p99 = exp(mu + z sigma), z = 2.3263: solve
  // sigma^2/2 - z sigma + ln(p99/mean) = 0 for the smaller root.
  ServiceTime s;
  s.kind = Kind::kLognormal;
  s.mean_s = mean_s;
  s.p99_s = p99_s;
  const double z = 2.326347874;
  const double l = std::log(p99_s / mean_s);
  const double disc = z * z - 2 * l;
  s.sigma = disc > 0 ? z - std::sqrt(disc) : z;
  s.mu = std::log(mean_s) - s.sigma * s.sigma / 2;
  return s;
}

double ServiceTime::Scv() const {
  switch (kind) {
    case Kind::kConstant:
      return 0;
    case Kind::kExponential:
      return 1;
    case Kind::kLognormal:
      return std::exp(sigma * sigma) - 1;
  }
  return 1;
}

uint32_t QueueingNetwork::AddStation(StationSpec spec) {
  if (waiting_reason_ < 0)
    waiting_reason_ = AddReason(
        "meshsim's limit of 1,000,000 requests waiting at all proxies and "
        "workloads together was reached (docs/robustness.md); the run is "
        "overloaded far past what it can tell");
  Station st;
  st.workers = std::max(1, spec.workers);
  stations_.push_back(std::move(st));
  station_specs_.push_back(std::move(spec));
  station_stats_.emplace_back();
  return static_cast<uint32_t>(stations_.size() - 1);
}

uint32_t QueueingNetwork::AddRoute(RouteSpec route) {
  int64_t back = -route.held_ns;
  for (int64_t l : route.link_ns) back += l;
  route_return_ns_.push_back(std::max<int64_t>(0, back));
  hop_timing_.emplace_back(route.stations.size());
  route_latency_.emplace_back();
  routes_.push_back(std::move(route));
  return static_cast<uint32_t>(routes_.size() - 1);
}

uint32_t QueueingNetwork::AddSource(SourceSpec source) {
  windowless_ = windowless_ || source.end_ns <= 0;
  window_end_ns_ = windowless_ ? 0 : std::max(window_end_ns_, source.end_ns);
  sources_.push_back(std::move(source));
  source_stats_.emplace_back();
  return static_cast<uint32_t>(sources_.size() - 1);
}

void QueueingNetwork::SetPools(size_t count, int64_t handshake_ns) {
  pool_in_flight_.assign(count, 0);
  pool_open_.assign(count, 0);
  handshake_ns_ = handshake_ns;
}

uint32_t QueueingNetwork::AddBreaker(int64_t limit, int reason) {
  breaker_limit_.push_back(limit);
  breaker_in_flight_.push_back(0);
  breaker_reason_.push_back(reason);
  breaker_overflow_.push_back(0);
  return static_cast<uint32_t>(breaker_limit_.size() - 1);
}

uint32_t QueueingNetwork::AddOutlierDetector(OutlierSpec spec) {
  detectors_.push_back({std::move(spec), {}, 0, 0});
  return static_cast<uint32_t>(detectors_.size() - 1);
}

std::vector<QueueingNetwork::OutlierStats> QueueingNetwork::outlier_stats()
    const {
  std::vector<OutlierStats> out;
  for (const Detector& d : detectors_)
    out.push_back({d.spec.name, static_cast<uint32_t>(d.hosts.size()),
                   d.ejections, d.refused});
  return out;
}

uint32_t QueueingNetwork::AddPolicyCounter() {
  policy_counters_.push_back(0);
  return static_cast<uint32_t>(policy_counters_.size() - 1);
}

int QueueingNetwork::AddReason(const std::string& reason) {
  for (size_t i = 0; i < reasons_.size(); ++i)
    if (reasons_[i] == reason) return static_cast<int>(i);
  reasons_.push_back(reason);
  return static_cast<int>(reasons_.size() - 1);
}

uint32_t QueueingNetwork::AddBackend(const std::string& key) {
  return backends_.emplace(key, static_cast<uint32_t>(backends_.size()))
      .first->second;
}

void QueueingNetwork::SetTrace(TraceSink sink, uint64_t every_nth) {
  trace_ = std::move(sink);
  trace_every_ = every_nth == 0 ? 1 : every_nth;
}

uint64_t QueueingNetwork::pools_opened() const {
  uint64_t n = 0;
  for (int64_t x : pool_open_) n += static_cast<uint64_t>(x);
  return n;
}

int64_t QueueingNetwork::Draw(Station& st, const ServiceTime& s) {
  double v = s.mean_s;
  switch (s.kind) {
    case ServiceTime::Kind::kConstant:
      break;
    case ServiceTime::Kind::kExponential:
      v = std::exponential_distribution<double>(1.0 / s.mean_s)(st.rng);
      break;
    case ServiceTime::Kind::kLognormal:
      v = std::lognormal_distribution<double>(s.mu, s.sigma)(st.rng);
      break;
  }
  return std::llround(v * 1e9);
}

void QueueingNetwork::TouchQueue(uint32_t id) {
  Station& st = stations_[id];
  station_stats_[id].queue_area +=
      static_cast<double>(st.count) *
      static_cast<double>(now_.nanos() - st.last_change);
  st.last_change = now_.nanos();
}

void QueueingNetwork::Run(uint64_t seed, const RunLimits& limits) {
  limits_ = limits;
  retries_made_ = retries_refused_ = mirrored_ = waiting_ = 0;
  for (size_t i = 0; i < stations_.size(); ++i)
    stations_[i].rng.seed(
        StreamSeed(seed, "station/" + station_specs_[i].name));
  source_rng_.clear();
  source_count_.assign(sources_.size(), 0);
  for (size_t i = 0; i < sources_.size(); ++i) {
    source_rng_.emplace_back(StreamSeed(seed, "source/" + sources_[i].name));
    source_stats_[i].per_path.assign(1, 0);
    for (const auto& e : sources_[i].epochs)
      for (uint32_t r : e.routes)
        if (routes_[r].path_index + 1 >
            static_cast<int>(source_stats_[i].per_path.size()))
          source_stats_[i].per_path.resize(routes_[r].path_index + 1, 0);
  }
  breaker_in_flight_.assign(breaker_limit_.size(), 0);
  breaker_overflow_.assign(breaker_limit_.size(), 0);
  // Every host a detector's routes reach is in its pool from the start (the
  // percentages of maxEjectionPercent and minHealthPercent are of these).
  for (Detector& d : detectors_) {
    d.hosts.clear();
    d.ejections = d.refused = 0;
  }
  for (const RouteSpec& rt : routes_)
    for (const RouteSpec::OutlierHost& o : rt.outliers)
      detectors_[o.detector].hosts.try_emplace(o.host);
  queue_.Reserve(1024);
  for (size_t i = 0; i < sources_.size(); ++i) {
    const SourceSpec& s = sources_[i];
    if (s.epochs.empty()) continue;
    if (s.concurrency > 0) {
      // Every client of a closed loop sends its first request at the start.
      for (int k = 0; k < s.concurrency; ++k)
        queue_.Push(SimTime::FromNanos(s.start_ns), EventKind::kArrival, i, 0);
      continue;
    }
    if (s.rate <= 0) continue;
    // Constant arrivals start with the window, every 1/rate after: rate x
    // duration of them. Poisson ones after an exponential gap.
    const int64_t t = !s.poisson && RateAt(s, s.start_ns) > 0
                          ? s.start_ns
                          : NextArrival(static_cast<uint32_t>(i), s.start_ns);
    if (t >= 0) queue_.Push(SimTime::FromNanos(t), EventKind::kArrival, i, 0);
  }
  while (!queue_.Empty()) {
    if (limits_.stop_after_completions &&
        completed_ >= limits_.stop_after_completions)
      break;
    const Event e = queue_.Pop();
    ++events_;
    if (progress_ && (events_ & 0xFFFFF) == 0)
      progress_(SimTime::FromNanos(e.time), events_);
    now_ = SimTime::FromNanos(e.time);
    switch (e.kind) {
      case EventKind::kArrival:
        Arrive(e.a);
        break;
      case EventKind::kServiceDone:
        ServiceDone(e.a, e.b);
        break;
      case EventKind::kHopArrive:
        Enter(e.b);
        break;
      case EventKind::kFinish:
        Finish(e.b);
        break;
    }
  }
  for (uint32_t i = 0; i < stations_.size(); ++i) TouchQueue(i);
}

double QueueingNetwork::RateAt(const SourceSpec& s, int64_t t) const {
  if (s.profile.empty()) return s.rate;
  if (t < s.profile.front().first)
    return s.ramp ? s.profile.front().second : s.rate;
  for (size_t i = 0; i + 1 < s.profile.size(); ++i) {
    const auto& [t0, r0] = s.profile[i];
    const auto& [t1, r1] = s.profile[i + 1];
    if (t >= t0 && t < t1) {
      if (!s.ramp) return r0;
      return r0 + (r1 - r0) * static_cast<double>(t - t0) /
                      static_cast<double>(t1 - t0);
    }
  }
  return s.profile.back().second;
}

// The next arrival after `from`, or -1 past the end. A profile is followed by
// thinning (Lewis-Shedler) at the peak rate for Poisson arrivals, and by
// spacing 1/rate(t) for constant ones.
int64_t QueueingNetwork::NextArrival(uint32_t source, int64_t from) {
  const SourceSpec& s = sources_[source];
  std::mt19937_64& rng = source_rng_[source];
  double peak = s.rate;
  for (const auto& [t, r] : s.profile) peak = std::max(peak, r);
  if (!(peak > 0)) return -1;
  if (!s.poisson && s.profile.empty()) {
    // Constant: the k-th arrival at start + k/rate, each rounded on its own
    // (summing rounded gaps drifts: 3/s would fit a fourth into a second).
    const double gap = 1e9 / s.rate;
    const int64_t k =
        std::llround(static_cast<double>(from - s.start_ns) / gap) + 1;
    const int64_t t = s.start_ns + std::llround(static_cast<double>(k) * gap);
    return s.end_ns != 0 && t >= s.end_ns ? -1 : t;
  }
  int64_t t = from;
  for (int guard = 0; guard < 1000000; ++guard) {
    if (s.poisson) {
      t += std::llround(std::exponential_distribution<double>(peak)(rng) * 1e9);
    } else {
      const double r = RateAt(s, t);
      t += r > 0 ? std::llround(1e9 / r) : std::llround(1e9 / peak);
      if (r <= 0) continue;
    }
    if (s.end_ns != 0 && t >= s.end_ns) return -1;
    if (!s.poisson || s.profile.empty()) return t;
    if (std::uniform_real_distribution<double>(0.0, peak)(rng) < RateAt(s, t))
      return t;
  }
  return -1;
}

// A closed-loop client whose request ended sends its next one now, while
// the source has requests and time left.
void QueueingNetwork::NextClosedLoop(uint32_t source) {
  const SourceSpec& s = sources_[source];
  if (s.concurrency == 0) return;
  if (s.max_requests != 0 && source_count_[source] >= s.max_requests) return;
  if (s.end_ns != 0 && now_.nanos() >= s.end_ns) return;
  queue_.Push(now_, EventKind::kArrival, source, 0);
}

void QueueingNetwork::Arrive(uint32_t source) {
  const SourceSpec& s = sources_[source];
  const bool recorded = true;
  ++source_count_[source];
  // Schedule the next arrival first, so that the arrival stream does not
  // depend on what happens to this request. A closed loop's next request
  // waits for this one to end (NextClosedLoop).
  if (s.concurrency == 0 &&
      (s.max_requests == 0 || source_count_[source] < s.max_requests)) {
    const int64_t t = NextArrival(source, now_.nanos());
    if (t >= 0)
      queue_.Push(SimTime::FromNanos(t), EventKind::kArrival, source, 0);
  }
  uint32_t id = StartRequest(source, 0, now_.nanos(), recorded);
  EnterFirst(id);
}

// The client's link to the first station is paid on the way in as on the
// way back (route_return_ns_ counts it).
void QueueingNetwork::EnterFirst(uint32_t id) {
  Request& r = requests_[id];
  const RouteSpec& route = routes_[r.route];
  const int64_t link = route.link_ns.empty() ? 0 : route.link_ns[0];
  if (link <= 0) {
    Enter(id);
    return;
  }
  r.hop_arrive = 0;
  r.network_ns = link;
  queue_.Push(now_ + SimTime::FromNanos(link), EventKind::kHopArrive, 0, id);
}

uint32_t QueueingNetwork::StartRequest(uint32_t source, int attempt,
                                       int64_t start, bool recorded,
                                       uint32_t failed_route) {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(requests_.size());
    requests_.emplace_back();
  }
  Request& r = requests_[id];
  r.source = source;
  r.hop = 0;
  r.attempt = attempt;
  r.start = start;
  r.recorded = recorded;
  r.hop_arrive = now_.nanos();
  r.held = 0;
  r.overflow = -1;
  r.shadow = false;
  r.network_ns = 0;
  r.deadline = INT64_MAX;
  if (failed_route == UINT32_MAX)
    PickRoute(r);
  else
    PickRetryRoute(r, failed_route);
  if (recorded) {
    SourceStats& ss = source_stats_[source];
    if (attempt == 0) ++ss.requests;
    ++ss.per_path[routes_[r.route].path_index];
    for (uint32_t h : routes_[r.route].hits) ++policy_counters_[h];
  }
  if (trace_ && recorded &&
      (source_count_[source] % trace_every_ == 0 || attempt > 0))
    traces_[id].clear();
  return id;
}

const SourceSpec::Epoch& QueueingNetwork::CurrentEpoch(uint32_t source) const {
  const SourceSpec& s = sources_[source];
  const SourceSpec::Epoch* epoch = &s.epochs.front();
  for (const auto& e : s.epochs)
    if (e.start_ns <= now_.nanos()) epoch = &e;
  return *epoch;
}

uint32_t QueueingNetwork::DrawWeighted(uint32_t source,
                                       const std::vector<uint32_t>& routes,
                                       double total) {
  double u =
      std::uniform_real_distribution<double>(0.0, total)(source_rng_[source]);
  for (uint32_t x : routes) {
    u -= routes_[x].weight;
    if (u < 0) return x;
  }
  return routes.back();
}

void QueueingNetwork::PickRetryRoute(Request& r, uint32_t failed_route) {
  // Envoy keeps the weighted cluster it picked for the request and, with
  // retry.go's previous_hosts predicate (up to 5 host selections), another
  // host of it: the routes of the current epoch to the failed route's
  // backend that end elsewhere, by weight; none, the same route again.
  const RouteSpec& failed = routes_[failed_route];
  std::vector<uint32_t> others;
  double total = 0;
  for (uint32_t x : CurrentEpoch(r.source).routes) {
    const RouteSpec& rt = routes_[x];
    if (rt.backend != failed.backend || rt.stations.empty() ||
        failed.stations.empty() || rt.stations.back() == failed.stations.back())
      continue;
    others.push_back(x);
    total += rt.weight;
  }
  r.route = others.empty() || total <= 0
                ? failed_route
                : DrawWeighted(r.source, others, total);
}

void QueueingNetwork::PickRoute(Request& r) {
  const SourceSpec::Epoch* epoch = &CurrentEpoch(r.source);
  if (epoch->routes.size() == 1) {
    r.route = epoch->routes.front();
    return;
  }
  double total = 0;
  for (uint32_t x : epoch->routes) total += routes_[x].weight;
  r.route = DrawWeighted(r.source, epoch->routes, total);
  if (Usable(r.route)) return;
  // §16.1: the proxy balances over the hosts it has not ejected. The
  // routes through the same detectors to hosts still in use share the
  // ejected route's weight in proportion to theirs (the hops before the
  // proxy are drawn again, with their own shares).
  const RouteSpec& picked = routes_[r.route];
  std::vector<uint32_t> others;
  double others_total = 0;
  for (uint32_t x : epoch->routes) {
    const RouteSpec& rt = routes_[x];
    bool same = rt.outliers.size() == picked.outliers.size();
    for (size_t k = 0; same && k < rt.outliers.size(); ++k)
      same = rt.outliers[k].detector == picked.outliers[k].detector;
    if (!same || !Usable(x)) continue;
    others.push_back(x);
    others_total += rt.weight;
  }
  if (others.empty() || others_total <= 0) return;  // every host ejected
  r.route = DrawWeighted(r.source, others, others_total);
}

bool QueueingNetwork::Ejected(const RouteSpec::OutlierHost& o) const {
  const Detector& d = detectors_[o.detector];
  auto it = d.hosts.find(o.host);
  if (it == d.hosts.end() || it->second.ejected_until <= now_.nanos())
    return false;
  // Envoy's panic threshold (minHealthPercent): below it, the proxy balances
  // over every host, ejected or not.
  if (d.spec.min_health_percent > 0) {
    size_t ejected = 0;
    for (const auto& [host, st] : d.hosts)
      ejected += st.ejected_until > now_.nanos();
    const double healthy = 100.0 *
                           static_cast<double>(d.hosts.size() - ejected) /
                           static_cast<double>(d.hosts.size());
    if (healthy < static_cast<double>(d.spec.min_health_percent)) return false;
  }
  return true;
}

bool QueueingNetwork::Usable(uint32_t route) const {
  for (const RouteSpec::OutlierHost& o : routes_[route].outliers)
    if (Ejected(o)) return false;
  return true;
}

// Envoy's consecutive-5xx detector (§16.1): the host's count grows with each
// failure and resets on any other answer; at the threshold the host is
// ejected, unless that would put more than maxEjectionPercent of the hosts
// out (checked as Envoy does since 1.31, without always_eject_one_host, which
// Istio does not set: under 10 hosts the default 10% ejects none). An
// ejection lasts baseEjectionTime times the host's ejection count (at most
// 300 s, Envoy's max_ejection_time), the count falling by one for every
// interval the host stays in; the host returns at the detector's next
// interval tick.
void QueueingNetwork::ChargeOutliers(const RouteSpec& route, bool failed) {
  const int64_t now = now_.nanos();
  for (const RouteSpec::OutlierHost& o : route.outliers) {
    Detector& d = detectors_[o.detector];
    HostState& h = d.hosts[o.host];
    if (h.ejected_until > now) continue;  // answers of requests in flight
    if (!failed) {
      h.consecutive = 0;
      continue;
    }
    // consecutive5xxErrors 0: counted, never enforced (§16.1).
    if (++h.consecutive < d.spec.consecutive_5xx || d.spec.consecutive_5xx == 0)
      continue;
    h.consecutive = 0;
    size_t ejected = 0;
    for (const auto& [host, st] : d.hosts) ejected += st.ejected_until > now;
    const double share = 100.0 * static_cast<double>(ejected + 1) /
                         static_cast<double>(d.hosts.size());
    if (share > static_cast<double>(d.spec.max_ejection_percent)) {
      ++d.refused;
      continue;
    }
    const int64_t interval = std::max<int64_t>(1, d.spec.interval_ns);
    const int64_t decay = (now - h.since) / interval;
    h.multiplier = std::max<int64_t>(0, h.multiplier - decay) + 1;
    constexpr int64_t kMaxEjectionNs = 300'000'000'000;  // Envoy's default
    const int64_t length =
        std::min(d.spec.base_ejection_ns * h.multiplier,
                 std::max(d.spec.base_ejection_ns, kMaxEjectionNs));
    const int64_t until = now + length;
    h.ejected_until = (until + interval - 1) / interval * interval;
    h.since = h.ejected_until;
    ++d.ejections;
  }
}

// The request reaches station `hop` of its route: it opens an HBONE
// connection if its pool has none idle (paying the handshake), then starts
// service or queues.
void QueueingNetwork::Enter(uint32_t id) {
  {
    // A mirror copy is a new request: requests_ may grow, so take the
    // references below only after it.
    const Request& r0 = requests_[id];
    const RouteSpec& rt = routes_[r0.route];
    if (rt.mirror && r0.hop_arrive != -1 && !r0.shadow &&
        rt.mirror->at == r0.hop)
      Mirror(id);
  }
  Request& r = requests_[id];
  const RouteSpec& route = routes_[r.route];
  if (r.hop >= route.stations.size()) {
    Advance(id);
    return;
  }
  if (r.hop_arrive != -1 && !Admit(id)) return;
  const int32_t pool = route.pool.empty() ? -1 : route.pool[r.hop];
  if (pool >= 0 && r.hop_arrive != -1) {
    ++pool_in_flight_[pool];
    if (pool_in_flight_[pool] > pool_open_[pool]) {
      ++pool_open_[pool];
      if (handshake_ns_ > 0) {
        r.hop_arrive = -1;  // handshake paid; come back without it
        r.network_ns += handshake_ns_;
        queue_.Push(now_ + SimTime::FromNanos(handshake_ns_),
                    EventKind::kHopArrive, 0, id);
        return;
      }
    }
  }
  r.hop_arrive = now_.nanos();
  const uint32_t sid = route.stations[r.hop];
  Station& st = stations_[sid];
  std::vector<TraceHop>* trace = Traced(id);
  if (trace) trace->push_back({sid, now_.nanos(), -1, -1});
  if (st.busy < st.workers) {
    ++st.busy;
    const int64_t d = Draw(st, station_specs_[sid].service);
    AddBusy(sid, d);
    if (trace) trace->back().start = now_.nanos();
    r.service_start = now_.nanos();
    queue_.Push(now_ + SimTime::FromNanos(d), EventKind::kServiceDone, sid, id);
  } else {
    const StationSpec& spec = station_specs_[sid];
    const bool full = st.count >= spec.queue_limit;
    if (full || waiting_ >= limits_.max_waiting) {
      // A bounded queue: the request fails here at once, as a proxy past
      // its pending limit answers 503. It never held this hop's pool slot.
      if (pool >= 0) --pool_in_flight_[pool];
      if (trace) trace->pop_back();
      if (r.recorded) ++station_stats_[sid].queue_full;
      r.overflow = full ? spec.queue_reason : waiting_reason_;
      Finish(id);
      return;
    }
    ++waiting_;
    TouchQueue(sid);
    if (st.count == st.ring.size()) {
      // Grow the ring, keeping FIFO order.
      std::vector<uint32_t> bigger(std::max<size_t>(16, st.ring.size() * 2));
      for (size_t k = 0; k < st.count; ++k)
        bigger[k] = st.ring[(st.head + k) % st.ring.size()];
      st.ring.swap(bigger);
      st.head = 0;
    }
    st.ring[(st.head + st.count) % st.ring.size()] = id;
    ++st.count;
    StationStats& ss = station_stats_[sid];
    ss.max_queue = std::max<uint64_t>(ss.max_queue, st.count);
  }
}

// The timeline of a request being traced, or nullptr; free when tracing is
// off, so the event loop pays nothing for it.
std::vector<TraceHop>* QueueingNetwork::Traced(uint32_t id) {
  if (!trace_) return nullptr;
  auto it = traces_.find(id);
  return it == traces_.end() ? nullptr : &it->second;
}

void QueueingNetwork::ServiceDone(uint32_t sid, uint32_t id) {
  Station& st = stations_[sid];
  ++station_stats_[sid].served;
  if (std::vector<TraceHop>* trace = Traced(id))
    trace->back().depart = now_.nanos();
  if (st.count > 0) {
    TouchQueue(sid);
    const uint32_t next = st.ring[st.head];
    st.head = (st.head + 1) % st.ring.size();
    --st.count;
    --waiting_;
    const int64_t d = Draw(st, station_specs_[sid].service);
    AddBusy(sid, d);
    if (std::vector<TraceHop>* trace = Traced(next))
      trace->back().start = now_.nanos();
    requests_[next].service_start = now_.nanos();
    queue_.Push(now_ + SimTime::FromNanos(d), EventKind::kServiceDone, sid,
                next);
  } else {
    --st.busy;
  }
  Request& r = requests_[id];
  if (r.recorded && !r.shadow && completed_ >= limits_.warmup_completions) {
    HopTiming& h = hop_timing_[r.route][r.hop];
    const int64_t wait = r.service_start - r.hop_arrive;
    const int64_t service = now_.nanos() - r.service_start;
    ++h.samples;
    h.network_ns += static_cast<double>(r.network_ns);
    h.wait_ns += static_cast<double>(wait);
    h.service_ns += static_cast<double>(service);
    h.wait.Add(wait);
    h.service.Add(service);
  }
  // §16.2: a proxy whose route has a timeout starts its timer as it
  // forwards the request.
  for (const RouteSpec::Timer& t : routes_[r.route].timers)
    if (t.at == r.hop)
      r.deadline = std::min(
          r.deadline, now_.nanos() + t.start_ns + t.timeout_ns + t.back_ns);
  ++r.hop;
  Advance(id);
}

// Moves the request to its next hop, or sends the response back.
void QueueingNetwork::Advance(uint32_t id) {
  Request& r = requests_[id];
  const RouteSpec& route = routes_[r.route];
  if (r.hop < route.stations.size()) {
    const int64_t link = route.link_ns[r.hop];
    r.hop_arrive = 0;
    r.network_ns = link;
    if (link > 0) {
      queue_.Push(now_ + SimTime::FromNanos(link), EventKind::kHopArrive, 0,
                  id);
    } else {
      Enter(id);
    }
    return;
  }
  // The response returns along the same links (a station's service time
  // covers both directions, so the return costs network delay only).
  const int64_t back = route_return_ns_[r.route];
  if (back > 0) {
    queue_.Push(now_ + SimTime::FromNanos(back), EventKind::kFinish, 0, id);
  } else {
    Finish(id);
  }
}

// The circuit breakers the request crosses entering its current station
// (§16.1): a full one fails it at once, the proxy answering 503 itself.
bool QueueingNetwork::Admit(uint32_t id) {
  Request& r = requests_[id];
  const RouteSpec& route = routes_[r.route];
  while (r.held < route.breakers.size() && route.breakers[r.held].at == r.hop) {
    const uint32_t b = route.breakers[r.held].id;
    if (breaker_in_flight_[b] >= breaker_limit_[b]) {
      if (r.recorded) ++breaker_overflow_[b];
      r.overflow = breaker_reason_[b];
      Finish(id);
      return false;
    }
    ++breaker_in_flight_[b];
    ++r.held;
  }
  return true;
}

// §16.2: the proxy copies the request to the mirror and does not wait.
void QueueingNetwork::Mirror(uint32_t id) {
  const Request r = requests_[id];
  const RouteSpec::Mirror& m = *routes_[r.route].mirror;
  std::mt19937_64& rng = source_rng_[r.source];
  if (m.routes.empty() ||
      std::uniform_real_distribution<double>(0.0, 1.0)(rng) >= m.share)
    return;
  const size_t pick =
      m.routes.size() == 1
          ? 0
          : std::uniform_int_distribution<size_t>(0, m.routes.size() - 1)(rng);
  uint32_t copy;
  if (!free_.empty()) {
    copy = free_.back();
    free_.pop_back();
  } else {
    copy = static_cast<uint32_t>(requests_.size());
    requests_.emplace_back();
  }
  Request& c = requests_[copy];
  c = Request{};
  c.source = r.source;
  c.route = m.routes[pick];
  c.start = now_.nanos();
  c.hop_arrive = now_.nanos();
  c.recorded = false;
  c.shadow = true;
  ++mirrored_;
  queue_.Push(now_, EventKind::kHopArrive, 0, copy);
}

void QueueingNetwork::Release(uint32_t id) {
  const Request& r = requests_[id];
  const RouteSpec& route = routes_[r.route];
  // Only the connection pools and breakers the request reached.
  const size_t reached = std::min<size_t>(r.hop, route.pool.size());
  for (size_t i = 0; i < reached; ++i)
    if (route.pool[i] >= 0) --pool_in_flight_[route.pool[i]];
  for (uint32_t k = 0; k < r.held; ++k)
    --breaker_in_flight_[route.breakers[k].id];
  free_.push_back(id);
}

void QueueingNetwork::Finish(uint32_t id) {
  Request r = requests_[id];
  const RouteSpec& route = routes_[r.route];
  SourceStats& ss = source_stats_[r.source];
  const int64_t latency = now_.nanos() - r.start;
  const bool overflow = r.overflow >= 0;
  // §16.2: a proxy's timer ran out before the answer was back at it.
  const bool timed_out = !overflow && now_.nanos() > r.deadline;
  const bool failed =
      overflow || route.outcome == Outcome::kFailed || timed_out;
  if (trace_) {
    auto it = traces_.find(id);
    if (it != traces_.end()) {
      trace_(r.source, r.route, r.attempt, r.start, now_.nanos(), it->second);
      traces_.erase(it);
    }
  }
  Release(id);
  if (r.shadow) return;  // a mirror's answer is discarded
  // A breaker's local 503 never reached the host.
  if (!overflow && !route.outliers.empty()) ChargeOutliers(route, failed);
  // A breaker's local 503 is not retried (Envoy's overflow is not a
  // retriable upstream failure).
  const bool retry = failed && !overflow && !timed_out && route.retriable &&
                     r.attempt < route.retries;
  if (retry && retries_made_ >= limits_.max_retries) {
    ++retries_refused_;
  } else if (retry) {
    // Retried by the proxy that applies the route: the retry is new load.
    ++retries_made_;
    if (r.recorded) ++ss.retries;
    uint32_t again =
        StartRequest(r.source, r.attempt + 1, r.start, r.recorded, r.route);
    requests_[again].deadline = r.deadline;
    Enter(again);
    return;
  }
  // Statistics count completions after the warm-up (the first
  // `warmup_completions` to finish, as the tandem peers do).
  const bool measured = r.recorded && completed_ >= limits_.warmup_completions;
  ++completed_;
  NextClosedLoop(r.source);
  if (!measured) return;
  if (overflow) {
    ++ss.failed;
    ++ss.failed_by_reason[r.overflow];
  } else if (timed_out) {
    ++ss.failed;
    ++ss.timeouts;
  } else if (route.outcome == Outcome::kDelivered) {
    ++ss.delivered;
    ss.latency.Add(latency);
    route_latency_[r.route].Add(latency);
    ss.latency_sum_ns += static_cast<double>(latency);
  } else if (route.outcome == Outcome::kDenied) {
    ++ss.denied;
  } else {
    ++ss.failed;
    ++ss.failed_by_reason[route.reason];
  }
}

}  // namespace meshsim
