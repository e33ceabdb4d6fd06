# Liaison in one image: the release `liaison` binary, which carries the task pane (built into
# it at compile time), on a slim Debian, run as a user without privileges.
#
#   docker build -t liaison .
#   docker run -p 3000:3000 -v liaison-data:/data liaison serve --public-url https://liaison.contoso.com …
#
# With several instances, share one PostgreSQL store: `-e LIAISON_DATABASE=postgres://…`.
# `scripts/container-check` builds the image, starts it and waits for it to be healthy.

FROM rust:1.95-bookworm AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The pane's toolchain (pinned versions, never downloaded by trunk), then the pane and the
# release binary that carries it, checked to have no test feature.
RUN scripts/setup demo && cargo xtask release

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin liaison \
 && mkdir /data && chown liaison /data
COPY --from=build /src/target/release/liaison /usr/local/bin/liaison
USER liaison
# The SQLite store, the encryption key file and the development certificate live in /data
# unless LIAISON_DATABASE and LIAISON_ENCRYPTION_KEYS say otherwise.
ENV LIAISON_LISTEN=0.0.0.0:3000 LIAISON_DATA_DIR=/data
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["liaison", "health-check"]
ENTRYPOINT ["liaison"]
CMD ["serve"]
