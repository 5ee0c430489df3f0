#include "core/csv.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace svasim {

std::string csv_cell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  return nlohmann::json(v).dump();  // shortest round trip; "null" for NaN and infinities
}

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw std::out_of_range("no column \"" + name + "\"");
}

CsvTable parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) {
        row.push_back(std::move(cell));
        lines.push_back(std::move(row));
      }
      row.clear();
      cell.clear();
      any = false;
      ++line;
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) throw std::runtime_error("line " + std::to_string(line) + ": a quoted cell is not closed");
  if (any || !cell.empty()) {
    row.push_back(std::move(cell));
    lines.push_back(std::move(row));
  }
  CsvTable t;
  if (lines.empty()) return t;
  t.header = std::move(lines.front());
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].size() != t.header.size())
      throw std::runtime_error("row " + std::to_string(i) + ": " + std::to_string(lines[i].size()) + " cells, the header has " +
                               std::to_string(t.header.size()));
    t.rows.push_back(std::move(lines[i]));
  }
  return t;
}

}  // namespace svasim
