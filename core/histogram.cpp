#include "core/histogram.hpp"

#include <bit>
#include <cmath>
#include <nlohmann/json.hpp>

namespace svasim {

// Bucket layout. Index i = k * 128 + s with k = i >> 7 ("octave") and s = i & 127 ("sub-bucket"):
//   k == 0: the exact values 0..127 (bucket width 1);
//   k >= 1: values [ (128 + s) << (k - 1), (129 + s) << (k - 1) ), i.e. the octave [2^(k+6), 2^(k+7))
//           split into 128 buckets of width 2^(k-1).
// A bucket of octave k >= 1 starts at >= 128 * 2^(k-1), so its width is at most 1/128 of any value
// in it, and its midpoint is within 1/256 of any value in it. UINT64_MAX lands in the last bucket
// (k = 57, s = 127), hence kBuckets = 58 * 128.
namespace {
constexpr unsigned kSub = 1u << Histogram::kSubBucketBits;  // 128
}

unsigned Histogram::index_of(std::uint64_t v) {
  if (v < kSub) return static_cast<unsigned>(v);
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));  // >= kSubBucketBits
  const unsigned shift = msb - kSubBucketBits;
  const unsigned sub = static_cast<unsigned>(v >> shift) - kSub;          // in [0, 128)
  return ((shift + 1u) << kSubBucketBits) + sub;
}

std::uint64_t Histogram::lowest_of(unsigned index) {
  const unsigned k = index >> kSubBucketBits;
  const std::uint64_t sub = index & (kSub - 1u);
  if (k == 0) return sub;
  return (kSub + sub) << (k - 1u);
}

std::uint64_t Histogram::highest_of(unsigned index) {
  const unsigned k = index >> kSubBucketBits;
  if (k == 0) return lowest_of(index);
  // For the very last bucket this is 0xFF00.. + 0x00FF.. = UINT64_MAX, no overflow.
  return lowest_of(index) + ((std::uint64_t{1} << (k - 1u)) - 1u);
}

void Histogram::record(std::uint64_t value_ns) {
  ++counts_[index_of(value_ns)];
  ++count_;
  sum_ += static_cast<long double>(value_ns);
  if (value_ns < min_) min_ = value_ns;
  if (value_ns > max_) max_ = value_ns;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.min_ < min_) min_ = other.min_;
  if (other.max_ > max_) max_ = other.max_;
}

double Histogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t Histogram::min() const { return count_ == 0 ? 0 : min_; }

std::uint64_t Histogram::max() const { return count_ == 0 ? 0 : max_; }

std::uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0.0)) return min_;  // also NaN
  if (q >= 1.0) return max_;
  // rank = ceil(q * count); the tiny shrink keeps e.g. 0.9 * 10 (= 9.000000000000002 in binary
  // floating point) at rank 9 rather than 10.
  const double r = std::ceil(q * static_cast<double>(count_) * (1.0 - 1e-12));
  std::uint64_t rank = r < 1.0 ? 1 : static_cast<std::uint64_t>(r);
  if (rank > count_) rank = count_;
  std::uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t lo = lowest_of(i);
      const std::uint64_t mid = lo + (highest_of(i) - lo) / 2;
      if (mid < min_) return min_;
      if (mid > max_) return max_;
      return mid;
    }
  }
  return max_;  // unreachable: the counts add up to count_
}

std::vector<Histogram::Bucket> Histogram::buckets(unsigned bits) const {
  std::vector<Bucket> out;
  if (bits > kSubBucketBits) bits = kSubBucketBits;
  const unsigned group = 1u << (kSubBucketBits - bits);  // fine buckets per coarse one
  for (unsigned first = 0; first < kBuckets; first += group) {
    std::uint64_t n = 0;
    for (unsigned i = first; i < first + group; ++i) n += counts_[i];
    if (n > 0) out.push_back({lowest_of(first), highest_of(first + group - 1), n});
  }
  return out;
}

nlohmann::json Histogram::to_json() const {
  return nlohmann::json{
      {"count", count_},
      {"mean_ns", mean()},
      {"min_ns", min()},
      {"p50_ns", quantile(0.50)},
      {"p90_ns", quantile(0.90)},
      {"p99_ns", quantile(0.99)},
      {"p999_ns", quantile(0.999)},
      {"max_ns", max()},
  };
}

}  // namespace svasim
