// The whole public API of masterpro in one include.
#pragma once

#include "masterpro/error.hpp"
#include "masterpro/io/decision_json.hpp"
#include "masterpro/limits.hpp"
#include "masterpro/model/candidate.hpp"
#include "masterpro/model/date.hpp"
#include "masterpro/model/decision.hpp"
#include "masterpro/model/qualification.hpp"
#include "masterpro/rule_set.hpp"
