// The CSV the tables are written in reads back cell for cell; numbers keep full precision; histogram
// buckets exported for plots add up and bound their samples; the saturation rule and the few-samples
// mark follow their definitions.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "core/csv.hpp"
#include "core/histogram.hpp"
#include "core/run_results.hpp"

using namespace svasim;

TEST_CASE("csv: cells with commas, quotes and line breaks read back as written", "[csv]") {
  const std::vector<std::string> cells = {"plain", "a,b", "say \"hi\"", "two\nlines", "", "topology.generate.x"};
  std::string text = "h1,h2,h3,h4,h5,h6\n";
  for (std::size_t i = 0; i < cells.size(); ++i) text += (i ? "," : "") + csv_cell(cells[i]);
  text += "\n";
  const CsvTable t = parse_csv(text);
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0] == cells);
  CHECK(t.column("h4") == 3);
  CHECK_THROWS_AS(t.column("nope"), std::out_of_range);
  CHECK_THROWS_AS(parse_csv("a,b\n1\n"), std::runtime_error);
  CHECK_THROWS_AS(parse_csv("a\n\"open\n"), std::runtime_error);
}

TEST_CASE("csv: numbers at full precision read back to the same double", "[csv]") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1e9, 1e9);
  for (int i = 0; i < 1000; ++i) {
    const double x = u(rng) / 7.0;
    CHECK(std::stod(number_text(x)) == x);
  }
  CHECK(number_text(848) == "848");
  CHECK(std::stod(number_text(3.6028797018963968e16)) == 3.6028797018963968e16);  // beyond 2^53
  CHECK(number_text(1.0 / 3) == "0.3333333333333333");
}

TEST_CASE("histogram: exported buckets add up to the count and bound every sample", "[histogram]") {
  Histogram h;
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> d(9, 2);
  std::vector<std::uint64_t> xs;
  for (int i = 0; i < 20000; ++i) {
    xs.push_back(static_cast<std::uint64_t>(d(rng)));
    h.record(xs.back());
  }
  const auto buckets = h.buckets();
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    total += buckets[i].count;
    CHECK(buckets[i].lo_ns <= buckets[i].hi_ns);
    if (i) CHECK(buckets[i].lo_ns > buckets[i - 1].hi_ns);
    // 16 per octave: a bucket is at most 1/16 of its lowest value wide (beyond the exact first ones).
    if (buckets[i].lo_ns >= 128) CHECK(static_cast<double>(buckets[i].hi_ns - buckets[i].lo_ns + 1) <= static_cast<double>(buckets[i].lo_ns) / 16.0 + 1);
  }
  CHECK(total == h.count());
  for (std::uint64_t x : xs) {
    std::uint64_t in = 0;
    for (const auto& b : buckets) in += x >= b.lo_ns && x <= b.hi_ns;
    REQUIRE(in == 1);
  }
  CHECK(Histogram().buckets().empty());
}

TEST_CASE("load: a run is saturated when a thread fell behind, not for the backlog it ends with", "[csv]") {
  RunResults r;
  r.scenario.duration_ns = 2e6;
  r.counters.unmap_threads = 2;
  r.counters.unmaps_due = 100;
  r.counters.unmaps = 90;
  r.counters.unmaps_not_started = 10;  // a heavily loaded but stable queue can end with a backlog
  CHECK_FALSE(r.saturated());
  r.counters.unmap_threads_behind = 1;  // one thread's backlog never emptied in the second half
  CHECK(r.saturated());
  CHECK(r.offered_unmaps_per_ms() == 50);
  CHECK(r.achieved_unmaps_per_ms() == 45);
  // Few samples: p99 of 999 rests on fewer than ten above it, of 1,000 on ten.
  CHECK(few_samples_for(0.99, 999));
  CHECK_FALSE(few_samples_for(0.99, 1000));
  CHECK(few_samples_for(0.5, 19));
  CHECK_FALSE(few_samples_for(0.5, 20));
}

TEST_CASE("metrics: every run has the same metric names in the same order, and what does not apply says so", "[csv]") {
  RunResults bare, guest;
  guest.scenario.guest = true;
  guest.counters.unmaps = 4;
  guest.counters.queue.vm_exits = 8;
  guest.latency.unmap.count = 4;
  const auto a = metrics_of(bare), b = metrics_of(guest);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].column() == b[i].column());
  auto find = [](const std::vector<RunMetric>& ms, const std::string& col) {
    for (const auto& m : ms)
      if (m.column() == col) return m;
    FAIL("no " << col);
    return RunMetric{};
  };
  CHECK_FALSE(find(a, "vm_exits").applies);
  CHECK(find(b, "vm_exits").applies);
  CHECK(find(b, "vm_exits_per_unmap").value == 2);
  CHECK_FALSE(find(a, "unmap_latency_p99_ns").applies);  // no samples
  CHECK(find(a, "unmap_latency_count").applies);
  CHECK(find(b, "unmap_latency_p99_ns").applies);
  CHECK_FALSE(find(b, "dma_latency_p50_ns").applies);
  CHECK_FALSE(find(b, "page_walks").applies);
}
