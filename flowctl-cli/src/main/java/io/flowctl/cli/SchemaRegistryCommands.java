package io.flowctl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowctl.FlowctlException;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.proto.ConsumerConflict;
import io.flowctl.proto.DeleteSchemaRequest;
import io.flowctl.proto.FindSchemasRequest;
import io.flowctl.proto.ListSchemaVersionsRequest;
import io.flowctl.proto.RegistrationVerdict;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaChange;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.SchemaResponse;
import io.flowctl.proto.SchemaVersionInfo;
import io.flowctl.proto.SubjectConfig;
import io.flowctl.proto.SubjectConfigRequest;
import io.flowctl.proto.SubjectMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.vector.types.pojo.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flowctl schema register|versions|get|delete|policy|mode|find}: a control plane's registry.
 */
final class SchemaRegistryCommands {
  private SchemaRegistryCommands() {}

  static String change(SchemaChange c) {
    return c.getKind()
        + "  "
        + (c.getFieldPath().isEmpty() ? "<schema>" : c.getFieldPath())
        + "  "
        + c.getMessage();
  }

  static ObjectNode json(SchemaVersionInfo v) {
    ObjectNode n = Remote.JSON.createObjectNode();
    n.put("subject", v.getEventType());
    n.put("version", v.getVersion());
    n.put("fingerprint", v.getSchemaFingerprint());
    n.put("fingerprintWithMetadata", v.getFingerprintWithMetadata());
    n.put("registeredAt", Remote.time(v.getRegisteredAt()));
    n.put("registeredBy", v.getRegisteredBy());
    n.put("deleted", v.getDeleted());
    return n;
  }

  static ArrayNode json(List<SchemaChange> changes) {
    ArrayNode a = Remote.JSON.createArrayNode();
    for (SchemaChange c : changes) {
      ObjectNode n = a.addObject();
      n.put("kind", c.getKind());
      n.put("path", c.getFieldPath());
      n.put("oldType", c.getOldType());
      n.put("newType", c.getNewType());
      n.put("message", c.getMessage());
    }
    return a;
  }

  @Command(
      name = "register",
      description = {
        "Register the schema of an Arrow IPC or Parquet file (or Arrow's JSON form) as the next"
            + " version of SUBJECT, and print its version and fingerprint.",
        "A refusal (the subject's policy, a live consumer that could not read it, a read-only"
            + " subject) exits 1 listing every change with its field path."
      })
  static final class Register extends RemoteCommand {

    @Mixin HelpOnly help; // --version is the version of a schema here: no standard one

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The event type.")
    String subject;

    @Parameters(
        index = "1",
        paramLabel = "FILE",
        description = "An Arrow IPC or Parquet file, or a schema in Arrow's JSON form.")
    Path file;

    @Option(
        names = "--dry-run",
        description = "Only say what registering would do; nothing is stored.")
    boolean dryRun;

    @Option(
        names = "--version",
        paramLabel = "N",
        description = "Store it as version N (subjects in import mode only).")
    Integer version;

    @Option(
        names = "--allow-breaking-consumers",
        description = "Register even though a live consumer cannot read it (admin token).")
    boolean allowBreakingConsumers;

    @Option(
        names = "--service-id",
        paramLabel = "ID",
        defaultValue = "",
        description = "Who registers it (default: no one; the admin token may name anyone).")
    String serviceId;

