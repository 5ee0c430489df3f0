#pragma once
// Words for what a sweep varies: a scenario's JSON path ("topology.generate.devices_per_iommu") as a
// plot's axis or legend names it ("devices per IOMMU"), with its unit.
#include <string>

namespace svasim {

// "topology.generate.devices_per_iommu" -> "devices per IOMMU"; "params.vm.host_cpus" -> "host CPUs
// (vm.host_cpus)"; "workload.dma.0.request_bytes" -> "DMA request size (bytes)"; "duration_us" -> "run
// length (µs)". A path it has no words for becomes its last segment with spaces and its unit suffix
// ("_ns", "_us", "_bytes", "_kib", "_per_ms") as a unit.
std::string axis_label(const std::string& path);

}  // namespace svasim
