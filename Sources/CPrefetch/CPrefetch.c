// The hints are header-only (include/CPrefetch.h); SwiftPM wants one source file per C target.
#include "CPrefetch.h"
