#include <catch2/catch.hpp>

#include "core/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

using svasim::Histogram;

namespace {

// The sample the histogram is asked to approximate: the ceil(q*n)-th smallest (1-based), q = k/1000.
std::uint64_t exact_quantile(const std::vector<std::uint64_t>& sorted, std::uint64_t k_per_mille) {
  const std::uint64_t n = sorted.size();
  std::uint64_t rank = (k_per_mille * n + 999) / 1000;
  if (rank < 1) rank = 1;
  return sorted[rank - 1];
}

void check_quantiles(const std::vector<std::uint64_t>& samples) {
  Histogram h;
  long double sum = 0;
  for (auto v : samples) {
    h.record(v);
    sum += static_cast<long double>(v);
  }
  std::vector<std::uint64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());

  REQUIRE(h.count() == samples.size());
  REQUIRE(h.min() == sorted.front());
  REQUIRE(h.max() == sorted.back());
  REQUIRE(h.mean() == Approx(static_cast<double>(sum / static_cast<long double>(samples.size()))).epsilon(1e-12));

  for (std::uint64_t k : {0, 1, 10, 100, 250, 500, 750, 900, 990, 999, 1000}) {
    const std::uint64_t want = exact_quantile(sorted, k);
    const std::uint64_t got = h.quantile(static_cast<double>(k) / 1000.0);
    const double err = std::fabs(static_cast<double>(got) - static_cast<double>(want));
    INFO("q=" << k << "/1000 want=" << want << " got=" << got);
    CHECK(err <= 0.01 * static_cast<double>(want));
    CHECK(err <= static_cast<double>(want) / 256.0);  // the midpoint bound actually achieved
  }
}

}  // namespace

TEST_CASE("histogram: small values are exact", "[histogram]") {
  Histogram h;
  for (std::uint64_t v = 0; v < 128; ++v) h.record(v);
  CHECK(h.count() == 128);
  CHECK(h.min() == 0);
  CHECK(h.max() == 127);
  CHECK(h.mean() == 63.5);
  for (std::uint64_t r = 1; r <= 128; ++r) {
    // rank r -> value r-1; q chosen strictly inside (r-1, r] / 128
    const double q = (static_cast<double>(r) - 0.5) / 128.0;
    CHECK(h.quantile(q) == r - 1);
  }

  Histogram g;
  for (std::uint64_t v : {5, 5, 7, 100}) g.record(v);
  CHECK(g.quantile(0.0) == 5);
  CHECK(g.quantile(0.5) == 5);
  CHECK(g.quantile(0.51) == 7);
  CHECK(g.quantile(0.75) == 7);
  CHECK(g.quantile(0.76) == 100);
  CHECK(g.quantile(1.0) == 100);
  CHECK(g.mean() == 29.25);
}

TEST_CASE("histogram: rank uses ceil(q*count) without floating point surprises", "[histogram]") {
  Histogram h;
  for (std::uint64_t v = 1; v <= 10; ++v) h.record(v);
  CHECK(h.quantile(0.9) == 9);  // 0.9 * 10 is 9.000000000000002 in doubles
  CHECK(h.quantile(0.1) == 1);
  CHECK(h.quantile(0.5) == 5);
  CHECK(h.quantile(0.99) == 10);
}

TEST_CASE("histogram: value in a wide bucket is its midpoint, clamped to [min, max]", "[histogram]") {
  Histogram h;
  h.record(1000000);
  CHECK(h.quantile(0.5) == 1000000);  // the only sample: clamped to min == max
  Histogram g;
  g.record(1000000);
  g.record(1000001);
  const auto p50 = g.quantile(0.5);
  CHECK(p50 >= 1000000);
  CHECK(p50 <= 1000001);
}

TEST_CASE("histogram: empty", "[histogram]") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.quantile(0.5) == 0);
  const auto j = h.to_json();
  for (const char* key : {"count", "mean_ns", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"}) {
    INFO(key);
    REQUIRE(j.contains(key));
    CHECK(j.at(key) == 0);
  }
  CHECK(j.size() == 8);
}

