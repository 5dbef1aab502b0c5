package io.flowctl.schema;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The adjustable rules of compatibility: which reader model, which widening table entries, which
 * time-zone policy. One instance is passed to the checker, the projector and the schema registry
 * alike, so that all three agree. Immutable and thread-safe; build with {@link #builder()}.
 */
public final class CompatibilityRules {
  private static final CompatibilityRules DEFAULTS = builder().build();

  private final ReaderModel readerModel;
  private final Set<Widening> widenings;
  private final TimezonePolicy timezonePolicy;

  private CompatibilityRules(Builder b) {
    this.readerModel = b.readerModel;
    this.widenings = Set.copyOf(b.widenings);
    this.timezonePolicy = b.timezonePolicy;
  }

  /** The default rules: closed reader model, every widening but int64 → float64, exact zones. */
  public static CompatibilityRules defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this instance's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.readerModel = readerModel;
    b.widenings = widenings.isEmpty() ? EnumSet.noneOf(Widening.class) : EnumSet.copyOf(widenings);
    b.timezonePolicy = timezonePolicy;
    return b;
  }

  public ReaderModel readerModel() {
    return readerModel;
  }

  public Set<Widening> widenings() {
    return widenings;
  }

  public boolean allows(Widening widening) {
    return widenings.contains(widening);
  }

  public TimezonePolicy timezonePolicy() {
    return timezonePolicy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompatibilityRules r
        && r.readerModel == readerModel
        && r.widenings.equals(widenings)
        && r.timezonePolicy == timezonePolicy;
  }

  @Override
  public int hashCode() {
    return Objects.hash(readerModel, widenings, timezonePolicy);
  }

  @Override
  public String toString() {
    return "CompatibilityRules{readerModel="
        + readerModel
        + ", widenings="
        + EnumSet.copyOf(widenings.isEmpty() ? EnumSet.noneOf(Widening.class) : widenings)
        + ", timezonePolicy="
        + timezonePolicy
        + '}';
  }

  /** Builds {@link CompatibilityRules}; not thread-safe. */
  public static final class Builder {
    private ReaderModel readerModel = ReaderModel.CLOSED;
    private EnumSet<Widening> widenings =
        EnumSet.complementOf(EnumSet.of(Widening.INT64_TO_FLOAT64));
    private TimezonePolicy timezonePolicy = TimezonePolicy.EXACT;

    private Builder() {}

    public Builder readerModel(ReaderModel model) {
      this.readerModel = Objects.requireNonNull(model, "readerModel");
      return this;
    }

    /** Replaces the widening table. */
    public Builder widenings(Set<Widening> entries) {
      Objects.requireNonNull(entries, "widenings");
      this.widenings = entries.isEmpty() ? EnumSet.noneOf(Widening.class) : EnumSet.copyOf(entries);
      return this;
    }

    public Builder allow(Widening entry) {
      widenings.add(Objects.requireNonNull(entry, "widening"));
      return this;
    }

    public Builder disallow(Widening entry) {
      widenings.remove(Objects.requireNonNull(entry, "widening"));
      return this;
    }

    public Builder timezonePolicy(TimezonePolicy policy) {
      this.timezonePolicy = Objects.requireNonNull(policy, "timezonePolicy");
      return this;
    }

    public CompatibilityRules build() {
      return new CompatibilityRules(this);
    }
  }
}
