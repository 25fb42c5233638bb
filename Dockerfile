# Multi-stage build: a static binary on a minimal, non-root runtime image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=docker
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/partnerhub ./cmd/partnerhub

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerhub /usr/local/bin/partnerhub
USER nonroot:nonroot
EXPOSE 8080
ENV LISTEN_ADDR=:8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/partnerhub"]
CMD ["serve"]