    @Option(names = "--json", description = "Print the outcome as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      Schema schema = ArrowFiles.schema(file);
      if (version != null && version < 1) {
        throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, "--version: from 1");
      }
      SchemaInfo.Builder info =
          io.flowctl.client.control.ControlPlaneClient.schemaInfo(subject, schema).toBuilder();
      if (version != null) {
        info.setVersion(version);
      }
      SchemaRegistration request =
          SchemaRegistration.newBuilder()
              .setServiceId(serviceId)
              .setSchemaInfo(info)
              .setAllowBreakingConsumers(allowBreakingConsumers)
              .build();
      // The dry run first: a refusal comes back with every change as data, not only a message.
      RegistrationVerdict verdict =
          remote.legacy("checking '" + subject + "'", s -> s.checkSchemaRegistration(request));
      PrintWriter out = spec.commandLine().getOut();
      if (!verdict.getAccepted() || dryRun) {
        print(verdict, out);
        return verdict.getAccepted() ? ExitCodes.OK : ExitCodes.NOT_SATISFIED;
      }
      SchemaAck ack =
          remote.legacy("registering '" + subject + "'", s -> s.registerSchema(request));
      if (json) {
        ObjectNode n = Remote.JSON.createObjectNode();
        n.put("subject", ack.getEventType());
        n.put("version", ack.getVersion());
        n.put("fingerprint", ack.getSchemaFingerprint());
        n.put("alreadyRegistered", ack.getAlreadyRegistered());
        n.put("policy", ack.getEvolutionPolicy());
        out.println(Remote.JSON.writeValueAsString(n));
      } else {
        out.println(
            subject
                + " version "
                + ack.getVersion()
                + " "
                + ack.getSchemaFingerprint()
                + (ack.getAlreadyRegistered() ? " (already registered)" : ""));
      }
      return ExitCodes.OK;
    }

