#pragma once
// `svasim run --trace FILE`: what happened on the queues, bounded. Each submission is recorded with its
// simulated start and the moment its wait was seen, the CPU actor that issued it, the IOMMU, every
// descriptor and what it belongs to (an unmap, a bind, an unbind, an exit); unmaps, binds and unbinds as
// spans. Written as lines shaped like the kernel's trace events (intel_iommu:qi_submit, one line per
// descriptor) or as Chrome / Perfetto trace-event JSON. Recording is pure bookkeeping (no SimGrid).
#include <cstdint>
#include <string>
#include <vector>

#include "models/flush/plan.hpp"

namespace svasim {

struct TraceOptions {
  std::string file;               // empty: no trace
  std::string format = "kernel";  // "kernel" or "perfetto"
  std::uint64_t limit = 100000;   // events kept (submissions and spans); later ones are counted, not kept
  double from_ns = 0, to_ns = -1; // only events starting in [from, to); to < 0: to the end
};

struct TraceSubmission {
  double start_ns = 0, end_ns = 0;  // issued; wait seen (== start for a submission without a wait)
  std::string cpu;                  // the CPU actor: unmap/0, bind/app
  std::string iommu;
  std::string origin;               // "unmap 3", "bind dsa0", "unbind dsa0", "exit"
  int process = 0;                  // the PASID, as svasim numbers them
  int domain = 0;                   // the DID / ASID
  Submission sub;
};

struct TraceSpan {
  double start_ns = 0, end_ns = 0;
  std::string cpu, name;
};

class Trace {
public:
  explicit Trace(TraceOptions o) : o_(std::move(o)) {}
  bool wants(double start_ns) const {
    return start_ns >= o_.from_ns && (o_.to_ns < 0 || start_ns < o_.to_ns);
  }
  void add(TraceSubmission s);
  void add(TraceSpan s);
  std::uint64_t dropped() const { return dropped_; }
  // The trace in its format; `device_names` names topology devices by index, `qdep` is their ATS Invalidate
  // Queue Depth (in the VT-d device-TLB descriptors).
  std::string render(const std::vector<std::string>& device_names, const std::string& submit_call, unsigned qdep) const;

private:
  bool room();
  TraceOptions o_;
  std::vector<TraceSubmission> subs_;
  std::vector<TraceSpan> spans_;
  std::uint64_t dropped_ = 0;
};

}  // namespace svasim
