#include "models/hw/busy_calendar.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace svasim {

BusyCalendar::Span BusyCalendar::fill(double now, double arrival, double duration, double granule) {
  while (!busy_until_.empty() && busy_until_.begin()->second < now) busy_until_.erase(busy_until_.begin());
  if (duration <= 0) return {arrival, arrival};
  busy_ += duration;
  double t = arrival, left = duration;
  Span span{-1, arrival};
  auto it = busy_until_.upper_bound(t);
  if (it != busy_until_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > t) t = prev->second;
  }
  pieces_.clear();
  // What is left after a gap that the work filled to rounding error is nothing: it must not be carried
  // past the next promised interval.
  const double residue = duration * 1e-9;
  while (left > 0) {
    const double gap_end = it == busy_until_.end() ? std::numeric_limits<double>::infinity() : it->first;
    const double use = std::min(left, gap_end - t);
    if (use > 0 && (use >= std::min(granule, left) || use >= left - residue)) {
      if (span.first < 0) span.first = t;
      pieces_.emplace_back(t, t + use);
      t += use;
      left -= use;
      if (left <= residue) left = 0;
      span.end = t;
    }
    if (left > 0) {
      t = std::max(t, it->second);
      ++it;
    }
  }
  for (const auto& [a, b] : pieces_) insert_merged(a, b);
  return span;
}

bool BusyCalendar::busy_at(double t) const {
  auto it = busy_until_.upper_bound(t);
  if (it == busy_until_.begin()) return false;
  return std::prev(it)->second > t;
}

void BusyCalendar::insert_merged(double start, double end) {
  double merged_start = start, merged_end = end;
  auto next = busy_until_.lower_bound(start);
  if (next != busy_until_.begin()) {
    auto prev = std::prev(next);
    if (prev->second >= start) {
      merged_start = prev->first;
      merged_end = std::max(merged_end, prev->second);
      next = busy_until_.erase(prev);
    }
  }
  while (next != busy_until_.end() && next->first <= merged_end) {
    merged_end = std::max(merged_end, next->second);
    next = busy_until_.erase(next);
  }
  busy_until_.emplace_hint(next, merged_start, merged_end);
}

ServerPool::ServerPool(int servers) : free_at_(static_cast<std::size_t>(std::max(servers, 1)), 0.0) {}

double ServerPool::start(double arrival) {
  held_ = static_cast<std::size_t>(std::min_element(free_at_.begin(), free_at_.end()) - free_at_.begin());
  return std::max(arrival, free_at_[held_]);
}

void ServerPool::finish(double end) { free_at_[held_] = end; }

}  // namespace svasim
