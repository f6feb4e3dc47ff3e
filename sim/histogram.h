// A streaming latency histogram with bounded relative error: memory is fixed
// (about 1,700 buckets) whatever the number of samples.
//
// Buckets grow geometrically by a factor of 1.02 from 1 ns to about 3 hours;
// a quantile is reported as the geometric middle of its bucket, which is
// within 1% of every value in that bucket. Values below 1 ns count as 1 ns.
#ifndef MESHSIM_SIM_HISTOGRAM_H_
#define MESHSIM_SIM_HISTOGRAM_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace meshsim {

class LatencyHistogram {
 public:
  static constexpr double kGrowth = 1.02;
  static constexpr int kBuckets = 1700;

  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Add(int64_t ns) {
    const double v = ns < 1 ? 1.0 : static_cast<double>(ns);
    int b = static_cast<int>(std::log(v) * kInvLogGrowth);
    if (b >= kBuckets) b = kBuckets - 1;
    ++counts_[b];
    ++total_;
    if (ns > max_) max_ = ns;
  }

  // Adds `o`'s samples: exact (bucket counts add), so merging runs in any
  // grouping gives the same histogram as one run that saw them all.
  void Merge(const LatencyHistogram& o) {
    for (int b = 0; b < kBuckets; ++b) counts_[b] += o.counts_[b];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
  }
  bool operator==(const LatencyHistogram& o) const {
    return total_ == o.total_ && max_ == o.max_ && counts_ == o.counts_;
  }

  uint64_t count() const { return total_; }
  // Bucket by bucket, for shard files (app/shard.h) that carry histograms.
  uint64_t bucket(int b) const { return counts_[b]; }
  void AddToBucket(int b, uint64_t n) {
    counts_[b] += n;
    total_ += n;
  }
  void SetMax(int64_t max) { max_ = max; }
  int64_t max() const { return max_; }

  // The q-quantile (0 < q <= 1): the ceil(q*n)-th smallest sample's bucket
  // (its geometric middle, within 1%), never above the exact maximum.
  double Quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank =
        static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= rank)
        return std::min(std::pow(kGrowth, b + 0.5), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

 private:
  static inline const double kInvLogGrowth = 1.0 / std::log(kGrowth);
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

// A small histogram for per-hop times (HopTiming), cheap to add to: 16
// sub-buckets per power of two of the value in ns, read off the bits of
// its double (no logarithm), from 1 ns to 2^40 ns (18 minutes); a quantile
// is the middle of its bucket, within 3.2% of the values in it, and never
// above the maximum. 5 KB, so one per hop of every path stays cheap.
class HopHistogram {
 public:
  static constexpr int kSub = 16;
  static constexpr int kBuckets = 41 * kSub;

  HopHistogram() : counts_(kBuckets, 0) {}
  void Add(int64_t ns) {
    int b = 0;
    if (ns > 1) {
      int exp = 0;
      const double frac = std::frexp(static_cast<double>(ns), &exp);  // [.5,1)
      b = (exp - 1) * kSub + static_cast<int>((frac * 2 - 1) * kSub);
      if (b >= kBuckets) b = kBuckets - 1;
    }
    ++counts_[b];
    ++total_;
    if (ns > max_) max_ = ns;
  }
  void Merge(const HopHistogram& o) {
    for (int b = 0; b < kBuckets; ++b) counts_[b] += o.counts_[b];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
  }
  uint64_t count() const { return total_; }
  uint64_t bucket(int b) const { return counts_[b]; }
  void AddToBucket(int b, uint64_t n) {
    counts_[b] += n;
    total_ += n;
  }
  void SetMax(int64_t max) { max_ = max; }
  int64_t max() const { return max_; }
  // The q-quantile as LatencyHistogram::Quantile: never above the maximum.
  double Quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank =
        static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= rank) {
        // Bucket b covers 2^e * [1 + s/16, 1 + (s+1)/16).
        const double lo =
            std::ldexp(1.0 + static_cast<double>(b % kSub) / kSub, b / kSub);
        const double hi = std::ldexp(
            1.0 + static_cast<double>(b % kSub + 1) / kSub, b / kSub);
        return std::min(b == 0 ? 1.0 : (lo + hi) / 2,
                        static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

// Where a request's time goes at one station of a route: the network delay
// to reach it (with any HBONE handshake), the wait in its queue and its
// service, summed over the requests that left it (after the warm-up).
struct HopTiming {
  uint64_t samples = 0;
  double network_ns = 0, wait_ns = 0, service_ns = 0;
  HopHistogram wait, service;
  void Merge(const HopTiming& o) {
    samples += o.samples;
    network_ns += o.network_ns;
    wait_ns += o.wait_ns;
    service_ns += o.service_ns;
    wait.Merge(o.wait);
    service.Merge(o.service);
  }
};

}  // namespace meshsim

#endif  // MESHSIM_SIM_HISTOGRAM_H_
