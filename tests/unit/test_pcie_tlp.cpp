// The PCIe transaction-layer arithmetic (models/hw/pcie_tlp.cpp) against closed forms written out from
// the specification: TLP counts and wire bytes per request size, the DLLP traffic the receiver returns,
// line rates, and the sustained bandwidth of each payload size.
#include <catch2/catch.hpp>

#include <cmath>

#include "models/hw/pcie_tlp.hpp"

using namespace svasim;

namespace {
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
}  // namespace

TEST_CASE("pcie: line rates after encoding, Gen1..Gen5", "[pcie]") {
  // PCIe Base spec §4.2: 8b/10b for 2.5 and 5 GT/s, 128b/130b from 8 GT/s.
  CHECK(pcie_link_bytes_per_ns(1, 1) == Approx(2.5 * 0.8 / 8));
  CHECK(pcie_link_bytes_per_ns(2, 4) == Approx(5.0 * 4 * 0.8 / 8));
  CHECK(pcie_link_bytes_per_ns(3, 8) == Approx(7.877).epsilon(0.001));
  CHECK(pcie_link_bytes_per_ns(4, 16) == Approx(31.508).epsilon(0.001));
  CHECK(pcie_link_bytes_per_ns(5, 16) == Approx(63.015).epsilon(0.001));
  for (int lanes : {1, 2, 4, 8, 16, 32}) CHECK(pcie_link_bytes_per_ns(4, lanes) == Approx(2 * pcie_link_bytes_per_ns(3, lanes)));
}

TEST_CASE("pcie: a transfer of B bytes costs what the TLP arithmetic says", "[pcie]") {
  const TlpCosts c;  // MPS 256, MRRS 512, RCB 64, 64-bit addresses, no ECRC
  for (std::uint64_t b : {1ULL, 64ULL, 128ULL, 255ULL, 256ULL, 257ULL, 512ULL, 1500ULL, 4096ULL, 65536ULL, 1ULL << 20}) {
    INFO("bytes " << b);
    // MRd: 4DW header 16 + STP/sequence 4 + LCRC 4, no data, one per MRRS.
    const Packets rq = read_requests(c, b, false);
    CHECK(rq.tlps == ceil_div(b, 512));
    CHECK(rq.wire_bytes == Approx(24.0 * static_cast<double>(ceil_div(b, 512))));
    // With a PASID prefix (an untranslated request under SVA): 4 more bytes per TLP.
    CHECK(read_requests(c, b, true).wire_bytes == Approx(28.0 * static_cast<double>(ceil_div(b, 512))));
    // CplD: 3DW header 12 + 8 framing per MPS of data.
    const Packets cpl = read_completions(c, b);
    CHECK(cpl.tlps == ceil_div(b, 256));
    CHECK(cpl.wire_bytes == Approx(static_cast<double>(b) + 20.0 * static_cast<double>(ceil_div(b, 256))));
    // MWr: 4DW header 16 + 8 framing per MPS of data.
    const Packets wr = writes(c, b, false);
    CHECK(wr.tlps == ceil_div(b, 256));
    CHECK(wr.wire_bytes == Approx(static_cast<double>(b) + 24.0 * static_cast<double>(ceil_div(b, 256))));
  }
  SECTION("completions split at the RCB on chipsets that do so") {
    TlpCosts rcb = c;
    rcb.completion_per_rcb = true;
    CHECK(read_completions(rcb, 4096).tlps == 64);
    CHECK(read_completions(rcb, 4096).wire_bytes == Approx(4096 + 64 * 20));
  }
  SECTION("ECRC adds 4 bytes to every TLP") {
    TlpCosts e = c;
    e.ecrc = 4;
    CHECK(writes(e, 4096, false).wire_bytes == Approx(4096 + 16 * 28));
  }
  SECTION("ATS: a Translation Request is an MRd with a PASID prefix; its completion 8 bytes per translation") {
    // PCIe 6.2 §10.2.2-10.2.4.
    CHECK(ats_translation_request(c).wire_bytes == Approx(28));
    CHECK(ats_translation_completion(c, 1).wire_bytes == Approx(12 + 8 + 8));
    CHECK(ats_translation_completion(c, 8).tlps == 1);   // 64 B of translations: one RCB
    CHECK(ats_translation_completion(c, 9).tlps == 2);
    CHECK(ats_translation_completion(c, 9).wire_bytes == Approx(72 + 2 * 20));
  }
}

TEST_CASE("pcie: the receiver returns one 8 B DLLP per Ack-limit of symbol times, and UpdateFCs for posted and non-posted TLPs",
          "[pcie]") {
  const TlpCosts c;  // both limits 203 symbol times
  const Packets p{1, 2030};
  // x8: 2030 B are 253.75 symbol times: 1.25 ACKs.
  CHECK(dllp_bytes_returned(c, p, 8, false) == Approx(8 * 2030.0 / 8 / 203));
  CHECK(dllp_bytes_returned(c, p, 8, true) == Approx(2 * 8 * 2030.0 / 8 / 203));
  // A wider link moves more bytes per symbol time: fewer DLLPs per byte.
  CHECK(dllp_bytes_returned(c, p, 16, false) == Approx(dllp_bytes_returned(c, p, 8, false) / 2));
}

TEST_CASE("pcie: sustained bandwidth of each payload size matches the closed form", "[pcie]") {
  const TlpCosts c;
  const double link = pcie_link_bytes_per_ns(3, 8);
  const int lanes = 8;
  for (std::uint64_t b : {64ULL, 128ULL, 256ULL, 512ULL, 1024ULL, 2048ULL, 4096ULL}) {
    INFO("bytes " << b);
    const double n_mps = std::ceil(static_cast<double>(b) / 256), n_mrrs = std::ceil(static_cast<double>(b) / 512);
    // Writes: the upstream direction carries payload + 24 B per MPS.
    const double wr = link * static_cast<double>(b) / (static_cast<double>(b) + 24 * n_mps);
    CHECK(write_bandwidth(c, link, lanes, b, false) == Approx(wr));
    // Reads: downstream carries the completions and the ACK + UpdateFC for the requests; upstream the
    // requests and the ACKs for the completions. The busier direction binds.
    const double cpl = static_cast<double>(b) + 20 * n_mps, req = 24 * n_mrrs;
    const double down = cpl + 2 * 8 * (req / lanes) / 203, up = req + 8 * (cpl / lanes) / 203;
    CHECK(read_bandwidth(c, link, lanes, b, false) == Approx(link * static_cast<double>(b) / std::max(up, down)));
  }
  // Known values, Gen3 x8 (62.2 Gb/s of TLP bandwidth in pcie-model's terms): 64 B writes get 64/88 of the link.
  CHECK(write_bandwidth(c, link, lanes, 64, false) * 8 == Approx(45.8).epsilon(0.01));
  // Efficiency never falls as the payload grows within one MPS, and reaches its ceiling at MPS.
  double last = 0;
  for (std::uint64_t b = 16; b <= 256; b += 16) {
    const double bw = write_bandwidth(c, link, lanes, b, false);
    CHECK(bw >= last);
    last = bw;
  }
  CHECK(write_bandwidth(c, link, lanes, 4096, false) == Approx(write_bandwidth(c, link, lanes, 256, false)));
}
