# journal/: the incident journal: the hash-chained file and its typed lines.
set(SP_LAYER_SOURCES journal.c lines.c)
set(SP_LAYER_LIBS OpenSSL::Crypto PkgConfig::JANSSON)
