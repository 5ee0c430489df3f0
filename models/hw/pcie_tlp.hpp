#pragma once
// PCIe transaction-layer arithmetic: how many TLPs a DMA request or an ATS translation becomes and how
// many bytes they put on the wire, and the DLLP traffic (ACK, UpdateFC) the receiver sends back. Pure
// closed forms; engine/pcie_fabric.cpp turns them into link occupancy. docs/PCIE.md derives each term.
#include <cstdint>

#include "core/topology.hpp"  // pcie_link_bytes_per_ns

namespace svasim {

class Params;

// The transaction-layer settings of the fabric, read once from the pcie.* parameters.
struct TlpCosts {
  unsigned mps = 256;          // Max_Payload_Size: bytes of data in one MWr or CplD
  unsigned mrrs = 512;         // Max_Read_Request_Size: bytes one MRd may ask for
  unsigned rcb = 64;           // Read Completion Boundary
  bool completion_per_rcb = false;  // the root complex splits completions at every RCB (older chipsets)
  unsigned framing = 8;        // per TLP: STP token with sequence number (4) + LCRC (4), 8b/10b and 128b/130b alike
  unsigned ecrc = 0;           // TLP digest, 4 when ECRC is on
  unsigned mem_header = 16;    // 4DW header of a 64-bit MRd / MWr
  unsigned cpl_header = 12;    // 3DW completion header
  unsigned pasid_prefix = 4;   // E2E TLP prefix carrying the PASID (non-flit mode)
  unsigned dllp = 8;           // one DLLP on the wire: 6 B + SDP token (Gen3+) / framing (Gen1/2)
  double ack_symbols = 203;    // ACK latency limit in symbol times (one ACK per this much received traffic)
  double fc_symbols = 203;     // UpdateFC interval for posted and non-posted credits, symbol times
  TlpCosts() = default;
  explicit TlpCosts(const Params& p);
};

// A train of TLPs in one direction: their count and their bytes on the wire (headers, prefixes,
// framing, data).
struct Packets {
  std::uint64_t tlps = 0;
  double wire_bytes = 0;
};

// Memory reads of `bytes`: ceil(bytes / MRRS) request TLPs without data.
Packets read_requests(const TlpCosts& c, std::uint64_t bytes, bool pasid);
// Their completions: one CplD per MPS (or per RCB) of data.
Packets read_completions(const TlpCosts& c, std::uint64_t bytes);
// Posted memory writes of `bytes`: one MWr per MPS of data.
Packets writes(const TlpCosts& c, std::uint64_t bytes, bool pasid);
// An ATS Translation Request for `pages` translations (one MRd with AT=01b, PASID prefix; PCIe 6.2
// §10.2.2) and its Translation Completion (8 B of data per translation, split at the RCB, §10.2.3).
Packets ats_translation_request(const TlpCosts& c);
Packets ats_translation_completion(const TlpCosts& c, unsigned pages);

// DLLP bytes the receiver of `p` sends back on an xN link: ACKs at one per ack_symbols symbol times of
// received TLP traffic (an xN link carries N bytes per symbol time), plus UpdateFC at one per fc_symbols
// when the TLPs consume posted or non-posted credits (completions do not: endpoints and root complexes
// without peer-to-peer advertise infinite completion credits, PCIe §2.6.1).
double dllp_bytes_returned(const TlpCosts& c, const Packets& p, int lanes, bool consumes_credits);

// Closed forms of the sustained DMA bandwidth (bytes of data per ns) a stream of `bytes`-sized requests
// gets on an otherwise idle link of `bytes_per_ns` and `lanes`: writes are bound by the upstream
// direction; reads by the busier of the two (requests and ACKs up, completions and ACK/UpdateFC down).
double write_bandwidth(const TlpCosts& c, double bytes_per_ns, int lanes, std::uint64_t bytes, bool pasid);
double read_bandwidth(const TlpCosts& c, double bytes_per_ns, int lanes, std::uint64_t bytes, bool pasid);

}  // namespace svasim
