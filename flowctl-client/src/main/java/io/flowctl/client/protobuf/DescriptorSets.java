package io.flowctl.client.protobuf;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.flowctl.FlowctlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Message types from a {@code FileDescriptorSet}, as {@code protoc --include_imports
 * --descriptor_set_out=FILE} and {@code buf build -o FILE} write it: how a component learns message
 * types it was not compiled with.
 */
public final class DescriptorSets {
  /** The largest descriptor set read (flow-proto's, with its imports, is about 30 KiB). */
  static final long MAX_BYTES = 64L << 20;

  private final Map<String, Descriptor> messages;

  private DescriptorSets(Map<String, Descriptor> messages) {
    this.messages = messages;
  }

  /**
   * Reads a descriptor set file.
   *
   * @throws FlowctlException INVALID_ARGUMENT naming the file when it cannot be read, is not a
   *     FileDescriptorSet, or lacks a file another one imports (run protoc with --include_imports)
   */
  public static DescriptorSets load(Path file) {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            file + ": a descriptor set larger than " + MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, file + ": cannot read (" + e + ")", e);
    }
    try {
      return of(FileDescriptorSet.parseFrom(bytes), file.toString());
    } catch (InvalidProtocolBufferException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          file + ": not a FileDescriptorSet (" + e.getMessage() + ")",
          e);
    }
  }

  /** The message types of {@code set}; {@code name} names it in errors. */
  public static DescriptorSets of(FileDescriptorSet set, String name) {
    Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
    for (FileDescriptorProto p : set.getFileList()) {
      protos.put(p.getName(), p);
    }
    Map<String, FileDescriptor> built = new HashMap<>();
    Map<String, Descriptor> messages = new HashMap<>();
    for (String file : protos.keySet()) {
      FileDescriptor fd = build(file, protos, built, new ArrayList<>(), name);
      collect(fd.getMessageTypes(), messages);
    }
    return new DescriptorSets(messages);
  }

  private static FileDescriptor build(
      String file,
      Map<String, FileDescriptorProto> protos,
      Map<String, FileDescriptor> built,
      List<String> path,
      String name) {
    FileDescriptor done = built.get(file);
    if (done != null) {
      return done;
    }
    FileDescriptorProto p = protos.get(file);
    if (p == null) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          name
              + ": "
              + path.get(path.size() - 1)
              + " imports "
              + file
              + ", which the set does not hold (write it with protoc --include_imports)");
    }
    if (path.contains(file)) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, name + ": " + file + " imports itself");
    }
    path.add(file);
    List<FileDescriptor> deps = new ArrayList<>();
    for (String d : p.getDependencyList()) {
      deps.add(build(d, protos, built, path, name));
    }
    path.remove(path.size() - 1);
    try {
      FileDescriptor fd = FileDescriptor.buildFrom(p, deps.toArray(FileDescriptor[]::new));
      built.put(file, fd);
      return fd;
    } catch (DescriptorValidationException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, name + ": " + file + ": " + e.getMessage(), e);
    }
  }

  private static void collect(List<Descriptor> types, Map<String, Descriptor> into) {
    for (Descriptor d : types) {
      into.put(d.getFullName(), d);
      collect(d.getNestedTypes(), into);
    }
  }

  /** The message type of that full name (e.g. {@code token_transfer.TokenTransferEvent}). */
  public Optional<Descriptor> find(String fullName) {
    return Optional.ofNullable(messages.get(fullName));
  }

  /**
   * The message type of that full name.
   *
   * @throws FlowctlException NOT_FOUND naming it, when the set has no such message
   */
  public Descriptor message(String fullName) {
    Descriptor d = messages.get(fullName);
    if (d == null) {
      throw new FlowctlException(
          FlowctlException.Code.NOT_FOUND,
          "no message '" + fullName + "' in the descriptor set (it has " + messages.size() + ")");
    }
    return d;
  }

  /** Every message type's full name, sorted. */
  public List<String> names() {
    return List.copyOf(new TreeSet<>(messages.keySet()));
  }
}
