# evidence/: signed checkpoints of the journals' heads (Ed25519, OpenSSL)
# and RFC 3161 time-stamp tokens (tsa.c: OpenSSL's TS API, libcurl on the
# loop).
set(SP_LAYER_SOURCES evidence.c checkpointer.c tsa.c)
set(SP_LAYER_LIBS OpenSSL::Crypto PkgConfig::JANSSON PkgConfig::UV)
