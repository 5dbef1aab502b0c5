package io.flowctl.server.schema;

import io.flowctl.FlowctlException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a schema registry holds at most: bytes per schema, subjects, versions per subject, schema
 * bytes in all and per registering service (a quarter of the total). The bytes held are read from
 * the store once and then counted with every append and purge here (replicas sharing a database
 * each count their own on top of what they read at start).
 */
final class SchemaLimits {
  private final SchemaStore store;
  private final int maxVersionsPerSubject;
  private final int maxSchemaBytes;
  private final int maxSubjects;
  private final long maxTotalSchemaBytes;
  private final AtomicLong held = new AtomicLong(-1);

  /** The limits {@code b} sets, over its store. */
  SchemaLimits(SchemaRegistry.Builder b) {
    this.store = b.store;
    this.maxVersionsPerSubject = b.maxVersionsPerSubject;
    this.maxSchemaBytes = b.maxSchemaBytes;
    this.maxSubjects = b.maxSubjects;
    this.maxTotalSchemaBytes = b.maxTotalSchemaBytes;
  }

  /** Counts {@code bytes} more (an append) or fewer (a purge, negative) held in the store. */
  void held(long bytes) {
    held.updateAndGet(h -> h < 0 ? h : h + bytes); // not read yet: the first read includes it
  }

  private long heldBytes() {
    long h = held.get();
    if (h < 0) {
      held.compareAndSet(-1, store.totalSchemaBytes());
      h = held.get();
    }
    return h;
  }

  /**
   * Refuses (RESOURCE_EXHAUSTED) a schema of {@code size} bytes for {@code subject}, which has
   * {@code versionCount} live versions and numbered up to {@code highest}, beyond any limit.
   */
  void check(String subject, int size, int versionCount, int highest, String registeredBy) {
    if (size > maxSchemaBytes) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a schema of " + size + " bytes exceeds the limit of " + maxSchemaBytes);
    }
    if (versionCount == 0 && highest == 0 && store.subjectCount() >= maxSubjects) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "the registry holds " + maxSubjects + " subjects, its limit; '" + subject + "' is new");
    }
    long holding = heldBytes();
    if (holding + size > maxTotalSchemaBytes) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "the registry holds "
              + holding / 1024
              + " KiB of schemas; "
              + size
              + " more bytes would pass its limit of "
              + maxTotalSchemaBytes / 1024
              + " KiB (SchemaRegistry.Builder.maxTotalSchemaBytes)");
    }
    if (registeredBy != null
        && !registeredBy.isEmpty()
        && holding + size > maxTotalSchemaBytes / 4) {
      long own = store.schemaBytesRegisteredBy(registeredBy);
      if (own + size > maxTotalSchemaBytes / 4) {
        throw new FlowctlException(
            FlowctlException.Code.RESOURCE_EXHAUSTED,
            "'"
                + registeredBy
                + "' registered "
                + own / 1024
                + " KiB of schemas; one service may hold a quarter of the registry's "
                + maxTotalSchemaBytes / 1024
                + " KiB");
      }
    }
    if (versionCount >= maxVersionsPerSubject) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "subject '" + subject + "' has " + versionCount + " versions, the limit");
    }
  }
}
