// Access patterns: where a device's next DMA request lands in its working set.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "core/random.hpp"
#include "models/workload/access_pattern.hpp"

using namespace svasim;

namespace {
PatternSpec spec(const char* kind, std::uint64_t ws, std::uint64_t req) {
  PatternSpec s;
  s.kind = kind;
  s.working_set_bytes = ws;
  s.request_bytes = req;
  return s;
}

PatternSpec window_spec(std::uint64_t ws, std::uint64_t req, std::uint64_t win, std::uint64_t step,
                        std::uint64_t step_requests) {
  PatternSpec s = spec("window", ws, req);
  s.window_bytes = win;
  s.window_step_bytes = step;
  s.window_step_requests = step_requests;
  return s;
}

std::vector<std::uint64_t> draw(const PatternSpec& s, std::uint64_t seed, std::size_t n) {
  auto p = make_access_pattern(s);
  RandomStream rng(seed, "pattern");
  std::vector<std::uint64_t> out(n);
  for (auto& o : out) o = p->next(rng);
  return out;
}

// Generalised harmonic number H(n, s) = sum_{k=1..n} k^-s: exact head, Euler-Maclaurin integral tail.
double harmonic(std::uint64_t n, double s) {
  const std::uint64_t head = std::min<std::uint64_t>(n, 1'000'000);
  double h = 0;
  for (std::uint64_t k = head; k >= 1; --k) h += std::pow(static_cast<double>(k), -s);
  if (n > head) {
    const double a = static_cast<double>(head) + 0.5, b = static_cast<double>(n) + 0.5;
    h += std::abs(s - 1.0) < 1e-12 ? std::log(b / a) : (std::pow(b, 1.0 - s) - std::pow(a, 1.0 - s)) / (1.0 - s);
  }
  return h;
}
}  // namespace

TEST_CASE("pattern: offsets are request aligned and inside the working set for every kind", "[pattern]") {
  for (std::uint64_t req : {64ULL, 96ULL, 4096ULL}) {
    const std::uint64_t ws = 1'000'003;  // not a multiple of any request size: the tail slot is unused
    std::vector<PatternSpec> specs{spec("sequential", ws, req), spec("uniform", ws, req), spec("zipf", ws, req),
                                   window_spec(ws, req, 65536, 5000, 7)};
    specs[2].zipf_s = 0.7;
    for (const auto& s : specs) {
      INFO(s.kind << " request " << req);
      for (auto off : draw(s, 3, 20000)) {
        REQUIRE(off % req == 0);
        REQUIRE(off + req <= ws);
      }
    }
  }
  // Working set of exactly one request.
  for (const char* kind : {"sequential", "uniform", "zipf"})
    for (auto off : draw(spec(kind, 64, 64), 1, 10)) CHECK(off == 0);
  for (auto off : draw(window_spec(64, 64, 64, 64, 1), 1, 10)) CHECK(off == 0);
}

TEST_CASE("pattern: sequential walks the slots in order and wraps", "[pattern]") {
  const auto v = draw(spec("sequential", 640 + 63, 64), 1, 25);
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == (i % 10) * 64);
}

TEST_CASE("pattern: uniform covers every slot evenly", "[pattern]") {
  const std::uint64_t slots = 64, per_slot = 2000;
  std::vector<std::uint64_t> count(slots);
  for (auto off : draw(spec("uniform", slots * 256, 256), 17, slots * per_slot)) ++count[off / 256];
  double chi2 = 0;
  for (auto c : count) {
    CHECK(c > 0);
    const double d = static_cast<double>(c) - static_cast<double>(per_slot);
    chi2 += d * d / static_cast<double>(per_slot);
  }
  // 63 degrees of freedom: mean 63, sd ~11.2. 120 is ~5 sd, far from a flake and far below what a
  // biased generator (e.g. half the slots twice as likely: chi2 ~ 14000) produces.
  CHECK(chi2 < 120.0);
}

TEST_CASE("pattern: zipf rank frequencies follow k to the power minus s", "[pattern]") {
  const std::uint64_t n = 100, samples = 2'000'000;
  for (double s : {1.1, 0.8, 1.0, 2.0}) {
    INFO("s = " << s);
    PatternSpec sp = spec("zipf", n * 64, 64);
    sp.zipf_s = s;
    std::vector<std::uint64_t> count(n);
    for (auto off : draw(sp, 23, samples)) ++count[off / 64];
    // Slots are a scrambled image of the ranks, so recover ranks by sorting frequencies.
    std::sort(count.begin(), count.end(), std::greater<>());
    const double h = harmonic(n, s);
    double cdf_got = 0, cdf_want = 0, worst_cdf = 0;
    for (std::uint64_t k = 1; k <= n; ++k) {
      const double want = std::pow(static_cast<double>(k), -s) / h;
      const double got = static_cast<double>(count[k - 1]) / static_cast<double>(samples);
      if (k <= 10) CHECK(got == Approx(want).epsilon(0.03));
      cdf_got += got;
      cdf_want += want;
      worst_cdf = std::max(worst_cdf, std::abs(cdf_got - cdf_want));
    }
    CHECK(worst_cdf < 0.005);
    if (s < 1.5) CHECK(count[n - 1] > 0);  // every slot reachable: the scrambling is a bijection
  }
}

