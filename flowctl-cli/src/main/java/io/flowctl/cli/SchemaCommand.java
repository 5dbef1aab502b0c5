package io.flowctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaChange;
import io.flowctl.schema.SchemaFingerprints;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.types.pojo.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flowctl schema ...}: fingerprints and compatibility of Arrow schemas in files. */
@Command(
    name = "schema",
    description = {
      "Show, fingerprint and compare schema files, and manage a control plane's schema registry.",
      "Files: show, fingerprint, check, and from-proto (the Arrow schema of a protobuf message)."
          + " A running control plane's registry: register, list, fetch and delete versions, and"
          + " change subjects' policies and modes."
    },
    subcommands = {
      SchemaCommand.Show.class,
      SchemaCommand.Fingerprint.class,
      SchemaCommand.Check.class,
      SchemaCommand.FromProto.class,
      SchemaRegistryCommands.Register.class,
      SchemaRegistryCommands.Versions.class,
      SchemaRegistryCommands.Get.class,
      SchemaRegistryCommands.Delete.class,
      SchemaRegistryCommands.Policy.class,
      SchemaRegistryCommands.Mode.class,
      SchemaRegistryCommands.Find.class
    })
final class SchemaCommand extends CommandGroup {
  /**
   * A command that reads the schema of one file, in any of the forms every schema command reads.
   */
  abstract static class OneSchemaFile implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        paramLabel = "FILE",
        description =
            "An Arrow IPC stream or file, a Parquet file, or a schema in Arrow's JSON form.")
    Path file;
  }

  @Command(
      name = "show",
      description =
          "Print the schema of a file: one line per field, or with --json in Arrow's own JSON form"
              + " (what Schema.toJson() writes), which every schema command also reads.")
  static final class Show extends OneSchemaFile {

    @Option(names = "--json", description = "Print it in Arrow's JSON form.")
    boolean json;

    @Override
    public Integer call() {
      Schema schema = ArrowFiles.schema(file);
      java.io.PrintWriter out = spec.commandLine().getOut();
      if (json) {
        try {
          out.println(Remote.JSON.writeValueAsString(Remote.JSON.readTree(schema.toJson())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new io.flowctl.FlowctlException(
              io.flowctl.FlowctlException.Code.INTERNAL, file + ": cannot print as JSON", e);
        }
        return ExitCodes.OK;
      }
      for (org.apache.arrow.vector.types.pojo.Field f : schema.getFields()) {
        print(out, f, "");
      }
      out.println("fingerprint " + SchemaFingerprints.structural(schema));
      return ExitCodes.OK;
    }

    private static void print(
        java.io.PrintWriter out, org.apache.arrow.vector.types.pojo.Field f, String indent) {
      out.println(
          indent
              + f.getName()
              + ": "
              + f.getType()
              + (f.isNullable() ? "" : " not null")
              + (f.getDictionary() == null
                  ? ""
                  : " (dictionary " + f.getDictionary().getIndexType() + ")"));
      for (org.apache.arrow.vector.types.pojo.Field c : f.getChildren()) {
        print(out, c, indent + "  ");
      }
    }
  }

  @Command(
      name = "from-proto",
      description = {
        "Write the Arrow schema of a protobuf message, as the format conversion maps it"
            + " (docs/protobuf-arrow.md), to an Arrow IPC stream: what schema fingerprint and"
            + " schema register read.",
        "DESCRIPTOR_SET is what protoc --include_imports --descriptor_set_out or buf build -o"
            + " writes. An unknown message exits 2."
      })
  static final class FromProto implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DESCRIPTOR_SET", description = "A FileDescriptorSet.")
    Path descriptorSet;

    @Parameters(
        index = "1",
        paramLabel = "MESSAGE",
        description = "The message's full name, e.g. token_transfer.TokenTransferEvent.")
    String message;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "SCHEMA.arrow",
        description = "Where to write the schema (an Arrow IPC stream holding only the schema).")
    Path out;

    @Override
    public Integer call() throws java.io.IOException {
      var sets = io.flowctl.client.protobuf.DescriptorSets.load(descriptorSet);
      var type =
          sets.find(message)
              .orElseThrow(
                  () ->
                      new io.flowctl.FlowctlException(
                          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
                          descriptorSet + " has no message '" + message + "'"));
      Schema schema = io.flowctl.client.protobuf.ProtoArrow.of(type).schema();
      java.nio.file.Files.write(out, io.flowctl.ipc.ArrowIpc.schemaStream(schema));
      spec.commandLine()
          .getOut()
          .println(
              out
                  + ": "
                  + schema.getFields().size()
                  + " columns, "
                  + SchemaFingerprints.structural(schema));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "fingerprint",
      description =
          "Print the fingerprint of the schema of an Arrow IPC stream or file, or of a Parquet"
              + " file (its stored Arrow schema, or its Parquet schema converted).")
  static final class Fingerprint extends OneSchemaFile {

    @Option(
        names = "--with-metadata",
        description = "Include custom schema and field metadata (exact identity).")
    boolean withMetadata;

    @Override
    public Integer call() {
      Schema schema = ArrowFiles.schema(file);
      spec.commandLine()
          .getOut()
          .println(
              withMetadata
                  ? SchemaFingerprints.withMetadata(schema)
                  : SchemaFingerprints.structural(schema));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "check",
      description = {
        "Compare the schemas of two files (Arrow IPC, Parquet or Arrow's JSON form): print the"
            + " strongest level that holds and every change.",
        "BACKWARD: readers using NEW read data written with OLD; FORWARD: the reverse."
      })
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OLD", description = "The old schema's file.")
    Path oldFile;

    @Parameters(index = "1", paramLabel = "NEW", description = "The new schema's file.")
    Path newFile;

    @Option(
        names = "--reader-model",
        paramLabel = "MODEL",
        converter = ModelConverter.class,
        description =
            "closed (default: readers reject unknown columns) or projecting (they ignore them).")
    ReaderModel model = ReaderModel.CLOSED;

    @Option(
        names = "--require",
        paramLabel = "LEVEL",
        converter = LevelConverter.class,
        description = "Exit 1 unless this level holds: none, backward, forward or full.")
    CompatibilityLevel required;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      Schema oldSchema = ArrowFiles.schema(oldFile);
      Schema newSchema = ArrowFiles.schema(newFile);
      CompatibilityResult r =
          CompatibilityChecker.of(CompatibilityRules.builder().readerModel(model).build())
              .check(oldSchema, newSchema);
      boolean holds = required == null || r.satisfies(required);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(toJson(r, holds));
      } else {
        out.println("level: " + r.level());
        if (required != null) {
          out.println("required: " + required + (holds ? " (holds)" : " (does not hold)"));
        }
        for (SchemaChange c : r.changes()) {
          out.println(
              "  "
                  + c.kind()
                  + "  "
                  + (c.path().toString().isEmpty() ? "<schema>" : c.path())
                  + "  ["
                  + c.level()
                  + "]  "
                  + c.message());
        }
      }
      return holds ? ExitCodes.OK : ExitCodes.NOT_SATISFIED;
    }

    private String toJson(CompatibilityResult r, boolean holds) throws Exception {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("level", r.level().name());
      root.put("readerModel", model.name());
      if (required != null) {
        root.put("required", required.name());
        root.put("holds", holds);
      }
      root.put("oldFingerprint", r.oldFingerprint().toString());
      root.put("newFingerprint", r.newFingerprint().toString());
      ArrayNode changes = root.putArray("changes");
      for (SchemaChange c : r.changes()) {
        ObjectNode n = changes.addObject();
        n.put("kind", c.kind().name());
        n.put("path", c.path().toString());
        n.put("oldType", c.oldType());
        n.put("newType", c.newType());
        n.put("level", c.level().name());
        n.put("backward", c.backward());
        n.put("forward", c.forward());
        n.put("message", c.message());
      }
      return mapper.writeValueAsString(root);
    }
  }

  static final class ModelConverter implements ITypeConverter<ReaderModel> {
    @Override
    public ReaderModel convert(String value) {
      try {
        return ReaderModel.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "expected closed or projecting, got '" + value + "'");
      }
    }
  }

  static final class LevelConverter implements ITypeConverter<CompatibilityLevel> {
    @Override
    public CompatibilityLevel convert(String value) {
      try {
        return CompatibilityLevel.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "expected none, backward, forward or full, got '" + value + "'");
      }
    }
  }
}
