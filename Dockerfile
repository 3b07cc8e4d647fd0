# tripstream container image: a self-contained release binary on a slim Debian.
#
#   docker build -t tripstream .
#   docker run --rm -p 127.0.0.1:9464:9464 -e TRIPSTREAM_HTTP_TOKEN=change-me tripstream
#   open http://127.0.0.1:9464/?token=change-me
#
# The default command replays the bundled 2 000-row fixture and keeps serving the dashboard, the query API
# and /metrics on 0.0.0.0:9464. tripstream refuses a non-loopback listener without a token, so pass one
# (TRIPSTREAM_HTTP_TOKEN, or --http-token-file with a mounted secret as deploy/compose.yaml does); /healthz
# needs no token, which is what the HEALTHCHECK below relies on.

# ---- build stage: the Swift toolchain plus the -dev packages of the three C libraries -----------------------
FROM swift:6.3-bookworm AS build
# librdkafka-dev, liblmdb-dev, libsqlite3-dev: headers, pkg-config files and link libraries for the
# systemLibrary targets CRdKafka, CLMDB and CSQLite (Package.swift); pkg-config lets SwiftPM read their .pc files.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      librdkafka-dev liblmdb-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, in their own layer: editing the sources does not fetch them again.
# Package.resolved is not committed: the glob copies it when the build context has one (then its pins are
# used as they are), and matches Package.swift alone otherwise.
COPY Package.* ./
RUN swift package resolve $([ -f Package.resolved ] && echo --force-resolved-versions || true)
# Tests/ is copied because SwiftPM checks every target's directory when it loads the package, even
# though only the tripstream product is built.
COPY Sources ./Sources
COPY Tests ./Tests
# --static-swift-stdlib links the Swift runtime and Foundation (with its ICU data: time zones too, so the
# runtime image needs no tzdata) into the binary: the runtime stage needs only Debian's C libraries.
RUN swift build -c release --static-swift-stdlib --product tripstream \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/tripstream" /out/tripstream

# ---- runtime stage: only the shared libraries the binary links, and curl for the health check --------------
FROM debian:bookworm-slim
# librdkafka1, liblmdb0, libsqlite3-0: the binary's dynamic C dependencies (librdkafka pulls in libssl3,
# libsasl2, libzstd, liblz4 and zlib); ca-certificates for librdkafka's TLS (security.protocol=SSL/SASL_SSL);
# curl only for HEALTHCHECK. libc and libstdc++ are in the base image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      librdkafka1 liblmdb0 libsqlite3-0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid/gid, so volumes and secret files can be given to it from the host.
RUN groupadd --system --gid 10001 tripstream \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/tripstream --no-create-home \
      --shell /usr/sbin/nologin tripstream \
 && install -d -o tripstream -g tripstream -m 0750 /var/lib/tripstream
COPY --from=build /out/tripstream /usr/local/bin/tripstream
COPY fixtures/trips-2k.csv /usr/share/tripstream/trips-2k.csv
USER tripstream
WORKDIR /var/lib/tripstream
# The SQLite mirror and the LMDB checkpoint state: keep them across container restarts (crash recovery).
VOLUME /var/lib/tripstream
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9464/healthz || exit 1
ENTRYPOINT ["tripstream"]
CMD ["replay", "/usr/share/tripstream/trips-2k.csv", "--db", "/var/lib/tripstream/tripstream.sqlite", "--state", "/var/lib/tripstream/state", "--http", "0.0.0.0:9464", "--keep-serving"]
