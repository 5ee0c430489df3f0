// sequential: a streaming DMA engine (NIC ring, NVMe PRP list walk).
#include "models/workload/access_pattern.hpp"

namespace svasim {

namespace {

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

std::unique_ptr<AccessPattern> make(const PatternSpec& spec) {
  return std::make_unique<Sequential>(pattern_slots(spec), spec.request_bytes);
}

}  // namespace

SVASIM_REGISTER(AccessPattern, "sequential", make,
                {.description = "DMA requests one after another through the working set, wrapping"});

}  // namespace svasim
