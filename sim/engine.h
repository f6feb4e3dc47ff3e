// The discrete-event core: simulated time as integer nanoseconds, and an
// event queue that orders simultaneous events by insertion sequence, so the
// same inputs and seed always replay the same way.
//
//   EventQueue q;
//   q.Push(SimTime::FromSeconds(0.5), EventKind::kArrival, source, 0);
//   while (!q.Empty()) { Event e = q.Pop(); ... }
#ifndef MESHSIM_SIM_ENGINE_H_
#define MESHSIM_SIM_ENGINE_H_

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace meshsim {

// Simulated time, in integer nanoseconds since the start of the run.
class SimTime {
 public:
  constexpr SimTime() = default;
  static constexpr SimTime FromNanos(int64_t ns) { return SimTime(ns); }
  static SimTime FromSeconds(double s) {
    return SimTime(std::llround(s * 1e9));
  }
  static SimTime FromMillis(double ms) {
    return SimTime(std::llround(ms * 1e6));
  }
  constexpr int64_t nanos() const { return ns_; }
  double seconds() const { return static_cast<double>(ns_) * 1e-9; }
  double millis() const { return static_cast<double>(ns_) * 1e-6; }
  constexpr SimTime operator+(SimTime o) const { return SimTime(ns_ + o.ns_); }
  constexpr SimTime operator-(SimTime o) const { return SimTime(ns_ - o.ns_); }
  SimTime& operator+=(SimTime o) {
    ns_ += o.ns_;
    return *this;
  }
  constexpr bool operator<(SimTime o) const { return ns_ < o.ns_; }
  constexpr bool operator<=(SimTime o) const { return ns_ <= o.ns_; }
  constexpr bool operator==(SimTime o) const { return ns_ == o.ns_; }

 private:
  constexpr explicit SimTime(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

enum class EventKind : uint8_t {
  kArrival,      // a = source: the next external request of a source
  kServiceDone,  // a = station, b = request
  kHopArrive,    // b = request reaches its next hop after a network delay
  kFinish,       // b = request's response is back at the client
};

struct Event {
  int64_t time;
  uint64_t seq;  // insertion order: ties at equal times pop first-in first-out
  EventKind kind;
  uint32_t a;
  uint32_t b;
};

// A binary min-heap on (time, seq). Kept by hand (not std::priority_queue)
// so that the hot path has no comparator indirection and can be inlined.
class EventQueue {
 public:
  void Reserve(size_t n) { heap_.reserve(n); }
  bool Empty() const { return heap_.empty(); }
  size_t Size() const { return heap_.size(); }

  void Push(SimTime t, EventKind kind, uint32_t a, uint32_t b) {
    heap_.push_back(Event{t.nanos(), seq_++, kind, a, b});
    size_t i = heap_.size() - 1;
    const Event e = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (!Less(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  Event Pop() {
    const Event top = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const size_t n = heap_.size();
    if (n > 0) {
      size_t i = 0;
      while (true) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && Less(heap_[child + 1], heap_[child])) ++child;
        if (!Less(heap_[child], last)) break;
        heap_[i] = heap_[child];
        i = child;
      }
      heap_[i] = last;
    }
    return top;
  }

 private:
  static bool Less(const Event& x, const Event& y) {
    return x.time < y.time || (x.time == y.time && x.seq < y.seq);
  }
  std::vector<Event> heap_;
  uint64_t seq_ = 0;
};

// The random source of one station or traffic source, seeded from the run
// seed and a stable name, so adding a traffic entry does not change another
// entry's arrivals.
inline uint64_t StreamSeed(uint64_t seed, const std::string_view name) {
  uint64_t h = 1469598103934665603ull ^ (seed * 0x9E3779B97F4A7C15ull);
  for (unsigned char ch : name) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace meshsim

#endif  // MESHSIM_SIM_ENGINE_H_
