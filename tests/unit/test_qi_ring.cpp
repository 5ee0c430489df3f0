// The VT-d ring's slot accounting against intel/dmar.c reclaim_free_desc() (6.12 as read): free_tail moves
// only over contiguous QI_FREE slots, so a later submission's slots wait for every older one's.
#include <catch2/catch.hpp>

#include "models/queue/qi_ring.hpp"

using namespace svasim;

TEST_CASE("qi ring: reclaim_free_desc() frees only contiguous slots from free_tail", "[queue][vtd]") {
  QiRing ring(8);
  const auto a = ring.take(2);  // an older submission, still spinning
  const auto b = ring.take(3);  // a newer one whose wait was seen first
  CHECK(ring.free() == 3);
  CHECK(ring.reclaim(b) == 0);  // QI_FREE, but behind a's slots
  CHECK(ring.free() == 3);
  CHECK(ring.reclaim(a) == 5);  // a's reclaim moves free_tail over both runs
  CHECK(ring.free() == 8);
}

TEST_CASE("qi ring: in-order reclaims give each run back at once; the count is conserved", "[queue][vtd]") {
  QiRing ring(256);
  int taken = 0;
  for (int round = 0; round < 100; ++round) {
    const int n = 1 + round % 17;
    const auto t = ring.take(n);
    taken += n;
    CHECK(ring.free() == 256 - n);
    CHECK(ring.reclaim(t) == n);
  }
  CHECK(ring.free() == ring.entries());
  CHECK(taken > 0);
}

TEST_CASE("qi ring: unreclaimed() counts the runs still owned by a spinning submitter", "[queue][vtd]") {
  QiRing ring(8);
  const auto a = ring.take(2);
  const auto b = ring.take(3);
  CHECK(ring.unreclaimed() == 5);
  ring.reclaim(b);
  CHECK(ring.unreclaimed() == 2);  // b waits behind a, but is given back
  ring.reclaim(a);
  CHECK(ring.unreclaimed() == 0);
}
