#pragma once
// A server that does one thing at a time, as a calendar of the intervals it is already promised: a
// PCIe link direction sending one packet after another, a memory controller moving cache lines. Pure:
// the DMA engine books work when it learns the work will arrive, and SimGrid only wakes the engine when
// the work is done, so a packet costs arithmetic, not a simulated activity.
//
// fill() serves work that can be cut between packets: it takes the idle time from the work's arrival
// on, packet by packet, around whatever was promised before. Booked in arrival order that is exactly a
// FIFO server; the engine also books ahead (a completion it knows will leave the root complex in 300 ns),
// and work booked later but arriving earlier then uses the idle time before that promise instead of
// leaving it idle. The server never idles while booked work waits, and never serves two things at once.
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace svasim {

class BusyCalendar {
public:
  // Books `duration` of work arriving at `arrival` (>= now; intervals ending before now are forgotten,
  // so the calendar stays as small as the work in flight). Returns when its first part starts and when
  // its last part ends.
  struct Span {
    double first = 0, end = 0;
  };
  // `granule`: the smallest piece the work can be cut into (one packet); an idle gap shorter than that
  // (and than what is left) stays idle.
  Span fill(double now, double arrival, double duration, double granule = 0);
  // Whether something is promised at `t` (>= the last `now` given).
  bool busy_at(double t) const;
  // Time spent busy in everything reserved so far (for utilisation figures).
  double busy_time() const { return busy_; }
  std::size_t intervals() const { return busy_until_.size(); }  // promised, not yet forgotten

private:
  void insert_merged(double start, double end);
  std::map<double, double> busy_until_;  // start -> end, disjoint and not touching (touching ones merge)
  std::vector<std::pair<double, double>> pieces_;  // fill()'s scratch
  double busy_ = 0;
};

// k identical servers taken first come, first served in the order work is handed to them: the page
// walker's concurrent walks (VT-d's page-walk tracker, an SMMU TCU's PTW slots). A walk's length is only
// known once it starts (its memory reads queue too), so start() returns when a server frees and
// finish() books it until the walk ends.
class ServerPool {
public:
  explicit ServerPool(int servers);
  // The earliest time at or after `arrival` a server is free; that server is held by the caller until
  // finish() (exactly one finish() per start(), before the next start()).
  double start(double arrival);
  void finish(double end);
  int servers() const { return static_cast<int>(free_at_.size()); }

private:
  std::vector<double> free_at_;
  std::size_t held_ = 0;
};

}  // namespace svasim
