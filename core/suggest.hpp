#pragma once
// "Did you mean" for names a user typed: schema keys, enum values, parameters, models, profiles.
#include <string>
#include <vector>

namespace svasim {

// The closest candidate within edit distance 2 (and closer than the candidate's own length, so that
// "x" does not suggest "id"), else the one candidate whose '-'/'_'-separated parts include every part
// typed ("6.12-vtd" -> "linux-6.12-vtd"), or "" when none qualifies. Ties go to the first candidate.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

// "; did you mean \"NAME\"?" or "" when nothing is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace svasim
