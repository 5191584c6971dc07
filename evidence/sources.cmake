# evidence/: what makes the journal hold up in a dispute: signed checkpoints
# of the journals' heads (evidence.c, checkpointer.c: Ed25519 with OpenSSL)
# and RFC 3161 time-stamp tokens (tsa.c: OpenSSL's TS API, libcurl on the
# loop through common's sp_curluv).
set(SP_LAYER_SOURCES evidence.c checkpointer.c tsa.c)
set(SP_LAYER_LIBS OpenSSL::Crypto PkgConfig::JANSSON PkgConfig::UV)
