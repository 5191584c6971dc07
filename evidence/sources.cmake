# evidence/: what makes the journal hold up in a dispute: the RFC 3161
# time-stamping client (tsa.c). OpenSSL (TS API) and libcurl, the latter
# through common's sp_curluv.
set(SP_LAYER_SOURCES tsa.c)
set(SP_LAYER_LIBS OpenSSL::Crypto)
