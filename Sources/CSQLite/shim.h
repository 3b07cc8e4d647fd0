#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type tripstream_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// SQLite keeps allocation statistics behind a global mutex by default; tripstream never reads them.
// Must run before SQLite initializes (sqlite3_config is variadic, so Swift needs this wrapper).
static inline int tripstream_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
