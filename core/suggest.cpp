#include "core/suggest.hpp"

#include <algorithm>

namespace svasim {

namespace {
// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(word, c);
    if (dist < best_d && dist < c.size() && c != word) {
      best_d = dist;
      best = c;
    }
  }
  if (!best.empty()) return best;
  // Names of parts ("linux-6.12-vtd"): the one candidate holding every part typed, in any order
  // ("6.12-vtd", "vtd-6.12", "linux-6.12").
  auto parts = [](const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s + "-") {
      if (ch != '-' && ch != '_') {
        cur += ch;
      } else if (!cur.empty()) {
        out.push_back(cur);
        cur.clear();
      }
    }
    return out;
  };
  const std::vector<std::string> typed = parts(word);
  if (typed.empty()) return "";
  std::string only;
  for (const auto& c : candidates) {
    const std::vector<std::string> have = parts(c);
    bool all = c != word;
    for (const auto& t : typed) all = all && std::find(have.begin(), have.end(), t) != have.end();
    if (!all) continue;
    if (!only.empty()) return "";  // ambiguous: several candidates hold them
    only = c;
  }
  return only;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string guess = closest(word, candidates);
  return guess.empty() ? "" : "; did you mean \"" + guess + "\"?";
}

}  // namespace svasim
