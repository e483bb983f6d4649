"""The limits of a measurements upload, in one place (the README's table of them says the same).

A row past any of them is a bad row, named by row, field and value; a body nested past
``NESTING_MAX_DEPTH`` or a CSV line past ``CSV_LINE_MAX_CHARS`` stops the reading at once.
"""

import sys

# Tags: every one of them can be named by a specification (Specification.tag_key and tag_value).
TAGS_MAX = 32
TAG_KEY_MAX_CHARS = 50
TAG_VALUE_MAX_CHARS = 100
# The `tags` column of a CSV or Parquet file, a JSON object as text.
TAGS_TEXT_MAX_CHARS = 16_384

# Metric.name
METRIC_NAME_MAX_CHARS = 200

# A value is 0 or a magnitude in [VALUE_MIN_MAGNITUDE, VALUE_MAX_MAGNITUDE]. The floor is the smallest
# double at full precision (a decimal below it would be rounded to a subnormal or to 0); the ceiling keeps
# the sums and variances a run's statistics compute (PostgreSQL's avg, percentile_cont) within the double
# range whatever the number of values.
VALUE_MIN_MAGNITUDE = sys.float_info.min
VALUE_MAX_MAGNITUDE = 1e100

# measured_at: an ISO 8601 date and time, stored in UTC (years 1 to 9999 there), to the microsecond.
MEASURED_AT_MAX_CHARS = 40

# A JSON body: a list of rows, a row an object, its tags an object: 3 levels. Anything nested deeper in a
# row is a bad row; past this depth the body is not read further.
NESTING_MAX_DEPTH = 32
# A row's fields: metric, value, measured_at, tags, or (without `tags`) one per tag.
ROW_FIELDS_MAX = 4 + TAGS_MAX

# A CSV line (a row's fields are well under it: this bounds what is read before a row is checked).
CSV_LINE_MAX_CHARS = 65_536
