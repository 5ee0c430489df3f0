// The sweep report from synthetic points: means, confidence intervals, profile ratios, failed points.
#include <catch2/catch.hpp>

#include "analysis/report.hpp"

using namespace svasim;
using nlohmann::json;

namespace {
json point(const char* id, const char* profile, int n, double p50, const char* status = "ok") {
  json results = {{"counters", {{"unmaps", 10}, {"iotlb_invalidations", 10 * n}, {"invalidation_waits", 20}}},
                  {"latency", {{"unmap", {{"p50_ns", p50}, {"p99_ns", 2 * p50}}}}}};
  return {{"point", id}, {"sets", {{"profile", profile}, {"devices", n}}}, {"status", status}, {"results", results}};
}
}  // namespace

TEST_CASE("report: mean and 95 % confidence interval use Student's t", "[report]") {
  const auto [m1, h1] = mean_ci95({5});
  CHECK(m1 == 5);
  CHECK(h1 == 0);
  const auto [m, h] = mean_ci95({1, 2, 3});
  CHECK(m == Approx(2));
  CHECK(h == Approx(4.303 * 1.0 / std::sqrt(3.0)).epsilon(1e-6));
}

TEST_CASE("report: one row per grid point and ratios between profiles", "[report]") {
  const std::vector<json> points = {point("p0", "old", 4, 1000), point("p1", "old", 4, 1200),
                                    point("p2", "new", 4, 250),  point("p3", "new", 4, 350),
                                    point("p4", "new", 8, 0, "timeout")};
  const std::string text = sweep_report_markdown(points, "t");
  CHECK_THAT(text, Catch::Contains("| 4 | old | 2 | 1100 ± 1271 |"));
  CHECK_THAT(text, Catch::Contains("| 4 | new | 2 | 300 ± 635 |"));
  CHECK_THAT(text, Catch::Contains("Unmap p50 relative to old"));
  CHECK_THAT(text, Catch::Contains("| 4 | 0.27x |"));
  CHECK_THAT(text, Catch::Contains("p4 (timeout)"));
}
