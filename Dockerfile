# syntax=docker/dockerfile:1
# The Pitstop operator image: docker build -t ghcr.io/pitstop-dev/pitstop:0.1.0 .
# (docs/install.md: build, push, and point the Helm chart at your own image.)

# Build stage: the same Maven build as on a developer's machine, of the operator's jar only
# (-pl operator -am: with pitstop-embedded, which its tests use). Maven reads every module's pom,
# so the demo's is copied; its sources are not.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY embedded/pom.xml embedded/
COPY operator/pom.xml operator/
COPY demo/pom.xml demo/
COPY embedded/src embedded/src/
COPY operator/src operator/src/
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -DskipTests package -pl operator -am

# Runtime stage: a JRE and the jar, nothing else.
FROM eclipse-temurin:17-jre
COPY --from=build /src/operator/target/pitstop.jar /app/pitstop.jar
# A numeric non-root user, so Kubernetes can verify runAsNonRoot; HOME on the writable /tmp.
USER 65532:65532
ENV HOME=/tmp
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/pitstop.jar"]
CMD ["operator"]
