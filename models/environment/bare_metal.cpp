// The kernel drives the physical IOMMU queues itself: no exits, no caching mode.
#include "models/environment/environment.hpp"

namespace svasim {

namespace {

class BareMetal final : public Environment {
public:
  bool is_guest() const override { return false; }
  void handle_tail_write(VmmOps&) const override {}
};

std::unique_ptr<Environment> make(const Params&) { return std::make_unique<BareMetal>(); }

}  // namespace

SVASIM_REGISTER(Environment, "bare-metal", make,
                {.description = "the kernel drives the physical IOMMU queues directly", .is_default = true});

}  // namespace svasim
