#include "models/hw/pcie_tlp.hpp"

#include <algorithm>

#include "core/params.hpp"

namespace svasim {

SVASIM_PARAM({.name = "pcie.mps_bytes", .unit = "bytes", .default_value = 256, .min = 128, .max = 4096, .integer = true,
              .description = "Max_Payload_Size: data bytes per MWr / CplD TLP",
              .source = "PCIe Base spec §7.5.3.4 (128..4096); 256 is the value pcie-model (Neugebauer et al., SIGCOMM 2018) "
                        "uses for current servers"});
SVASIM_PARAM({.name = "pcie.mrrs_bytes", .unit = "bytes", .default_value = 512, .min = 128, .max = 4096, .integer = true,
              .description = "Max_Read_Request_Size: bytes one MRd asks for",
              .source = "PCIe Base spec §7.5.3.4; Linux pcie_set_readrq() default 512; pcie-model default"});
SVASIM_PARAM({.name = "pcie.rcb_bytes", .unit = "bytes", .default_value = 64, .min = 64, .max = 128, .integer = true,
              .description = "Read Completion Boundary (64 or 128)",
              .source = "PCIe Base spec, Link Control register RCB bit (clear: 64 B); pcie-model default"});
SVASIM_PARAM({.name = "pcie.completion_per_rcb", .unit = "bool", .default_value = 0, .max = 1, .integer = true,
              .description = "1: the root complex returns one completion per RCB instead of per MPS",
              .source = "pcie-model rcb_chunks ('observed on several older chipsets')"});
SVASIM_PARAM({.name = "pcie.ecrc", .unit = "bool", .default_value = 0, .max = 1, .integer = true,
              .description = "1: every TLP carries a 4 B ECRC digest",
              .source = "PCIe Base spec §2.7 (optional; off on the platforms measured by pcie-bench)"});
SVASIM_PARAM({.name = "pcie.ack_interval_symbols", .unit = "symbol times", .default_value = 203, .min = 1, .max = 100000,
              .description = "received TLP traffic per ACK DLLP (the spec's Ack latency limit; an xN link moves N bytes "
                             "per symbol time)",
              .source = "PCIe 6.x Table 3-12, 8 GT/s and up, MPS 256, x8: 203"});
SVASIM_PARAM({.name = "pcie.fc_interval_symbols", .unit = "symbol times", .default_value = 203, .min = 1, .max = 100000,
              .description = "received posted / non-posted TLP traffic per UpdateFC DLLP",
              .source = "pcie-model FC_Guide (the same values as the Ack limits, PCIe 5.0 Tables 2-46..48)"});

namespace {
std::uint64_t div_up(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
unsigned per_tlp(const TlpCosts& c, unsigned header) { return header + c.framing + c.ecrc; }
}  // namespace

TlpCosts::TlpCosts(const Params& p)
    : mps(static_cast<unsigned>(p.get_int("pcie.mps_bytes"))),
      mrrs(static_cast<unsigned>(p.get_int("pcie.mrrs_bytes"))),
      rcb(static_cast<unsigned>(p.get_int("pcie.rcb_bytes"))),
      completion_per_rcb(p.get_bool("pcie.completion_per_rcb")),
      ecrc(p.get_bool("pcie.ecrc") ? 4 : 0),
      ack_symbols(p.get("pcie.ack_interval_symbols")),
      fc_symbols(p.get("pcie.fc_interval_symbols")) {}

Packets read_requests(const TlpCosts& c, std::uint64_t bytes, bool pasid) {
  const std::uint64_t n = div_up(std::max<std::uint64_t>(bytes, 1), c.mrrs);
  return {n, static_cast<double>(n * (per_tlp(c, c.mem_header) + (pasid ? c.pasid_prefix : 0)))};
}

Packets read_completions(const TlpCosts& c, std::uint64_t bytes) {
  const std::uint64_t n = div_up(std::max<std::uint64_t>(bytes, 1), c.completion_per_rcb ? c.rcb : c.mps);
  return {n, static_cast<double>(bytes + n * per_tlp(c, c.cpl_header))};
}

Packets writes(const TlpCosts& c, std::uint64_t bytes, bool pasid) {
  const std::uint64_t n = div_up(std::max<std::uint64_t>(bytes, 1), c.mps);
  return {n, static_cast<double>(bytes + n * (per_tlp(c, c.mem_header) + (pasid ? c.pasid_prefix : 0)))};
}

Packets ats_translation_request(const TlpCosts& c) {
  return {1, static_cast<double>(per_tlp(c, c.mem_header) + c.pasid_prefix)};
}

Packets ats_translation_completion(const TlpCosts& c, unsigned pages) {
  const std::uint64_t data = 8ULL * std::max(pages, 1u);
  const std::uint64_t n = div_up(data, c.rcb);
  return {n, static_cast<double>(data + n * per_tlp(c, c.cpl_header))};
}

double dllp_bytes_returned(const TlpCosts& c, const Packets& p, int lanes, bool consumes_credits) {
  const double symbols = p.wire_bytes / std::max(lanes, 1);
  double n = symbols / c.ack_symbols;
  if (consumes_credits) n += symbols / c.fc_symbols;
  return n * c.dllp;
}

double write_bandwidth(const TlpCosts& c, double bytes_per_ns, int, std::uint64_t bytes, bool pasid) {
  return bytes_per_ns * static_cast<double>(bytes) / writes(c, bytes, pasid).wire_bytes;
}

double read_bandwidth(const TlpCosts& c, double bytes_per_ns, int lanes, std::uint64_t bytes, bool pasid) {
  const Packets req = read_requests(c, bytes, pasid), cpl = read_completions(c, bytes);
  const double up = req.wire_bytes + dllp_bytes_returned(c, cpl, lanes, false);
  const double down = cpl.wire_bytes + dllp_bytes_returned(c, req, lanes, true);
  return bytes_per_ns * static_cast<double>(bytes) / std::max(up, down);
}

}  // namespace svasim
