#include "sweep/mpi/mpi_link.hpp"

#include <unistd.h>

namespace svasim::mpi {

using nlohmann::json;

std::optional<Message> Inbox::next() {
  for (;;) {
    for (auto it = arriving_.begin(); it != arriving_.end(); ++it) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      if (!done) continue;
      Message m{it->peer, it->tag, nlohmann::json()};
      if (!it->bytes.empty()) m.body = nlohmann::json::from_cbor(it->bytes);
      arriving_.erase(it);
      return m;
    }
    int flag = 0;
    MPI_Message handle;
    MPI_Status st;
    MPI_Improbe(from_, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &handle, &st);
    if (!flag) return std::nullopt;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    auto& a = arriving_.emplace_back(Transfer{MPI_REQUEST_NULL, st.MPI_SOURCE, st.MPI_TAG, std::vector<std::uint8_t>(static_cast<std::size_t>(count))});
    MPI_Imrecv(a.bytes.data(), count, MPI_BYTE, &handle, &a.request);
  }
}

void Outbox::post(const json& body, int to, Tag tag) {
  auto& m = pending_.emplace_back(Transfer{MPI_REQUEST_NULL, to, tag, json::to_cbor(body)});
  MPI_Isend(m.bytes.data(), static_cast<int>(m.bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD, &m.request);
}

void Outbox::progress() {
  pending_.remove_if([](Transfer& m) {
    int done = 0;
    MPI_Test(&m.request, &done, MPI_STATUS_IGNORE);
    return done != 0;
  });
}

json binary_of(const std::string& s) { return json::binary(std::vector<std::uint8_t>(s.begin(), s.end())); }

std::string bytes_of(const json& j) {
  const auto& b = j.get_binary();
  return std::string(b.begin(), b.end());
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace svasim::mpi