    private void print(RegistrationVerdict v, PrintWriter out) throws IOException {
      if (json) {
        ObjectNode n = Remote.JSON.createObjectNode();
        n.put("subject", subject);
        n.put("accepted", v.getAccepted());
        n.put("dryRun", dryRun);
        n.put("version", v.getVersion());
        n.put("alreadyRegistered", v.getAlreadyRegistered());
        n.put("policy", v.getEvolutionPolicy());
        n.put("fingerprint", v.getSchemaFingerprint());
        n.put("reason", v.getReason());
        n.set("changes", json(v.getChangesList()));
        ArrayNode consumers = n.putArray("consumers");
        for (ConsumerConflict c : v.getConsumersList()) {
          ObjectNode k = consumers.addObject();
          k.put("serviceId", c.getServiceId());
          k.put("readerFingerprint", c.getReaderFingerprint());
          k.set("changes", json(c.getChangesList()));
        }
        out.println(Remote.JSON.writeValueAsString(n));
        return;
      }
      if (v.getAccepted()) {
        out.println(
            subject
                + ": would be "
                + (v.getAlreadyRegistered()
                    ? "version " + v.getVersion() + " (already registered)"
                    : "registered as version " + v.getVersion())
                + " under policy "
                + v.getEvolutionPolicy());
        return;
      }
      out.println(subject + ": refused: " + v.getReason().lines().findFirst().orElse(""));
      for (SchemaChange c : v.getChangesList()) {
        out.println("  " + change(c));
      }
      for (ConsumerConflict c : v.getConsumersList()) {
        out.println(
            "  consumer " + c.getServiceId() + " (reads " + c.getReaderFingerprint() + "):");
        for (SchemaChange ch : c.getChangesList()) {
          out.println("    " + change(ch));
        }
      }
    }
  }

  @Command(name = "versions", description = "List the versions of SUBJECT, oldest first.")
  static final class Versions extends VersionListing {

    @Parameters(paramLabel = "SUBJECT", description = "The event type.")
    String subject;

    @Override
    List<SchemaVersionInfo> versions() {
      return remote
          .legacy(
              "the versions of '" + subject + "'",
              s ->
                  s.listSchemaVersions(
                      ListSchemaVersionsRequest.newBuilder()
                          .setEventType(subject)
                          .setIncludeDeleted(deleted)
                          .build()))
          .getVersionsList();
    }
  }

  /** A command printing schema versions: {@code --deleted} includes soft-deleted ones. */
  abstract static class VersionListing extends RemoteCommand {
    @Option(names = "--deleted", description = "Also soft-deleted versions.")
    boolean deleted;

    @Option(names = "--json", description = "Print them as JSON.")
    boolean json;

    abstract List<SchemaVersionInfo> versions() throws Exception;

    /** The exit status once {@code shown} are printed. */
    int status(List<SchemaVersionInfo> shown) {
      return ExitCodes.OK;
    }

    @Override
    public final Integer call() throws Exception {
      List<SchemaVersionInfo> shown = versions();
      printVersions(shown, json, spec.commandLine().getOut());
      return status(shown);
    }
  }

  static void printVersions(List<SchemaVersionInfo> versions, boolean json, PrintWriter out)
      throws IOException {
    if (json) {
      Remote.printJson(out, versions, SchemaRegistryCommands::json);
      return;
    }
    out.printf(
        Locale.ROOT,
        "%-32s %-8s %-73s %-24s %s%n",
        "SUBJECT",
        "VERSION",
        "FINGERPRINT",
        "REGISTERED",
        "BY");
    for (SchemaVersionInfo v : versions) {
      out.printf(
          Locale.ROOT,
          "%-32s %-8s %-73s %-24s %s%n",
          v.getEventType(),
          v.getVersion() + (v.getDeleted() ? "*" : ""),
          v.getSchemaFingerprint(),
          Remote.time(v.getRegisteredAt()),
          v.getRegisteredBy().isEmpty() ? "-" : v.getRegisteredBy());
    }
    if (versions.stream().anyMatch(SchemaVersionInfo::getDeleted)) {
      out.println("* soft-deleted");
    }
  }

  @Command(
      name = "get",
      description =
          "Write one version of SUBJECT (the latest, or --version, or --fingerprint) to --out as"
              + " an Arrow IPC stream holding the schema.")
  static final class Get extends RemoteCommand {

    @Mixin HelpOnly help; // --version is the version of a schema here: no standard one

    @Parameters(paramLabel = "SUBJECT", description = "The event type.")
    String subject;

    @Option(names = "--version", paramLabel = "N", description = "This version.")
    Integer version;

    @Option(
        names = "--fingerprint",
        paramLabel = "F",
        description = "The version with this structural fingerprint.")
    String fingerprint;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        required = true,
        description = "Where to write it.")
    Path out;

    @Override
    public Integer call() throws Exception {
      if (version != null && fingerprint != null) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "--version and --fingerprint exclude each other");
      }
      SchemaRequest.Builder q = SchemaRequest.newBuilder().setEventType(subject);
      if (version != null) {
        q.setVersion(version);
      }
      if (fingerprint != null) {
        q.setSchemaFingerprint(fingerprint);
      }
      SchemaResponse r =
          remote.legacy("the schema of '" + subject + "'", s -> s.getSchema(q.build()));
      // What the registry sent is parsed before it is written: the file holds a schema, or nothing.
      ArrowIpc.readSchema(r.getSchemaInfo().getSchemaDefinition().toByteArray());
      try {
        Files.write(out, r.getSchemaInfo().getSchemaDefinition().toByteArray());
      } catch (IOException e) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            out + ": cannot write (" + e.getMessage() + ")",
            e);
      }
      spec.commandLine()
          .getOut()
          .println(
              subject
                  + " version "
                  + r.getSchemaInfo().getVersion()
                  + " "
                  + r.getSchemaInfo().getSchemaFingerprint()
                  + " -> "
                  + out);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      description = {
        "Delete one version of SUBJECT (--version) or all of them. Soft by default: kept, but hidden"
            + " from reads and compatibility checks.",
        "--permanent removes versions deleted softly before, for good."
      })
  static final class Delete extends RemoteCommand {

    @Mixin HelpOnly help; // --version is the version of a schema here: no standard one

    @Parameters(paramLabel = "SUBJECT", description = "The event type.")
    String subject;

    @Option(names = "--version", paramLabel = "N", description = "Only this version.")
    Integer version;

    @Option(names = "--permanent", description = "Remove soft-deleted versions for good.")
    boolean permanent;

    @Override
    public Integer call() {
      DeleteSchemaRequest.Builder q =
          DeleteSchemaRequest.newBuilder().setEventType(subject).setPermanent(permanent);
      if (version != null) {
        if (version < 1) {
          throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, "--version: from 1");
        }
        q.setVersion(version);
      }
      List<Integer> deleted =
          remote
              .legacy("deleting '" + subject + "'", s -> s.deleteSchema(q.build()))
              .getVersionsList();
      spec.commandLine()
          .getOut()
          .println(
              subject
                  + ": "
                  + (permanent ? "deleted permanently" : "soft-deleted")
                  + " version"
                  + (deleted.size() == 1 ? " " : "s ")
                  + deleted.stream()
                      .map(String::valueOf)
                      .reduce((a, b) -> a + ", " + b)
                      .orElse(""));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "policy",
      description =
          "Show SUBJECT's evolution policy, or set it: none, backward, forward, full,"
              + " backward_transitive, forward_transitive, full_transitive, strict.")
  static final class Policy extends RemoteCommand {

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The event type.")
    String subject;

    @Parameters(index = "1", arity = "0..1", paramLabel = "LEVEL", description = "The new policy.")
    String level;

    @Override
    public Integer call() {
      SubjectConfig c = config(remote, subject, level == null ? null : level, null);
      spec.commandLine()
          .getOut()
          .println(
              subject + ": " + c.getEvolutionPolicy() + (c.getDefaultPolicy() ? " (default)" : ""));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "mode",
      description = {
        "Show SUBJECT's mode, or set it: readwrite, readonly (no new versions, no deletions) or"
            + " import (registrations give their version numbers; no evolution checks)."
      })
  static final class Mode extends RemoteCommand {

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The event type.")
    String subject;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MODE", description = "The new mode.")
    String mode;

    @Override
    public Integer call() {
      SubjectMode m = null;
      if (mode != null) {
        m =
            switch (mode.trim().toLowerCase(Locale.ROOT)) {
              case "readwrite" -> SubjectMode.SUBJECT_MODE_READWRITE;
              case "readonly" -> SubjectMode.SUBJECT_MODE_READONLY;
              case "import" -> SubjectMode.SUBJECT_MODE_IMPORT;
              default ->
                  throw new FlowctlException(
                      FlowctlException.Code.INVALID_ARGUMENT,
                      "mode: expected readwrite, readonly or import, got '" + mode + "'");
            };
      }
      SubjectConfig c = config(remote, subject, null, m);
      spec.commandLine()
          .getOut()
          .println(
              subject
                  + ": "
                  + c.getMode().name().substring("SUBJECT_MODE_".length()).toLowerCase(Locale.ROOT)
                  + (c.getDefaultMode() ? " (default)" : ""));
      return ExitCodes.OK;
    }
  }

  private static SubjectConfig config(
      Remote remote, String subject, String policy, SubjectMode mode) {
    if (policy == null && mode == null) {
      return remote.legacy(
          "the settings of '" + subject + "'",
          s -> s.getSubjectConfig(SubjectConfigRequest.newBuilder().setEventType(subject).build()));
    }
    SubjectConfig.Builder set = SubjectConfig.newBuilder().setEventType(subject);
    if (policy != null) {
      set.setEvolutionPolicy(policy);
    }
    if (mode != null) {
      set.setMode(mode);
    }
    return remote.legacy(
        "changing the settings of '" + subject + "'", s -> s.setSubjectConfig(set.build()));
  }

  @Command(
      name = "find",
      description = "Every subject and version whose structural fingerprint is FINGERPRINT.")
  static final class Find extends VersionListing {

    @Parameters(
        paramLabel = "FINGERPRINT",
        description = "sha256:…, e.g. from 'flowctl schema fingerprint'.")
    String fingerprint;

    @Override
    List<SchemaVersionInfo> versions() {
      return remote
          .legacy(
              "finding " + fingerprint,
              s ->
                  s.findSchemas(
                      FindSchemasRequest.newBuilder()
                          .setSchemaFingerprint(fingerprint)
                          .setIncludeDeleted(deleted)
                          .build()))
          .getVersionsList();
    }

    @Override
    int status(List<SchemaVersionInfo> found) {
      return found.isEmpty() ? ExitCodes.NOT_SATISFIED : ExitCodes.OK;
    }
  }

  /**
   * The standard help option alone, for commands whose {@code --version} is a schema's version (so
   * not picocli's standard pair of help and version options).
   */
  static final class HelpOnly {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;
  }
}
