# probe/: specs, the engine, the probe kinds (c-ares, OpenSSL, jansson).
set(SP_LAYER_SOURCES spec.c reason_map.c engine.c kind_http.c kind_tcp.c kind_dns.c dns_answer.c
    kind_tls.c kind_icmp.c cert.c hsts.c result_json.c tls_grade.c)
set(SP_LAYER_LIBS PkgConfig::CARES OpenSSL::SSL OpenSSL::Crypto PkgConfig::JANSSON)
