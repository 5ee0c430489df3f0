#pragma once
// CSV as RFC 4180 writes it (comma-separated, a cell quoted when it holds a comma, a quote or a line
// break, quotes doubled), and the reader of the tables svasim writes: what a sweep's CSV files hold is
// read back by the same rules, so a test can check that a table says what the results say.
#include <string>
#include <vector>

namespace svasim {

// The cell as written: quoted only when it must be.
std::string csv_cell(const std::string& v);
// A number at full precision: an integer below 2^53 without a fraction, anything else in the shortest
// form that reads back to the same double.
std::string number_text(double v);

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as the header
  // The column's index; throws std::out_of_range naming it when the table has none.
  std::size_t column(const std::string& name) const;
};

// Parses a whole CSV text (quoted cells may hold line breaks). Throws std::runtime_error("line N: ...")
// when a row's width differs from the header's or a quote is not closed.
CsvTable parse_csv(const std::string& text);

}  // namespace svasim
