package io.flowctl.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.flowctl.FlowctlException;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.ipc.IpcInput;
import io.flowctl.ipc.IpcLimits;
import io.flowctl.proto.CompatibilityRequest;
import io.flowctl.proto.CompatibilityResponse;
import io.flowctl.proto.DeleteSchemaRequest;
import io.flowctl.proto.DeleteSchemaResponse;
import io.flowctl.proto.FindSchemasRequest;
import io.flowctl.proto.FindSchemasResponse;
import io.flowctl.proto.ListSchemaVersionsRequest;
import io.flowctl.proto.ListSchemaVersionsResponse;
import io.flowctl.proto.ReaderSchemas;
import io.flowctl.proto.RegistrationVerdict;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.SchemaResponse;
import io.flowctl.proto.SchemaVersionInfo;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceList;
import io.flowctl.proto.SubjectConfig;
import io.flowctl.proto.SubjectConfigRequest;
import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaChange;
import io.flowctl.server.internal.Principals;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.registry.ServiceState;
import io.flowctl.server.schema.ConsumerConflict;
import io.flowctl.server.schema.RegisterOptions;
import io.flowctl.server.schema.RegisteredSchema;
import io.flowctl.server.schema.Registration;
import io.flowctl.server.schema.RegistrationCheck;
import io.flowctl.server.schema.SchemaRegistry;
import io.flowctl.server.schema.StoredSchema;
import io.flowctl.server.schema.SubjectMode;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The schema registry's RPCs of the legacy API (registration and its dry run, versions, lookups,
 * compatibility, deletion, subject configuration, reader schemas) and their proto mapping, behind
 * {@link ControlPlaneService}: one delegate per resource, as the registry's REST resources are in
 * Confluent's Schema Registry.
 */
final class SchemaRpcs {
  /** A schema definition larger than this is refused before it is parsed. */
  static final int MAX_SCHEMA_DEFINITION = 1 << 20;

  private final ServiceRegistry services;
  private final SchemaRegistry schemas;

  SchemaRpcs(ServiceRegistry services, SchemaRegistry schemas) {
    this.services = services;
    this.schemas = schemas;
  }

  void registerSchema(SchemaRegistration request, StreamObserver<SchemaAck> out) {
    Calls.answer(
        out,
        () -> {
          Principals.requireSelf(request.getServiceId(), "register schemas");
          SchemaInfo info = request.getSchemaInfo();
          requireProducer(request.getServiceId(), info.getEventType());
          Schema schema = schemaOf(info);
          Registration r =
              schemas.register(
                  info.getEventType(), schema, request.getServiceId(), options(request));
          return SchemaAck.newBuilder()
              .setEventType(info.getEventType())
              .setVersion(r.schema().version())
              .setSchemaFingerprint(r.schema().fingerprint().toString())
              .setFingerprintWithMetadata(r.schema().fingerprintWithMetadata().toString())
              .setAlreadyRegistered(r.alreadyRegistered())
              .setEvolutionPolicy(r.policy().configName())
              .build();
        });
  }

