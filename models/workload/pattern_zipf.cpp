// zipf: skewed reuse (key-value store, embedding tables).
#include "models/workload/access_pattern.hpp"

#include <bit>
#include <cmath>

namespace svasim {

namespace {

// Ranks are drawn by rejection-inversion (W. Hörmann, G. Derflinger, "Rejection-inversion to generate
// variates from monotone discrete distributions", ACM TOMACS 6(3), 1996), following the formulation of
// Apache Commons RNG's RejectionInversionZipfSampler: O(1) time and memory per sample for any n (a
// cumulative table would need 32 GiB at n = 2^32), valid for every s > 0 including s = 1, and the
// acceptance rate stays above ~0.9 for all n and s.
class ZipfRank {
public:
  ZipfRank(std::uint64_t n, double s) : n_(n), s_(s) {
    h_integral_x1_ = h_integral(1.5) - 1.0;
    h_integral_n_ = h_integral(static_cast<double>(n) + 0.5);
    squeeze_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
  }
  // Rank in [1, n], P(k) proportional to k^-s.
  std::uint64_t sample(RandomStream& rng) const {
    for (;;) {
      const double u = h_integral_n_ + rng.uniform01() * (h_integral_x1_ - h_integral_n_);
      const double x = h_integral_inverse(u);
      double kd = std::floor(x + 0.5);
      if (kd < 1.0) kd = 1.0;
      const double nd = static_cast<double>(n_);
      if (kd > nd) kd = nd;
      if (kd - x <= squeeze_ || u >= h_integral(kd + 0.5) - h(kd)) {
        const auto k = static_cast<std::uint64_t>(kd);
        return k > n_ ? n_ : k;  // n above 2^53 rounds in double; stay in range regardless
      }
    }
  }

private:
  // H(x) = integral of h: ((x^(1-s)) - 1) / (1 - s), written to stay exact as s -> 1 (where it is log x).
  double h_integral(double x) const {
    const double lx = std::log(x);
    return helper2((1.0 - s_) * lx) * lx;
  }
  double h(double x) const { return std::exp(-s_ * std::log(x)); }
  double h_integral_inverse(double x) const {
    double t = x * (1.0 - s_);
    if (t < -1.0) t = -1.0;  // guards rounding at the far tail; H^-1 is only defined for t >= -1
    return std::exp(helper1(t) * x);
  }
  // log1p(x)/x and expm1(x)/x with their Taylor series near 0, where the quotients lose precision.
  static double helper1(double x) {
    return std::fabs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
  }
  static double helper2(double x) {
    return std::fabs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
  }

  std::uint64_t n_;
  double s_;
  double h_integral_x1_ = 0, h_integral_n_ = 0, squeeze_ = 0;
};

// Rank -> slot scrambling. Without it rank 0..k would be slots 0..k: the hot set would be one
// contiguous run and fill a handful of 4 KiB pages, making a zipf workload look as TLB-friendly as a
// sequential one. The permutation is fixed (independent of the seed) so "the most popular slot" is the
// same across runs and seeds. Construction: p(x) = (((x ^ (x >> h)) * odd) + c) mod 2^k over the
// smallest power of two 2^k >= n — each step is a bijection on k-bit values (xorshift, multiplication
// by an odd number, addition) — then cycle-walking: while p(x) >= n apply p again. Cycle-walking a
// permutation of [0, 2^k) restricted to [0, n) is a permutation of [0, n), and since 2^k < 2n the
// expected number of extra rounds is below 1.
class SlotPermutation {
public:
  explicit SlotPermutation(std::uint64_t n) : n_(n) {
    const unsigned k = n <= 1 ? 0u : static_cast<unsigned>(std::bit_width(n - 1));
    mask_ = k == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
    half_ = k / 2 == 0 ? 1u : k / 2;
  }
  std::uint64_t operator()(std::uint64_t x) const {
    if (n_ <= 1) return 0;
    do x = round(x);
    while (x >= n_);
    return x;
  }

private:
  std::uint64_t round(std::uint64_t x) const {
    x ^= x >> half_;
    x = (x * 0xd6e8feb86659fd93ULL + 0x9e3779b97f4a7c15ULL) & mask_;
    return x;
  }
  std::uint64_t n_, mask_;
  unsigned half_;
};

class Zipf final : public AccessPattern {
public:
  Zipf(std::uint64_t slots, std::uint64_t request, double s) : rank_(slots, s), perm_(slots), request_(request) {}
  std::uint64_t next(RandomStream& rng) override { return perm_(rank_.sample(rng) - 1) * request_; }

private:
  ZipfRank rank_;
  SlotPermutation perm_;
  std::uint64_t request_;
};

std::unique_ptr<AccessPattern> make(const PatternSpec& spec) {
  const std::uint64_t slots = pattern_slots(spec);
  if (!(spec.zipf_s > 0.0) || !std::isfinite(spec.zipf_s)) bad_pattern("zipf_s must be a finite number > 0");
  return std::make_unique<Zipf>(slots, spec.request_bytes, spec.zipf_s);
}

}  // namespace

SVASIM_REGISTER(AccessPattern, "zipf", make,
                {.description = "popular slots (zipf_s) scattered over the working set, O(1) sampling",
                 .keys = {"zipf_s"}});

}  // namespace svasim
