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
import io.flowctl.schema.ReaderModel;
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
  private final SchemaLimits limits;
  private final Readers readers;

  private SchemaRegistry(Builder b) {
    this.limits = new SchemaLimits(b);
    this.store = b.store;
    this.checker = CompatibilityChecker.of(b.rules);
    this.defaultPolicy = b.defaultPolicy;
    this.clock = b.clock;
    this.readers = b.readers;
  }

  /** Hears registrations, refusals and lifecycle changes (on the calling thread; keep it quick). */
  public interface Listener {
    /** A registration: a new version, or an existing one returned again. */
    void registered(String subject, Registration registration);

    /** A registration refused by the subject's policy, its mode, a live consumer or a limit. */
    void refused(String subject, FlowctlException reason);

    /**
     * A change of a subject other than a new version.
     *
     * @param action {@code deleted} (soft), {@code purged} (for good), {@code policy} or {@code
     *     mode}
     * @param version the version concerned, 0 for the subject's settings
     * @param detail what changed, in a few words
     */
    default void changed(String subject, String action, int version, String detail) {}
  }

  /**
   * The live services reading a subject, with the reader schemas they declared for it: what lets
   * the registry refuse a version that a running consumer would reject, which a registry that does
   * not know its consumers cannot do.
   */
  @FunctionalInterface
  public interface Readers {
    /** Every live reader of {@code subject} that declared at least one reader schema for it. */
    List<Reader> of(String subject);
  }

  /**
   * One live consumer and the reader schemas it declared for a subject; it reads a version when any
   * of them does, under the reader model it declared.
   */
  public record Reader(String serviceId, List<Schema> schemas, ReaderModel model) {
    public Reader {
      Objects.requireNonNull(serviceId, "serviceId");
      schemas = List.copyOf(schemas);
      Objects.requireNonNull(model, "model");
    }

    /** A reader that declared no model: closed, what readers before the declaration meant. */
    public Reader(String serviceId, List<Schema> schemas) {
      this(serviceId, schemas, ReaderModel.CLOSED);
    }
  }

  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a listener of registrations (monitoring). */
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Stops telling {@code listener}; a listener not added is ignored. */
  public void removeListener(Listener listener) {
    listeners.remove(listener);
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

  /** The subject's own policy, if one was set (else the default applies). */
  public Optional<EvolutionPolicy> ownPolicy(String subject) {
    return store.policy(requireSubject(subject));
  }

  public void setPolicy(String subject, EvolutionPolicy policy) {
    store.setPolicy(requireSubject(subject), Objects.requireNonNull(policy, "policy"));
    changed(subject, "policy", 0, "policy " + policy.configName());
  }

  /** The subject's mode: its own, or {@link SubjectMode#READWRITE}. */
  public SubjectMode mode(String subject) {
    return store.mode(subject).orElse(SubjectMode.READWRITE);
  }

  /** The subject's own mode, if one was set. */
  public Optional<SubjectMode> ownMode(String subject) {
    return store.mode(requireSubject(subject));
  }

  public void setMode(String subject, SubjectMode mode) {
    store.setMode(requireSubject(subject), Objects.requireNonNull(mode, "mode"));
    changed(subject, "mode", 0, "mode " + mode.name().toLowerCase(java.util.Locale.ROOT));
  }

  private void changed(String subject, String action, int version, String detail) {
    for (Listener l : listeners) {
      l.changed(subject, action, version, detail);
    }
  }

  /**
   * Registers {@code schema} under {@code subject}. An identical schema (same fingerprint with
   * metadata) registered before is returned as is; anything else must satisfy the subject's policy
   * against the versions before it, and be readable by every live consumer's declared reader
   * schema.
   *
   * @throws IncompatibleSchemaException (FAILED_PRECONDITION) with every change that breaks the
   *     policy, each with its field path, or naming the consumer that could not read it
   * @throws FlowctlException FAILED_PRECONDITION for a read-only subject, RESOURCE_EXHAUSTED beyond
   *     the version or size limits
   */
  public Registration register(String subject, Schema schema, String registeredBy) {
    return register(subject, schema, registeredBy, RegisterOptions.DEFAULT);
  }

  /**
   * Registers {@code schema} under {@code subject} with {@code options}: a given version number
   * (subjects in {@link SubjectMode#IMPORT} mode), or past live consumers that cannot read it.
   */
  public Registration register(
      String subject, Schema schema, String registeredBy, RegisterOptions options) {
    Registration r;
    try {
      r = registerOrRefuse(subject, schema, registeredBy, options);
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

  /**
   * What {@link #register(String, Schema, String, RegisterOptions)} would do, storing nothing: the
   * verdict, every change that breaks the policy and every live consumer that could not read it.
   */
  public RegistrationCheck check(
      String subject, Schema schema, String registeredBy, RegisterOptions options) {
    Decision d = decide(subject, schema, registeredBy, options);
    int version =
        d.existing != null ? d.existing.version() : d.toStore != null ? d.toStore.version() : 0;
    return new RegistrationCheck(
        d.refusal == null,
        d.refusal == null ? version : 0,
        d.existing != null,
        d.policy,
        d.structural,
        d.violations,
        d.consumers,
        d.refusal == null ? "" : d.refusal.getMessage());
  }

  /** What a registration would do: return a version, store one, or be refused. */
  private static final class Decision {
    EvolutionPolicy policy;
    Fingerprint structural;
    StoredSchema existing;
    StoredSchema toStore;
    List<SchemaChange> violations = List.of();
    List<ConsumerConflict> consumers = List.of();
    FlowctlException refusal;
    int bytes;
  }

  private Registration registerOrRefuse(
      String subject, Schema schema, String registeredBy, RegisterOptions options) {
    while (true) {
      Decision d = decide(subject, schema, registeredBy, options);
      if (d.refusal != null) {
        throw d.refusal;
      }
      if (d.existing != null) {
        return new Registration(toRegistered(d.existing), true, d.policy);
      }
      if (store.append(d.toStore)) {
        limits.held(d.bytes);
        return new Registration(toRegistered(d.toStore), false, d.policy);
      }
      if (options.version() > 0) {
        throw new FlowctlException(
            FlowctlException.Code.ALREADY_EXISTS,
            "'"
                + subject
                + "' has version "
                + store.highestVersion(subject)
                + " already; imported versions must be higher than every version it had");
      }
      // Another registration won this version number: re-read and judge against it too.
    }
  }

  private Decision decide(
      String subject, Schema schema, String registeredBy, RegisterOptions options) {
    requireSubject(subject);
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(options, "options");
    Decision d = new Decision();
    byte[] ipc = serialize(schema);
    d.bytes = ipc.length;
    d.structural = SchemaFingerprints.structural(schema);
    Fingerprint exact = SchemaFingerprints.withMetadata(schema);
    d.policy = policy(subject);
    SubjectMode mode = mode(subject);
    // The number first, the versions after: a version another writer committed before this number
    // was read is then in the list (and returned as existing if identical); one committed later
    // takes this number, so the append fails and the decision is made again. Read the other way
    // round, an identical schema committed in between was stored a second time, one number up.
    int highest = store.highestVersion(subject);
    List<StoredSchema> versions = live(store.versions(subject));
    for (StoredSchema s : versions) {
      if (s.fingerprintWithMetadata().equals(exact.toString())
          && (options.version() == 0 || options.version() == s.version())) {
        d.existing = s; // nothing changes, whatever the mode
        return d;
      }
    }
    try {
      if (mode == SubjectMode.READONLY) {
        throw new FlowctlException(
            FlowctlException.Code.FAILED_PRECONDITION,
            "subject '" + subject + "' is read-only (mode readonly): no new versions");
      }
      if (mode == SubjectMode.IMPORT && options.version() == 0) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "subject '"
                + subject
                + "' is in import mode: each registration gives its version number");
      }
      if (mode != SubjectMode.IMPORT && options.version() > 0) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "version numbers are given only to subjects in import mode; '"
                + subject
                + "' is "
                + mode.name().toLowerCase(java.util.Locale.ROOT));
      }
      limits.check(subject, ipc.length, versions.size(), highest, registeredBy);
      if (mode != SubjectMode.IMPORT) {
        // Imports copy a history as it was: no evolution or consumer judgement.
        List<Schema> history = new ArrayList<>(versions.size());
        for (StoredSchema s : versions) {
          history.add(deserialize(s.schemaIpc()));
        }
        EvolutionVerdict verdict = checker.checkEvolution(history, schema, d.policy);
        d.violations = verdict.violations();
        d.consumers = consumerConflicts(subject, schema);
        if (!verdict.accepted()) {
          throw Refusals.evolution(subject, d.policy, verdict);
        }
        if (!d.consumers.isEmpty() && !options.allowBreakingConsumers()) {
          throw Refusals.consumers(subject, d.consumers, schema);
        }
      }
    } catch (FlowctlException refused) {
      d.refusal = refused;
      return d;
    }
    int version = options.version() > 0 ? options.version() : highest + 1;
    d.toStore =
        new StoredSchema(
            subject,
            version,
            ipc,
            d.structural.toString(),
            exact.toString(),
            clock.instant(),
            registeredBy,
            false);
    return d;
  }

  /**
   * The live consumers of {@code subject} none of whose declared reader schemas reads {@code
   * written}, each judged under the reader model it declared: what a registration is refused on,
   * and what a runner checks a pipeline's links with before data flows.
   */
  public List<ConsumerConflict> consumerConflicts(String subject, Schema written) {
    return Refusals.conflicts(readers.of(subject), checker.rules(), written);
  }

  /**
   * Deletes one version ({@code version} given) or every version of a subject. Soft by default: the
   * versions stay stored, hidden from reads and from compatibility checks. {@code permanent}
   * removes versions deleted softly before, for good; their numbers are not used again.
   *
   * @return the versions this call deleted
   * @throws FlowctlException NOT_FOUND for an unknown subject or version, or one deleted already;
   *     FAILED_PRECONDITION for a read-only subject, or a permanent deletion of a live version
   */
  public List<Integer> delete(String subject, Integer version, boolean permanent) {
    requireSubject(subject);
    if (mode(subject) == SubjectMode.READONLY) {
      throw new FlowctlException(
          FlowctlException.Code.FAILED_PRECONDITION,
          "subject '" + subject + "' is read-only (mode readonly): nothing is deleted");
    }
    List<StoredSchema> all = store.versions(subject);
    if (all.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.NOT_FOUND, "no schema registered for '" + subject + "'");
    }
    List<StoredSchema> targets = new ArrayList<>();
    for (StoredSchema s : all) {
      if (version == null || s.version() == version) {
        targets.add(s);
      }
    }
    if (targets.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.NOT_FOUND, "'" + subject + "' has no version " + version);
    }
    List<Integer> done = new ArrayList<>();
    if (!permanent) {
      for (StoredSchema s : targets) {
        if (!s.deleted() && store.markDeleted(subject, s.version())) {
          done.add(s.version());
          changed(subject, "deleted", s.version(), "soft-deleted");
        }
      }
      if (done.isEmpty()) {
        throw new FlowctlException(
            FlowctlException.Code.NOT_FOUND,
            (version == null
                    ? "every version of '" + subject + "'"
                    : "version " + version + " of '" + subject + "'")
                + " is deleted already (delete permanently to remove it for good)");
      }
      return done;
    }
    List<Integer> live =
        targets.stream().filter(s -> !s.deleted()).map(StoredSchema::version).toList();
    if (!live.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.FAILED_PRECONDITION,
          "'"
              + subject
              + "' version(s) "
              + live
              + " are live: delete them softly first, then permanently");
    }
    for (StoredSchema s : targets) {
      if (store.purge(subject, s.version())) {
        done.add(s.version());
        limits.held(-s.schemaIpc().length);
        changed(subject, "purged", s.version(), "deleted permanently");
      }
    }
    return done;
  }

  /**
   * Every version of a subject, oldest first, soft-deleted ones too when {@code includeDeleted}.
   */
  public List<StoredSchema> versions(String subject, boolean includeDeleted) {
    List<StoredSchema> all = store.versions(subject);
    return includeDeleted ? all : live(all);
  }

  /**
   * Every version of every subject whose structural fingerprint is {@code fingerprint}, by subject
   * and version, soft-deleted ones too when {@code includeDeleted}.
   */
  public List<StoredSchema> find(Fingerprint fingerprint, boolean includeDeleted) {
    List<StoredSchema> all = store.withFingerprint(fingerprint.toString());
    return includeDeleted ? all : live(all);
  }

  private static List<StoredSchema> live(List<StoredSchema> versions) {
    List<StoredSchema> out = new ArrayList<>(versions.size());
    for (StoredSchema s : versions) {
      if (!s.deleted()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The latest version of a subject. */
  public Optional<RegisteredSchema> latest(String subject) {
    List<StoredSchema> versions = live(store.versions(subject));
    return versions.isEmpty()
        ? Optional.empty()
        : Optional.of(toRegistered(versions.get(versions.size() - 1)));
  }

  /** One version of a subject. */
  public Optional<RegisteredSchema> version(String subject, int version) {
    for (StoredSchema s : live(store.versions(subject))) {
      if (s.version() == version) {
        return Optional.of(toRegistered(s));
      }
    }
    return Optional.empty();
  }

  /** The earliest version of a subject with this structural fingerprint. */
  public Optional<RegisteredSchema> byFingerprint(String subject, Fingerprint fingerprint) {
    for (StoredSchema s : live(store.versions(subject))) {
      if (s.fingerprint().equals(fingerprint.toString())) {
        return Optional.of(toRegistered(s));
      }
    }
    return Optional.empty();
  }

  /** Every version of a subject, oldest first: its evolution history. */
  public List<RegisteredSchema> history(String subject) {
    List<RegisteredSchema> out = new ArrayList<>();
    for (StoredSchema s : live(store.versions(subject))) {
      out.add(toRegistered(s));
    }
    return out;
  }

  /** Every subject with a version not deleted permanently. */
  public List<String> subjects() {
    return store.subjects();
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
    final SchemaStore store;
    private CompatibilityRules rules = CompatibilityRules.defaults();
    private EvolutionPolicy defaultPolicy = EvolutionPolicy.BACKWARD;
    private Clock clock = Clock.systemUTC();
    int maxVersionsPerSubject = 1_000;
    int maxSchemaBytes = 1 << 20;
    int maxSubjects = 10_000;
    long maxTotalSchemaBytes = 256L << 20;
    private Readers readers = subject -> List.of();

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

    /**
     * The live consumers of each subject and their reader schemas; default none. {@code
     * FlowctlServer} passes the service registry's ({@link LiveReaders}).
     */
    public Builder readers(Readers readers) {
      this.readers = Objects.requireNonNull(readers, "readers");
      return this;
    }

    public SchemaRegistry build() {
      return new SchemaRegistry(this);
    }
  }
}
