// uniform: no locality at all, the worst case for an ATC.
#include "models/workload/access_pattern.hpp"

namespace svasim {

namespace {

class Uniform final : public AccessPattern {
public:
  Uniform(std::uint64_t slots, std::uint64_t request) : slots_(slots), request_(request) {}
  std::uint64_t next(RandomStream& rng) override { return rng.uniform_int(0, slots_ - 1) * request_; }

private:
  std::uint64_t slots_, request_;
};

std::unique_ptr<AccessPattern> make(const PatternSpec& spec) {
  return std::make_unique<Uniform>(pattern_slots(spec), spec.request_bytes);
}

}  // namespace

SVASIM_REGISTER(AccessPattern, "uniform", make,
                {.description = "DMA requests at uniformly random request-sized slots of the working set",
                 .is_default = true});

}  // namespace svasim
