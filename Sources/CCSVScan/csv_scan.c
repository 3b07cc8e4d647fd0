// The classifier is header-only (inlined into Swift); SwiftPM needs one source file per C target.
#include "csv_scan.h"
