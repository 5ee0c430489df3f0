#pragma once
// Bounded-memory log-linear (HDR-style) latency histogram: values in integer nanoseconds, every
// power-of-two octave split into 128 linear sub-buckets, so any reported quantile is within 1 % (in
// fact 1/256) of the true sample value. Memory is fixed whatever the number of samples.
#include <array>
#include <cstdint>
#include <vector>
#include <nlohmann/json_fwd.hpp>

namespace svasim {

class Histogram {
public:
  static constexpr unsigned kSubBucketBits = 7; // 128 sub-buckets per octave
  void record(std::uint64_t value_ns);
  void merge(const Histogram& other);
  std::uint64_t count() const { return count_; }
  double mean() const;            // exact (sum kept separately), 0 when empty
  std::uint64_t min() const;      // exact, 0 when empty
  std::uint64_t max() const;      // exact, 0 when empty
  // q in [0, 1]; the representative value of the bucket holding the ceil(q*count)-th smallest sample,
  // clamped to [min, max]; 0 when empty.
  std::uint64_t quantile(double q) const;
  // {"count", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "min_ns"}
  nlohmann::json to_json() const;
  // The distribution for plotting: the non-empty buckets, coarsened to 2^bits per octave (4: 16, each
  // within 1/16 of its values), lowest first. Bounds are inclusive; they add up to count().
  struct Bucket {
    std::uint64_t lo_ns, hi_ns, count;
  };
  std::vector<Bucket> buckets(unsigned bits = 4) const;

private:
  static constexpr unsigned kBuckets = (64 - kSubBucketBits + 1) << kSubBucketBits;
  static unsigned index_of(std::uint64_t v);
  static std::uint64_t lowest_of(unsigned index);
  static std::uint64_t highest_of(unsigned index);
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  long double sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace svasim
