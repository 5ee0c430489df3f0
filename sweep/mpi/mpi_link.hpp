#pragma once
// The messages between the ranks of an MPI sweep. Bodies are CBOR: compact, and its byte strings carry
// results files and logs unchanged. Every send is nonblocking (Outbox): a blocking send over the eager
// limit waits for the peer's receive, and two ranks sending to each other that way deadlock; a rank that
// never blocks in a send always gets back to its receives, its STOP included.
#define OMPI_SKIP_MPICXX 1  // the C API only: the C++ bindings are deprecated and not needed
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace svasim::mpi {

enum Tag : int {
  kHello = 1,      // worker -> 0: {slots, host, pid[, error]} once at start
  kAssign = 2,     // 0 -> worker: a point to run
  kResult = 3,     // worker -> 0: how a point ended, its results and log
  kHeartbeat = 4,  // both ways: still here
  kStop = 5,       // 0 -> worker: kill what runs, answer kBye
  kBye = 6,        // worker -> 0: nothing more will come but heartbeats
  kFinish = 7,     // 0 -> worker: {finalize}: everyone finalizes, or (after a lost rank) everyone _exits
};

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Time this process was awake to hear others: a turn of its loop counts at most 0.1 s, so a process that
// was itself stopped (SIGSTOP, a suspended VM) does not take its own gap for the others' silence.
class AwakeClock {
public:
  double tick() {
    const double dt = std::min(seconds_since(last_), 0.1);
    last_ = Clock::now();
    return dt;
  }

private:
  Clock::time_point last_ = Clock::now();
};

struct Message {
  int from = -1;
  int tag = 0;
  nlohmann::json body;
};

// A message on its way in or out, with the buffer MPI reads or writes until the request completes.
struct Transfer {
  MPI_Request request;
  int peer, tag;
  std::vector<std::uint8_t> bytes;
};
// std::list: stable addresses, since MPI holds pointers into the buffers.
using Transfers = std::list<Transfer>;

// Waits for the transfers with every peer `gone` does not name; those with gone peers may never complete.
template <class Gone> void wait_unless_gone(Transfers& t, Gone gone) {
  for (auto& x : t)
    if (!gone(x.peer)) MPI_Wait(&x.request, MPI_STATUS_IGNORE);
}

// Received messages, never blocking: a message over the eager limit arrives in a second step that needs
// its sender, and a sender that dies or stops in between must not hang the receiver. A probed message is
// taken with a matched receive (MPI_Improbe/MPI_Imrecv) and kept until complete; one from a sender that
// never finishes simply stays. Messages of one sender can so be handed out of order; nothing here needs
// more than that a point's result arrives at all.
class Inbox {
public:
  explicit Inbox(int from) : from_(from) {}
  std::optional<Message> next();
  // Waits for the receives under way from every rank `gone` does not name (before MPI_Finalize).
  template <class Gone> void complete(Gone gone) { wait_unless_gone(arriving_, gone); }

private:
  int from_;
  Transfers arriving_;
};

class Outbox {
public:
  void post(const nlohmann::json& body, int to, Tag tag);
  void progress();  // completes what it can
  // Waits for the sends to every rank `gone` does not name; those may never complete and are left.
  template <class Gone> void drain(Gone gone) { wait_unless_gone(pending_, gone); }

private:
  Transfers pending_;
};

nlohmann::json binary_of(const std::string& s);
std::string bytes_of(const nlohmann::json& j);
std::string host_name();

}  // namespace svasim::mpi
