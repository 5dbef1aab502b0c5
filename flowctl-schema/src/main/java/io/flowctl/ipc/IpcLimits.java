package io.flowctl.ipc;

/**
 * What one read of Arrow IPC bytes may cost: the metadata of one message (read onto the heap), the
 * nesting depth of a schema (converted recursively), and the Arrow memory all batches in flight
 * take. Every limit is checked against what the bytes declare before anything is allocated.
 * Immutable and thread-safe.
 */
public final class IpcLimits {
  private static final IpcLimits DEFAULTS = builder().build();

  private final int maxMetadataBytes;
  private final int maxNestingDepth;
  private final long maxDecodedBytes;

  private IpcLimits(Builder b) {
    this.maxMetadataBytes = b.maxMetadataBytes;
    this.maxNestingDepth = b.maxNestingDepth;
    this.maxDecodedBytes = b.maxDecodedBytes;
  }

  /** 64 MiB of metadata per message, 64 levels of nesting, 256 MiB decoded. */
  public static IpcLimits defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The metadata (flatbuffer) of one message, in bytes. */
  public int maxMetadataBytes() {
    return maxMetadataBytes;
  }

  /** How deep fields may nest: a top-level primitive column is depth 1. */
  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  /**
   * Arrow memory a reader may hold at once (a batch, its dictionaries and decompressed buffers).
   */
  public long maxDecodedBytes() {
    return maxDecodedBytes;
  }

  public Builder toBuilder() {
    return new Builder()
        .maxMetadataBytes(maxMetadataBytes)
        .maxNestingDepth(maxNestingDepth)
        .maxDecodedBytes(maxDecodedBytes);
  }

  @Override
  public String toString() {
    return "IpcLimits{maxMetadataBytes="
        + maxMetadataBytes
        + ", maxNestingDepth="
        + maxNestingDepth
        + ", maxDecodedBytes="
        + maxDecodedBytes
        + "}";
  }

  /** Settings of {@link IpcLimits}; each setter refuses a value that is not positive. */
  public static final class Builder {
    private int maxMetadataBytes = 64 << 20;
    private int maxNestingDepth = 64;
    private long maxDecodedBytes = 256L << 20;

    private Builder() {}

    public Builder maxMetadataBytes(int bytes) {
      this.maxMetadataBytes = positive(bytes, "maxMetadataBytes");
      return this;
    }

    public Builder maxNestingDepth(int depth) {
      this.maxNestingDepth = positive(depth, "maxNestingDepth");
      return this;
    }

    public Builder maxDecodedBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxDecodedBytes must be positive, got " + bytes);
      }
      this.maxDecodedBytes = bytes;
      return this;
    }

    public IpcLimits build() {
      return new IpcLimits(this);
    }

    private static int positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + v);
      }
      return v;
    }
  }
}
