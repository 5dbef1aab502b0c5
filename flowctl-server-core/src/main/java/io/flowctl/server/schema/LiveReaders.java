package io.flowctl.server.schema;

import io.flowctl.ipc.ArrowIpc;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.schema.ReaderModel;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.registry.ServiceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The registered services reading a subject whose heartbeats are within the TTL, with the reader
 * schemas they declared in {@code supported_schemas} for it: what keeps a producer from registering
 * a version a running consumer would reject. A service that declared no reader schema for the
 * subject reads whatever comes (it takes no part in the check).
 */
public final class LiveReaders implements SchemaRegistry.Readers {
  private final ServiceRegistry services;

  public LiveReaders(ServiceRegistry services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  @Override
  public List<SchemaRegistry.Reader> of(String subject) {
    List<SchemaRegistry.Reader> out = new ArrayList<>();
    for (ServiceState s : services.consumersOf(subject)) {
      if (!s.beating()) {
        continue;
      }
      List<Schema> schemas = new ArrayList<>();
      ReaderModel model = ReaderModel.CLOSED;
      for (SchemaInfo declared : s.info().getSupportedSchemasList()) {
        if (declared.getEventType().equals(subject) && !declared.getSchemaDefinition().isEmpty()) {
          model = readerModel(declared, model);
          try {
            schemas.add(ArrowIpc.readSchema(declared.getSchemaDefinition().toByteArray()));
          } catch (RuntimeException unreadable) {
            // parsed when it registered; a definition that no longer reads takes no part
          }
        }
      }
      if (!schemas.isEmpty()) {
        out.add(new SchemaRegistry.Reader(s.serviceId(), schemas, model));
      }
    }
    return out;
  }

  /** The reader model a declaration states; empty (or unknown) keeps {@code otherwise}. */
  public static ReaderModel readerModel(SchemaInfo declared, ReaderModel otherwise) {
    return switch (declared.getReaderModel().trim().toLowerCase(java.util.Locale.ROOT)) {
      case "projecting" -> ReaderModel.PROJECTING;
      case "closed" -> ReaderModel.CLOSED;
      default -> otherwise;
    };
  }
}