TEST_CASE("histogram: quantiles of random distributions within 1%", "[histogram]") {
  std::mt19937_64 rng(12345);
  constexpr std::size_t n = 200000;
  std::vector<std::uint64_t> samples;
  samples.reserve(n);

  SECTION("uniform 1ns..10s") {
    std::uniform_int_distribution<std::uint64_t> d(1, 10'000'000'000ULL);
    for (std::size_t i = 0; i < n; ++i) samples.push_back(d(rng));
    check_quantiles(samples);
  }
  SECTION("uniform small 0..1000") {
    std::uniform_int_distribution<std::uint64_t> d(0, 1000);
    for (std::size_t i = 0; i < n; ++i) samples.push_back(d(rng));
    check_quantiles(samples);
  }
  SECTION("exponential mean 50us") {
    std::exponential_distribution<double> d(1.0 / 50000.0);
    for (std::size_t i = 0; i < n; ++i) samples.push_back(static_cast<std::uint64_t>(std::llround(d(rng))));
    check_quantiles(samples);
  }
  SECTION("lognormal spanning 1ns..10s") {
    // median ~100us, sigma wide enough to cover ~10 decades; clamp to [1ns, 10s]
    std::lognormal_distribution<double> d(std::log(1e5), 3.5);
    for (std::size_t i = 0; i < n; ++i) {
      double x = std::round(d(rng));
      x = std::clamp(x, 1.0, 1e10);
      samples.push_back(static_cast<std::uint64_t>(x));
    }
    REQUIRE(*std::min_element(samples.begin(), samples.end()) <= 10);
    REQUIRE(*std::max_element(samples.begin(), samples.end()) >= 1'000'000'000ULL);
    check_quantiles(samples);
  }
  SECTION("powers of two and their neighbours (bucket edges)") {
    for (unsigned b = 0; b < 63; ++b) {
      const std::uint64_t p = std::uint64_t{1} << b;
      for (std::uint64_t v : {p - 1, p, p + 1}) samples.push_back(v);
    }
    check_quantiles(samples);
  }
}

TEST_CASE("histogram: every single value is reported within 1/256", "[histogram]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const unsigned bits = static_cast<unsigned>(rng() % 64) + 1;
    const std::uint64_t v = bits == 64 ? rng() : rng() & ((std::uint64_t{1} << bits) - 1);
    Histogram h;
    h.record(v);
    h.record(0);
    h.record(UINT64_MAX);  // so that clamping to [min, max] does not hide the bucket midpoint
    const std::uint64_t got = h.quantile(0.5);
    const std::uint64_t diff = got > v ? got - v : v - got;
    INFO("v=" << v << " got=" << got);
    REQUIRE(static_cast<long double>(diff) <= static_cast<long double>(v) / 256.0L);
  }
}

TEST_CASE("histogram: mean is exact", "[histogram]") {
  Histogram h;
  std::uint64_t sum = 0;
  for (std::uint64_t v = 1000; v < 1000 + 777; ++v) {
    h.record(v * 1013);
    sum += v * 1013;
  }
  CHECK(h.mean() == static_cast<double>(sum) / 777.0);
  // values far beyond any bucket resolution still average exactly
  Histogram g;
  g.record(1'000'000'001ULL);
  g.record(1'000'000'003ULL);
  CHECK(g.mean() == 1'000'000'002.0);
}

TEST_CASE("histogram: merge equals recording everything in one", "[histogram]") {
  std::mt19937_64 rng(99);
  std::lognormal_distribution<double> d(std::log(2e4), 2.0);
  Histogram a, b, all;
  for (int i = 0; i < 50000; ++i) {
    const auto v = static_cast<std::uint64_t>(d(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  Histogram merged = a;
  merged.merge(b);
  CHECK(merged.count() == all.count());
  CHECK(merged.min() == all.min());
  CHECK(merged.max() == all.max());
  CHECK(merged.mean() == Approx(all.mean()).epsilon(1e-15));
  for (int k = 0; k <= 1000; ++k) {
    const double q = k / 1000.0;
    REQUIRE(merged.quantile(q) == all.quantile(q));
  }
  CHECK(merged.to_json()["p99_ns"] == all.to_json()["p99_ns"]);

  SECTION("merging an empty histogram changes nothing, in both directions") {
    Histogram empty;
    Histogram m2 = a;
    m2.merge(empty);
    CHECK(m2.to_json() == a.to_json());
    Histogram m3;
    m3.merge(a);
    CHECK(m3.to_json() == a.to_json());
  }
}

TEST_CASE("histogram: fixed memory", "[histogram]") {
  STATIC_REQUIRE(sizeof(Histogram) < 64 * 1024);
  STATIC_REQUIRE(sizeof(Histogram) >= 7424 * sizeof(std::uint64_t));
  // No heap: the object size is all there is, whatever is recorded.
  Histogram h;
  for (std::uint64_t i = 0; i < 1'000'000; ++i) h.record(i * 7919);
  CHECK(h.count() == 1'000'000);
  CHECK(sizeof(h) == sizeof(Histogram));
}

TEST_CASE("histogram: huge values", "[histogram]") {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(UINT64_MAX - 1);
  h.record(std::uint64_t{1} << 63);
  h.record(0);
  CHECK(h.max() == UINT64_MAX);
  CHECK(h.min() == 0);
  CHECK(h.quantile(1.0) == UINT64_MAX);
  const auto p99 = h.quantile(0.99);
  CHECK(static_cast<long double>(UINT64_MAX - p99) <= static_cast<long double>(UINT64_MAX) / 256.0L);
  CHECK(h.mean() > 1e19);
  const auto j = h.to_json();
  CHECK(j["max_ns"].get<std::uint64_t>() == UINT64_MAX);
  CHECK(j.dump().find("max_ns") != std::string::npos);
}

TEST_CASE("histogram: to_json shape", "[histogram]") {
  Histogram h;
  for (std::uint64_t v : {100, 200, 300}) h.record(v);
  const auto j = h.to_json();
  CHECK(j.is_object());
  CHECK(j.size() == 8);
  CHECK(j["count"] == 3);
  CHECK(j["mean_ns"].is_number_float());
  CHECK(j["mean_ns"].get<double>() == 200.0);
  for (const char* key : {"count", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"}) {
    INFO(key);
    CHECK(j[key].is_number_integer());
  }
  CHECK(j["min_ns"] == 100);
  CHECK(j["p50_ns"] == 200);
  CHECK(j["p90_ns"] == 300);
  CHECK(j["max_ns"] == 300);
}
