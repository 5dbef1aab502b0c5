package io.flowctl.client.control;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flowctl.FlowctlException;
import io.flowctl.client.control.internal.GrpcErrors;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.ipc.IpcInput;
import io.flowctl.ipc.IpcLimits;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.SchemaResponse;
import io.flowctl.schema.Fingerprint;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * {@code GetSchema} lookups through a Caffeine cache: found schemas are kept for a TTL, unknown
 * ones (NOT_FOUND) for a shorter one, both within a size bound. Decoding thousands of events of one
 * schema costs one RPC. Thread-safe.
 */
public final class SchemaLookup {
  /** A schema the control plane knows. */
  public record KnownSchema(
      String eventType, int version, Fingerprint fingerprint, Schema schema) {}

  private record Key(String eventType, String fingerprint, int version) {}

  private final ControlPlaneGrpc.ControlPlaneBlockingStub stub;
  private final Duration deadline;
  private final Cache<Key, KnownSchema> found;
  private final Cache<Key, Boolean> missing;

  private SchemaLookup(Builder b) {
    this.stub = ControlPlaneGrpc.newBlockingStub(b.channel);
    this.deadline = b.deadline;
    this.found = Caffeine.newBuilder().maximumSize(b.maxEntries).expireAfterWrite(b.ttl).build();
    this.missing =
        Caffeine.newBuilder().maximumSize(b.maxEntries).expireAfterWrite(b.negativeTtl).build();
  }

  public static Builder builder(Channel channel) {
    return new Builder(channel);
  }

  /** The schema of {@code eventType} with this structural fingerprint. */
  public Optional<KnownSchema> byFingerprint(String eventType, Fingerprint fingerprint) {
    return lookup(new Key(eventType, fingerprint.toString(), 0));
  }

  /** One version of {@code eventType}. */
  public Optional<KnownSchema> byVersion(String eventType, int version) {
    return lookup(new Key(eventType, "", version));
  }

  /** The latest version of {@code eventType} (cached too: it may be up to a TTL old). */
  public Optional<KnownSchema> latest(String eventType) {
    return lookup(new Key(eventType, "", 0));
  }

  private Optional<KnownSchema> lookup(Key key) {
    KnownSchema hit = found.getIfPresent(key);
    if (hit != null) {
      return Optional.of(hit);
    }
    if (missing.getIfPresent(key) != null) {
      return Optional.empty();
    }
    SchemaRequest.Builder r = SchemaRequest.newBuilder().setEventType(key.eventType());
    if (!key.fingerprint().isEmpty()) {
      r.setSchemaFingerprint(key.fingerprint());
    }
    if (key.version() > 0) {
      r.setVersion(key.version());
    }
    SchemaResponse response;
    try {
      response =
          stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).getSchema(r.build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        missing.put(key, Boolean.TRUE);
        return Optional.empty();
      }
      throw GrpcErrors.toException(e, "schema lookup for '" + key.eventType() + "'");
    }
    KnownSchema schema =
        new KnownSchema(
            response.getSchemaInfo().getEventType(),
            response.getSchemaInfo().getVersion(),
            new Fingerprint(response.getSchemaInfo().getSchemaFingerprint()),
            parse(response));
    found.put(key, schema);
    return Optional.of(schema);
  }

  private static Schema parse(SchemaResponse response) {
    try {
      return ArrowIpc.readSchema(
          IpcInput.of(response.getSchemaInfo().getSchemaDefinition().asReadOnlyByteBuffer()),
          IpcLimits.defaults());
    } catch (IOException | FlowctlException e) {
      throw new FlowctlException(
          FlowctlException.Code.INTERNAL,
          "the control plane sent an unreadable schema for '"
              + response.getSchemaInfo().getEventType()
              + "': "
              + e.getMessage(),
          e);
    }
  }

  /** Settings of a lookup cache. */
  public static final class Builder {
    private final Channel channel;
    private Duration ttl = Duration.ofMinutes(10);
    private Duration negativeTtl = Duration.ofSeconds(10);
    private long maxEntries = 10_000;
    private Duration deadline = Duration.ofSeconds(5);

    private Builder(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
    }

    /** How long found schemas are kept; default 10 minutes. */
    public Builder ttl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** How long an unknown schema is remembered as unknown; default 10 s. */
    public Builder negativeTtl(Duration ttl) {
      this.negativeTtl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    public Builder maxEntries(long max) {
      this.maxEntries = max;
      return this;
    }

    public Builder deadline(Duration deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    public SchemaLookup build() {
      return new SchemaLookup(this);
    }
  }
}
