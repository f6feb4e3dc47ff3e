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

// Bucket counts, a total and an exact maximum: what LatencyHistogram and
// HopHistogram share. `Mid` gives a bucket's representative value.
template <int kN>
class BucketCounts {
 public:
  static constexpr int kBuckets = kN;

  BucketCounts() : counts_(kN, 0) {}

  // Adds `o`'s samples: exact (bucket counts add), so merging runs in any
  // grouping gives the same histogram as one run that saw them all.
  void Merge(const BucketCounts& o) {
    for (int b = 0; b < kN; ++b) counts_[b] += o.counts_[b];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
  }
  bool operator==(const BucketCounts& o) const {
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

 protected:
  void Count(int b, int64_t ns) {
    ++counts_[b];
    ++total_;
    if (ns > max_) max_ = ns;
  }
  // The q-quantile (0 < q <= 1): the ceil(q*n)-th smallest sample's bucket,
  // as `mid(b)`, never above the exact maximum.
  template <typename Mid>
  double QuantileOf(double q, Mid mid) const {
    if (total_ == 0) return 0;
    uint64_t rank =
        static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (int b = 0; b < kN; ++b) {
      seen += counts_[b];
      if (seen >= rank) return std::min(mid(b), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

class LatencyHistogram : public BucketCounts<1700> {
 public:
  static constexpr double kGrowth = 1.02;

  void Add(int64_t ns) {
    const double v = ns < 1 ? 1.0 : static_cast<double>(ns);
    int b = static_cast<int>(std::log(v) * kInvLogGrowth);
    if (b >= kBuckets) b = kBuckets - 1;
    Count(b, ns);
  }
  // The q-quantile: the bucket's geometric middle (within 1%).
  double Quantile(double q) const {
    return QuantileOf(q, [](int b) { return std::pow(kGrowth, b + 0.5); });
  }

 private:
  static inline const double kInvLogGrowth = 1.0 / std::log(kGrowth);
};

// A small histogram for per-hop times (HopTiming), cheap to add to: 16
// sub-buckets per power of two of the value in ns, read off the bits of
// its double (no logarithm), from 1 ns to 2^40 ns (18 minutes); a quantile
// is the middle of its bucket, within 3.2% of the values in it, and never
// above the maximum. 5 KB, so one per hop of every path stays cheap.
class HopHistogram : public BucketCounts<41 * 16> {
 public:
  static constexpr int kSub = 16;

  void Add(int64_t ns) {
    int b = 0;
    if (ns > 1) {
      int exp = 0;
      const double frac = std::frexp(static_cast<double>(ns), &exp);  // [.5,1)
      b = (exp - 1) * kSub + static_cast<int>((frac * 2 - 1) * kSub);
      if (b >= kBuckets) b = kBuckets - 1;
    }
    Count(b, ns);
  }
  double Quantile(double q) const {
    return QuantileOf(q, [](int b) {
      // Bucket b covers 2^e * [1 + s/16, 1 + (s+1)/16).
      if (b == 0) return 1.0;
      const double lo =
          std::ldexp(1.0 + static_cast<double>(b % kSub) / kSub, b / kSub);
      const double hi =
          std::ldexp(1.0 + static_cast<double>(b % kSub + 1) / kSub, b / kSub);
      return (lo + hi) / 2;
    });
  }
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
