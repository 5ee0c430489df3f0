// A device's DMA stream: how many requests an open-loop device keeps in flight.
#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "dma.max_outstanding", .unit = "requests", .default_value = 256, .min = 1, .max = 65536, .integer = true,
              .description = "requests an open-loop device keeps in flight; arrivals beyond wait in the device "
                             "(assumption)",
              .source = "assumption"});
}  // namespace svasim
