#include "models/workload/access_pattern.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>

namespace svasim {

namespace {

// ---- sequential: a streaming DMA engine (NIC ring, NVMe PRP list walk) ----
class Sequential final : public AccessPattern {
public:
  Sequential(std::uint64_t slots, std::uint64_t request) : slots_(slots), request_(request) {}
  std::uint64_t next(RandomStream&) override {
    const std::uint64_t off = slot_ * request_;
    if (++slot_ == slots_) slot_ = 0;  // wrap: ring buffers are reused from the start
    return off;
  }

private:
  std::uint64_t slots_, request_, slot_ = 0;
};

// ---- uniform: no locality at all, the worst case for an ATC ----
class Uniform final : public AccessPattern {
public:
  Uniform(std::uint64_t slots, std::uint64_t request) : slots_(slots), request_(request) {}
  std::uint64_t next(RandomStream& rng) override { return rng.uniform_int(0, slots_ - 1) * request_; }

private:
  std::uint64_t slots_, request_;
};

// ---- zipf: skewed reuse (key-value store, embedding tables) ----
//
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

// ---- window: a phase-changing working set (a database scan with a hot window, GPU kernel tiles) ----
// Requests are uniform over the window_slots slots starting at the window base. The base advances by
// window_step_bytes every window_step_requests requests, wrapping around the working set; it is kept
// exactly in bytes (steps smaller than a request still add up) and aligned down to a request boundary
// when used, because a device issues request-aligned DMA.
class Window final : public AccessPattern {
public:
  Window(std::uint64_t slots, std::uint64_t request, std::uint64_t window_slots, std::uint64_t step_bytes,
         std::uint64_t step_requests)
      : slots_(slots),
        request_(request),
        window_slots_(window_slots),
        ring_bytes_(slots * request),
        step_bytes_(step_bytes % (slots * request)),
        step_requests_(step_requests) {}
  std::uint64_t next(RandomStream& rng) override {
    if (issued_ == step_requests_) {
      issued_ = 0;
      base_ += step_bytes_;  // both < ring_bytes_ <= working set: no overflow
      if (base_ >= ring_bytes_) base_ -= ring_bytes_;
    }
    ++issued_;
    std::uint64_t slot = base_ / request_ + rng.uniform_int(0, window_slots_ - 1);
    if (slot >= slots_) slot -= slots_;  // base slot < slots_ and window_slots_ <= slots_
    return slot * request_;
  }

private:
  std::uint64_t slots_, request_, window_slots_, ring_bytes_, step_bytes_, step_requests_;
  std::uint64_t base_ = 0, issued_ = 0;
};

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("access pattern: " + what); }

}  // namespace

std::unique_ptr<AccessPattern> make_access_pattern(const PatternSpec& spec) {
  if (spec.request_bytes == 0) bad("request_bytes must be > 0");
  if (spec.working_set_bytes < spec.request_bytes)
    bad("working_set_bytes (" + std::to_string(spec.working_set_bytes) + ") must be >= request_bytes (" +
        std::to_string(spec.request_bytes) + ")");
  // A working set that is not a multiple of the request size ends in a partial slot, which is never
  // used: every request lies wholly inside the working set.
  const std::uint64_t slots = spec.working_set_bytes / spec.request_bytes;

  if (spec.kind == "sequential") return std::make_unique<Sequential>(slots, spec.request_bytes);
  if (spec.kind == "uniform") return std::make_unique<Uniform>(slots, spec.request_bytes);
  if (spec.kind == "zipf") {
    if (!(spec.zipf_s > 0.0) || !std::isfinite(spec.zipf_s)) bad("zipf_s must be a finite number > 0");
    return std::make_unique<Zipf>(slots, spec.request_bytes, spec.zipf_s);
  }
  if (spec.kind == "window") {
    if (spec.window_bytes < spec.request_bytes) bad("window_bytes must be >= request_bytes");
    if (spec.window_bytes > spec.working_set_bytes) bad("window_bytes must be <= working_set_bytes");
    if (spec.window_step_requests == 0) bad("window_step_requests must be >= 1");
    return std::make_unique<Window>(slots, spec.request_bytes, spec.window_bytes / spec.request_bytes,
                                    spec.window_step_bytes, spec.window_step_requests);
  }
  bad("unknown kind '" + spec.kind + "' (expected sequential, uniform, zipf or window)");
}

}  // namespace svasim
