#pragma once
// A device's side of invalidation and DMA: its ATS requests (ITags), ATC, in-flight DMA and the
// invalidations it answered, and the page requests it sends.
#include <simgrid/s4u.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "core/random.hpp"
#include "models/hw/translation_cache.hpp"

namespace svasim {

// An ATS Invalidate Request in flight; its ITag is its index in the device's tag array.
struct AtsRequest {
  int device = 0;
  double sent = 0;  // simulated seconds, when the IOMMU sent it
  std::uint32_t pasid = 0;
  std::uint64_t start = 0, end = 0;  // bytes; end exclusive
  bool whole = false;
  bool all_pasids = false;  // no PASID in the request: every PASID's entries (with whole)
  bool aborted = false;  // the IOMMU gave up on it (time-out)
  bool dropped = false;  // the device will never answer it (stuck or removed)
};

// A DMA request between its translation and its completion, visible to the device's ATS responder.
struct InflightDma {
  std::uint64_t start = 0, end = 0;
  std::uint32_t pasid = 0;
  double translated_at = 0;  // when its translation was obtained (seconds)
  bool transferring = false; // data moving: an invalidation must wait for it
  bool retranslate = false;  // invalidated before its transfer started: translate again first
  bool used_atc = false;
};

// An invalidation the device has answered, remembered briefly for the stale-translation check.
struct AnsweredInvalidation {
  std::uint32_t pasid = 0;
  std::uint64_t start = 0, end = 0;
  bool whole = false;
  bool all_pasids = false;
  double arrived = 0;   // the ATC entries were dropped: translations obtained later are fresh
  double answered = 0;  // the Invalidate Completion left: the invalidation is complete
};

struct PageRequest {
  simgrid::s4u::Mailbox* reply = nullptr;  // the requesting DMA engine's page-response mailbox
  int device = 0;
  std::uint32_t pasid = 0;
  std::uint64_t addr = 0;
  double sent = 0;
  std::uint64_t seq = 0;  // its place in the IOMMU's page-request queue (IommuState::prq_outstanding)
};

struct DeviceState {
  std::vector<AtsRequest> itags;
  std::vector<int> free_itags;
  simgrid::s4u::Mailbox* ats_inbox = nullptr;
  double ats_inv = 0;  // seconds
  RandomStream rng{0, ""};  // reseeded "device/NAME": the answer-time jitter
  std::unique_ptr<TranslationCache> atc;  // null for non-ATS devices
  std::vector<InflightDma*> inflight;
  simgrid::s4u::MutexPtr inflight_mutex;
  simgrid::s4u::ConditionVariablePtr dma_finished;
  int invalidations_waiting = 0;
  std::deque<AnsweredInvalidation> answered;  // the most recent few
};

}  // namespace svasim
