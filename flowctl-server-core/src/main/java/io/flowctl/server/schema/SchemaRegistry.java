package io.flowctl.server.schema;

import io.flowctl.FlowctlException;
import io.flowctl.internal.Require;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.EvolutionVerdict;
import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.SchemaChange;
import io.flowctl.schema.SchemaFingerprints;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Versions of Arrow schemas per subject (event type), each subject under an evolution policy judged
 * by one {@link CompatibilityChecker}: the rule set given here is the one the checker and the
 * projector use, so the registry never accepts what a reader could not read. Usable without gRPC;
 * thread-safe (concurrent registrations are serialized per subject by the store).
 *
 * <pre>{@code
 * SchemaRegistry registry = SchemaRegistry.builder(new InMemorySchemaStore())
 *     .defaultPolicy(EvolutionPolicy.BACKWARD)
 *     .build();
 * Registration r = registry.register("arrow_data.TTPEventBatch", schema, "ttp-processor");
 * }</pre>
 */
public final class SchemaRegistry {
  private final SchemaStore store;
  private final CompatibilityChecker checker;
  private final EvolutionPolicy defaultPolicy;
  private final Clock clock;
  private final int maxVersionsPerSubject;
  private final int maxSchemaBytes;
  private final int maxSubjects;
  private final long maxTotalSchemaBytes;

  /**
   * Schema bytes in the store, read once and then counted with every append here (replicas sharing
   * a database each count their own appends on top of what they read at start).
   */
  private final java.util.concurrent.atomic.AtomicLong held =
      new java.util.concurrent.atomic.AtomicLong(-1);

  private long heldBytes() {
    long h = held.get();
    if (h < 0) {
      held.compareAndSet(-1, store.totalSchemaBytes());
      h = held.get();
    }
    return h;
  }

  private SchemaRegistry(Builder b) {
    this.maxSubjects = b.maxSubjects;
    this.maxTotalSchemaBytes = b.maxTotalSchemaBytes;
    this.store = b.store;
    this.checker = CompatibilityChecker.of(b.rules);
    this.defaultPolicy = b.defaultPolicy;
    this.clock = b.clock;
    this.maxVersionsPerSubject = b.maxVersionsPerSubject;
    this.maxSchemaBytes = b.maxSchemaBytes;
  }

  /** Hears registrations and refusals (on the registering thread; keep it quick). */
  public interface Listener {
    /** A registration: a new version, or an existing one returned again. */
    void registered(String subject, Registration registration);

    /** A registration refused by the subject's policy or a limit. */
    void refused(String subject, FlowctlException reason);
  }

  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a listener of registrations (monitoring). */
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public static Builder builder(SchemaStore store) {
    return new Builder(store);
  }

  /** The rules every registration is judged by. */
  public CompatibilityRules rules() {
    return checker.rules();
  }

  /** The subject's policy: its own, or the registry's default. */
  public EvolutionPolicy policy(String subject) {
    return store.policy(subject).orElse(defaultPolicy);
  }

