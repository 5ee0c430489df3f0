#pragma once
// The VT-d invalidation queue's slot accounting (intel/dmar.c): qi_submit_sync() takes the slots of its
// descriptors and wait from free_head; after its wait it marks them QI_FREE and reclaim_free_desc() moves
// free_tail forward over QI_FREE slots only while they are contiguous. A submission that finishes before an
// older one still in flight therefore gives nothing back until that older one finishes too. Pure: the
// engine keeps one per IOMMU (engine/queue_state.hpp).
#include <cstdint>
#include <deque>

namespace svasim {

class QiRing {
public:
  explicit QiRing(int entries = 0) : free_(entries), entries_(entries) {}
  int free() const { return free_; }
  int entries() const { return entries_; }
  // Takes `slots` (the caller checked there are enough) and returns the run's ticket.
  std::uint64_t take(int slots) {
    free_ -= slots;
    runs_.push_back({slots, false});
    return first_ + runs_.size() - 1;
  }
  // The run of `ticket` is QI_FREE; returns how many slots reclaim_free_desc() gave back.
  int reclaim(std::uint64_t ticket) {
    runs_[static_cast<std::size_t>(ticket - first_)].done = true;
    int freed = 0;
    while (!runs_.empty() && runs_.front().done) {
      freed += runs_.front().slots;
      runs_.pop_front();
      ++first_;
    }
    free_ += freed;
    return freed;
  }

  // Slots of submissions that have not reclaimed yet (not counting reclaimed ones waiting behind them).
  int unreclaimed() const {
    int n = 0;
    for (const Run& r : runs_) n += r.done ? 0 : r.slots;
    return n;
  }

private:
  struct Run {
    int slots;
    bool done;
  };
  int free_, entries_;
  std::deque<Run> runs_;    // taken, in ring order
  std::uint64_t first_ = 0; // ticket of runs_.front()
};

}  // namespace svasim