TEST_CASE("pattern: zipf scrambles ranks so popular slots are not adjacent", "[pattern]") {
  const std::uint64_t n = 1 << 20;
  PatternSpec sp = spec("zipf", n * 64, 64);
  sp.zipf_s = 1.2;
  std::map<std::uint64_t, std::uint64_t> count;
  for (auto off : draw(sp, 2, 200000)) ++count[off / 64];
  std::vector<std::pair<std::uint64_t, std::uint64_t>> top(count.begin(), count.end());
  std::sort(top.begin(), top.end(), [](auto a, auto b) { return a.second > b.second; });
  std::set<std::uint64_t> pages;  // 4 KiB pages holding the 16 most popular 64-byte slots
  for (std::size_t i = 0; i < 16; ++i) pages.insert(top[i].first / 64);
  CHECK(pages.size() >= 12);  // unscrambled they would all be in page 0
}

TEST_CASE("pattern: zipf works over 2 to the 32 slots", "[pattern]") {
  const std::uint64_t n = 1ULL << 32, samples = 400000;
  for (double s : {0.99, 1.0, 1.3}) {
    INFO("s = " << s);
    PatternSpec sp = spec("zipf", n * 64, 64);
    sp.zipf_s = s;
    auto p = make_access_pattern(sp);
    RandomStream rng(31, "big");
    std::unordered_map<std::uint64_t, std::uint64_t> count;
    for (std::uint64_t i = 0; i < samples; ++i) {
      const auto off = p->next(rng);
      REQUIRE(off % 64 == 0);
      REQUIRE(off < n * 64);
      ++count[off / 64];
    }
    std::vector<std::uint64_t> c;
    for (auto& kv : count) c.push_back(kv.second);
    std::sort(c.begin(), c.end(), std::greater<>());
    const double h = harmonic(n, s);
    for (std::uint64_t k = 1; k <= 3; ++k) {
      const double want = std::pow(static_cast<double>(k), -s) / h;
      CHECK(static_cast<double>(c[k - 1]) / samples == Approx(want).epsilon(0.05));
    }
    // The tail is real: with s near 1 most samples land on slots seen only a few times.
    if (s < 1.1) CHECK(count.size() > samples / 4);
  }
}

TEST_CASE("pattern: window stays inside its moving window", "[pattern]") {
  struct Case {
    std::uint64_t ws, req, win, step, every;
  };
  for (const Case& k : {Case{1 << 20, 64, 64 << 10, 16 << 10, 100},  // aligned steps, 16 wraps
                        Case{1'000'000, 96, 50'000, 1000, 3},         // step not a multiple of the request
                        Case{1 << 20, 64, 1 << 20, 4096, 10},         // window == working set
                        Case{1 << 20, 4096, 8192, (3 << 20) + 12288, 1}}) {  // step larger than the working set
    INFO("ws " << k.ws << " req " << k.req << " win " << k.win << " step " << k.step << " every " << k.every);
    const std::uint64_t slots = k.ws / k.req, ring = slots * k.req, win_slots = k.win / k.req;
    const auto v = draw(window_spec(k.ws, k.req, k.win, k.step, k.every), 9, 100000);
    std::set<std::uint64_t> seen;
    std::uint64_t base = 0;  // bytes, as the pattern tracks it
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0 && i % k.every == 0) base = (base + k.step % ring) % ring;
      const std::uint64_t first = base / k.req;  // aligned down to a request
      const std::uint64_t slot = v[i] / k.req;
      REQUIRE(v[i] % k.req == 0);
      REQUIRE((slot + slots - first) % slots < win_slots);
      seen.insert(slot);
    }
    CHECK(seen.size() > slots * 9 / 10);  // the window travelled over the whole working set
  }
  // A window that never moves.
  const auto v = draw(window_spec(1 << 20, 64, 4096, 0, 1), 4, 10000);
  std::set<std::uint64_t> seen(v.begin(), v.end());
  CHECK(*seen.rbegin() < 4096);
  CHECK(seen.size() == 64);
}

TEST_CASE("pattern: same seed gives the same sequence", "[pattern]") {
  PatternSpec z = spec("zipf", 1 << 24, 64);
  z.zipf_s = 0.9;
  for (const auto& s : {spec("uniform", 1 << 24, 64), z, window_spec(1 << 24, 64, 1 << 16, 4096, 5)}) {
    INFO(s.kind);
    CHECK(draw(s, 77, 5000) == draw(s, 77, 5000));
    CHECK(draw(s, 77, 5000) != draw(s, 78, 5000));
  }
}

TEST_CASE("pattern: inconsistent specs are rejected", "[pattern]") {
  CHECK_THROWS_AS(make_access_pattern(spec("uniform", 4096, 0)), std::invalid_argument);
  CHECK_THROWS_AS(make_access_pattern(spec("uniform", 32, 64)), std::invalid_argument);
  CHECK_THROWS_AS(make_access_pattern(spec("uniform", 0, 64)), std::invalid_argument);
  CHECK_THROWS_AS(make_access_pattern(spec("strided", 4096, 64)), std::invalid_argument);
  PatternSpec z = spec("zipf", 4096, 64);
  for (double bad : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    z.zipf_s = bad;
    CHECK_THROWS_AS(make_access_pattern(z), std::invalid_argument);
  }
  z.zipf_s = 1.0;  // the harmonic case is allowed
  CHECK_NOTHROW(make_access_pattern(z));
  CHECK_THROWS_AS(make_access_pattern(window_spec(4096, 64, 8192, 64, 1)), std::invalid_argument);  // > ws
  CHECK_THROWS_AS(make_access_pattern(window_spec(4096, 64, 32, 64, 1)), std::invalid_argument);    // < request
  CHECK_THROWS_AS(make_access_pattern(window_spec(4096, 64, 0, 64, 1)), std::invalid_argument);
  CHECK_THROWS_AS(make_access_pattern(window_spec(4096, 64, 1024, 64, 0)), std::invalid_argument);
  CHECK_NOTHROW(make_access_pattern(window_spec(4096, 64, 4096, 64, 1)));
}