  /** The options a registration asks for: an imported version number, the consumer override. */
  private static RegisterOptions options(SchemaRegistration request) {
    RegisterOptions o = RegisterOptions.DEFAULT;
    if (request.getSchemaInfo().getVersion() != 0) {
      int v = request.getSchemaInfo().getVersion();
      if (v < 0) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "version " + Integer.toUnsignedString(v) + " is out of range");
      }
      o = o.importing(v);
    }
    if (request.getAllowBreakingConsumers()) {
      requireAdmin("register a version live consumers cannot read");
      o = o.breakingConsumers();
    }
    return o;
  }

  /** With authentication on, only the admin principal may change what others depend on. */
  private static void requireAdmin(String action) {
    String p = Principals.current();
    if (p != null && !p.equals(Principals.ADMIN)) {
      throw new FlowctlException(
          FlowctlException.Code.PERMISSION_DENIED,
          "'" + p + "' may not " + action + " (the admin token may)");
    }
  }

  void checkSchemaRegistration(
      SchemaRegistration request, StreamObserver<RegistrationVerdict> out) {
    Calls.answer(
        out,
        () -> {
          SchemaInfo info = request.getSchemaInfo();
          RegistrationCheck c =
              schemas.check(
                  info.getEventType(), schemaOf(info), request.getServiceId(), options(request));
          RegistrationVerdict.Builder b =
              RegistrationVerdict.newBuilder()
                  .setAccepted(c.accepted())
                  .setVersion(c.version())
                  .setAlreadyRegistered(c.alreadyRegistered())
                  .setEvolutionPolicy(c.policy().configName())
                  .setSchemaFingerprint(c.fingerprint().toString())
                  .setReason(c.reason());
          c.violations().forEach(v -> b.addChanges(change(v)));
          for (ConsumerConflict k : c.consumers()) {
            io.flowctl.proto.ConsumerConflict.Builder kb =
                io.flowctl.proto.ConsumerConflict.newBuilder()
                    .setServiceId(k.serviceId())
                    .setReaderFingerprint(k.readerFingerprint().toString());
            k.changes().forEach(v -> kb.addChanges(change(v)));
            b.addConsumers(kb);
          }
          return b.build();
        });
  }

  void listSchemaVersions(
      ListSchemaVersionsRequest request, StreamObserver<ListSchemaVersionsResponse> out) {
    Calls.answer(
        out,
        () -> {
          requireEventType(request.getEventType());
          List<StoredSchema> versions =
              schemas.versions(request.getEventType(), request.getIncludeDeleted());
          if (versions.isEmpty() && schemas.versions(request.getEventType(), true).isEmpty()) {
            throw new FlowctlException(
                FlowctlException.Code.NOT_FOUND,
                "no schema registered for '" + request.getEventType() + "'");
          }
          ListSchemaVersionsResponse.Builder b = ListSchemaVersionsResponse.newBuilder();
          Calls.ListBudget budget = new Calls.ListBudget("the versions of a subject");
          versions.forEach(v -> b.addVersions(budget.add(versionInfo(v))));
          return b.build();
        });
  }

  void findSchemas(FindSchemasRequest request, StreamObserver<FindSchemasResponse> out) {
    Calls.answer(
        out,
        () -> {
          FindSchemasResponse.Builder b = FindSchemasResponse.newBuilder();
          Calls.ListBudget budget = new Calls.ListBudget("the versions with a fingerprint");
          schemas
              .find(fingerprint(request.getSchemaFingerprint()), request.getIncludeDeleted())
              .forEach(v -> b.addVersions(budget.add(versionInfo(v))));
          return b.build();
        });
  }

  void deleteSchema(DeleteSchemaRequest request, StreamObserver<DeleteSchemaResponse> out) {
    Calls.answer(
        out,
        () -> {
          requireEventType(request.getEventType());
          requireAdmin("delete schemas");
          Integer version = null;
          if (request.hasVersion()) {
            if (request.getVersion() <= 0) {
              throw new FlowctlException(
                  FlowctlException.Code.INVALID_ARGUMENT,
                  "version " + Integer.toUnsignedString(request.getVersion()) + " is out of range");
            }
            version = request.getVersion();
          }
          return DeleteSchemaResponse.newBuilder()
              .addAllVersions(
                  schemas.delete(request.getEventType(), version, request.getPermanent()).stream()
                      .map(Integer::valueOf)
                      .toList())
              .build();
        });
  }

  void getSubjectConfig(SubjectConfigRequest request, StreamObserver<SubjectConfig> out) {
    Calls.answer(
        out,
        () -> {
          requireEventType(request.getEventType());
          return config(request.getEventType());
        });
  }

  void setSubjectConfig(SubjectConfig request, StreamObserver<SubjectConfig> out) {
    Calls.answer(
        out,
        () -> {
          String subject = request.getEventType();
          requireEventType(subject);
          requireAdmin("change the settings of '" + subject + "'");
          io.flowctl.schema.EvolutionPolicy policy = null;
          if (!request.getEvolutionPolicy().isEmpty()) {
            try {
              policy = io.flowctl.schema.EvolutionPolicy.parse(request.getEvolutionPolicy());
            } catch (FlowctlException e) {
              throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, e.getMessage());
            }
          }
          SubjectMode mode =
              switch (request.getMode()) {
                case SUBJECT_MODE_UNSPECIFIED -> null;
                case SUBJECT_MODE_READWRITE -> SubjectMode.READWRITE;
                case SUBJECT_MODE_READONLY -> SubjectMode.READONLY;
                case SUBJECT_MODE_IMPORT -> SubjectMode.IMPORT;
                case UNRECOGNIZED ->
                    throw new FlowctlException(
                        FlowctlException.Code.INVALID_ARGUMENT,
                        "mode " + request.getModeValue() + " is unknown");
              };
          if (policy != null) {
            schemas.setPolicy(subject, policy);
          }
          if (mode != null) {
            schemas.setMode(subject, mode);
          }
          return config(subject);
        });
  }

  void declareReaderSchemas(ReaderSchemas request, StreamObserver<Empty> out) {
    Calls.answer(
        out,
        () -> {
          Principals.requireSelf(request.getServiceId(), "declare reader schemas");
          ServiceInfo info = services.require(request.getServiceId()).info();
          ServiceInfo.Builder b = info.toBuilder().clearSupportedSchemas();
          for (SchemaInfo s : info.getSupportedSchemasList()) {
            if (!info.getInputEventTypesList().contains(s.getEventType())) {
              b.addSupportedSchemas(s); // what it produces stays
            }
          }
          for (SchemaInfo s : request.getSchemasList()) {
            if (!info.getInputEventTypesList().contains(s.getEventType())) {
              throw new FlowctlException(
                  FlowctlException.Code.INVALID_ARGUMENT,
                  "'"
                      + request.getServiceId()
                      + "' does not read '"
                      + s.getEventType()
                      + "' (not among its input event types)");
            }
            schemaOf(s);
            b.addSupportedSchemas(s);
          }
          services.register(b.build());
          return Empty.getDefaultInstance();
        });
  }

  private SubjectConfig config(String subject) {
    var own = schemas.ownPolicy(subject);
    var ownMode = schemas.ownMode(subject);
    return SubjectConfig.newBuilder()
        .setEventType(subject)
        .setEvolutionPolicy(schemas.policy(subject).configName())
        .setMode(
            switch (schemas.mode(subject)) {
              case READWRITE -> io.flowctl.proto.SubjectMode.SUBJECT_MODE_READWRITE;
              case READONLY -> io.flowctl.proto.SubjectMode.SUBJECT_MODE_READONLY;
              case IMPORT -> io.flowctl.proto.SubjectMode.SUBJECT_MODE_IMPORT;
            })
        .setDefaultPolicy(own.isEmpty())
        .setDefaultMode(ownMode.isEmpty())
        .build();
  }

  private static SchemaVersionInfo versionInfo(StoredSchema s) {
    return SchemaVersionInfo.newBuilder()
        .setEventType(s.subject())
        .setVersion(s.version())
        .setSchemaFingerprint(s.fingerprint())
        .setFingerprintWithMetadata(s.fingerprintWithMetadata())
        .setRegisteredAt(Calls.timestamp(s.registeredAt()))
        .setRegisteredBy(s.registeredBy())
        .setDeleted(s.deleted())
        .build();
  }

  private static io.flowctl.proto.SchemaChange change(SchemaChange c) {
    io.flowctl.proto.SchemaChange.Builder cb =
        io.flowctl.proto.SchemaChange.newBuilder()
            .setKind(c.kind().name())
            .setFieldPath(c.path().toString())
            .setMessage(c.message())
            .setOldType(c.oldType())
            .setNewType(c.newType());
    c.allowedLevels().forEach(l -> cb.addAllowedLevels(level(l)));
    return cb.build();
  }

  private static void requireEventType(String eventType) {
    if (eventType.isEmpty()) {
      throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, "the event type is empty");
    }
  }

  private static Fingerprint fingerprint(String text) {
    try {
      return new Fingerprint(text);
    } catch (RuntimeException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, "not a fingerprint: '" + text + "'");
    }
  }

  /**
   * With authentication on, a subject belongs to the services that declare it as an output: only
   * they (and the admin) may register its versions.
   */
  private void requireProducer(String serviceId, String subject) {
    String p = Principals.current();
    if (p == null || p.equals(Principals.ADMIN)) {
      return;
    }
    boolean declares =
        services
            .status(serviceId)
            .map(s -> s.info().getOutputEventTypesList().contains(subject))
            .orElse(false);
    if (!declares) {
      throw new FlowctlException(
          FlowctlException.Code.PERMISSION_DENIED,
          "'"
              + p
              + "' may not register schemas of '"
              + subject
              + "': service '"
              + serviceId
              + "' does not declare it as an output event type (register it with the subject"
              + " among its outputs first)");
    }
  }

  void getSchema(SchemaRequest request, StreamObserver<SchemaResponse> out) {
    Calls.answer(
        out,
        () -> {
          RegisteredSchema s =
              find(
                  request.getEventType(),
                  request.getSchemaFingerprint(),
                  request.hasVersion() ? request.getVersion() : null);
          return SchemaResponse.newBuilder()
              .setSchemaInfo(info(s))
              .setRegisteredBy(s.registeredBy())
              .setRegisteredAt(Calls.timestamp(s.registeredAt()))
              .setEvolutionPolicy(schemas.policy(s.subject()).configName())
              .setFingerprintWithMetadata(s.fingerprintWithMetadata().toString())
              .build();
        });
  }

  void validateSchemaCompatibility(
      CompatibilityRequest request, StreamObserver<CompatibilityResponse> out) {
    Calls.answer(
        out,
        () -> {
          RegisteredSchema source =
              find(
                  request.getSourceEventType(),
                  request.getSourceSchemaFingerprint(),
                  request.hasSourceVersion() ? request.getSourceVersion() : null);
          RegisteredSchema target =
              find(
                  request.getTargetEventType().isEmpty()
                      ? request.getSourceEventType()
                      : request.getTargetEventType(),
                  request.getTargetSchemaFingerprint(),
                  request.hasTargetVersion() ? request.getTargetVersion() : null);
          CompatibilityResult r =
              checker(request.getReaderModel()).check(source.schema(), target.schema());
          CompatibilityResponse.Builder b =
              CompatibilityResponse.newBuilder()
                  .setLevel(level(r.level()))
                  .setSourceSchemaFingerprint(source.fingerprint().toString())
                  .setTargetSchemaFingerprint(target.fingerprint().toString())
                  .setIdentical(r.identical());
          r.changes().forEach(c -> b.addChanges(change(c)));
          return b.build();
        });
  }

  void listCompatibleServices(CompatibilityRequest request, StreamObserver<ServiceList> out) {
    Calls.answer(
        out,
        () -> {
          String eventType = request.getSourceEventType();
          RegisteredSchema written =
              request.getSourceSchemaFingerprint().isEmpty() && !request.hasSourceVersion()
                  ? schemas.latest(eventType).orElse(null)
                  : find(
                      eventType,
                      request.getSourceSchemaFingerprint(),
                      request.hasSourceVersion() ? request.getSourceVersion() : null);
          CompatibilityChecker checker = checker(request.getReaderModel());
          ServiceList.Builder b = ServiceList.newBuilder();
          for (ServiceState s : services.consumersOf(eventType)) {
            if (written == null || readsIt(s, eventType, written.schema(), checker)) {
              b.addServices(ServiceRpcs.status(s));
            }
          }
          return b.build();
        });
  }

  /** A service reads the schema unless it declared one for the event type that cannot read it. */
  private boolean readsIt(
      ServiceState s, String eventType, Schema written, CompatibilityChecker checker) {
    for (SchemaInfo declared : s.info().getSupportedSchemasList()) {
      if (declared.getEventType().equals(eventType) && !declared.getSchemaDefinition().isEmpty()) {
        // Judged by the reader model it declared, when it declared one (the registry's parser).
        CompatibilityChecker its =
            CompatibilityChecker.of(
                checker.rules().toBuilder()
                    .readerModel(
                        io.flowctl.server.schema.LiveReaders.readerModel(
                            declared, checker.rules().readerModel()))
                    .build());
        return its.canRead(schemaOf(declared), written);
      }
    }
    return true;
  }

  private CompatibilityChecker checker(String readerModel) {
    if (readerModel.isEmpty()) {
      return CompatibilityChecker.of(schemas.rules());
    }
    ReaderModel model;
    try {
      model = ReaderModel.valueOf(readerModel.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "reader_model: expected closed or projecting, got '" + readerModel + "'");
    }
    return CompatibilityChecker.of(schemas.rules().toBuilder().readerModel(model).build());
  }

  private RegisteredSchema find(String eventType, String fingerprint, Integer version) {
    if (eventType.isEmpty()) {
      throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, "the event type is empty");
    }
    if (version != null) {
      return schemas
          .version(eventType, version)
          .orElseThrow(
              () ->
                  new FlowctlException(
                      FlowctlException.Code.NOT_FOUND,
                      "'" + eventType + "' has no version " + Integer.toUnsignedString(version)));
    }
    if (!fingerprint.isEmpty()) {
      Fingerprint fp = fingerprint(fingerprint);
      return schemas
          .byFingerprint(eventType, fp)
          .orElseThrow(
              () ->
                  new FlowctlException(
                      FlowctlException.Code.NOT_FOUND,
                      "'" + eventType + "' has no schema " + fingerprint));
    }
    return schemas
        .latest(eventType)
        .orElseThrow(
            () ->
                new FlowctlException(
                    FlowctlException.Code.NOT_FOUND,
                    "no schema registered for '" + eventType + "'"));
  }

  /** Parses a schema definition: an Arrow IPC stream holding the schema message. */
  static Schema schemaOf(SchemaInfo info) {
    if (!info.getSchemaFormat().isEmpty() && !info.getSchemaFormat().equals("arrow_ipc")) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "schema_format '" + info.getSchemaFormat() + "' is not supported (expected arrow_ipc)");
    }
    ByteString def = info.getSchemaDefinition();
    if (def.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, "schema_definition is empty");
    }
    if (def.size() > MAX_SCHEMA_DEFINITION) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a schema definition of " + def.size() + " bytes exceeds " + MAX_SCHEMA_DEFINITION);
    }
    try {
      return ArrowIpc.readSchema(IpcInput.of(def.asReadOnlyByteBuffer()), IpcLimits.defaults());
    } catch (FlowctlException e) {
      throw new FlowctlException(
          e.code(),
          "schema_definition of '"
              + info.getEventType()
              + "' is not an Arrow IPC schema: "
              + e.getMessage());
    } catch (IOException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "schema_definition of '" + info.getEventType() + "' cannot be read: " + e.getMessage());
    }
  }

  /** Serializes a schema as an Arrow IPC stream holding only the schema message. */
  static ByteString definitionOf(Schema schema) {
    return ByteString.copyFrom(ArrowIpc.schemaStream(schema));
  }

  private SchemaInfo info(RegisteredSchema s) {
    return SchemaInfo.newBuilder()
        .setEventType(s.subject())
        .setSchemaFormat("arrow_ipc")
        .setSchemaFingerprint(s.fingerprint().toString())
        .setSchemaDefinition(definitionOf(s.schema()))
        .setVersion(s.version())
        .build();
  }

  private static io.flowctl.proto.CompatibilityLevel level(CompatibilityLevel l) {
    return switch (l) {
      case NONE -> io.flowctl.proto.CompatibilityLevel.COMPATIBILITY_NONE;
      case BACKWARD -> io.flowctl.proto.CompatibilityLevel.COMPATIBILITY_BACKWARD;
      case FORWARD -> io.flowctl.proto.CompatibilityLevel.COMPATIBILITY_FORWARD;
      case FULL -> io.flowctl.proto.CompatibilityLevel.COMPATIBILITY_FULL;
    };
  }
}
