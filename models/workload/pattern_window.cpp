// window: a phase-changing working set (a database scan with a hot window, GPU kernel tiles).
#include "models/workload/access_pattern.hpp"

namespace svasim {

namespace {

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

std::unique_ptr<AccessPattern> make(const PatternSpec& spec) {
  const std::uint64_t slots = pattern_slots(spec);
  if (spec.window_bytes < spec.request_bytes) bad_pattern("window_bytes must be >= request_bytes");
  if (spec.window_bytes > spec.working_set_bytes) bad_pattern("window_bytes must be <= working_set_bytes");
  if (spec.window_step_requests == 0) bad_pattern("window_step_requests must be >= 1");
  return std::make_unique<Window>(slots, spec.request_bytes, spec.window_bytes / spec.request_bytes,
                                  spec.window_step_bytes, spec.window_step_requests);
}

}  // namespace

SVASIM_REGISTER(AccessPattern, "window", make,
                {.description = "uniform within window_pages sliding by window_step_pages every window_step_requests",
                 .keys = {"window_pages", "window_step_pages", "window_step_requests"}});

}  // namespace svasim