  public void setPolicy(String subject, EvolutionPolicy policy) {
    store.setPolicy(requireSubject(subject), Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Registers {@code schema} under {@code subject}. An identical schema (same fingerprint with
   * metadata) registered before is returned as is; anything else must satisfy the subject's policy
   * against the versions before it.
   *
   * @throws IncompatibleSchemaException (FAILED_PRECONDITION) with every change that breaks the
   *     policy, each with its field path
   * @throws FlowctlException RESOURCE_EXHAUSTED beyond the version or size limits
   */
  public Registration register(String subject, Schema schema, String registeredBy) {
    Registration r;
    try {
      r = registerOrRefuse(subject, schema, registeredBy);
    } catch (FlowctlException e) {
      for (Listener l : listeners) {
        l.refused(subject, e);
      }
      throw e;
    }
    for (Listener l : listeners) {
      l.registered(subject, r);
    }
    return r;
  }

  private Registration registerOrRefuse(String subject, Schema schema, String registeredBy) {
    requireSubject(subject);
    Objects.requireNonNull(schema, "schema");
    byte[] ipc = serialize(schema);
    if (ipc.length > maxSchemaBytes) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a schema of " + ipc.length + " bytes exceeds the limit of " + maxSchemaBytes);
    }
    Fingerprint structural = SchemaFingerprints.structural(schema);
    Fingerprint exact = SchemaFingerprints.withMetadata(schema);
    EvolutionPolicy policy = policy(subject);
    while (true) {
      List<StoredSchema> versions = store.versions(subject);
      for (StoredSchema s : versions) {
        if (s.fingerprintWithMetadata().equals(exact.toString())) {
          return new Registration(toRegistered(s), true, policy);
        }
      }
      if (versions.isEmpty() && store.subjectCount() >= maxSubjects) {
        throw new FlowctlException(
            FlowctlException.Code.RESOURCE_EXHAUSTED,
            "the registry holds " + maxSubjects + " subjects, its limit; '" + subject + "' is new");
      }
      long holding = heldBytes();
      if (holding + ipc.length > maxTotalSchemaBytes) {
        throw new FlowctlException(
            FlowctlException.Code.RESOURCE_EXHAUSTED,
            "the registry holds "
                + holding / 1024
                + " KiB of schemas; "
                + ipc.length
                + " more bytes would pass its limit of "
                + maxTotalSchemaBytes / 1024
                + " KiB (SchemaRegistry.Builder.maxTotalSchemaBytes)");
      }
      if (registeredBy != null
          && !registeredBy.isEmpty()
          && holding + ipc.length > maxTotalSchemaBytes / 4) {
        long own = store.schemaBytesRegisteredBy(registeredBy);
        if (own + ipc.length > maxTotalSchemaBytes / 4) {
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
      if (versions.size() >= maxVersionsPerSubject) {
        throw new FlowctlException(
            FlowctlException.Code.RESOURCE_EXHAUSTED,
            "subject '" + subject + "' has " + versions.size() + " versions, the limit");
      }
      List<Schema> history = new ArrayList<>(versions.size());
      for (StoredSchema s : versions) {
        history.add(deserialize(s.schemaIpc()));
      }
      EvolutionVerdict verdict = checker.checkEvolution(history, schema, policy);
      if (!verdict.accepted()) {
        throw refusal(subject, policy, verdict);
      }
      StoredSchema stored =
          new StoredSchema(
              subject,
              versions.size() + 1,
              ipc,
              structural.toString(),
              exact.toString(),
              clock.instant(),
              registeredBy);
      if (store.append(stored)) {
        held.addAndGet(ipc.length);
        return new Registration(toRegistered(stored), false, policy);
      }
      // Another registration won this version number: re-read and judge against it too.
    }
  }

  /** The latest version of a subject. */
  public Optional<RegisteredSchema> latest(String subject) {
    List<StoredSchema> versions = store.versions(subject);
    return versions.isEmpty()
        ? Optional.empty()
        : Optional.of(toRegistered(versions.get(versions.size() - 1)));
  }

  /** One version of a subject. */
  public Optional<RegisteredSchema> version(String subject, int version) {
    List<StoredSchema> versions = store.versions(subject);
    return version < 1 || version > versions.size()
        ? Optional.empty()
        : Optional.of(toRegistered(versions.get(version - 1)));
  }

  /** The earliest version of a subject with this structural fingerprint. */
  public Optional<RegisteredSchema> byFingerprint(String subject, Fingerprint fingerprint) {
    for (StoredSchema s : store.versions(subject)) {
      if (s.fingerprint().equals(fingerprint.toString())) {
        return Optional.of(toRegistered(s));
      }
    }
    return Optional.empty();
  }

  /** Every version of a subject, oldest first: its evolution history. */
  public List<RegisteredSchema> history(String subject) {
    List<RegisteredSchema> out = new ArrayList<>();
    for (StoredSchema s : store.versions(subject)) {
      out.add(toRegistered(s));
    }
    return out;
  }

  public List<String> subjects() {
    return store.subjects();
  }

  private static IncompatibleSchemaException refusal(
      String subject, EvolutionPolicy policy, EvolutionVerdict verdict) {
    StringBuilder m =
        new StringBuilder("schema refused for '")
            .append(subject)
            .append("' under policy ")
            .append(policy.configName())
            .append(": ");
    List<SchemaChange> violations = verdict.violations();
    for (int i = 0; i < violations.size(); i++) {
      m.append(i == 0 ? "" : "; ").append(violations.get(i).message());
    }
    EvolutionVerdict.Comparison failed =
        verdict.comparisons().stream().filter(c -> !c.satisfied()).findFirst().orElseThrow();
    return new IncompatibleSchemaException(m.toString(), failed.result());
  }

  private static RegisteredSchema toRegistered(StoredSchema s) {
    return new RegisteredSchema(
        s.subject(),
        s.version(),
        deserialize(s.schemaIpc()),
        new Fingerprint(s.fingerprint()),
        new Fingerprint(s.fingerprintWithMetadata()),
        s.registeredAt(),
        s.registeredBy());
  }

  private static String requireSubject(String subject) {
    if (subject == null || subject.isBlank()) {
      throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, "the subject is empty");
    }
    return subject;
  }

  static byte[] serialize(Schema schema) {
    return ArrowIpc.schemaStream(schema);
  }

  static Schema deserialize(byte[] ipc) {
    try {
      return ArrowIpc.readSchema(ipc);
    } catch (RuntimeException e) {
      throw new StoreException("a stored schema cannot be read back: " + e.getMessage(), e);
    }
  }

  /** Settings of a registry. */
  public static final class Builder {
    private final SchemaStore store;
    private CompatibilityRules rules = CompatibilityRules.defaults();
    private EvolutionPolicy defaultPolicy = EvolutionPolicy.BACKWARD;
    private Clock clock = Clock.systemUTC();
    private int maxVersionsPerSubject = 1_000;
    private int maxSchemaBytes = 1 << 20;
    private int maxSubjects = 10_000;
    private long maxTotalSchemaBytes = 256L << 20;

    private Builder(SchemaStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * The rule set (reader model, widening table, time zones); default {@link
     * CompatibilityRules#defaults()}.
     */
    public Builder rules(CompatibilityRules rules) {
      this.rules = Objects.requireNonNull(rules, "rules");
      return this;
    }

    /** The policy of subjects without their own; default {@code backward}. */
    public Builder defaultPolicy(EvolutionPolicy policy) {
      this.defaultPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Versions one subject may have; default 1,000. */
    public Builder maxVersionsPerSubject(int max) {
      this.maxVersionsPerSubject = max;
      return this;
    }

    /** Subjects (event types) the registry holds; default 10,000. */
    public Builder maxSubjects(int max) {
      this.maxSubjects = max;
      return this;
    }

    /** Bytes of one serialized schema; default 1 MiB. */
    public Builder maxSchemaBytes(int max) {
      this.maxSchemaBytes = max;
      return this;
    }

    /**
     * Bytes of every schema definition together; default 256 MiB (the memory store holds them on
     * the heap, and every check of a subject reads its versions).
     */
    public Builder maxTotalSchemaBytes(long max) {
      this.maxTotalSchemaBytes = Require.positive(max, "maxTotalSchemaBytes");
      return this;
    }

    public SchemaRegistry build() {
      return new SchemaRegistry(this);
    }
  }
}
