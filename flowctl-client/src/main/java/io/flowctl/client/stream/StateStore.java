package io.flowctl.client.stream;

import io.flowctl.FlowctlException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a source keeps the state its {@code GetState}/{@code SaveState} calls read and write, by
 * key. The entry {@value #RESUME_TOKEN} is the resume token: {@code GetState} answers it as {@code
 * resume_token}, and a {@code StreamEvents} with {@code resume} set and no token resumes from it.
 * Implementations are thread-safe.
 */
public interface StateStore {
  /** The state entry that holds a resume token. */
  String RESUME_TOKEN = "resume_token";

  /** A state as saved. */
  record Saved(Map<String, String> state, Instant updatedAt) {
    public Saved {
      state = Map.copyOf(state);
      Objects.requireNonNull(updatedAt, "updatedAt");
    }
  }

  Optional<Saved> load(String key);

  /** Replaces the state under {@code key}. */
  void save(String key, Map<String, String> state);

  /** Kept in memory only: gone when the process ends. */
  static StateStore inMemory() {
    Map<String, Saved> states = new ConcurrentHashMap<>();
    return new StateStore() {
      @Override
      public Optional<Saved> load(String key) {
        return Optional.ofNullable(states.get(key));
      }

      @Override
      public void save(String key, Map<String, String> state) {
        states.put(key, new Saved(state, Instant.now()));
      }
    };
  }

  /**
   * One file per key in {@code dir} (created 0700 where the file system allows), each replaced
   * atomically, so a crash leaves the old state or the new one, never half of either. Keys are
   * hex-encoded into file names: any key is safe.
   */
  static StateStore directory(Path dir) {
    return new DirectoryStateStore(dir, Clock.systemUTC());
  }

  /** See {@link #directory}. */
  final class DirectoryStateStore implements StateStore {
    private final Path dir;
    private final Clock clock;

    DirectoryStateStore(Path dir, Clock clock) {
      this.dir = Objects.requireNonNull(dir, "dir");
      this.clock = clock;
    }

    private Path file(String key) {
      return dir.resolve(HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + ".state");
    }

    @Override
    public synchronized Optional<Saved> load(String key) {
      Path f = file(key);
      if (!Files.exists(f)) {
        return Optional.empty();
      }
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(f)) {
        p.load(in);
        Map<String, String> state = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
          state.put(name, p.getProperty(name));
        }
        return Optional.of(new Saved(state, Files.getLastModifiedTime(f).toInstant()));
      } catch (IOException | IllegalArgumentException e) {
        throw new FlowctlException(
            FlowctlException.Code.UNAVAILABLE, "cannot read the state file " + f + ": " + e, e);
      }
    }

    @Override
    public synchronized void save(String key, Map<String, String> state) {
      Path f = file(key);
      try {
        Files.createDirectories(dir);
        try {
          Files.setPosixFilePermissions(
              dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
          // a file system without POSIX permissions
        }
        Properties p = new Properties();
        p.putAll(state);
        Path tmp = Files.createTempFile(dir, ".state-", ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
          p.store(out, null);
        }
        try {
          Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(clock.instant()));
      } catch (IOException e) {
        throw new FlowctlException(
            FlowctlException.Code.UNAVAILABLE, "cannot write the state file " + f + ": " + e, e);
      }
    }
  }
}
