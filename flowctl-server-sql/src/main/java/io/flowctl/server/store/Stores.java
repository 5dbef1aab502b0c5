package io.flowctl.server.store;

import io.flowctl.FlowctlException;
import io.flowctl.server.registry.InMemoryServiceStore;
import io.flowctl.server.registry.ServiceStore;
import io.flowctl.server.runs.InMemoryPipelineRunStore;
import io.flowctl.server.runs.PipelineRunStore;
import io.flowctl.server.schema.InMemorySchemaStore;
import io.flowctl.server.schema.SchemaStore;
import io.flowctl.server.schema.StoreException;
import java.nio.file.Path;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The control plane's stores, one per concern, as one bundle: schema versions and policies,
 * registered services, pipeline runs. In memory (nothing survives the process), in an SQLite file
 * (the default; write-ahead log and synchronous commits, so an acknowledged write survives a crash)
 * or in PostgreSQL, shared by several control-plane replicas. The SQL stores share one pool of
 * connections, which {@link #close()} closes.
 *
 * <pre>{@code
 * try (Stores stores = Stores.sqlite(Path.of("flowctl-data/flowctl.db"))) {
 *   SchemaRegistry schemas = SchemaRegistry.builder(stores.schemas()).build();
 *   ServiceRegistry services = ServiceRegistry.builder().store(stores.services()).build();
 *   PipelineRuns runs = new PipelineRuns(stores.runs(), Clock.systemUTC());
 * }
 * }</pre>
 *
 * <p>While a database is unreachable every call fails with a {@link StoreException} ({@code
 * UNAVAILABLE}) after at most the pool's connection timeout; when it is back, the next call gets a
 * new connection.
 */
public final class Stores implements AutoCloseable {
  private final SchemaStore schemas;
  private final ServiceStore services;
  private final PipelineRunStore runs;
  private final String description;
  private final AutoCloseable resources;

  private Stores(
      SchemaStore schemas,
      ServiceStore services,
      PipelineRunStore runs,
      String description,
      AutoCloseable resources) {
    this.schemas = schemas;
    this.services = services;
    this.runs = runs;
    this.description = description;
    this.resources = resources;
  }

  /** Stores in this process's memory. */
  public static Stores memory() {
    return new Stores(
        new InMemorySchemaStore(),
        new InMemoryServiceStore(),
        new InMemoryPipelineRunStore(),
        "memory",
        null);
  }

  /** Stores in an SQLite file, created (readable by its owner only) with its folders if missing. */
  public static Stores sqlite(Path file) {
    return over(Jdbc.sqlite(file), "sqlite:" + file);
  }

  /**
   * Stores in PostgreSQL ({@code jdbc:postgresql://host/db}) on a pool of four connections; a call
   * waits at most two seconds for one while the database is unreachable.
   */
  public static Stores postgres(String url, String user, String password) {
    return over(Jdbc.postgres(url, user, password), url);
  }

  /** Stores in PostgreSQL on the caller's data source, which {@link #close()} leaves open. */
  public static Stores postgres(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    return over(
        new Jdbc(dataSource, null, "PostgreSQL store " + dataSource, false),
        "postgresql:" + dataSource);
  }

  /**
   * The stores a specification names: {@code memory}, {@code sqlite:PATH} or {@code
   * jdbc:postgresql://...} (signing in as {@code user} with {@code password}).
   *
   * @throws FlowctlException ({@code INVALID_ARGUMENT}) for any other specification
   * @throws StoreException when the database cannot be opened
   */
  public static Stores open(String spec, String user, String password) {
    Objects.requireNonNull(spec, "spec");
    if (spec.equals("memory")) {
      return memory();
    }
    if (spec.startsWith("sqlite:") && spec.length() > "sqlite:".length()) {
      return sqlite(Path.of(spec.substring("sqlite:".length())));
    }
    if (spec.startsWith("jdbc:postgresql:")) {
      return postgres(spec, user, password);
    }
    throw new FlowctlException(
        FlowctlException.Code.INVALID_ARGUMENT,
        "unknown store '" + spec + "' (expected memory, sqlite:PATH or jdbc:postgresql://...)");
  }

  private static Stores over(Jdbc db, String description) {
    return new Stores(
        new JdbcSchemaStore(db), new JdbcServiceStore(db), new JdbcRunStore(db), description, db);
  }

  /** Schema versions and subject policies. */
  public SchemaStore schemas() {
    return schemas;
  }

  /** Registered services and their last heartbeats. */
  public ServiceStore services() {
    return services;
  }

  /** Pipeline runs and their owners. */
  public PipelineRunStore runs() {
    return runs;
  }

  /** What the stores are, for logs: {@code memory}, {@code sqlite:PATH} or the database URL. */
  public String description() {
    return description;
  }

  /** Closes the connection pool the stores opened; a caller's data source stays open. */
  @Override
  public void close() {
    if (resources == null) {
      return;
    }
    try {
      resources.close();
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw new StoreException(description + ": cannot close (" + e.getMessage() + ")", e);
    }
  }
}
